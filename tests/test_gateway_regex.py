"""RegularExpression matches are RE2 (the flavour Envoy-based implementations and GKE evaluate), through
`route -o json` and `lint` on a real manifest: RE2-isms Python's re refuses route, what RE2 refuses is
not accepted, and the trace names the flavour."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

RE2_YAML = Path(__file__).parent / "data" / "gateway" / "regex" / "re2.yaml"

#: (path and query, the rule name that answers, or None for the Gateway's 404)
CASES = [
    ("/shop/x", "case-insensitive"), ("/SHOP/", "case-insensitive"), ("/Shop", None),
    ("/midDLE", "flag-in-the-middle"), ("/MIDdle", None),
    ("/qa.b", "quoted"), ("/qaxb", None),
    ("/letters", "unicode-class"),
    ("/digits?id=123", "posix-class"), ("/digits?id=12a", None),
]


def _route(*urls: str, headers: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    argv = [sys.executable, "-m", "explorer", "route", "-f", str(RE2_YAML), "--controller", "gateway", "-o", "json"]
    for h in headers:
        argv += ["-H", h]
    out = subprocess.run(argv + list(urls), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr  # once: exit 70, "internal error" on (?i)
    assert "Traceback" not in out.stderr and "re2.cc" not in out.stderr  # RE2's own logging stays quiet
    answers: list[dict[str, Any]] = json.loads(out.stdout)
    return answers


def test_re2_syntax_routes_as_re2_does() -> None:
    answers = _route(*(f"http://a.example.com{p}" for p, _ in CASES), headers=("x-name: Ωmega",))
    for (path, rule), answer in zip(CASES, answers):
        got = answer["route"]["ruleName"] if answer["route"] else None
        assert got == rule, (path, answer["reason"])
        assert answer["status"] == (None if rule else 404), path
        if rule:
            notes = [e["reason"] for e in answer["trace"] if e["verdict"] == "note"]
            assert any("RE2" in n and "whole value" in n for n in notes), notes


def test_a_header_that_is_not_letters_does_not_match_the_unicode_class() -> None:
    (answer,) = _route("http://a.example.com/letters", headers=("x-name: 42",))
    assert answer["status"] == 404
    assert any("x-name" in e["reason"] and "does not match" in e["reason"] for e in answer["trace"])


def test_a_pattern_re2_refuses_leaves_the_route_unaccepted_and_says_why() -> None:
    (answer,) = _route("http://refused.example.com/aa")
    assert answer["status"] == 404
    assert "default/re2-refuses" in answer["reason"]
    refused = [e for e in answer["trace"] if e["verdict"] == "not-attached"]
    assert refused and "UnsupportedValue" in refused[0]["reason"] and "invalid escape sequence" in refused[0]["reason"]
    assert refused[0]["source"].endswith("re2.yaml:61")


def test_lint_reports_the_refused_pattern_with_file_and_line() -> None:
    out = subprocess.run([sys.executable, "-m", "explorer", "lint", "-f", str(RE2_YAML)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 1, out.stdout + out.stderr
    lines = [line for line in out.stdout.splitlines() if "IE8001" in line]
    assert len(lines) == 1, out.stdout
    assert "re2-refuses" in lines[0] and "UnsupportedValue" in lines[0] and "RE2 refuses" in lines[0]
    assert "re2-ok" not in out.stdout
    assert "hint: write the value in RE2 syntax: no backreferences" in out.stdout


@pytest.mark.parametrize(("pattern", "value", "expected"), [
    ("(?i)/FOO", "/foo", True), ("/a(?i)b", "/aB", True), ("/a(?i)b", "/AB", False), (r"\pL+", "Ωé", True),
    (r"\p{Greek}+", "Ωω", True), (r"\p{Greek}+", "ab", False), (r"\Q.*\E", ".*", True), (r"\Q.*\E", "ab", False),
    ("[[:alpha:]]+", "abc", True), ("a.c", "a\nc", False), ("/x", "/x/y", False), ("/x|/y", "/y", True),
])
def test_full_match_is_re2(pattern: str, value: str, expected: bool) -> None:
    from explorer.routing.gateway.regex import full_match

    assert full_match(pattern, value) is expected


@pytest.mark.parametrize("pattern", [r"(a)\1", "a(?=b)", "a(?!b)", "(?<=a)b", "a{1001}", "(", "a**"])
def test_what_re2_refuses_is_refused_with_its_reason(pattern: str) -> None:
    from explorer.routing.gateway.regex import compile_re2

    compiled, why = compile_re2(pattern)
    assert compiled is None and why.startswith("RE2 refuses")


def test_a_repeated_header_is_matched_as_its_joined_value_and_the_trace_agrees() -> None:
    """Envoy (and the trace) match `x-name: a` + `x-name: b` as "a,b": \\pL+ does not match it, `a` alone does."""
    (joined,) = _route("http://a.example.com/letters", headers=("x-name: ab", "x-name: cd"))
    assert joined["status"] == 404
    assert any("'ab,cd' does not match" in e["reason"] for e in joined["trace"])
    (single,) = _route("http://a.example.com/letters", headers=("x-name: abcd",))
    assert single["route"]["ruleName"] == "unicode-class"
