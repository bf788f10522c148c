"""The proxy on a snapshot with thousands of Pods: they start on demand, through real HTTP.

A cluster dump has tens of thousands of Pods; starting a server and a health
check for each froze the TUI. Above `ProxyOptions.eager_limit` Pods the proxy
starts a Pod's server on its first request and a backend's checks with the
first request routed to it; everything else stays Unknown.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from explorer.model.load import load, load_text
from explorer.proxy import Proxy, ProxyOptions
from explorer.routing import PROFILES
from explorer.traffic import HealthChecksStarted, PodsOnDemand

SAMPLES = Path(__file__).resolve().parent.parent / "explorer" / "data" / "sample-manifests"
SERVICES, REPLICAS, INGRESSES = 300, 10, 60  # 3,000 Pods, 300 rows


def many_pods(services: int = SERVICES, replicas: int = REPLICAS, ingresses: int = INGRESSES) -> str:
    """Services, their Pods as a cluster lists them (status.podIP, Ready), and Ingresses of five paths each.

    Pods as a dump has them (each with its own IP), not Deployments: the
    simulation hands template Pods addresses from three nodes' /24s.
    """
    docs = []
    for i in range(services):
        docs.append(f"""apiVersion: v1
kind: Service
metadata: {{name: app{i}, namespace: default}}
spec:
  type: NodePort
  selector: {{app: app{i}}}
  ports: [{{name: http, port: 80, targetPort: http}}]
""")
        for r in range(replicas):
            n = i * replicas + r
            docs.append(f"""apiVersion: v1
kind: Pod
metadata: {{name: app{i}-{r:02d}, namespace: default, labels: {{app: app{i}}}}}
spec:
  containers:
  - name: web
    image: example/app
    ports: [{{name: http, containerPort: 8080}}]
    readinessProbe: {{httpGet: {{path: /healthz, port: http}}, periodSeconds: 10}}
status:
  phase: Running
  podIP: 10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}
  conditions: [{{type: Ready, status: "True"}}]
""")
    for i in range(ingresses):
        paths = "".join(f"""      - path: /p{j}
        pathType: Prefix
        backend: {{service: {{name: app{(i * 5 + j) % services}, port: {{name: http}}}}}}
""" for j in range(5))
        docs.append(f"""apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: ing{i}, namespace: default}}
spec:
  ingressClassName: nginx
  rules:
  - host: h{i}.example.com
    http:
      paths:
{paths}""")
    return "---\n".join(docs)


@pytest.fixture(scope="module")
def big_state():
    state = load_text(many_pods(), "many-pods.yaml")
    assert not [p for p in state.problems if p.severity == "error"]
    return state


async def _get(proxy: Proxy, host: str, path: str) -> tuple[int, dict[str, str], str]:
    base = proxy.listeners["shared"].base_url("http")
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}{path}", headers={"Host": host}) as response:
            return response.status, dict(response.headers), await response.text()


def test_thousands_of_pods_start_on_demand_and_a_request_reaches_one(big_state):
    async def main() -> None:
        proxy = Proxy(ProxyOptions(time_scale=0.05))
        events = proxy.subscribe()
        await proxy.start(big_state, PROFILES["nginx"])
        try:
            assert proxy.sims is not None
            assert len(proxy.sims.wanted) == SERVICES * REPLICAS
            assert proxy.sims.servers_started == 0 and not proxy.pool.health._tasks
            # nothing has been checked: health is Unknown, never invented
            cs = proxy.pool.health.controller
            assert cs is not None and {cs.backend_health(b) for b in cs.backends} == {"Unknown"}

            status, headers, body = await _get(proxy, "h3.example.com", "/p2/x")  # app17
            assert status == 200, body
            assert headers["X-Ingress-Explorer-Backend"] == "default/app17:http"
            assert headers["X-Ingress-Explorer-Pod"].startswith("app17-")
            assert '"pod": "app17-' in body
            # the first request started app17's Pods (its health checks reach each one), and no other
            assert proxy.sims.servers_started == REPLICAS
            assert all(key.startswith("default/app17-") for key in proxy.sims.pods)
            assert proxy.pool.health.checked == {"default-app17-80"}
            assert cs is not None and proxy.pool.health.controller.backend_health("default-app17-80") == "HEALTHY"
            assert proxy.pool.health.controller.backend_health("default-app18-80") == "Unknown"

            status, headers, _ = await _get(proxy, "h3.example.com", "/p2/y")  # round-robin: the next Pod
            assert status == 200 and proxy.sims.servers_started == REPLICAS
            status, headers, _ = await _get(proxy, "h4.example.com", "/p0")  # app20: ten more
            assert status == 200 and headers["X-Ingress-Explorer-Pod"].startswith("app20-")
            assert proxy.sims.servers_started == 2 * REPLICAS < SERVICES * REPLICAS // 100

            status_page = proxy.status()
            assert status_page["podsOnDemand"] == {"onDemand": True, "limit": 500, "pods": SERVICES * REPLICAS,
                                                   "checkedBackends": ["default-app17-80", "default-app20-80"]}
        finally:
            await proxy.stop()
        seen = [event async for event in events]
        assert PodsOnDemand(SERVICES * REPLICAS, 500, True, seen[0].time) == seen[0]
        assert [e.backend for e in seen if isinstance(e, HealthChecksStarted)] == ["default-app17-80",
                                                                                   "default-app20-80"]

    asyncio.run(main())


def test_a_snapshot_that_shrinks_below_the_limit_starts_every_pod_again(big_state):
    async def main() -> None:
        proxy = Proxy(ProxyOptions(time_scale=0.05))
        await proxy.start(big_state, PROFILES["nginx"])
        try:
            assert proxy.pool.on_demand and proxy.sims is not None and not proxy.sims.pods
            small = load([str(SAMPLES / "article-v1")])
            await proxy.apply(small, PROFILES["nginx"])
            assert not proxy.pool.on_demand
            assert len(proxy.sims.pods) == len(proxy.sims.wanted) == 3
            cs = proxy.pool.health.controller
            assert cs is not None and {cs.backend_health(b) for b in cs.backends} == {"HEALTHY"}
        finally:
            await proxy.stop()

    asyncio.run(main())


def test_a_small_scenario_on_demand_answers_as_it_does_with_every_pod_running():
    """eager_limit=0 puts even the article's three Pods on demand: the first request finds them healthy."""
    async def main() -> None:
        state = load([str(SAMPLES / "article-v1")])
        proxy = Proxy(ProxyOptions(time_scale=0.05, eager_limit=0))
        await proxy.start(state, PROFILES["nginx"])
        try:
            assert proxy.sims is not None and not proxy.sims.pods
            status, headers, _ = await _get(proxy, "foo-bar.com", "/foo")
            assert status == 200 and headers["X-Ingress-Explorer-Backend"] == "default/my-nodeport-01:8080"
            status, _, body = await _get(proxy, "foo-bar.com", "/nothing-here")
            assert status == 404 and not body.startswith("{")  # the controller's own answer: no Pod started
            assert 0 < len(proxy.sims.pods) < 3
        finally:
            await proxy.stop()

    asyncio.run(main())


def test_serve_banner_says_the_pods_start_on_demand_and_lists_a_few_rules(big_state):
    from explorer.commands.common import Style
    from explorer.commands.serve import CURL_LINES, banner

    async def main() -> str:
        proxy = Proxy(ProxyOptions())
        await proxy.start(big_state, PROFILES["nginx"])
        try:
            return banner(proxy, big_state, PROFILES["nginx"], Style(False))
        finally:
            await proxy.stop()

    text = asyncio.run(main())
    assert ("simulated Pods: 3,000, more than 500: each starts on its first request, and a backend's health "
            "checks start with the first request routed to it") in text
    assert sum(1 for line in text.splitlines() if line.strip().startswith("curl ")) == CURL_LINES
    assert f"... and {INGRESSES * 5 - CURL_LINES} more rules" in text
