"""The Textual app: one snapshot, one profile, two modes, and the embedded proxy in a worker.

The app holds the `View` every screen draws from (a reactive: a new
snapshot or a controller switch redraws everything). Loading, applying,
the proxy and file watching run in workers; their errors become toasts.
Nothing heavy is imported before the first frame: the proxy (aiohttp) is
imported in a thread after mount.

On a live cluster (`source`, a ClusterSource already read once) the files
give way to the cluster: a worker follows `source.changes()` and each new
snapshot redraws every view in place; editing, applying and saving are off,
because ingress-explorer only ever reads a cluster. `:ctx` reads another
context the same way (`read_live`, in a worker) and lets the old one go.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from textual import work
from textual._files import generate_datetime_filename
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from explorer.fsio import write_atomic
from explorer.model import ClusterState
from explorer.model.location import Problem
from explorer.model.source import ClusterSource, SourceError
from explorer.routing import PROFILES, ControllerProfile, Request, route
from explorer.topology import ControllerState, record_probe
from explorer.traffic import (
    HealthChanged, HealthChecked, HealthChecksStarted, PodsOnDemand, RequestCompleted, TrafficPort,
)
from explorer.tui.config import keymap_path, load_keymap
from explorer.tui.screens.dialogs import HelpScreen
from explorer.tui.screens.explore import ExploreScreen
from explorer.tui.screens.requests import RequestsScreen
from explorer.topology import IngressRow
from explorer.export.flowboxes import example_request
from explorer.tui.view import View, build_view, gc_paused
from explorer.tui.widgets.request_bar import RequestBar
from explorer.tui.widgets.resources import ResourceTable
from explorer.tui.widgets.command_bar import CommandBar, GoToMode, QuitCommand, SetController, SwitchContext
from explorer.tui.workspace import Snapshot, Workspace

#: Seconds between looks at the files' modification times.
WATCH_SECONDS = 1.0
#: Health changes arriving within this many seconds are drawn together (probes come in floods).
HEALTH_REDRAW_SECONDS = 0.3
#: Rows resolved again on the event loop for new health; more (the first probed redraw of a cluster dump) go to a thread.
HEALTH_ROWS_INLINE = 500


class IngressExplorer(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "ingress-explorer"
    MODES = {"explore": ExploreScreen, "flow": RequestsScreen, "lessons": lambda: _lessons_screen()}
    DEFAULT_MODE = "explore"

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave ingress-explorer (the proxy stops)"),
        Binding("question_mark,f1", "help", "Help", id="app.help",
                tooltip="Help for the focused panel and every key that works here"),
        Binding("colon", "command_bar", "Command", id="app.command",
                tooltip="Type a command: :ing :svc :pod :ns NAME :ctx [NAME] :controller gce"),
        Binding("c", "switch_controller", "Controller", id="app.controller",
                tooltip="Switch between ingress-nginx and GKE Ingress; everything redraws"),
        Binding("1", "switch_mode('explore')", "Explore", id="app.explore",
                tooltip="The resource table, with the selected rule's flow and manifest"),
        Binding("2", "switch_mode('flow')", "Flow", id="app.flow",
                tooltip="Send requests and watch them travel"),
        Binding("3", "switch_mode('lessons')", "Lessons", id="app.lessons", show=False,
                tooltip="The ten interactive lessons, with your progress (also :lesson)"),
        Binding("r", "request", "Request", id="app.request",
                tooltip="Send a request for the selected rule (opens the Flow mode)"),
        Binding("e", "edit", "Edit", id="app.edit", tooltip="Edit the manifest file of the selected object"),
        Binding("u", "undo_apply", "Undo", id="app.undo", show=False,
                tooltip="Go back to the state before the last apply"),
        Binding("y", "copy_curl", "Copy curl", id="app.curl", show=False,
                tooltip="Copy the request as a curl command line"),
        Binding("s", "screenshot", "Screenshot", id="app.screenshot", show=False,
                tooltip="Save an SVG screenshot of this screen in the current directory"),
    ]

    view: reactive[View | None] = reactive(None, always_update=True)
    #: What the state worker is doing ("parsing dump.yaml (36.1 MiB)"), "" when it is idle.
    loading: reactive[str] = reactive("")
    event_count: reactive[int] = reactive(0)

    def __init__(
        self,
        sources: Iterable[str],
        namespace: str = "default",
        controller: str = "nginx",
        start_proxy: bool = True,
        traffic_factory: Callable[[], TrafficPort] | None = None,
        keymap_file: Path | None = None,
        watch_seconds: float = WATCH_SECONDS,
        source: ClusterSource | None = None,
        first_state: ClusterState | None = None,
        kubeconfig: str | None = None,
    ) -> None:
        super().__init__()
        if (source is None) != (first_state is None):
            raise ValueError("a cluster source comes with its first state (source.snapshot()), and only then")
        self.workspace = Workspace(sources, namespace)
        self.source = source  # a live cluster, read-only; None for manifest files
        self.kubeconfig = kubeconfig  # --kubeconfig, for :ctx; None: KUBECONFIG, then ~/.kube/config
        self._first_state = first_state
        self._problems_told: set[str] = set()  # the cluster's notes already shown as a toast
        self.profiles: dict[str, ControllerProfile] = dict(PROFILES)
        self.profile = self.profiles[controller]
        self.start_proxy = start_proxy
        self.traffic_factory = traffic_factory
        self.traffic: TrafficPort | None = None
        self.keymap_file = keymap_file if keymap_file is not None else keymap_path()
        self.watch_seconds = watch_seconds
        self.events: list[tuple[float, str, str, str]] = []  # (time, source, text, style)
        self._state_lock = threading.Lock()
        self._views_made = 0  # views are numbered as they are made, so an older one never replaces a newer
        self._view_shown = 0
        self._stop_watching = threading.Event()
        self.explore: ExploreScreen | None = None  # set by the explore screen when it mounts
        self.live_controller: ControllerState | None = None  # the view's controller plus the proxy's probes
        self._health_redraw_pending = False
        self._health_changed: set[str] = set()  # backends whose probed health changed since the view's rows
        self._health_redrawing = False  # a worker thread is resolving rows for new health
        self.pods_on_demand = False  # the proxy runs this (large) snapshot's Pods on demand (PodsOnDemand)

    # ------------------------------------------------------------ start and stop

    def on_mount(self) -> None:
        self._update_subtitle()
        try:
            keymap = load_keymap(self.keymap_file)
        except ValueError as exc:
            self.notify(str(exc), title="Keymap", severity="error", timeout=10)
        else:
            if keymap:
                self.set_keymap(keymap)
        if self.source is not None and self._first_state is not None:
            first, self._first_state = self._first_state, None  # the workspace holds it from now on
            self.change_state(lambda: self.workspace.adopt(first, "read"), first=True)
        else:
            self.change_state(self.workspace.load, first=True)

    @property
    def live(self) -> bool:
        """True on a live cluster: what is shown is read from it, never written to it."""
        return self.source is not None

    async def on_unmount(self) -> None:
        """Stop the watchers and the proxy (its listeners and Pods), then let go of the cluster."""
        self._stop_watching.set()
        await self._let_go()

    async def _let_go(self) -> None:
        """Stop the proxy (its listeners and Pods), then close the cluster: on unmount, and before :ctx's next one."""
        port, self.traffic = self.traffic, None
        if port is not None:
            await port.stop()
        if self.source is not None:
            await asyncio.to_thread(self.source.close)  # ends changes(), so the watch worker returns

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed is a toast with its message, never a traceback."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.notify(f"{error}", title=f"{event.worker.name or 'background work'} failed",
                        severity="error", timeout=10)

    # ------------------------------------------------------------ the state

    @work(thread=True, exit_on_error=False, name="loading manifests", group="state")
    def change_state(self, make: Callable[[], Snapshot | None], why: str | None = None,
                     first: bool = False) -> None:
        """Make a snapshot (load, apply, undo, reload) and its view, off the event loop, one at a time.

        The work runs in a daemon thread this worker waits on: a worker thread is
        joined when the app ends, so quitting while a 36 MiB dump loads would
        otherwise keep the process alive until the load was done. What the
        abandoned work made so far is frozen out of the garbage collector: the
        interpreter's last collections, as it exits, walk every object several
        times, which took 10 s over a half-read dump.
        """
        worker = get_current_worker()
        if not _abandonable(lambda: self._make_view(make, why, first), worker.cancelled_event):
            gc.freeze()

    def _make_view(self, make: Callable[[], Snapshot | None], why: str | None, first: bool) -> None:
        """In a worker thread: the snapshot, its view, and then the view on screen (progress told as it goes)."""
        try:
            with self._state_lock, gc_paused(self._progress):
                self._progress(self._reading_text() if first else "applying the change")
                snapshot = make()
                view, number = None, 0
                if snapshot is not None:
                    # a first view (of another cluster, after :ctx) continues no earlier controller
                    previous = None if first else \
                        self.live_controller or (self.view.controller if self.view is not None else None)
                    view = build_view(snapshot.state, self.profile, previous, why or snapshot.why,
                                      probed=self.traffic is not None and not self.live, progress=self._progress)
                    self._views_made += 1
                    number = self._views_made
        except Exception:
            self._progress("")
            raise
        if view is None:
            self._progress("")
            return
        self._progress(f"drawing {len(view.rows):,} rows")
        self.call_from_thread(self._show_view, view, first, number)

    def _progress(self, text: str) -> None:
        """From the worker: what it is doing now ("" when done); the Ingress list shows it."""
        self.call_from_thread(setattr, self, "loading", text)

    def _reading_text(self) -> str:
        """What the first load reads, e.g. "parsing dump.yaml (36.1 MiB)"."""
        if self.live:
            return f"reading {self.source_name}"
        files = self.workspace.files()
        size = sum(os.stat(f).st_size for f in files if os.path.isfile(f))
        what = ", ".join(Path(f).name for f in files[:2]) + (f" and {len(files) - 2} more" if len(files) > 2 else "")
        what = what or "the manifests"
        return f"parsing {what} ({size / 2**20:.1f} MiB)" if size >= 2**20 else f"parsing {what}"

    def _show_view(self, view: View, first: bool, number: int) -> None:
        if number < self._view_shown:
            return  # a newer snapshot is on screen already (two workers finished out of order)
        self._view_shown = number
        # after one frame, so that "drawing 10,000 rows" is on screen while the table fills
        self.call_after_refresh(self._set_view, view, first)

    def _set_view(self, view: View, first: bool) -> None:
        self.view = view
        self.loading = ""
        self.live_controller = view.controller
        self._health_changed = set()  # the new view's rows were made with the health known until now
        self._update_subtitle()
        for event in view.events:
            self.log_event(event.source, f"{event.type} {event.reason} {event.object}: {event.message}",
                           "red" if event.type == "Warning" else "")
        if first:
            self._report_load(view)
            if self.start_proxy:
                self.call_after_refresh(self.run_proxy)  # the rows are painted before aiohttp loads
            if self.live:
                self.watch_cluster()
            else:
                self.watch_files()
        elif view.why:
            self.log_event("explorer", view.why)
            if self.traffic is not None:
                self.apply_to_proxy(view)

    def _report_load(self, view: View) -> None:
        state = view.state
        if self.live:
            self.log_event("explorer", f"read {state.summary()} from {', '.join(state.sources)}")
            self._tell_cluster_problems(state.problems)
            if not state.ingresses:
                self.notify(f"no Ingress in what {self.source_name} lets us read; the table fills in when one "
                            "is created", title="Cluster", severity="warning", timeout=8)
            return
        self.log_event("explorer", f"loaded {state.summary()} from {', '.join(state.sources)}")
        errors = [p for p in state.problems if p.severity == "error"]
        if errors:
            self.notify(f"{len(errors)} problem(s) while loading; see Findings. First: {errors[0]}",
                        title="Load", severity="warning", timeout=8)
        if not state.objects:
            self.notify("no objects were loaded; open other files with -f", title="Load", severity="error")

    def _tell_cluster_problems(self, problems: Iterable[Problem]) -> None:
        """A kind the cluster would not let us read (or watch) is a toast once, and a finding for as long as it lasts."""
        for problem in problems:
            text = problem.message + (f" ({problem.hint})" if problem.hint else "")
            if problem.severity == "info" or text in self._problems_told:
                continue
            self._problems_told.add(text)
            self.log_event("cluster", text, "red")
            self.notify(text, title=self.source_name, severity="warning", timeout=12)

    @property
    def source_name(self) -> str:
        return self.source.name if self.source is not None else ", ".join(self.workspace.sources)

    def _update_subtitle(self) -> None:
        names = self.source_name if self.source is not None else \
            ", ".join(Path(s).name or s for s in self.workspace.sources)
        proxy = ""
        if self.traffic is not None:
            listeners = self.traffic.listeners
            first = next(iter(listeners.values()), None)
            if first is not None:
                proxy = f" · proxy {first.base_url('http') or first.base_url('https')}"
                proxy += " (Pods on demand)" if self.pods_on_demand else ""
        self.sub_title = f"{names} · {self.profile.title}{proxy}"

    def apply_edit(self, file: str, text: str) -> None:
        self.change_state(lambda: self.workspace.apply(file, text))

    def undo_apply(self) -> None:
        if self.live:
            self._read_only("Undo")
            return

        def undo() -> Snapshot | None:
            snapshot = self.workspace.undo()
            if snapshot is None:
                self.call_from_thread(self.notify, "nothing to undo", title="Undo")
            return snapshot

        self.change_state(undo, why="undid the last change")

    # ------------------------------------------------------------ the proxy

    @work(exclusive=True, exit_on_error=False, name="embedded proxy", group="proxy")
    async def run_proxy(self) -> None:
        """Start the proxy after the first frame (aiohttp is imported in a thread), then log its events."""
        if self.traffic_factory is not None:
            port = self.traffic_factory()
        else:
            module = await asyncio.to_thread(importlib.import_module, "explorer.proxy")
            # on a cluster, requests reach its Pods through port-forwards the source opens
            port = module.Proxy(module.ProxyOptions(forward=self.source.forward if self.source else None))
        view = self.view
        assert view is not None
        events = port.subscribe()  # before start: the first round of health checks is news too
        try:
            await port.start(view.state, view.profile)
        except BaseException:
            events.close()
            raise
        self.traffic = port
        self._update_subtitle()
        if not self.live:  # a cluster's Pods are not probed: their readiness stays what the cluster says
            self._redraw_health()  # from now on health is what the proxy's checks find
        for listener in port.listeners.values():
            where = ", ".join(u for u in (listener.base_url("http"), listener.base_url("https")) if u)
            self.log_event("proxy", f"load balancer {listener.load_balancer} listening on {where or 'nothing'}")
        try:
            async with events:
                async for event in events:
                    if isinstance(event, RequestCompleted):
                        style = "green" if event.status < 400 else "red"
                        self.log_event("request", f"{event.method} {event.host}{event.path} → {event.status} "
                                       f"via {event.ingress} {event.backend} Pod {event.pod} "
                                       f"({event.elapsed_ms:.1f} ms)", style, event.time)
                    elif isinstance(event, HealthChecked):
                        self._record_probe(event)
                    elif isinstance(event, HealthChanged):
                        healthy = event.state in ("HEALTHY", "Ready")
                        self.log_event("health", f"{event.backend} Pod {event.pod}: {event.state}",
                                       "green" if healthy else "red", event.time)
                    elif isinstance(event, PodsOnDemand):
                        self.pods_on_demand = event.on_demand
                        self._update_subtitle()
                        self.log_event("proxy", event.describe(), "yellow" if event.on_demand else "", event.time)
                    elif isinstance(event, HealthChecksStarted):
                        self.log_event("health", f"{event.backend}: health checks start ({event.targets} "
                                       "targets), for its first request", "", event.time)
        finally:
            if self.traffic is port:
                self.traffic = None
                await port.stop()

    def _record_probe(self, event: HealthChecked) -> None:
        """Keep the proxy's probe results, so the table and the diagram show real health."""
        if self.live_controller is None:
            return
        before = self.live_controller.target_health(event.backend, event.pod).state
        try:
            self.live_controller = record_probe(self.live_controller, event.backend, event.pod, event.status,
                                                event.time)
        except KeyError:  # a probe of a backend this view does not have (a snapshot is being applied)
            return
        if self.live_controller.target_health(event.backend, event.pod).state != before:
            self._health_changed.add(event.backend)
            self._redraw_health_soon()

    def _redraw_health_soon(self) -> None:
        """Coalesce a flood of health changes into one redraw."""
        if not self._health_redraw_pending:
            self._health_redraw_pending = True
            self.set_timer(HEALTH_REDRAW_SECONDS, self._redraw_health)

    def _redraw_health(self) -> None:
        """Show the probed health: the rows of the backends whose health changed (every row the first time).

        Many rows (the first probed redraw of a cluster dump: 10,000) are resolved
        in a worker thread, so the screen keeps answering; one redraw at a time,
        and what changes meanwhile makes the next one. The table redraws only
        the rows that changed (ResourceTable.patch).
        """
        self._health_redraw_pending = False
        view, controller = self.view, self.live_controller
        if view is None or controller is None or self._health_redrawing:
            return  # (a redraw in a thread picks up what changed meanwhile when it lands)
        changed, self._health_changed = self._health_changed, set()
        rows = view.rows_of(changed) if view.probed else len(view.rows)
        if rows <= HEALTH_ROWS_INLINE:
            self._take_health_view(view, view.with_controller(controller, changed))
        else:
            self._health_redrawing = True
            self._health_view_in_thread(view, controller, changed,
                                        self.explore.table if self.explore is not None else None)

    # `description=`: without one, Textual describes a worker by repr() of its arguments, on the event loop;
    # repr() of a View and a ControllerState of a cluster dump took 1.3 s (quarter size) to 5 s (full size)
    @work(thread=True, exit_on_error=False, name="drawing health", group="health",
          description="the rows whose health changed")
    def _health_view_in_thread(self, view: View, controller: ControllerState, changed: set[str],
                               table: ResourceTable | None) -> None:
        new: View | None = None
        try:
            new = view.with_controller(controller, changed)
            if table is not None:
                table.prepare_patch(new)  # the rows' new cells too, not on the event loop
        finally:  # also when it failed: the next redraw may go ahead
            self.call_from_thread(self._take_health_view, view, new)

    def _take_health_view(self, base: View, new: View | None) -> None:
        """The view with new health, unless another snapshot replaced `base` meanwhile (its rows know the health)."""
        self._health_redrawing = False
        if new is not None and self.view is base:
            self.view = new
        if self._health_changed:
            self._redraw_health_soon()

    @work(exclusive=True, exit_on_error=False, name="updating the proxy", group="proxy-apply",
          description="the new snapshot to the proxy")  # (no repr() of the View: see _health_view_in_thread)
    async def apply_to_proxy(self, view: View) -> None:
        if self.traffic is not None:
            await self.traffic.apply(view.state, view.profile)
            self._update_subtitle()

    def listener_url(self, request: Request) -> str | None:
        """The embedded proxy's address for the load balancer that would take `request`."""
        if self.traffic is None or self.view is None:
            return None
        decision = route(self.view.state, self.view.profile, request)
        listener = self.traffic.listeners.get(decision.load_balancer)
        return listener.base_url(request.scheme) if listener else None

    # ------------------------------------------------------------ the live cluster

    @work(thread=True, exclusive=True, exit_on_error=False, name="watching the cluster", group="watch")
    def watch_cluster(self) -> None:
        """Each snapshot the cluster's watches make redraws every view in place (the selection stays)."""
        source = self.source
        assert source is not None
        for state in source.changes():
            if self.source is not source:
                return  # :ctx replaced it; its last changes are not this view's
            self._make_view(lambda state=state: self.workspace.adopt(state, "the cluster changed")
                            if self.source is source else None, None, False)
            self.call_from_thread(self._tell_cluster_problems, state.problems)

    def on_switch_context(self, message: SwitchContext) -> None:
        """`:ctx`: list the kubeconfig's contexts (plain YAML, no client yet), or read the one named."""
        from explorer.live.contexts import read_contexts
        from explorer.tui.screens.contexts import ContextPicker

        try:
            contexts = read_contexts(self.kubeconfig)
            if message.name is not None:
                contexts.find(message.name)
            elif not contexts.contexts:
                raise SourceError(f"kubeconfig {', '.join(contexts.files)} defines no contexts")
        except SourceError as exc:
            self.notify(str(exc), title="Context", severity="error", timeout=10)
            return
        if message.name is not None:
            self.open_context(message.name)
        else:
            self.push_screen(ContextPicker(contexts, self.source.name if self.source else None),
                             lambda name: self.open_context(name) if name else None)

    @work(thread=True, exclusive=True, exit_on_error=False, name="reading the context", group="context")
    def open_context(self, name: str) -> None:
        """Read context `name` as `--context` does (read_live), off the event loop; the view stays until then.

        The connecting is abandoned (as a load is, see change_state) when a later
        `:ctx` takes over or the app ends, so `q` never waits on a silent server;
        what it opens after that is closed at once.
        """
        from explorer.commands.common import cluster_args, read_live

        worker = get_current_worker()
        opened: list[tuple[ClusterSource, ClusterState]] = []

        def read() -> None:
            source, state = read_live(cluster_args(name, self.kubeconfig))
            if worker.is_cancelled:
                source.close()
            else:
                opened.append((source, state))

        self._progress(f"connecting to context {name}")
        try:
            if not _abandonable(read, worker.cancelled_event) or not opened:
                return  # a later :ctx shows its own progress
        except SourceError as exc:  # no kubeconfig, unknown context, unreachable, refused credentials
            self._progress("")
            self.call_from_thread(self.notify, str(exc), title=f"Context {name}", severity="error", timeout=12)
            return
        except BaseException:
            self._progress("")
            raise
        [(source, state)] = opened
        try:
            self.call_from_thread(self._use_source, source, state)
        except BaseException:
            source.close()
            raise

    async def _use_source(self, source: ClusterSource, state: ClusterState) -> None:
        """Show a newly read cluster: the old one (and the proxy made for it) is let go; it is drawn as a first load."""
        await self._let_go()
        self.source = source
        self._problems_told.clear()
        self.change_state(lambda: self.workspace.adopt(state, "read"), first=True)

    def _read_only(self, what: str) -> None:
        self.notify(f"{what} works on manifest files; {self.source_name} is a live cluster, which ingress-explorer "
                    "only reads (get, list, watch). To try a change, save the cluster with `ingress-explorer record "
                    "-o DIR` and open the files with -f DIR.", title="Read-only", severity="warning", timeout=10)

    # ------------------------------------------------------------ file watching

    @work(thread=True, exclusive=True, exit_on_error=False, name="watching files", group="watch")
    def watch_files(self) -> None:
        worker = get_current_worker()
        while not worker.is_cancelled and not self._stop_watching.wait(self.watch_seconds):
            changed = self.workspace.changed_on_disk()
            if changed:
                self.call_from_thread(self.files_changed, changed)

    def files_changed(self, names: list[str]) -> None:
        from explorer.tui.screens.editor import EditorScreen

        if self.live:
            return  # :ctx put a cluster in the files' place since this was seen
        self.change_state(lambda: self.workspace.reload_changed(names))
        for screen in self.screen_stack:
            if isinstance(screen, EditorScreen) and screen.file in names:
                text = Path(screen.file).read_text(encoding="utf-8", errors="replace")
                screen.file_changed(text)

    # ------------------------------------------------------------ events

    def log_event(self, source: str, text: str, style: str = "", when: float | None = None) -> None:
        self.events.append((when or time.time(), source, text, style))
        self.event_count = len(self.events)

    # ------------------------------------------------------------ actions

    def action_switch_controller(self) -> None:
        names = list(self.profiles)
        self.profile = self.profiles[names[(names.index(self.profile.name) + 1) % len(names)]]
        self._update_subtitle()
        self.notify(f"now routing as {self.profile.title}", title="Controller")
        self.change_state(lambda: self.workspace.current, why=f"controller switched to {self.profile.title}")

    def on_set_controller(self, message: SetController) -> None:
        if message.name != self.profile.name:
            self.profile = self.profiles[message.name]
            self._update_subtitle()
            self.change_state(lambda: self.workspace.current, why=f"controller switched to {self.profile.title}")

    def on_go_to_mode(self, message: GoToMode) -> None:
        self.switch_mode(message.mode)

    def on_quit_command(self, _: QuitCommand) -> None:
        self.exit(0)

    def action_command_bar(self) -> None:
        bars = self.screen.query(CommandBar)
        if bars:
            bars.first().open()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        bindings = []
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if binding.action in ("help",) and key != "question_mark":
                continue
            display = self.get_key_display(binding)
            bindings.append((display, binding.description, binding.tooltip or ""))
        bindings.sort(key=lambda b: not b[2])  # the app's own keys (they all explain themselves) first
        self.push_screen(HelpScreen(self.focused, bindings))

    async def action_request(self) -> None:
        url = self.suggested_url()
        await self.switch_mode("flow")
        screen = self.screen
        if isinstance(screen, RequestsScreen):
            screen.query_one(RequestBar).url = url
            screen.action_focus_url()

    def suggested_url(self) -> str:
        """The selected rule's own request, or the first rule's."""
        row = self._selected_row()
        if row is None and self.view is not None and self.view.rows:
            row = self.view.rows[0]
        return example_request(row).url if row is not None else "http://example.com/"

    def _selected_row(self) -> IngressRow | None:
        item = self.explore.table.current_item() if self.explore is not None else None
        return item if isinstance(item, IngressRow) else None

    def action_edit(self) -> None:
        from explorer.tui.screens.editor import EditorScreen  # TextArea is not needed for the first frame

        if self.live:
            self._read_only("Editing")
            return
        file = self.explore.selected_file() if self.explore is not None else None
        files = self.workspace.files()
        file = file or (files[0] if files else None)
        if file is None:
            self.notify("no manifest file is open", title="Edit", severity="warning")
            return
        text = self.workspace.text_of(file)
        if text is None:
            self.notify(f"{file} could not be read as text", title="Edit", severity="error")
            return
        self.push_screen(EditorScreen(file, text))

    def action_undo_apply(self) -> None:
        self.undo_apply()

    def action_copy_curl(self) -> None:
        screen = self.screen
        if isinstance(screen, RequestsScreen):
            line = screen.curl_line()
        else:
            row = self._selected_row()
            if row is None:
                self.notify("select an Ingress rule first", title="Copy", severity="warning")
                return
            request = example_request(row)
            target = self.listener_url(request)
            url = f"{target}{request.path}" if target else request.url
            line = f"curl -i -H 'Host: {request.host}' {url}" if target else f"curl -i {url}"
        if line:
            self.copy_to_clipboard(line)
            self.notify(line, title="Copied to the clipboard")

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        try:
            saved = str(write_atomic(Path(path or os.getcwd()) / (filename or generate_datetime_filename(  # as Textual names it
                self.title, ".svg")), self.export_screenshot()))
        except OSError as exc:
            self.notify(f"could not save the screenshot: {exc}", title="Screenshot", severity="error")
            return
        self.notify(saved, title="Screenshot saved")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p) lists every action of the app and of this screen."""
        yield from super().get_system_commands(screen)
        seen = set()
        for node, bindings in ((screen, screen.BINDINGS), (self, self.BINDINGS)):
            for binding in bindings:
                if not isinstance(binding, Binding) or binding.id in seen or binding.action == "quit":
                    continue
                seen.add(binding.id)
                yield SystemCommand(
                    binding.description, binding.tooltip,
                    lambda action=binding.action, node=node: self.run_action(action, node),
                )


def _abandonable(work: Callable[[], None], cancelled: threading.Event) -> bool:
    """Run `work` in a daemon thread; True when it ended (raising what it raised), False once `cancelled` is set.

    Abandoned work goes on until it ends or the process does; what it then
    tells an app that has stopped raises, and is dropped here.
    """
    failure: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the worker, which makes it a toast
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="ingress-explorer state", daemon=True).start()
    while not done.wait(0.05):
        if cancelled.is_set():
            return False
    if failure and not cancelled.is_set():
        raise failure[0]
    return True


def _lessons_screen() -> Screen:
    from explorer.tui.lessons import LessonsScreen  # the lessons load their own data: not before they are opened

    return LessonsScreen()


def create_app(
    sources: Iterable[str],
    namespace: str = "default",
    controller: str = "nginx",
    start_proxy: bool = True,
    traffic_factory: Callable[[], TrafficPort] | None = None,
    keymap_file: Path | None = None,
    watch_seconds: float = WATCH_SECONDS,
    source: ClusterSource | None = None,
    first_state: ClusterState | None = None,
    kubeconfig: str | None = None,
) -> IngressExplorer:
    """The app for these manifests, or for a cluster `source` already read once (`first_state`).

    Tests call this with fixtures and a size. The app closes `source` when it ends.
    `kubeconfig` is the file `:ctx` lists contexts from (None: as kubectl finds it).
    """
    return IngressExplorer(list(sources), namespace, controller, start_proxy, traffic_factory, keymap_file,
                           watch_seconds, source, first_state, kubeconfig)


__all__ = ["IngressExplorer", "create_app"]
