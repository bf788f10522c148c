"""Properties of Prefix matching that must hold for any rules and any request."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.model import load_text
from explorer.routing import GCE, NGINX, Request, route
from explorer.routing.paths import element_prefixes, prefix_matches

segment = st.sampled_from(["a", "aa", "ab", "b", "bb", "x", "A"])
segments = st.lists(segment, min_size=1, max_size=4)
rule_paths = st.lists(segments, min_size=1, max_size=6, unique_by=lambda s: "/".join(s))
request_paths = st.tuples(st.lists(segment, min_size=0, max_size=5), st.booleans())


def as_path(parts: list[str], trailing: bool = False) -> str:
    path = "/" + "/".join(parts)
    return path + "/" if trailing and parts else path


def manifest(paths: list[str]) -> str:
    entries = "\n".join(
        f"          - path: {p}\n            pathType: Prefix\n            backend:\n"
        f"              service: {{name: svc-{i}, port: {{number: 80}}}}"
        for i, p in enumerate(paths)
    )
    services = "".join(
        f"---\napiVersion: v1\nkind: Service\nmetadata: {{name: svc-{i}}}\nspec: {{type: NodePort, ports: [{{port: 80}}]}}\n"
        for i in range(len(paths))
    )
    return (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: prop}\nspec:\n  rules:\n"
        f"    - host: p.example.com\n      http:\n        paths:\n{entries}\n{services}"
    )


@given(segments, request_paths)
def test_prefix_is_element_wise(rule, request):
    rule_path, (parts, trailing) = as_path(rule), request
    path = as_path(parts, trailing)
    elementwise = parts[: len(rule)] == rule
    assert prefix_matches(rule_path, path) == elementwise
    assert prefix_matches(rule_path + "/", path) == elementwise  # a trailing slash on the rule is ignored
    # a string prefix that is not an element prefix never matches
    if path.startswith(rule_path) and not elementwise:
        assert not prefix_matches(rule_path, path)


@settings(max_examples=60, deadline=None)
@given(rule_paths, request_paths)
def test_longest_element_prefix_wins_and_the_trace_names_it(rules, request):
    paths = [as_path(r) for r in rules]
    state = load_text(manifest(paths), "prop.yaml")
    parts, trailing = request
    path = as_path(parts, trailing)
    candidates = set(element_prefixes(path))
    matching = [p for p in paths if p in candidates]
    expected = max(matching, key=len) if matching else None
    for profile in (NGINX, GCE):
        decision = route(state, profile, Request.from_url(f"http://p.example.com{path}"))
        won = decision.path.path if decision.path else None
        assert won == expected, (profile.name, path, paths, decision.reason)
        chosen = [t.path for t in decision.trace if t.verdict == "chosen"]
        if expected is None:
            assert decision.status == 404 and chosen == [None]
        else:
            assert chosen == [expected]
            assert all(t.verdict in ("matched", "no-match", "note", "chosen") for t in decision.trace)
