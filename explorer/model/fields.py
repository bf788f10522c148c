"""Find the line of a field from its apiserver-style path.

`spec.rules[0].http.paths[1].pathType` -> the line that key was written on,
or the nearest enclosing line the YAML recorded.
"""

from __future__ import annotations

import re
from typing import Any

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def split_path(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in _PART.findall(path)]


def line_of(data: Any, path: str) -> int:
    """The line of `path` inside `data` (0 if the data carries no lines)."""
    line = getattr(data, "line", 0)
    node = data
    for part in split_path(path):
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                break
            lines = getattr(node, "item_lines", ())
            line = lines[part] if part < len(lines) else line
            node = node[part]
        else:
            if not isinstance(node, dict) or part not in node:
                break
            line = getattr(node, "key_lines", {}).get(part, line)
            node = node[part]
    return line
