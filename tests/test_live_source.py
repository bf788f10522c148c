"""LiveSource against a fake API server, through the real kubernetes client and a real kubeconfig.

What a user relies on: the state matches the cluster; a change in the
cluster reaches the router; a dropped watch or a compacted history loses
nothing; a Forbidden kind degrades with a message naming what to ask for;
Secret values never get in; only GET is ever sent.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fakeapi import FakeApiServer, StateCollector, read_objects, wait_until
from fakeapi import SECRET_VALUES, api, kubeconfig  # noqa: F401 (shared fixtures)

from explorer.live.kubeconfig import ClusterTarget
from explorer.live.source import LiveSource
from explorer.model.objects import Endpoints, Secret, Workload
from explorer.routing import NGINX, Request, route

DATA = Path(__file__).parent / "data" / "live"




#: kinds the fixture's cluster serves and a namespaced LiveSource watches (no GKE CRDs there)
WATCHED_KINDS = 9


def service_watches(api: FakeApiServer) -> list[str]:
    return [p for _, p in api.requests if p.startswith("/api/v1/namespaces/shop/services?watch=true")]


def live(kubeconfig: Path, **target) -> LiveSource:
    return LiveSource(ClusterTarget(kubeconfig=str(kubeconfig), **target), debounce=0.02, max_delay=0.5)


def cart_path(ingress: dict) -> dict:
    ingress["spec"]["rules"][0]["http"]["paths"].append({
        "path": "/cart", "pathType": "Prefix",
        "backend": {"service": {"name": "cart", "port": {"number": 80}}}})
    return ingress


def shop_ingress() -> dict:
    return next(o for o in read_objects(DATA / "shop.yaml") if o["kind"] == "Ingress" and o["metadata"]["name"] == "shop")


def backend_of(state, url: str) -> str:
    """The Service a request is routed to; a Service with no ready Pod (cart has none) still names it, as nginx
    routes there and answers 503."""
    decision = route(state, NGINX, Request.from_url(url))
    if decision.outcome == "forward" or (decision.backend is not None and "no ready endpoints" in decision.reason):
        return str(decision.backend)
    return f"{decision.outcome} {decision.status}"


# ---------------------------------------------------------------- the first state


def test_state_matches_the_cluster_in_the_contexts_namespace(kubeconfig):
    with live(kubeconfig) as source:
        state = source.snapshot()
    assert source.name == "cluster:dev"
    assert [i.meta.key for i in state.ingresses] == ["shop/shop"]  # not other/blog: the context says shop
    assert sorted(state.services) == [("shop", "cart"), ("shop", "web")]
    assert "nginx" in state.ingress_classes and state.ingress_classes["nginx"].is_default
    pods = {w.meta.name: w for w in state.workloads if isinstance(w, Workload) and w.is_pod}
    assert (pods["web-7d4b9-abcde"].ready, pods["web-7d4b9-abcde"].pod_ip) == (True, "10.8.0.11")
    assert (pods["web-7d4b9-fghij"].ready, pods["web-7d4b9-fghij"].pod_ip) == (False, "10.8.0.12")
    [slice_] = [e for e in state.endpoints if isinstance(e, Endpoints)]
    assert slice_.meta.kind == "EndpointSlice" and slice_.service_name == "web"
    assert [(a.ip, a.ready) for a in slice_.addresses] == [("10.8.0.11", True), ("10.8.0.12", False)]
    ingress = state.ingresses[0]
    assert str(ingress.meta.location) == "cluster:dev/Ingress/shop/shop"
    assert ingress.annotation("ingress.kubernetes.io/backends") == '{"k8s1-0d1e-shop-web-80-7f1c":"HEALTHY"}'
    assert "managedFields" not in ingress.meta.raw["metadata"]
    assert ingress.reported_address == "203.0.113.10"  # status.loadBalancer: what the flow shows, not a made-up one
    assert backend_of(state, "https://shop.example.com/anything") == "shop/web:80"
    assert state.problems == ()


def test_all_namespaces_and_an_explicit_namespace(kubeconfig, api):
    with live(kubeconfig, all_namespaces=True) as source:
        everywhere = source.snapshot()
    assert sorted(i.meta.key for i in everywhere.ingresses) == ["other/blog", "shop/shop"]
    with live(kubeconfig, namespace="other") as source:
        other = source.snapshot()
    assert [i.meta.key for i in other.ingresses] == ["other/blog"]
    paths = [p for _, p in api.requests if "ingresses" in p]
    assert "/apis/networking.k8s.io/v1/ingresses" in paths
    assert "/apis/networking.k8s.io/v1/namespaces/other/ingresses" in paths


def test_gke_custom_resources_are_read_only_where_their_crds_exist(tmp_path):
    with FakeApiServer(gke_crds=True) as api:
        api.add(*read_objects(DATA / "shop.yaml", DATA / "gke.yaml"))
        with live(api.write_kubeconfig(tmp_path / "config", namespace="shop")) as source:
            state = source.snapshot()
    assert sorted(o.meta.kind for o in state.others) == ["BackendConfig", "FrontendConfig"]
    backend_config = next(o for o in state.others if o.meta.kind == "BackendConfig")
    assert backend_config.meta.raw["spec"]["healthCheck"]["requestPath"] == "/healthz"

    with FakeApiServer() as api:  # no CRDs: discovery answers 404, and nothing is listed or complained about
        api.add(*read_objects(DATA / "shop.yaml"))
        with live(api.write_kubeconfig(tmp_path / "plain", namespace="shop")) as source:
            state = source.snapshot()
        assert state.others == [] and state.problems == ()
        assert ("GET", "/apis/cloud.google.com/v1") in api.requests
        assert not any("backendconfigs" in path for _, path in api.requests)


def test_an_object_our_schema_cannot_read_is_reported_and_the_rest_loads(kubeconfig, api):
    # The API server validated everything it serves, so this can only be our schema lagging behind it.
    api.add({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "odd", "namespace": "shop"},
             "spec": {"ports": [{"port": "eighty"}]}})
    with live(kubeconfig) as source:
        state = source.snapshot()
    assert ("shop", "odd") not in state.services and ("shop", "web") in state.services
    assert state.skipped == 1
    [problem] = state.problems
    assert str(problem).startswith("cluster:dev/Service/shop/odd: error: Service/shop/odd: spec.ports[0].port")


# ---------------------------------------------------------------- secrets


def test_secret_values_never_reach_the_state(kubeconfig, api):
    with live(kubeconfig) as source:
        state = source.snapshot()
        collector = StateCollector(source)
        # the TLS Secret changes: the new value must not arrive through the watch either
        updated = next(o for o in read_objects(DATA / "shop.yaml") if o["metadata"]["name"] == "shop-tls")
        updated["data"]["ca.crt"] = "V0FUQ0hFRC1TRUNSRVQtVkFMVUU="
        api.update(updated)
        watched = collector.wait_for(lambda s: s.secrets[("shop", "shop-tls")].keys == ("ca.crt", "tls.crt", "tls.key"))
        collector.stop()
    for snapshot in (state, watched):
        tls = snapshot.secrets[("shop", "shop-tls")]
        assert isinstance(tls, Secret) and tls.type == "kubernetes.io/tls"
        assert snapshot.secrets[("shop", "db-password")].keys == ("password",)
        everything = json.dumps([o.meta.raw for o in snapshot.objects]) + repr(snapshot.objects)
        everything += "".join(str(p) for p in snapshot.problems)
        for value in (*SECRET_VALUES, "V0FUQ0hFRC1TRUNSRVQtVkFMVUU="):
            assert value not in everything
        assert "last-applied-configuration" not in json.dumps(tls.meta.raw)


# ---------------------------------------------------------------- watching


def test_a_new_path_reaches_the_router(kubeconfig, api):
    with live(kubeconfig) as source:
        before = source.snapshot()
        collector = StateCollector(source)
        api.update(cart_path(shop_ingress()))
        after = collector.wait_for(lambda s: len(s.ingresses[0].rules[0].paths) == 2)
        collector.stop()
    assert backend_of(before, "https://shop.example.com/cart") == "shop/web:80"
    assert backend_of(after, "https://shop.example.com/cart") == "shop/cart:80"
    cart = route(after, NGINX, Request.from_url("https://shop.example.com/cart"))
    assert cart.status == 503 and "shop/cart has no ready endpoints" in cart.reason  # no cart Pod in the cluster


def test_a_burst_of_events_is_one_new_state(kubeconfig, api):
    source = LiveSource(ClusterTarget(kubeconfig=str(kubeconfig)), debounce=0.3, max_delay=2.0)
    source.snapshot()
    collector = StateCollector(source)
    for n in range(20):
        api.add({"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{n}", "namespace": "shop"},
                 "spec": {"ports": [{"port": 80}]}})
    collector.wait_for(lambda s: len(s.services) == 22)
    collector.stop()
    assert len(collector.seen) == 1 and collector.states.qsize() == 0


def test_a_dropped_watch_resumes_from_the_last_resource_version(kubeconfig, api):
    with live(kubeconfig) as source:
        source.snapshot()
        collector = StateCollector(source)
        api.add({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "shop"},
                 "spec": {"ports": [{"port": 80}]}})
        collector.wait_for(lambda s: ("shop", "a") in s.services)
        seen = api.resource_version
        api.drop_watches()
        api.add({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "b", "namespace": "shop"},
                 "spec": {"ports": [{"port": 80}]}})
        state = collector.wait_for(lambda s: ("shop", "b") in s.services)
        collector.stop()
    services = [p for _, p in api.requests if p.startswith("/api/v1/namespaces/shop/services")]
    assert services.count("/api/v1/namespaces/shop/services") == 1  # listed once: resumed, not relisted
    assert any(f"resourceVersion={seen}&" in p for p in services if "watch=true" in p)
    assert state.problems == ()  # a cut that heals at once is not worth a message


@pytest.mark.parametrize("gone_as_http", [False, True], ids=["410-as-watch-event", "410-as-http-status"])
def test_a_compacted_history_relists_and_drops_what_was_deleted(tmp_path, gone_as_http):
    with FakeApiServer(gone_as_http=gone_as_http) as api:
        api.add(*read_objects(DATA / "shop.yaml"))
        with live(api.write_kubeconfig(tmp_path / "config", namespace="shop")) as source:
            source.snapshot()
            collector = StateCollector(source)
            wait_until(lambda: api.open_watches() == WATCHED_KINDS, what="every kind to be watched")
            api.partition()  # the deletion below never reaches the open watches...
            api.delete("Service", "shop", "cart")
            api.compact()  # ...and is compacted away before they come back: 410 Gone, list again
            api.drop_watches()
            state = collector.wait_for(lambda s: ("shop", "cart") not in s.services)
            collector.stop()
        lists = [p for _, p in api.requests if p == "/api/v1/namespaces/shop/services"]
        assert len(lists) == 2  # the first list, and the relist after 410 Gone
        assert ("shop", "web") in state.services


def test_a_bookmark_moves_the_resource_version_on(kubeconfig, api):
    with live(kubeconfig) as source:
        source.snapshot()
        collector = StateCollector(source)
        # a change the shop's watches do not see moves the cluster's resourceVersion past theirs
        api.add({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "elsewhere", "namespace": "other"}})
        wait_until(lambda: api.open_watches() == WATCHED_KINDS, what="every kind to be watched")
        api.bookmark()
        api.end_watches()
        wait_until(lambda: len(service_watches(api)) == 2, what="the services watch to be reopened")
        collector.stop()
    assert f"resourceVersion={api.resource_version}&" in service_watches(api)[-1]
    assert collector.seen == []  # a bookmark is not a change


# ---------------------------------------------------------------- Forbidden


def test_forbidden_secrets_degrade_that_part_only(kubeconfig, api):
    api.forbidden.add(("secrets", "shop", "list"))
    with live(kubeconfig) as source:
        state = source.snapshot()
    assert state.secrets == {}
    assert backend_of(state, "https://shop.example.com/") == "shop/web:80"
    [problem] = state.problems
    text = str(problem)
    for words in ("forbidden", "cannot list secrets", 'namespace "shop"', "TLS Secrets cannot be checked",
                  "kubectl auth can-i list secrets -n shop --context dev"):
        assert words in text, text


def test_forbidden_endpointslices_fall_back_to_endpoints(kubeconfig, api):
    api.forbidden.add(("endpointslices", None, "list"))
    with live(kubeconfig) as source:
        state = source.snapshot()
        collector = StateCollector(source)
        api.delete("Endpoints", "shop", "web")
        after = collector.wait_for(lambda s: not s.endpoints)
        collector.stop()
    [endpoints] = state.endpoints
    assert endpoints.meta.kind == "Endpoints"
    assert [(a.ip, a.ready) for a in endpoints.addresses] == [("10.8.0.11", True), ("10.8.0.12", False)]
    assert "reading endpoints instead" in str(after.problems[0])


def test_a_forbidden_watch_says_so_and_keeps_the_listed_objects(kubeconfig, api):
    api.forbidden.add(("pods", "shop", "watch"))
    with live(kubeconfig) as source:
        source.snapshot()
        collector = StateCollector(source)
        state = collector.wait_for(lambda s: bool(s.problems))
        collector.stop()
    assert "forbidden: cannot watch pods in namespace \"shop\"" in str(state.problems[0])
    assert len([w for w in state.workloads if w.is_pod]) == 2


# ---------------------------------------------------------------- read-only


def test_only_get_is_ever_sent(kubeconfig, api):
    with live(kubeconfig, all_namespaces=True) as source:
        source.snapshot()
        collector = StateCollector(source)
        api.update(cart_path(shop_ingress()))
        collector.wait_for(lambda s: any(len(i.rules[0].paths) == 2 for i in s.ingresses))
        api.compact()
        api.drop_watches()
        api.add({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "late", "namespace": "shop"}})
        collector.wait_for(lambda s: ("shop", "late") in s.services)
        collector.stop()
    assert len(api.requests) > 20
    assert api.methods() == {"GET"}, api.methods()
    # and the fake would have seen anything else: the assertion above can fail
    request = urllib.request.Request(api.url + "/api/v1/namespaces/shop/pods/x", method="DELETE")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(request, timeout=5)
    assert "DELETE" in api.methods()


# ---------------------------------------------------------------- port-forward


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server spelling
        body = f"hello from the pod, you asked for {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_port_forward_reaches_the_pod_through_the_api_server(kubeconfig, api):
    pod_app = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=pod_app.serve_forever, daemon=True).start()
    api.pod_ports[("shop", "web-7d4b9-abcde")] = pod_app.server_address[:2]
    try:
        with live(kubeconfig) as source:
            source.snapshot()
            host, port = source.forward("shop", "web-7d4b9-abcde", 8080).address
            assert host == "127.0.0.1"
            for path in ("/first", "/second"):  # each connection is a new port-forward stream
                with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=10) as response:
                    assert response.read().decode() == f"hello from the pod, you asked for {path}"
            assert source.forward("shop", "web-7d4b9-abcde", 8080).address == (host, port)  # one listener
    finally:
        pod_app.shutdown()
        pod_app.server_close()
    forwards = [p for _, p in api.requests if "/portforward" in p]
    assert forwards == ["/api/v1/namespaces/shop/pods/web-7d4b9-abcde/portforward?ports=8080"] * 2
    assert api.methods() == {"GET"}  # the WebSocket upgrade is a GET (RBAC calls it create pods/portforward)


@pytest.mark.parametrize("pod, forbidden, status", [("gone", False, "404"), ("web-7d4b9-abcde", True, "403")])
def test_a_port_forward_that_cannot_open_says_why(kubeconfig, api, pod, forbidden, status):
    if forbidden:  # RBAC: a port-forward needs create on pods/portforward, which read-only roles lack
        api.forbidden.add(("pods", "shop", "create"))
    with live(kubeconfig) as source:
        source.snapshot()
        forwarder = source.forward("shop", pod, 8080)
        host, port = forwarder.address
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            urllib.request.urlopen(f"http://{host}:{port}/", timeout=10)
        assert f"port-forward to pod shop/{pod}:8080 failed" in (forwarder.last_error or "")
        assert status in forwarder.last_error


# ---------------------------------------------------------------- TLS, as every real cluster serves


def test_https_with_the_kubeconfigs_certificate_authority_for_lists_watches_and_port_forward(tmp_path):
    pod_app = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=pod_app.serve_forever, daemon=True).start()
    try:
        with FakeApiServer(tls=True) as api:
            api.add(*read_objects(DATA / "shop.yaml"))
            api.pod_ports[("shop", "web-7d4b9-abcde")] = pod_app.server_address[:2]
            assert api.url.startswith("https://")
            with live(api.write_kubeconfig(tmp_path / "config", context="dev", namespace="shop")) as source:
                state = source.snapshot()
                collector = StateCollector(source)
                api.update(cart_path(shop_ingress()))
                collector.wait_for(lambda s: backend_of(s, "https://shop.example.com/cart") == "shop/cart:80")
                host, port = source.forward("shop", "web-7d4b9-abcde", 8080).address  # wss://, same CA
                with urllib.request.urlopen(f"http://{host}:{port}/tls", timeout=10) as response:
                    assert response.read() == b"hello from the pod, you asked for /tls"
                collector.stop()
            assert backend_of(state, "https://shop.example.com/") == "shop/web:80"

            from explorer.live.errors import LiveError
            from fakeapi import self_signed_certificate

            stranger, _ = self_signed_certificate()  # a kubeconfig that trusts some other CA
            config = api.write_kubeconfig(tmp_path / "wrong-ca", context="dev", certificate_authority=stranger)
            with pytest.raises(LiveError, match=r"cannot reach the API server https://127\.0\.0\.1:\d+ "
                                                r'\(context "dev"\): .*CERTIFICATE_VERIFY_FAILED'):
                with live(config) as source:
                    source.snapshot()
    finally:
        pod_app.shutdown()
        pod_app.server_close()
