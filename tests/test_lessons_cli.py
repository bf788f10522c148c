"""`ingress-explorer lessons` as a workshop attendee uses it: real subprocesses, real files, own editor."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from explorer.lessons.catalog import load_catalog

from conftest import run_cli
from explorer.lessons.catalog import load_catalog

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


@pytest.fixture
def lessons(tmp_path):
    """Run `lessons ...` with its own progress file, in English unless told otherwise."""
    state = tmp_path / "state"

    def run(*args: str, lang: str = "C.UTF-8"):
        return run_cli("lessons", *args, env={"XDG_STATE_HOME": str(state), "LANG": lang, "LC_ALL": "",
                                              "LC_MESSAGES": ""})

    run.state = state
    return run


def test_list_prints_every_lesson_and_json_for_scripts(lessons):
    text = lessons("list")
    assert text.returncode == 0, text.stderr
    assert "ingress-class" in text.stdout and "nodeport-neg" in text.stdout and "not started" in text.stdout
    data = json.loads(lessons("list", "-o", "json").stdout)
    assert [row["order"] for row in data] == [lesson.order for lesson in load_catalog().lessons]
    assert set(range(1, 11)) <= {row["order"] for row in data}
    assert len(data) >= 11
    for row in data:
        assert {"id", "title", "steps", "progress"} <= set(row)
        assert row["steps"] and all({"id", "title", "solved"} <= set(s) for s in row["steps"])
        assert row["progress"] == {"started": False, "step": 1, "solved": 0, "total": len(row["steps"]),
                                   "done": False, "dir": None}


def test_start_copies_the_manifests_and_never_overwrites_a_learners_file(lessons, tmp_path):
    work = tmp_path / "lesson1"
    first = lessons("start", "1", str(work))
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in work.iterdir()) == ["app.yaml", "ingress.yaml"]
    assert "Step 1/2" in first.stdout and "ingressClassName" in first.stdout
    assert "lessons check ingress-class" in first.stdout

    (work / "ingress.yaml").write_text("# my own work\n")
    again = lessons("start", "ingress-class", str(work))
    assert again.returncode == 2
    assert "ingress.yaml" in again.stderr and "already exist" in again.stderr and "--force" in again.stderr
    assert (work / "ingress.yaml").read_text() == "# my own work\n"

    forced = lessons("start", "ingress-class", str(work), "--force")
    assert forced.returncode == 0
    assert "ingressClassName: gce" in (work / "ingress.yaml").read_text()


def test_check_fails_pointing_at_the_field_then_passes_after_the_learners_edit(lessons, tmp_path):
    work = tmp_path / "l1"
    lessons("start", "1", str(work))
    failed = lessons("check", "1")  # DIR defaults to where the lesson was started
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "FAIL" in failed.stdout
    assert "ingress.yaml:6 spec.ingressClassName" in failed.stdout
    assert "GKE Ingress ignores spec.ingressClassName" in failed.stdout

    (work / "ingress.yaml").write_text(L1_FIXED)  # the learner's own editor
    passed = lessons("check", "1", str(work))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "PASS: step 1/2 solved." in passed.stdout
    assert "Step 2/2" in passed.stdout  # and the next step is shown
    row = json.loads(lessons("list", "-o", "json").stdout)[0]
    assert row["progress"]["step"] == 2 and row["steps"][0]["solved"] and not row["steps"][0]["seenSolution"]


def test_hints_are_revealed_one_at_a_time(lessons, tmp_path):
    lessons("start", "4", str(tmp_path / "l4"))
    # three layers: the symptom first, then the field, then the answer
    first, second, third = (lessons("hint", "path-types").stdout for _ in range(3))
    hint = [out.split("\nHint ", 1)[1] for out in (first, second, third)]  # below the step's title
    assert hint[0].startswith("1/3") and "pathType" not in hint[0]
    assert hint[1].startswith("2/3") and "pathType" in hint[1] and "Prefix" not in hint[1]
    assert hint[2].startswith("3/3") and "pathType: Prefix" in hint[2]
    fourth = lessons("hint", "path-types")
    assert "last hint" in fourth.stdout and "lessons solution path-types" in fourth.stdout
    shown = json.loads(lessons("list", "-o", "json").stdout)[3]["steps"][0]
    assert shown["hintsShown"] == 3 and not shown["seenSolution"]


def test_language_comes_from_lang_and_from_the_option(lessons, tmp_path):
    japanese = lessons("list", lang="ja_JP.UTF-8")
    assert "Ingress を処理するのは誰か" in japanese.stdout and "未開始" in japanese.stdout
    assert "ホスト名ベース" in lessons("--lang", "ja", "list").stdout
    english = lessons("list", "--lang", "en", lang="ja_JP.UTF-8")
    assert "Who serves this Ingress?" in english.stdout
    lessons("start", "2", str(tmp_path / "l2"), lang="ja_JP.UTF-8")
    check = lessons("check", "2", lang="ja_JP.UTF-8")
    assert check.returncode == 1
    assert "不合格" in check.stdout and "確認する場所" in check.stdout
    assert "backend.service.port.number" in check.stdout  # field names stay in English


def test_the_solution_is_shown_only_when_asked_and_counts_as_seen(lessons, tmp_path):
    work = tmp_path / "l2"
    lessons("start", "2", str(work))
    refused = lessons("solution", "2")  # stdin is not a terminal: it cannot ask
    assert refused.returncode == 2 and "--yes" in refused.stderr
    shown = lessons("solution", "2", "--yes")
    assert shown.returncode == 0
    assert "+                  number: 80" in shown.stdout and "-                  number: 8080" in shown.stdout
    assert "number: 8080" in (work / "ingress.yaml").read_text()  # shown, not applied
    applied = lessons("solution", "2", "--yes", "--apply")
    assert applied.returncode == 0 and "number: 80\n" in (work / "ingress.yaml").read_text()
    passed = lessons("check", "2")
    assert passed.returncode == 0 and "after seeing the solution" in passed.stdout


def test_the_article_fix_needs_the_ingress_deleted_and_created_again(lessons, tmp_path):
    """Lesson 9 from the command line: move ingress.yaml away, check, move it back, check."""
    work = tmp_path / "l9"
    lessons("start", "health-checks", str(work))
    assert lessons("solution", "9", "--yes", "--apply").returncode == 0  # step 1: add the readinessProbe
    assert lessons("check", "9").returncode == 0
    still = lessons("check", "9")  # step 2: the probe alone changed nothing
    assert still.returncode == 1
    assert "GET / (set by default)" in still.stdout and "502" in still.stdout
    shutil.move(work / "ingress.yaml", tmp_path / "ingress.yaml")  # kubectl delete -f ingress.yaml
    gone = lessons("check", "9")
    assert gone.returncode == 1
    shutil.move(tmp_path / "ingress.yaml", work / "ingress.yaml")  # kubectl apply -f ingress.yaml
    recreated = lessons("check", "9")
    assert recreated.returncode == 0, recreated.stdout
    assert "PASS: step 2/3" in recreated.stdout


def test_reset_forgets_one_lesson_or_all(lessons, tmp_path):
    lessons("start", "1", str(tmp_path / "a"))
    lessons("start", "2", str(tmp_path / "b"))
    assert lessons("reset", "1").returncode == 0
    rows = json.loads(lessons("list", "-o", "json").stdout)
    assert not rows[0]["progress"]["started"] and rows[1]["progress"]["started"]
    assert lessons("reset", "--all").returncode == 0
    assert not any(r["progress"]["started"] for r in json.loads(lessons("list", "-o", "json").stdout))
    assert lessons("reset").returncode == 2


def test_bad_input_gets_a_message_never_a_traceback(lessons, tmp_path):
    unknown = lessons("check", "nope")
    assert unknown.returncode == 2 and "no lesson 'nope'" in unknown.stderr and "1 ingress-class" in unknown.stderr
    missing = lessons("check", "3", str(tmp_path / "not-there"))
    assert missing.returncode == 2 and "start the lesson first" in missing.stderr
    progress = lessons.state / "ingress-explorer" / "progress.json"
    progress.parent.mkdir(parents=True)
    progress.write_text("{ this is not json")
    corrupt = lessons("list")
    assert corrupt.returncode == 0 and "Traceback" not in corrupt.stderr
    assert "is not valid" in corrupt.stderr and "progress.json.corrupt-" in corrupt.stderr
    for result in (unknown, missing, corrupt):
        assert "Traceback" not in result.stderr


def test_the_lessons_command_is_listed_in_the_top_level_help():
    result = run_cli("--help")
    assert "lessons" in result.stdout and "list, start and check the interactive lessons" in result.stdout


def test_start_notes_other_manifests_already_in_the_directory(lessons, tmp_path):
    work = tmp_path / "shared"
    work.mkdir()
    (work / "mine.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\n")
    result = lessons("start", "5", str(work))
    assert result.returncode == 0 and "mine.yaml" in result.stdout and "checked too" in result.stdout
    assert Path(work / "mine.yaml").exists()
