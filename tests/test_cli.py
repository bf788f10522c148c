"""The command line as a user meets it: help, exit codes, colour, speed of --help."""

from __future__ import annotations

import subprocess
import sys

from conftest import SAMPLES, run_cli


def test_route_help_lists_options_and_examples():
    result = run_cli("route", "--help")
    assert result.returncode == 0
    for word in ("--controller", "--ingress", "-o", "examples:", "exit status"):
        assert word in result.stdout


def test_route_help_imports_no_heavy_framework():
    code = ("import sys; from explorer.cli import main; rc = main(['route', '--help']); "
            "print(sorted(m for m in ('textual', 'aiohttp', 'kubernetes') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().endswith("[]"), out.stdout + out.stderr


def test_text_output_is_plain_when_piped_and_coloured_when_forced():
    args = ("route", "-f", str(SAMPLES / "article-v1"), "http://foo-bar.com/foo")
    plain = run_cli(*args)
    assert plain.returncode == 0
    assert "\x1b[" not in plain.stdout
    assert "→ default/my-nodeport-01:8080" in plain.stdout
    assert "why: host foo-bar.com and Prefix /foo in default/my-ingress matches /foo" in plain.stdout
    coloured = run_cli(*args, env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert "\x1b[32m" in coloured.stdout


def test_trace_flag_lists_every_candidate():
    result = run_cli("route", "-f", str(SAMPLES / "article"), "--trace", "http://foo-bar.com/bar/x")
    lines = result.stdout.splitlines()
    assert any("✔ chosen" in line and "/bar matches /bar/x" in line for line in lines)
    assert any("✘ no-match" in line and "/foo does not match /bar/x" in line for line in lines)


def test_article_v1beta1_routes_on_both_controllers():
    for controller in ("nginx", "gce"):
        result = run_cli("route", "-f", str(SAMPLES / "article"), "--controller", controller, "-o", "json",
                         "http://foo-bar.com/foo", "http://foo-bar.com/bar")
        assert result.returncode == 0, result.stderr
        assert result.stdout.count('"service": "my-nodeport-01"') == 1
        assert result.stdout.count('"service": "my-nodeport-02"') == 1
        assert "no longer served" in result.stderr


def test_usage_errors_exit_2():
    assert run_cli("route", "http://x/").returncode == 2  # no -f
    assert run_cli("route", "-f", str(SAMPLES / "article"), "ftp://x/").returncode == 2
    assert run_cli("route", "-f", str(SAMPLES / "article"), "-H", "no-colon", "http://x/").returncode == 2
    bad = run_cli("route", "-f", str(SAMPLES / "article"), "--controller", "traefik", "http://x/")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_readme_lists_every_finding_code():
    from conftest import ROOT
    from explorer.diagnostics.codes import CODES

    readme = (ROOT / "README.md").read_text()
    missing = [code for code in CODES if f"- `{code}` {CODES[code].severity}:" not in readme]
    assert not missing
