"""Findings in the formats CI reads: JSON, SARIF 2.1.0, GitHub workflow commands (pure: text and dicts).

The lint command prints these; nothing here writes a file. The JSON shape is
described by `explorer/diagnostics/lint-output.schema.json` (a test validates
real output against it); SARIF follows the OASIS 2.1.0 schema (errata 01),
which a test validates against too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote

from explorer import __version__
from explorer.diagnostics.codes import CODES, Code
from explorer.diagnostics.finding import Finding

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#: The findings table every rule's help points at (relative to the repository root).
FINDINGS_DOC = "docs/findings.md"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB = {"error": "error", "warning": "warning", "info": "notice"}


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    tally = {"errors": 0, "warnings": 0, "infos": 0}
    for f in findings:
        tally[f.severity + "s"] += 1
    return tally


def as_json(findings: list[Finding], kube_version: str) -> dict[str, Any]:
    """The `lint -o json` document (its schema: lint-output.schema.json)."""
    return {
        "findings": [f.as_dict() for f in findings],
        "summary": counts(findings),
        "kubernetesVersion": kube_version,
    }


def anchor(code: str) -> str:
    """The anchor GitHub and most renderers give the code's row heading in docs/findings.md."""
    return code.lower()


def _rule(code: Code, docs_url: str | None) -> dict[str, Any]:
    link = f"{FINDINGS_DOC}#{anchor(code.code)}"
    rule: dict[str, Any] = {
        "id": code.code,
        "name": code.code,
        "shortDescription": {"text": code.title},
        "fullDescription": {"text": f"{code.title} (stage: {code.stage}; peers: {code.peers})"},
        "help": {
            "text": f"{code.title}. See {link}" + (f"; lesson: {code.lesson}" if code.lesson else ""),
            "markdown": f"{code.title}. See [{code.code} in {FINDINGS_DOC}]({link})"
                        + (f"; lesson `{code.lesson}` (`ingress-explorer lessons start {code.lesson}`)"
                           if code.lesson else ""),
        },
        "defaultConfiguration": {"level": _LEVEL[code.severity]},
        "properties": {"stage": code.stage, "tags": [code.stage]},
    }
    if docs_url:  # SARIF wants an absolute URI here; without one, help.markdown carries the link
        rule["helpUri"] = f"{docs_url}#{anchor(code.code)}"
    return rule


def _artifact(file: str) -> dict[str, Any]:
    """A relative path stays relative to the run's root (%SRCROOT%); an absolute one becomes a file URI."""
    if file == "<stdin>":
        return {"uri": "stdin"}
    path = Path(file)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": quote(Path(os.path.normpath(file)).as_posix()), "uriBaseId": "%SRCROOT%"}


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    text = f"{' '.join(p for p in (f.object, f.field) if p)}: {f.message}" if (f.object or f.field) else f.message
    if f.hint:
        text += f" (hint: {f.hint})"
    physical: dict[str, Any] = {"artifactLocation": _artifact(f.location.file)}
    if f.location.line:
        region: dict[str, Any] = {"startLine": f.location.line}
        if f.location.column:
            region["startColumn"] = f.location.column
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if f.object:
        location["logicalLocations"] = [{"fullyQualifiedName": f.object + (f" {f.field}" if f.field else ""),
                                         "kind": "object"}]
    return {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[f.severity],
        "message": {"text": text},
        "locations": [location],
        "properties": {"stage": f.stage, "severity": f.severity, "object": f.object, "field": f.field,
                       "lesson": f.lesson},
    }


def as_sarif(findings: list[Finding], kube_version: str, docs_url: str | None = None) -> dict[str, Any]:
    """One SARIF 2.1.0 log with one run; the rules are every code, so rule indexes are stable."""
    codes = list(CODES.values())
    index = {c.code: i for i, c in enumerate(codes)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ingress-explorer",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(c, docs_url) for c in codes],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
            "results": [_result(f, index[f.code]) for f in findings],
            "properties": {"kubernetesVersion": kube_version},
        }],
    }


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(findings: list[Finding]) -> list[str]:
    """GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=T::message`."""
    lines = []
    for f in findings:
        props = [f"file={_escape_property(f.location.file)}"]
        if f.location.line:
            props.append(f"line={f.location.line}")
            if f.location.column:
                props.append(f"col={f.location.column}")
        props.append(f"title={_escape_property(f'{f.code} [{f.stage}] {f.object}'.strip())}")
        what = " ".join(p for p in (f.object, f.field) if p)
        text = f"{what + ': ' if what else ''}{f.message}"
        if f.hint:
            text += f"\nhint: {f.hint}"
        if f.lesson:
            text += f"\nlesson: ingress-explorer lessons start {f.lesson}"
        lines.append(f"::{_GITHUB[f.severity]} {','.join(props)}::{_escape_data(text)}")
    return lines
