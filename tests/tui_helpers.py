"""Helpers for the TUI tests: start the app on real manifests and wait for what a user would see."""

from __future__ import annotations

import asyncio
import io
import weakref
from pathlib import Path
from typing import Any, Callable

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable

from explorer.tui import IngressExplorer, create_app

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "explorer" / "data" / "sample-manifests"
TUI_DATA = Path(__file__).resolve().parent / "data" / "tui"
SIZE = (120, 40)


#: Every message an app was asked to show (App.notify, the public way in), per app, in order.
_NOTIFIED: "weakref.WeakKeyDictionary[App[Any], list[str]]" = weakref.WeakKeyDictionary()
_notify = App.notify


def _recording_notify(self: App[Any], message: str, *args: Any, **kwargs: Any) -> None:
    _NOTIFIED.setdefault(self, []).append(str(message))
    _notify(self, message, *args, **kwargs)


App.notify = _recording_notify  # type: ignore[method-assign]


def notifications(app: App[Any]) -> list[str]:
    """The messages the app has notified the user of so far (toasts), oldest first."""
    return list(_NOTIFIED.get(app, []))


def make_app(*sources: str | Path, controller: str | None = "nginx", **kwargs) -> IngressExplorer:
    """The app on these manifests; no proxy unless a test asks (kwargs go to create_app)."""
    kwargs.setdefault("start_proxy", False)
    return create_app([str(s) for s in sources], controller=controller, **kwargs)


async def until(pilot: Pilot, condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Wait for something a user would see; fail with `what` when it does not come."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.05)
    await pilot.pause()


async def loaded(pilot: Pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: app.view is not None, what="the manifests to load")  # type: ignore[attr-defined]


def table_rows(table: DataTable) -> list[list[str]]:
    """The table as the user reads it: the text of every cell."""
    rows = []
    for index in range(table.row_count):
        rows.append([str(getattr(cell, "plain", cell)) for cell in table.get_row_at(index)])
    return rows


def rendered(widget) -> str:
    """The text a widget shows (Static, FlowDiagram)."""
    render = widget.render()
    return getattr(render, "plain", str(render))


def screen_text(app) -> str:
    """The whole screen as plain text, as the terminal shows it (the same render an SVG screenshot uses)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()
