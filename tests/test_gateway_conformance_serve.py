"""The Gateway API conformance suite's request tables through `serve`'s real proxy, with a real HTTP client.

The same tables and manifests as tests/test_gateway_conformance.py (the suite's own, @4564255), but every
case is a real request: aiohttp to the loopback port standing for the case's Gateway listener (HTTPS with
the case's host as SNI), the Gateway's answer or a simulated Pod's echo checked against the suite's
ExpectedResponse: status, the backend that answered (its X-Ingress-Explorer-Backend and the echo's
namespace), a redirect's Location, what the Pod received (path, Host, headers), the response headers,
and each RequestMirror copy (a MirrorSent event with the mirror Pod's own status). One proxy per
conformance manifest; the reference-grant case after the suite deletes the ReferenceGrant is sent after
applying that snapshot to the running proxy.

Not checkable here, named: the response-header-modifier cases where the suite's echo backend sets
response headers on request (echo-basic's X-Echo-Set-Header, which our echo app does not have): for those
only the headers the filter alone decides are checked; weighted cases check the status (the split is
tested in tests/test_proxy_gateway.py).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from explorer.model import ClusterState, load
from explorer.proxy import ProxyOptions, start_proxy
from explorer.routing import Request
from explorer.routing.gateway.compile import GATEWAY_PROFILE
from explorer.routing.gateway.evaluate import request_port
from explorer.traffic import MirrorSent
from test_gateway_conformance import _DELETED, CONF, TABLES, _default_gateway, _request, _state


def _names() -> list[str]:
    return [n for n, t in TABLES.items() if any("request" in c for c in t["cases"])]


def _expected_status(case: dict[str, Any]) -> int:
    return int((case.get("response") or {}).get("statusCode", 200))


async def _send(proxy: Any, gateway: str, request: Request) -> tuple[int, dict[str, str], str]:
    """The request as a client sends it: to the listener's loopback port, Host as written, SNI for HTTPS."""
    listener = f"{gateway}:{request_port(request)}"
    info = proxy.listeners[listener]
    base = info.base_url(request.scheme)
    assert base, f"{listener} has no {request.scheme} listener"
    path = request.path + (f"?{request.query}" if request.query else "")
    extra: dict[str, Any] = {"ssl": False, "server_hostname": request.hostname} if request.scheme == "https" else {}
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        async with session.request(request.method, base + path, headers={"Host": request.host, **dict(request.headers)},
                                   allow_redirects=False, **extra) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, await response.text()


def _check(case: dict[str, Any], request: Request, status: int, headers: dict[str, str], body: str) -> None:
    want = _expected_status(case)
    reason = headers.get("x-ingress-explorer-reason", "")
    assert status == want, (status, reason, body[:300])
    if "backend" in case and want == 200:
        assert headers["x-ingress-explorer-backend"].split(":", 1)[0] == f"{case['namespace']}/{case['backend']}"
        echo = json.loads(body)
        assert echo["namespace"] == case["namespace"] and echo["service"] == case["backend"], echo
    if "redirect" in case:
        r = case["redirect"]
        port = f":{r['port']}" if r.get("port") else ""
        assert headers["location"] == (f"{r.get('scheme', request.scheme)}://{r.get('host', request.hostname)}"
                                       f"{port}{r.get('path', request.path)}")
    expected = case.get("expectedRequest")
    if expected and want == 200:
        echo = json.loads(body)
        got = {k.lower(): v for k, v in echo["headers"].items()}
        if "path" in expected:
            assert echo["path"] == expected["path"].split("?", 1)[0], echo["path"]
        if "host" in expected:
            assert got["host"] == expected["host"]
        for k, v in (expected.get("headers") or {}).items():
            assert got.get(k.lower()) == v, (k, got)
        for k in expected.get("absentHeaders") or ():
            assert k.lower() not in got, (k, got)
    response = case.get("response") or {}
    from_backend = {k.lower() for k in case.get("backendResponseHeaders") or {}}
    for k, v in (response.get("headers") or {}).items():
        if k.lower() not in from_backend:
            assert headers.get(k.lower()) == v, (k, headers)
    for k in response.get("absentHeaders") or ():
        if k.lower() not in from_backend:
            assert k.lower() not in headers, (k, headers)


#: request-percentage-mirror.yaml's shares, by path (the suite sends until the share shows; we send 20).
PERCENT = {"/percent-mirror": 20, "/percent-mirror-fraction": 50, "/percent-mirror-and-modify-headers": 35}
SENDS = 20


async def _mirrored(events: Any, case: dict[str, Any], sends: int) -> None:
    wanted = case.get("mirroredTo") or []
    got: list[MirrorSent] = []
    if not wanted:
        return
    share = PERCENT.get(case["request"]["path"], 100)
    least = len(wanted) * max(int(sends * share / 100) - 1, 1)  # the fewest copies the checks below accept

    async def collect(until: int | None) -> None:
        async for event in events:
            got.append(event)
            if until is not None and len(got) >= until:
                return

    for limit, seconds in ((least, 10.0), (None, 0.3)):  # wait for them (a loaded machine is slow), then extras
        try:
            await asyncio.wait_for(collect(limit), seconds)
        except asyncio.TimeoutError:
            pass
    for want in wanted:
        copies = [c for c in got if c.target.startswith(f"{want['namespace']}/{want['name']}:") and c.status == 200]
        assert abs(len(copies) - sends * share / 100) <= 1, (len(copies), sends, share, got)


def _without(state: ClusterState, kind: str, namespace: str, name: str) -> ClusterState:
    return ClusterState([o for o in state.objects if (o.meta.kind, o.meta.namespace, o.meta.name)
                         != (kind, namespace, name)], state.problems)


@pytest.mark.parametrize("name", _names())
async def test_conformance_cases_through_serve(name: str) -> None:
    state = load([str(CONF / "base.yaml"), str(CONF / f"{name}.yaml")])
    assert not [p for p in state.problems if p.severity == "error"], state.problems
    proxy = await start_proxy(state, GATEWAY_PROFILE, ProxyOptions(time_scale=0.05, https_port=0))
    sent = 0
    try:
        for index, case in enumerate(TABLES[name]["cases"]):
            if "request" not in case:
                continue
            if (name, index) in _DELETED:
                await proxy.apply(_without(state, *_DELETED[(name, index)]), GATEWAY_PROFILE)
            gateway, request = _request(name, index, case)
            sends = SENDS if request.path in PERCENT else 1
            events = proxy.subscribe(kinds=(MirrorSent,))
            try:
                for _ in range(sends):
                    answer = await _send(proxy, gateway or _default_gateway(_state(name)[0], name), request)
                    _check(case, request, *answer)
                    sent += 1
                await _mirrored(events, case, sends)
            finally:
                events.close()
    finally:
        await proxy.stop()
    assert sent
