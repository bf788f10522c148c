"""sample-manifests/nginx-annotations: the shop's answers through `serve`'s proxy, with a real client."""

from __future__ import annotations

import base64
import json

from explorer.routing.profile import NGINX
from proxy_support import SAMPLES, get, running

SHOP = SAMPLES / "nginx-annotations"
ADMIN = "Basic " + base64.b64encode(b"admin:shop-admin-pw").decode()


async def test_the_shop_answers_as_its_comments_say() -> None:
    async with running(NGINX, SHOP) as proxy:
        root, _ = await get(proxy, "shop.example.com", "/")
        shop, shop_body = await get(proxy, "shop.example.com", "/shop/cart")
        canary, _ = await get(proxy, "shop.example.com", "/shop/cart", headers={"X-Canary": "always"})
        locked, locked_body = await get(proxy, "shop.example.com", "/admin")
        wrong, _ = await get(proxy, "shop.example.com", "/admin", headers={"Authorization": "Basic YWRtaW46bm8="})
        admin, _ = await get(proxy, "shop.example.com", "/admin/orders", headers={"Authorization": ADMIN})
        metrics, _ = await get(proxy, "shop.example.com", "/metrics")
        small, _ = await get(proxy, "shop.example.com", "/upload", method="POST", data=b"x" * (1536 * 1024))
        big, big_body = await get(proxy, "shop.example.com", "/upload", method="POST", data=b"x" * (2 * 1024 * 1024 + 1))
        elsewhere, _ = await get(proxy, "shop.example.com", "/shop", method="POST", data=b"x" * (1536 * 1024))
        old, _ = await get(proxy, "old-shop.example.com", "/anything")
    assert root.status == 302 and root.headers["Location"] == "http://shop.example.com/shop"
    assert shop.status == 200 and shop.headers["X-Ingress-Explorer-Backend"] == "default/storefront:80"
    assert json.loads(shop_body)["path"] == "/shop/cart"
    assert canary.status == 200 and canary.headers["X-Ingress-Explorer-Backend"] == "default/storefront-v2:80"
    assert locked.status == 401 and locked.headers["WWW-Authenticate"] == 'Basic realm="Shop admin"'
    assert "<title>401 Authorization Required</title>" in locked_body
    assert wrong.status == 401
    assert admin.status == 200 and admin.headers["X-Ingress-Explorer-Backend"] == "default/admin:80"
    assert metrics.status == 403
    assert small.status == 200  # 1.5 MiB: under the upload path's 2m
    assert big.status == 413 and "413 Request Entity Too Large" in big_body
    assert elsewhere.status == 413  # the storefront keeps nginx's default 1m
    assert old.status == 301 and old.headers["Location"] == "https://shop.example.com/shop"


def test_the_trace_names_the_mainline_chosen_not_lost_to_itself() -> None:
    """A canary pair compiles the mainline's route anew; the trace still marks the rule that answered."""
    from conftest import run_cli

    for url in ("http://shop.example.com/shop", "http://old-shop.example.com/x"):
        done = run_cli("route", "-f", str(SHOP), "--controller", "nginx", "-o", "json", url)
        answer = json.loads(done.stdout)
        trace = (answer[0] if isinstance(answer, list) else answer)["trace"]
        chosen = [e for e in trace if e["verdict"] == "chosen"]
        assert len(chosen) == 1 and chosen[0]["ingress"] in ("default/shop", "default/old-shop"), trace
        assert not any("oldest Ingress wins" in e["reason"] for e in trace), trace
