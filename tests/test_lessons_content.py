"""Every lesson, every language: texts complete, start state fails each step, solutions pass each step.

The checks run on the real machinery: route(), diagnostics.check(), the
controller simulation, and real HTTP and TLS through the embedded proxy.
"""

from __future__ import annotations

import re

import pytest

from explorer.lessons.attempt import Attempt, remember
from explorer.lessons.catalog import load_catalog
from explorer.lessons.checks import check_step
from explorer.lessons.patch import apply_solution, without
from explorer.commands.lessons import proxy_port
from explorer.lessons.runner import run_step
from explorer.lessons.spec import Lesson, needs_proxy
from explorer.lessons.text import LANGS

CATALOG = load_catalog()
LESSONS = CATALOG.lessons
IDS = [lesson.id for lesson in LESSONS]

#: Rows of the claims table in shared/facts/lessons.md whose verdict is not simply VERIFIED:
#: each must be taught in a step whose text speaks about the article (and corrects it there).
NOT_SIMPLY_VERIFIED = {2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 16, 18}
ARTICLE = {"en": "article", "ja": "記事"}


def test_the_lessons_load_without_problems_numbered_one_by_one():
    assert CATALOG.problems == []
    assert [lesson.order for lesson in LESSONS] == list(range(1, len(LESSONS) + 1))
    assert len(set(IDS)) == len(LESSONS) >= 15


def _texts(lesson: Lesson):
    yield "title", lesson.title
    yield "summary", lesson.summary
    if lesson.outro is not None:
        yield "outro", lesson.outro
    for step in lesson.steps:
        yield f"{step.id}.title", step.title
        yield f"{step.id}.text", step.text
        yield f"{step.id}.goal", step.goal
        for i, hint in enumerate(step.hints):
            yield f"{step.id}.hints[{i}]", hint


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
@pytest.mark.parametrize("lang", LANGS)
def test_every_text_exists_in_every_language_and_none_is_empty(lesson: Lesson, lang: str):
    for name, text in _texts(lesson):
        assert text.get(lang, "").strip(), f"{lesson.id} {name} has no {lang} text"
    if lang == "ja":  # Japanese texts are Japanese, not copies of the English ones
        for name, text in _texts(lesson):
            if name.endswith((".text", ".goal", "summary")):
                assert re.search(r"[\u3040-\u30ff]", text["ja"]), f"{lesson.id} {name} (ja) has no kana"
                assert text["ja"] != text["en"]


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_every_step_has_a_hint_a_check_and_a_solution(lesson: Lesson):
    for step in lesson.steps:
        assert step.hints, f"{lesson.id}/{step.id} has no hint"
        assert step.checks, f"{lesson.id}/{step.id} has no check"
        assert step.solution, f"{lesson.id}/{step.id} has no solution"


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_kubernetes_field_names_stay_english_in_japanese(lesson: Lesson):
    fields = ("spec.defaultBackend", "ingressClassName", "pathType", "readinessProbe", "spec.tls", "nodePort",
              "service.port.number", "spec.rules", "targetPort", "BackendConfig", "FrontendConfig", "selector")
    for name, text in _texts(lesson):
        if name.endswith(".text"):
            for field in fields:
                if field in text["en"]:
                    assert field in text["ja"], f"{lesson.id} {name}: {field} is not in the Japanese text"


def test_every_claim_of_the_article_is_taught_and_the_outdated_ones_corrected_where_they_appear():
    taught: dict[int, list] = {}
    for lesson in LESSONS:
        for step in lesson.steps:
            for claim in step.claims:
                taught.setdefault(claim, []).append(step)
    assert set(range(1, 22)) <= set(taught), f"claims not taught: {sorted(set(range(1, 22)) - set(taught))}"
    for claim in NOT_SIMPLY_VERIFIED:
        for lang in LANGS:
            assert any(ARTICLE[lang] in step.text[lang] for step in taught[claim]), (claim, lang)


def _apply(texts, history, step):
    applied = apply_solution(texts, step.solution)
    for target in applied.recreated:
        history = remember(history, without(applied.texts, target))
    return applied.texts, history


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
async def test_start_fails_every_step_and_the_solutions_pass_each_step_in_order(lesson: Lesson):
    start = lesson.start_texts()
    for step in lesson.steps:
        result = await run_step(step, Attempt(start, [start]), "en", proxy_port)
        assert not result.passed, f"{lesson.id}/{step.id} passes on the start manifests"
        assert result.failures, f"{lesson.id}/{step.id}: nothing failed, yet it did not pass"
        for failed in result.failures:
            assert failed.actual and failed.reason, f"{lesson.id}/{step.id}: {failed.expected} fails without a reason"
    texts, history = dict(start), [start]
    for step in lesson.steps:
        texts, history = _apply(texts, history, step)
        result = await run_step(step, Attempt(texts, history), "en", proxy_port)
        failed = [(r.expected, r.actual, r.reason, r.where) for r in result.results if not r.passed]
        assert result.passed, f"{lesson.id}/{step.id} fails after its solution: {failed}"
        assert not result.pending, "a proxy check was left unrun"
        history = remember(history, texts)


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_the_pure_checks_agree_in_japanese(lesson: Lesson):
    """The same verdicts in Japanese, with Japanese framing (proxy checks are exercised in English above)."""
    start = lesson.start_texts()
    texts, history = dict(start), [start]
    for step in lesson.steps:
        before = check_step(step, Attempt(start, [start]), "ja")
        assert not before.passed
        texts, history = _apply(texts, history, step)
        after = check_step(step, Attempt(texts, history), "ja")
        assert not after.failures, [(r.expected, r.actual) for r in after.failures]
        for result in after.results:
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", result.expected), result.expected
            assert (result.passed is None) == needs_proxy(result.check)
        history = remember(history, texts)
