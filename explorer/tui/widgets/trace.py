"""The decision trace: every candidate rule the router looked at, matched or not, and why."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from typing import TYPE_CHECKING

from explorer.routing import Decision, TraceEntry
from explorer.tui.shown import shown_location

if TYPE_CHECKING:
    from explorer.routing.gateway import GatewayDecision

VERDICT = {
    "chosen": ("✔ chosen", "bold green"),
    "matched": ("~ matched, lost", "yellow"),
    "no-match": ("✘ no match", "red"),
    "other-host": ("· other host", "dim"),
    "other-load-balancer": ("· other LB", "dim"),
    "skipped": ("! skipped", "bold yellow"),
    "not-served": ("! not served", "bold yellow"),
    "note": ("i note", "cyan"),
    "other-listener": ("· other listener", "dim"),
    "not-attached": ("! not attached", "bold yellow"),
}
INGRESS_COLUMNS = ("VERDICT", "INGRESS", "HOST", "PATH", "PATHTYPE", "BACKEND", "WHY", "SOURCE")
#: Gateway API decisions: listeners, then the routes' matches (routing.gateway's trace).
GATEWAY_COLUMNS = ("VERDICT", "HTTPROUTE", "RULE", "LISTENER", "WHY", "SOURCE")


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
        self._columns(INGRESS_COLUMNS)

    def _columns(self, labels: tuple[str, ...]) -> None:
        if tuple(str(c.label) for c in self.columns.values()) != labels:
            self.clear(columns=True)
            self.add_columns(*labels)

    def show(self, decision: "Decision | GatewayDecision | None") -> None:
        from explorer.routing.gateway import GatewayDecision

        self.clear()
        if isinstance(decision, GatewayDecision):
            self._show_gateway(decision)
            return
        self._columns(INGRESS_COLUMNS)
        self.entries = list(decision.trace) if decision is not None else []
        for entry in self.entries:
            label, style = VERDICT.get(entry.verdict, (entry.verdict, ""))
            host = "*" if entry.host == "" else (entry.host or "")
            self.add_row(
                Text(label, style=style), entry.ingress or "", host, entry.path or "", entry.path_type or "",
                entry.backend or "", entry.reason, shown_location(entry.location),
            )

    def _show_gateway(self, decision: "GatewayDecision") -> None:
        self._columns(GATEWAY_COLUMNS)
        self.entries = list(decision.trace)  # type: ignore[arg-type]  # (reason and location, as TraceEntry)
        for entry in decision.trace:
            label, style = VERDICT.get(entry.verdict, (entry.verdict, ""))
            rule = "" if entry.rule is None else f"{entry.rule}" + ("" if entry.match is None else f".{entry.match}")
            self.add_row(Text(label, style=style), entry.route, rule, entry.listener, entry.reason,
                         shown_location(entry.location))
