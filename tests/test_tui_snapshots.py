"""Pictures of the flow diagram (SVG snapshots), for both controllers and a broken link, small and large.

Every snapshot was rendered to PNG and looked at before it was accepted;
update with `pytest tests/test_tui_snapshots.py --snapshot-update` and look again.
"""

from __future__ import annotations

import pytest

from tui_helpers import ROOT, SAMPLES, TUI_DATA, loaded, make_app

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
