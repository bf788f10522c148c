"""Lessons 11 (ingress-nginx annotations) and 12 (Gateway API) in the TUI: listed, opened, fixed, solved.

The app is the real one; the checks go through a real proxy on 127.0.0.1, with the
Gateway API front end for lesson 12.
"""

from __future__ import annotations

import pytest

from explorer.tui.lessons import LessonsScreen
from explorer.tui.screens.dialogs import ConfirmScreen
from test_lessons_tui import apply_and_wait, lessons_mode, open_lesson, passed
from tui_helpers import SAMPLES, SIZE, make_app, rendered, screen_text, until


pytestmark = pytest.mark.usefixtures("lesson_state")  # (conftest: own progress, English)


async def test_the_gateway_lesson_shows_the_route_status_error_first_and_passes_after_the_learners_fix():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await lessons_mode(pilot)
        listing = screen_text(app)
        # (with 15 lessons the list scrolls, and its scrollbar wraps lesson 11's title after "ingress-nginx")
        assert "11 ingress-nginx" in listing and "12 Gateway API: Gateway," in listing

        await open_lesson(pilot, screen, 12)
        assert "sectionName" in rendered(screen.query_one("#step-text"))
        first = screen.shown[0]
        assert first.passed is False and "IE8001" in first.reason and "NoMatchingListenerHostname" in first.reason
        assert first.where.startswith("gateway.yaml:")
        assert not app._notifications, [n.message for n in app._notifications]  # the gateway step opens quietly
        now = rendered(screen.query_one("#now-flow"))  # the Gateway's flow: the listener answers 404 itself
        assert "Gateway default/my-gateway" in now and "listener foo" in now and "the Gateway answers" in now
        goal = rendered(screen.query_one("#goal-flow"))  # once solved: the rule, the Service, its workloads
        assert "HTTPRoute rule" in goal and "my-nodeport-01" in goal and "Deployment site01" in goal

        await pilot.press("escape", "d")  # the demo request goes through the Gateway's listener: its answer is said
        await until(pilot, lambda: "GET http://foo-bar.com/foo → 404" in rendered(screen.query_one("#lesson-status")),
                    what="the demo's answer")

        editor = screen.editor("gateway.yaml")
        assert "sectionName: admin" in editor.text
        editor.text = editor.text.replace("sectionName: admin", "sectionName: foo")
        await until(pilot, lambda: screen.shown and screen.shown[0].passed is True, what="the route accepted")
        editor.focus()
        await apply_and_wait(pilot, screen)  # f5: the request checks go through the Gateway's listener
        assert screen.result.passed, [(r.expected, r.actual, r.reason) for r in screen.result.results]
        assert "Solved! Press n" in rendered(screen.query_one("#lesson-status"))
        await pilot.press("n")
        await until(pilot, lambda: screen.session.index == 1, what="step 2")
        assert "hostnames" in rendered(screen.query_one("#step-title"))


async def test_the_annotations_lesson_answers_redirects_from_the_controller_once_solved():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await lessons_mode(pilot)
        await open_lesson(pilot, screen, 11)
        assert "permanent-redirect" in rendered(screen.query_one("#step-text"))
        assert passed(screen)[0] is True  # the start files load cleanly: the goal is what fails
        await pilot.press("escape", "v")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        screen.result = None
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, LessonsScreen) and screen.result is not None,
                    timeout=20, what="the solution applied and checked")
        assert screen.result.passed, [(r.expected, r.actual, r.reason) for r in screen.result.results]
        assert "old-shop.example.com/cart" in screen_text(app)
