"""The Gateway API conformance suite's request tables, answered by our Gateway routing.

Inputs are the suite's own manifests (tests/data/gateway/conformance/, copied
from kubernetes-sigs/gateway-api@4564255 conformance/base/manifests.yaml and
conformance/tests/httproute-*.yaml); the expected answers are the suite's
ExpectedResponse tables transcribed into tests/data/gateway/conformance-tables.yaml
(tools/conformance_tables.py, reviewed). Each case goes through
route_gateway() and, grouped, through `ingress-explorer route -o json`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from explorer.model import ClusterState, load
from explorer.routing import Request
from explorer.model.gateway import HeaderModifier
from explorer.routing.gateway import GatewayDecision, GatewayRouting, route_gateway, routing_for
from explorer.routing.gateway.decision import joined
from explorer.routing.gateway.evaluate import modify_headers

DATA = Path(__file__).parent / "data" / "gateway"
CONF = DATA / "conformance"
TABLES: dict[str, Any] = yaml.safe_load((DATA / "conformance-tables.yaml").read_text())
for _name, _table in yaml.safe_load((DATA / "conformance-tables-manual.yaml").read_text()).items():
    TABLES[_name] = {**TABLES.get(_name, {}), **_table}
INFRA = "gateway-conformance-infra"

#: Where the suite sends a case somewhere the table does not say (its Go code picks the address).
#: redirect-port-and-scheme: cases 0-5 go to the port-80 Gateway, 6-8 to the 8080 one, 9-14 to HTTPS 443.
_PORT_AND_SCHEME = {
    **{i: (f"{INFRA}/same-namespace", "http", "") for i in range(0, 6)},
    **{i: (f"{INFRA}/same-namespace-with-http-listener-on-8080", "http", ":8080") for i in range(6, 9)},
    **{i: (f"{INFRA}/same-namespace-with-https-listener", "https", "") for i in range(9, 15)},
}
#: reference-grant: the suite deletes the ReferenceGrant before its second case.
_DELETED = {("reference-grant", 1): ("ReferenceGrant", "gateway-conformance-web-backend", "reference-grant")}


@lru_cache(maxsize=None)
def _state(name: str, deleted: tuple[str, str, str] | None = None) -> tuple[ClusterState, GatewayRouting]:
    state = load([str(CONF / "base.yaml"), str(CONF / f"{name}.yaml")])
    assert not [p for p in state.problems if p.severity == "error"], state.problems
    if deleted is not None:
        state = ClusterState([o for o in state.objects
                              if (o.meta.kind, o.meta.namespace, o.meta.name) != deleted], state.problems)
    return state, routing_for(state)


def _cases() -> list[Any]:
    out = []
    for name, table in TABLES.items():
        for i, case in enumerate(table["cases"]):
            if "request" in case:
                out.append(pytest.param(name, i, case, id=f"{name}-{i}"))
    return out


def _request(name: str, index: int, case: dict[str, Any]) -> tuple[str | None, Request]:
    q = case["request"]
    gateway, scheme, port = _PORT_AND_SCHEME.get(index, (None, "http", "")) if name == "redirect-port-and-scheme" \
        else (None, "http", "")
    gateway = gateway or case.get("gateway")
    scheme = q.get("scheme", scheme)
    url = f"{scheme}://{q.get('host', 'example.com')}{port}{q.get('path', '/')}"
    return gateway, Request.from_url(url, q.get("method", "GET"), tuple((q.get("headers") or {}).items()))


def _default_gateway(state: ClusterState, name: str) -> str:
    route = next(r for r in state.http_routes if r.meta.location.file.endswith(f"/{name}.yaml") and r.parent_refs)
    return f"{route.parent_refs[0].namespace}/{route.parent_refs[0].name}"


def _check(case: dict[str, Any], answer: dict[str, Any], request: Request) -> None:
    """Our JSON answer against the suite's ExpectedResponse."""
    want_status = (case.get("response") or {}).get("statusCode", 200)
    assert (answer["status"] or 200) == want_status, answer["reason"]
    if "backend" in case and want_status == 200:
        assert answer["backend"] is not None, answer["reason"]
        assert (answer["backend"]["namespace"], answer["backend"]["service"]) == (case["namespace"], case["backend"])
    if "redirect" in case:
        r = case["redirect"]
        port = f":{r['port']}" if r.get("port") else ""
        path = r.get("path", request.path)
        assert answer["location"] == f"{r.get('scheme', request.scheme)}://{r.get('host', request.hostname)}{port}{path}"
    expected = case.get("expectedRequest")
    if expected and answer["outcome"] == "forward":
        if "path" in expected:
            assert answer["upstreamPath"] == expected["path"]
        if "host" in expected:
            assert answer["upstreamHost"] == expected["host"]
        sent = {k.lower(): v for k, v in answer["requestHeaders"].items()}
        for k, v in (expected.get("headers") or {}).items():
            assert sent.get(k.lower()) == v, (k, sent)
        for k in expected.get("absentHeaders") or ():
            assert k.lower() not in sent, (k, sent)
    for mirror in case.get("mirroredTo") or ():
        assert any(m.startswith(f"{mirror['namespace']}/{mirror['name']}:") for m in answer["mirrors"]), answer["mirrors"]
    response = case.get("response") or {}
    if response.get("headers") or response.get("absentHeaders"):
        ops = answer["responseHeaders"] or {}
        modifier = HeaderModifier(tuple(ops.get("set", {}).items()), tuple(ops.get("add", {}).items()),
                                  tuple(ops.get("remove", [])))
        backend = list((case.get("backendResponseHeaders") or {}).items())
        got = {k.lower(): v for k, v in joined(modify_headers(backend, modifier)).items()}
        for k, v in (response.get("headers") or {}).items():
            assert got.get(k.lower()) == v, (k, got)
        for k in response.get("absentHeaders") or ():
            assert k.lower() not in got, (k, got)


@pytest.mark.parametrize(("name", "index", "case"), _cases())
def test_conformance_case_through_route_gateway(name: str, index: int, case: dict[str, Any]) -> None:
    state, table = _state(name, _DELETED.get((name, index)))
    gateway, request = _request(name, index, case)
    decision: GatewayDecision = route_gateway(table, request, gateway or _default_gateway(state, name))
    _check(case, decision.as_dict(), request)
    assert any(e.verdict == "chosen" for e in decision.trace) or decision.status == 404


def test_the_tables_cover_what_the_issue_names() -> None:
    covered = {name for name, t in TABLES.items() if any("request" in c for c in t["cases"])}
    for needed in ("matching", "matching-across-routes", "path-match-order", "hostname-intersection",
                   "listener-hostname-matching", "listener-port-matching", "redirect-path", "redirect-port",
                   "redirect-scheme", "redirect-host-and-status", "rewrite-path", "rewrite-host",
                   "request-header-modifier", "response-header-modifier", "invalid-cross-namespace-backend-ref",
                   "invalid-nonexistent-backendref", "invalid-backendref-unknown-kind", "reference-grant",
                   "cross-namespace", "query-param-matching", "method-matching", "header-matching"):
        assert needed in covered, needed
    assert sum(1 for t in TABLES.values() for c in t["cases"] if "request" in c) >= 170


def _groups() -> list[Any]:
    """Cases sharing manifests, Gateway, method and headers: one `route` process answers all their URLs."""
    groups: dict[tuple[str, str, str, tuple[tuple[str, str], ...]], list[tuple[int, dict[str, Any]]]] = {}
    for name, table in TABLES.items():
        for i, case in enumerate(table["cases"]):
            if "request" not in case or (name, i) in _DELETED:
                continue
            gateway, request = _request(name, i, case)
            state, _ = _state(name)
            key = (name, gateway or _default_gateway(state, name), request.method, request.headers)
            groups.setdefault(key, []).append((i, case))
    quick, seen = ("matching-across-routes", "redirect-port", "rewrite-path", "request-header-modifier",
                   "invalid-cross-namespace-backend-ref", "listener-hostname-matching"), set()
    params = []
    for n, (key, cases) in enumerate(groups.items()):
        fast = key[0] in quick and key[0] not in seen  # one process per chosen test by default, all with -m slow
        seen.add(key[0])
        params.append(pytest.param(*key, cases, id=f"{key[0]}-{n}", marks=() if fast else pytest.mark.slow))
    return params


@pytest.mark.parametrize(("name", "gateway", "method", "headers", "cases"), _groups())
def test_conformance_cases_through_the_route_command(name: str, gateway: str, method: str,
                                                     headers: tuple[tuple[str, str], ...],
                                                     cases: list[tuple[int, dict[str, Any]]]) -> None:
    requests = [_request(name, i, c)[1] for i, c in cases]
    argv = [sys.executable, "-m", "explorer", "route", "-f", str(CONF / "base.yaml"), "-f", str(CONF / f"{name}.yaml"),
            "--controller", "gateway", "--gateway", gateway, "-X", method, "-o", "json"]
    for n, v in headers:
        argv += ["-H", f"{n}: {v}"]
    out = subprocess.run(argv + [r.url for r in requests], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    answers = json.loads(out.stdout)
    assert len(answers) == len(cases)
    for (i, case), answer, request in zip(cases, answers, requests):
        assert answer["controller"] == "gateway" and answer["gateway"] == gateway
        _check(case, answer, request)
