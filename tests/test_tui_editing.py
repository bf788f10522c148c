"""Editing: apply an edit (everything redraws), undo it, save only when asked, and see outside edits live."""

from __future__ import annotations

import shutil

from textual.widgets import TextArea

from explorer.tui.screens.dialogs import ConfirmScreen
from explorer.tui.screens.editor import EditorScreen
from explorer.tui.widgets.resources import ResourceTable
from tui_helpers import SAMPLES, SIZE, loaded, make_app, screen_text, table_rows, until


def scenario(tmp_path):
    target = tmp_path / "article-v1"
    shutil.copytree(SAMPLES / "article-v1", target)
    return target


def paths(app) -> list[str]:
    return [row[1] for row in table_rows(app.explore.table)]


async def open_editor(pilot) -> EditorScreen:
    await pilot.press("e")
    await until(pilot, lambda: isinstance(pilot.app.screen, EditorScreen), what="the editor")
    return pilot.app.screen  # type: ignore[return-value]


async def test_apply_redraws_everything_and_undo_goes_back_without_touching_the_file(tmp_path):
    files = scenario(tmp_path)
    original = (files / "ingress.yaml").read_text()
    app = make_app(files)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        editor = await open_editor(pilot)
        assert editor.file.endswith("ingress.yaml")
        area = editor.query_one(TextArea)
        area.text = area.text.replace("path: /bar", "path: /baz")
        await pilot.press("f5")
        await until(pilot, lambda: paths(app) == ["/foo", "/baz"], what="the applied edit in the table")
        await pilot.press("f8")
        await until(pilot, lambda: paths(app) == ["/foo", "/bar"], what="undo to bring /bar back")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, EditorScreen))
        assert (files / "ingress.yaml").read_text() == original


async def test_an_edit_that_breaks_the_yaml_becomes_a_finding_not_a_crash(tmp_path):
    files = scenario(tmp_path)
    app = make_app(files)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        editor = await open_editor(pilot)
        editor.query_one(TextArea).text = "spec: [unclosed\n"
        await pilot.press("f5")
        await until(pilot, lambda: any(f.message.startswith("YAML") for f in app.view.findings),
                    what="the YAML error among the findings")
        assert app.explore.table.row_count == 0  # the Ingress is gone from this state, the app is alive


async def test_save_asks_first_and_no_leaves_the_file_alone(tmp_path):
    files = scenario(tmp_path)
    target = files / "ingress.yaml"
    original = target.read_text()
    app = make_app(files)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        editor = await open_editor(pilot)
        area = editor.query_one(TextArea)
        area.text = area.text.replace("path: /bar", "path: /baz")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the save question")
        assert "lines to" in screen_text(app) and "ingress.yaml?" in screen_text(app)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, EditorScreen))
        assert target.read_text() == original
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: "path: /baz" in target.read_text(), what="the file to be written")


async def test_save_never_overwrites_an_outside_change_without_a_second_yes(tmp_path):
    files = scenario(tmp_path)
    target = files / "ingress.yaml"
    app = make_app(files, watch_files=False)  # the watcher stays out of this test
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        editor = await open_editor(pilot)
        area = editor.query_one(TextArea)
        area.text = area.text.replace("path: /bar", "path: /mine")
        outside = target.read_text().replace("path: /bar", "path: /theirs") + "\n"
        target.write_text(outside)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and "changed on disk" in screen_text(app),
                    what="the second question about the outside change")
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, EditorScreen))
        assert target.read_text() == outside


async def test_edits_made_outside_show_up_live(tmp_path):
    files = scenario(tmp_path)
    target = files / "ingress.yaml"
    app = make_app(files)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        target.write_text(target.read_text().replace("path: /bar", "path: /outside"))
        await until(pilot, lambda: paths(app) == ["/foo", "/outside"], what="the outside edit in the table")
        assert any("changed on disk" in text for _, _, text, _ in app.events)
        assert isinstance(app.explore.table, ResourceTable)


def test_undo_history_is_bounded_by_the_objects_it_holds(tmp_path, monkeypatch):
    """Small manifests keep UNDO_DEPTH steps; big ones keep the last step, never a gigabyte per edit."""
    from explorer.tui import workspace as workspace_module

    shutil.copytree(SAMPLES / "article-v1", tmp_path / "m")
    name = str(tmp_path / "m" / "ingress.yaml")
    ws = workspace_module.Workspace([str(tmp_path / "m")])
    ws.load()
    original = ws.current.texts[name]
    per_snapshot = len(ws.current.state.objects)
    for i in range(5):
        ws.apply(name, original.replace("/foo", f"/foo{i}"))
    assert len(ws.history) == 6
    monkeypatch.setattr(workspace_module, "UNDO_OBJECTS", per_snapshot * 3)
    ws.apply(name, original.replace("/foo", "/last"))
    assert len(ws.history) == 3
    assert "/foo4" in ws.undo().texts[name] and "/foo3" in ws.undo().texts[name]
    assert ws.undo() is None  # the current state stays; older ones were let go
