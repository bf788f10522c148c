"""Every controller difference in facts/routing.md section 4, on real YAML files.

Each case runs through `route()` and, in one subprocess per fixture and
controller, through `ingress-explorer route -o json`, so the function and the
command are held to the same answers.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from conftest import DATA, route_json
from explorer.model import load
from explorer.routing import PROFILES, Request, route

R = DATA / "routing"
SERVICES = R / "services.yaml"


def case(fixture, controller, url, expect, ingress=None, id=None):
    return pytest.param(fixture, controller, url, expect, ingress, id=id or f"{fixture}-{controller}-{url}")


CASES = [
    # ImplementationSpecific: Prefix on nginx; copied into the URL map on GKE (exact, or a /* glob).
    case("implementation-specific", "nginx", "http://impl.example.com/api/users", {"service": "api"}),
    case("implementation-specific", "gce", "http://impl.example.com/api/users", {"service": None, "status": 404}),
    case("implementation-specific", "gce", "http://impl.example.com/api", {"service": "api"}),
    case("implementation-specific", "gce", "http://impl.example.com/static/app.js", {"service": "web"}),
    case("implementation-specific", "gce", "http://impl.example.com/other", {"status": 404}),
    case("implementation-specific", "nginx", "http://impl.example.com/other", {"service": "fallback"}),
    # Several Ingresses for one host: nginx merges them, the oldest wins a conflict.
    case("two-ingresses-same-host", "nginx", "http://shop.example.com/cart", {"service": "old", "ingress": "default/shop-old"}),
    case("two-ingresses-same-host", "nginx", "http://shop.example.com/api/v1", {"service": "api", "ingress": "default/shop-new"}),
    # GKE: each Ingress is its own load balancer; --ingress picks whose address the request reaches.
    case("two-ingresses-same-host", "gce", "http://shop.example.com/cart", {"service": "new"}, ingress="default/shop-new"),
    case("two-ingresses-same-host", "gce", "http://shop.example.com/cart", {"service": "old"}, ingress="default/shop-old"),
    case("two-ingresses-same-host", "gce", "http://shop.example.com/api", {"status": 404}, ingress="default/shop-old"),
    # The same host twice in one Ingress: merged on nginx; the later rule replaces the earlier on GKE.
    case("duplicate-host-rules", "nginx", "http://dup.example.com/web", {"service": "web"}),
    case("duplicate-host-rules", "nginx", "http://dup.example.com/api", {"service": "api"}),
    case("duplicate-host-rules", "gce", "http://dup.example.com/web", {"status": 404}),
    case("duplicate-host-rules", "gce", "http://dup.example.com/api", {"service": "api"}),
    # Wildcards: one label on nginx (and in the spec); URL-map globs span labels on GKE.
    case("wildcard", "nginx", "http://bar.foo.com/", {"service": "wild"}),
    case("wildcard", "gce", "http://bar.foo.com/", {"service": "wild"}),
    case("wildcard", "nginx", "http://baz.bar.foo.com/", {"status": 404}),
    case("wildcard", "gce", "http://baz.bar.foo.com/", {"service": "wild"}),
    case("wildcard", "nginx", "http://foo.com/", {"status": 404}),
    case("wildcard", "gce", "http://foo.com/", {"status": 404}),
    case("wildcard", "nginx", "http://exact.foo.com/", {"service": "web"}),
    case("wildcard", "gce", "http://exact.foo.com/", {"service": "web"}),
    # Host header: port and letter case are ignored; the query never matters.
    case("wildcard", "nginx", "http://EXACT.Foo.com:8080/?q=/x", {"service": "web"}),
    # defaultBackend beside rules: nginx uses it for that Ingress's hosts only; GKE for everything.
    case("default-backend-scope", "nginx", "http://a.example.com/nothing", {"service": "fallback", "defaultBackend": "ingress"}),
    case("default-backend-scope", "nginx", "http://b.example.com/web", {"status": 404, "defaultBackend": "controller"}),
    case("default-backend-scope", "gce", "http://a.example.com/nothing", {"service": "fallback", "defaultBackend": "ingress"}),
    case("default-backend-scope", "gce", "http://b.example.com/web", {"service": "fallback"}),
    # defaultBackend alone: the catch-all on both.
    case("default-backend-only", "nginx", "http://any.example.org/x", {"service": "fallback", "port": "http"}),
    case("default-backend-only", "gce", "http://any.example.org/x", {"service": "fallback", "port": "http"}),
    # Missing Service or port: nginx answers 503 for that path; GKE cannot translate the Ingress at all,
    # so its load balancer is never programmed (no address).
    case("broken-backends", "nginx", "http://broken.example.com/missing", {"status": 503, "service": "no-such-service"}),
    case("broken-backends", "nginx", "http://broken.example.com/wrongport", {"status": 503}),
    case("broken-backends", "gce", "http://broken.example.com/missing", {"outcome": "refused"}),
    case("broken-backends", "gce", "http://broken.example.com/wrongport/x", {"outcome": "refused"}),
    # resource backends are skipped by both, so the request falls to the next match.
    case("broken-backends", "nginx", "http://broken.example.com/bucket/a.png", {"service": "web", "path": "/"}),
    case("resource-backend", "gce", "http://res.example.com/bucket/a.png", {"service": "web", "path": "/"}),
    # TLS: nginx redirects plain HTTP with 308 (no trailing slash for /), unless told not to.
    case("tls", "nginx", "http://secure.example.com/", {"status": 308, "location": "https://secure.example.com"}),
    case("tls", "nginx", "http://secure.example.com/cart?id=1", {"status": 308, "location": "https://secure.example.com/cart?id=1"}),
    case("tls", "nginx", "https://secure.example.com/cart", {"service": "web"}),
    case("tls", "nginx", "http://plain-ok.example.com/", {"service": "web"}),
    case("tls", "nginx", "http://forced.example.com/x", {"status": 308, "location": "https://forced.example.com/x"}),
    case("tls", "gce", "http://secure.example.com/", {"service": "web"}, ingress="default/secure"),
    # allow-http "false": GKE has no HTTP front end (404); nginx ignores the annotation (and redirects for TLS).
    case("tls", "gce", "http://https-only.example.com/", {"status": 404}, ingress="default/https-only"),
    case("tls", "gce", "https://https-only.example.com/", {"service": "web"}, ingress="default/https-only"),
    case("tls", "nginx", "http://https-only.example.com/", {"status": 308}),
    # GKE redirects only through a FrontendConfig (301 by default).
    case("tls", "gce", "http://redirected.example.com/a", {"status": 301, "location": "https://redirected.example.com/a"}, ingress="default/redirected"),
    # GKE makes no HTTPS front end without a certificate.
    case("tls", "gce", "https://no-certs.example.com/", {"outcome": "refused"}, ingress="default/no-certs"),
    # use-regex / rewrite-target: case-insensitive regexes for the whole host, Exact included.
    case("regex", "nginx", "http://re.example.com/SOMETHING/new/path", {"service": "api", "upstreamPath": "/new/path"}),
    case("regex", "nginx", "http://re.example.com/something", {"service": "api", "upstreamPath": "/"}),
    case("regex", "nginx", "http://re.example.com/exact/and/more", {"service": "web"}),
    # Classes: the field, the annotation, IngressClass objects; GKE ignores ingressClassName.
    case("classes", "nginx", "http://field.example.com/", {"service": "web"}),
    case("classes", "nginx", "http://other.example.com/", {"status": 404}),
    case("classes", "nginx", "http://gce.example.com/", {"status": 404}),
    case("classes", "nginx", "http://none.example.com/", {"service": "web"}),
    case("classes", "gce", "http://gce.example.com/", {"service": "web"}, ingress="default/by-gce-annotation"),
    case("classes", "gce", "http://none.example.com/", {"service": "web"}, ingress="default/no-class"),
    case("classes", "gce", "http://field.example.com/", {"status": 404}),
]


def check(result: dict, expect: dict) -> None:
    backend = result["backend"] or {}
    got = {
        "service": backend.get("service"),
        "port": str(backend.get("port")) if backend else None,
        "status": result["status"],
        "location": result["location"],
        "ingress": result["ingress"],
        "defaultBackend": result["defaultBackend"],
        "upstreamPath": result["upstreamPath"],
        "outcome": result["outcome"],
        "path": (result["rule"] or {}).get("path"),
    }
    for key, value in expect.items():
        assert got[key] == value, f"{key}: {got[key]!r} != {value!r} ({result['reason']})"


@pytest.mark.parametrize("fixture, controller, url, expect, ingress", CASES)
def test_route_function(fixture, controller, url, expect, ingress):
    state = load([SERVICES, R / f"{fixture}.yaml"])
    decision = route(state, PROFILES[controller], Request.from_url(url), ingress)
    check(decision.as_dict(), expect)
    assert decision.reason
    if decision.path is not None:
        assert [t.path for t in decision.trace if t.verdict == "chosen"] == [decision.path.path]


def _grouped():
    groups = defaultdict(list)
    for param in CASES:
        fixture, controller, url, expect, ingress = param.values
        groups[(fixture, controller, ingress)].append((url, expect))
    return sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or ""))


@pytest.mark.parametrize("key, cases", _grouped(), ids=lambda v: "-".join(filter(None, v)) if isinstance(v, tuple) else "")
def test_route_command(key, cases):
    fixture, controller, ingress = key
    extra = ["--ingress", ingress] if ingress else []
    results = route_json("-f", str(SERVICES), "-f", str(R / f"{fixture}.yaml"), "--controller", controller,
                         *extra, *[url for url, _ in cases])
    for (url, expect), result in zip(cases, results, strict=True):
        check(result, expect)


def test_trace_explains_element_wise_prefix():
    state = load([DATA / "routing" / "docs-table.yaml"])
    decision = route(state, PROFILES["nginx"], Request.from_url("http://r6.example.com/aaa/bbbxyz"))
    reasons = [t.reason for t in decision.trace if t.verdict == "no-match"]
    assert any("per path element" in r and "'bbbxyz' is not 'bbb'" in r for r in reasons), reasons


def test_trace_names_classes_not_served():
    state = load([SERVICES, R / "classes.yaml"])
    decision = route(state, PROFILES["gce"], Request.from_url("http://field.example.com/"))
    not_served = {t.ingress: t.reason for t in decision.trace if t.verdict == "not-served"}
    assert "ignores spec.ingressClassName" in not_served["default/by-field"]
    assert "default/no-class" not in not_served


def test_trace_says_why_a_matching_path_lost():
    state = load([SERVICES, R / "two-ingresses-same-host.yaml"])
    decision = route(state, PROFILES["nginx"], Request.from_url("http://shop.example.com/cart"))
    lost = [t for t in decision.trace if t.verdict == "matched"]
    assert len(lost) == 1 and lost[0].ingress == "default/shop-new"
    assert "oldest Ingress wins" in lost[0].reason
