"""The migration lessons (13, 14) and the GKE production lesson in the TUI: listed, opened, solved with the
Gateway API front end's real traffic through the proxy."""

from __future__ import annotations

import pytest

from explorer.lessons.catalog import load_catalog
from explorer.lessons.spec import needs_proxy
from explorer.tui.lessons import LessonsScreen
from explorer.tui.screens.dialogs import ConfirmScreen
from tui_helpers import SAMPLES, SIZE, loaded, make_app, rendered, screen_text, until


pytestmark = pytest.mark.usefixtures("lesson_state")  # (conftest: own progress, English)


async def open_lesson(pilot, order: int) -> LessonsScreen:
    await loaded(pilot)
    await pilot.press("3")
    await until(pilot, lambda: isinstance(pilot.app.screen, LessonsScreen), what="the lessons mode")
    screen = pilot.app.screen
    index = [lesson.order for lesson in load_catalog().lessons].index(order)
    listing = screen.query_one("#lesson-list")
    listing.focus()
    listing.highlighted = index
    await pilot.press("enter")
    await until(pilot, lambda: screen.session is not None and screen.session.lesson.order == order and screen.shown,
                what=f"lesson {order} to open and its checks to show")
    return screen


@pytest.mark.parametrize("order,title,first", [
    (13, "Ingress → Gateway API: the mapping", "A GatewayClass, not an Ingress class"),
    (14, "What does not carry over to Gateway API", "The redirect nobody wrote"),
    (15, "GKE in production: the firewall and the rollout", "Let Google's health checkers in"),
])
async def test_a_new_lesson_is_listed_opened_and_its_first_step_solved_with_real_traffic(order, title, first):
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot, order)
        assert title in screen_text(app)
        assert first in rendered(screen.query_one("#step-title"))
        assert not all(r.passed for r in screen.shown)  # the start fails the step
        assert not app._notifications, [n.message for n in app._notifications]  # the demo went through quietly
        await pilot.press("escape", "v")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        screen.result = None
        await pilot.press("y")
        await until(pilot, lambda: screen.result is not None, timeout=30, what="the solution applied and checked")
        assert screen.result.passed, [(r.expected, r.actual, r.reason) for r in screen.result.results]
        proxied = [r for r in screen.result.results if needs_proxy(r.check)]
        assert proxied and all(r.passed for r in proxied)  # real requests through the proxy
        if order in (13, 14):  # ... with the Gateway API front end
            assert any(getattr(r.check, "profile", None) == "gateway" for r in proxied)
        assert "Solved" in rendered(screen.query_one("#lesson-status"))
