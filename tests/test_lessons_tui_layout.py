"""The lesson screen on a small terminal, a save from another editor, and a picture of it (SVG snapshot,
rendered to PNG and looked at before it was accepted)."""

from __future__ import annotations

import pytest
from textual.containers import ScrollableContainer
from textual.widgets import TextArea

from explorer.lessons.progress import state_dir
from explorer.tui.lessons import LessonsScreen
from tui_helpers import ROOT, SAMPLES, loaded, make_app, screen_text, until


@pytest.fixture(autouse=True)
def own_state(lesson_state, monkeypatch):
    monkeypatch.chdir(ROOT)


async def _open(pilot, order: int) -> LessonsScreen:
    await loaded(pilot)
    await pilot.press("3")
    await until(pilot, lambda: isinstance(pilot.app.screen, LessonsScreen), what="the lessons mode")
    screen = pilot.app.screen
    listing = screen.query_one("#lesson-list")
    listing.focus()
    listing.highlighted = order - 1
    await pilot.press("enter")
    await until(pilot, lambda: screen.session is not None and screen.shown, what="the lesson")
    return screen


def _scroll_areas(screen) -> list[str]:
    """Widgets that scroll on their own and are on screen now."""
    return [w.id or type(w).__name__ for w in screen.query("*")
            if isinstance(w, (ScrollableContainer, TextArea)) or type(w).__name__ == "OptionList"
            if w.display and w.region.area and type(w).__name__ != "Footer"]


async def test_at_80x24_the_editor_keeps_eight_lines_and_four_scroll_areas_at_most():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, 1)
        editor = screen.editor("ingress.yaml" if "ingress.yaml" in screen.files else screen.files[0])
        await pilot.pause()
        for name in screen.files:
            shown = screen.editor(name)
            if shown.region.area:
                assert shown.scrollable_content_region.height >= 8, shown.scrollable_content_region
        assert editor is not None
        areas = _scroll_areas(screen)
        assert len(areas) <= 4, areas
        text = screen_text(app)
        table = text.split("Goal | now", 1)[1]
        first_row = next(line for line in table.splitlines() if "✘" in line or "✔" in line)
        assert "✘" in first_row  # what fails comes first, even when the table has room for one row
        assert not app._notifications  # lesson 1 opens without a toast: the demo's silence is in the status line
        assert "Demo GET http://web.example.com/: no answer yet" in text


async def test_a_save_from_another_editor_is_read_back_and_checked_and_unsaved_edits_are_kept():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, 1)
        areas = _scroll_areas(screen)  # text, both flows in one, the checks, the editor (six before)
        assert len(areas) == 4, areas
        work = state_dir() / "work" / "ingress-class"
        ingress = work / "ingress.yaml"
        ingress.write_text(ingress.read_text().replace("  ingressClassName: gce\n", ""))  # another editor saves
        await until(pilot, lambda: "ingressClassName" not in screen.editor("ingress.yaml").text, timeout=20,
                    what="the saved file read back into the editor")
        await until(pilot, lambda: screen.result is not None and screen.result.passed, timeout=30,
                    what="the checks on the saved file")
        assert "Solved! Press n" in screen_text(app)

        screen.editor("app.yaml").text += "# my own note\n"  # unsaved here
        await pilot.pause()
        app_yaml = work / "app.yaml"
        app_yaml.write_text(app_yaml.read_text() + "# from outside\n")
        await until(pilot, lambda: any("unsaved edits here are kept" in n.message for n in app._notifications),
                    timeout=20, what="the notice that the edits are kept")
        assert screen.editor("app.yaml").text.endswith("# my own note\n")


def test_the_lesson_screen_at_80x24(snap_compare):
    async def opened(pilot):
        await _open(pilot, 1)
        await pilot.pause(0.5)

    assert snap_compare(make_app((SAMPLES / "article-v1").relative_to(ROOT)), terminal_size=(80, 24),
                        run_before=opened)
