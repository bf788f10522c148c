"""Findings about one object: its ref, and the line each of its fields sits on."""

from __future__ import annotations

from typing import Any

from explorer.diagnostics.codes import CODES
from explorer.diagnostics.finding import Finding, Stage
from explorer.model.fields import line_of
from explorer.model.location import Location, Severity
from explorer.model.objects import ObjectMeta

ANNOTATIONS = "metadata.annotations"


def annotation_field(key: str) -> str:
    """The field path of an annotation; brackets keep the dots of the key apart from the path's."""
    return f"{ANNOTATIONS}[{key}]"


def make(code: str, obj: str, field: str, location: Location, message: str, hint: str = "",
         severity: Severity | None = None, stage: Stage | None = None) -> Finding:
    info = CODES[code]
    return Finding(code, severity or info.severity, obj, field, location, message, hint, info.lesson,
                   stage or info.stage)


class Site:
    """One object's findings: fills in the ref and finds the line of a field."""

    def __init__(self, meta: ObjectMeta) -> None:
        self.meta = meta

    def line(self, field: str) -> int:
        raw: Any = self.meta.raw
        if field.startswith(ANNOTATIONS + "["):
            annotations = (raw or {}).get("metadata", {}).get("annotations")
            key = field[len(ANNOTATIONS) + 1: -1]
            line = getattr(annotations, "key_lines", {}).get(key, 0)
            return line or line_of(raw, ANNOTATIONS) or self.meta.location.line
        return line_of(raw, field) or self.meta.location.line

    def at(self, field: str) -> Location:
        return Location(self.meta.location.file, self.line(field) if field else self.meta.location.line)

    def finding(self, code: str, field: str, message: str, hint: str = "",
                severity: Severity | None = None, stage: Stage | None = None) -> Finding:
        return make(code, self.meta.ref, field, self.at(field), message, hint, severity, stage)
