"""`lessons watch` re-checks on every save, `lessons report` says what each machine did, and `lessons check`
shows a loading error first: the learner's side of a workshop, with real processes and real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_cli


@pytest.fixture
def lessons(tmp_path):
    state = tmp_path / "state"
    env = {"XDG_STATE_HOME": str(state), "LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}

    def run(*args: str, lang: str | None = None):
        return run_cli("lessons", *args, env={**env, **({"LANG": lang} if lang else {})})

    run.env = env
    return run


def test_check_shows_a_yaml_error_first_with_file_and_line(lessons, tmp_path):
    work = tmp_path / "l5"
    lessons("start", "5", str(work))
    text = (work / "ingress.yaml").read_text()
    # the second rule's host fixed, and a third rule with an unquoted wildcard: YAML reads * as an alias
    text = text.replace("    # copied from the rule above; the host was meant to change\n    - host: foo.example.com",
                        "    - host: bar.example.com")
    (work / "ingress.yaml").write_text(text + "    - host: *.example.com\n")
    out = lessons("check", "5").stdout
    lines = [line for line in out.splitlines() if line.strip().startswith(("✔", "✘"))]
    assert lines[0].strip().startswith("✘ every file loads"), out
    first = out.split("every file loads", 1)[1].split("✘", 1)[0]
    assert "ingress.yaml:" in first and "IE1001" in first, out
    assert out.index("IE1001") < out.index("reaches Service foo")


def _watch(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "explorer", "lessons", "watch", *args], cwd=ROOT,
                            env={**os.environ, "NO_COLOR": "1", **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


class _Reader:
    """The watcher's output as it comes, so the test can wait for a line instead of sleeping."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.text = ""
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self._changed:
                self.text += line
                self._changed.notify_all()

    def wait_for(self, words: str, count: int = 1, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.text.count(words) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"no {words!r} (x{count}) in:\n{self.text}"
                self._changed.wait(left)
            return self.text


def test_watch_checks_again_on_every_save_and_stops_once_solved(lessons, tmp_path):
    work = tmp_path / "l1"
    lessons("start", "1", str(work))
    process = _watch(lessons.env, "1", str(work), "--until-solved")
    out = _Reader(process)
    try:
        first = out.wait_for("Watching")
        assert "Goal: Make GKE serve the Ingress web" in first
        assert "✘ GET http://web.example.com/" in first  # the goal against now, request by request
        assert "First failing check:" in first and "IE5003" in first and "ingress.yaml:6" in first
        assert "Hints seen: 0 of 3" in first
        lessons("hint", "1")
        ingress = work / "ingress.yaml"
        ingress.write_text(ingress.read_text().replace("  ingressClassName: gce\n", "  ingressClassName: gce\n\n"))
        again = out.wait_for("Watching", 2)
        assert "Hints seen: 1 of 3" in again.rsplit("Step 1/2", 1)[1]
        ingress.write_text(ingress.read_text().replace("  ingressClassName: gce\n", ""))
        solved = out.wait_for("PASS: step 1/2 solved.")
        assert "✔ GET http://web.example.com/" in solved.rsplit("Step 1/2", 1)[1]
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    row = json.loads(lessons("list", "-o", "json").stdout)[0]
    assert row["steps"][0]["solved"] and row["progress"]["step"] == 2


def test_watch_without_the_lessons_folder_says_what_to_do(lessons, tmp_path):
    run = lessons("watch", "1", str(tmp_path / "nowhere"))
    assert run.returncode == 2 and "lessons start ingress-class" in run.stderr and "Traceback" not in run.stderr


def test_report_says_per_step_solved_hints_and_solution_seen(lessons, tmp_path):
    work = tmp_path / "l2"
    lessons("start", "2", str(work))
    lessons("hint", "2")
    lessons("hint", "2")
    assert lessons("solution", "2", "--yes", "--apply").returncode == 0
    assert lessons("check", "2").returncode == 0
    text = lessons("report").stdout
    assert " 2 routing-basics  1/2" in text
    assert "✔ 1. The Ingress names the Service's port" in text and "hints 2/3, solution seen" in text
    data = json.loads(lessons("report", "--json").stdout)
    assert data["machine"] and "user" in data
    l2 = next(row for row in data["lessons"] if row["id"] == "routing-basics")
    assert l2["started"] and not l2["done"]
    assert l2["steps"][0] == {"step": 1, "id": "service-port", "title": "The Ingress names the Service's port, "
                              "not its targetPort", "solved": True, "hints": 2, "hintsAvailable": 3,
                              "sawSolution": True}
    assert l2["steps"][1]["solved"] is False and l2["steps"][1]["hints"] == 0
    untouched = next(row for row in data["lessons"] if row["id"] == "tls")
    assert not untouched["started"] and not any(s["solved"] for s in untouched["steps"])
    japanese = lessons("report", lang="ja_JP.UTF-8").stdout
    assert "ヒント 2/3" in japanese and "解答を表示" in japanese
