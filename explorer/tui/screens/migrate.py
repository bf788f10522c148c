"""Migrate mode: the Ingress and the Gateway API made from it side by side, one request through both, the proof.

What `ingress-explorer migrate` does, on the snapshot on screen: the Gateway
API manifests are made first, then the proof routes its probe requests
through both sides, all in a (daemon) thread, step by step
(`explorer.migrate.stepwise`), with its progress on screen; a large input
takes minutes, and the screen stays usable meanwhile. A new snapshot or a
controller switch starts again (the old proof is stopped at its next step).
Any request typed in the bar is routed through the Ingress on its controller
and through the Gateway made for the load balancer that answered, and both
traces are shown; the lines each side used are highlighted in its YAML.
`w` writes the files after asking where: never over the input, and into a
directory that is not empty only once the user has said so.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, DataTable, Header, Input, Select, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from explorer.tui.base import ExplorerApp
from explorer.tui.screens.forward import ForwardsListingsToExplore
from explorer.tui.widgets.command_bar import CommandBar
from explorer.tui.widgets.footer import KeysFooter
from explorer.tui.widgets.migration import (
    AnnotationsTable, DifferencesTable, GatewayTraceTable, GatewayYaml, IngressTraceTable, IngressYaml, YamlPane,
    difference_text,
)
from explorer.tui.widgets.request_bar import RequestBar

if TYPE_CHECKING:
    from explorer.migrate.proof import Difference, Result
    from explorer.model import ClusterState
    from explorer.routing import ControllerProfile
    from explorer.tui.services.migration import Both, Shown
    from explorer.tui.view import View

#: Narrower than this, the two sides are stacked instead of beside each other.
SIDE_BY_SIDE_WIDTH = 100
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class RouteBar(RequestBar):
    """The Flow mode's request bar; here enter routes the request through both sides (nothing is sent)."""

    HELP = """\
## Request bar

Type a URL as a user would (`http://foo-bar.com/foo`): its host is the Host
header. Add headers as `Name: value; Other: value`. **enter** routes it
through the Ingress on its controller and through the generated Gateway API;
both answers and both traces are shown, and the lines each side used are
highlighted in its YAML (**m**).
"""

    def on_mount(self) -> None:
        send = self.query_one("#request-send", Button)
        send.label = "Route"
        send.tooltip = "Route through the Ingress and through the Gateway API (enter)"

    def set_request(self, method: str, url: str, headers: dict[str, str]) -> None:
        self.query_one("#request-method", Select).value = method
        self.url = url
        self.query_one("#request-headers", Input).value = "; ".join(f"{k}: {v}" for k, v in headers.items())


class TraceSide(Vertical):
    """One side's answer and trace: zoomed (z) as one panel."""

    ALLOW_MAXIMIZE = True


class MigrateScreen(ForwardsListingsToExplore):
    app = getters.app(ExplorerApp)

    HELP = """\
## Migrate to Gateway API

The Ingresses on screen converted to Gateway API (Gateway, HTTPRoutes,
ReferenceGrants), as `ingress-explorer migrate` writes them, and the proof:
probe requests routed through both sides, every difference listed with its
cause. Type a request to see both answers and both traces. **w** writes the
files (it asks where first).
"""

    DEFAULT_CSS = """
    MigrateScreen #migrate-status {
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    MigrateScreen #migrate-answer {
        height: auto;
        max-height: 3;
        padding: 0 1;
    }
    MigrateScreen #migrate-tabs {
        height: 1fr;
    }
    MigrateScreen #migrate-tabs TabPane {
        padding: 0;
    }
    MigrateScreen .pair {
        height: 1fr;
    }
    MigrateScreen .pair > * {
        width: 1fr;
        height: 1fr;
    }
    MigrateScreen .pair > YamlPane:first-child, MigrateScreen .pair > .side:first-child {
        border-right: vkey $panel;
    }
    MigrateScreen.-narrow .pair {
        layout: vertical;
    }
    MigrateScreen.-narrow .pair > YamlPane:first-child, MigrateScreen.-narrow .pair > .side:first-child {
        border-right: none;
    }
    MigrateScreen .side > .panel-title {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    MigrateScreen .side-why {
        height: auto;
        max-height: 3;
        padding: 0 1;
        background: $boost;
    }
    MigrateScreen.-narrow .side-why, MigrateScreen.-narrow #difference-detail {
        max-height: 2;
    }
    MigrateScreen .side > FixedWidthTable {
        height: 1fr;
    }
    MigrateScreen #differences-table {
        height: 1fr;
    }
    MigrateScreen #difference-detail {
        height: auto;
        max-height: 6;
        padding: 0 1;
        background: $boost;
    }
    MigrateScreen #annotations-table {
        height: 1fr;
    }
    """

    BINDINGS = [
        Binding("r", "focus_url", "Request", id="migrate.request",
                tooltip="Type a URL and route it through the Ingress and the Gateway API (enter)"),
        Binding("w", "write", "Write", id="migrate.write",
                tooltip="Write the Gateway API manifests into a directory (asks which first; never over the input)"),
        Binding("d", "tab('differences')", "Differences", id="migrate.differences",
                tooltip="The requests the proof found answered differently (enter routes one)"),
        Binding("m", "tab('manifests')", "Manifests", id="migrate.manifests", show=False,
                tooltip="The Ingress YAML and the Gateway API YAML side by side"),
        Binding("t", "tab('traces')", "Traces", id="migrate.traces", show=False,
                tooltip="Both decision traces of the request, side by side"),
        Binding("a", "tab('annotations')", "Annotations", id="migrate.annotations", show=False,
                tooltip="Every annotation and how it was carried over (or why not)"),
        Binding("z", "zoom", "Zoom", id="migrate.zoom",
                tooltip="The focused panel (a YAML, a trace, the differences) on the whole screen; z or esc: back"),
        Binding("escape", "leave_input", "Leave", id="migrate.leave", show=False,
                tooltip="Leave the request bar so single keys work again"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.result: Result | None = None  # the migration of `basis` (its proof fills in step by step)
        self.basis: tuple[ClusterState, ControllerProfile] | None = None
        self.proving = False
        self.proof_done = False
        self.both: Both | None = None
        self.differences: list[Difference] = []
        self.probes = 0
        self._step = ""
        self._started = 0.0
        self._spin = 0
        self._timer: Timer | None = None
        self._pending: tuple[str, str, list[tuple[str, str]]] | None = None  # a request typed before it was ready
        self._cancel: threading.Event | None = None  # set: the running migration stops at its next step
        self._thread: threading.Thread | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield RouteBar(id="request-bar")
        yield Static("", id="migrate-status")
        yield Static("", id="migrate-answer")
        with TabbedContent(id="migrate-tabs", initial="manifests"):
            with TabPane("Manifests", id="manifests"):
                with Horizontal(classes="pair"):
                    yield IngressYaml("Ingress", id="yaml-ingress")
                    yield GatewayYaml("Gateway API", id="yaml-gateway")
            with TabPane("Traces", id="traces"):
                with Horizontal(classes="pair"):
                    with TraceSide(classes="side"):
                        yield Static("Ingress", id="trace-ingress-title", classes="panel-title")
                        yield IngressTraceTable(id="trace-ingress")
                        yield Static("", id="trace-ingress-why", classes="side-why")
                    with TraceSide(classes="side"):
                        yield Static("Gateway API", id="trace-gateway-title", classes="panel-title")
                        yield GatewayTraceTable(id="trace-gateway")
                        yield Static("", id="trace-gateway-why", classes="side-why")
            with TabPane("Differences", id="differences"):
                yield DifferencesTable(id="differences-table")
                yield Static("", id="difference-detail")
            with TabPane("Annotations", id="annotations"):
                yield AnnotationsTable(id="annotations-table")
        yield CommandBar(lambda: tuple(self.app.profiles), id="command-bar")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "view", self._view_changed)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < SIDE_BY_SIDE_WIDTH, "-narrow")

    def on_screen_resume(self) -> None:
        bar = self.query_one(RouteBar)
        if not bar.url:
            bar.url = self.app.suggested_url()
        view = self.app.view
        if view is not None and not self._is_basis(view):
            self._start(view)
        elif view is None:
            self._status(Text("the manifests are still loading; the migration starts once they are read", "yellow"))
        self.action_leave_input()  # the bar's request is routed by itself: single keys work at once, r types another

    # ------------------------------------------------------------ the migration and its proof

    def _is_basis(self, view: View) -> bool:
        return self.basis is not None and self.basis[0] is view.state and self.basis[1] is view.profile

    def _view_changed(self, view: View | None) -> None:
        """A new snapshot or controller (not new health): made again, now if this screen is shown, else on return."""
        if view is not None and not self._is_basis(view) and self.is_current:
            self._start(view)

    def _start(self, view: View) -> None:
        self.basis = (view.state, view.profile)
        self.result, self.both, self.differences, self.probes = None, None, [], 0
        self.proving, self.proof_done = True, False
        self._started = time.monotonic()
        self._step = f"converting {len(view.state.ingresses):,} Ingresses ({view.profile.title}) to Gateway API"
        if self._timer is None:
            self._timer = self.set_interval(0.25, self._tick)
        self._tick()
        self.query_one(DifferencesTable).show([])
        self.query_one("#difference-detail", Static).update("")
        self._tab_titles()
        self._migrate(view.state, view.profile)

    def _migrate(self, state: ClusterState, profile: ControllerProfile) -> None:
        """Start the migration in a daemon thread; the one before it is told to stop at its next step.

        Not a Textual thread worker: those are joined when the app ends, and a
        proof of 2,000 Ingresses on one shared Gateway runs for minutes, so `q`
        would leave a blank terminal until it ended (the state pipeline's
        threads are daemons for the same reason).
        """
        if self._cancel is not None:
            self._cancel.set()
        cancel = self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(state, profile, cancel),
                                        name="ingress-explorer migrate", daemon=True)
        self._thread.start()

    def _run(self, state: ClusterState, profile: ControllerProfile, cancel: threading.Event) -> None:
        """Convert, load back, compile the Gateway side, then prove part by part (stopped when `cancel` is set)."""
        from explorer.migrate.stepwise import converted, prove_stepwise
        from explorer.routing.gateway import routing_for

        basis = (state, profile)
        try:
            if not state.ingresses:
                self._tell(self._nothing, basis)
                return
            result = converted(state, profile)
            self._tell(self._progress, basis, "compiling the Gateway API side")
            routing_for(result.generated)
            if cancel.is_set():
                return
            self._tell(self._converted, basis, result)

            def step(done: int, total: int, proof: Any) -> bool:
                if cancel.is_set():
                    return False
                self._tell(self._proved_part, basis, done, total, proof.probes, list(proof.differences))
                return True

            self._tell(self._progress, basis, "proving: routing probe requests through both sides")
            proof = prove_stepwise(state, profile, result.migration, result.generated, step)
            if not cancel.is_set():
                self._tell(self._proved, basis, proof.probes, list(proof.differences))
        except Exception as exc:  # a toast and the status line, never a traceback
            if not cancel.is_set():
                self._tell(self._failed, basis, exc)

    def on_unmount(self) -> None:
        """The app ends: a proof still running is abandoned, and frozen out of the exit's garbage collections.

        As the state pipeline does: the interpreter's last collections walk every
        object the abandoned proof holds (both route tables, every probe), for seconds.
        """
        if self._cancel is not None:
            self._cancel.set()
        if self._thread is not None and self._thread.is_alive():
            gc.freeze()

    def _tell(self, callback: Any, *args: Any) -> None:
        """From the worker thread: run `callback` on the event loop (dropped once the app has stopped)."""
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:
            pass

    def _current(self, basis: tuple[ClusterState, ControllerProfile]) -> bool:
        return self.basis is not None and self.basis[0] is basis[0] and self.basis[1] is basis[1]

    def _progress(self, basis: tuple[ClusterState, ControllerProfile], text: str) -> None:
        if self._current(basis):
            self._step = text
            self._tick()

    def _nothing(self, basis: tuple[ClusterState, ControllerProfile]) -> None:
        if not self._current(basis):
            return
        self._stop_timer()
        self.proving = False
        self._status(Text("nothing to migrate: no Ingress in what is open (open Ingress manifests with -f)",
                          "yellow"))
        for pane in self.query(YamlPane):
            pane.show(pane.title, None, "no Ingress")

    def _converted(self, basis: tuple[ClusterState, ControllerProfile], result: Result) -> None:
        """The Gateway API side is made: show both YAMLs and the annotations; route what is in the bar."""
        if not self._current(basis):
            return
        self.result = result
        m = result.migration
        self.query_one(AnnotationsTable).show(m.annotations, m.notes)
        self._tab_titles()
        if self._pending is not None:
            method, url, headers = self._pending
            self._pending = None
            self._route(method, url, headers)
        else:
            bar = self.query_one(RouteBar)
            if bar.url:
                try:
                    headers = bar.headers()
                except ValueError:
                    headers = []
                self._route(bar.method, bar.url, headers)
            else:
                self._show_yaml(None)

    def _proved_part(self, basis: tuple[ClusterState, ControllerProfile], done: int, total: int, probes: int,
                     differences: list[Difference]) -> None:
        if not self._current(basis):
            return
        self._step = f"proving: part {done} of {total}, {probes:,} probes routed through both sides"
        self.probes = probes
        if len(differences) != len(self.differences):
            self.differences = differences
            self.query_one(DifferencesTable).show(differences)
            self._tab_titles()
            self._detail()
        self._tick()

    def _proved(self, basis: tuple[ClusterState, ControllerProfile], probes: int,
                differences: list[Difference]) -> None:
        if not self._current(basis):
            return
        self.probes, self.differences = probes, differences
        self.proving, self.proof_done = False, True
        self._stop_timer()
        self.query_one(DifferencesTable).show(differences)
        self._tab_titles()
        self._detail()
        self._status(self._summary())

    def _failed(self, basis: tuple[ClusterState, ControllerProfile], error: Exception) -> None:
        if not self._current(basis):
            return
        self.proving = False
        self._stop_timer()
        self._status(Text(f"the migration failed: {error}", "bold red"))
        self.notify(str(error), title="Migrate failed", severity="error", timeout=10)

    def _tick(self) -> None:
        if not self.proving:
            return
        self._spin = (self._spin + 1) % len(SPINNER)
        seconds = time.monotonic() - self._started
        found = f" · {len(self.differences):,} differences so far" if self.differences else ""
        self._status(Text.assemble((f"{SPINNER[self._spin]} ", "bold cyan"), self._step,
                                   (f" ({seconds:.0f} s){found}", "dim")))

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _status(self, text: Text | str) -> None:
        self.query_one("#migrate-status", Static).update(text)

    def _summary(self) -> Text:
        result, basis = self.result, self.basis
        if result is None or basis is None:
            return Text("")
        m = result.migration
        lost = sum(1 for a in m.annotations if a.handling != "converted")
        if not m.gateways:
            return Text(f"nothing converted: {basis[1].title} serves none of the {len(basis[0].ingresses):,} "
                        "Ingresses, so there is nothing to prove (a lists why)", "yellow")
        verdict = (Text("equivalent", "bold green") if not self.differences
                   else Text(_n(len(self.differences), "difference"), "bold red"))
        return Text.assemble(
            f"{basis[1].title} → Gateway API: {_n(len(m.gateways), 'Gateway')}, {_n(len(result.files), 'file')} · "
            f"{_n(self.probes, 'probe')}: ", verdict,
            (f" · {_n(lost, 'annotation')} not carried over" if lost else ""),
            (f" · {_n(len(m.notes), 'note')} on what is left out (a)" if m.notes else ""))

    def _tab_titles(self) -> None:
        tabs = self.query_one(TabbedContent)
        proving = "…" if self.proving else ""
        tabs.get_tab("differences").label = f"Differences ({len(self.differences):,}{proving})"
        if self.result is not None:
            lost = sum(1 for a in self.result.migration.annotations if a.handling != "converted")
            tabs.get_tab("annotations").label = f"Annotations ({lost} not converted)" if lost else "Annotations"

    # ------------------------------------------------------------ one request through both sides

    def on_request_bar_send(self, message: RequestBar.Send) -> None:
        """enter in the bar: route it, and leave the bar (as Flow does) so single keys work again; r comes back."""
        message.stop()
        self._route(message.method, message.url, message.headers)
        self.action_leave_input()

    def _route(self, method: str, url: str, headers: list[tuple[str, str]]) -> None:
        from explorer.routing import Request

        try:
            request = Request.from_url(url, method, tuple(headers))
        except ValueError as exc:
            self.notify(str(exc), title="Request", severity="error")
            return
        if self.result is None or self.basis is None:
            self._pending = (method, url, headers)
            self.notify("the Gateway API side is still being made: the request is routed as soon as it is",
                        title="Migrate")
            return
        self._route_both(self.basis, self.result, request)

    @work(thread=True, exclusive=True, exit_on_error=False, group="migrate-route", description="route through both")
    def _route_both(self, basis: tuple[ClusterState, ControllerProfile], result: Result, request: Any) -> None:
        """Route and explain in a thread (a trace over 10,000 paths takes a while); shown on the event loop."""
        from explorer.tui.services.migration import (
            after_lines, before_lines, generated_sections, ingress_sections, route_both,
        )

        state, profile = basis
        both = route_both(state, profile, result, request)
        _explained = (both.before.trace, both.after.trace if both.after is not None else [])  # (here, not on the loop)
        ingress = ingress_sections(state, self.app.workspace.text_of, before_lines(both.before))
        gateway = generated_sections(result.files, after_lines(both.after))
        if not get_current_worker().is_cancelled:
            self._tell(self._show_both, basis, both, ingress, gateway)

    def _show_both(self, basis: tuple[ClusterState, ControllerProfile], both: Both, ingress: Shown,
                   gateway: Shown) -> None:
        if not self._current(basis):
            return
        from explorer.tui.services.migration import outcome_text

        self.both = both
        profile = basis[1]
        r = both.request
        before, after = outcome_text(both.before_outcome), outcome_text(both.after_outcome)
        mark = Text("✔ same answer", "bold green") if both.same else Text("✘ they differ", "bold red")
        self.query_one("#migrate-answer", Static).update(Text.assemble(
            mark, (f"  {r.method} {r.url}\n", "bold"), ("Ingress: ", "bold"), before, "   ",
            ("Gateway API: ", "bold"), (after, "" if both.same else "red")))
        self.query_one("#trace-ingress-title", Static).update(
            Text(f"{profile.title}: {before}", no_wrap=True, overflow="ellipsis"))
        self.query_one(IngressTraceTable).show(both.before)
        where = f"Gateway {both.gateway}" if both.gateway else "Gateway API"
        self.query_one("#trace-gateway-title", Static).update(
            Text(f"{where}: {after}", no_wrap=True, overflow="ellipsis"))
        self.query_one(GatewayTraceTable).show(both.after, both.after_why)
        self._trace_why()
        self._show_yaml((ingress, gateway))

    def _show_yaml(self, shown: tuple[Shown, Shown] | None) -> None:
        result = self.result
        if result is None:
            return
        if shown is None:
            from explorer.tui.services.migration import generated_sections, ingress_sections

            state = self.basis[0] if self.basis is not None else None
            if state is None:
                return
            shown = (ingress_sections(state, self.app.workspace.text_of, set()),
                     generated_sections(result.files, set()))
        ingress, gateway = shown
        count = len(self.basis[0].ingresses) if self.basis is not None else 0
        self.query_one("#yaml-ingress", YamlPane).show(f"Ingress ({count:,}, as read)", ingress, "no Ingress")
        names = ", ".join(result.files) or "nothing"
        self.query_one("#yaml-gateway", YamlPane).show(f"Gateway API (to write: {names})", gateway,
                                                       "nothing converted: see Annotations (a)")

    @on(DataTable.RowHighlighted, "#trace-ingress, #trace-gateway")
    def _trace_why(self) -> None:
        """Under each trace: the highlighted entry's whole reason (the WHY column is cut on half a screen)."""
        self.query_one("#trace-ingress-why", Static).update(self.query_one(IngressTraceTable).current_why())
        self.query_one("#trace-gateway-why", Static).update(self.query_one(GatewayTraceTable).current_why())

    # ------------------------------------------------------------ differences

    @on(DataTable.RowHighlighted, "#differences-table")
    def _detail(self) -> None:
        d = self.query_one(DifferencesTable).current()
        detail = self.query_one("#difference-detail", Static)
        if d is None:
            detail.update(Text("The proof found no difference so far." if self.differences == [] else "",
                               "green" if self.proof_done else "dim"))
            return
        detail.update(difference_text(d))

    @on(DataTable.RowSelected, "#differences-table")
    def _route_difference(self) -> None:
        """enter on a difference: that request, in the bar and through both sides, with both traces."""
        d = self.query_one(DifferencesTable).current()
        if d is None:
            return
        self.query_one(RouteBar).set_request(d.method, d.url, d.headers)
        self._route(d.method, d.url, list(d.headers.items()))
        self.action_tab("traces")

    # ------------------------------------------------------------ keys

    def action_focus_url(self) -> None:
        self.query_one("#request-url").focus()

    def action_zoom(self) -> None:
        """The focused panel on the whole screen: a YAML, one side's trace (with its title), the differences."""
        if self.maximized is not None:
            self.minimize()
            return
        for node in self.focused.ancestors_with_self if self.focused is not None else ():
            if isinstance(node, (YamlPane, TraceSide, DifferencesTable, AnnotationsTable)):
                self.maximize(node, container=False)
                return

    def action_leave_input(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        self.action_tab(self.query_one(TabbedContent).active or "manifests")

    def action_tab(self, tab: str) -> None:
        """Show a tab and put the focus in it, so its keys (and the single-letter keys here) work."""
        self.query_one(TabbedContent).active = tab
        focus = {"differences": "#differences-table", "traces": "#trace-ingress", "annotations": "#annotations-table",
                 "manifests": "#yaml-ingress .yaml-scroll"}
        self.query_one(focus.get(tab, "#yaml-ingress .yaml-scroll")).focus()

    @work(exclusive=True, exit_on_error=False, group="migrate-write")
    async def action_write(self) -> None:
        """Ask where (a new folder next to the input by default), then write; the toast says the full paths."""
        from explorer.tui.services.migration import default_output_dir, write_files

        result = self.result
        if result is None:
            self.notify("the Gateway API manifests are still being made", title="Write", severity="warning")
            return
        if not result.files:
            self.notify("nothing to write: no Ingress was converted (see Annotations, a)", title="Write",
                        severity="warning")
            return
        sources = list(self.app.workspace.sources)
        if self.proving:
            proof = f"The proof is still running ({len(self.differences):,} difference(s) so far)."
        elif self.differences:
            proof = (f"The proof found {len(self.differences):,} difference(s) (d lists them): the files are "
                     "written as they are.")
        else:
            proof = f"The proof found no difference in {self.probes:,} probes."
        path = await self.app.push_screen_wait(
            WriteScreen(default_output_dir(sources), list(result.files), sources, proof))
        if path is None:
            return
        try:
            written = await asyncio.to_thread(write_files, path, result.files)
        except OSError as exc:
            self.notify(f"could not write into {path}: {exc.strerror or exc}", title="Write", severity="error",
                        timeout=10)
            return
        self.notify("\n".join(str(path.absolute() / p.name) for p in written),
                    title=f"Gateway API written into {path.absolute()}", timeout=12)


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


class WriteScreen(ModalScreen[Path | None]):
    """Where to write the Gateway API files: a directory, checked before anything is written."""

    DEFAULT_CSS = """
    WriteScreen {
        align: center middle;
    }
    WriteScreen #write-box {
        width: 90%;
        max-width: 100;
    }
    WriteScreen #write-problem {
        height: auto;
        color: $text-error;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="write.cancel", tooltip="Close without writing anything")]

    def __init__(self, default: Path, names: list[str], sources: list[str], proof: str) -> None:
        super().__init__()
        self.default, self.names, self.sources, self.proof = default, names, sources, proof

    def compose(self) -> ComposeResult:
        files = ", ".join(self.names)
        with Vertical(id="write-box", classes="dialog"):
            yield Static(Text.assemble(("Write the Gateway API manifests", "bold"),
                                       f"\n{len(self.names)} file(s): {files}\n{self.proof}\n\nInto the directory "
                                       "(made if new; never the input):"), id="write-question")
            yield Input(str(self.default), id="write-dir", tooltip="A new or empty directory, outside the input")
            yield Static("", id="write-problem")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Write (enter)", id="write-yes", variant="warning")
                yield Button("Cancel (esc)", id="write-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#write-dir", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._check(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "write-yes":
            self._check(self.query_one("#write-dir", Input).value)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, exit_on_error=False, group="write-check")
    async def _check(self, text: str) -> None:
        from explorer.tui.screens.dialogs import ConfirmScreen
        from explorer.tui.services.migration import check_output_dir

        check = check_output_dir(text, self.sources, self.names)
        problem = self.query_one("#write-problem", Static)
        if check.error:
            problem.update(check.error)
            return
        problem.update("")
        if check.entries:
            clash = [n for n in self.names if (check.path / n).exists()]
            replaced = f" {', '.join(clash)} there would be replaced." if clash else ""
            if not await self.app.push_screen_wait(ConfirmScreen(
                    f"{check.path} is not empty ({check.entries} entr{'ies' if check.entries != 1 else 'y'})."
                    f"{replaced} Write into it anyway?", "Write", "Back")):
                problem.update(f"{check.path} is not empty: choose a new directory, or confirm")
                return
        self.dismiss(check.path)
