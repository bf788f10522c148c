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


# ------------------------------------------------------------------ odd YAML and JSON through every command
#
# Issue 19's crashes came from what a generator of plain dicts never writes: merge keys, tags,
# numbers too long to print, nesting deep enough to recurse, nulls where lists go, escapes and
# surrogates. These build that text, as YAML (flow style) or JSON, inside Kubernetes-shaped
# objects so it reaches the deep code, and run it through load, lint, route, diagram, convert
# and redaction in-process. A crash there is exit 70 ("this is a bug"); nothing may reach it.
# CI runs ODD_EXAMPLES (bounded); `IE_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py -k odd` runs longer.

import contextlib  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402

from explorer.cli import EXIT_BUG, main  # noqa: E402
from explorer.model.redact import redact_text  # noqa: E402

ODD_EXAMPLES = int(os.environ.get("IE_FUZZ_EXAMPLES", "60"))
ODD = settings(max_examples=ODD_EXAMPLES, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

odd_scalar = st.one_of(
    st.sampled_from(["~", "null", "''", '""', "yes", "no", "on", "0x1F", "0o17", "1e400", ".nan", "-.inf", "08",
                     "2026-12-03", "=", "<<", "/a", "a.example.com", "*.x.com", "web", "80", "http", "Prefix",
                     "!!bool maybe", "!!int x", "!!float abc", "!!str 5", "!!binary aGk=", "!!timestamp x",
                     "!!null x", "!custom y", "!!set {a}", "!!omap [a: 1]", "!!map []", "!!seq {}",
                     '"\\e]0;title\\a\\e[2J"', '"\\u202eevil"', '"\\x9b2J"', '"\\ud83d\\ude00"', '"\\ud800"',
                     '"a\\tb\\r\\n"', "'quoted ''twice'''", '"\\U0001F600"']),
    st.integers(4001, 4400).map(lambda n: "9" * n),  # over Python's 4,300-digit printing limit
    st.integers(1, 3).map(lambda n: "0x" + "f" * (1200 * n)),
    st.integers(100, 4000).map(lambda n: "x" * n),
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=8).map(json.dumps),
)


def _render(node: object) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "[" + ", ".join(_render(item) for item in node) + "]"
    assert isinstance(node, dict)
    return "{" + ", ".join(f"{_render(k)}: {_render(v)}" for k, v in node.items()) + "}"


odd_key = st.one_of(st.sampled_from(["name", "path", "pathType", "host", "rules", "http", "paths", "backend",
                                     "service", "port", "number", "tls", "hosts", "secretName", "data",
                                     "serviceName", "servicePort", "ports", "selector", "<<", "? x", "1", "~",
                                     "[a]", '"\\e[31m"']), odd_scalar)
odd_tree = st.recursive(odd_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(odd_key, inner, max_size=4)), max_leaves=14)
deep = st.integers(150, 1200).map(lambda n: "[" * n + "]" * n)
odd_value = st.one_of(odd_tree.map(_render), deep, st.just("&a {name: x, <<: *a}"), st.just("*nowhere"))

SKELETONS = [
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: odd}}\nspec:\n"
    "  ingressClassName: nginx\n  tls: {v}\n  rules: [{{host: a.com, http: {{paths: [{{path: /, pathType: Prefix, "
    "backend: {{service: {{name: web, port: {{number: 80}}}}}}}}]}}}}]\n",
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: odd, annotations: {v}}}\n"
    "spec: {{rules: [{{host: a.com, http: {{paths: [{{path: /, pathType: Prefix, backend: {{service: "
    "{{name: web, port: {{number: 80}}}}}}}}]}}}}]}}\n",
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: odd}}\nspec: {{rules: [{{host: a.com, "
    "http: {{paths: {v}}}}}]}}\n",
    "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {{name: old}}\nspec:\n  backend: {v}\n  rules:\n"
    "  - host: a.com\n    http:\n      paths:\n      - path: /x\n        backend: {{serviceName: web, "
    "servicePort: 80}}\n",
    "apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: {{name: old2}}\nspec:\n  rules:\n"
    "  - host: {v}\n    http:\n      paths:\n      - backend: {{serviceName: web, servicePort: 80}}\n",
    "apiVersion: v1\nkind: Service\nmetadata: {{name: web}}\nspec: {{selector: {{app: web}}, ports: {v}}}\n",
    "apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\ndata: {v}\nstringData: {{k: PLANTED-FUZZ-SECRET}}\n",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec: {{replicas: 2, selector: "
    "{{matchLabels: {{app: web}}}}, template: {{metadata: {{labels: {{app: web}}}}, spec: {v}}}}}\n",
    "base: &b {{name: merged, namespace: x}}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  <<: *b\n"
    "  <<: {v}\n  name: explicit\n",
    "{v}\n",
]

odd_document = st.builds(lambda skeleton, value: skeleton.format(v=value), st.sampled_from(SKELETONS), odd_value)


def _as_json(text: str) -> str:
    """Half the time the same document as JSON, when it is readable: escapes and surrogate pairs as JSON has them."""
    import yaml

    try:
        data = yaml.load(text, Loader=yaml.CSafeLoader)
        return json.dumps(data, default=str)
    except Exception:  # noqa: BLE001 - unreadable YAML stays YAML; the loader must say why
        return text


odd_file = st.tuples(st.lists(odd_document, min_size=1, max_size=3), st.booleans()).map(
    lambda t: "\n---\n".join(_as_json(d) if t[1] else d for d in t[0]))

COMMANDS = [["lint"], ["lint", "-o", "json", "--controller", "gce"], ["route", "http://a.com/x", "https://a.com/"],
            ["diagram"], ["diagram", "--format", "mermaid"], ["convert"]]


@ODD
@given(odd_file)
def test_odd_yaml_and_json_never_escape_as_an_exception(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("odd") / "odd.yaml"
    path.write_text(text, errors="surrogatepass")
    state = load([path])
    for problem in state.problems:
        assert problem.location.file == str(path) and problem.message
    assert "PLANTED-FUZZ-SECRET" not in redact_text(text)
    for argv in COMMANDS:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([*argv, "-f", str(path)])
        assert code != EXIT_BUG and code in (0, 1, 2), (argv, err.getvalue()[-1500:])
        assert "PLANTED-FUZZ-SECRET" not in out.getvalue() + err.getvalue()
