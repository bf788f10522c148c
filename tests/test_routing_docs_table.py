"""Every row of the Kubernetes docs' path examples table, on both controllers.

The fixture holds one Ingress per row (host = row id). "404" means the
controller's own default backend answers; "301 X" is ingress-nginx's
trailing-slash redirect, where the docs' table says "yes" but nginx answers a
redirect first (facts/routing.md, section 4).
"""

from __future__ import annotations

import pytest

from conftest import DATA, route_json
from explorer.model import load
from explorer.routing import GCE, NGINX, Request, route

TABLE = DATA / "routing" / "docs-table.yaml"

# (row, request path, nginx answer, gce answer)
ROWS = [
    ("r1", "/", "s-root", "s-root"),
    ("r1", "/anything/at/all", "s-root", "s-root"),
    ("r2", "/foo", "s-exact-foo", "s-exact-foo"),
    ("r2", "/bar", "404", "404"),
    ("r2", "/foo/", "404", "404"),
    ("r3", "/foo", "404", "404"),
    # Prefix /foo and /foo/: both match; the docs say /foo/ (longer) wins, nginx answers
    # /foo from its exact `= /foo` location (facts section 7).
    ("r4", "/foo", "s-foo", "s-foo-slash"),
    ("r4", "/foo/", "s-foo-slash", "s-foo-slash"),
    ("r5", "/aaa/bbb", "404", "404"),
    ("r6", "/aaa/bbb", "s-aaa-bbb", "s-aaa-bbb"),
    ("r6", "/aaa/bbb/", "s-aaa-bbb", "s-aaa-bbb"),
    ("r6", "/aaa/bbb/ccc", "s-aaa-bbb", "s-aaa-bbb"),
    ("r6", "/aaa/bbbxyz", "404", "404"),
    ("r7", "/aaa/bbb", "301 /aaa/bbb/", "s-aaa-bbb-slash"),
    ("r7", "/aaa/bbb/", "s-aaa-bbb-slash", "s-aaa-bbb-slash"),
    ("r9", "/aaa/ccc", "s-aaa", "s-aaa"),
    ("r10", "/aaa/bbb", "s-aaa-bbb", "s-aaa-bbb"),
    ("r10", "/ccc", "s-root", "s-root"),
    ("r11", "/ccc", "404", "404"),
    # Exact and Prefix for the same path: Exact wins on nginx whatever the order; GKE keeps
    # the later of two identical URL-map paths, so order decides there.
    ("r12", "/foo", "s-exact-foo", "s-exact-foo"),
    ("r12b", "/foo", "s-exact-foo", "s-prefix-foo"),
]


def answer(status: int | None, service: str | None, location: str | None) -> str:
    if status == 301:
        return f"301 {location.split('example.com', 1)[1]}"
    if status is not None:
        return str(status)
    return service or "-"


@pytest.mark.parametrize("profile", [NGINX, GCE], ids=lambda p: p.name)
@pytest.mark.parametrize("row, path, nginx, gce", ROWS)
def test_route_function(profile, row, path, nginx, gce):
    state = load([TABLE])
    decision = route(state, profile, Request.from_url(f"http://{row}.example.com{path}"))
    expected = nginx if profile is NGINX else gce
    got = answer(decision.status, decision.backend.service if decision.backend else None, decision.location)
    assert got == expected, decision.reason
    # The trace names the winner whenever a path won.
    if decision.path is not None:
        chosen = [t for t in decision.trace if t.verdict == "chosen"]
        assert [(t.path, t.path_type) for t in chosen] == [(decision.path.path, decision.path.path_type)]


@pytest.mark.parametrize("controller", ["nginx", "gce"])
def test_route_command(controller):
    """The same table through `ingress-explorer route -o json`, one subprocess per controller."""
    urls = [f"http://{row}.example.com{path}" for row, path, _, _ in ROWS]
    results = route_json("-f", str(TABLE), "--controller", controller, *urls)
    assert [r["url"] for r in results] == urls
    for (row, path, nginx, gce), result in zip(ROWS, results):
        service = result["backend"]["service"] if result["backend"] else None
        got = answer(result["status"], service, result["location"])
        assert got == (nginx if controller == "nginx" else gce), (row, path, result["reason"])
