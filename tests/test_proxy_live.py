"""The proxy in front of a live cluster's Pods: requests reach them through port-forwards.

The cluster is tests/fakeapi.py, which speaks the real port-forward protocol
(WebSocket, v4.channel.k8s.io) and relays each stream to a real HTTP server
on loopback standing for the Pod's container; the tool opens those streams
with the kubernetes client, exactly as against a cluster.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fakeapi import FakeApiServer, StateCollector, read_objects
from test_proxy_serve import curl, read_until

from explorer.live.kubeconfig import ClusterTarget
from explorer.live.source import LiveSource
from explorer.proxy import ProxyOptions, start_proxy
from explorer.routing import NGINX
from explorer.traffic import POD_HEADER, HealthChanged

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "live"
READY, NOT_READY = "web-7d4b9-abcde", "web-7d4b9-fghij"  # as the fixture's Pod conditions say


class PodApp:
    """A container's HTTP server on loopback: answers with its name and keeps the headers it was sent."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: list[dict[str, str]] = []
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server spelling
                app.seen.append(dict(self.headers.items()))
                body = f"{app.name} got {self.path}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api():
    with FakeApiServer() as server:
        server.add(*read_objects(DATA / "shop.yaml"))
        yield server


@pytest.fixture
def pods(api):
    """Both web Pods run an app; only one of them is Ready in the cluster."""
    apps = {name: PodApp(name) for name in (READY, NOT_READY)}
    for name, app in apps.items():
        api.pod_ports[("shop", name)] = app.server.server_address[:2]
    yield apps
    for app in apps.values():
        app.close()


@pytest.fixture
def kubeconfig(api, tmp_path):
    return api.write_kubeconfig(tmp_path / "config", context="dev", namespace="shop")


def forwards(api: FakeApiServer) -> list[str]:
    return [path for _, path in api.requests if "/portforward" in path]


async def test_requests_reach_the_ready_pod_through_a_port_forward(kubeconfig, api, pods):
    with LiveSource(ClusterTarget(kubeconfig=str(kubeconfig))) as source:
        state = source.snapshot()
        proxy = await start_proxy(state, NGINX, ProxyOptions(forward=source.forward))
        try:
            assert proxy.sims is None
            assert forwards(api) == []  # nothing is opened, or probed, before a request is sent
            answers = [await proxy.send("GET", f"https://shop.example.com/n{n}") for n in range(3)]
            status = proxy.status()
        finally:
            await proxy.stop()
    assert [(a.status, a.body, a.pod) for a in answers] == [
        (200, f"{READY} got /n{n}", READY) for n in range(3)]  # never the Pod the cluster says is not Ready
    assert dict(answers[0].headers)[POD_HEADER] == READY
    assert pods[NOT_READY].seen == []
    headers = pods[READY].seen[0]
    assert headers["Host"] == "shop.example.com" and headers["X-Forwarded-Proto"] == "https"
    assert not [h for h in headers if h.lower().startswith("x-ingress-explorer-")]  # the real app gets none
    assert set(forwards(api)) == {f"/api/v1/namespaces/shop/pods/{READY}/portforward?ports=8080"}
    assert status["upstreams"] == "the cluster's Pods through port-forwarding"
    assert [(p["pod"], p["port"], p["lastError"]) for p in status["pods"]] == [(f"shop/{READY}", 8080, None)]
    assert api.methods() == {"GET"}


async def test_a_port_forward_the_cluster_refuses_is_a_502_with_its_reason(kubeconfig, api, pods):
    api.forbidden.add(("pods", "shop", "create"))  # RBAC: no create on pods/portforward
    with LiveSource(ClusterTarget(kubeconfig=str(kubeconfig))) as source:
        proxy = await start_proxy(source.snapshot(), NGINX, ProxyOptions(forward=source.forward))
        try:
            answer = await proxy.send("GET", "https://shop.example.com/")
        finally:
            await proxy.stop()
    assert answer.status == 502
    assert f"Pod {READY}: port-forward to pod shop/{READY}:8080 failed: " in answer.body
    assert "403" in answer.body or "Forbidden" in answer.body
    assert answer.pod == READY
    assert pods[READY].seen == []


def flip_readiness(api: FakeApiServer) -> None:
    """The Ready Pod fails its readinessProbe and the other one passes: the cluster's view after a minute."""
    for pod in (o for o in read_objects(DATA / "shop.yaml") if o["kind"] == "Pod"):
        ready = pod["status"]["conditions"][0]["status"] == "True"
        pod["status"]["conditions"][0]["status"] = "False" if ready else "True"
        api.update(pod)


async def test_which_pod_takes_traffic_follows_the_clusters_readiness(kubeconfig, api, pods):
    with LiveSource(ClusterTarget(kubeconfig=str(kubeconfig)), debounce=0.02) as source:
        proxy = await start_proxy(source.snapshot(), NGINX, ProxyOptions(forward=source.forward))
        events = proxy.subscribe()
        collector = StateCollector(source)
        try:
            assert (await proxy.send("GET", "https://shop.example.com/before")).pod == READY
            flip_readiness(api)
            state = await asyncio.to_thread(collector.wait_for, lambda s: all(
                w.ready != (w.meta.name == READY) for w in s.workloads if w.is_pod))
            await proxy.apply(state, NGINX)
            after = await proxy.send("GET", "https://shop.example.com/after")
            seen = [events.queue.get_nowait() for _ in range(events.queue.qsize())]
        finally:
            await proxy.stop()
            collector.stop()
    assert (after.status, after.pod, after.body) == (200, NOT_READY, f"{NOT_READY} got /after")
    changes = [(e.pod, e.state) for e in seen if isinstance(e, HealthChanged)]
    assert (READY, "UNHEALTHY") in changes and (NOT_READY, "HEALTHY") in changes
    assert sorted(forwards(api)) == [f"/api/v1/namespaces/shop/pods/{name}/portforward?ports=8080"
                                     for name in (READY, NOT_READY)]  # one each, for the requests sent


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_serve_on_a_cluster_forwards_to_its_pods_and_follows_its_changes(kubeconfig, api, pods):
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "serve", "--kubeconfig", str(kubeconfig), "--http-port", "0",
         "--https-port", "0", "--status-port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        status_match, banner = read_until(proc, r"status \(JSON\): (http://127\.0\.0\.1:\d+/)")
        assert "Pods: the cluster's Pods through port-forwarding" in banner
        https = json.loads(curl(status_match.group(1)).stdout)["listeners"][0]["https"]
        port = https.rsplit(":", 1)[1]
        resolve = ("-k", "-i", "--resolve", f"shop.example.com:{port}:127.0.0.1")
        answer = curl(*resolve, f"https://shop.example.com:{port}/from-curl")
        assert answer.stdout.startswith("HTTP/1.1 200"), answer.stdout + answer.stderr
        assert answer.stdout.endswith(f"{READY} got /from-curl")

        ingress = next(o for o in read_objects(DATA / "shop.yaml") if o["kind"] == "Ingress")
        ingress["spec"]["rules"][0]["http"]["paths"].insert(0, {
            "path": "/cart", "pathType": "Prefix", "backend": {"service": {"name": "cart", "port": {"number": 80}}}})
        api.update(ingress)
        read_until(proc, r"cluster changed: ")
        cart = curl(*resolve, f"https://shop.example.com:{port}/cart")
        assert cart.stdout.startswith("HTTP/1.1 503"), cart.stdout  # the cart Service selects no Pod
        assert "X-Ingress-Explorer-Backend: shop/cart:80" in cart.stdout
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, err
    assert "Traceback" not in err.decode()
    assert api.methods() == {"GET"}
