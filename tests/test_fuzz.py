"""Fuzzing the loader and the router: nothing raises, every problem has a location."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, SAMPLES
from explorer.model import load, load_text
from explorer.routing import GCE, NGINX, Request, route

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

yaml_chars = st.text(
    alphabet=st.sampled_from(list("abc:- \n\t[]{}&*!|>'\"#%@`,?.0123456789/\\") + ["é", "\u2028", "\x00"]),
    max_size=300,
)


def assert_located(state, name: str) -> None:
    for problem in state.problems:
        assert problem.location.file == name
        assert problem.message
        text = str(problem)
        assert text.startswith(name)


@FUZZ
@given(yaml_chars)
def test_random_text_never_raises(text):
    state = load_text(text, "fuzz.yaml")
    assert_located(state, "fuzz.yaml")


scalars = st.one_of(st.none(), st.booleans(), st.integers(-2, 70000),
                  st.text(st.characters(categories=["L", "N", "P", "Zs"]), max_size=12),
                    st.floats(allow_nan=False, allow_infinity=False))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=8)

def mostly(good):
    """Usually a well-formed value, sometimes anything: deep fields stay reachable."""
    return st.integers(0, 9).flatmap(lambda i: values if i == 7 else good)


backend = st.fixed_dictionaries({"service": mostly(st.fixed_dictionaries({
    "name": mostly(st.sampled_from(["web", "api", "missing"])),
    "port": mostly(st.fixed_dictionaries({}, optional={"number": mostly(st.sampled_from([80, 8080])),
                                                      "name": mostly(st.just("http"))}))}))})
http_path = st.fixed_dictionaries({"backend": mostly(backend)}, optional={
    "path": mostly(st.sampled_from(["/", "/a", "/a/", "/a/b", "/(.*)", "/a/*"])),
    "pathType": mostly(st.sampled_from(["Prefix", "Exact", "ImplementationSpecific", "prefix"]))})
rule = st.fixed_dictionaries({"http": mostly(st.fixed_dictionaries({"paths": mostly(st.lists(http_path, min_size=1, max_size=3))}))},
                             optional={"host": mostly(st.sampled_from(["a.example.com", "*.x.com", "b.x.com"]))})
ingress = st.fixed_dictionaries({
    "apiVersion": st.sampled_from(["networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1"]),
    "kind": st.just("Ingress"),
    "metadata": mostly(st.fixed_dictionaries({"name": st.sampled_from(["one", "two", "three"])}, optional={
        "annotations": st.dictionaries(st.sampled_from([
            "kubernetes.io/ingress.class", "nginx.ingress.kubernetes.io/use-regex",
            "nginx.ingress.kubernetes.io/rewrite-target", "kubernetes.io/ingress.allow-http",
            "nginx.ingress.kubernetes.io/ssl-redirect"]),
            mostly(st.sampled_from(["true", "false", "gce", "nginx", "/$1", "(("])))})),
    "spec": mostly(st.fixed_dictionaries({"rules": mostly(st.lists(rule, min_size=1, max_size=3))}, optional={
        "defaultBackend": mostly(backend), "backend": values,
        "tls": mostly(st.lists(st.fixed_dictionaries({"hosts": mostly(st.lists(st.sampled_from(
            ["a.example.com", "*.x.com"]))), "secretName": st.just("tls")}))),
        "ingressClassName": mostly(st.sampled_from(["nginx", "gce", "other"]))})),
})

hosts = st.one_of(st.sampled_from(["a.example.com", "A.EXAMPLE.COM:8080", "b.x.com", "x.com", "", "[::1]:80",
                                   "a.example.com.", "ünïcode.example", "a" * 300]), st.text(max_size=20))
paths = st.one_of(st.sampled_from(["/", "//a//b", "/a/./b/../c", "/%2e%2e/a", "/a%2Fb", "/a?b", "/é/ü",
                                   "/" + "x/" * 500, "/a/", "/A"]),
                  st.text(alphabet=st.sampled_from(list("/a.%2Fé?#")), max_size=40))


@FUZZ
@given(st.lists(ingress, min_size=1, max_size=3), hosts, paths, st.sampled_from(["http", "https"]))
def test_random_ingresses_and_requests_never_raise(objects, host, path, scheme):
    # JSON is YAML: the loader reads it with positions like any manifest.
    text = "\n---\n".join(json.dumps(o, ensure_ascii=False) for o in objects)
    state = load_text(text + "\n---\n" + (DATA / "routing" / "services.yaml").read_text(), "fuzz.yaml")
    assert_located(state, "fuzz.yaml")
    request = Request(host, path if path.startswith("/") else "/" + path, scheme=scheme)
    for profile in (NGINX, GCE):
        decision = route(state, profile, request)
        assert decision.reason
        assert decision.outcome in ("forward", "redirect", "answer", "refused")
        assert decision.trace  # building the explanation never raises either
        json.dumps(decision.as_dict())


ARTICLE = load([SAMPLES / "article-v1"])


@FUZZ
@given(hosts, paths)
def test_odd_requests_on_the_article(host, path):
    request = Request(host, path if path.startswith("/") else "/" + path)
    for profile in (NGINX, GCE):
        decision = route(ARTICLE, profile, request)
        if decision.forwards:
            assert decision.backend.service in ("my-nodeport-01", "my-nodeport-02")
            assert request.hostname == "foo-bar.com"
        json.dumps(decision.as_dict())


@FUZZ
@given(st.text(max_size=60))
def test_any_url_either_parses_or_says_why(url):
    try:
        request = Request.from_url(url)
    except ValueError as exc:
        assert str(exc)
    else:
        route(ARTICLE, NGINX, request)
