"""Lessons in the TUI, as a learner uses them: read, edit, check, hint, solution after asking, restart.

The app is the real one (lessons mode, `3` or `:lesson`); checks run on the
real machinery, proxy checks through a real proxy on 127.0.0.1.
"""

from __future__ import annotations

import json

import pytest

from explorer.lessons.progress import ProgressStore, state_dir
from textual.widgets import TextArea

from explorer.tui.lessons import HintScreen, LessonsScreen
from explorer.tui.screens.dialogs import ConfirmScreen
from tui_helpers import SAMPLES, SIZE, loaded, make_app, rendered, screen_text, until

L1_FIXED = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    kubernetes.io/ingress.class: "gce"
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
"""


pytestmark = pytest.mark.usefixtures("lesson_state")  # (conftest: own progress, English)


def app():
    return make_app(SAMPLES / "article-v1")


async def lessons_mode(pilot, via_command: bool = False) -> LessonsScreen:
    await loaded(pilot)
    if via_command:
        await pilot.press("colon", *"lesson", "enter")
    else:
        await pilot.press("3")
    await until(pilot, lambda: isinstance(pilot.app.screen, LessonsScreen), what="the lessons mode")
    return pilot.app.screen  # type: ignore[return-value]


async def open_lesson(pilot, screen: LessonsScreen, order: int) -> None:
    listing = screen.query_one("#lesson-list")
    listing.focus()
    listing.highlighted = order - 1
    await pilot.press("enter")
    await until(pilot, lambda: screen.session is not None and screen.session.lesson.order == order and screen.shown,
                what=f"lesson {order} to open and its checks to show")


def passed(screen: LessonsScreen) -> list[bool | None]:
    return [r.passed for r in screen.shown]


async def apply_and_wait(pilot, screen: LessonsScreen) -> None:
    screen.result = None
    await pilot.press("f5")
    await until(pilot, lambda: screen.result is not None, timeout=20, what="the checks after f5")


def progress_of(lesson: str):
    return ProgressStore().load().lessons.get(lesson)


async def test_lesson_1_read_edit_check_hint_solution_and_progress_after_a_restart():
    """A whole lesson as a learner does it: hint, edit, f5, Solved, `n` (not typed into the YAML), a YAML error
    shown first, the solution after asking, and the progress after a restart. (The first row of the table is
    now the check every step runs first, that the files load with no error: the step's own checks follow it.)"""
    first = app()
    async with first.run_test(size=SIZE) as pilot:
        screen = await lessons_mode(pilot)
        listing = screen_text(first)
        assert "Who serves this Ingress?" in listing and "0/2" in listing

        await open_lesson(pilot, screen, 1)
        text = rendered(screen.query_one("#step-text"))
        assert "GKE is the exception" in text and "Goal:" in text
        assert passed(screen)[:3] == [True, False, False]  # loads cleanly; the start state fails the goal
        shown = screen_text(first)
        assert "✘" in shown and "ingress.yaml:6 spec.ingressClassName" in shown  # it points at the field
        assert "Goal: once solved" in shown and "Now: your manifests" in shown
        assert not first._notifications, [n.message for n in first._notifications]  # no alarming toast on open

        await pilot.press("escape", "h")  # leave the editor, ask for a hint: it opens where the eye is
        await until(pilot, lambda: isinstance(first.screen, HintScreen), what="the hint box")
        assert "Hint 1/3" in screen_text(first) and "h: next hint" in screen_text(first)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(first.screen, LessonsScreen), what="back to the lesson")
        assert "Hint 1/3" in rendered(screen.query_one("#step-hints"))
        assert "Hint 2/3" not in rendered(screen.query_one("#step-hints"))

        screen.editor("ingress.yaml").text = L1_FIXED  # the learner's edit
        await until(pilot, lambda: passed(screen)[:3] == [True, True, True], what="the goal/now table after the edit")
        assert passed(screen)[3] is None  # the proxy check waits for f5
        screen.editor("ingress.yaml").focus()
        await apply_and_wait(pilot, screen)
        assert screen.result.passed, [(r.expected, r.actual, r.reason) for r in screen.result.results]
        assert "Solved! Press n" in rendered(screen.query_one("#lesson-status"))
        assert not isinstance(first.focused, TextArea)  # focus left the editor
        assert any("Press n" in n.message for n in first._notifications)
        work = state_dir() / "work" / "ingress-class"
        assert "kubernetes.io/ingress.class" in (work / "ingress.yaml").read_text()  # applied = saved

        await pilot.press("n")  # no escape needed: the n goes to the lesson, not into the YAML
        await until(pilot, lambda: screen.session.index == 1, what="step 2")
        assert "ingress-nginx" in rendered(screen.query_one("#step-title"))
        assert screen.editor("ingress.yaml").text == L1_FIXED
        assert isinstance(first.focused, TextArea)  # ready to edit the next step

        # a YAML error is shown first, with file:line, before every other check
        screen.editor("ingress.yaml").text = L1_FIXED.replace("  annotations:", "    annotations:")
        await until(pilot, lambda: screen.shown and screen.shown[0].passed is False
                    and "IE1001" in screen.shown[0].reason, what="the YAML error")
        assert "ingress.yaml:" in screen.shown[0].where
        table = screen_text(first).split("Goal | now", 1)[1]
        first_row = next(line for line in table.splitlines() if "✘" in line or "✔" in line)
        assert "✘" in first_row and "every file loads" in first_row, table
        assert "IE1001" in table and "ingress.yaml:" in table
        screen.editor("ingress.yaml").text = L1_FIXED
        await until(pilot, lambda: screen.shown[0].passed is True, what="the error gone")

        await pilot.press("escape", "v")  # the solution: asked first
        await until(pilot, lambda: isinstance(first.screen, ConfirmScreen), what="the confirmation")
        await pilot.press("n")
        await until(pilot, lambda: isinstance(first.screen, LessonsScreen))
        assert not progress_of("ingress-class").steps.get("nginx-class", None) or \
            not progress_of("ingress-class").steps["nginx-class"].seen_solution  # "no" shows nothing
        await pilot.press("v")
        await until(pilot, lambda: isinstance(first.screen, ConfirmScreen), what="the confirmation")
        screen.result = None
        await pilot.press("y")
        await until(pilot, lambda: screen.result is not None and screen.result.passed, timeout=20,
                    what="the solution applied and checked")
        assert "after seeing the solution" in rendered(screen.query_one("#lesson-status"))
        await pilot.press("n")
        await until(pilot, lambda: screen.session.done, what="the lesson to be complete")

    mine = progress_of("ingress-class")
    assert mine.done and mine.steps["gce-annotation"].solved and not mine.steps["gce-annotation"].seen_solution
    assert mine.steps["nginx-class"].solved and mine.steps["nginx-class"].seen_solution
    assert mine.steps["gce-annotation"].hints == 1

    again = app()  # a new program: the progress and the edited files are still there
    async with again.run_test(size=SIZE) as pilot:
        screen = await lessons_mode(pilot)
        assert "✔  1 Who serves this Ingress?" in screen_text(again) and "2/2" in screen_text(again)
        await open_lesson(pilot, screen, 1)
        assert screen.session.done and screen.session.index == 1
        assert "ingressClassName: nginx" in screen.editor("ingress.yaml").text
        assert "Lesson complete" in rendered(screen.query_one("#step-text"))


async def test_the_health_check_lesson_needs_a_re_created_ingress_and_keeps_its_place_after_a_restart():
    first = app()
    async with first.run_test(size=SIZE) as pilot:
        screen = await lessons_mode(pilot, via_command=True)
        await open_lesson(pilot, screen, 9)
        assert "302" in rendered(screen.query_one("#step-text"))
        assert passed(screen)[1] is False  # no readinessProbe yet (row 0: the files load)

        app_yaml = screen.editor("app.yaml")
        app_yaml.text = app_yaml.text.replace(
            "              containerPort: 8080\n",
            "              containerPort: 8080\n          readinessProbe:\n            httpGet:\n"
            "              path: /healthz\n              port: 8080\n", 1)  # web, the first container
        await apply_and_wait(pilot, screen)
        assert screen.result.passed  # the probe is there, and GKE still asks GET /: the trap
        now = screen_text(first)
        assert "GET / (set by default)" in now and "UNHEALTHY" in now

        await pilot.press("escape", "n")
        await until(pilot, lambda: screen.session.index == 1 and screen.shown, what="step 2")
        await apply_and_wait(pilot, screen)
        assert not screen.result.passed  # nothing changed: the health check was made before the probe
        assert "GET / (set by default)" in screen_text(first)
        await pilot.press("escape", "h")
        await until(pilot, lambda: isinstance(first.screen, HintScreen), what="the first hint")
        await pilot.press("h")  # the next one, in the same place
        await until(pilot, lambda: "Nothing in the files needs to change" in rendered(screen.query_one("#step-hints"))
                    and "Nothing in the files needs to change" in screen_text(first), what="the second hint")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(first.screen, LessonsScreen), what="back to the lesson")

        await pilot.press("v")
        await until(pilot, lambda: isinstance(first.screen, ConfirmScreen), what="the confirmation")
        screen.result = None
        await pilot.press("y")
        await until(pilot, lambda: screen.result is not None, timeout=20, what="the re-created Ingress checked")
        assert screen.result.passed, [(r.expected, r.actual, r.reason) for r in screen.result.results]
        shown = screen_text(first)
        assert "302 from web-" in shown  # the app's own redirect comes through, not 502
        assert "delete Ingress/web and create it again" in rendered(screen.query_one("#step-hints"))
        await pilot.press("n")
        await until(pilot, lambda: screen.session.index == 2, what="step 3")

    mine = progress_of("health-checks")
    assert mine.step == 2 and mine.steps["recreate"].seen_solution and mine.steps["probe"].solved
    data = json.loads((state_dir() / "progress.json").read_text())
    assert len(data["lessons"]["health-checks"]["applied"]) >= 3  # start, probe, Ingress gone, back

    again = app()
    async with again.run_test(size=SIZE) as pilot:
        screen = await lessons_mode(pilot)
        await open_lesson(pilot, screen, 9)
        assert screen.session.index == 2 and "BackendConfig" in rendered(screen.query_one("#step-title"))
        assert "readinessProbe" in screen.editor("app.yaml").text
        assert passed(screen)[1] is False  # the step's checks run at once on the kept files


async def test_the_language_switches_in_the_app():
    first = app()
    async with first.run_test(size=SIZE) as pilot:
        screen = await lessons_mode(pilot)
        await open_lesson(pilot, screen, 5)
        await pilot.press("escape", "L")
        await until(pilot, lambda: "DNS" in rendered(screen.query_one("#step-text"))
                    and "ヘッダー" in rendered(screen.query_one("#step-text")), what="the Japanese text")
        await until(pilot, lambda: any("届く" in r.expected for r in screen.shown), what="Japanese checks")
        assert "spec.rules[].host" in rendered(screen.query_one("#step-text"))  # field names stay English
