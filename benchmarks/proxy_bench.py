"""Proxy speed: requests per second and latency through the proxy, against the same simulated Pod directly.

    .venv/bin/python benchmarks/proxy_bench.py [--seconds 5] [--connections 32] [--controller nginx]

`ingress-explorer serve` runs in its own process (one Ingress, one Pod; the
Pod in serve's Pod process, explorer/sim/host.py); the load comes from this
process. The same Pod is measured straight, through the proxy, and through
two bare aiohttp reverse proxies (benchmarks/bare_proxy.py: buffered body,
hop-by-hop headers stripped), each in its own process, in the same run, so
the ratios show what the proxy costs (machines differ; the ratios are the
figures): one sending through one aiohttp ClientSession (the floor the issue
names), one through the embedded proxy's own client to Pods (so that what is
left is routing and features). CPU per request is read from /proc (user +
system time of each process): serve's process holds only the proxy, the Pod
has a process of its own, which is printed apart. Where `wrk` is installed it
makes the load (else an aiohttp client here, which is itself a bottleneck),
and where `nginx` is installed too, nginx as a reverse proxy to the same Pod
is measured as the reference (Debian: apt-get install wrk nginx-light), and
then, as a breakdown of the rate, the bare proxy and a hello Pod sharing one
process (cohost_bench.py's), which bounds what a proxy that runs its Pods in
its own event loop, as serve did before its Pods had a process, can reach.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "bench.example.com"

MANIFESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: bench}
spec:
  replicas: 1
  selector: {matchLabels: {app: bench}}
  template:
    metadata:
      labels: {app: bench}
      annotations:
        ingress-explorer/app: '{"/hello": {"body": "hello"}}'
    spec:
      containers:
        - {name: bench, image: bench:1, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: bench}
spec:
  type: NodePort
  selector: {app: bench}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bench}
spec:
  rules:
    - host: bench.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: bench, port: {number: 80}}}}
"""


@dataclass
class Result:
    target: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int = 0
    requests: int = 0
    cpu: dict[str, float] | None = None  # seconds of user + system time, by process, during the run


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_serve(directory: Path, controller: str) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "serve", "-f", str(directory), "--controller", controller,
         "--http-port", "0", "--https-port", "0", "--status-port", "0", "--no-watch", "-q"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        found = re.search(r"status \(JSON\): (\S+)", line)
        if found:
            with urllib.request.urlopen(found.group(1), timeout=10) as response:
                return proc, json.load(response)
    raise SystemExit("serve did not start: " + (proc.stderr.read() if proc.stderr else ""))


def run_wrk(url: str, seconds: int, connections: int, host: str | None) -> Result:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if host:
        args[1:1] = ["-H", f"Host: {host}"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|Socket errors:.*?timeout)\s*:?\s*(\d+)", out))

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return Result("", rps, pct("50"), pct("99"), errors, int(rps * seconds))


async def run_aiohttp(url: str, seconds: int, connections: int, host: str | None) -> Result:
    import aiohttp

    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    headers = {"Host": host} if host else {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:
        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with session.get(url, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return Result("", len(latencies) / elapsed, statistics.median(latencies),
                  latencies[int(len(latencies) * 0.99) - 1], errors, len(latencies))


def measure(name: str, url: str, args: argparse.Namespace, host: str | None,
            pids: dict[str, int] | None = None) -> Result:
    before = {name: cpu_seconds(pid) for name, pid in (pids or {}).items()}
    if shutil.which("wrk"):
        result = run_wrk(url, args.seconds, args.connections, host)
    else:
        result = asyncio.run(run_aiohttp(url, args.seconds, args.connections, host))
    result.cpu = {name: cpu_seconds(pid) - before[name] for name, pid in (pids or {}).items()}
    result.target = name
    return result


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (serve's Pod process)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def start_bare(pod: str, client: str = "aiohttp") -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "bare_proxy.py"), pod, "--client", client],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.match(r"listening (\d+)", line)
    if not found:
        proc.kill()
        raise SystemExit(f"the bare proxy did not start: {line!r}")
    return proc, int(found.group(1))


def start_cohosted() -> tuple[subprocess.Popen, int]:
    """cohost_bench.py's bare proxy and hello Pod in one process (one event loop, as serve hosts its Pods)."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "cohost_bench.py"), "--child", "both"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    found = re.match(r"listening (\d+)", proc.stdout.readline())
    if not found:
        proc.kill()
        raise SystemExit("the co-hosted bare proxy did not start")
    return proc, int(found.group(1))


def start_nginx(pod: str, workdir: Path) -> tuple[subprocess.Popen, int] | None:
    if not shutil.which("nginx"):
        return None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = workdir / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/body; proxy_temp_path {workdir}/proxy;
  fastcgi_temp_path {workdir}/fastcgi; uwsgi_temp_path {workdir}/uwsgi; scgi_temp_path {workdir}/scgi;
  upstream pod {{ server {pod}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://pod;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
    }}
  }}
}}
""")
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(workdir), "-e", str(workdir / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--controller", choices=("nginx", "gce"), default="nginx")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of straight / proxy / bare runs, alternating; CPU per request is their median "
                             "(a shared machine's load moves between runs)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="proxy-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "manifests").mkdir()
        (workdir / "manifests" / "bench.yaml").write_text(MANIFESTS)
        proc, status = start_serve(workdir / "manifests", args.controller)
        nginx = None
        bare = lean = None
        try:
            listener = status["listeners"][0]["http"]
            pod = status["pods"][0]["address"]
            bare = start_bare(pod)
            lean = start_bare(pod, "explorer")
            pods = children(proc.pid)
            if len(pods) != 1:
                raise SystemExit(f"serve should have one Pod process; found {pods}")
            pids = {"serve": proc.pid, "pods": pods[0], "bare": bare[0].pid, "lean": lean[0].pid}
            measure("warm-up", f"{listener}/hello", argparse.Namespace(**{**vars(args), "seconds": 1}), HOST)
            rounds = []
            for _ in range(args.rounds):
                rounds.append([
                    measure("straight to the simulated Pod", f"http://{pod}/hello", args, HOST, pids),
                    measure(f"through the proxy ({args.controller})", f"{listener}/hello", args, HOST, pids),
                    measure("bare proxy, aiohttp ClientSession", f"http://127.0.0.1:{bare[1]}/hello", args, HOST,
                            pids),
                    measure("bare proxy, the proxy's client", f"http://127.0.0.1:{lean[1]}/hello", args, HOST, pids),
                ])
            results = list(rounds[-1])
            nginx = start_nginx(pod, workdir) if shutil.which("wrk") else None
            if nginx is not None:
                results.append(measure("nginx reverse proxy (reference)", f"http://127.0.0.1:{nginx[1]}/hello",
                                       args, HOST))
                # A breakdown, not a comparison: serve runs its Pods in its own process, so its rate is bounded
                # by proxy + Pod on one core. The bare proxy and a hello Pod in one process show that bound.
                cohosted = start_cohosted()
                try:
                    results.append(measure("bare proxy + hello Pod, one process",
                                           f"http://127.0.0.1:{cohosted[1]}/hello", args, HOST))
                finally:
                    cohosted[0].kill()
                    cohosted[0].wait(10)
        finally:
            for started in (bare, lean):
                if started is not None:
                    started[0].kill()
                    started[0].wait(10)
            if nginx is not None:
                nginx[0].send_signal(signal.SIGQUIT)
                nginx[0].wait(10)
            proc.send_signal(signal.SIGINT)
            proc.wait(15)
    tool = "wrk" if shutil.which("wrk") else "aiohttp client"
    print(f"{args.connections} connections, {args.seconds} s each, load from {tool}")
    print(f"{'target':<36} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for r in results:
        print(f"{r.target:<36} {r.rps:>9.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {r.errors:>7}")
    direct, proxied, plain, same = results[0], results[1], results[2], results[3]
    print(f"proxy rate / direct rate: {proxied.rps / direct.rps:.2f}")
    print(f"proxy rate / bare proxy rate: {proxied.rps / plain.rps:.2f} (ClientSession), "
          f"{proxied.rps / same.rps:.2f} (the proxy's client)")
    if len(results) > 4:
        print(f"proxy rate / nginx rate: {proxied.rps / results[4].rps:.2f} (goal >= 0.35)")
    if len(results) > 5:
        print(f"bare proxy + hello Pod in one process / nginx rate: {results[5].rps / results[4].rps:.2f} (what a "
              "proxy that hosts its Pods in its own event loop could reach here)")
    ratios, same_ratios = [], []
    for number, (direct, proxied, plain, same) in enumerate(rounds, 1):
        assert direct.cpu and proxied.cpu and plain.cpu and same.cpu

        def per(result: Result, name: str) -> float:
            assert result.cpu is not None
            return result.cpu[name] / max(result.requests, 1)

        serve, floor, lean_floor = per(proxied, "serve"), per(plain, "bare"), per(same, "lean")
        ratios.append(serve / floor)
        same_ratios.append(serve / lean_floor)
        print(f"round {number}: CPU per request (user+sys from /proc): serve (the proxy alone) {serve * 1e6:.0f} us, "
              f"bare proxy {floor * 1e6:.0f} us with a ClientSession ({serve / floor:.2f}x), {lean_floor * 1e6:.0f} us "
              f"with the proxy's client ({serve / lean_floor:.2f}x); the Pod's process {per(proxied, 'pods') * 1e6:.0f} "
              f"us behind serve, {per(plain, 'pods') * 1e6:.0f} us behind the bare proxy, "
              f"{per(direct, 'pods') * 1e6:.0f} us straight")
    print(f"embedded / bare CPU per request, median of {len(ratios)} rounds: {statistics.median(ratios):.2f}x "
          f"against a ClientSession proxy (goal <= 1.2x); {statistics.median(same_ratios):.2f}x against a bare proxy "
          "with the same client (what routing and the features cost)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
