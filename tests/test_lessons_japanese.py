"""Japanese everywhere: every reason a check gives, every finding title, one spelling per term, clean wrapping."""

from __future__ import annotations

import re

import pytest

from explorer.commands.lessons import proxy_port
from explorer.diagnostics.codes import CODES
from explorer.lessons.catalog import LESSON_FILE, load_catalog
from explorer.lessons.examples import attempts, load_examples
from explorer.lessons.findings_text import JA, finding_title
from explorer.lessons.messages import _MESSAGES
from explorer.lessons.runner import run_step
from explorer.lessons.text import reflow, wrap

LESSONS = load_catalog().lessons
IDS = [lesson.id for lesson in LESSONS]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _ja_texts(lesson):
    yield lesson.title["ja"]
    yield lesson.summary["ja"]
    if lesson.outro is not None:
        yield lesson.outro["ja"]
    for step in lesson.steps:
        yield from (step.title["ja"], step.text["ja"], step.goal["ja"], *(h["ja"] for h in step.hints))


def test_every_finding_code_has_a_japanese_title():
    assert set(JA) == set(CODES), sorted(set(CODES) ^ set(JA))
    for code in CODES:
        assert JAPANESE.search(finding_title(code, "ja")), code
        assert finding_title(code, "en") == CODES[code].title


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
async def test_in_japanese_no_check_gives_an_untranslated_goal_or_reason(lesson):
    """Every example attempt of the lesson, proxy checks included, judged in Japanese."""
    for step, example, attempt in attempts(lesson, load_examples(lesson)):
        result = await run_step(step, attempt, "ja", proxy_port)
        for r in result.results:
            assert JAPANESE.search(r.expected), (step.id, example.name, r.expected)
            if r.passed is False:
                assert JAPANESE.search(r.reason), (step.id, example.name, r.expected, r.reason)


def test_every_message_of_the_checker_has_its_own_japanese():
    for key, texts in _MESSAGES.items():
        assert texts.get("ja", "").strip(), key
        words = re.findall(r"\b[a-z]{2,}\b", re.sub(r"\{\w+\}", "", texts["en"]))
        if len(words) >= 2:  # a sentence, not a bare value
            assert JAPANESE.search(texts["ja"]), (key, texts["ja"])


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_japanese_is_written_as_literal_blocks_with_one_spelling_per_term(lesson):
    raw = (lesson.folder / LESSON_FILE).read_text(encoding="utf-8")
    assert not re.search(r"^\s*ja: >", raw, re.M), "Japanese folded with >- gets spaces inside sentences"
    for text in _ja_texts(lesson):
        assert not re.search(r"コントローラ(?!ー)|ロードバランサ(?!ー)", text), text[:80]
        # no space after hiragana, kanji or a mark and before Japanese (a fold's space, 「ミスの ミス」); katakana
        # compounds keep Google Cloud's own spaces (ネットワーク エンドポイント グループ)
        assert not re.search(r"(?<=[\u3040-\u309f\u4e00-\u9fff、。]) (?=[\u3040-\u30ff\u4e00-\u9fff])",
                             reflow(text, "ja")), text[:80]
    for wrong in ("紐づく条件", "同じ名前空間に\n          必要です", "2 段階"):
        assert wrong not in raw


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
@pytest.mark.parametrize("width", [36, 47, 58, 71, 80, 100])
def test_wrapped_japanese_lines_never_start_with_a_comma_or_a_full_stop(lesson, width):
    for text in _ja_texts(lesson):
        for line in wrap(reflow(text, "ja"), width).splitlines():
            assert not line.startswith(("、", "。")), (width, line)
