"""ingress-nginx's annotations through `serve`'s proxy, with a real HTTP client: the same table as `route`.

Every case whose client address is 127.0.0.1 (what the proxy sees from this client) is sent for
real; the answer must be the one the table (and so `route`) gives: status, Location, headers,
the Service that answered, the path and headers the Pod received. A canary split by weight is
sent 400 times and each side's share must be within 0.1 of the table's.
"""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import urlsplit

import pytest

from explorer.routing.profile import NGINX
from nginx_table import CASES, Case
from proxy_support import get, running

FAMILIES = sorted({c.family for c in CASES})


def _served(case: Case) -> bool:
    return case.client_ip == "127.0.0.1"


async def _send(proxy, case: Case):
    url = urlsplit(case.url)
    path = url.path + (f"?{url.query}" if url.query else "")
    data = b"x" * case.body if case.body else None
    return await get(proxy, url.netloc, path or "/", scheme=url.scheme, method=case.method,
                     headers=case.request_headers(), data=data)


def _service(response) -> str:
    backend = response.headers.get("X-Ingress-Explorer-Backend", "-")  # namespace/service:port
    return backend.split("/", 1)[-1].split(":", 1)[0]


@pytest.mark.parametrize("family", FAMILIES)
async def test_serve_answers_every_case_as_route_does(family: str) -> None:
    cases = [c for c in CASES if c.family == family and _served(c)]
    assert cases
    async with running(NGINX, *cases[0].manifests) as proxy:
        for case in cases:
            expect = case.serve_expect
            if "shares" in expect:
                counts: Counter[str] = Counter()
                for _ in range(400):
                    response, _ = await _send(proxy, case)
                    assert response.status == 200, case.id
                    counts[_service(response)] += 1
                assert set(counts) == set(expect["shares"]), (case.id, counts)
                for service, share in expect["shares"].items():
                    assert abs(counts[service] / 400 - share) < 0.1, (case.id, counts)
                continue
            response, text = await _send(proxy, case)
            assert response.status == expect["status"], (case.id, text[:300])
            if "location" in expect:
                assert response.headers["Location"] == expect["location"], case.id
            for name, value in (expect.get("headers") or {}).items():
                assert response.headers.get(name) == value, case.id
            for name in case.serve_absent:
                assert name not in response.headers, case.id
            if "body" in expect:
                assert expect["body"] in text, (case.id, text)
            if expect["status"] == 200 and "backend" in expect:
                assert _service(response) == expect["backend"], case.id
                echo = json.loads(text)
                for name, value in (expect.get("upstream_headers") or {}).items():
                    assert echo["headers"].get(name) == value, (case.id, echo["headers"])
                if "path" in expect:
                    assert echo["path"] == expect["path"], case.id


def test_the_serve_table_is_most_of_the_table() -> None:
    served = [c for c in CASES if _served(c)]
    assert len(served) >= 0.8 * len(CASES)
