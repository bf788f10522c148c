"""Hostile and broken files: each gets a clear message with a location, without running away.

The time bounds below are guards against runaway work (an alias bomb expanded, a 50 MB scalar
scanned by the Python loader take minutes), ten times what an idle machine needs, not speed
claims: those are measured in benchmarks/load_bench.py.

The 50 MB single string is generated at test time rather than kept in git.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import DATA, run_cli
from explorer.model import load

BAD = DATA / "bad"

EXPECTED = {
    "alias-bomb.yaml": "alias bomb",
    "alias-bomb-quadratic.yaml": "alias bomb",
    "deep-flow.yaml": "maximum nesting depth",
    "deep-block.yaml": "nested more than",
    "utf16.yaml": "UTF-16",
    "random-binary.yaml": "binary",
    "tabs.yaml": "YAML does not allow tabs for indentation",
    "duplicate-keys.yaml": 'mapping key "rules" already defined at line 6',
    "wrong-kinds.yaml": "must be a mapping",
}


def _timed_load(path: Path):
    started = time.perf_counter()
    state = load([path])
    return state, time.perf_counter() - started


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_file_gets_a_located_message_quickly(name):
    state, seconds = _timed_load(BAD / name)
    assert seconds < 10.0  # a runaway guard (see the docstring)
    texts = [str(p) for p in state.problems]
    assert any(EXPECTED[name] in t for t in texts), texts
    for problem in state.problems:
        assert problem.location.file.endswith(name)
        assert problem.location.line >= 1 or "file is" in problem.message


def test_wrong_kinds_each_get_their_own_message():
    state = load([BAD / "wrong-kinds.yaml"])
    texts = [str(p) for p in state.problems]
    assert any(":2: error: a Kubernetes object must be a mapping" in t for t in texts)
    assert any(":10: error: Service: metadata must be a mapping" in t for t in texts)
    assert any(":12: error: apiVersion and kind must be strings" in t for t in texts)
    assert any(":20: error: Ingress/default/rules-not-a-list: spec.rules: expected a list, got a mapping" in t
               for t in texts)
    assert state.skipped == 5 and not state.objects
    assert any(":6: error: a Kubernetes object must be a mapping" in t for t in texts)


def test_a_50_mb_single_string_is_refused_within_a_second(tmp_path):
    path = tmp_path / "huge-string.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge}\ndata:\n  blob: "
                    + "a" * 50_000_000 + "\n---\napiVersion: v1\nkind: Service\nmetadata: {name: next}\n"
                    "spec: {ports: [{port: 80}]}\n")
    state, seconds = _timed_load(path)
    assert seconds < 15.0  # a runaway guard; reading 50 MB from disk is part of it
    assert any("huge-string.yaml:5:9: error: YAML: a single value of 48 MiB" in str(p) for p in state.problems)
    assert [o.meta.name for o in state.objects] == ["next"]


@pytest.mark.parametrize("name", ["alias-bomb-quadratic.yaml", "random-binary.yaml", "wrong-kinds.yaml"])
def test_the_command_reports_and_exits_2_without_a_traceback(name):
    result = run_cli("route", "-f", str(BAD / name), "http://x/")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{name}:" in result.stderr
