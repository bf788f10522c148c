"""Sustained load through the proxy: errors, rate against the Pod alone, and memory over time.

    .venv/bin/python benchmarks/proxy_load.py [--requests 10000] [--connections 100] [--controller nginx]

`ingress-explorer serve` runs in its own process, started as proxy_bench.py
starts it (one Ingress, one Service, one Pod answering /hello), and this
process sends exactly --requests requests over --connections keep-alive
connections with aiohttp's client: first straight to the simulated Pod (the
baseline, same run, same client), then the same number through the proxy.
Every request should get 200: the Pod is healthy and 100 connections are far
below every limit, so any other status or a failed request is an error.

The serve process's resident memory (VmRSS) is sampled before the load, every
0.1 s during it, and after each tenth of the proxied requests: flat memory
means the last tenths end where the first did, not a little higher each time.
Where `wrk` is installed, proxy_bench.py measures raw rates with it; this
script counts requests exactly, which wrk cannot.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proxy_bench import HOST, MANIFESTS, start_serve  # noqa: E402  (the same serve set-up, not a copy)

REQUEST_TIMEOUT = 30.0  # seconds: a request that takes longer counts as an error, and the run still ends


@dataclass
class LoadResult:
    requests: int
    seconds: float
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)  # exception class name -> count
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def errors(self, expected: int = 200) -> int:
        """Requests that failed or got anything but `expected`."""
        return sum(self.failures.values()) + sum(n for status, n in self.statuses.items() if status != expected)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


async def load(url: str, requests: int, connections: int, host: str | None = None,
               session: aiohttp.ClientSession | None = None) -> LoadResult:
    """Send exactly `requests` GETs to `url` from `connections` workers, each on its own keep-alive connection."""
    own = session is None
    if session is None:
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections),
                                        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))
    result = LoadResult(requests, 0.0)
    headers = {"Host": host} if host else {}
    left = requests

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            started = time.perf_counter()
            try:
                async with session.get(url, headers=headers) as response:
                    await response.read()
                    result.statuses[response.status] += 1
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                result.failures[type(exc).__name__] += 1
            result.latencies_ms.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    try:
        await asyncio.gather(*(worker() for _ in range(connections)))
    finally:
        result.seconds = time.perf_counter() - started
        if own:
            await session.close()
    return result


def rss_kib(pid: int | str = "self") -> int | None:
    """Resident memory of a process in KiB (Linux /proc); None where there is no /proc."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    line = next((line for line in text.splitlines() if line.startswith("VmRSS:")), None)
    return int(line.split()[1]) if line else None


class RssSampler:
    """Samples a process's RSS every `interval` seconds while the block runs."""

    def __init__(self, pid: int | str = "self", interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.samples: list[int] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            value = rss_kib(self.pid)
            if value is not None:
                self.samples.append(value)
            await asyncio.sleep(self.interval)

    async def __aenter__(self) -> "RssSampler":
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def measure(pod: str, listener: str, pid: int, args: argparse.Namespace) -> int:
    before = rss_kib(pid)
    direct = await load(f"http://{pod}/hello", args.requests, args.connections, HOST)
    slices = 10
    per_slice = args.requests // slices
    after_slice: list[int | None] = []
    proxied = LoadResult(0, 0.0)
    connector = aiohttp.TCPConnector(limit=args.connections)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as s:
        async with RssSampler(pid) as sampler:
            for _ in range(slices):
                part = await load(f"{listener}/hello", per_slice, args.connections, HOST, session=s)
                proxied.requests += part.requests
                proxied.seconds += part.seconds
                proxied.statuses.update(part.statuses)
                proxied.failures.update(part.failures)
                proxied.latencies_ms.extend(part.latencies_ms)
                after_slice.append(rss_kib(pid))
    await asyncio.sleep(1.0)  # keep-alive connections closed, the proxy idle again
    after = rss_kib(pid)

    print(f"{args.requests} requests at {args.connections} concurrent connections, aiohttp client, "
          f"controller {args.controller}")
    print(f"{'target':<32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in (("straight to the simulated Pod", direct), ("through the proxy", proxied)):
        print(f"{name:<32} {r.rps:>8.0f} {r.percentile(0.5):>8.2f} {r.percentile(0.99):>8.2f} {r.errors():>7}")
    print(f"proxy rate / direct rate: {proxied.rps / direct.rps:.2f}")
    for name, r in (("direct", direct), ("proxy", proxied)):
        if r.errors():
            print(f"  {name} errors: statuses {dict(r.statuses)}, failures {dict(r.failures)}")
    if before is None:
        print("memory: no /proc here, not measured")
        return 1 if proxied.errors() or direct.errors() else 0
    mib = [round((v or 0) / 1024, 1) for v in after_slice]
    print(f"serve RSS (MiB): before {before / 1024:.1f}, peak during {max(sampler.samples, default=0) / 1024:.1f}, "
          f"after {(after or 0) / 1024:.1f}")
    print(f"  after each tenth of the proxied requests: {mib}")
    print(f"  growth from the first tenth to the last: {mib[-1] - mib[0]:+.1f} MiB")
    return 1 if proxied.errors() or direct.errors() else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--controller", choices=("nginx", "gce"), default="nginx")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="proxy-load-") as tmp:
        manifests = Path(tmp) / "manifests"
        manifests.mkdir()
        (manifests / "bench.yaml").write_text(MANIFESTS)
        proc, status = start_serve(manifests, args.controller)
        try:
            pod = next(p["address"] for p in status["pods"] if p["pod"].startswith("default/bench-"))
            return asyncio.run(measure(pod, status["listeners"][0]["http"], proc.pid, args))
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(15)


if __name__ == "__main__":
    sys.exit(main())
