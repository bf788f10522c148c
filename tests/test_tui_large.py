"""A cluster dump in the TUI: progress while it loads, rows that arrive, quitting mid-load, scrolling and filtering.

The dumps are written by benchmarks/dump.py (the generator the benchmarks use):
200 Ingresses (1,000 rows) for the fast tests, the full 2,000 (10,000 rows,
36 MiB) for the slow one.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path
from typing import Callable

import pytest
from textual.pilot import Pilot

from explorer.tui.widgets.manifest import ManifestView
from explorer.tui.widgets.resources import ResourceTable
from tui_helpers import ROOT, SAMPLES, SIZE, make_app, rendered, screen_text, table_rows, until


def write_dump(path: Path, ingresses: int, services: int, pods: int) -> Path:
    spec = importlib.util.spec_from_file_location("benchmark_dump", ROOT / "benchmarks" / "dump.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_dump(path, ingresses=ingresses, services=services, pods=pods)


@pytest.fixture(scope="module")
def small_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dump(tmp_path_factory.mktemp("dump") / "dump.yaml", 200, 500, 1000)


def hold_at(app, stages: tuple[str, ...]) -> tuple[list[str], dict[str, threading.Event]]:
    """Make the state worker stop after telling each of `stages` until the test lets it go on.

    Returns what the worker told, and one gate per stage to open.
    """
    told: list[str] = []
    gates = {stage: threading.Event() for stage in stages}
    tell = app._progress

    def progress(text: str) -> None:
        tell(text)  # on screen first (the worker waits for the app to take it)
        told.append(text)
        for stage, gate in gates.items():
            if text.startswith(stage):
                gate.wait(30)

    app._progress = progress
    return told, gates


async def title_shows(pilot: Pilot, text: str) -> None:
    await until(pilot, lambda: text in rendered(pilot.app.screen.query_one("#table-title")),
                what=f"the Ingress list's title to show {text!r}")


async def test_the_ingress_list_says_what_loading_is_doing_and_the_rows_arrive(small_dump: Path):
    app = make_app(small_dump)
    told, gates = hold_at(app, ("parsing", "building"))
    parsing = f"parsing dump.yaml ({small_dump.stat().st_size / 2**20:.1f} MiB)"  # 2.0 MiB
    async with app.run_test(size=SIZE) as pilot:
        await title_shows(pilot, parsing + "…")
        assert "Ingresses ·" in rendered(app.screen.query_one("#table-title"))
        await pilot.press("slash")  # keys are taken while the worker works
        assert app.screen.query_one("#filter").has_focus
        await pilot.press("escape")
        gates["parsing"].set()
        await title_shows(pilot, "building 1,000 rows…")
        gates["building"].set()
        table = app.screen.query_one(ResourceTable)
        # the rules as written come first (issue 21: the first frame does not wait for topology), then resolved
        await until(pilot, lambda: app.view is not None and table.row_count == 1000, what="the 1,000 rows")
        title = rendered(app.screen.query_one("#table-title"))
        assert title == "Ingresses (1000)", title  # no progress left once the rows are in
        # app0 has 2 of the 1,000 Pods (Pod i belongs to app i % 500), both Ready
        assert table_rows(table)[0][:7] == ["h0.example.com", "/p0", "Prefix", "app0:http", "30000", "2/2", "✔ ok"]
    assert told[0] == parsing
    stages = [t.split(" ")[0] for t in told if not t.startswith("collecting garbage")]  # only after a large load
    assert stages == ["parsing", "syncing", "building", "checking", "drawing"]


async def test_many_rows_scroll_to_the_end_and_filter(small_dump: Path):
    app = make_app(small_dump)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ResourceTable)
        await until(pilot, lambda: table.row_count == 1000, what="the 1,000 rows")
        await pilot.press("ctrl+end")
        assert table.cursor_row == 999
        await pilot.press("m")  # the manifest of the last rule: its own Ingress, cut out of the 2 MiB file
        await until(pilot, lambda: "name: ing199" in screen_text(app), what="the last Ingress's manifest")
        where = rendered(app.screen.query_one(ManifestView).query_one("#manifest-where"))
        assert where.endswith("dump.yaml:" + str(table.current_item().location.line))
        await pilot.press("slash", *"h17.example")
        await until(pilot, lambda: table.row_count == 5, what="the filter to keep the 5 rules of h17.example.com")
        assert {row[0] for row in table_rows(table)} == {"h17.example.com"}
        await pilot.press("enter", "escape")
        await until(pilot, lambda: table.row_count == 1000, what="escape to bring every row back")


QUIT_WHILE_LOADING = """
import sys, threading
from explorer.tui import create_app

app = create_app([sys.argv[1]], start_proxy=False)  # no keymap: the suite's own XDG_CONFIG_HOME (conftest)
app.workspace.load = lambda: threading.Event().wait()  # a load that never ends
app.run()
print("ended")
"""


def run_in_terminal(argv: list[str], until_text: bytes, then_send: bytes, timeout: float = 30.0) -> tuple[float, bytes]:
    """Start `argv` on a pseudo-terminal, wait for `until_text`, send keys; seconds until it exits, and its output."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env,
                               start_new_session=True)
    os.close(slave)
    seen, sent = b"", None
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    pass  # the process is gone
            if sent is None and until_text in seen:
                os.write(master, then_send)
                sent = time.monotonic()
            if sent is not None and process.poll() is not None:
                return time.monotonic() - sent, seen
        raise AssertionError(f"still running after {timeout} s (keys sent: {sent is not None}); "
                             f"last output: {seen[-400:]!r}")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(master)


def test_q_quits_at_once_while_the_manifests_are_still_loading():
    """The load runs on (it never ends here); the process must not wait for it."""
    argv = [sys.executable, "-c", QUIT_WHILE_LOADING, str(SAMPLES / "article-v1")]
    seconds, output = run_in_terminal(argv, b"parsing", b"q")
    assert seconds < 5, f"took {seconds:.1f} s to quit"
    assert b"ended" in output


@pytest.mark.slow
async def test_the_full_cluster_dump_opens_with_progress_scrolls_and_filters(tmp_path: Path):
    """2,000 Ingresses, 5,000 Services, 20,000 Pods: 10,000 rows."""
    dump = write_dump(tmp_path / "dump.yaml", 2000, 5000, 20000)
    app = make_app(dump)
    told: list[str] = []
    tell: Callable[[str], None] = app._progress
    app._progress = lambda text: (tell(text), told.append(text))
    async with app.run_test(size=SIZE) as pilot:
        await title_shows(pilot, f"parsing dump.yaml ({dump.stat().st_size / 2**20:.1f} MiB)…")
        table = app.screen.query_one(ResourceTable)
        await until(pilot, lambda: table.row_count == 10_000, timeout=300, what="the 10,000 rows")
        assert "building 10,000 rows" in told
        started = time.monotonic()
        for _ in range(20):
            await pilot.press("pagedown")
        await pilot.press("ctrl+end")
        assert table.cursor_row == 9999
        assert time.monotonic() - started < 20, "paging through 10,000 rows lagged"
        await pilot.press("m")
        await until(pilot, lambda: "name: ing1999" in screen_text(app), what="the last Ingress's manifest")
        await pilot.press("slash", *"h1999.")
        await until(pilot, lambda: table.row_count == 5, timeout=20, what="the filter on 10,000 rows")
