"""The RouteTable's evaluator on tables a front end could write (Gateway API, ingress-nginx annotations).

The Ingress compiler fills only part of the table; these tables use the rest
(header, query, method, cookie and client matches, weighted backends,
conditions, redirects with every code, rewrites), so the fields other front
ends compile into are held to an answer before they do. Expected answers come
from the Gateway API spec (HTTPRoute match, RequestRedirect, URLRewrite) and
the ingress-nginx annotation docs, not from the code.
"""

from __future__ import annotations

import ipaddress

import pytest

from explorer.profiles import NGINX
from explorer.routing.decision import BackendRef
from explorer.routing.evaluate import route
from explorer.routing.request import Request
from explorer.routing.table import (
    Condition, EntryPoint, Filters, Forward, HeaderMatch, HostIndex, Listener, Match, Origin, PathMatch, Redirect,
    Respond, RewritePath, Route, RouteTable, VirtualHost, WeightedBackend,
)


def backend(name: str, weight: int = 1) -> WeightedBackend:
    return WeightedBackend(BackendRef("default", name, "80"), weight)


def make_route(path: str, *backends: WeightedBackend, kind: str = "prefix", action=None, **match) -> Route:
    origin = Origin("HTTPRoute", "default/shop", f"spec.rules[{path}]")
    return Route(origin, "shop.example.com", Match(PathMatch(kind, path), **match),  # type: ignore[arg-type]
                 action or Forward(tuple(backends)))


def table(*routes: Route, conditions: tuple[Condition, ...] = ()) -> RouteTable:
    """One Gateway listener for shop.example.com; routes indexed as a front end would (first match first)."""
    vhost = VirtualHost("shop.example.com")
    for r in routes:
        r.conditions = r.conditions or conditions
        vhost.routes.append(r)
        if r.match.path.kind == "exact":
            vhost.exact.setdefault(r.match.path.value, []).append(r)
        else:
            vhost.prefix.setdefault(r.match.path.value.rstrip("/"), []).append(r)
    vhost.fallback = Route(Origin("controller", ""), "", Match(PathMatch("any", "/")), Respond(404, "not found"),
                           default="controller", why="no route matches: 404")
    hosts = HostIndex({"shop.example.com": vhost})
    ep = EntryPoint("default/gateway", Origin("Gateway", "default/gateway"))
    ep.listeners = {"http": Listener("http", 80, hosts), "https": Listener("https", 443, hosts)}
    ep.listing = list(routes)
    ep.fallback = vhost.fallback
    t = RouteTable("gateway", NGINX, {ep.name: ep}, shared=True)
    return t


def req(path: str = "/", **kw) -> Request:
    return Request("shop.example.com", path, **kw)


def served_by(decision) -> str | None:
    return decision.backend.service if decision.backend else None


# ---------------------------------------------------------------- matches beyond the path


def test_a_header_match_sends_only_matching_requests_to_the_canary():
    t = table(make_route("/", backend("canary"), headers=(HeaderMatch("X-Canary", "always"),)),
              make_route("/", backend("stable")))
    assert served_by(route(t, req(headers=(("x-canary", "always"),)))) == "canary"
    assert served_by(route(t, req(headers=(("x-canary", "never"),)))) == "stable"
    decision = route(t, req())
    assert served_by(decision) == "stable"
    # the trace says why the canary did not take it
    lost = [e for e in decision.trace if e.verdict == "no-match"]
    assert lost and "headers" in lost[0].reason


@pytest.mark.parametrize("method, expected", [("POST", "writer"), ("GET", "reader")])
def test_a_method_match(method, expected):
    t = table(make_route("/api", backend("writer"), method="POST"), make_route("/api", backend("reader")))
    assert served_by(route(t, req("/api/items", method=method))) == expected


def test_query_and_cookie_matches():
    t = table(make_route("/", backend("beta"), query=(HeaderMatch("beta", "1"),)),
              make_route("/", backend("cookie"), cookies=(HeaderMatch("canary", "always"),)),
              make_route("/", backend("stable")))
    assert served_by(route(t, req(query="a=2&beta=1"))) == "beta"
    assert served_by(route(t, req(query="beta=0"))) == "stable"
    assert served_by(route(t, req(headers=(("Cookie", "session=x; canary=always"),)))) == "cookie"


def test_a_client_address_match():
    office = (ipaddress.ip_network("10.0.0.0/8"),)
    t = table(make_route("/", backend("internal"), clients=office), make_route("/", backend("public")))
    assert served_by(route(t, req(client="10.1.2.3"))) == "internal"
    assert served_by(route(t, req(client="192.0.2.1"))) == "public"


def test_no_matching_guarded_route_falls_to_a_shorter_prefix_then_the_fallback():
    t = table(make_route("/api", backend("v2"), headers=(HeaderMatch("version", "2"),)),
              make_route("/", backend("web"), method="GET"))
    assert served_by(route(t, req("/api/x"))) == "web"
    assert route(t, req("/api/x", method="DELETE")).status == 404


# ---------------------------------------------------------------- weighted backends


def test_weighted_backends_draw_by_weight_and_default_to_the_heaviest():
    t = table(make_route("/", backend("stable", 80), backend("canary", 20)))
    assert served_by(route(t, req())) == "stable"
    assert served_by(route(t, req(sample=0.79))) == "stable"
    assert served_by(route(t, req(sample=0.80))) == "canary"
    decision = route(t, req())
    assert [b.weight for b in decision.backends] == [80, 20]


# ---------------------------------------------------------------- conditions before forwarding


def test_conditions_answer_before_forwarding():
    allow = Condition("allow", Respond(403, "403 Forbidden"), "the client is not in whitelist-source-range",
                      networks=(ipaddress.ip_network("10.0.0.0/8"),))
    size = Condition("body-size", Respond(413, "413 Request Entity Too Large"), "the body is over proxy-body-size",
                     max_body_bytes=1024)
    auth = Condition("auth", Respond(401, "401 Authorization Required"), "auth-type basic needs credentials",
                     header="Authorization")
    t = table(make_route("/", backend("web")), conditions=(allow, size, auth))
    outside = route(t, req(client="192.0.2.1"))
    assert (outside.outcome, outside.status) == ("answer", 403)
    assert "but the client is not in whitelist-source-range" in outside.reason
    assert outside.backend is None
    assert route(t, req(client="10.0.0.1", content_length=4096)).status == 413
    assert route(t, req(client="10.0.0.1")).status == 401
    ok = route(t, req(client="10.0.0.1", content_length=10, headers=(("authorization", "Basic eDp5"),)))
    assert ok.outcome == "forward" and served_by(ok) == "web"


def test_no_endpoints_names_the_backend_it_could_not_use():
    empty = Condition("no-endpoints", Respond(503, "503 Service Temporarily Unavailable"),
                      "Service default/web has no ready endpoint", names_backend=True)
    decision = route(table(make_route("/", backend("web")), conditions=(empty,)), req())
    assert (decision.status, served_by(decision)) == (503, "web")


# ---------------------------------------------------------------- redirects and rewrites


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_redirect_codes_and_parts(code):
    # Gateway API RequestRedirect: unset parts keep the request's; a new scheme without a port drops it.
    to_https = make_route("/", action=Redirect(code, scheme="https"))
    d = route(table(to_https), Request("shop.example.com:8080", "/cart", query="id=1"))
    assert (d.outcome, d.status, d.location) == ("redirect", code, "https://shop.example.com/cart?id=1")
    moved = make_route("/old", action=Redirect(code, host="new.example.com", port=8443, prefix=("/old", "/new")))
    d = route(table(moved), Request("shop.example.com", "/old/page"))
    assert d.location == "http://new.example.com:8443/new/page"
    same = make_route("/", action=Redirect(code, path="/moved"))
    assert route(table(same), Request("shop.example.com:8080", "/x")).location == "http://shop.example.com:8080/moved"


def test_rewrites_replace_the_prefix_or_the_whole_path():
    prefix = make_route("/api", action=Forward((backend("api"),), Filters(rewrite=RewritePath(prefix="/v2"))))
    assert route(table(prefix), req("/api/users")).upstream_path == "/v2/users"
    full = make_route("/api", action=Forward((backend("api"),), Filters(rewrite=RewritePath(full="/index"))))
    assert route(table(full), req("/api/users")).upstream_path == "/index"


def test_a_route_note_reaches_the_trace():
    r = make_route("/", backend("web"))
    r.notes = ("filter ExtensionRef is recognised but not simulated",)
    decision = route(table(r), req())
    assert any(e.verdict == "note" and "not simulated" in e.reason for e in decision.trace)


def test_a_routes_answer_shared_by_its_requests_is_still_each_requests_own():
    """What a route answers every request but for its path is made once and shared (evaluate._shared); each
    Decision still reads its own path in its reason and upstream path, a body over the limit still gets the
    413, and no Decision can change the shared answer (its fields are read-only)."""
    limit = Condition("body-size", Respond(413, "too large"), "the body is over 10 bytes", max_body_bytes=10)
    t = table(make_route("/shop", backend("shop")), conditions=(limit,))
    a, b = route(t, req("/shop/a")), route(t, req("/shop/b/"))
    assert (a.outcome, a.backend, a.upstream_path) == ("forward", BackendRef("default", "shop", "80"), "/shop/a")
    assert b.upstream_path == "/shop/b/" and "/shop/b/" in b.reason and "/shop/a" not in b.reason
    assert a.route is b.route is not None
    big = route(t, req("/shop/a", content_length=11))
    assert (big.outcome, big.status, big.route) == ("answer", 413, a.route)
    assert "the body is over 10 bytes" in big.reason
    assert route(t, req("/shop/a", content_length=10)).outcome == "forward"
    with pytest.raises(AttributeError):
        a.backend = None  # type: ignore[misc]
    assert route(t, req("/shop/c")).backend == BackendRef("default", "shop", "80")
