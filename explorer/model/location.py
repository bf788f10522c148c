"""Where a thing came from, and what went wrong with it.

Every message the tool prints points at a file and a line, so the position of
each object (and of each field, where YAML gives one) travels with the data.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from explorer.model.value import value

#: Type aliases are strings: importing the module builds no typing object (each costs the start ~0.1 ms).
Severity: TypeAlias = 'Literal["error", "warning", "info"]'


@value
class Location:
    file: str
    line: int = 0  # 1-based; 0 when unknown
    column: int = 0  # 1-based; 0 when unknown

    def __str__(self) -> str:
        if not self.line:
            return self.file
        if self.column:
            return f"{self.file}:{self.line}:{self.column}"
        return f"{self.file}:{self.line}"


@value
class Problem:
    """Something the loader could not take as written.

    `skipped` is true when the whole document was left out of the state
    (the apiserver would have refused it); otherwise the object loaded and
    the problem is a remark on one field.
    """

    location: Location
    message: str
    severity: Severity = "error"
    field: str = ""  # apiserver spelling, e.g. spec.rules[0].http.paths[1].pathType
    hint: str = ""
    object: str = ""  # Kind/namespace/name when known
    skipped: bool = False

    def __str__(self) -> str:
        where = f"{self.location}: "
        what = f"{self.object}: " if self.object else ""
        # `unknown field "spec.roles"` names its field already; the apiserver's Go path (IngressSpec.spec.rules)
        # inside a message does not count as naming it
        own = self.message.split(" (apiserver: ", 1)[0]
        field = f"{self.field}: " if self.field and self.field not in own else ""
        text = f"{where}{self.severity}: {what}{field}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        if self.skipped and self.object:
            text += "; not loaded"
        return text
