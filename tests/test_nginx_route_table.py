"""ingress-nginx's annotations through `route`: every table case, as a function and as `route -o json`."""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import pytest

from explorer.model import load
from explorer.routing import Request, route
from explorer.routing.profile import NGINX
from nginx_table import CASES, Case


@functools.lru_cache(maxsize=None)
def _state(paths: tuple[str, ...]):
    state = load(list(paths))
    assert not state.problems, [str(p) for p in state.problems]
    return state


def _request(case: Case) -> Request:
    headers = case.request_headers()
    if case.body:
        headers["Content-Length"] = str(case.body)
    return Request.from_url(case.url, case.method, tuple(headers.items()), case.client_ip)


def check(case: Case, answer: dict, body: str | None = None) -> None:
    """`answer` is Decision.as_dict(), from the function or from `route -o json` (which has no body)."""
    expect = case.expect
    status = 200 if answer["outcome"] == "forward" else answer["status"]
    assert status == expect["status"], (case.source, answer["reason"])
    if "location" in expect:
        assert answer["location"] == expect["location"]
    if "backend" in expect:
        assert answer["backend"]["service"] == expect["backend"], answer["reason"]
    if "shares" in expect:
        shares = {b["service"]: b["share"] for b in answer["backends"]}
        assert shares == expect["shares"]
    elif answer["outcome"] == "forward":
        assert answer["backends"] is None or len(answer["backends"]) == 1
    if "headers" in expect:
        assert dict(map(tuple, answer["responseHeaders"] or [])) == expect["headers"]
    if "upstream_headers" in expect:
        assert dict(map(tuple, answer["upstreamHeaders"] or [])) == expect["upstream_headers"]
    if "path" in expect:
        assert answer["upstreamPath"] == expect["path"]
    if "body" in expect and body is not None:
        assert expect["body"] in body, body
    if "reason" in expect:
        assert expect["reason"] in answer["reason"]
    if case.undecided:  # what serve decides from more than this request is named, never silently dropped
        assert any(case.undecided in line for line in answer["undecided"]), answer["undecided"]
        assert any(case.undecided in e["reason"] for e in answer["trace"] if e["verdict"] == "note")
    elif answer["outcome"] == "forward" and case.serve is None:
        assert not answer["undecided"], answer["undecided"]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_route_answers_as_ingress_nginx(case: Case) -> None:
    decision = route(_state(tuple(map(str, case.manifests))), NGINX, _request(case))
    answer = decision.as_dict()
    if "body" in case.expect:
        assert decision.body is not None
    check(case, answer, decision.body)
    # never silent: every annotation of the deciding Ingress is reported with its handling
    if decision.ingress is not None:
        reported = {a["name"] for a in answer["annotations"]}
        assert set(decision.ingress.meta.annotations) <= reported


def _cli_groups() -> list[list[Case]]:
    """One `route` process per family and request shape (headers, client address, method, body)."""
    groups: dict[tuple, list[Case]] = {}
    for case in CASES:
        key = (case.family, tuple(sorted(case.request_headers().items())), case.client_ip, case.method, case.body)
        groups.setdefault(key, []).append(case)
    return list(groups.values())


GROUPS = _cli_groups()
_FIRST = {g[0].family: i for i, g in reversed(list(enumerate(GROUPS)))}


# one process per family runs always; the others (some 30 s on two cores) with -m slow
@pytest.mark.parametrize("group", [
    pytest.param(g, id=f"{g[0].family}-{i}", marks=() if _FIRST[g[0].family] == i else pytest.mark.slow)
    for i, g in enumerate(GROUPS)
])
def test_route_json_subprocess_agrees(group: list[Case]) -> None:
    case = group[0]
    argv = [sys.executable, "-m", "explorer", "route", "--controller", "nginx", "-o", "json",
            "--client-ip", case.client_ip, "-X", case.method]
    for path in case.manifests:
        argv += ["-f", str(path)]
    headers = case.request_headers()
    if case.body:
        headers["Content-Length"] = str(case.body)
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    done = subprocess.run(argv + [c.url for c in group], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout)
    assert len(answers) == len(group)
    for member, answer in zip(group, answers):
        check(member, answer)


def _route_json(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "explorer", "route", "-o", "json", *argv],
                          capture_output=True, text=True, timeout=60)


def test_nginx_config_file_changes_the_answer_and_the_trace_says_where_from() -> None:
    from nginx_table import DATA, MANIFESTS

    sources = ["-f", str(MANIFESTS / "apps.yaml"), "-f", str(MANIFESTS / "redirects.yaml")]
    without = _route_json(*sources, "http://shop.bar.com/")
    with_file = _route_json(*sources, "--nginx-config", str(DATA / "controller-configmap.yaml"),
                            "http://shop.bar.com/")
    assert without.returncode == 0 and with_file.returncode == 0, with_file.stderr
    assert json.loads(without.stdout)[0]["status"] == 308
    answer = json.loads(with_file.stdout)[0]
    assert answer["outcome"] == "forward" and answer["backend"]["service"] == "http-svc"
    notes = [e["reason"] for e in answer["trace"] if e["verdict"] == "note"]
    assert any("controller-configmap.yaml" in n and "ssl-redirect: 'false'" in n for n in notes), notes
    cm = _route_json("-f", str(MANIFESTS / "apps.yaml"), "-f", str(MANIFESTS / "configmap"),
                     "http://cm-own.example/")
    assert json.loads(cm.stdout)[0]["status"] == 308
    plain = _route_json("-f", str(MANIFESTS / "apps.yaml"), "-f", str(MANIFESTS / "redirects.yaml"),
                        "http://static.bar.com/")
    assert "(ingress-nginx's default; no ConfigMap sets it)" in json.loads(plain.stdout)[0]["reason"]


def test_nginx_config_file_that_is_not_the_controllers_configmap_is_refused() -> None:
    from nginx_table import DATA, MANIFESTS

    done = _route_json("-f", str(MANIFESTS / "apps.yaml"), "--nginx-config", str(DATA / "wrong-configmap.yaml"),
                       "http://x/")
    assert done.returncode == 2
    assert "nginx-configuration" in done.stderr and "metadata.name: ingress-nginx-controller" in done.stderr
    assert "Traceback" not in done.stderr
