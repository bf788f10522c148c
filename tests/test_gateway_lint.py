"""`lint` shows the status conditions the conformance suite expects for its invalid-route manifests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from explorer.diagnostics.check import check
from explorer.model import load

DATA = Path(__file__).parent / "data" / "gateway"
CONF = DATA / "conformance"
TABLES: dict[str, Any] = yaml.safe_load((DATA / "conformance-tables.yaml").read_text())


def _expected() -> list[Any]:
    out = []
    for name, table in TABLES.items():
        for case in table["cases"]:
            cond = case.get("condition")
            if cond and cond["status"] == "False" and cond["reason"] and case.get("route"):
                out.append(pytest.param(name, case["route"], case["gateway"], cond, id=f"{name}-{cond['reason']}"))
    return out


@pytest.mark.parametrize(("name", "route", "gateway", "condition"), _expected())
def test_lint_finds_the_condition_the_suite_expects(name: str, route: str, gateway: str,
                                                    condition: dict[str, str]) -> None:
    findings = check(load([str(CONF / "base.yaml"), str(CONF / f"{name}.yaml")]))
    wanted = f"{condition['type']}={condition['status']} reason {condition['reason']} on Gateway/{gateway}"
    hits = [f for f in findings if f.object == f"HTTPRoute/{route}" and wanted in f.message]
    assert hits, [str(f) for f in findings if f.code.startswith("IE7")]
    assert hits[0].code == ("IE8001" if condition["type"] == "Accepted" else "IE8002")
    assert hits[0].location.file.endswith(f"{name}.yaml") and hits[0].location.line > 0


def test_lint_json_for_an_invalid_backend_ref() -> None:
    out = subprocess.run([sys.executable, "-m", "explorer", "lint", "-f", str(CONF / "base.yaml"), "-f",
                          str(CONF / "invalid-nonexistent-backendref.yaml"), "-o", "json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1, out.stderr
    findings = json.loads(out.stdout)["findings"] if isinstance(json.loads(out.stdout), dict) else json.loads(out.stdout)
    hit = next(f for f in findings if f["code"] == "IE8002")
    assert "ResolvedRefs=False reason BackendNotFound" in hit["message"]
    assert "create the Service" in hit["hint"]


def test_a_valid_route_has_no_route_findings() -> None:
    findings = check(load([str(CONF / "base.yaml"), str(CONF / "matching.yaml")]))
    assert not [f for f in findings if f.code in ("IE8001", "IE8002")]
