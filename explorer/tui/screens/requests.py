"""Flow mode: send a request, watch it travel hop by hop, read the response and the decision trace."""

from __future__ import annotations

import asyncio
import shlex
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane

from explorer.routing import Decision, Request, route
from explorer.traffic import ResponseSummary
from explorer.export.flowboxes import DrawnFlow, diagram_for
from explorer.tui.shown import shown_location
from explorer.tui.view import View
from explorer.tui.screens.forward import ForwardsListingsToExplore
from explorer.tui.widgets.command_bar import CommandBar
from explorer.tui.widgets.flow import FlowDiagram, hop_seconds
from explorer.tui.widgets.request_bar import RequestBar
from explorer.tui.widgets.trace import TraceTable
from explorer.tui.base import ExplorerApp
from explorer.tui.widgets.footer import KeysFooter

#: Seconds each hop stays lit while a request travels.
HOP_SECONDS = 0.18


class RequestsScreen(ForwardsListingsToExplore):
    app = getters.app(ExplorerApp)

    # At 80x24 the wrapped "why" of the highlighted candidate took the whole Trace tab: the table keeps rows.
    DEFAULT_CSS = """
    RequestsScreen #trace-table {
        height: 1fr;
        min-height: 4;
    }
    RequestsScreen #trace-why {
        max-height: 2;
    }
    """

    BINDINGS = [
        Binding("r", "focus_url", "Request", id="flow.request", tooltip="Type a URL and send it (enter)"),
        Binding("escape", "leave_input", "Leave", id="flow.leave", show=False,
                tooltip="Leave the request bar so single keys work again"),
        Binding("z", "zoom_flow", "Zoom", id="flow.zoom",
                tooltip="The flow diagram on the whole screen; z or esc comes back"),
        Binding("t", "tab('trace')", "Trace", id="flow.trace", show=False, tooltip="Show the decision trace"),
        Binding("o", "tab('response')", "Response", id="flow.response", show=False, tooltip="Show the response"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.decision: Decision | None = None
        self.drawn: DrawnFlow | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield RequestBar(id="request-bar")
        with VerticalScroll(id="request-flow-wrap"):
            yield FlowDiagram(empty="Type a URL above and press enter: the request's way is drawn here.",
                              id="request-flow")
        with TabbedContent(id="request-details", initial="response"):
            with TabPane("Response", id="response"):
                with VerticalScroll():
                    yield Static("No request sent yet.", id="response-body")
            with TabPane("Trace", id="trace"):
                yield TraceTable(id="trace-table")
                yield Static("", id="trace-why")
        yield CommandBar(lambda: tuple(self.app.profiles), id="command-bar")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "view", self.redraw)

    def on_screen_resume(self) -> None:
        """Coming to Flow: the URL field has the selected rule's request and the focus, so enter sends it."""
        bar = self.query_one(RequestBar)
        if not bar.url:
            bar.url = self.app.suggested_url()
        self.action_focus_url()

    def redraw(self, view: View | None) -> None:
        """A new snapshot or profile: the last request is routed again and redrawn (not re-sent)."""
        if view is None or self.decision is None:
            return
        if view.profile.front_end == "gateway":
            self._draw_gateway(view, self.decision.request, None)
            return
        self.decision = route(view.state, view.profile, self.decision.request)
        self.drawn = diagram_for(view.state, view.profile, self.decision, view.health)
        self.query_one("#request-flow", FlowDiagram).show(self.drawn.diagram)
        self.query_one(TraceTable).show(self.decision)

    def action_focus_url(self) -> None:
        self.query_one("#request-url").focus()

    @on(DataTable.RowHighlighted, "#trace-table")
    def _trace_row(self) -> None:
        """The highlighted candidate's whole reason, wrapped (the WHY column is often cut)."""
        entry = self.query_one(TraceTable).current()
        why = self.query_one("#trace-why", Static)
        if entry is None:
            why.update("")
            return
        where = f"  ({shown_location(entry.location)})" if entry.location else ""
        why.update(Text.assemble(("why: ", "bold"), entry.reason, (where, "dim")))

    def action_leave_input(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        self.query_one("#request-flow", FlowDiagram).focus()

    def action_zoom_flow(self) -> None:
        if self.maximized is not None:
            self.minimize()
        else:
            self.maximize(self.query_one("#request-flow", FlowDiagram), container=False)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def on_request_bar_send(self, message: RequestBar.Send) -> None:
        self.send(message.method, message.url, message.headers)

    def curl_line(self) -> str | None:
        """The request in the bar as a curl command against the embedded proxy's listener."""
        bar = self.query_one(RequestBar)
        if not bar.url:
            return None
        try:
            headers = bar.headers()
            request = Request.from_url(bar.url, bar.method, tuple(headers))
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return None
        target = self.app.listener_url(request)
        parts = ["curl", "-i"]
        if bar.method != "GET":
            parts += ["-X", bar.method]
        if target is not None:
            parts += ["-H", f"Host: {request.host}"]
            url = f"{target}{request.path}" + (f"?{request.query}" if request.query else "")
        else:
            url = request.url
        parts += [arg for name, value in headers if name.lower() != "host" for arg in ("-H", f"{name}: {value}")]
        parts.append(url)
        return shlex.join(parts)

    @work(exclusive=True, exit_on_error=False, group="request")
    async def send(self, method: str, url: str, headers: list[tuple[str, str]]) -> None:
        view: View | None = self.app.view
        if view is None:
            self.notify("the manifests are still loading", severity="warning")
            return
        try:
            request = Request.from_url(url, method, tuple(headers))
        except ValueError as exc:
            self.notify(str(exc), title="Request", severity="error")
            return
        summary: ResponseSummary | None = None
        port = self.app.traffic
        if port is not None:
            try:
                summary = await port.send(method, url, dict(headers))
            except Exception as exc:  # the proxy's failure is shown, never raised into the app
                self.notify(f"the request could not be sent through the proxy: {exc}", title="Request",
                            severity="error")
        if view.profile.front_end == "gateway":
            reached = self._draw_gateway(view, request, summary, details=False)
            if reached is not None:
                flow = self.query_one("#request-flow", FlowDiagram)
                for index in range(reached + 1):
                    flow.lit = index
                    await asyncio.sleep(hop_seconds(self.app, HOP_SECONDS))
                flow.lit = None
                flow.passed = reached
                self._gateway_details(summary)
                flow.focus()  # single keys (t, o, 1, c) work again; r goes back to the URL
            return
        # One request, one route: the proxy's answer carries its Decision (and its flow, when it made one).
        decision = summary.decision if summary is not None else None
        if decision is None:
            decision = route(view.state, view.profile, request)
        self.decision = decision
        self.drawn = diagram_for(view.state, view.profile, decision, view.health,
                                 summary.flow if summary is not None else None)
        flow = self.query_one("#request-flow", FlowDiagram)
        flow.show(self.drawn.diagram)
        reached = _reached(self.drawn, summary)
        for index in range(reached + 1):
            flow.lit = index
            await asyncio.sleep(hop_seconds(self.app, HOP_SECONDS))
        flow.lit = None
        flow.passed = reached
        self.query_one(TraceTable).show(self.decision)
        self.query_one("#response-body", Static).update(_response_text(self.decision, summary))
        flow.focus()  # single keys (t, o, 1, c) work again; r goes back to the URL


    def _draw_gateway(self, view: View, request: Request, summary: ResponseSummary | None,
                      details: bool = True) -> int | None:
        """Gateway API: the answer of `route_gateway` (the one the proxy applies), its flow, trace and response;
        the box the request got to, or None when no Gateway takes it."""
        from explorer.tui.gateway_flow import decision_diagram, route_request

        # One request, one route: the proxy's own answer when it answered this request, else routed here.
        sent = summary.gateway_decision if summary is not None else None
        decision = sent if sent is not None else route_request(view.state, request)
        flow = self.query_one("#request-flow", FlowDiagram)
        if isinstance(decision, str):
            self.decision = None
            flow.show(None)
            self.query_one(TraceTable).show(None)
            self.query_one("#response-body", Static).update(Text(decision, style="yellow"))
            return None
        self.decision = decision  # type: ignore[assignment]  # (a GatewayDecision: request, reason and trace alike)
        diagram = decision_diagram(view.state, decision, request, summary.answered_by if summary is not None else "")
        flow.show(diagram)
        if details:
            self._gateway_details(summary)
        if summary is not None and decision.outcome == "forward" and not summary.answered_by:
            return max(0, len(diagram.boxes) - 2)  # no Pod answered (a 502 or 503)
        return diagram.reached


    def _gateway_details(self, summary: ResponseSummary | None) -> None:
        self.query_one(TraceTable).show(self.decision)
        self.query_one("#response-body", Static).update(_response_text(self.decision, summary))


def _reached(drawn: DrawnFlow, summary: ResponseSummary | None) -> int:
    """The last box the request got to: the Pods when a Pod answered, else where the flow stops before them."""
    reached = drawn.diagram.reached
    pods = drawn.boxes_by_kind.get("pod")
    if summary is None or pods is None:
        return reached
    return pods if summary.answered_by else min(reached, pods - 1)


def _response_text(decision: Decision | None, summary: ResponseSummary | None) -> Group | Text:
    why = Text()
    if decision is not None:
        why.append("why: ", style="bold")
        why.append(decision.reason)
    if summary is None:
        head = Text("Not sent (the embedded proxy is not running): this is what routing decided.\n",
                    style="yellow")
        return Group(head, why)
    style = "green" if summary.status < 300 else "yellow" if summary.status < 400 else "bold red"
    head = Text()
    head.append(f"{summary.status} {summary.reason}", style=style)
    head.append(f"   {summary.elapsed_ms:.1f} ms   via {summary.sent_to}", style="dim")
    routed_by = summary.ingress if summary.ingress.startswith(("HTTPRoute ", "Gateway ")) else f"Ingress {summary.ingress}"
    who = Text(f"{routed_by} · backend {summary.backend} · Pod {summary.pod}")
    headers = Text("\n".join(f"{name}: {value}" for name, value in summary.headers), style="cyan")
    body = Text(summary.body or "(empty body)")
    return Group(head, who, why, Text(""), headers, Text(""), body)
