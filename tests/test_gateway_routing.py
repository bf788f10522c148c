"""Gateway API routing beyond the conformance tables: regex, shares that answer 500, backendRef filters,
listener precedence, namespace selectors, named but unsimulated filters. Each case through the RouteTable."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.model import load
from explorer.routing import Request
from explorer.routing.gateway import GatewayDecision, route_gateway, routing_for

SETUP = """\
apiVersion: v1
kind: Namespace
metadata: {name: team, labels: {shared-gateway: "true"}}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: infra}
spec:
  gatewayClassName: example
  listeners:
  - {name: any, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
  - name: shop
    port: 80
    protocol: HTTP
    hostname: shop.example.com
    allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {shared-gateway: "true"}}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: general, namespace: other}
spec:
  parentRefs: [{name: web, namespace: infra}]
  rules:
  - matches: [{path: {type: RegularExpression, value: "/num/[0-9]+"}}]
    backendRefs: [{name: items, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /items}}]
    backendRefs:
    - {name: items, port: 80, weight: 1}
    - {name: missing, port: 80, weight: 3}
  - matches: [{path: {type: PathPrefix, value: /ext}}]
    filters:
    - type: ExtensionRef
      extensionRef: {group: example.com, kind: Limiter, name: slow}
    backendRefs: [{name: items, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /mirror}}]
    filters:
    - type: RequestMirror
      requestMirror: {backendRef: {name: items, port: 80}, percent: 10}
    backendRefs:
    - name: items
      port: 80
      filters:
      - type: URLRewrite
        urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /copy}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop, namespace: team}
spec:
  parentRefs: [{name: web, namespace: infra, sectionName: shop}]
  rules:
  - backendRefs: [{name: cart, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: refused, namespace: other}
spec:
  parentRefs: [{name: web, namespace: infra, sectionName: shop}]
  rules:
  - backendRefs: [{name: items, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: items, namespace: other}
spec: {selector: {app: items}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: team}
spec: {selector: {app: cart}, ports: [{port: 80}]}
"""


@pytest.fixture(scope="module")
def routing(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("gw") / "setup.yaml"
    path.write_text(SETUP)
    state = load([str(path)])
    assert not [p for p in state.problems if p.severity == "error"], state.problems
    return routing_for(state)


def _go(routing, url: str, **kw) -> GatewayDecision:  # type: ignore[no-untyped-def]
    return route_gateway(routing, Request.from_url(url, **kw))


@pytest.mark.parametrize(("url", "service", "status", "rule"), [
    ("http://x.example/num/42", "items", None, 0),  # RegularExpression, full match
    ("http://x.example/num/4a", None, 404, None),  # a full match, not a search
    ("http://x.example/num/42/x", None, 404, None),
    ("http://x.example/items/4", "missing", 500, 1),  # the prefix; its largest share is missing
    ("http://x.example/items", "missing", 500, 1),
    ("http://shop.example.com/anything", "cart", None, 0),  # the most specific listener and its routes only
    ("http://x.example/nothing", None, 404, None),
])
def test_routing_table(routing, url: str, service: str | None, status: int | None, rule: int | None) -> None:  # type: ignore[no-untyped-def]
    d = _go(routing, url)
    assert d.status == status, d.reason
    assert (d.backends[[b.weight for b in d.backends].index(max(b.weight for b in d.backends))].service
            if d.backends else None) == service or (d.backend and d.backend.service == service)
    assert d.rule_index == rule


def test_regex_ranks_after_exact_and_prefix_and_says_so(routing) -> None:  # type: ignore[no-untyped-def]
    d = _go(routing, "http://x.example/num/42")
    assert any(e.verdict == "note" and "implementation-specific" in e.reason and "google-re2" in e.reason
               for e in d.trace)


def test_an_unresolved_share_answers_500_and_says_why(routing) -> None:  # type: ignore[no-untyped-def]
    d = _go(routing, "http://x.example/items")
    assert [(b.service, b.weight, b.status) for b in d.backends] == [("items", 1, None), ("missing", 3, 500)]
    assert "BackendNotFound" in d.reason and "3/4" in d.reason
    sampled = route_gateway(routing, Request("x.example", "/items", sample=0.1))  # the first quarter: items
    assert sampled.backend is not None and sampled.backend.service == "items" and sampled.status is None


def test_named_not_simulated_filter_is_in_the_trace(routing) -> None:  # type: ignore[no-untyped-def]
    d = _go(routing, "http://x.example/ext/a")
    assert d.backend is not None and d.backend.service == "items"
    assert any("ExtensionRef filter is NOT simulated" in e.reason for e in d.trace)


def test_backend_ref_filters_and_mirrors(routing) -> None:  # type: ignore[no-untyped-def]
    d = _go(routing, "http://x.example/mirror/a?b=1")
    assert d.upstream_path == "/copy/a?b=1"
    assert d.mirrors == ["other/items:80"]
    assert any("RequestMirror 10%" in e.reason for e in d.trace)


def test_selector_admits_by_namespace_labels_and_says_who_is_refused(routing) -> None:  # type: ignore[no-untyped-def]
    conditions = {(c.object, c.type): c for c in routing.gateways.conditions}
    assert conditions[("HTTPRoute/team/shop", "Accepted")].status == "True"
    refused = conditions[("HTTPRoute/other/refused", "Accepted")]
    assert (refused.status, refused.reason) == ("False", "NotAllowedByListeners")
    assert "shared-gateway" in refused.message
    d = _go(routing, "http://shop.example.com/")
    assert any(e.verdict == "not-attached" and "other/refused" in e.route for e in d.trace)


def test_nothing_on_the_port_is_refused(routing) -> None:  # type: ignore[no-untyped-def]
    d = _go(routing, "http://x.example:8080/")
    assert d.outcome == "refused" and d.status is None
    assert _go(routing, "https://x.example/").outcome == "refused"
