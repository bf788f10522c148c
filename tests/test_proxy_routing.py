"""Real HTTP through the real proxy: routing, the controllers' own answers, headers, limits."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import aiohttp
import pytest

from explorer.routing import GCE, NGINX
from proxy_support import PROXY_DATA, SAMPLES, get, raw_http, running

ARTICLE = SAMPLES / "article-v1"
SITE = PROXY_DATA / "site"


@pytest.mark.parametrize("profile", [NGINX, GCE], ids=["nginx", "gce"])
async def test_article_paths_reach_their_services_pods(profile):
    async with running(profile, ARTICLE) as proxy:
        foo, foo_body = await get(proxy, "foo-bar.com", "/foo")
        bar, bar_body = await get(proxy, "foo-bar.com", "/bar/baz?x=1")
    assert foo.status == 200
    assert foo.headers["X-Ingress-Explorer-Ingress"] == "default/my-ingress"
    assert foo.headers["X-Ingress-Explorer-Backend"] == "default/my-nodeport-01:8080"
    assert foo.headers["X-Ingress-Explorer-Pod"].startswith("site01-")
    echo = json.loads(foo_body)
    assert echo["pod"] == foo.headers["X-Ingress-Explorer-Pod"]
    assert echo["service"] == "my-nodeport-01"
    assert echo["rule"] == {"host": "foo-bar.com", "path": "/foo", "pathType": "Prefix"}
    assert bar.status == 200
    assert bar.headers["X-Ingress-Explorer-Pod"].startswith("site02-")
    assert json.loads(bar_body)["path"] == "/bar/baz"


@pytest.mark.parametrize("profile, body", [
    (NGINX, "default backend - 404"),
    (GCE, "response 404 (backend NotFound), service rules for the path non-existent"),
], ids=["nginx", "gce"])
async def test_unmatched_requests_get_the_controllers_own_404(profile, body):
    async with running(profile, ARTICLE) as proxy:
        other_path, text = await get(proxy, "foo-bar.com", "/nothing")
        other_host, text2 = await get(proxy, "unknown.example", "/foo")
    for response, answer in ((other_path, text), (other_host, text2)):
        assert response.status == 404
        assert answer.strip() == body
        assert response.headers["X-Ingress-Explorer-Backend"] == "-"
        assert response.headers["X-Ingress-Explorer-Pod"] == "-"


async def test_nginx_redirects_tls_hosts_with_308_and_slash_prefixes_with_301():
    async with running(NGINX, SITE) as proxy:
        tls, _ = await get(proxy, "secure.example.com", "/x?y=1")
        slash, _ = await get(proxy, "site.example.com", "/docs")
        served, _ = await get(proxy, "site.example.com", "/docs/intro", scheme="https")
        # site.example.com is not in tls.hosts, but its Ingress has a tls section: nginx gives the host the
        # default certificate and redirects it too (controller.go createServers, lua_ingress redirect_to_https)
        untls, _ = await get(proxy, "site.example.com", "/docs/intro")
    assert tls.status == 308
    assert tls.headers["Location"] == "https://secure.example.com/x?y=1"
    assert tls.headers["X-Ingress-Explorer-Ingress"] == "default/site"
    assert tls.headers["X-Ingress-Explorer-Pod"] == "-"
    assert slash.status == 301
    assert slash.headers["Location"] == "http://site.example.com/docs/"
    assert served.status == 200
    assert untls.status == 308 and untls.headers["Location"] == "https://site.example.com/docs/intro"


async def test_gce_does_not_redirect_tls_hosts_but_a_frontend_config_does():
    async with running(GCE, SITE / "app.yaml", PROXY_DATA / "gce", SITE / "ingress.yaml") as proxy:
        plain, _ = await get(proxy, "secure.example.com", "/x", lb="default/site")
        redirected, _ = await get(proxy, "r.example.com", "/x", lb="default/redirected")
        no_http, text = await get(proxy, "h.example.com", "/", lb="default/https-only")
        https, _ = await get(proxy, "h.example.com", "/", lb="default/https-only", scheme="https")
    assert plain.status == 200
    assert redirected.status == 301
    assert redirected.headers["Location"] == "https://r.example.com/x"
    assert no_http.status == 404 and "That's an error" in text
    assert https.status == 200 and https.headers["X-Ingress-Explorer-Pod"].startswith("echo-")


async def test_gce_has_one_listener_pair_per_ingress_and_nginx_one_shared():
    async with running(GCE, SITE / "app.yaml", PROXY_DATA / "gce", SITE / "ingress.yaml") as proxy:
        gce = proxy.listeners
        # another Ingress's host on this load balancer: its URL map does not know it
        wrong_lb, _ = await get(proxy, "r.example.com", "/", lb="default/site")
    async with running(NGINX, SITE / "app.yaml", PROXY_DATA / "gce", SITE / "ingress.yaml") as proxy:
        nginx = proxy.listeners
    assert set(gce) == {"default/site", "default/rewrite", "default/redirected", "default/https-only"}
    assert len({info.http_port for info in gce.values()}) == 4
    assert gce["default/rewrite"].https_port is None  # no certificate: GKE opens no HTTPS front end
    assert gce["default/site"].https_port is not None
    assert wrong_lb.status == 404
    assert list(nginx) == ["shared"] and nginx["shared"].https_port is not None


async def test_round_robin_spreads_requests_over_three_replicas():
    async with running(NGINX, SITE) as proxy:
        pods = Counter()
        for _ in range(9):
            response, _ = await get(proxy, "site.example.com", "/", scheme="https")  # http: 308 (tls section)
            assert response.status == 200
            pods[response.headers["X-Ingress-Explorer-Pod"]] += 1
    assert len(pods) == 3 and set(pods.values()) == {3}


async def test_forwarded_headers_and_host_reach_the_pod():
    async with running(NGINX, SITE) as proxy:
        # https: the Ingress of site.example.com has a tls section, so nginx answers plain HTTP with 308
        response, body = await get(proxy, "Site.Example.com:8080", "/a/b?q=1", scheme="https",
                                   headers={"X-Forwarded-For": "203.0.113.9", "Connection": "keep-alive"})
    echo = json.loads(body)
    assert response.status == 200
    headers = echo["headers"]
    assert headers["Host"] == "Site.Example.com:8080"  # passed as the client sent it
    # ingress-nginx (use-forwarded-headers false, its default) sets X-Forwarded-For to the client's address and
    # keeps what the client sent apart (nginx.tmpl): this asserted the GKE-style append before issue 19.
    assert headers["X-Forwarded-For"] == "127.0.0.1" and headers["X-Real-IP"] == "127.0.0.1"
    assert headers["X-Original-Forwarded-For"] == "203.0.113.9"
    assert headers["X-Forwarded-Proto"] == "https"  # sent over https: the Ingress has a tls section
    assert headers["X-Forwarded-Host"] == "Site.Example.com:8080"
    assert "Connection" not in headers  # hop-by-hop headers stay on the client's connection
    assert not any(name.startswith("X-Ingress-Explorer") for name in headers)
    assert echo["path"] == "/a/b"


async def test_rewrite_target_changes_the_path_the_pod_sees():
    async with running(NGINX, SITE) as proxy:
        response, body = await get(proxy, "rw.example.com", "/api/v1/items")
    assert response.status == 200
    assert json.loads(body)["path"] == "/v1/items"


async def test_absolute_form_request_is_routed_by_its_host_and_never_leaves():
    async with running(NGINX, ARTICLE) as proxy:
        port = proxy.listeners["shared"].http_port
        outside = await raw_http(port, b"GET http://example.org/foo HTTP/1.1\r\nHost: foo-bar.com\r\n"
                                       b"Connection: close\r\n\r\n")
        inside = await raw_http(port, b"GET http://foo-bar.com/foo HTTP/1.1\r\nHost: example.org\r\n"
                                      b"Connection: close\r\n\r\n")
    assert outside.startswith(b"HTTP/1.1 404")
    assert b"default backend - 404" in outside
    assert inside.startswith(b"HTTP/1.1 200")
    assert b"X-Ingress-Explorer-Pod: site01-" in inside


async def test_oversized_requests_get_414_431_413():
    async with running(NGINX, ARTICLE) as proxy:
        port = proxy.listeners["shared"].http_port
        long_uri = await raw_http(port, b"GET /foo?" + b"a" * 9000 + b" HTTP/1.1\r\nHost: foo-bar.com\r\n"
                                        b"Connection: close\r\n\r\n")
        big_header, _ = await get(proxy, "foo-bar.com", "/foo", headers={"Cookie": "c" * 9000})
        many_headers, _ = await get(proxy, "foo-bar.com", "/foo",
                                    headers={f"X-Filler-{i}": "v" * 4000 for i in range(10)})
        big_body, _ = await get(proxy, "foo-bar.com", "/foo", method="POST", data=b"x" * (1024 * 1024 + 1))
        small_body, body = await get(proxy, "foo-bar.com", "/foo", method="POST", data=b"hello")
    assert long_uri.startswith(b"HTTP/1.1 414")
    assert big_header.status == 431
    assert many_headers.status == 431
    assert big_body.status == 413
    assert small_body.status == 200 and json.loads(body)["method"] == "POST"


async def test_send_routes_a_typed_url_to_the_right_listener():
    async with running(GCE, SITE / "app.yaml", PROXY_DATA / "gce", SITE / "ingress.yaml") as proxy:
        summary = await proxy.send("GET", "https://h.example.com/hello")
        direct = await proxy.send("GET", proxy.listeners["default/site"].base_url() + "/",
                                  headers={"Host": "site.example.com"})
    assert summary.status == 200
    assert summary.sent_to.startswith("https://127.0.0.1:") and summary.sent_to.endswith("/hello")
    assert summary.ingress == "default/https-only"
    assert summary.pod.startswith("echo-")
    assert summary.request_id is not None
    assert direct.status == 200 and direct.ingress == "default/site"


async def test_a_pod_that_does_not_answer_gives_504_and_a_closed_port_502():
    from explorer.proxy import Limits

    limits = Limits(upstream_read_timeout=0.3)
    async with running(NGINX, SITE, limits=limits) as proxy:
        for sim in list(proxy.sims.pods.values()):
            await sim.stop()  # the port is free now: nothing listens -> connection refused
        refused, text = await get(proxy, "site.example.com", "/", scheme="https")
        silent = [await asyncio.start_server(lambda r, w: None, "127.0.0.1", sim.port)
                  for sim in proxy.sims.pods.values()]
        try:
            slow, slow_text = await get(proxy, "site.example.com", "/", scheme="https")
        finally:
            for server in silent:
                server.close()
                await server.wait_closed()
    assert refused.status == 502 and "did not answer" in text
    assert refused.headers["X-Ingress-Explorer-Pod"].startswith("echo-")
    assert slow.status == 504 and "within 0.3s" in slow_text


async def test_a_client_that_does_not_send_its_body_gets_408():
    from explorer.proxy import Limits

    async with running(NGINX, ARTICLE, limits=Limits(client_body_timeout=0.3, lingering_time=0.1)) as proxy:
        port = proxy.listeners["shared"].http_port
        answer = await raw_http(port, b"POST /foo HTTP/1.1\r\nHost: foo-bar.com\r\nContent-Length: 10\r\n"
                                      b"Connection: close\r\n\r\nabc")
    assert answer.startswith(b"HTTP/1.1 408")


async def test_gke_appends_the_client_to_x_forwarded_for():
    async with running(GCE, SITE) as proxy:
        _, body = await get(proxy, "site.example.com", "/", headers={"X-Forwarded-For": "203.0.113.9"})
    headers = json.loads(body)["headers"]
    assert headers["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1" and "X-Original-Forwarded-For" not in headers


async def test_nginx_answers_trace_itself_with_405():
    async with running(NGINX, SITE) as proxy:
        response, body = await get(proxy, "site.example.com", "/", method="TRACE")
        assert response.status == 405 and "TRACE is refused by ingress-nginx" in body
        assert response.headers["X-Ingress-Explorer-Pod"] == "-"  # no Pod saw it
        after, _ = await get(proxy, "site.example.com", "/", scheme="https")  # http: 308 (a tls section)
        assert after.status == 200  # other methods still reach the Pods


async def test_a_websocket_is_proxied_to_the_pod_as_ingress_nginx_does():
    async with running(NGINX, SITE) as proxy:
        # https: site.example.com's Ingress has a tls section, so plain HTTP gets nginx's 308 (never followed
        # to the real host)
        base = next(iter(proxy.listeners.values())).base_url("https")
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(base + "/", headers={"Host": "site.example.com"}, ssl=False) as socket:
                await socket.send_str("hello")
                answer = await asyncio.wait_for(socket.receive(), 5)
                await socket.send_bytes(b"\x00\x01")
                binary = await asyncio.wait_for(socket.receive(), 5)
        after, _ = await get(proxy, "site.example.com", "/", scheme="https")
    assert answer.type == aiohttp.WSMsgType.TEXT and answer.data.endswith(": hello")  # "<pod>: hello"
    assert binary.data == b"\x00\x01"
    assert after.status == 200  # the proxy serves plain requests after it


async def test_a_websocket_to_nothing_gets_the_controllers_own_answer():
    async with running(NGINX, SITE) as proxy:
        base = next(iter(proxy.listeners.values())).base_url("http")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(base + "/", headers={"Host": "nothing.example.com"})
    assert refused.value.status == 404


async def test_a_client_cannot_tell_the_echo_which_rule_routed_it():
    """The proxy names the routing to its simulated Pods itself (one token header); a client's own is dropped."""
    async with running(NGINX, ARTICLE) as proxy:
        await get(proxy, "foo-bar.com", "/bar/baz")  # another rule's token exists in this process
        foo, body = await get(proxy, "foo-bar.com", "/foo", headers={
            "X-Ingress-Explorer-Route": "0", "X-Ingress-Explorer-Rule": '{"path": "/forged"}',
            "X-Ingress-Explorer-Ingress": "default/forged"})
    echo = json.loads(body)
    assert foo.status == 200 and echo["service"] == "my-nodeport-01" and echo["ingress"] == "default/my-ingress"
    assert echo["rule"] == {"host": "foo-bar.com", "path": "/foo", "pathType": "Prefix"}
    assert not any(name.startswith("X-Ingress-Explorer") for name in echo["headers"])
