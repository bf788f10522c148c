"""RequestMirror through the real proxy: a real aiohttp client, the copy sent for real to the mirror Service's
simulated Pod (the MirrorSent event carries the Pod's own status), its answer discarded; percent and
fraction copy that share of the requests; a mirror to a missing Service is not sent and the forward is
unaffected. Expected values are the Gateway API spec's (HTTPRequestMirrorFilter), written by hand."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys

import aiohttp

from explorer.routing.gateway.compile import GATEWAY_PROFILE
from explorer.traffic import MirrorSent
from proxy_support import PROXY_DATA, running
from test_proxy_serve import ROOT, read_until

MIRROR = PROXY_DATA / "gateway-mirror"


async def _send(base: str, host: str, path: str, n: int = 1) -> list[tuple[int, dict[str, object]]]:
    out = []
    async with aiohttp.ClientSession() as session:
        for _ in range(n):
            async with session.get(base + path, headers={"Host": host}, allow_redirects=False) as response:
                out.append((response.status, json.loads(await response.text())))
    return out


async def _copies(events, want: int, timeout: float = 10.0, grace: float = 0.3
                  ) -> list[MirrorSent]:  # type: ignore[no-untyped-def]
    """The copies published: wait for `want` of them (a loaded machine is slow), then `grace` more for extras."""
    got: list[MirrorSent] = []

    async def collect(until: int | None) -> None:
        async for event in events:
            got.append(event)
            if until is not None and len(got) >= until:
                return

    for limit, seconds in ((want, timeout), (None, grace)):
        try:
            await asyncio.wait_for(collect(limit), seconds)
        except asyncio.TimeoutError:
            pass
    return got


async def test_the_copy_reaches_the_mirror_pod_after_the_filters_and_its_answer_is_discarded() -> None:
    async with running(GATEWAY_PROFILE, MIRROR) as proxy:
        events = proxy.subscribe(kinds=(MirrorSent,))
        base = proxy.listeners["default/edge:80"].base_url("http")
        [(status, echo)] = await _send(base, "shop.example", "/mirror/x?a=1")
        assert status == 200 and str(echo["pod"]).startswith("blue-")  # the client gets blue's answer
        [copy] = await _copies(events, 1)
        events.close()
    assert copy.pod.startswith("green-") and copy.status == 200, copy  # a real answer from green's Pod
    assert copy.target == "default/green:80"
    assert copy.path == "/m/x?a=1"  # the rule's URLRewrite applies to the copy too
    assert copy.host == "shop.example-shadow"  # Envoy's shadow Host
    assert copy.method == "GET"


async def test_percent_and_fraction_copy_that_share_of_the_requests() -> None:
    async with running(GATEWAY_PROFILE, MIRROR) as proxy:
        base = proxy.listeners["default/edge:80"].base_url("http")
        events = proxy.subscribe(kinds=(MirrorSent,))
        answers = await _send(base, "shop.example", "/half", 10)
        half = await _copies(events, 5)
        assert all(s == 200 for s, _ in answers)
        assert len(half) == 5 and all(c.path == "/half" and c.status == 200 for c in half), half
        answers = await _send(base, "shop.example", "/third", 9)
        third = await _copies(events, 3)
        events.close()
    assert len(third) == 3 and all(c.path == "/third" for c in third), third


async def test_a_mirror_to_a_missing_service_is_not_sent_and_the_forward_still_answers() -> None:
    async with running(GATEWAY_PROFILE, MIRROR) as proxy:
        base = proxy.listeners["default/edge:80"].base_url("http")
        events = proxy.subscribe(kinds=(MirrorSent,))
        [(status, echo)] = await _send(base, "lost.example", "/x")
        copies = await _copies(events, 1, timeout=1.0, grace=0)
        events.close()
    assert status == 200 and str(echo["pod"]).startswith("blue-")
    assert copies == []


def test_serve_logs_the_mirrored_copy() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "serve", "-f", str(MIRROR), "--controller", "gateway", "--http-port", "0",
         "--status-port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        _, banner = read_until(proc, r"status \(JSON\): http://127\.0\.0\.1:\d+/")
        port = re.search(r"listener port 80 \('http' HTTP\): http://127\.0\.0\.1:(\d+)", banner)
        assert port, banner
        answer = asyncio.run(_send(f"http://127.0.0.1:{port.group(1)}", "shop.example", "/mirror/y"))
        assert answer[0][0] == 200
        _, log = read_until(proc, r"mirror GET shop\.example-shadow/m/y -> default/green:80 pod green-\S+ 200 "
                                  r"\(answer discarded\)")
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=15)
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    assert code == 0 and "Traceback" not in stderr, stderr
