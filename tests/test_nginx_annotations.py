"""The ingress-nginx annotation catalog: every annotation its docs and parsers name gets an answer.

The name lists in tests/data/nginx/ were transcribed from kubernetes/ingress-nginx@dbb11b9
(the docs' table, and each parser's AnnotationFields with risk and aliases), so this test
fails when the catalog forgets one, or says a different risk than the controller does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.profiles.nginx_annotations import (
    NGINX_ANNOTATIONS, PREFIX, classify, denial, invalid_but_ignored, parse_cidrs, parse_size, refusal,
)

DATA = Path(__file__).parent / "data" / "nginx"


def _lines(name: str) -> list[str]:
    return [line for line in (DATA / name).read_text().splitlines() if line and not line.startswith("#")]


DOC_NAMES = _lines("annotations-docs.txt")
PARSERS = [line.split("\t") for line in _lines("annotations-parsers.tsv")]


def test_the_lists_are_the_controllers_lists() -> None:
    assert len(DOC_NAMES) == 130 and len(set(DOC_NAMES)) == 130
    assert len(PARSERS) == 136


@pytest.mark.parametrize("name", DOC_NAMES)
def test_every_documented_annotation_gets_an_answer(name: str) -> None:
    report = classify(PREFIX + name, "")
    assert report.handling in ("simulated", "recognised"), report
    assert report.note and "did you mean" not in report.note
    assert report.risk in ("Low", "Medium", "High", "Critical")


@pytest.mark.parametrize("name,group,risk,aliases", PARSERS)
def test_every_parser_annotation_is_known_with_the_controllers_risk(name: str, group: str, risk: str,
                                                                     aliases: str) -> None:
    ann = NGINX_ANNOTATIONS[name]
    assert ann.name == name and ann.group == group and ann.risk == risk
    for alias in filter(None, aliases.split(",")):
        assert NGINX_ANNOTATIONS[alias] is ann
        assert classify(PREFIX + alias, "").handling == ann.handling


def test_the_catalog_holds_nothing_the_controller_lacks() -> None:
    known = {row[0] for row in PARSERS} | {a for row in PARSERS for a in row[3].split(",") if a}
    assert set(NGINX_ANNOTATIONS) == known
    for ann in NGINX_ANNOTATIONS.values():
        assert ann.in_docs == (ann.name in DOC_NAMES), ann.name  # the docs know two only by their alias


@pytest.mark.parametrize("key,handling,says", [
    ("nginx.ingress.kubernetes.io/rewrite-tagret", "unknown", "did you mean nginx.ingress.kubernetes.io/rewrite-target?"),
    ("nginx.ingress.kubernetes.io/canary-weigth", "unknown", "did you mean nginx.ingress.kubernetes.io/canary-weight?"),
    ("nginx.ingress.kubernetes.io/zzzz", "unknown", "it ignores it"),
    ("nginx.org/rewrites", "other-controller", "F5 NGINX Ingress Controller"),
    ("alb.ingress.kubernetes.io/scheme", "other-controller", "AWS Load Balancer Controller"),
    ("kubernetes.io/ingress.global-static-ip-name", "other-controller", "GKE Ingress"),
    ("networking.gke.io/managed-certificates", "other-controller", "GKE Ingress"),
    ("ingress.kubernetes.io/rewrite-target", "other-controller", "legacy prefix"),
    ("cert-manager.io/cluster-issuer", "other-controller", "cert-manager"),
    ("example.com/owner", "other-controller", "no known owner"),
])
def test_annotations_that_are_not_ingress_nginx_ones_are_named(key: str, handling: str, says: str) -> None:
    report = classify(key, "x")
    assert report.handling == handling
    assert says in report.note


@pytest.mark.parametrize("name,value,invalid", [
    ("whitelist-source-range", "10.0.0.0/8, 192.168.1.1", False),
    ("whitelist-source-range", "10.0.0.1/8", False),  # host bits are allowed (Go net.ParseCIDR)
    ("whitelist-source-range", "10.0.0.0/33", True),
    ("whitelist-source-range", "10.0.0.0/8;", True),
    ("denylist-source-range", "2001:db8::/32", False),
    ("proxy-body-size", "8m", False),
    ("proxy-body-size", "8M", False),
    ("proxy-body-size", "8MB", True),
    ("proxy-body-size", "1.5m", True),
    ("permanent-redirect-code", "308", False),
    ("permanent-redirect-code", "3o8", True),
    ("custom-http-errors", "404,503", False),
    ("custom-http-errors", "200", True),
    ("ssl-redirect", "False", False),
    ("ssl-redirect", "yes", True),
    ("canary-weight", "10 ", True),
    ("backend-protocol", "HTTPS", False),
    ("backend-protocol", "h2c", True),
    ("default-backend", "errors-svc", False),
    ("default-backend", "Errors_Svc", True),
    ("rewrite-target", "/$1/$2", False),
    ("rewrite-target", "/a b", True),
    ("auth-type", "basic", False),
    ("auth-realm", "Authentication Required - admin", False),
    ("server-alias", "www.shop.example, shop.example.org", False),
    ("app-root", "/app/", False),
    ("app-root", "shop", True),  # rewrite/main.go: url.ParseRequestURI refuses it, app-root is ignored
    ("app-root", "https://shop.example/", True),
    ("configuration-snippet", "more_set_headers 'X: y';\n", False),  # no validator: refused by risk instead
])
def test_values_nginx_refuses(name: str, value: str, invalid: bool) -> None:
    """Each invalid value has one consequence, read from the parser: Ingress refused, 503, or ignored."""
    report = classify(PREFIX + name, value)
    assert bool(report.error) == invalid, report
    annotations = {PREFIX + name: value}
    reason = refusal(annotations, allow_snippets=True, risk_level="Critical")
    denied = denial(annotations)
    ignored = invalid_but_ignored(PREFIX + name, value)
    consequence = NGINX_ANNOTATIONS[name].on_invalid
    assert (reason is not None) == (invalid and consequence == "refuse")
    assert (denied is not None) == (invalid and consequence == "deny")
    assert (ignored is not None) == (invalid and consequence == "default")
    if reason is not None:
        assert PREFIX + name in reason and "invalid value" in reason


@pytest.mark.parametrize("name,consequence", [
    ("whitelist-source-range", "deny"),  # ipallowlist: LocationDeniedError, the paths answer 503
    ("custom-http-errors", "refuse"),  # customhttperrors returns the validation error: Extract fails
    ("permanent-redirect-code", "refuse"),
    ("proxy-body-size", "default"),  # proxy: falls back to the ConfigMap's proxy-body-size
    ("canary-weight", "default"),  # canary: "canary-weight is invalid, defaulting to '0'"
    ("ssl-redirect", "default"),
])
def test_what_an_invalid_value_does(name: str, consequence: str) -> None:
    assert NGINX_ANNOTATIONS[name].on_invalid == consequence


def test_snippets_and_risk_refuse_the_ingress_as_the_controller_does() -> None:
    snippet = {PREFIX + "configuration-snippet": "more_set_headers 'X: y';"}
    assert "Snippet directives are disabled" in (refusal(snippet) or "")
    assert "too risky for environment" in (refusal(snippet, allow_snippets=True) or "")
    assert refusal(snippet, allow_snippets=True, risk_level="Critical") is None
    alias = {PREFIX + "server-alias": "www.example.com"}  # High: allowed at the default High level
    assert refusal(alias) is None
    assert "too risky" in (refusal(alias, risk_level="Medium") or "")
    assert "too risky" in (refusal(alias, risk_level="nonsense") or "")  # unknown levels read as Low


def test_sizes_and_cidrs_parse_as_nginx_reads_them() -> None:
    assert parse_size("1m") == 1024 * 1024
    assert parse_size("0") == 0
    assert parse_size("512K") == 512 * 1024
    assert parse_size("100") == 100
    assert parse_size("1mb") is None
    nets = parse_cidrs("10.0.0.1/8, 2001:db8::1")
    assert nets is not None and [str(n) for n in nets] == ["10.0.0.0/8", "2001:db8::1/128"]


def test_docs_annotations_md_is_the_catalog() -> None:
    from explorer.profiles.nginx_annotations import catalog_markdown

    doc = (Path(__file__).parent.parent / "docs" / "annotations.md").read_text()
    assert doc.endswith(catalog_markdown()), "run: python -m explorer.profiles.nginx_annotations"
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "(docs/annotations.md)" in readme
