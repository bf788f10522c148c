"""The decision trace: every candidate rule the router looked at, matched or not, and why."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from explorer.routing import Decision, TraceEntry
from explorer.tui.shown import shown_location

VERDICT = {
    "chosen": ("✔ chosen", "bold green"),
    "matched": ("~ matched, lost", "yellow"),
    "no-match": ("✘ no match", "red"),
    "other-host": ("· other host", "dim"),
    "other-load-balancer": ("· other LB", "dim"),
    "skipped": ("! skipped", "bold yellow"),
    "not-served": ("! not served", "bold yellow"),
    "note": ("i note", "cyan"),
}


class TraceTable(DataTable):
    HELP = """\
## Decision trace

Every rule the controller considered for the request, in the order it looked
at them: which one was chosen, which matched but lost (and to what), which did
not match, and why. The last column is the file:line of the rule.
"""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.entries: list[TraceEntry] = []

    def current(self) -> TraceEntry | None:
        return self.entries[self.cursor_row] if 0 <= self.cursor_row < len(self.entries) else None

    def on_mount(self) -> None:
        self.add_columns("VERDICT", "INGRESS", "HOST", "PATH", "PATHTYPE", "BACKEND", "WHY", "SOURCE")

    def show(self, decision: Decision | None) -> None:
        self.clear()
        self.entries = list(decision.trace) if decision is not None else []
        for entry in self.entries:
            label, style = VERDICT.get(entry.verdict, (entry.verdict, ""))
            host = "*" if entry.host == "" else (entry.host or "")
            self.add_row(
                Text(label, style=style), entry.ingress or "", host, entry.path or "", entry.path_type or "",
                entry.backend or "", entry.reason, shown_location(entry.location),
            )
