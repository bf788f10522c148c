"""What a start imports: the route command and the TUI's parser load only what they use (issues 14 and 21).

Each check runs a fresh interpreter and reads its `sys.modules`, so an eager
import added anywhere on the path (a command module's top, a package
`__init__`, a helper imported for one rare case) fails here instead of
quietly slowing every start. The figures are benchmarks/route_bench.py
--start-only and benchmarks/startup_bench.py.
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, SAMPLES

ROUTE = f"""
import io, json, sys, contextlib
from explorer.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["route", "-f", {str(SAMPLES / "article-v1")!r}, "http://foo-bar.com/foo"])
print(json.dumps({{"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}}))
"""

#: Never on the route command's path for Ingresses on ingress-nginx: other commands and edges, the Gateway
#: API half of the model, GKE's translator, and the stdlib modules only a rare case needs. Of the topology
#: only the Pods (explorer.topology.pods: which Pods are ready endpoints, for nginx's 503) and what they use.
#: The upstream policies (rate limits, auth, mirrors...) only for an Ingress whose annotations ask for one.
#: No dataclasses (nor the inspect it imports): the model's classes are explorer.model.value's. No hashlib
#: (OpenSSL): the simulated names hash with CPython's own SHA-256. No shutil (with zlib, bz2, lzma): argparse's
#: formatters get the terminal's width from explorer.cli.
NOT_ON_THE_ROUTE_PATH = (
    "textual", "rich", "aiohttp", "kubernetes", "asyncio", "tempfile", "difflib", "importlib.resources",
    "dataclasses", "inspect", "hashlib", "shutil",
    "explorer.commands.lint", "explorer.commands.serve", "explorer.commands.tui", "explorer.commands.lessons",
    "explorer.commands.migrate", "explorer.commands.diagram", "explorer.commands.web", "explorer.commands.record",
    "explorer.commands.convert", "explorer.commands.route_gateway",
    "explorer.topology.controller", "explorer.topology.flow", "explorer.topology.gke",
    "explorer.topology.healthcheck", "explorer.diagnostics", "explorer.export", "explorer.lessons", "explorer.migrate",
    "explorer.proxy", "explorer.sim", "explorer.live", "explorer.tui", "explorer.fsio",
    "explorer.model.gateway", "explorer.model.gateway_decode", "explorer.model.gateway_schema",
    "explorer.routing.gateway", "explorer.routing.ingress.gke", "explorer.routing.nginx_upstream",
)


def fresh(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [name for name in names if any(m == name or m.startswith(name + ".") for m in modules)]


def test_the_route_command_imports_only_what_routing_an_ingress_needs():
    seen = fresh(ROUTE)
    assert seen["code"] == 0 and "my-nodeport-01:8080" in seen["out"]  # it did route the request
    assert loaded(seen["modules"], NOT_ON_THE_ROUTE_PATH) == []
    assert "explorer.routing.ingress.compile" in seen["modules"]  # the check can see an import


def test_the_tuis_parser_imports_no_other_command_and_no_model():
    seen = fresh("import json, sys\nfrom explorer.cli import build_parser\n"
                 "args = build_parser(listing_only=True).parse_args(['-f', 'x.yaml'])\n"
                 "print(json.dumps({'files': args.files, 'modules': sorted(sys.modules)}))")
    assert seen["files"] == ["x.yaml"]
    assert [m for m in seen["modules"] if m.startswith("explorer.commands.")] == [
        "explorer.commands.collector", "explorer.commands.common", "explorer.commands.tui"]
    assert loaded(seen["modules"], ("explorer.model", "yaml", "textual", "asyncio", "importlib.resources")) == []


def test_the_listing_parser_still_names_every_command_and_rejects_a_misspelt_one():
    from explorer.cli import COMMANDS, build_parser

    parser = build_parser(listing_only=True)
    assert all(name in parser.format_help() for name in COMMANDS)
    done = subprocess.run([sys.executable, "-m", "explorer", "rout", "-f", "x"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "invalid choice: 'rout'" in done.stderr


FIRST_FRAME = f"""
import asyncio, json, sys
from explorer.tui import create_app
from explorer.tui.screens.explore import ExploreScreen
from textual.css.stylesheet import Stylesheet

seen = {{"reparsed": 0}}
show_first = ExploreScreen.show_first
reparse = Stylesheet.reparse

def spy(self, state):
    show_first(self, state)
    seen.setdefault("modules", sorted(sys.modules))  # the bundled scenario's rows are drawn now
    seen.setdefault("reparsed before", seen["reparsed"])

def counted(self):
    seen["reparsed"] += 1
    reparse(self)

ExploreScreen.show_first = spy
Stylesheet.reparse = counted
app = create_app([{str(SAMPLES / "article-v1")!r}], keymap_file=None, start_proxy=False)

async def main():
    async with app.run_test() as pilot:
        while app.view is None:  # then the rest follows: the view made by routing, topology, diagnostics
            await pilot.pause(0.02)

asyncio.run(main())
print(json.dumps({{"before": seen["modules"], "after": sorted(sys.modules), "reparsed": seen["reparsed before"]}}))
"""

#: What the first frame of the TUI does not draw: imported after it (in the state pipeline's thread) or on use.
NOT_BEFORE_THE_FIRST_FRAME = (
    "explorer.routing", "explorer.topology", "explorer.diagnostics", "explorer.export", "explorer.lessons",
    "explorer.proxy", "explorer.sim", "explorer.live", "explorer.model.gateway", "explorer.commands.serve",
    "explorer.commands.lint", "aiohttp", "kubernetes", "importlib.resources", "tomllib", "secrets",
    "textual.widgets._tabbed_content",  # (the detail tabs: mounted after the first frame)
    "explorer.tui.widgets.command_bar", "explorer.tui.widgets.findings", "explorer.tui.widgets.flow",
    "explorer.tui.widgets.manifest", "explorer.tui.screens.dialogs",  # (the panels below the table, the help)
    "rich._emoji_codes",  # (column labels are Text: no markup parsed, so no emoji table)
)


def test_the_tuis_first_frame_is_drawn_before_what_it_does_not_show_is_imported():
    seen = fresh(FIRST_FRAME)
    assert loaded(seen["before"], NOT_BEFORE_THE_FIRST_FRAME) == []
    assert "explorer.topology" in loaded(seen["after"], NOT_BEFORE_THE_FIRST_FRAME)  # the check can see them


def test_the_first_screen_is_styled_from_the_stylesheet_parsed_once():
    """Textual parses every stylesheet again for a mode's new screen (IngressExplorer._new_explore_screen)."""
    assert fresh(FIRST_FRAME)["reparsed"] == 0


COLLECTOR_AT_START = f"""
import asyncio, gc, json, sys
import explorer.tui
from explorer.cli import build_parser
import explorer.commands.tui as command

passes = []
gc.callbacks.append(lambda phase, info: passes.append(info["generation"]) if phase == "start" else None)
seen = {{}}

def create_app(*args, **kwargs):  # the command's app, run headless instead of on this terminal
    seen["paused"] = {{"passes": len(passes), "enabled": gc.isenabled(), "textual": "textual" in sys.modules}}
    from explorer.tui.app import create_app as real
    from explorer.tui.screens.explore import ExploreScreen

    show_first = ExploreScreen.show_first

    def spy(self, state):
        show_first(self, state)
        seen.setdefault("rows", {{"passes": len(passes), "enabled": gc.isenabled()}})

    ExploreScreen.show_first = spy
    app = real(*args, **kwargs)

    async def main():
        async with app.run_test() as pilot:
            while app.view is None:
                await pilot.pause(0.02)
            seen["after"] = {{"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}}

    app.run = lambda: asyncio.run(main())
    return app

explorer.tui.create_app = create_app
args = build_parser(listing_only=True).parse_args(["-f", {str(SAMPLES / "article-v1")!r}, "--no-proxy"])
code = command.run(args)
print(json.dumps({{"code": code, **seen}}))
"""


def test_the_tui_command_runs_no_garbage_collection_until_the_rows_are_on_screen():
    """Nothing made while the app starts is garbage; the bare app never reaches the full pass this start did."""
    seen = fresh(COLLECTOR_AT_START)
    assert seen["code"] == 0
    assert seen["paused"] == {"passes": seen["paused"]["passes"], "enabled": False, "textual": False}
    assert seen["rows"] == {"passes": seen["paused"]["passes"], "enabled": False}  # not one pass in between
    assert seen["after"]["enabled"] and seen["after"]["frozen"] > 0  # the start's objects frozen, collector back


ON_A_TERMINAL = """
import json, os, sys
from textual.app import App
from explorer.cli import main

shown = []
display = App._display

def spy(self, screen, update):  # every frame written to the terminal: does it hold the second rule's backend?
    if update is not None and not self._batch_count:
        shown.append("my-nodeport-02" in update.render_segments(self.console))
        if shown[-1]:
            sys.__stdout__.write("FRAMES " + json.dumps(shown) + "\\n")
            sys.__stdout__.flush()
            os._exit(0)
    display(self, screen, update)

App._display = spy
main(["--no-proxy"])
"""


def test_on_a_terminal_the_rows_are_in_the_first_full_frame_after_the_start():
    """Textual drops the frames drawn while it starts; the app's on_ready paints the whole screen then, at once.

    (Before, a refresh waited for the screen's update timer: the rows came in the fourth frame written.)
    """
    import os
    import pty
    import select

    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    process = subprocess.Popen([sys.executable, "-c", ON_A_TERMINAL], stdin=slave, stdout=slave, stderr=slave,
                               cwd=ROOT, env=env, start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        while b"FRAMES " not in seen or not seen.split(b"FRAMES ", 1)[1].count(b"\n"):
            readable, _, _ = select.select([master], [], [], 60)
            assert readable, seen[-500:]
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    finally:
        process.kill()
        process.wait()
        os.close(master)
    frames = json.loads(seen.split(b"FRAMES ", 1)[1].split(b"\n", 1)[0])
    assert frames[-1] and len(frames) <= 2, frames  # the rows: in the first frame, or the one right after it
