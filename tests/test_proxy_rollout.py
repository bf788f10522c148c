"""A Pod leaving a NEG during a rollout, enacted by the proxy: real requests through it, real 502s."""

from __future__ import annotations

import asyncio

import pytest

from explorer.model import load_texts
from explorer.proxy import Proxy, ProxyOptions
from explorer.proxy.server import ProxyError
from explorer.routing import GCE

SITE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.k8s.io/e2e-test-images/agnhost:2.53
          ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations: {cloud.google.com/neg: '{"ingress": true}'}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
"""


async def _statuses(proxy: Proxy, n: int) -> list[tuple[int, str]]:
    out = []
    for _ in range(n):
        got = await proxy.send("GET", "http://web.example.com/")
        out.append((got.status, got.pod))
    return out


@pytest.mark.parametrize("pods_process", [False, True], ids=["pods-in-process", "pods-process"])
async def test_a_leaving_pod_is_refused_after_it_stops_and_chosen_until_it_leaves(pods_process):
    proxy = Proxy(ProxyOptions(pods_process=pods_process))
    await proxy.start(load_texts({"site.yaml": SITE}), GCE)
    try:
        before = await _statuses(proxy, 6)
        assert all(status == 200 for status, _ in before)
        pods = sorted({pod for _, pod in before})
        assert len(pods) == 3  # round-robin over the three Pods
        leaving = f"default/{pods[0]}"
        await proxy.terminate_pod(leaving, 0.1, 0.8)
        await asyncio.sleep(0.3)  # stopped serving, still in the NEG
        during = await _statuses(proxy, 6)
        failed = [s for s in during if s[0] == 502]
        assert len(failed) == 2, during  # every third request is the leaving Pod's: its port is closed
        assert all(status == 200 and pod != pods[0] for status, pod in during if status != 502)
        await asyncio.sleep(0.6)  # detached: no request goes to it any more
        after = await _statuses(proxy, 6)
        assert all(status == 200 and pod != pods[0] for status, pod in after), after
    finally:
        await proxy.stop()


@pytest.mark.parametrize("pods_process", [False, True], ids=["pods-in-process", "pods-process"])
async def test_a_pod_with_time_to_leave_answers_every_request(pods_process):
    proxy = Proxy(ProxyOptions(pods_process=pods_process))
    await proxy.start(load_texts({"site.yaml": SITE}), GCE)
    try:
        pods = sorted({pod for _, pod in await _statuses(proxy, 3)})
        await proxy.terminate_pod(f"default/{pods[1]}", 1.0, 0.3)  # a preStop longer than the detach
        assert all(status == 200 for status, _ in await _statuses(proxy, 6))
        await asyncio.sleep(0.4)
        assert all(status == 200 and pod != pods[1] for status, pod in await _statuses(proxy, 6))
        with pytest.raises(ProxyError):
            await proxy.terminate_pod("default/nobody", 0, 0)
    finally:
        await proxy.stop()
