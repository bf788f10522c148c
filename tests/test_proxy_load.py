"""Load through the real proxy: every request answered as the rules say, and memory that stays put.

benchmarks/proxy_load.py runs the full size (10,000 requests at 100
connections, `serve` in its own process); these run the same load function
in-process, small enough for every run and bigger under `-m slow`.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from explorer.routing import GCE, NGINX
from explorer.proxy import Proxy
from explorer.traffic import RequestCompleted, Subscription
from proxy_support import PROXY_DATA, running

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from proxy_load import RssSampler, load, rss_kib  # noqa: E402

FAULTS = PROXY_DATA.parent / "proxyfaults"
HOST = "faults.example.com"
MIB = 1024  # KiB


async def drain(proxy: Proxy) -> tuple[asyncio.Task[None], list[int], Subscription]:
    """Subscribe as the TUI and `serve` do, so every request also publishes its events; collect the statuses."""
    events = proxy.hub.subscribe(maxsize=200_000)  # large enough that no event is dropped
    seen: list[int] = []

    async def read() -> None:
        async for event in events:
            if isinstance(event, RequestCompleted):
                seen.append(event.status)

    return asyncio.create_task(read()), seen, events


@pytest.mark.parametrize("profile", [NGINX, GCE], ids=["nginx", "gce"])
async def test_300_requests_at_30_connections_all_answered_without_growth(profile):
    async with running(profile, FAULTS) as proxy:
        url = proxy.listeners["default/faults" if profile.load_balancer_per_ingress else "shared"].base_url()
        task, seen, events = await drain(proxy)
        await load(url + "/app/warm", 30, 30, HOST)  # first connections, pools, caches
        before = rss_kib()
        result = await load(url + "/app/x", 300, 30, HOST)
        after = rss_kib()
        await asyncio.sleep(0)
        events.close()
        await task
    assert result.errors() == 0, (result.statuses, result.failures)
    assert result.statuses == {200: 300}
    assert seen.count(200) == 330  # the access log saw every request
    if before is not None:
        assert after - before < 20 * MIB, f"RSS grew {(after - before) / MIB:.1f} MiB over 300 requests"


@pytest.mark.slow
async def test_sustained_load_has_no_errors_and_flat_memory():
    async with running(NGINX, FAULTS) as proxy:
        url = proxy.listeners["shared"].base_url()
        task, seen, events = await drain(proxy)
        direct = next(sim for sim in proxy.sims.pods.values() if sim.name.startswith("app-"))
        baseline = await load(f"http://{direct.address}/app/x", 2000, 100)
        after_round = []
        async with RssSampler() as sampler:
            results = []
            for _ in range(5):
                results.append(await load(url + "/app/x", 2000, 100, HOST))
                after_round.append(rss_kib())
        events.close()
        await task
    assert baseline.errors() == 0
    assert [r.errors() for r in results] == [0] * 5, [(r.statuses, r.failures) for r in results]
    assert len(seen) == 10_000
    if after_round[0] is not None:
        growth = after_round[-1] - after_round[0]
        assert growth < 10 * MIB, f"RSS went {[round(v / MIB, 1) for v in after_round]} MiB over 10,000 requests"
        assert max(sampler.samples) - after_round[0] < 30 * MIB
