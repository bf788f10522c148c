"""What ingress-nginx does around the forward, through `serve`'s proxy with a real HTTP client.

Rate limits, connection limits, proxy-read-timeout, sticky cookies, upstream-hash-by, mirror-target and
auth-url depend on other requests, on time or on another service's answer, so `route` names them (its
`undecided` lines and trace) and serve does them. Each test holds both: route's words and serve's answers,
from kubernetes/ingress-nginx@dbb11b9's e2e tests (test/e2e/annotations/*.go) and template.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter

import pytest

import explorer.topology.pods  # noqa: F401  (the judge of Pod readiness routing asks)
from explorer.model import load
from explorer.proxy.nginx_policy import limits_of
from explorer.routing import Request, route
from explorer.routing.profile import NGINX
from nginx_table import MANIFESTS
from proxy_support import get, running

FILES = (MANIFESTS / "apps.yaml", MANIFESTS / "policy.yaml")
NGINX_503 = "<title>503 Service Temporarily Unavailable</title>"


def _route(url: str, headers: tuple[tuple[str, str], ...] = ()) -> dict:
    state = load([str(p) for p in FILES])
    return route(state, NGINX, Request.from_url(url, headers=headers)).as_dict()


def _pod(text: str) -> str:
    return json.loads(text)["pod"]


async def test_limit_rps_answers_503_past_the_burst_and_route_names_it() -> None:
    answer = _route("http://rps.example/")
    assert answer["outcome"] == "forward"
    assert any("limit-rps 1" in u and "burst of 2" in u for u in answer["undecided"]), answer["undecided"]
    async with running(NGINX, *FILES) as proxy:
        statuses = [(await get(proxy, "rps.example", "/"))[0].status for _ in range(5)]
        # limit_req burst=2 nodelay: the first request plus a burst of 2 pass, then 503 (nginx's own page)
        assert statuses[:3] == [200, 200, 200] and statuses[3:] == [503, 503], statuses
        response, text = await get(proxy, "rps.example", "/")
        assert response.status == 503 and NGINX_503 in text
        assert "limit-rps 1" in response.headers["X-Ingress-Explorer-Reason"]
        await asyncio.sleep(1.1)  # one request a second drains back in
        assert (await get(proxy, "rps.example", "/"))[0].status == 200
        # the allowlisted client address is never limited
        assert {(await get(proxy, "rps-allow.example", "/"))[0].status for _ in range(6)} == {200}


async def test_limit_rpm_counts_a_minute_with_the_default_burst_of_five() -> None:
    async with running(NGINX, *FILES) as proxy:
        statuses = [(await get(proxy, "rpm.example", "/"))[0].status for _ in range(8)]
        assert statuses == [200] * 6 + [503, 503], statuses


async def test_limit_connections_refuses_a_second_request_in_progress() -> None:
    assert any("limit-connections 1" in u for u in _route("http://conn.example/pause")["undecided"])
    async with running(NGINX, *FILES) as proxy:
        first = asyncio.ensure_future(get(proxy, "conn.example", "/pause"))  # the Pod takes 0.6 s
        counted = limits_of(proxy).connections
        for _ in range(100):  # until the first request is in progress at the proxy
            if counted:
                break
            await asyncio.sleep(0.005)
        assert counted == {("default/conn", "127.0.0.1"): 1}
        second, _ = await get(proxy, "conn.example", "/pause")
        assert second.status == 503
        assert (await first)[0].status == 200
        assert (await get(proxy, "conn.example", "/pause"))[0].status == 200  # released


async def test_proxy_read_timeout_answers_504_at_the_scaled_time() -> None:
    answer = _route("http://read-timeout.example/slow")
    assert any("proxy-read-timeout 1" in u for u in answer["undecided"]), answer["undecided"]
    async with running(NGINX, *FILES, time_scale=0.05) as proxy:
        started = time.perf_counter()
        response, text = await get(proxy, "read-timeout.example", "/slow")  # the Pod waits 3 s
        elapsed = time.perf_counter() - started
        assert response.status == 504 and "<title>504 Gateway Time-out</title>" in text
        assert elapsed < 1.5, elapsed  # 1 s x 0.05, not the Pod's 3 s
        assert "proxy-read-timeout 1s" in response.headers["X-Ingress-Explorer-Reason"]


async def test_affinity_cookie_pins_one_pod_and_is_set_as_nginx_sets_it() -> None:
    assert any("affinity cookie" in u and "INGRESSCOOKIE" in u for u in _route("http://sticky.example/")["undecided"])
    async with running(NGINX, *FILES) as proxy:
        response, text = await get(proxy, "sticky.example", "/")
        cookie = response.headers["Set-Cookie"]
        # sticky.lua: <key>|<md5(md5(upstream)..upstream)>; Path = the location's path; HttpOnly
        assert re.fullmatch(r"INGRESSCOOKIE=\d+\.\d{3}\.\d+\.\d+\|[0-9a-f]{32}; Path=/; HttpOnly", cookie), cookie
        pinned = _pod(text)
        value = cookie.split(";")[0]
        again = [await get(proxy, "sticky.example", "/", headers={"Cookie": value}) for _ in range(6)]
        assert {_pod(t) for _, t in again} == {pinned}
        assert all("Set-Cookie" not in r.headers for r, _ in again)  # a pinned client gets no new cookie
        fresh = {_pod((await get(proxy, "sticky.example", "/"))[1]) for _ in range(12)}
        assert len(fresh) >= 2, fresh  # without the cookie each request draws a new key


async def test_session_cookie_annotations_shape_the_cookie() -> None:
    async with running(NGINX, *FILES) as proxy:
        response, _ = await get(proxy, "sticky-custom.example", "/something")
        cookie = response.headers["Set-Cookie"]
    expires = time.strftime("%a, %d-%b-%y %H:%M", time.gmtime(time.time() + 172800))  # affinity.go's format
    assert cookie.startswith("SERVERID=")
    for part in (f"Expires={expires}", "Max-Age=259200", "Domain=foo.bar", "Path=/something", "HttpOnly",
                 "SameSite=Lax"):
        assert part in cookie, (part, cookie)


async def test_upstream_hash_by_sends_the_same_value_to_the_same_pod() -> None:
    assert any("upstream-hash-by $arg_user" in u for u in _route("http://hash.example/?user=a")["undecided"])
    async with running(NGINX, *FILES) as proxy:
        by_user: dict[str, set[str]] = {}
        for user in ("ann", "bob", "cid", "dee", "eve", "fay", "gus", "hal"):
            for _ in range(3):
                _, text = await get(proxy, "hash.example", f"/?user={user}")
                by_user.setdefault(user, set()).add(_pod(text))
        assert all(len(pods) == 1 for pods in by_user.values()), by_user
        assert len(set.union(*by_user.values())) >= 2, by_user


async def test_mirror_target_gets_a_real_copy() -> None:
    answer = _route("http://mirror.example/x")
    assert any("mirror-target" in u and "default/mirror-svc:80" in u for u in answer["undecided"])
    async with running(NGINX, *FILES) as proxy:
        def mirrored() -> int:
            return sum(p["requests"] for p in proxy.status()["pods"] if p["pod"].startswith("default/mirror-"))

        before = mirrored()
        response, text = await get(proxy, "mirror.example", "/x?y=1")
        assert response.status == 200 and json.loads(text)["service"] == "http-svc"
        for _ in range(50):
            if mirrored() > before:
                break
            await asyncio.sleep(0.02)
        assert mirrored() == before + 1


@pytest.mark.parametrize("host, status, header", [
    ("auth-no.example", 401, ("WWW-Authenticate", 'Basic realm="sso"')),
    ("auth-forbid.example", 403, None),
    ("auth-broken.example", 500, None),
    ("auth-outside.example", 500, None),
    # satisfy.go: Location http://<host>/auth/start?rd=http://<host> + url.QueryEscape("/?a=b&c=d")
    ("auth-signin.example", 302, ("Location", "http://auth-signin.example/auth/start?rd=http://auth-signin.example"
                                              "%2Fp%3Fq%3D1")),
])
async def test_auth_url_answers_as_the_auth_service_says(host: str, status: int, header) -> None:
    undecided = _route(f"http://{host}/p?q=1")["undecided"]
    assert any("auth-url" in u and "depends on the auth service" in u for u in undecided), undecided
    async with running(NGINX, *FILES) as proxy:
        response, _ = await get(proxy, host, "/p?q=1")
    assert response.status == status
    if header is not None:
        assert response.headers.get(header[0]) == header[1]


async def test_auth_url_2xx_lets_the_request_through_with_the_named_headers() -> None:
    async with running(NGINX, *FILES) as proxy:
        response, text = await get(proxy, "auth-ok.example", "/p")
    assert response.status == 200
    echo = json.loads(text)
    assert echo["service"] == "http-svc" and echo["headers"].get("X-User") == "alice"
    assert "X-Secret-Extra" not in echo["headers"]  # only auth-response-headers are copied
    assert response.headers.getall("Set-Cookie") == ["sso=fresh; Path=/"]  # add_header Set-Cookie $auth_cookie


def test_route_json_names_what_it_cannot_decide() -> None:
    import subprocess
    import sys

    argv = [sys.executable, "-m", "explorer", "route", "--controller", "nginx", "-o", "json"]
    for path in FILES:
        argv += ["-f", str(path)]
    done = subprocess.run(argv + ["http://rps.example/", "http://auth-no.example/", "http://sticky.example/"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rps, auth, sticky = json.loads(done.stdout)
    assert any("limit-rps 1" in u for u in rps["undecided"])
    assert any("http://auth-svc.default.svc.cluster.local/deny" in u for u in auth["undecided"])
    assert any("INGRESSCOOKIE" in u for u in sticky["undecided"])
    handling = {a["name"]: a["handling"] for a in rps["annotations"]}
    assert handling["nginx.ingress.kubernetes.io/limit-rps"] == "simulated"
    assert Counter(e["verdict"] for e in rps["trace"])["note"] >= 1


async def test_a_websocket_through_a_location_with_a_policy_still_reaches_the_pod() -> None:
    import aiohttp

    async with running(NGINX, *FILES) as proxy:
        base = next(iter(proxy.listeners.values())).base_url("http")
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(base + "/", headers={"Host": "sticky.example"}) as socket:
                await socket.send_str("hello")
                answer = await asyncio.wait_for(socket.receive(), 5)
    assert answer.type == aiohttp.WSMsgType.TEXT and answer.data.endswith(": hello")


async def test_the_configmaps_custom_http_errors_intercept_every_location(tmp_path) -> None:
    """configmap.md custom-http-errors: nginx.tmpl's server-wide `error_page` to upstream-default-backend."""
    config = tmp_path / "controller.yaml"
    config.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: "
                      "ingress-nginx}\ndata: {custom-http-errors: '404'}\n")
    ingress = tmp_path / "ingress.yaml"
    ingress.write_text("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: plain}\nspec:\n"
                       "  ingressClassName: nginx\n  rules:\n    - host: plain.example\n      http:\n        paths:\n"
                       "          - {path: /, pathType: Prefix, backend: {service: {name: errors-svc, port: "
                       "{number: 80}}}}\n")
    files = (MANIFESTS / "apps.yaml", MANIFESTS / "backends.yaml", config, ingress)
    state = load([str(p) for p in files])
    undecided = route(state, NGINX, Request.from_url("http://plain.example/missing")).undecided
    assert any("custom-http-errors 404 (the ConfigMap's custom-http-errors)" in u for u in undecided), undecided
    async with running(NGINX, *files) as proxy:
        missing, text = await get(proxy, "plain.example", "/missing")  # the Pod says 404 with its own body
        ok, _ = await get(proxy, "plain.example", "/")
    assert missing.status == 404 and "default backend - 404" in text and "the app says" not in text
    assert ok.status == 200


@pytest.mark.parametrize("url, service", [
    ("http://auth-svc.default.svc.cluster.local/allow", "auth-svc"), ("http://auth-svc/allow", "auth-svc"),
    ("http://auth-svc.default/allow", "auth-svc"), ("http://auth-svc.other/allow", None),
    ("https://auth-svc/allow", None), ("http://auth-svc:99999/", None), ("http://[::1", None),
    ("http://mirror-svc.default.svc.cluster.local$request_uri", "mirror-svc"), ("$host", None),
])
def test_a_url_names_a_service_of_the_snapshot_as_cluster_dns_does(url: str, service: str | None) -> None:
    from explorer.routing.nginx_upstream import service_url

    state = load([str(p) for p in FILES])
    ref = service_url(url, "default", state).ref
    assert (ref.service if ref else None) == service


_KEYS = ("limit-rps", "limit-rpm", "limit-connections", "limit-burst-multiplier", "limit-allowlist",
         "proxy-read-timeout", "proxy-connect-timeout", "affinity", "session-cookie-expires", "session-cookie-max-age",
         "upstream-hash-by", "mirror-target", "auth-url", "auth-method", "auth-signin", "backend-protocol",
         "service-upstream", "custom-http-errors", "default-backend", "enable-cors", "cors-allow-origin")


def test_any_value_of_these_annotations_compiles_and_routes_without_a_traceback() -> None:
    from hypothesis import given, settings, strategies as st

    from explorer.model import load_text

    @settings(max_examples=60, deadline=None)
    @given(st.dictionaries(st.sampled_from(_KEYS), st.text(max_size=40), max_size=6))
    def check(values: dict[str, str]) -> None:
        annotations = "".join(f"\n    nginx.ingress.kubernetes.io/{k}: {json.dumps(v)}" for k, v in values.items())
        text = ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: fuzz\n  annotations:"
                f"{annotations or ' {}'}\nspec:\n  ingressClassName: nginx\n  rules:\n    - host: fuzz.example\n"
                "      http:\n        paths:\n          - {path: /, pathType: Prefix, backend: {service: "
                "{name: svc, port: {number: 80}}}}\n")
        state = load_text(text, "fuzz.yaml")
        decision = route(state, NGINX, Request.from_url("http://fuzz.example/a?b=c", headers=(("Origin", "x"),)))
        json.dumps(decision.as_dict())

    check()


async def test_satisfy_any_with_auth_url_asks_the_auth_service_only_without_the_password() -> None:
    """test/e2e/annotations/satisfy.go "should allow multiple auth with satisfy any"."""
    import base64

    good = {"Authorization": "Basic " + base64.b64encode(b"foo:bar").decode()}
    assert any("satisfy any" in u for u in _route("http://auth-any.example/")["undecided"])
    async with running(NGINX, *FILES) as proxy:
        def asked() -> int:
            return sum(p["requests"] for p in proxy.status()["pods"] if p["pod"].startswith("default/auth-"))

        before = asked()
        passed, _ = await get(proxy, "auth-any.example", "/", headers=good)
        assert passed.status == 200 and asked() == before  # the password let it in: no sub-request
        refused, _ = await get(proxy, "auth-any.example", "/?a=b&c=d")
        assert refused.status == 302 and asked() == before + 1
    assert refused.headers["Location"] == "http://auth-any.example/auth/start?rd=http://auth-any.example" + \
        "%2F%3Fa%3Db%26c%3Dd"  # satisfy.go: url.QueryEscape("/?a=b&c=d")
