"""Starting fast and safely: what is imported before the first frame, and the house rules for keys."""

from __future__ import annotations

import subprocess
import sys

from textual.binding import Binding

from explorer.tui.app import IngressExplorer
from explorer.tui.screens.dialogs import ConfirmScreen, HelpScreen
from explorer.tui.screens.editor import EditorScreen
from explorer.tui.screens.explore import ExploreScreen
from explorer.tui.screens.requests import RequestsScreen
from explorer.tui.screens.contexts import ContextPicker
from explorer.tui.widgets.command_bar import CommandBar
from tui_helpers import ROOT

HEAVY = ("aiohttp", "kubernetes")

FIRST_FRAME = """
import asyncio, sys
from explorer.tui import create_app

app = create_app(["sample-manifests/article-v1"], keymap_file=None)
seen = {}
set_view = app._set_view

def spy(view, first):
    if first:
        seen["heavy"] = sorted(m for m in %r if m in sys.modules)
    set_view(view, first)

app._set_view = spy

async def main():
    async with app.run_test() as pilot:
        while "heavy" not in seen:
            await pilot.pause(0.02)
        for _ in range(500):  # then the proxy starts, after the frame
            if app.traffic is not None:
                break
            await pilot.pause(0.02)

asyncio.run(main())
print("heavy before the first frame:", seen["heavy"])
print("aiohttp after it:", "aiohttp" in sys.modules)
""" % (HEAVY,)


def test_no_heavy_import_before_the_scenario_is_on_screen():
    """aiohttp (the proxy) and kubernetes (live clusters) load after the first frame, if at all."""
    out = subprocess.run([sys.executable, "-c", FIRST_FRAME], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert "heavy before the first frame: []" in out.stdout, out.stdout + out.stderr
    assert "aiohttp after it: True" in out.stdout, out.stdout + out.stderr  # the check can see an import


def test_the_command_line_parser_does_not_import_textual():
    code = ("import sys; from explorer.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('textual', 'aiohttp', 'kubernetes') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().endswith("[]"), out.stdout + out.stderr


def test_every_binding_has_an_id_and_a_tooltip_so_keys_can_be_remapped():
    owners = (IngressExplorer, ExploreScreen, RequestsScreen, EditorScreen, HelpScreen, ConfirmScreen, CommandBar,
              ContextPicker)
    ids = []
    for owner in owners:
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding), f"{owner.__name__}: {binding!r} is a tuple"
            assert binding.id and binding.tooltip, f"{owner.__name__}: {binding.key} needs an id and a tooltip"
            ids.append(binding.id)
    assert len(ids) == len(set(ids)), "binding ids must be unique"
