"""Health checks are real HTTP probes to the simulated Pods, and they decide who gets traffic."""

from __future__ import annotations

from explorer.proxy import Proxy, ProxyOptions
from explorer.routing import GCE, NGINX
from explorer.traffic import HealthChanged, HealthChecked
from proxy_support import PROXY_DATA, get, load_clean, running

TRAP = PROXY_DATA / "trap"
UNREADY = PROXY_DATA / "unready"


async def test_gce_health_check_trap_302_on_root_gives_502_while_the_pod_is_ready():
    async with running(GCE, TRAP) as proxy:
        response, body = await get(proxy, "trap.example.com", "/login")
        web = _backend(proxy, "default/web:80")
    assert response.status == 502
    assert "Server Error" in body
    assert response.headers["X-Ingress-Explorer-Backend"] == "default/web:80"
    assert response.headers["X-Ingress-Explorer-Pod"] == "-"
    assert "passes its health check" in response.headers["X-Ingress-Explorer-Reason"]
    assert web["check"]["path"] == "/" and web["serving"] == []


async def test_gce_trap_probes_get_302_and_a_backend_config_fixes_it_without_restarting():
    async with running(GCE, TRAP) as proxy:
        events = proxy.subscribe()
        port = proxy.listeners["default/web"].http_port
        web = _backend(proxy, "default/web:80")
        assert web["check"]["path"] == "/"
        assert web["serving"] == []
        before, _ = await get(proxy, "trap.example.com", "/login")

        await proxy.apply(load_clean(TRAP / "app.yaml", TRAP / "ingress.yaml", PROXY_DATA / "trap-fix"), GCE)
        after, body = await get(proxy, "trap.example.com", "/login")
        fixed = _backend(proxy, "default/web:80")
        events.close()
        seen = [e async for e in events]
        assert proxy.listeners["default/web"].http_port == port  # the listener stayed
    assert before.status == 502
    assert fixed["check"]["path"] == "/healthz"
    assert after.status == 200 and after.headers["X-Ingress-Explorer-Pod"].startswith("web-")
    checked = [e for e in seen if isinstance(e, HealthChecked)]
    assert any(e.path == "/healthz" and e.status == 200 and e.healthy for e in checked)
    assert any(isinstance(e, HealthChanged) and e.state == "HEALTHY" for e in seen)


async def test_gce_probes_are_real_requests_that_get_302():
    proxy = Proxy(ProxyOptions(time_scale=0.05))
    events = proxy.subscribe()  # before start: the first round of probes runs during start
    await proxy.start(load_clean(TRAP), GCE)
    try:
        web = _backend(proxy, "default/web:80")
        default = _backend(proxy, "kube-system/default-http-backend:80")
        pod = proxy.sims.get("default", web["targets"] and next(
            p.identity.name for p in proxy.sims.pods.values() if p.identity.name.startswith("web-")))
    finally:
        await proxy.stop()
    seen = [e async for e in events if isinstance(e, HealthChecked) and e.backend == web["id"]]
    assert len(seen) == 3  # instance groups: one check per node, each reaching the Pod through the nodePort
    assert all(e.status == 302 and not e.healthy and e.path == "/" for e in seen)
    assert pod is not None and pod.requests >= 3
    # GKE's own default backend runs as a simulated Pod too, and its check on /healthz passes
    assert default["check"]["path"] == "/healthz" and default["health"] == "HEALTHY"


async def test_nginx_serves_the_trap_because_the_pod_is_ready():
    async with running(NGINX, TRAP) as proxy:
        response, _ = await get(proxy, "trap.example.com", "/login")
        root, _ = await get(proxy, "trap.example.com", "/")
    assert response.status == 200
    assert root.status == 302 and root.headers["Location"] == "/login"  # the app's own redirect, passed on


async def test_nginx_answers_503_without_ready_endpoints():
    async with running(NGINX, UNREADY) as proxy:
        response, body = await get(proxy, "api.example.com", "/")
        api = _backend(proxy, "default/api:80")
    assert response.status == 503
    assert body.strip() == "503 Service Temporarily Unavailable"
    assert response.headers["X-Ingress-Explorer-Pod"] == "-"
    assert api["serving"] == []
    assert set(api["targets"].values()) <= {"Unknown", "UNHEALTHY"}


async def test_gce_copies_the_failing_readiness_path_and_answers_502():
    async with running(GCE, UNREADY) as proxy:
        response, body = await get(proxy, "api.example.com", "/")
        api = _backend(proxy, "default/api:80")
    assert response.status == 502 and "Server Error" in body
    assert api["check"]["path"] == "/ready"


def _backend(proxy, service: str) -> dict:
    return next(b for b in proxy.pool.status()["backends"] if b["service"] == service)
