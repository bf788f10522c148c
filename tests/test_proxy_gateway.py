"""Gateway API through the real proxy: a real aiohttp client, Gateway listeners on 127.0.0.1, simulated Pods.

Expected values are the Gateway API spec's (HTTPRoute filters, redirects, weights), written out by hand.
"""

from __future__ import annotations

import json
from collections import Counter

import aiohttp
import pytest

from explorer.routing.gateway.compile import GATEWAY_PROFILE
from proxy_support import PROXY_DATA, SAMPLES, running

GATEWAY = PROXY_DATA / "gateway"


async def send(base: str, host: str, path: str, headers: dict[str, str] | None = None
               ) -> tuple[aiohttp.ClientResponse, str]:
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        async with session.get(base + path, headers={"Host": host, **(headers or {})},
                               allow_redirects=False) as response:
            return response, await response.text()


def base_of(proxy, listener: str) -> str:
    base = proxy.listeners[listener].base_url("http")
    assert base is not None
    return base


async def test_every_listener_port_gets_its_own_loopback_listener() -> None:
    async with running(GATEWAY_PROFILE, GATEWAY) as proxy:
        assert set(proxy.listeners) == {"default/edge:80", "default/edge:8000"}
        ports = {info.http_port for info in proxy.listeners.values()}
        assert len(ports) == 2 and all(ports)
        assert all(info.host == "127.0.0.1" for info in proxy.listeners.values())


async def test_forward_reaches_the_pod_with_the_rewritten_path_and_modified_headers() -> None:
    async with running(GATEWAY_PROFILE, GATEWAY) as proxy:
        response, body = await send(base_of(proxy, "default/edge:80"), "shop.example", "/api/items?page=2",
                                    {"x-env": "dev", "x-debug": "1"})
        assert response.status == 200, body
        echo = json.loads(body)
        assert echo["pod"].startswith("blue-")
        assert echo["path"] == "/v2/items"  # ReplacePrefixMatch /api -> /v2
        headers = {k.lower(): v for k, v in echo["headers"].items()}
        assert headers["x-env"] == "prod"  # set replaces the client's value
        assert headers["x-via"] == "gateway"  # add
        assert "x-debug" not in headers  # remove
        assert headers["host"] == "shop.example"
        assert response.headers["x-served-by"] == "edge"  # ResponseHeaderModifier on the answer
        assert response.headers["X-Ingress-Explorer-Pod"] == echo["pod"]


async def test_redirect_answers_its_status_and_location_for_the_listener_port() -> None:
    async with running(GATEWAY_PROFILE, GATEWAY) as proxy:
        response, _ = await send(base_of(proxy, "default/edge:80"), "shop.example", "/old/a?x=1")
        assert response.status == 302
        assert response.headers["Location"] == "http://shop.example/new/a?x=1"
        # on the listener of port 8000, the Location keeps that port (the local port stands for it)
        response, _ = await send(base_of(proxy, "default/edge:8000"), "shop.example", "/old/a")
        assert response.status == 302
        assert response.headers["Location"] == "http://shop.example:8000/new/a"


async def test_no_match_is_404_and_an_unresolved_backend_ref_is_500() -> None:
    async with running(GATEWAY_PROFILE, GATEWAY) as proxy:
        base = base_of(proxy, "default/edge:80")
        response, _ = await send(base, "shop.example", "/nothing-here")
        assert response.status == 404
        assert response.headers["X-Ingress-Explorer-Pod"] == "-"
        response, _ = await send(base, "other.example", "/api")  # no route for this hostname
        assert response.status == 404
        response, body = await send(base, "shop.example", "/missing")
        assert response.status == 500
        assert "BackendNotFound" in response.headers["X-Ingress-Explorer-Reason"]
        assert response.headers["X-Ingress-Explorer-Pod"] == "-"


async def test_weighted_split_sends_real_traffic_to_both_backends() -> None:
    async with running(GATEWAY_PROFILE, GATEWAY) as proxy:
        base = base_of(proxy, "default/edge:80")
        seen: Counter[str] = Counter()
        for _ in range(20):
            response, body = await send(base, "shop.example", "/split")
            assert response.status == 200, body
            seen[json.loads(body)["pod"].split("-")[0]] += 1
        assert set(seen) == {"blue", "green"}
        assert 7 <= seen["blue"] <= 13, seen  # 50/50 over 20 requests


async def test_sample_canary_split_90_10() -> None:
    """The sample's rule 1: 90 % to my-nodeport-01 (site01), 10 % to my-nodeport-02 (site02)."""
    async with running(GATEWAY_PROFILE, SAMPLES / "gateway-api-traffic") as proxy:
        base = base_of(proxy, "default/my-gateway:80")
        seen: Counter[str] = Counter()
        for _ in range(30):
            response, body = await send(base, "foo-bar.com", "/foo")
            assert response.status == 200, body
            seen[json.loads(body)["pod"].split("-")[0]] += 1
        assert seen["site02"] and seen["site01"] > 4 * seen["site02"], seen
        response, body = await send(base, "foo-bar.com", "/foo", {"x-canary": "always"})
        assert json.loads(body)["pod"].startswith("site02-")


@pytest.mark.parametrize("path", ["/api/items", "/split"])
async def test_ingress_objects_are_not_served_by_the_gateway_front_end(path: str) -> None:
    """The same proxy with the nginx profile knows nothing of HTTPRoutes: no Ingress, no listener."""
    from explorer.profiles import NGINX

    async with running(NGINX, GATEWAY) as proxy:
        assert set(proxy.listeners) == {"shared"}
        info = proxy.listeners["shared"]
        response, _ = await send(info.base_url("http") or "", "shop.example", path)
        assert response.status == 404



async def test_https_listener_serves_by_sni_with_the_certificate_of_its_certificate_ref() -> None:
    from test_proxy_tls import https_get, names_of

    async with running(GATEWAY_PROFILE, PROXY_DATA / "gateway-tls", https_port=0) as proxy:
        assert set(proxy.listeners) == {"default/edge:80", "default/edge:443"}
        secure = proxy.listeners["default/edge:443"]
        assert secure.http_port is None and secure.https_port
        assert secure.certificates == (
            "secure.example: self-signed (Secret default/secure-tls not found in the manifests)",)
        cert, raw = await https_get(secure.https_port, "secure.example", "secure.example", "/page")
        assert names_of(cert) == ["secure.example"]
        head, _, body = raw.decode().partition("\r\n\r\n")
        assert head.startswith("HTTP/1.1 200"), raw
        assert "X-Ingress-Explorer-Certificate: secure.example: self-signed" in head
        echo = json.loads(body)
        assert echo["pod"].startswith("web-") and echo["path"] == "/page"
        assert {k.lower(): v for k, v in echo["headers"].items()}["x-forwarded-proto"] == "https"
        # the HTTP listener of the same Gateway answers plain HTTP on its own local port
        response, _ = await send(base_of(proxy, "default/edge:80"), "secure.example", "/page")
        assert response.status == 200
