"""The footer: one line of keys, the same keys and text per screen as Textual's footer drew, and clickable."""

from __future__ import annotations

import pytest

from explorer.tui.screens.dialogs import HelpScreen
from explorer.tui.screens.editor import EditorScreen
from explorer.tui.widgets.footer import KeysFooter
from tui_helpers import SAMPLES, loaded, make_app, screen_text, until

#: What the footer read per screen when each key was a Textual FooterKey widget (the commit before this one).
EXPECTED = {
    ("explore", 80): " r Request  2 Flow  3 Lessons  / Filter  c Controller  ? Help  q Quit",
    ("explore", 120): " r Request  2 Flow  3 Lessons  / Filter  c Controller  ? Help  q Quit  s Screenshot  4 Migrate"
                      "  : Command  e Edit",
    ("flow", 80): " f1 Help" + " " * 60 + "▏^p palette",
    ("flow", 120): " f1 Help" + " " * 100 + "▏^p palette",
    ("migrate", 80): " w Write  d Differences  r Request  1 Explore  2 Flow  3 Lessons  c Controller",
    ("migrate", 120): " w Write  d Differences  r Request  1 Explore  2 Flow  3 Lessons  c Controller  ? Help  q Quit"
                      "  s Screenshot  : Command",
    ("editor", 80): " f5 Apply  ^s Save  esc Close  f1 Help  f8 Undo apply" + " " * 15 + "▏^p palette",
    ("editor", 120): " f5 Apply  ^s Save  esc Close  f1 Help  f8 Undo apply" + " " * 55 + "▏^p palette",
}
KEYS = {"explore": (), "flow": ("2",), "migrate": ("4",), "editor": ("e",)}


def footer_line(app) -> str:
    return screen_text(app).rstrip("\n").split("\n")[-1].rstrip()


@pytest.mark.parametrize("screen,width", sorted(EXPECTED))
async def test_each_screen_shows_the_same_keys_as_before_in_the_same_order(screen, width):
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=(width, 24 if width == 80 else 40)) as pilot:
        await loaded(pilot)
        for key in KEYS[screen]:
            await pilot.press(key)
        if screen == "editor":
            await until(pilot, lambda: isinstance(app.screen, EditorScreen), what="the editor")
        await until(pilot, lambda: footer_line(app) == EXPECTED[screen, width], timeout=5,
                    what=f"the footer to read {EXPECTED[screen, width]!r}, not {footer_line(app)!r}")
        assert len(app.screen.query(KeysFooter)) == 1 and not app.screen.query(KeysFooter).first().children


async def _click_key(pilot, label: str) -> None:
    line = footer_line(pilot.app)
    assert f" {label} " in line + " ", line
    await pilot.click(KeysFooter, offset=(line.index(f" {label} ") + 1, 0))


async def test_a_click_on_a_footer_key_runs_its_action_and_a_click_between_keys_nothing():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: "e Edit" in footer_line(app), what="the footer")
        end = len(footer_line(app))
        await pilot.click(KeysFooter, offset=(end + 2, 0))  # (the empty end of the line)
        await pilot.pause()
        assert app.current_mode == "explore" and not isinstance(app.screen, HelpScreen)
        await _click_key(pilot, "? Help")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help after a click on ? Help")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen), what="the help closed")
        await _click_key(pilot, "4 Migrate")
        await until(pilot, lambda: app.current_mode == "migrate", what="Migrate after a click on 4 Migrate")
        await until(pilot, lambda: "1 Explore" in footer_line(app), what="the Migrate footer")
        await _click_key(pilot, "1 Explore")
        await until(pilot, lambda: app.current_mode == "explore", what="Explore after a click on 1 Explore")


async def test_the_key_under_the_mouse_is_highlighted_and_says_its_tooltip():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: "e Edit" in footer_line(app), what="the footer")
        footer = app.screen.query_one(KeysFooter)
        x = footer_line(app).index(" 3 Lessons ") + 2
        before = footer.render_line(0)
        await pilot.hover(KeysFooter, offset=(x, 0))
        await pilot.pause()
        assert footer.tooltip and "lessons" in str(footer.tooltip)
        after = footer.render_line(0)
        assert before.text == after.text and list(before) != list(after)  # same keys, one drawn highlighted


async def test_the_footer_stays_when_z_zooms_the_flow():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: "q Quit" in footer_line(app), what="the footer")
        await pilot.press("z")
        await until(pilot, lambda: app.screen.maximized is not None, what="the flow zoomed")
        assert footer_line(app).startswith(" r Request  2 Flow"), footer_line(app)
