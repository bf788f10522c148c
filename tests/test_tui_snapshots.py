"""Pictures of the flow diagram (SVG snapshots), for both controllers and a broken link, small and large.

Every snapshot was rendered to PNG and looked at before it was accepted;
update with `pytest tests/test_tui_snapshots.py --snapshot-update` and look again.
"""

from __future__ import annotations

import pytest

from tui_helpers import ROOT, SAMPLES, TUI_DATA, loaded, make_app, until

CASES = {
    "nginx": (SAMPLES / "article-v1", "nginx"),
    "gce": (SAMPLES / "article-v1", "gce"),
    "broken-link": (TUI_DATA / "wrong-port", "nginx"),
}


@pytest.fixture(autouse=True)
def _relative_paths(monkeypatch):
    """File names on screen are shown relative to the working directory: keep them machine-independent."""
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("case", list(CASES))
def test_flow_diagram_zoomed_fits_80x24(snap_compare, case):
    source, controller = CASES[case]

    async def zoom(pilot):
        await loaded(pilot)
        await pilot.press("z")
        await pilot.pause()

    app = make_app(source.relative_to(ROOT), controller=controller)
    assert snap_compare(app, terminal_size=(80, 24), run_before=zoom)


@pytest.mark.parametrize("case", list(CASES))
def test_explore_screen_with_flow_at_120x40(snap_compare, case):
    source, controller = CASES[case]

    async def ready(pilot):
        await loaded(pilot)
        await pilot.pause()

    app = make_app(source.relative_to(ROOT), controller=controller)
    assert snap_compare(app, terminal_size=(120, 40), run_before=ready)


SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
REQUESTS = {"200": "http://foo-bar.com/foo", "404": "http://foo.bar.com/nothing-here"}


@pytest.mark.parametrize("size", list(SIZES))
def test_explore_at_80x24_and_120x40(snap_compare, size):
    """Issue 21: at 80x24 the columns that matter stay, no box is cut, the footer ends on a whole key."""
    async def ready(pilot):
        await loaded(pilot)
        await pilot.pause()

    app = make_app((SAMPLES / "article-v1").relative_to(ROOT))
    assert snap_compare(app, terminal_size=SIZES[size], run_before=ready)


@pytest.mark.parametrize("status", list(REQUESTS))
@pytest.mark.parametrize("size", list(SIZES))
def test_flow_after_a_request_at_80x24_and_120x40(snap_compare, size, status):
    """A request that reaches a Pod (the proxy would answer 200) and one the controller answers 404 itself.

    Routed without the proxy, so the picture holds no port number or date; test_tui_newuser sends the 404
    through the real proxy.
    """
    async def send(pilot):
        await loaded(pilot)
        await pilot.press("2")
        await until(pilot, lambda: pilot.app.focused is not None and pilot.app.focused.id == "request-url")
        pilot.app.focused.value = REQUESTS[status]
        await pilot.press("enter")
        flow = pilot.app.screen.query_one("#request-flow")
        await until(pilot, lambda: flow.diagram is not None and flow.lit is None and flow.passed >= 0,
                    what="the request drawn")
        await pilot.pause()

    app = make_app((SAMPLES / "article-v1").relative_to(ROOT))
    assert snap_compare(app, terminal_size=SIZES[size], run_before=send)
