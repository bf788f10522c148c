"""A new user's first hour (issue 21): each trap they fell into, as they would meet it, with Pilot."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from textual.widgets import Input, Static, TextArea

from explorer.tui.lessons import LessonsScreen
from explorer.tui.screens.dialogs import ConfirmScreen
from explorer.tui.screens.editor import EditorScreen
from explorer.tui.screens.requests import RequestsScreen
from explorer.tui.widgets.findings import FindingsTable
from explorer.tui.widgets.flow import FlowDiagram
from explorer.tui.widgets.footer import KeysFooter
from explorer.tui.widgets.resources import ResourceTable
from tui_helpers import ROOT, SAMPLES, SIZE, TUI_DATA, loaded, make_app, rendered, screen_text, until

SMALL = (80, 24)


def notifications(app) -> list[str]:
    return [n.message for n in app._notifications]


def footer_line(app) -> str:
    return screen_text(app).rstrip("\n").split("\n")[-1]


def scenario(tmp_path: Path) -> Path:
    target = tmp_path / "article"
    shutil.copytree(SAMPLES / "article-v1", target)
    return target


async def test_flow_mode_puts_the_cursor_in_the_url_so_enter_sends_the_suggested_request():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, RequestsScreen), what="the Flow mode")
        await until(pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "request-url",
                    what="the URL field to have the focus")
        assert app.focused.value == "http://foo-bar.com/foo"
        await pilot.press("enter")
        await until(pilot, lambda: "this is what routing decided" in screen_text(app), what="the request to be routed")
        assert "GET http://foo-bar.com/foo → default/my-nodeport-01:8080" in screen_text(app)


async def test_editor_says_what_f5_and_f8_did_and_f5_twice_is_one_undo_step(tmp_path):
    files = scenario(tmp_path)
    app = make_app(files, watch_files=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(ResourceTable)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EditorScreen), what="the editor")
        editor = app.screen
        status = editor.query_one("#editor-status", Static)
        assert "Not applied yet." in rendered(status)
        area = editor.query_one(TextArea)
        area.text = area.text.replace("path: /bar", "path: /baz")
        steps = len(app.workspace.history)
        await pilot.press("f5")
        await until(pilot, lambda: "Applied at" in rendered(status), what="the status after f5")
        assert len(app.workspace.history) == steps + 1
        await pilot.press("f5")
        await until(pilot, lambda: "Already applied" in rendered(status), what="the status after a second f5")
        await pilot.pause(0.3)
        assert len(app.workspace.history) == steps + 1, "the same text applied twice made two undo steps"
        await pilot.press("f8")
        await until(pilot, lambda: "Undid the last apply" in rendered(status), what="the status after f8")
        await pilot.press("escape")
        await until(pilot, lambda: [r[1] for r in _rows(table)] == ["/foo", "/bar"], what="the state before")


async def test_f8_undoes_on_the_main_screen_as_the_readme_says(tmp_path):
    files = scenario(tmp_path)
    app = make_app(files, watch_files=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(ResourceTable)
        name = str(files / "ingress.yaml")
        app.apply_edit(name, (files / "ingress.yaml").read_text().replace("path: /bar", "path: /baz"))
        await until(pilot, lambda: [r[1] for r in _rows(table)] == ["/foo", "/baz"], what="the edit")
        await pilot.press("f8")
        await until(pilot, lambda: [r[1] for r in _rows(table)] == ["/foo", "/bar"], what="f8 to undo it")


async def test_findings_come_errors_first_and_the_detail_follows_a_controller_switch():
    app = make_app(TUI_DATA / "wrong-port")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("x")
        findings = app.screen.query_one(FindingsTable)
        await until(pilot, lambda: findings.row_count == 3, what="three findings")
        assert [f.severity for f in findings.items] == ["error", "warning", "info"]
        findings.focus()
        findings.move_cursor(row=2)
        detail = app.screen.query_one("#finding-detail", Static)
        await until(pilot, lambda: "IE5004" in rendered(detail), what="the info finding's detail")
        await pilot.press("c")
        await until(pilot, lambda: app.view is not None and app.view.profile.name == "gce"
                    and any(f.code == "IE6008" for f in findings.items), what="GKE's findings")
        await until(pilot, lambda: "IE5004" not in rendered(detail), what="the detail to leave nginx's finding")
        current = findings.current()
        assert current is not None and current.code in rendered(detail)


async def test_footer_shows_lessons_and_screenshot_most_important_keys_first_and_cuts_no_key():
    for size in (SMALL, SIZE):
        app = make_app(SAMPLES / "article-v1")
        async with app.run_test(size=size) as pilot:
            await loaded(pilot)
            await until(pilot, lambda: app.screen.query(KeysFooter) and "Request" in footer_line(app),
                        what="the footer")
            line = footer_line(app)
            assert line.lstrip().startswith("r Request"), line
            assert "3 Lessons" in line and "2 Flow" in line and "? Help" in line and "q Quit" in line, line
            if size == SIZE:
                assert "s Screenshot" in line, line
            endings = {b.binding.description.split()[-1] for b in app.screen.active_bindings.values()
                       if b.binding.description}
            assert line.split()[-1] in endings, f"the footer ends mid-word: {line!r}"


async def test_colon_ns_alone_lists_the_namespaces():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"ns", "enter")
        await until(pilot, lambda: any("default (2 rules)" in n for n in notifications(app)),
                    what="the namespaces listed")
        assert not any("unknown command" in n for n in notifications(app))


async def test_colon_lesson_n_opens_lesson_n(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"lesson 4", "enter")
        await until(pilot, lambda: isinstance(app.screen, LessonsScreen) and app.screen.session is not None,
                    timeout=20, what="lesson 4 to open")
        assert app.screen.session.lesson.order == 4
        assert not any("unknown command" in n for n in notifications(app))


async def test_ctrl_c_quits_at_once_as_in_k9s():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+c")
        await until(pilot, lambda: app.return_code is not None, what="the app to end")
    assert app.return_code == 0
    assert not any("ctrl+q" in n for n in notifications(app))


async def test_q_quits_at_once_with_nothing_to_lose():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("q")
        await until(pilot, lambda: app.return_code is not None, what="the app to end")
        assert not isinstance(app.screen, ConfirmScreen)


async def test_q_asks_first_when_an_applied_edit_is_not_saved(tmp_path):
    files = scenario(tmp_path)
    app = make_app(files, watch_files=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(ResourceTable)
        name = str(files / "ingress.yaml")
        app.apply_edit(name, (files / "ingress.yaml").read_text().replace("path: /bar", "path: /baz"))
        await until(pilot, lambda: [r[1] for r in _rows(table)] == ["/foo", "/baz"], what="the edit")
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert "ingress.yaml (applied, not saved)" in screen_text(app)
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="staying")
        assert app.return_code is None
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question again")
        await pilot.press("y")
        await until(pilot, lambda: app.return_code is not None, what="the app to end")


async def test_a_404_is_drawn_as_the_controller_answering_not_proxying_and_without_a_tick():
    """Real HTTP through the embedded proxy: the picture must not contradict the 404."""
    app = make_app(SAMPLES / "article-v1", start_proxy=True)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: app.traffic is not None, what="the embedded proxy to listen")
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "request-url")
        app.focused.value = "http://foo.bar.com/nothing-here"
        await pilot.press("enter")
        await until(pilot, lambda: "404 Not Found" in screen_text(app), timeout=15, what="the proxy's 404")
        picture = rendered(app.screen.query_one("#request-flow", FlowDiagram))
        assert "proxies to the Service" not in picture
        assert "✘ answers 404" in picture and "✔ answers" not in picture


async def test_at_80x24_the_table_keeps_host_path_backend_and_health_and_never_scrolls_sideways():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(ResourceTable)
        await until(pilot, lambda: table.row_count == 2, what="the rows")
        labels = [str(column.label) for column in table.ordered_columns]
        assert labels[:2] == ["HOST", "PATH"] and {"BACKEND", "HEALTH"} <= set(labels), labels
        assert table.max_scroll_x == 0, labels
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1 and table.scroll_x == 0
        await pilot.press("home")
        assert table.cursor_row == 0


async def test_at_120_columns_every_ingress_column_shows_and_a_long_reason_is_cut_visibly():
    app = make_app(TUI_DATA / "wrong-port")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(ResourceTable)
        await until(pilot, lambda: table.row_count > 0, what="the rows")
        labels = [str(column.label) for column in table.ordered_columns]
        assert {"HOST", "PATH", "BACKEND", "HEALTH", "INGRESS", "WHY"} <= set(labels), labels
        assert table.max_scroll_x == 0
        text = screen_text(app)
        row = next(line for line in text.split("\n") if "broken" in line)
        assert len(row.rstrip()) <= 120 and (row.rstrip().endswith("…") or row.rstrip()[-1].isalnum()), row


async def test_z_zooms_the_flow_diagram_and_the_flow_tab_scrolls_at_80x24():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot)
        flow = app.screen.query_one("#explore-flow", FlowDiagram)
        await until(pilot, lambda: flow.diagram is not None, what="the diagram")
        wrap = app.screen.query_one("#explore-flow-wrap")
        assert wrap.max_scroll_y > 0  # the second row of boxes is below: it scrolls, it is not cut off
        await pilot.press("z")
        await until(pilot, lambda: app.screen.maximized is flow, what="the zoomed diagram")
        await pilot.press("z")
        await until(pilot, lambda: app.screen.maximized is None, what="back from the zoom")


def test_an_svg_diagram_cuts_no_pod_name(tmp_path):
    out = tmp_path / "flow.svg"
    done = subprocess.run([sys.executable, "-m", "explorer", "diagram", "-f", "sample-manifests/article-v1",
                           "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    svg = out.read_text()
    assert "site01-" in svg
    assert "…│" not in svg and "…&#160;│" not in svg, "a name is cut in the picture"


def _rows(table) -> list[list[str]]:
    from tui_helpers import table_rows

    return table_rows(table)


async def test_at_80x24_the_findings_keep_their_message_before_where_it_is():
    app = make_app(TUI_DATA / "wrong-port")
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot)
        await pilot.press("x")
        findings = app.screen.query_one(FindingsTable)
        await until(pilot, lambda: findings.row_count == 3, what="the findings")
        labels = [str(column.label) for column in findings.ordered_columns]
        assert labels[:3] == ["SEVERITY", "CODE", "MESSAGE"] or {"SEVERITY", "CODE", "MESSAGE"} <= set(labels), labels
        assert findings.max_scroll_x == 0
