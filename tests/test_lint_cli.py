"""`ingress-explorer lint` as a user runs it: a subprocess, real files, exit status, stdout."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "lint" / "bad"
GOOD = ROOT / "tests" / "data" / "lint" / "good"
WEB = ROOT / "tests" / "data" / "lint" / "common" / "web.yaml"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def lint(*args: str | Path, stdin: str | None = None, env: dict[str, str] | None = None,
         ) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "explorer", "lint", *map(str, args)], cwd=ROOT, input=stdin,
        capture_output=True, text=True, timeout=60, env=environment,
    )


def test_clean_manifests_exit_0_with_a_summary() -> None:
    result = lint("-f", "sample-manifests/article-v1", "--controller", "gce")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "0 errors, 0 warnings, 0 infos (5 objects checked, controller: gce)\n"


def test_an_error_exits_1_and_reads_like_a_compiler() -> None:
    fixture = BAD / "IE3002-target-port.yaml"
    result = lint("-f", WEB, "-f", fixture)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        str(fixture),  # grouped by file: the file, then its findings
        f"{fixture}:19: error IE3002 [broken] Ingress/default/web spec.rules[0].http.paths[0].backend.service.port.number: "
        'could not find port "8080" in service "default/web"',
        "    hint: 8080 is the targetPort of Service port 80; an Ingress names the Service's port: write "
        "port.number: 80 (or port.name: http)",
        "    lesson: routing-basics (ingress-explorer lessons start routing-basics)",
    ]
    assert result.stdout.splitlines()[-1].startswith("1 error, 0 warnings, 0 infos in 1 file")


def test_warnings_alone_exit_0_unless_the_threshold_says_so() -> None:
    fixture = BAD / "IE3101-tls-secret-missing.yaml"
    assert lint("-f", WEB, "-f", fixture).returncode == 0
    strict = lint("-f", WEB, "-f", fixture, "--severity", "warning")
    assert strict.returncode == 1
    assert " warning IE3101 " in strict.stdout
    only_errors = lint("-f", WEB, "-f", fixture, "--severity", "error")
    assert only_errors.returncode == 0
    assert "IE3101" not in only_errors.stdout
    assert only_errors.stdout.startswith("0 errors, 0 warnings, 0 infos")


def test_json_output_has_findings_and_a_summary() -> None:
    result = lint("-f", BAD / "IE6008-health-check-root.yaml", "--controller", "gce", "-o", "json")
    assert result.returncode == 0  # two warnings, no error
    document = json.loads(result.stdout)
    assert document["summary"] == {"errors": 0, "warnings": 2, "infos": 0}
    codes = {f["code"]: f for f in document["findings"]}
    assert set(codes) == {"IE3007", "IE6008"}
    health = codes["IE6008"]
    assert set(health) == {"code", "severity", "stage", "message", "object", "field", "file", "line", "column",
                           "hint", "lesson"}
    assert health["stage"] == "risky"  # GKE's GET / health check: works if / answers 200
    assert (health["severity"], health["object"], health["field"]) == ("warning", "Service/default/web", "spec.ports[0]")
    assert health["file"].endswith("IE6008-health-check-root.yaml") and health["line"] == 31
    assert health["lesson"] == "health-checks"


def test_controller_changes_what_is_reported() -> None:
    fixture = BAD / "IE6003-prefix-wildcard.yaml"  # a GKE Ingress with Prefix /api/*
    auto = lint("-f", WEB, "-f", fixture)
    assert auto.returncode == 1 and "IE6003" in auto.stdout
    nginx = lint("-f", WEB, "-f", fixture, "--controller", "nginx")
    assert nginx.returncode == 0
    assert "info IE5002" in nginx.stdout and "written for GKE Ingress" in nginx.stdout


def test_unquoted_annotation_is_reported_at_its_line() -> None:
    fixture = BAD / "IE1007-annotation-bool.yaml"
    result = lint("-f", WEB, "-f", fixture)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    index = next(i for i, line in enumerate(lines) if " IE1007 " in line)
    number = int(lines[index].split(":")[1])
    assert fixture.read_text().splitlines()[number - 1].strip() == "kubernetes.io/ingress.allow-http: false"
    assert lines[index + 1].startswith('    hint: quote the value: "false"')


def test_article_v1beta1_warns_and_says_what_to_write() -> None:
    result = lint("-f", "sample-manifests/article")
    assert result.returncode == 0
    assert ("sample-manifests/article/02-ingress.yaml:2: warning IE1010 [rejected] Ingress/default/my-ingress apiVersion: "
            "networking.k8s.io/v1beta1 Ingress is no longer served (removed in Kubernetes 1.22)") in result.stdout
    assert ("sample-manifests/article/02-ingress.yaml:12: info IE1011 [deprecated] Ingress/default/my-ingress "
            "spec.rules[0].http.paths[0].backend: ") in result.stdout
    assert "write backend: {service: {name: my-nodeport-01, port: {number: 8080}}}" in result.stdout


def test_stdin_and_namespace() -> None:
    text = (GOOD / "01-nginx-basic.yaml").read_text()
    result = lint("-f", "-", "-n", "shop", stdin=text)
    assert result.returncode == 0, result.stdout
    broken = text.replace("name: web, port: {number: 80}", "name: web, port: {number: 8080}")
    result = lint("-f", "-", "-n", "shop", stdin=broken)
    assert result.returncode == 1
    assert result.stdout.startswith("<stdin>\n<stdin>:")
    assert 'could not find port "8080" in service "shop/web"' in result.stdout


def test_no_files_is_a_usage_error() -> None:
    result = lint()
    assert result.returncode == 2
    assert result.stdout == ""
    assert "no manifests given" in result.stderr


def test_unknown_option_value_is_a_usage_error() -> None:
    result = lint("-f", WEB, "--controller", "traefik")
    assert result.returncode == 2
    assert "invalid choice: 'traefik'" in result.stderr


def test_nothing_loaded_exits_2_but_still_reports_where() -> None:
    missing = lint("-f", "no/such/dir.yaml")
    assert missing.returncode == 2
    assert missing.stdout.startswith("no/such/dir.yaml\nno/such/dir.yaml: error IE1002 [rejected] no such file or directory")
    assert "no objects loaded" in missing.stderr
    broken = lint("-f", BAD / "IE1001-yaml-syntax.yaml")
    assert broken.returncode == 2
    assert f"{BAD / 'IE1001-yaml-syntax.yaml'}:8:13: error IE1001 [rejected] YAML: " in broken.stdout


def test_input_that_cannot_be_parsed_next_to_good_input_exits_1() -> None:
    result = lint("-f", WEB, "-f", BAD / "IE1001-yaml-syntax.yaml", "-f", BAD / "IE1002-binary.yaml")
    assert result.returncode == 1
    assert " error IE1001 " in result.stdout and " error IE1002 " in result.stdout
    assert "Traceback" not in result.stderr


def test_colour_only_when_asked_for() -> None:
    fixture = BAD / "IE3001-service-typo.yaml"
    plain = lint("-f", WEB, "-f", fixture)
    assert not ANSI.search(plain.stdout)
    coloured = lint("-f", WEB, "-f", fixture, env={"FORCE_COLOR": "1"})
    assert "\x1b[31m" in coloured.stdout
    assert ANSI.sub("", coloured.stdout) == plain.stdout
    assert not ANSI.search(lint("-f", WEB, "-f", fixture, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout)


def test_help_documents_formats_and_exit_status() -> None:
    result = lint("--help")
    assert result.returncode == 0
    for words in ("--controller {auto,nginx,gce}", "--severity {error,warning,info}", "-o {text,json,sarif,github}", "--fail-on {error,warning,info}", "--kube-version VERSION",
                  "exit status:", "2  usage or input error", "docs/findings.md"):
        assert words in result.stdout


@pytest.mark.parametrize("path", sorted(GOOD.iterdir())[:3], ids=lambda p: p.stem)
def test_good_setups_are_clean_from_the_command_line(path: Path) -> None:
    result = lint("-f", path)
    assert result.returncode == 0
    assert result.stdout.startswith("0 errors, 0 warnings, 0 infos")


def test_a_misspelt_service_gets_a_did_you_mean() -> None:
    out = lint("-f", WEB, "-f", BAD / "IE3001-service-typo.yaml").stdout
    assert 'services "wbe" not found in namespace "default"' in out
    assert "hint: did you mean web?" in out
