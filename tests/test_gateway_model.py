"""Gateway API objects load typed, with the CRDs' validation in the apiserver's words and file:line."""

from __future__ import annotations

from pathlib import Path

from explorer.model import load
from explorer.model.gateway import Gateway, HTTPRoute, ReferenceGrant

DATA = Path(__file__).parent / "data" / "gateway"


def _problems(name: str) -> list[str]:
    return [str(p) for p in load([str(DATA / "bad" / name)]).problems]


def test_the_conformance_manifests_load_without_a_problem() -> None:
    state = load([str(DATA / "conformance" / "base.yaml"), str(DATA / "conformance" / "matching.yaml"),
                  str(DATA / "conformance" / "reference-grant.yaml")])
    assert [str(p) for p in state.problems] == []
    assert {g.meta.name for g in state.gateways} == {
        "same-namespace", "same-namespace-with-https-listener", "all-namespaces", "backend-namespaces"}
    route = next(r for r in state.http_routes if r.meta.name == "matching")
    assert isinstance(route, HTTPRoute)
    # defaults filled as the CRD fills them: parentRef kind Gateway in the route's namespace, weight 1
    assert str(route.parent_refs[0]) == "Gateway/gateway-conformance-infra/same-namespace"
    assert route.rules[0].matches[1].path.type == "PathPrefix" and route.rules[0].matches[1].path.value == "/"
    assert route.rules[0].backend_refs[0].weight == 1
    assert route.rules[0].backend_refs[0].ref.is_service
    https = next(g for g in state.gateways if g.meta.name == "same-namespace-with-https-listener")
    assert isinstance(https, Gateway)
    assert [li.hostname for li in https.listeners] == [None, "second-example.org", "*.wildcard.org",
                                                       "fourth-example.wildcard.org"]
    assert https.listeners[0].tls_mode == "Terminate"
    assert all(isinstance(g, ReferenceGrant) for g in state.reference_grants)


def test_route_validation_speaks_the_apiservers_words_with_lines() -> None:
    problems = _problems("route.yaml")
    expected = [
        'route.yaml:10: error: HTTPRoute/shop/bad: Invalid value: "Shop.Example.com": spec.hostnames[0] in body should match',
        'route.yaml:14: error: HTTPRoute/shop/bad: spec.rules[0].matches[0].path.type: Unsupported value: '
        '"Prefix": supported values: "Exact", "PathPrefix", "RegularExpression"',
        "route.yaml:19: error: HTTPRoute/shop/bad: spec.rules[1]: Invalid value: \"object\": When using URLRewrite "
        "filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
        "route.yaml:20: error: HTTPRoute/shop/bad: spec.rules[1].matches[0].path: Invalid value: \"object\": value "
        "must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix'] (write /cart)",
        'route.yaml:33: error: HTTPRoute/shop/bad: spec.rules[1].backendRefs[0]: Invalid value: "object": '
        "Must have port for Service reference",
        'route.yaml:34: error: HTTPRoute/shop/bad: spec.rules[2]: Invalid value: "object": RequestRedirect filter '
        "must not be used together with backendRefs",
        "route.yaml:37: error: HTTPRoute/shop/bad: spec.rules[2].filters[0].requestRedirect.statusCode: "
        "Unsupported value",
    ]
    for want in expected:
        assert any(want in p for p in problems), (want, problems)
    assert any("hostnames are lower-case: write shop.example.com" in p for p in problems)


def test_gateway_validation_and_kinds_not_simulated() -> None:
    problems = _problems("gateway.yaml")
    assert any('spec.listeners: Invalid value: "object": Listener name must be unique within the Gateway' in p
               for p in problems)
    assert any("tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']" in p for p in problems)
    assert any("gateway.yaml:16: error: Gateway/shop/web: Invalid value: 70000: spec.listeners[1].port in body should be less" in p
               for p in problems)
    assert any('spec.listeners[1].allowedRoutes.namespaces.from: Unsupported value: "Any"' in p for p in problems)
    assert any("warning: GRPCRoute/shop/grpc" in p and "recognised but not simulated" in p for p in problems)
    # a wrong type is fatal, as for the apiserver: the object is not loaded
    assert any("gateway.yaml:41: error: HTTPRoute/shop/old: spec.rules[0].backendRefs[0].weight: expected an "
               "integer" in p and p.endswith("not loaded") for p in problems)
    state = load([str(DATA / "bad" / "gateway.yaml")])
    assert [o.meta.kind for o in state.others] == ["GRPCRoute"]


def test_v1beta1_is_normalised_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "beta.yaml"
    path.write_text("""\
apiVersion: gateway.networking.k8s.io/v1beta1
kind: HTTPRoute
metadata: {name: old, namespace: shop}
spec:
  parentRefs: [{name: web}]
  rules:
  - backendRefs: [{name: cart, port: 80}]
""")
    state = load([str(path)])
    assert len(state.http_routes) == 1 and state.http_routes[0].rules[0].backend_refs[0].ref.port == 80
    assert [p.severity for p in state.problems] == ["warning"]
    assert "v1beta1 HTTPRoute is deprecated" in state.problems[0].message
