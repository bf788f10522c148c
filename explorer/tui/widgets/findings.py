"""The findings panel: what is wrong, where, and the lesson about it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from explorer.tui.shown import shown_location
from explorer.tui.widgets.fixed_table import Cell, FixedWidthTable

if TYPE_CHECKING:
    from explorer.diagnostics import Finding

COLUMNS = ("SEVERITY", "CODE", "WHERE", "MESSAGE", "OBJECT", "LESSON")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
SEVERITY = {"error": ("✘ error", "bold red"), "warning": ("! warning", "yellow"), "info": ("i info", "cyan")}


class FindingsTable(FixedWidthTable):
    PRIORITY = ("SEVERITY", "CODE", "MESSAGE", "WHERE", "OBJECT", "LESSON")
    FLEXIBLE = "MESSAGE"

    HELP = """\
## Findings

What would stop a request from reaching its Pods, found in the manifests:
severity, code, object, file:line and the message in the apiserver's or the
controller's own words. The highlighted finding is written out in full under
the table, with what to do and the lesson that teaches it. **enter** opens the
manifest at its line.
"""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.items: list[Finding] = []

    def on_mount(self) -> None:
        self.show(self.items)

    def show(self, findings: list[Finding]) -> None:
        """The findings, errors first, then warnings, then info (in their order within each)."""
        self.items = sorted(findings, key=lambda f: SEVERITY_RANK.get(f.severity, len(SEVERITY_RANK)))
        rows = []
        for f in self.items:
            label, style = SEVERITY.get(f.severity, (f.severity, ""))
            rows.append((Cell(label, style=style), Cell(f.code), Cell(shown_location(f.location)), Cell(f.message),
                         Cell(f.object), Cell(f.lesson or "-")))
        self.fill(COLUMNS, rows)

    def refit(self) -> None:
        self.show(self.items)

    def current(self) -> Finding | None:
        if 0 <= self.cursor_row < len(self.items):
            return self.items[self.cursor_row]
        return None


def finding_text(finding: Finding) -> Text:
    """The whole finding, wrapped: message, what to do, and the lesson that teaches it."""
    label, style = SEVERITY.get(finding.severity, (finding.severity, ""))
    text = Text.assemble((label, style), f" {finding.code} ", (shown_location(finding.location), "dim"),
                         f" {finding.object}\n", finding.message)
    if finding.hint:
        text.append(f"\nwhat to do: {finding.hint}", style="cyan")
    if finding.lesson:
        text.append(f"\nlesson: {finding.lesson}", style="bold")
    return text
