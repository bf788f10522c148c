"""Secret values never reach a screen: blank them in a file's text, keeping its lines.

The manifest view shows the user's file as written. For every Secret loaded
from that file, each value under `data` and `stringData` is replaced by a
marker and block-scalar continuation lines are blanked, so line numbers (and
the finding marks on them) stay where they were.
"""

from __future__ import annotations

from typing import Iterable

from explorer.model.objects import Secret

MARKER = "<redacted>"
_SECTIONS = ("data", "stringData")


def redact_secrets(text: str, file: str, secrets: Iterable[Secret]) -> str:
    lines = text.split("\n")
    for secret in secrets:
        if secret.meta.location.file != file or not isinstance(secret.meta.raw, dict):
            continue
        raw = secret.meta.raw
        for section in _SECTIONS:
            if section not in raw:
                continue
            section_line = raw.key_lines.get(section, 0) if hasattr(raw, "key_lines") else 0
            if section_line:
                _redact_block(lines, section_line)
    return "\n".join(lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _redact_block(lines: list[str], section_line: int) -> None:
    """Everything the `data:` key at `section_line` (1-based) holds, in block or flow style."""
    index = section_line - 1
    head = lines[index]
    colon = head.find(":")
    if head[colon + 1:].strip() and not head[colon + 1:].strip().startswith("#"):
        lines[index] = head[: colon + 1] + " " + MARKER  # flow style or a scalar on the same line
    base = _indent(head)
    for i in range(index + 1, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        if _indent(line) <= base and not line.lstrip().startswith(("}", "]")):
            break
        key, sep, value = line.partition(":")
        if sep and _indent(line) == _entry_indent(lines, index) and not key.strip().startswith("#"):
            lines[i] = f"{key}: {MARKER}"
        else:
            lines[i] = ""


def _entry_indent(lines: list[str], index: int) -> int:
    for line in lines[index + 1:]:
        if line.strip():
            return _indent(line)
    return -1
