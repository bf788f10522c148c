"""The Migrate view's panels: YAML side by side, both traces, the proof's differences, the annotations' handling."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from explorer.tui.shown import shown_location, shown_path
from explorer.tui.widgets.fixed_table import COLUMN_PADDING, Cell, FixedWidthTable, column_widths
from explorer.tui.widgets.trace import VERDICT

if TYPE_CHECKING:
    from explorer.migrate.gateway import AnnotationNote
    from explorer.migrate.proof import Difference
    from explorer.routing import Decision
    from explorer.routing.gateway import GatewayDecision
    from explorer.tui.services.migration import Shown

#: Rows the differences table holds at most (the CLI's --report json lists every one).
DIFFERENCES_SHOWN = 2000

GATEWAY_VERDICT = {**VERDICT, "other-listener": ("· other listener", "dim"),
                   "not-attached": ("! not attached", "bold yellow")}
HANDLING = {"converted": ("✔ converted", "green"), "not-converted": ("✘ not converted", "bold red"),
            "unknown": ("? unknown", "yellow"), "note": ("i not converted", "bold yellow")}


def capped(table: FixedWidthTable, labels: tuple[str, ...], rows: Sequence[Sequence[Cell]],
           shares: dict[str, float]) -> tuple[int, ...]:
    """Column widths with some columns held to a share of the table's width (their cells end in "…").

    Half a screen is narrow: a long URL or rule would otherwise push the WHY column out.
    """
    room = table._room()
    widths = column_widths(labels, rows)
    return tuple(min(w, max(len(label), int(room * shares[label]) - COLUMN_PADDING)) if label in shares else w
                 for label, w in zip(labels, widths))


def first_chosen(table: FixedWidthTable, entries: list[Any]) -> None:
    """The cursor on the entry that answered (its reason is shown under the table): a chosen rule or match."""
    chosen = [i for i, e in enumerate(entries) if e.verdict == "chosen"]
    matched = [i for i in chosen if getattr(entries[i], "match", None) is not None or getattr(entries[i], "path", None)]
    if chosen:
        table.move_cursor(row=(matched or chosen)[0], animate=False)


class YamlPane(Vertical):
    """YAML under a title, with line numbers as in its file and the lines a request used highlighted."""

    ALLOW_MAXIMIZE = True  # z: the panel, title and all

    DEFAULT_CSS = """
    YamlPane {
        height: 1fr;
    }
    YamlPane > .yaml-scroll {
        height: 1fr;
    }
    YamlPane > .yaml-note {
        height: auto;
        color: $text-warning;
        padding: 0 1;
    }
    """

    def __init__(self, title: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.title = title
        self.shown: Shown | None = None  # what is on show
        self.rows_marked: list[int] = []  # the rows (in the scrolled code) of the highlighted lines

    def compose(self) -> ComposeResult:
        yield Static(self.title, classes="panel-title yaml-title")
        yield Static("", classes="yaml-note")
        with VerticalScroll(classes="yaml-scroll", can_focus=True):
            yield Static("", classes="yaml-code")

    def show(self, title: str, shown: Shown | None, empty: str = "") -> None:
        from rich.syntax import Syntax  # pygments: not needed before the view is opened

        self.shown = shown
        self.query_one(".yaml-title", Static).update(title)
        note = self.query_one(".yaml-note", Static)
        note.update(shown.note if shown is not None else "")
        note.display = bool(shown is not None and shown.note)
        code = self.query_one(".yaml-code", Static)
        if shown is None or not shown.sections:
            self.rows_marked = []
            code.update(Text(empty, style="dim"))
            return
        parts: list[Any] = []
        row = 0
        self.rows_marked = []
        for section in shown.sections:
            parts.append(Text(f"{shown_path(section.file)}:{section.first}", style="bold dim", no_wrap=True,
                              overflow="ellipsis"))  # one row: the marked rows are counted
            row += 1
            parts.append(Syntax(section.text, "yaml", line_numbers=True, start_line=section.first, word_wrap=False,
                                highlight_lines=section.marked, theme="ansi_dark", background_color="default"))
            self.rows_marked += [row + line - section.first for line in sorted(section.marked)]
            row += section.text.count("\n") + 1
        code.update(Group(*parts))
        scroll = self.query_one(".yaml-scroll", VerticalScroll)
        target = max(0, self.rows_marked[0] - 2) if self.rows_marked else 0
        self.call_after_refresh(scroll.scroll_to, 0, target, animate=False)


class IngressYaml(YamlPane):
    HELP = """\
## Ingress YAML

The Ingresses as they are written in their files (Secret values blanked),
with their file:line. The lines the request used (the rule path that won) are
highlighted. On a large input only the Ingress the request used is shown.
**z** shows this panel on the whole screen.
"""


class GatewayYaml(YamlPane):
    HELP = """\
## Gateway API YAML

The manifests the migration writes: a Gateway per load balancer, HTTPRoutes
per Ingress and host (each under a comment naming the Ingress rule it came
from), ReferenceGrants where a Secret is in another namespace. Secrets are
referenced by name, never copied. The lines the request used (listener, match,
backendRef) are highlighted. **w** writes them.
"""


class IngressTraceTable(FixedWidthTable):
    """The Ingress side's decision trace, narrow enough for half the screen (the WHY column is cut first)."""

    PRIORITY = ("VERDICT", "RULE", "WHY", "BACKEND", "INGRESS", "SOURCE")
    FLEXIBLE = "WHY"
    COLUMNS = ("VERDICT", "INGRESS", "RULE", "BACKEND", "WHY", "SOURCE")

    HELP = """\
## Ingress trace

Every rule the Ingress controller considered for the request, in the order it
looked at them, and why each was chosen, lost, or did not match (the
highlighted one's reason in full under the table). Beside it is the Gateway
API engine's trace for the same request.
"""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.decision: Decision | None = None
        self.entries: list[Any] = []

    def show(self, decision: Decision | None) -> None:
        self.decision = decision
        self.entries = list(decision.trace) if decision is not None else []
        rows = []
        for entry in self.entries:
            label, style = VERDICT.get(entry.verdict, (entry.verdict, ""))
            host = "*" if entry.host == "" else (entry.host or "")
            path = f"{entry.path_type} {entry.path}" if entry.path_type and entry.path is not None else entry.path or ""
            rows.append((Cell(label, style=style), Cell(entry.ingress or ""), Cell(f"{host} {path}".strip()),
                         Cell(entry.backend or ""), Cell(entry.reason), Cell(shown_location(entry.location))))
        self.fill(self.COLUMNS, rows, capped(self, self.COLUMNS, rows, {"RULE": 0.3, "INGRESS": 0.2, "BACKEND": 0.2}))
        first_chosen(self, self.entries)
        if decision is not None and not any(e.verdict == "chosen" for e in self.entries) and decision.path:
            # no entry says chosen (a canary's mainline, an annotation's answer): the cursor on the rule that answered
            answered = decision.path.location
            rows_at = [i for i, e in enumerate(self.entries) if e.location == answered and e.path is not None]
            if rows_at:
                self.move_cursor(row=rows_at[0], animate=False)

    def refit(self) -> None:
        self.show(self.decision)

    def current_why(self) -> Text:
        entry = self.entries[self.cursor_row] if 0 <= self.cursor_row < len(self.entries) else None
        return _why(entry.reason, entry.location) if entry is not None else Text("")


class GatewayTraceTable(FixedWidthTable):
    """The Gateway API engine's trace: listeners, HTTPRoute matches and backendRefs, chosen or not and why."""

    PRIORITY = ("VERDICT", "ROUTE", "WHY", "LISTENER", "SOURCE")
    FLEXIBLE = "WHY"
    COLUMNS = ("VERDICT", "LISTENER", "ROUTE", "WHY", "SOURCE")

    HELP = """\
## Gateway API trace

What the Gateway API engine did with the same request, routed through the
generated manifests as a conformant implementation would: the listener
chosen for the port and host, each HTTPRoute match in the spec's order of
precedence, and the backendRef that answers (the highlighted entry's reason
in full under the table).
"""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.decision: GatewayDecision | None = None
        self.why = ""
        self.entries: list[Any] = []

    def show(self, decision: GatewayDecision | None, why: str = "") -> None:
        self.decision, self.why = decision, why
        self.entries = list(decision.trace) if decision is not None else []
        rows = []
        if decision is None and why:
            label, style = GATEWAY_VERDICT["note"]
            rows.append((Cell(label, style=style), Cell(""), Cell(""), Cell(why), Cell("")))
        for entry in self.entries:
            label, style = GATEWAY_VERDICT.get(entry.verdict, (entry.verdict, ""))
            where = f"{entry.route} rule {entry.rule}" if entry.route and entry.rule is not None else entry.route
            rows.append((Cell(label, style=style), Cell(entry.listener), Cell(where), Cell(entry.reason),
                         Cell(shown_location(entry.location))))
        self.fill(self.COLUMNS, rows, capped(self, self.COLUMNS, rows, {"ROUTE": 0.3, "LISTENER": 0.15}))
        first_chosen(self, self.entries[:] if decision is not None else [])

    def refit(self) -> None:
        self.show(self.decision, self.why)

    def current_why(self) -> Text:
        if self.decision is None:
            return Text(self.why)
        entry = self.entries[self.cursor_row] if 0 <= self.cursor_row < len(self.entries) else None
        return _why(entry.reason, entry.location) if entry is not None else Text("")


def _why(reason: str, location: Any) -> Text:
    where = f"  ({shown_location(location)})" if location else ""
    return Text.assemble(("why: ", "bold"), reason, (where, "dim"))


class DifferencesTable(FixedWidthTable):
    """The proof's differences: each probe request the two sides answer differently, grouped by cause."""

    PRIORITY = ("URL", "INGRESS", "GATEWAY API", "CAUSE")
    FLEXIBLE = "CAUSE"
    COLUMNS = ("URL", "INGRESS", "GATEWAY API", "CAUSE")

    HELP = """\
## Differences

Every probe request (each host, each path at, below, beside and with or
without a trailing slash, in upper case, over http and https) that the
Ingress on its controller and the generated Gateway API answer differently,
grouped by cause. **enter** routes the highlighted one through both sides
and shows both traces. Under the table: the highlighted difference in full.
"""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.items: list[Difference] = []

    def show(self, differences: list[Difference]) -> None:
        order: dict[str, int] = {}
        for d in differences:
            order.setdefault(d.cause, len(order))
        self.items = sorted(differences, key=lambda d: order[d.cause])[:DIFFERENCES_SHOWN]
        urls = [f"{d.method} {d.url}" if d.method != "GET" else d.url for d in self.items]
        rows: list[tuple[Cell, ...]] = [
            (Cell(url, style="bold"), Cell(d.before_text.partition(" (")[0], style="green"),
             Cell(d.after_text.partition(" (")[0], style="red"), Cell(d.cause)) for url, d in zip(urls, self.items)]
        widths = capped(self, self.COLUMNS, rows, {"URL": 0.32, "INGRESS": 0.24, "GATEWAY API": 0.24})
        rows = [(Cell(cut_url(url, widths[0]), style="bold"), *rest) for url, (_, *rest) in zip(urls, rows)]
        cursor = self.cursor_row
        self.fill(self.COLUMNS, rows, widths)
        if 0 < cursor < len(rows):
            self.move_cursor(row=cursor, animate=False)

    def refit(self) -> None:
        self.show(self.items)

    def current(self) -> Difference | None:
        return self.items[self.cursor_row] if 0 <= self.cursor_row < len(self.items) else None


def cut_url(url: str, width: int) -> str:
    """A URL in `width` cells, its path kept whole where it can be: the host is cut ("http://shop.e…/ADMIN")."""
    if len(url) <= width:
        return url
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    tail = slash + path
    head = width - len(tail) - 1
    if head >= len(scheme + sep) + 4:
        return f"{url[:head]}…{tail}"
    return "…" + url[-(width - 1):]


def difference_text(d: Difference) -> Text:
    """One difference written out: the request, both answers with their reasons, and the cause."""
    text = Text.assemble((f"{d.method} {d.url}", "bold"))
    if d.headers:
        text.append("  " + "; ".join(f"{k}: {v}" for k, v in d.headers.items()), style="cyan")
    text.append("\nIngress:     ", style="bold green")
    text.append(d.before_text)
    text.append("\nGateway API: ", style="bold red")
    text.append(d.after_text)
    text.append("\ncause: ", style="bold")
    text.append(d.cause)
    return text


class AnnotationsTable(FixedWidthTable):
    """Every annotation of every Ingress, with how the migration handled it; Ingresses left out, and why."""

    PRIORITY = ("HANDLING", "ANNOTATION", "WHY", "INGRESS", "VALUE")
    FLEXIBLE = "WHY"
    COLUMNS = ("HANDLING", "INGRESS", "ANNOTATION", "VALUE", "WHY")

    HELP = """\
## Annotations

Every annotation of every Ingress and what the migration did with it:
converted (into which Gateway API field), not converted (Gateway API has no
field for it, or the migration does not convert it yet: its effect is lost,
and the proof names it as the cause of the differences it makes) or unknown.
Ingresses the controller does not serve are not converted, and say why.
"""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.notes: list[AnnotationNote] = []
        self.left_out: list[str] = []

    def show(self, notes: list[AnnotationNote], left_out: list[str]) -> None:
        self.notes, self.left_out = notes, left_out
        rows = []
        for line in left_out:
            label, style = HANDLING["note"]
            rows.append((Cell(label, style=style), Cell(""), Cell(""), Cell(""), Cell(line)))
        for a in notes:
            label, style = HANDLING.get(a.handling, (a.handling, ""))
            rows.append((Cell(label, style=style), Cell(a.ingress), Cell(a.annotation), Cell(a.value), Cell(a.why)))
        self.fill(self.COLUMNS, rows, capped(self, self.COLUMNS, rows, {"INGRESS": 0.15, "ANNOTATION": 0.3,
                                                                         "VALUE": 0.15}))

    def refit(self) -> None:
        self.show(self.notes, self.left_out)
