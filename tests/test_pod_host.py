"""Simulated Pods in a process of their own (explorer/sim/host.py), as `serve` runs them."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from explorer.model import load_texts
from explorer.profiles import get_profile
from explorer.proxy import Proxy, ProxyOptions
from explorer.sim.host import PodHost

SITE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {ingress-explorer/app: '{"/hello": {"body": "BODY"}}'}
    spec:
      containers: [{name: web, image: web:1, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:
    - host: web.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
"""


def site(replicas: int = 1, body: str = "hello") -> dict[str, str]:
    return {"site.yaml": SITE.replace("REPLICAS", str(replicas)).replace("BODY", body)}


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def wait_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_pods_in_their_own_process_answer_as_pods_in_the_proxys_process():
    profile = get_profile("nginx")
    echoes = []
    for pods_process in (False, True):
        proxy = Proxy(ProxyOptions(time_scale=0.05, pods_process=pods_process))
        await proxy.start(load_texts(site()), profile)
        try:
            hello = await proxy.send("GET", "http://web.example.com/hello")
            assert (hello.status, hello.body) == (200, "hello")
            echo = await proxy.send("GET", "http://web.example.com/echo?x=1", headers={"X-Mine": "1"})
            assert echo.status == 200
            seen = json.loads(echo.body)
            seen.pop("pod")  # each run names its Pods afresh
            echoes.append(seen)
            if pods_process:
                assert isinstance(proxy.sims, PodHost) and proxy.sims.pid not in (None, os.getpid())
                assert alive(proxy.sims.pid)
        finally:
            await proxy.stop()
    in_process, hosted = echoes
    # the Pod in another process gets the Ingress, backend and rule in three headers instead of a token, and
    # shows the same: the same app, the same headers, the same rule
    assert hosted == in_process
    assert hosted["ingress"] == "default/web" and hosted["rule"] == {"host": "web.example.com", "path": "/",
                                                                       "pathType": "Prefix"}
    assert not any(name.lower().startswith("x-ingress-explorer") for name in hosted["headers"])


async def test_a_new_snapshot_changes_the_hosted_pods_and_the_status_page_counts_their_requests():
    proxy = Proxy(ProxyOptions(time_scale=0.05, pods_process=True, status_port=0))
    await proxy.start(load_texts(site()), get_profile("nginx"))
    try:
        assert isinstance(proxy.sims, PodHost)
        first = set(proxy.sims.pods)
        assert len(first) == 1
        for _ in range(3):
            assert (await proxy.send("GET", "http://web.example.com/hello")).body == "hello"
        await proxy.apply(load_texts(site(replicas=2, body="changed")), get_profile("nginx"))
        assert len(proxy.sims.pods) == 2 and first < set(proxy.sims.pods)  # one more started, the first kept
        answers = {(await proxy.send("GET", "http://web.example.com/hello")).body for _ in range(4)}
        assert answers == {"changed"}  # the kept Pod took the new app without moving
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{proxy.status_port}/") as response:
                status = await response.json()
        counts = {p["pod"]: p["requests"] for p in status["pods"]}
        assert counts[next(iter(first))] >= 5  # 3 + its share of 4, probes on top
        pid = proxy.sims.pid
        assert pid is not None
    finally:
        await proxy.stop()
    assert await wait_gone(pid)  # stopping the proxy stops its Pods' process


async def test_the_pods_process_does_not_outlive_a_killed_proxy():
    # A proxy process killed outright (no stop): the Pods' process sees its stdin close and exits
    program = (
        "import asyncio, os, sys\n"
        "from explorer.model import load_texts\n"
        "from explorer.profiles import get_profile\n"
        "from explorer.proxy import Proxy, ProxyOptions\n"
        "async def main():\n"
        "    proxy = Proxy(ProxyOptions(pods_process=True))\n"
        f"    await proxy.start(load_texts({site()!r}), get_profile('nginx'))\n"
        "    print(proxy.sims.pid, flush=True)\n"
        "    os._exit(9)\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.returncode == 9, done.stderr
    child = int(done.stdout.split()[0])
    assert await wait_gone(child), f"the Pods' process {child} outlived the proxy"
