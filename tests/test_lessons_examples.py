"""Every step's example attempts pass or fail as declared, through the checks `lessons check` runs.

Each lesson runs in its own test (xdist spreads them); each attempt's proxy
checks go through a real embedded proxy on 127.0.0.1, started and stopped
by the runner.
"""

from __future__ import annotations

import json

import pytest

from conftest import run_cli
from explorer.lessons.catalog import load_catalog
from explorer.lessons.examples import load_examples

LESSONS = load_catalog().lessons
IDS = [lesson.id for lesson in LESSONS]

#: The wrong fixes that used to pass and the right ones that used to be refused (issue 18), by step and name.
REGRESSIONS = {
    ("ingress-class", "nginx-class", "fail", "no class at all"),
    ("ingress-class", "gce-annotation", "fail", "IE2019"),
    ("routing-basics", "service-port", "pass", "port {name http}"),
    ("host-routing", "two-hosts", "fail", "second rule's host removed"),
    ("host-routing", "wildcard", "fail", "unquoted"),
    ("default-backend", "nginx-catch-all", "pass", "host-less rule"),
    ("tls", "tls-secret", "fail", "bar's certificate"),
    ("https-only", "nginx-redirect", "fail", "bar.example.com listed under foo-tls"),
    ("https-only", "block-http", "fail", "mis-indented"),
    ("path-types", "gke-wildcard", "fail", "Prefix /api, no wildcard"),
    ("health-checks", "probe", "fail", "readinessProbe on /"),
    ("nodeport-neg", "neg", "fail", "Service still NodePort"),
    ("nodeport-neg", "nodeport", "fail", "routes-based cluster (IE6018)"),
    ("nodeport-neg", "neg", "fail", "still routes-based (IE6018)"),
    # issue 18's new steps: the health-check ranges a firewall must allow, 502s during a rollout with NEGs
    ("gke-production", "firewall", "fail", "0.0.0.0/0"),
    ("gke-production", "firewall", "fail", "130.211.0.0/22 only"),
    ("gke-production", "rollout", "fail", "without connection draining"),
    ("gke-production", "rollout", "fail", "without preStop"),
    # issue 17: what migrate's proof and report find, fixed by hand
    ("what-does-not-carry-over", "trailing-slash", "fail", "the Ingress made to match"),
    ("ingress-to-gateway", "default-and-redirect", "fail", "no statusCode"),
}


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_every_step_ships_two_wrong_attempts_and_another_right_answer(lesson):
    examples = load_examples(lesson)
    for step in lesson.steps:
        mine = [e for e in examples if e.step == step.id]
        wrong = [e for e in mine if e.expect == "fail"]
        right = [e for e in mine if e.expect == "pass" and e.name != "the solution"]
        assert len(wrong) >= 2, f"{lesson.id}/{step.id}: {len(wrong)} wrong attempts"
        assert right, f"{lesson.id}/{step.id}: no alternative right answer"


def test_the_cases_found_by_hand_are_kept():
    found = {(lesson.id, e.step, e.expect, e.name) for lesson in LESSONS for e in load_examples(lesson)}
    for lesson_id, step, expect, words in REGRESSIONS:
        assert any(f[:3] == (lesson_id, step, expect) and words in f[3] for f in found), (lesson_id, step, words)


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_every_example_passes_or_fails_as_declared(lesson):
    run = run_cli("lessons", "examples", lesson.id, "-o", "json", env={"LANG": "C.UTF-8", "LC_ALL": ""})
    assert run.returncode in (0, 1), run.stderr
    rows = json.loads(run.stdout)
    assert len(rows) == len(load_examples(lesson))
    surprises = [(r["step"], r["example"], r["expect"], r["got"], r["firstFailure"], r["reason"])
                 for r in rows if not r["ok"]]
    assert not surprises and run.returncode == 0
    for row in rows:
        if row["expect"] == "fail":  # a failing attempt always says what fails and why
            assert row["firstFailure"] and row["reason"], row


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_every_step_has_hints_in_three_layers(lesson):
    for step in lesson.steps:
        assert len(step.hints) >= 3, f"{lesson.id}/{step.id}: nudge, field, answer"
