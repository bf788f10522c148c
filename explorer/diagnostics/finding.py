"""A finding: one reason an Ingress (or what stands behind it) does not work.

Findings are plain values so every edge can show them its own way: the lint
command prints them like a compiler, the TUI pins them to manifest lines, the
lessons check for a code disappearing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from explorer.model.location import Location, Severity

#: Most severe first; `SEVERITIES.index(s)` orders findings and thresholds.
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

#: Where a finding bites, earliest first. Severity says how bad; the stage says when a user meets it:
#: rejected (the apiserver or an admission webhook refuses it: `kubectl apply` fails), ignored (it applies,
#: but no controller serves it), broken (served, and traffic fails), risky (works today, may fail or
#: differ), deprecated (works, but goes away).
Stage = Literal["rejected", "ignored", "broken", "risky", "deprecated"]
STAGES: tuple[Stage, ...] = ("rejected", "ignored", "broken", "risky", "deprecated")


@dataclass(frozen=True, slots=True)
class Finding:
    code: str  # stable, e.g. "IE2003"; see docs/findings.md
    severity: Severity  # error: refused or can never route; warning: accepted but broken or risky
    object: str  # Kind/namespace/name ("" for a file that held no object)
    field: str  # apiserver spelling: spec.rules[0].http.paths[1].pathType
    location: Location
    message: str  # the apiserver's or controller's own wording where one exists
    hint: str = ""  # what to change
    lesson: str | None = None  # the lesson that teaches it
    stage: Stage | None = None  # see STAGES; None: the code's own (set when made), so no finding lacks one

    def __post_init__(self) -> None:
        if self.stage is None:
            from explorer.diagnostics.codes import CODES  # codes imports this module's Stage

            object.__setattr__(self, "stage", CODES[self.code].stage)

    def at_least(self, threshold: Severity) -> bool:
        """True when this finding is as severe as `threshold` or more."""
        return SEVERITIES.index(self.severity) <= SEVERITIES.index(threshold)

    def sort_key(self) -> tuple[str, int, str, str, str]:
        return (self.location.file, self.location.line, self.code, self.field, self.message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "object": self.object,
            "field": self.field,
            "file": self.location.file,
            "line": self.location.line,
            "hint": self.hint,
            "lesson": self.lesson,
            "stage": self.stage,
            "column": self.location.column,
        }

    def __str__(self) -> str:
        what = " ".join(part for part in (self.object, self.field) if part)
        text = (f"{self.location}: {self.severity} {self.code} [{self.stage}] {what + ': ' if what else ''}"
                f"{self.message}")
        if self.hint:
            text += f" ({self.hint})"
        if self.lesson:
            text += f" [lesson: {self.lesson}]"
        return text
