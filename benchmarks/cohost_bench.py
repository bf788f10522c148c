"""What running the Pod in the proxy's own process costs: a bare aiohttp proxy and a hello Pod in one process,
against the same two in two processes (CPU per request from /proc; wrk makes the load, so wrk is needed).

    .venv/bin/python benchmarks/cohost_bench.py [--rounds 3] [--seconds 4]

`serve` ran its simulated Pods in its own process until they got one of their
own (explorer/sim/host.py); the app still does. This measures what the sharing
itself costs, with the same proxy code on both sides: the co-hosted process's
CPU per request less its Pod's (the Pod's cost behind a proxy; and its cost
when hit straight), against the separate proxy's CPU per request.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


async def _serve(role: str, upstream: str = "") -> None:
    """One child process: the hello Pod, the proxy in front of `upstream`, or both in one event loop."""
    from aiohttp import web
    from bare_proxy import proxy_to  # the same proxy code on both sides

    async def hello(request: web.BaseRequest) -> web.StreamResponse:
        return web.Response(text="hello")

    async def listen(handler) -> int:  # type: ignore[no-untyped-def]
        runner = web.ServerRunner(web.Server(handler))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return runner.addresses[0][1]

    if role == "pod":
        ports = [await listen(hello)]
    elif role == "both":
        pod = await listen(hello)
        ports = [await listen(proxy_to(f"http://127.0.0.1:{pod}")), pod]
    else:
        ports = [await listen(proxy_to(f"http://{upstream}"))]
    print("listening", *ports, flush=True)
    await asyncio.Event().wait()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(*args: str) -> tuple[subprocess.Popen[str], list[int]]:
    proc = subprocess.Popen([sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, [int(p) for p in proc.stdout.readline().split()[1:]]


def load(port: int, seconds: int) -> int:
    """Requests wrk made at 100 connections."""
    out = subprocess.run(["wrk", "-t2", "-c100", f"-d{seconds}s", f"http://127.0.0.1:{port}/hello"],
                         capture_output=True, text=True, check=True).stdout
    return int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]


def per_request(pid: int, port: int, seconds: int, other: int | None = None) -> tuple[float, float]:
    """CPU seconds per request of `pid` (and of `other`) while wrk loads `port`."""
    before = cpu_seconds(pid), cpu_seconds(other) if other else 0.0
    n = load(port, seconds)
    return (cpu_seconds(pid) - before[0]) / n, ((cpu_seconds(other) - before[1]) / n if other else 0.0)


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        asyncio.run(_serve(*sys.argv[2:]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4)
    args = parser.parse_args()
    both, (both_proxy, both_pod) = start("both")
    pod, (pod_port,) = start("pod")
    proxy, (proxy_port,) = start("proxy", f"127.0.0.1:{pod_port}")
    try:
        for number in range(1, args.rounds + 1):
            cohosted, _ = per_request(both.pid, both_proxy, args.seconds)
            separate, pod_behind = per_request(proxy.pid, proxy_port, args.seconds, pod.pid)
            pod_straight, _ = per_request(pod.pid, pod_port, args.seconds)
            print(f"round {number}: one process {cohosted * 1e6:.0f} us per request; "
                  f"two: proxy {separate * 1e6:.0f} us "
                  f"+ Pod {pod_behind * 1e6:.0f} us behind it ({pod_straight * 1e6:.0f} us hit straight); "
                  f"co-hosted less the Pod behind a proxy / separate proxy: {(cohosted - pod_behind) / separate:.2f}x "
                  f"(less the Pod hit straight: {(cohosted - pod_straight) / separate:.2f}x)")
    finally:
        for p in (both, pod, proxy):
            p.kill()
            p.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
