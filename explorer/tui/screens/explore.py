"""Explore mode: the resource table on top, the selected row's flow, manifest, findings and events below."""

from __future__ import annotations

import bisect
import re
import time
from array import array
from typing import TYPE_CHECKING, Any, Callable

from textual import events, on
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Static

from explorer.model import ClusterState
from explorer.model.redact import redact_text
from explorer.model.objects import Secret, Service
from explorer.tui.widgets.resources import KIND_TITLE, Kind, ResourceTable, Scope
from explorer.tui.base import ExplorerApp
from explorer.tui.widgets.footer import KeysFooter

if TYPE_CHECKING:  # the panels below the table: imported with them, after the first frame (_mount_rest)
    from textual.widgets import TabbedContent

    from explorer.topology import IngressRow, PodView
    from explorer.tui.view import View
    from explorer.tui.widgets.command_bar import SetNamespace, ShowKind
    from explorer.tui.widgets.findings import FindingsTable

#: Seconds the filter waits after the last key before it refills the table.
FILTER_DELAY = 0.15
#: While loading, the title turns a spinner and counts seconds, so a long load is seen to be alive.
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
SPINNER_SECONDS = 0.25


class ExploreScreen(Screen):
    app = getters.app(ExplorerApp)

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="explore.filter", tooltip="Filter the table by any text in its rows"),
        Binding("escape", "back", "Back", id="explore.back",
                tooltip="Clear the filter, or go back up from a drill-down (Pods → Service → rule)"),
        Binding("z", "zoom_flow", "Zoom", id="explore.zoom",
                tooltip="The flow diagram on the whole screen; z or esc comes back"),
        Binding("m", "tab('manifest')", "Manifest", id="explore.manifest", show=False,
                tooltip="Show the YAML of the selected object"),
        Binding("f", "tab('flow')", "Flow", id="explore.flow-tab", show=False,
                tooltip="Show the flow diagram of the selected rule"),
        Binding("x", "tab('findings')", "Findings", id="explore.findings", show=False,
                tooltip="Show what is wrong in the manifests"),
        Binding("v", "tab('events')", "Events", id="explore.events", show=False,
                tooltip="Show controller and proxy events"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.back_stack: list[tuple[Kind, Scope | None, int]] = []
        self._documents = _Documents()
        self._filter_timer: Timer | None = None
        self._loading_timer: Timer | None = None
        self._loading_since = 0.0
        self.ready = False  # the panels below the table are mounted (after the first frame)
        self._drawn_profile: str | None = None  # the profile of the last view drawn (a switch picks the kind)
        self._rest_scheduled = False

    def compose(self) -> ComposeResult:
        """The first frame: the title, the table and the keys; the rest is mounted after it (`_mount_rest`).

        Every widget class adds its CSS to parse and apply: the tabs, the inputs
        and the panels below the table, which the first frame does not need, made
        it 1.3 s later than a bare app's.
        """
        yield Header()
        with Vertical(id="explore-top"):
            yield Static("Loading manifests…", id="table-title", classes="panel-title")
            yield ResourceTable(id="resources")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "view", self.redraw)
        self.watch(self.app, "loading", self._loading_changed)
        self.query_one(ResourceTable).focus()
        first = self.app.first_snapshot
        if first is not None and self.app.view is None:
            self.show_first(first.state)


    def first_frame_shown(self) -> None:
        """The app's first frame is on the terminal (Textual's Ready): the rest of this screen follows it."""
        if not self.ready and not self._rest_scheduled:
            self._rest_scheduled = True
            self.call_later(self._mount_rest)

    async def _mount_rest(self) -> None:
        """The filter, the detail tabs and the command bar, after the first frame; then the view is drawn."""
        from textual.widgets import TabbedContent, TabPane  # (about 5 ms to import, the tabs' CSS: not for the first frame)

        from explorer.tui.widgets.command_bar import CommandBar
        from explorer.tui.widgets.findings import FindingsTable
        from explorer.tui.widgets.flow import FlowDiagram
        from explorer.tui.widgets.manifest import ManifestView

        footer = self.query_one(KeysFooter)
        await self.query_one("#explore-top").mount(Input(placeholder="filter rows (esc clears)", id="filter"),
                                                   before=self.table)
        details = TabbedContent(id="details", initial="flow")
        for pane in (TabPane("Flow", VerticalScroll(FlowDiagram(id="explore-flow"), id="explore-flow-wrap"),
                             id="flow"),  # (scrolls: at 80x24 the second row of boxes would be cut)
                     TabPane("Manifest", ManifestView(id="manifest-view"), id="manifest"),
                     TabPane("Findings", FindingsTable(id="findings-table"), Static("", id="finding-detail"),
                             id="findings"),
                     TabPane("Events", Vertical(id="events-pane"), id="events")):  # its log: mounted with the view
            details.compose_add_child(pane)  # (what `with TabbedContent():` does in compose)
        await self.mount(details, CommandBar(lambda: tuple(self.app.profiles), id="command-bar"), before=footer)
        self.ready = True
        self.app.first_frame_done()
        if self.app.view is not None:
            self.redraw(self.app.view)

    def on_resize(self, event: events.Resize) -> None:
        """The table takes at most 40% of the screen, the flow and manifest below it the rest."""
        self.table.styles.max_height = max(3, event.size.height * 2 // 5)

    # ------------------------------------------------------------ the title, and progress while loading

    def _loading_changed(self, loading: str) -> None:
        if loading and self._loading_timer is None:
            self._loading_since = time.monotonic()
            self._loading_timer = self.set_interval(SPINNER_SECONDS, self.show_title)
        elif not loading and self._loading_timer is not None:
            self._loading_timer.stop()
            self._loading_timer = None
        self.show_title()

    def show_title(self) -> None:
        """The table's title; while the state worker works, what it is doing and for how long."""
        table = self.table
        title = table.title if self.app.view is not None or table.items else KIND_TITLE[table.kind]
        loading: str = self.app.loading
        if loading:
            seconds = time.monotonic() - self._loading_since
            spinner = SPINNER[int(seconds / SPINNER_SECONDS) % len(SPINNER)]
            title += f" · {spinner} {loading}… {seconds:.0f} s"
        self.query_one("#table-title", Static).update(title)

    @property
    def table(self) -> ResourceTable:
        return self.query_one(ResourceTable)

    def _findings(self) -> FindingsTable:
        """The Findings tab's table (mounted after the first frame)."""
        from explorer.tui.widgets.findings import FindingsTable

        return self.query_one(FindingsTable)

    @property
    def details(self) -> TabbedContent:
        """The tabs below the table (mounted after the first frame)."""
        from textual.widgets import TabbedContent

        return self.query_one("#details", TabbedContent)

    def show_first(self, state: ClusterState) -> None:
        """The first snapshot's rules as written, while the view that resolves them is made."""
        self.table.show_first(state)
        self.show_title()

    def redraw(self, view: View | None) -> None:
        """A new snapshot or profile: every panel is drawn again from it.

        New health for the same snapshot only redraws the rows it changed (and
        the diagram, when the highlighted row is one of them).
        """
        table = self.table
        if view is None or not self.ready:
            return  # (the first rows stay; _mount_rest draws the view once the panels exist)
        if not self.query("#events-log"):
            from explorer.tui.widgets.events_log import EventsLog  # (RichLog: not needed for the first frame)

            self.query_one("#events-pane").mount(EventsLog(id="events-log"))
        if view is not None:
            redrawn = table.patch(view)
            if redrawn is not None:
                if table.cursor_row in redrawn:
                    self.follow_cursor()
                return
        kind = self._kind_for(view)
        table.show(view, kind, None if kind is not None else False)
        self.show_title()
        if view is not None:
            self._findings().show(view.findings)
            self._finding_highlighted()  # the detail follows the new findings (after c, the other controller's)
            count = len(view.findings)
            self.details.get_tab("findings").label = f"Findings ({count})" if count else "Findings"
        self.follow_cursor()

    def _kind_for(self, view: View) -> Kind | None:
        """A new controller (or the first view): Gateway API's listeners for the gateway controller, or where
        there are Gateways and no Ingress; back to Ingresses when leaving it. None: keep what is listed."""
        before, self._drawn_profile = self._drawn_profile, view.profile.name
        if before == view.profile.name:
            return None
        self.back_stack.clear()
        gateways = bool(view.state.gateways)
        if gateways and (view.profile.front_end == "gateway" or (before is None and not view.state.ingresses)):
            return "gtw"
        if self.table.kind in ("gtw", "httproute") and before == "gateway" and view.state.ingresses:
            return "ing"
        return None

    # ------------------------------------------------------------ following the cursor

    @on(DataTable.RowHighlighted, "#resources")
    def _highlighted(self) -> None:
        self.follow_cursor()

    def follow_cursor(self) -> None:
        if not self.ready:
            return
        view: View | None = self.app.view
        item = self.table.current_item()
        from explorer.tui.widgets.flow import FlowDiagram

        flow = self.query_one("#explore-flow", FlowDiagram)
        if view is None or item is None:
            flow.show(None)
            return
        from explorer.export.flowboxes import diagram_for_row  # (after the first frame: a view exists)
        from explorer.topology import IngressRow

        if isinstance(item, IngressRow):
            flow.show(diagram_for_row(view.profile, item).diagram)
        else:
            from explorer.tui.gateway_flow import row_diagram

            gateway_flow = row_diagram(view.state, item)
            if gateway_flow is not None:
                flow.show(gateway_flow)
        self.show_manifest(view, item)

    def show_manifest(self, view: View, item: Any, line: int | None = None) -> None:
        from explorer.topology import IngressRow

        obj = view.object_of(item)
        if obj is None:
            return
        from explorer.tui.gateway_rows import GatewayRow, RouteRow

        row_line = item.location.line if isinstance(item, (IngressRow, GatewayRow, RouteRow)) and item.location \
            else None
        here = line or row_line or obj.meta.location.line
        file = obj.meta.location.file
        first = obj.meta.location.line or 1
        last = self._documents.end(view, file, first)
        from explorer.tui.widgets.manifest import ManifestView, Mark

        marks = [Mark(here, "here", "")]
        marks += [Mark(f.location.line, f.severity, f"{f.code} {f.message}") for f in view.findings
                  if f.location.file == file and first <= f.location.line <= (last or 10**9)]
        text = self.app.workspace.text_of(file)
        document = self._documents.lines(view, file, text, first, last) if text is not None else None
        self.query_one(ManifestView).show(file, document, first, marks)

    # ------------------------------------------------------------ drill down and back

    @on(DataTable.RowSelected, "#resources")
    def _drill(self) -> None:
        view: View | None = self.app.view
        item = self.table.current_item()
        if view is None or item is None:
            return
        from explorer.topology import IngressRow, PodView

        if isinstance(item, IngressRow):
            ingress = view.ingress_of(item)
            name = item.backend.rpartition(":")[0]
            service = view.state.service(ingress.meta.namespace, name) if ingress is not None else None
            if service is None:
                self.notify(f"{item.backend} names no Service that exists, so there is nothing behind it",
                            severity="warning")
                return
            self._push(view, "svc", Scope(f"backend of {item.host or '*'}{item.path}",
                                          _is(service)))
        elif isinstance(item, Service):
            service = item
            keys = {pod.key for pod in view.pods_of(service)}
            self._push(view, "pod", Scope(f"selected by Service {service.meta.name}",
                                          _key_in(keys)))
        elif isinstance(item, PodView):
            self.details.active = "manifest"
        else:
            from explorer.tui.gateway_flow import drill

            step = drill(view.state, item)
            if step is None:
                return
            kind, label, keep, empty = step
            if empty:
                self.notify(empty, severity="warning")
                return
            self._push(view, kind, Scope(label, keep))
        self.show_title()

    def _push(self, view: View, kind: Kind, scope: Scope) -> None:
        table = self.table
        self.back_stack.append((table.kind, table.scope, table.cursor_row))
        table.show(view, kind, scope)
        self.follow_cursor()

    def action_zoom_flow(self) -> None:
        if not self.ready:
            return
        if self.maximized is not None:
            self.minimize()
            return
        from explorer.tui.widgets.flow import FlowDiagram

        self.details.active = "flow"
        self.maximize(self.query_one("#explore-flow", FlowDiagram), container=False)

    def action_back(self) -> None:
        if not self.ready:
            return
        if self.maximized is not None:
            self.minimize()
            return
        filter_input = self.query_one("#filter", Input)
        table = self.table
        if filter_input.has_class("-open") or table.filter_text:
            filter_input.value = ""
            filter_input.remove_class("-open")
            table.filter_text = ""
        elif self.back_stack:
            kind, scope, row = self.back_stack.pop()
            table.show(self.app.view, kind, scope)
            table.move_cursor(row=row)
        else:
            return
        table.show(self.app.view)
        table.focus()
        self.show_title()
        self.follow_cursor()

    # ------------------------------------------------------------ filter, kinds, tabs

    def action_filter(self) -> None:
        if not self.ready:
            return
        filter_input = self.query_one("#filter", Input)
        filter_input.add_class("-open")
        filter_input.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        """Filter once typing pauses: each refill of 10,000 rows would otherwise lag behind the keys."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, self._apply_filter)

    def _apply_filter(self) -> None:
        self._filter_timer = None
        table = self.table
        text = self.query_one("#filter", Input).value.strip()
        if text == table.filter_text:
            return  # escape cleared it already
        table.filter_text = text
        table.show(self.app.view)
        self.show_title()
        self.follow_cursor()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.table.focus()

    def action_tab(self, tab: str) -> None:
        if not self.ready:
            return
        self.details.active = tab

    def on_show_kind(self, message: ShowKind) -> None:
        self.back_stack.clear()
        self.table.show(self.app.view, message.kind, None)
        self.show_title()
        self.table.focus()
        self.follow_cursor()

    def on_set_namespace(self, message: SetNamespace) -> None:
        self.table.namespace = message.name
        self.table.show(self.app.view)
        self.show_title()
        self.follow_cursor()

    @on(DataTable.RowHighlighted, "#findings-table")
    def _finding_highlighted(self) -> None:
        from explorer.tui.widgets.findings import finding_text

        finding = self._findings().current()
        self.query_one("#finding-detail", Static).update(finding_text(finding) if finding else "")

    @on(DataTable.RowSelected, "#findings-table")
    def _open_finding(self) -> None:
        finding = self._findings().current()
        view: View | None = self.app.view
        if finding is None or view is None:
            return
        obj = next((o for o in view.state.objects if o.meta.ref == finding.object), None)
        if obj is None:
            obj = next((o for o in view.state.objects if o.meta.location.file == finding.location.file), None)
        if obj is None:
            self.notify(f"{finding.location}: no object of this file was loaded", severity="warning")
            return
        self.show_manifest(view, obj, finding.location.line)
        self.details.active = "manifest"

    def selected_file(self) -> str | None:
        """The file of the selected object, for the editor."""
        item = self.table.current_item()
        view: View | None = self.app.view
        obj = view.object_of(item) if view is not None and item is not None else None
        return obj.meta.location.file if obj is not None else None


def _is(service: Service) -> Callable[[Any], bool]:
    return lambda item: item is service


def _key_in(keys: set[str]) -> Callable[[Any], bool]:
    return lambda pod: pod.key in keys


class _Documents:
    """Where each object's YAML starts and ends, and its lines with Secret values blanked.

    The manifest follows the cursor, so this runs on every key press: on a
    36 MiB cluster dump, splitting, redacting and highlighting the whole file
    each time made scrolling the table crawl. Each file text is redacted and
    indexed by line once; each move then cuts out one document.
    """

    def __init__(self) -> None:
        self._view: View | None = None
        self._starts: dict[str, list[int]] = {}  # file -> the first line of each object in it, sorted (per view)
        self._files: dict[str, tuple[str, tuple[Secret, ...], str, array[int]]] = {}  # text, Secrets, shown, offsets

    def end(self, view: View, file: str, first: int) -> int:
        """The last line of the YAML document that starts at `first` (0: to the end of the file)."""
        if view is not self._view:
            self._view, self._starts = view, {}
        starts = self._starts.get(file)
        if starts is None:
            starts = self._starts[file] = sorted(
                {o.meta.location.line for o in view.state.objects if o.meta.location.file == file})
        later = bisect.bisect_right(starts, first)
        return starts[later] - 1 if later < len(starts) else 0

    def lines(self, view: View, file: str, text: str, first: int, last: int) -> str:
        """Lines `first`..`last` (0: to the end) of the file as shown (Secret values blanked), no final line break."""
        secrets = tuple(s for s in view.state.secrets.values() if s.meta.location.file == file)
        cached = self._files.get(file)
        if cached is None or cached[0] is not text or len(cached[1]) != len(secrets) \
                or any(a is not b for a, b in zip(cached[1], secrets)):
            shown = redact_text(text)  # every Secret in the text, loaded or refused
            offsets = array("q", [0])
            offsets.extend(match.end() for match in re.finditer("\n", shown))
            cached = self._files[file] = (text, secrets, shown, offsets)
        shown, offsets = cached[2], cached[3]
        start = offsets[min(first, len(offsets)) - 1]
        end = offsets[last] if 0 < last < len(offsets) else len(shown)
        return shown[start:end].removesuffix("\n")
