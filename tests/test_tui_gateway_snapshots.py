"""Pictures of Gateway API in the TUI (SVG snapshots): the HTTPRoute rules with the selected rule's flow, and
a request's flow through the Gateway, at 80x24 and 120x40.

Every snapshot was rendered to PNG (rsvg-convert) and looked at before it was accepted; update with
`pytest tests/test_tui_gateway_snapshots.py --snapshot-update` and look again. Requests are routed without
the proxy, so no port number or date is in the picture (tests/test_tui_gateway.py sends them for real).
"""

from __future__ import annotations

import pytest

from tui_helpers import ROOT, SAMPLES, loaded, make_app, until

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
TRAFFIC = (SAMPLES / "gateway-api-traffic").relative_to(ROOT)


@pytest.fixture(autouse=True)
def _relative_paths(monkeypatch):
    """File names on screen are shown relative to the working directory: keep them machine-independent."""
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("size", list(SIZES))
def test_httproute_rules_with_the_flow_of_the_weighted_rule(snap_compare, size):
    async def ready(pilot):
        await loaded(pilot)
        await pilot.press("colon", *"httproute", "enter")
        await pilot.press("down")
        flow = pilot.app.screen.query_one("#explore-flow")
        await until(pilot, lambda: flow.diagram is not None and "rule 1" in str(flow.diagram.boxes[2].lines),
                    what="the flow of rule 1")
        await pilot.pause()

    assert snap_compare(make_app(TRAFFIC, controller="gateway"), terminal_size=SIZES[size], run_before=ready)


@pytest.mark.parametrize("size", list(SIZES))
def test_a_request_through_the_gateway_in_the_flow_mode(snap_compare, size):
    async def send(pilot):
        await loaded(pilot)
        await pilot.press("2")
        await until(pilot, lambda: pilot.app.focused is not None and pilot.app.focused.id == "request-url")
        pilot.app.focused.value = "http://foo-bar.com/bar/x"
        await pilot.press("enter")
        flow = pilot.app.screen.query_one("#request-flow")
        await until(pilot, lambda: flow.diagram is not None and flow.lit is None and flow.passed >= 0,
                    what="the request drawn")
        await pilot.press("t")
        await pilot.pause()

    assert snap_compare(make_app(TRAFFIC, controller="gateway"), terminal_size=SIZES[size], run_before=send)
