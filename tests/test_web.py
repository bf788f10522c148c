"""`ingress-explorer web`: the TUI served by textual-serve, used from headless Chromium.

The browser test starts the real command on a free loopback port, opens the
page in Debian's Chromium (Playwright), waits for the Ingress table, presses
a key and sees the selection move, then opens the lesson list.

xterm.js draws on a canvas, so the test reads what the browser's terminal
holds from its buffer: the page's own textual.js is served to this browser
with one line added that names the terminal object (`window.textualTerminal`).
Every request that does not go to the server on 127.0.0.1 is refused and
counted: the page must need nothing from outside.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from browser import launch
from conftest import ROOT, SAMPLES, run_cli
from explorer.cli import build_parser
from explorer.commands.web import free_port, tui_command

TEXTUAL_JS_HOOK = ("const t=new w(e,{ping:r});", "const t=new w(e,{ping:r});window.textualTerminal=t;")
SCREEN = """() => {
  const term = window.textualTerminal.terminal, buffer = term.buffer.active, rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(y), backgrounds = [];
    for (let x = 0; x < term.cols; x++) backgrounds.push(line.getCell(x).getBgColor());
    rows.push({text: line.translateToString(true), bg: backgrounds});
  }
  return rows;
}"""


def settled(page, quiet: float = 0.4, limit: float = 10.0) -> list[dict]:
    """The terminal's rows once nothing has changed for `quiet` seconds (focus and layout redraws done)."""
    deadline = time.monotonic() + limit
    screen = page.evaluate(SCREEN)
    while time.monotonic() < deadline:
        page.wait_for_timeout(quiet * 1000)
        again = page.evaluate(SCREEN)
        if again == screen:
            return screen
        screen = again
    return screen


@pytest.fixture
def served():
    """`ingress-explorer web` on a free loopback port, stopped (with its TUI sessions) afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "explorer", "web", "--port", str(port), "--no-proxy",
         "-f", str(SAMPLES / "article-v1")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"ingress-explorer web did not start: {output}")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/"
    os.killpg(process.pid, signal.SIGTERM)  # the server and the TUIs it started, in its own session
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_the_page_needs_nothing_from_outside(served):
    page = urllib.request.urlopen(served, timeout=10).read().decode()
    assert 'class="textual-terminal"' in page
    assert "googleapis" not in page and "https://" not in page.split("<body")[0]
    assert "/static/fonts/RobotoMono" in page


def test_browser_shows_the_ingress_table_and_a_key_moves_the_selection(served):
    from playwright.sync_api import Route, sync_playwright

    outside: list[str] = []
    hooked: list[bool] = []

    def guard(route: Route) -> None:
        url = route.request.url
        if not url.startswith(served):
            outside.append(url)
            route.abort()
        elif url.endswith("/static/js/textual.js"):
            response = route.fetch()
            script = response.text()
            hooked.append(TEXTUAL_JS_HOOK[0] in script)
            route.fulfill(response=response, body=script.replace(*TEXTUAL_JS_HOOK))
        else:
            route.continue_()

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.route("**/*", guard)
            page.goto(served)
            assert hooked == [True], "textual-serve's textual.js changed: update TEXTUAL_JS_HOOK"
            page.wait_for_function("() => window.textualTerminal && window.textualTerminal.terminal.buffer"
                                   ".active.getLine(2)?.translateToString().includes('PATHTYPE')", timeout=30_000)
            # the first frame has the rules as written; their flow follows once they are resolved (issue 21)
            page.wait_for_function("() => { const b = window.textualTerminal.terminal.buffer.active; "
                                   "for (let y = 0; y < 20; y++) if (b.getLine(y)?.translateToString()"
                                   ".includes('/foo (Prefix) → my-nodeport-01:8080')) return true; return false; }",
                                   timeout=30_000)
            page.focus(".xterm-helper-textarea")  # the app draws its focused colours from here on
            before = settled(page)
            texts = [row["text"] for row in before]
            assert any("Ingresses (2)" in t for t in texts)
            foo = next(i for i, t in enumerate(texts) if "foo-bar.com  /foo" in t)
            bar = next(i for i, t in enumerate(texts) if "foo-bar.com  /bar" in t)
            assert any("foo-bar.com /foo (Prefix) → my-nodeport-01:8080" in t for t in texts)  # the flow shown
            cursor = before[foo]["bg"][1]
            assert before[bar]["bg"][1] != cursor  # the cursor row is drawn apart

            page.keyboard.press("ArrowDown")
            page.wait_for_function("() => { const b = window.textualTerminal.terminal.buffer.active; "
                                   "for (let y = 0; y < 20; y++) if (b.getLine(y).translateToString()"
                                   ".includes('/bar (Prefix) → my-nodeport-02:8081')) return true; return false; }",
                                   timeout=15_000)
            after = settled(page)
            assert after[bar]["bg"][1] == cursor and after[foo]["bg"][1] != cursor  # the highlight moved down

            page.keyboard.press("3")  # the lessons mode: the list a workshop starts from
            page.wait_for_function("() => { const b = window.textualTerminal.terminal.buffer.active; "
                                   "for (let y = 0; y < 40; y++) if (b.getLine(y)?.translateToString()"
                                   ".includes('Who serves this Ingress?')) return true; return false; }",
                                   timeout=15_000)
            lessons = [row["text"] for row in settled(page)]
            assert any("The health-check trap" in t for t in lessons)
        finally:
            browser.close()
    assert outside == []


def test_each_session_runs_the_tui_on_the_same_manifests():
    args = build_parser("web").parse_args(["web", "-f", "sample-manifests/article", "--controller", "gce"])
    command = tui_command(args)
    assert command.startswith(f"{sys.executable} -m explorer tui ")
    assert f"-f {SAMPLES / 'article'}" in command and "--controller gce" in command


def test_a_busy_port_is_a_clear_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run_cli("web", "--port", str(busy.getsockname()[1]), "-f", str(SAMPLES / "article-v1"))
    assert result.returncode == 2
    assert "cannot listen on 127.0.0.1" in result.stderr


def test_help_names_loopback_and_the_reverse_proxy():
    result = run_cli("web", "--help")
    assert result.returncode == 0
    assert "127.0.0.1" in result.stdout and "--public-url" in result.stdout
