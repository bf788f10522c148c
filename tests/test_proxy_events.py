"""The event stream the TUI reads, and new snapshots applied to a running proxy."""

from __future__ import annotations

import json
from pathlib import Path

from explorer.routing import GCE, NGINX
from explorer.topology import resolve
from explorer.traffic import (
    DecisionMade, HopReached, RequestCompleted, RequestReceived, UpstreamResponse,
)
from proxy_support import PROXY_DATA, SAMPLES, get, load_clean, running

ARTICLE = SAMPLES / "article-v1"


async def test_a_forwarded_request_publishes_its_story_in_order():
    async with running(NGINX, ARTICLE) as proxy:
        events = proxy.subscribe()
        response, _ = await get(proxy, "foo-bar.com", "/foo")
        events.close()
        seen = [e async for e in events if getattr(e, "request_id", None) is not None]
        controller = proxy.pool.health.controller
    rid = int(response.headers["X-Ingress-Explorer-Request"])
    assert {e.request_id for e in seen} == {rid}
    kinds = [type(e) for e in seen]
    assert kinds[0] is RequestReceived and kinds[1] is DecisionMade and kinds[-1] is RequestCompleted
    assert kinds[-2] is UpstreamResponse
    received, decision = seen[0], seen[1].decision
    assert received.url == "http://foo-bar.com/foo" and received.listener == "shared"
    assert str(decision.backend) == "default/my-nodeport-01:8080"
    hops = [e for e in seen if isinstance(e, HopReached)]
    flow = resolve(load_clean(ARTICLE), NGINX, decision, controller)
    every = flow.all_hops()
    assert [h.index for h in hops[:len(flow.hops)]] == list(range(len(flow.hops)))
    assert all(every[h.index].label == h.hop for h in hops)
    pod = response.headers["X-Ingress-Explorer-Pod"]
    assert hops[-2].kind == "pod" and pod in hops[-2].hop and hops[-1].kind == "container-port"
    upstream, done = seen[-2], seen[-1]
    assert upstream.pod == pod and upstream.status == 200 and json.loads(upstream.body_excerpt)["pod"] == pod
    assert (done.status, done.pod, done.backend, done.ingress) == (200, pod, "default/my-nodeport-01:8080",
                                                                  "default/my-ingress")
    assert done.rule == "foo-bar.com /foo (Prefix)" and done.outcome == "forward"


async def test_a_404_is_logged_with_no_pod():
    async with running(NGINX, ARTICLE) as proxy:
        events = proxy.subscribe()
        await get(proxy, "foo-bar.com", "/none")
        events.close()
        done = [e async for e in events if isinstance(e, RequestCompleted)]
    assert [(e.status, e.pod, e.backend, e.outcome) for e in done] == [(404, "-", "-", "answer")]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: shop}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: shop}}}}
  template:
    metadata:
      labels: {{app: shop}}
      annotations:
        ingress-explorer/app: '{{"/hello": {{"body": "{greeting}"}}}}'
    spec:
      containers:
        - {{name: shop, image: shop:1, ports: [{{containerPort: 8080}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: shop}}
spec:
  type: NodePort
  selector: {{app: shop}}
  ports: [{{port: 80, targetPort: 8080}}]
"""

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: {name}}}
spec:
  rules:
    - host: {name}.example.com
      http:
        paths:
          - {{path: /, pathType: Prefix, backend: {{service: {{name: shop, port: {{number: 80}}}}}}}}
"""


async def test_apply_changes_answers_and_pods_without_moving_the_listener(tmp_path):
    write(tmp_path / "app.yaml", APP.format(replicas=1, greeting="hello"))
    write(tmp_path / "ingress.yaml", INGRESS.format(name="shop"))
    async with running(NGINX, tmp_path) as proxy:
        port = proxy.listeners["shared"].http_port
        first, text = await get(proxy, "shop.example.com", "/hello")
        write(tmp_path / "app.yaml", APP.format(replicas=2, greeting="bonjour"))
        await proxy.apply(load_clean(tmp_path), NGINX)
        pods = set()
        for _ in range(4):
            response, text2 = await get(proxy, "shop.example.com", "/hello")
            pods.add(response.headers["X-Ingress-Explorer-Pod"])
        assert proxy.listeners["shared"].http_port == port
    assert first.status == 200 and text == "hello"
    assert text2 == "bonjour"
    assert len(pods) == 2 and first.headers["X-Ingress-Explorer-Pod"] in pods  # the first Pod kept running


async def test_apply_on_gce_opens_and_closes_load_balancers(tmp_path):
    write(tmp_path / "app.yaml", APP.format(replicas=1, greeting="hi"))
    write(tmp_path / "a.yaml", INGRESS.format(name="a"))
    async with running(GCE, tmp_path) as proxy:
        a_port = proxy.listeners["default/a"].http_port
        write(tmp_path / "b.yaml", INGRESS.format(name="b"))
        await proxy.apply(load_clean(tmp_path), GCE)
        both = dict(proxy.listeners)
        b, _ = await get(proxy, "b.example.com", "/", lb="default/b")
        (tmp_path / "a.yaml").unlink()
        await proxy.apply(load_clean(tmp_path), GCE)
        after = dict(proxy.listeners)
    assert set(both) == {"default/a", "default/b"} and both["default/a"].http_port == a_port
    assert b.status == 200
    assert set(after) == {"default/b"}


async def test_switching_profile_swaps_the_listener_layout():
    async with running(NGINX, PROXY_DATA / "site") as proxy:
        assert list(proxy.listeners) == ["shared"]
        await proxy.apply(load_clean(PROXY_DATA / "site"), GCE)
        response, _ = await get(proxy, "secure.example.com", "/", lb="default/site")
        layout = set(proxy.listeners)
    assert layout == {"default/site", "default/rewrite"}
    assert response.status == 200  # gce: no TLS redirect
