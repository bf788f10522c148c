"""The Textual app: bindings and actions over one snapshot and one profile; the work is done by services.

The app holds the `View` every screen draws from (a reactive: a new
snapshot or a controller switch redraws everything). What runs beside the
event loop lives in Textual-free services (`explorer.tui.services`) that
post news: the state pipeline (snapshots and their views, one at a time),
the proxy link (the embedded proxy after the first frame, its events), the
health book (probed health) and the source watchers (files through
watchfiles, a live cluster's watches). Each piece of news arrives as one
`Told` message; floods (health, watch events) coalesce through
`Message.can_replace`.

On a live cluster (`source`, a ClusterSource already read once) the files
give way to the cluster; editing, applying and saving are off, because
ingress-explorer only ever reads a cluster. `:ctx` reads another context
through `explorer.live.open.read_context`, in a worker, and lets the old one go.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Generic, Iterable, TypeVar

from textual import work
from textual._files import generate_datetime_filename
from textual.app import SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from explorer.fsio import write_atomic
from explorer.model import ClusterState
from explorer.model.location import Problem
from explorer.model.source import ClusterSource, SourceError
from explorer.tui.base import ExplorerApp
from explorer.tui.config import keymap_path, load_keymap, screenshots_dir
from explorer.tui.gcpause import end_start_pause
from explorer.tui.screens.explore import ExploreScreen
from explorer.tui.services.health import HealthBook
from explorer.tui.services.news import (
    ClusterChanged, FilesChanged, FirstLook, HealthNews, Logged, News, PodsOnDemandChanged, Progress,
    ProxyListening, ProxyStopped, ViewMade, WorkFailed,
)
from explorer.tui.services.pipeline import Basis, Job, StatePipeline
from explorer.tui.services.watch import ClusterWatcher, FileWatcher
from explorer.tui.workspace import Snapshot, Workspace

if TYPE_CHECKING:  # imported after the first frame (routing, topology, the proxy's port, the views)
    from explorer.routing import ControllerProfile, Request
    from explorer.topology import ControllerState, IngressRow
    from explorer.traffic import TrafficPort
    from explorer.tui.services.proxy_link import ProxyLink
    from explorer.tui.view import View
    from explorer.tui.widgets.command_bar import (  # (mounted after the first frame)
        GoToMode, ListNamespaces, OpenLesson, QuitCommand, SetController, SwitchContext,
    )
    from explorer.tui.widgets.resources import ResourceTable

#: Seconds the first frame waits for small manifests to be read (then it shows progress instead).
FIRST_LOAD_WAIT = 0.5
#: Manifests up to this size (and count) are read before the first frame, so it shows their rules.
FIRST_FRAME_BYTES = 256 * 1024
FIRST_FRAME_FILES = 20
#: Rows resolved again on the event loop for new health; more (the first probed redraw of a cluster dump) go to a thread.
HEALTH_ROWS_INLINE = 500


class Told(Message):
    """One piece of a service's news; a replaceable one supersedes an older one of its kind still queued."""

    def __init__(self, news: News) -> None:
        super().__init__()
        self.news = news

    def can_replace(self, message: Message) -> bool:
        return (type(self.news).replaceable and isinstance(message, Told)
                and type(message.news) is type(self.news))


class IngressExplorer(ExplorerApp):
    CSS_PATH = "app.tcss"
    TITLE = "ingress-explorer"
    MODES = {"flow": lambda: _requests_screen(), "lessons": lambda: _lessons_screen(),
             "migrate": lambda: _migrate_screen()}  # explore: see __init__
    DEFAULT_MODE = "explore"
    ALLOW_IN_MAXIMIZED_VIEW = "Footer, KeysFooter"  # (z zooms the flow: the footer stays, as Textual's does)

    BINDINGS = [
        Binding("q", "ask_quit", "Quit", id="app.quit",
                tooltip="Leave ingress-explorer (the proxy stops); asks first when applied edits are not saved"),
        Binding("ctrl+c", "quit_now", "Quit", id="app.quit-now", show=False, priority=True,
                tooltip="Leave at once, as in k9s (the proxy stops)"),
        Binding("question_mark,f1", "help", "Help", id="app.help",
                tooltip="Help for the focused panel and every key that works here"),
        Binding("colon", "command_bar", "Command", id="app.command",
                tooltip="Type a command: :ing :svc :pod :gtw :httproute :ns NAME :ctx [NAME] :controller gce"),
        Binding("c", "switch_controller", "Controller", id="app.controller",
                tooltip="Switch between ingress-nginx and GKE Ingress (and Gateway API where there are Gateways); "
                        "everything redraws"),
        Binding("1", "switch_mode('explore')", "Explore", id="app.explore",
                tooltip="The resource table, with the selected rule's flow and manifest"),
        Binding("2", "switch_mode('flow')", "Flow", id="app.flow",
                tooltip="Send requests and watch them travel"),
        Binding("3", "switch_mode('lessons')", "Lessons", id="app.lessons",
                tooltip="The ten interactive lessons, with your progress (also :lesson)"),
        Binding("4", "switch_mode('migrate')", "Migrate", id="app.migrate",
                tooltip="Ingress → Gateway API: both YAMLs side by side, a request through both, the proof's "
                        "differences; w writes the files (also :migrate)"),
        Binding("r", "request", "Request", id="app.request",
                tooltip="Send a request for the selected rule (opens the Flow mode)"),
        Binding("e", "edit", "Edit", id="app.edit", tooltip="Edit the manifest file of the selected object"),
        Binding("u,f8", "undo_apply", "Undo", id="app.undo", show=False,
                tooltip="Go back to the state before the last apply"),
        Binding("y", "copy_curl", "Copy curl", id="app.curl", show=False,
                tooltip="Copy the request as a curl command line"),
        Binding("s", "screenshot", "Screenshot", id="app.screenshot",
                tooltip="Save an SVG screenshot of this screen (in your pictures folder, or "
                        "$INGRESS_EXPLORER_SCREENSHOTS)"),
    ]

    def __init__(
        self,
        sources: Iterable[str],
        namespace: str = "default",
        controller: str | None = "nginx",
        start_proxy: bool = True,
        traffic_factory: Callable[[], TrafficPort] | None = None,
        keymap_file: Path | None = None,
        watch_files: bool = True,
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
        #: The profile's name (routing is imported after the first frame). None: the manifests choose
        #: (Gateway API for Gateways without any Ingress, else ingress-nginx), once, on the first state.
        self.controller = controller or "nginx"
        self._controller_chosen = controller is not None
        self.start_proxy = start_proxy
        self.traffic_factory = traffic_factory
        self.keymap_file = keymap_file if keymap_file is not None else keymap_path()
        self.watch_files = watch_files
        self.health = HealthBook()  # the view's controller plus the proxy's probes
        self.proxy: ProxyLink | None = None  # made when the proxy starts, after the first frame
        self.pipeline: StatePipeline | None = None  # made on mount (it posts to this app)
        self._file_watcher: FileWatcher | None = None
        self._cluster_watcher: ClusterWatcher | None = None
        self._health_redrawing = False  # a worker thread is resolving rows for new health
        self.pods_on_demand = False  # the proxy runs this (large) snapshot's Pods on demand (PodsOnDemand)
        self._explore: ExploreScreen | None = None
        self._explore_ready = False  # its first frame is painted and the rest mounted
        self.first_snapshot: Snapshot | None = None  # small manifests, read before the first frame (on_load)
        self._first_load: _Started[Snapshot] | None = None
        self.add_mode("explore", self._new_explore_screen)

    @property
    def profiles(self) -> dict[str, ControllerProfile]:
        from explorer.routing import PROFILES
        from explorer.routing.gateway.compile import GATEWAY_PROFILE  # Gateway API: Gateways and HTTPRoutes

        return {**PROFILES, GATEWAY_PROFILE.name: GATEWAY_PROFILE}

    @property
    def profile(self) -> ControllerProfile:
        return self.profiles[self.controller]

    def _proxy_link(self) -> ProxyLink:
        from explorer.tui.services.proxy_link import ProxyLink

        source = self.source
        return ProxyLink(self._post, self.health, self.traffic_factory,
                         forward=source.forward if source is not None else None,
                         probes_feed_health=source is None)

    # ------------------------------------------------------------ start and stop

    def on_load(self) -> None:
        """A few small files (the bundled scenario) are read before any screen, so the first frame has their rules.

        In a thread, waited for FIRST_LOAD_WAIT at most: a read that hangs (a
        stalled disk) must not hold the app, which then shows progress as for a
        large load, and `q` still quits at once.
        """
        if self.source is None and self._small():
            self._first_load = _started(self.workspace.load)
            self._first_load.wait(FIRST_LOAD_WAIT)
            if self._first_load.done:
                try:
                    self.first_snapshot = self._first_load.result()
                except Exception:  # the pipeline says what went wrong
                    self.first_snapshot = None

    def on_mount(self) -> None:
        self._update_subtitle()
        try:
            keymap = load_keymap(self.keymap_file)
        except ValueError as exc:
            self.notify(str(exc), title="Keymap", severity="error", timeout=10)
        else:
            if keymap:
                self.set_keymap(keymap)
        self.pipeline = StatePipeline(self._post, lambda text: self._progress(text))
        if self.source is not None and self._first_state is not None:
            first, self._first_state = self._first_state, None  # the workspace holds it from now on
            self._choose_controller(first)
            self.change_state(lambda: self.workspace.adopt(first, "read"), first=True)
        elif self.first_snapshot is not None:
            snapshot = self.first_snapshot
            self._choose_controller(snapshot.state)
            self.change_state(lambda: snapshot, first=True, looked=True)
        elif self._first_load is not None:
            self.change_state(self._first_load.result, first=True)  # (the read on_load started, still going)
        else:
            self.change_state(self.workspace.load, first=True)

    def _choose_controller(self, state: ClusterState) -> bool:
        """Without --controller, Gateways and no Ingress mean Gateway API (as ingress-nginx they would all be
        404s); said in a toast. True when it changed the controller."""
        if self._controller_chosen:
            return False
        self._controller_chosen = True
        if not (state.gateways and not state.ingresses) or self.controller == "gateway":
            return False
        self.controller = "gateway"
        self._update_subtitle()
        self.notify("No Ingress here, only Gateway API objects: requests go through the Gateways "
                    "(c switches the controller)", title="Controller")
        return True

    def _small(self) -> bool:
        """Manifests small enough to read on the event loop before the first frame (a few ms)."""
        files = self.workspace.files()
        return len(files) <= FIRST_FRAME_FILES and \
            sum(os.stat(f).st_size for f in files if os.path.isfile(f)) <= FIRST_FRAME_BYTES

    def explore_first(self, state: ClusterState) -> None:
        if self.explore is not None:
            self.explore.show_first(state)

    def on_ready(self) -> None:
        """The app has started: paint the whole first frame, then what it did not need (the tabs, the view).

        Textual drops frames rendered while the app starts (its start-up batch) and
        afterwards paints only what changed since, so the rows drawn during it
        would wait for the next full repaint. `screen.refresh()` would wait for
        the screen's update timer (up to three ticks of it, a sixtieth of a
        second each, before the rows were drawn): paint the whole screen now.
        """
        screen = self.screen
        try:
            self._display(screen, screen._compositor.render_update(full=True))
        except AttributeError:  # (Textual's internals moved: the next full repaint draws them)
            screen.refresh()
        explore = self.explore
        if explore is not None:
            self.call_after_refresh(explore.first_frame_shown)

    @property
    def live(self) -> bool:
        return self.source is not None

    @property
    def traffic(self) -> TrafficPort | None:
        return self.proxy.port if self.proxy is not None else None

    async def on_unmount(self) -> None:
        """Stop the pipeline, the watchers and the proxy (its listeners and Pods), then let go of the cluster."""
        end_start_pause()  # (if the app ends before its first frame)
        if self.pipeline is not None:
            self.pipeline.close()
        if self._file_watcher is not None:
            self._file_watcher.close()
        await self._let_go()

    async def _let_go(self) -> None:
        """Stop the proxy, then close the cluster: on unmount, and before :ctx's next one."""
        if self.proxy is not None:
            await self.proxy.stop()
        if self.source is not None:
            await asyncio.to_thread(self.source.close)  # ends changes(), so the cluster watcher ends

    def _post(self, news: News) -> None:
        """A service's news, from any thread; dropped once the app has stopped."""
        try:
            self.post_message(Told(news))
        except RuntimeError:  # the event loop is closed
            pass

    def _progress(self, text: str) -> None:
        """From the pipeline: what it is doing now ("" when done); the Ingress list shows it."""
        self._post(Progress(text))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed is a toast with its message, never a traceback."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self._failed(event.worker.name or "background work", event.worker.error)

    def _failed(self, what: str, error: BaseException) -> None:
        self.notify(f"{error}", title=f"{what} failed", severity="error", timeout=10)

    def on_told(self, message: Told) -> None:
        news = message.news
        if isinstance(news, Progress):
            self.loading = news.text
        elif isinstance(news, FirstLook):
            self._first_look(news.state)
        elif isinstance(news, ViewMade):
            # after one frame, so that "drawing 10,000 rows" is on screen while the table fills
            self.call_after_refresh(self._set_view, news.view, news.first)
        elif isinstance(news, HealthNews):
            self._redraw_health()
        elif isinstance(news, Logged):
            self.log_event(news.source, news.text, news.style, news.when)
        elif isinstance(news, FilesChanged):
            self.files_changed(list(news.names))
        elif isinstance(news, ClusterChanged):
            self._cluster_changed(news.source, news.state)
        elif isinstance(news, ProxyListening | ProxyStopped):
            self._update_subtitle()
        elif isinstance(news, PodsOnDemandChanged):
            self.pods_on_demand = news.on_demand
            self._update_subtitle()
        elif isinstance(news, WorkFailed):
            self._failed(news.what, news.error)

    # ------------------------------------------------------------ the state

    def change_state(self, make: Callable[[], Snapshot | None], why: str | None = None,
                     first: bool = False, looked: bool = False) -> None:
        """Make a snapshot (load, apply, undo, reload) and its view in the pipeline, after those before it."""
        if self.pipeline is None:
            return
        reading = "resolving the rules" if looked else self._reading_text() if first else "applying the change"

        def basis() -> Basis:  # (in the pipeline's thread, when the job starts)
            # a first view (of another cluster, after :ctx) continues no earlier controller
            return Basis(None if first else self.health.controller,
                         probed=self.traffic is not None and not self.live)

        name = self.controller
        self.pipeline.submit(Job(make, lambda: self.profiles[name], basis, why, first, reading, looked))


    def _first_look(self, state: ClusterState) -> None:
        """The first snapshot's rules on screen; the pipeline resolves them once this frame is painted."""
        if self.view is None:
            self.explore_first(state)
        if self._explore_ready:
            self._go_on_after_paint()

    def first_frame_done(self) -> None:
        end_start_pause()  # (the tui command's: the collector runs again, the start's objects frozen)
        self._explore_ready = True
        self._go_on_after_paint()

    def _go_on_after_paint(self) -> None:
        """Let the pipeline import routing, topology and diagnostics once the frame on screen is painted."""
        pipeline = self.pipeline
        if pipeline is not None:
            self.call_after_refresh(pipeline.painted.set)

    def _reading_text(self) -> str:
        """What the first load reads, e.g. "parsing dump.yaml (36.1 MiB)"."""
        if self.live:
            return f"reading {self.source_name}"
        files = self.workspace.files()
        size = sum(os.stat(f).st_size for f in files if os.path.isfile(f))
        what = ", ".join(Path(f).name for f in files[:2]) + (f" and {len(files) - 2} more" if len(files) > 2 else "")
        what = what or "the manifests"
        return f"parsing {what} ({size / 2**20:.1f} MiB)" if size >= 2**20 else f"parsing {what}"

    def _set_view(self, view: View, first: bool) -> None:
        self.view = view
        self.loading = ""
        self.health.reset(view.controller)  # the new view's rows were made with the health known until now
        self._update_subtitle()
        for event in view.events:
            self.log_event(event.source, f"{event.type} {event.reason} {event.object}: {event.message}",
                           "red" if event.type == "Warning" else "")
        if first and self._choose_controller(view.state):  # (a large load: known only now)
            self.change_state(lambda: self.workspace.current, why=f"controller set to {self.profile.title}")
        if first:
            self._report_load(view)
            if self.start_proxy:
                self.call_after_refresh(self.run_proxy, view)  # the rows are painted before aiohttp loads
            if self.source is not None:
                self._cluster_watcher = ClusterWatcher(self._post, self.source).start()
            elif self.watch_files and self._file_watcher is None:
                self._file_watcher = FileWatcher(self._post, self.workspace.files(),
                                                 self.workspace.changed_on_disk).start()
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
        port = self.traffic
        if port is not None:
            first = next(iter(port.listeners.values()), None)
            if first is not None:
                proxy = f" · proxy {first.base_url('http') or first.base_url('https')}"
                proxy += " (Pods on demand)" if self.pods_on_demand else ""
        title = self.profile.title if self.view is not None else ""  # (routing is loaded with the first view)
        self.sub_title = " · ".join(part for part in (names, title) if part) + proxy

    def apply_edit(self, file: str, text: str) -> None:
        self.change_state(lambda: self.workspace.apply(file, text))

    def undo_apply(self) -> None:
        if self.live:
            self._read_only("Undo")
            return

        def undo() -> Snapshot | None:
            snapshot = self.workspace.undo()
            if snapshot is None:
                self._post(Logged("explorer", "nothing to undo"))
                self.call_from_thread(self.notify, "nothing to undo", title="Undo")
            return snapshot

        self.change_state(undo, why="undid the last change")

    # ------------------------------------------------------------ the proxy

    @work(exclusive=True, exit_on_error=False, name="embedded proxy", group="proxy",
          description="the embedded proxy")  # (no repr() of the View: see _health_view_in_thread)
    async def run_proxy(self, view: View) -> None:
        """Start the proxy after the first frame, then tell its events (ProxyLink)."""
        self.proxy = self._proxy_link()
        await self.proxy.run(view)

    def _redraw_health(self) -> None:
        """Show the probed health: the rows of the backends whose health changed (every row the first time).

        Many rows (the first probed redraw of a cluster dump: 10,000) are resolved
        in a worker thread, so the screen keeps answering; one redraw at a time,
        and what changes meanwhile makes the next one. The table redraws only
        the rows that changed (ResourceTable.patch).
        """
        view = self.view
        if view is None or self._health_redrawing:
            return  # (a redraw in a thread asks for the next one when it lands)
        controller, changed = self.health.take_changed()
        if controller is None:
            return
        rows = view.rows_of(changed) if view.probed else len(view.rows)
        if rows <= HEALTH_ROWS_INLINE:
            self._take_health_view(view, view.with_controller(controller, changed))
        else:
            self._health_redrawing = True
            self._health_view_in_thread(view, controller, changed, self._explore_table())

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
        if self.health.pending:
            self._post(HealthNews())

    @work(exclusive=True, exit_on_error=False, name="updating the proxy", group="proxy-apply",
          description="the new snapshot to the proxy")  # (no repr() of the View: see _health_view_in_thread)
    async def apply_to_proxy(self, view: View) -> None:
        if self.proxy is not None:
            await self.proxy.apply(view)
        self._update_subtitle()

    def listener_url(self, request: Request) -> str | None:
        """The embedded proxy's address for the load balancer that would take `request`."""
        from explorer.routing import route

        port = self.traffic
        if port is None or self.view is None:
            return None
        if self.view.profile.front_end == "gateway":  # the Gateway listener the URL's port and host reach
            from explorer.tui.gateway_flow import listener_name

            found = port.listeners.get(listener_name(self.view.state, request) or "")
            return found.base_url(request.scheme) if found else None
        decision = route(self.view.state, self.view.profile, request)
        listener = port.listeners.get(decision.load_balancer)
        return listener.base_url(request.scheme) if listener else None

    # ------------------------------------------------------------ the live cluster

    def _cluster_changed(self, source: ClusterSource, state: ClusterState) -> None:
        """Each snapshot the cluster's watches make redraws every view in place (the selection stays)."""
        if source is not self.source:
            return  # :ctx replaced it; its last changes are not this view's
        self.change_state(lambda: self.workspace.adopt(state, "the cluster changed") if self.source is source
                          else None)
        self._tell_cluster_problems(state.problems)

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
                             self._context_picked)

    def _context_picked(self, name: str | None) -> None:
        if name:
            self.open_context(name)

    @work(thread=True, exclusive=True, exit_on_error=False, name="reading the context", group="context")
    def open_context(self, name: str) -> None:
        """Read context `name` as `--context` does (explorer.live.open), off the event loop; the view stays until then.

        The connecting is abandoned when a later `:ctx` takes over or the app
        ends, so `q` never waits on a silent server; what it opens after that
        is closed at once.
        """
        from explorer.live.open import read_context

        worker = get_current_worker()
        opened: list[tuple[ClusterSource, ClusterState]] = []

        def read() -> None:
            source, state = read_context(name, self.kubeconfig)
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
            self.call_from_thread(lambda: self.run_worker(self._use_source(source, state), group="context-use",
                                                          description=f"context {name}"))
        except BaseException:
            source.close()
            raise

    async def _use_source(self, source: ClusterSource, state: ClusterState) -> None:
        """Show a newly read cluster: the old one (and the proxy made for it) is let go; it is drawn as a first load."""
        await self._let_go()
        if self._file_watcher is not None:
            self._file_watcher.close()
            self._file_watcher = None
        self.source = source
        self.proxy = None  # the next one is made for this cluster
        self._problems_told.clear()
        self.change_state(lambda: self.workspace.adopt(state, "read"), first=True)

    def _read_only(self, what: str) -> None:
        self.notify(f"{what} works on manifest files; {self.source_name} is a live cluster, which ingress-explorer "
                    "only reads (get, list, watch). To try a change, save the cluster with `ingress-explorer record "
                    "-o DIR` and open the files with -f DIR.", title="Read-only", severity="warning", timeout=10)

    # ------------------------------------------------------------ files changed on disk

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
        self.event_count += 1

    def _explore_table(self) -> ResourceTable | None:
        """The Explore screen's table, once that screen is made."""
        return self.explore.table if self.explore is not None else None

    @property
    def explore(self) -> ExploreScreen | None:
        """The Explore mode's screen, made by this app when the mode is first shown."""
        return self._explore

    def _new_explore_screen(self) -> ExploreScreen:
        screen = ExploreScreen()
        if self._explore is None:
            # The first screen, made while the app starts: its styles are the app's, just parsed. Textual takes a
            # mode's new screen for one made after a theme change and parses every stylesheet again (about a tenth
            # of the first frame); the default screen of a bare app is spared it, and so is this one. What that
            # refresh did and the screen needs: the app's own styles (its text colour), before the screen's
            # widgets cache theirs (Textual styles the app only after its first screen is mounted).
            screen._css_update_count = self._css_update_count
            self.stylesheet.apply(self)
        self._explore = screen
        return screen

    # ------------------------------------------------------------ actions

    def action_switch_controller(self) -> None:
        state = self.view.state if self.view is not None else None  # gateway: only where there are Gateways
        names = [n for n in self.profiles if n != "gateway" or (state is not None and state.gateways)
                 or n == self.controller]
        self.controller = names[(names.index(self.controller) + 1) % len(names)]
        self._update_subtitle()
        self.notify(f"now routing as {self.profile.title}", title="Controller")
        self.change_state(lambda: self.workspace.current, why=f"controller switched to {self.profile.title}")

    def on_set_controller(self, message: SetController) -> None:
        if message.name != self.controller:
            self.controller = message.name
            self._update_subtitle()
            self.change_state(lambda: self.workspace.current, why=f"controller switched to {self.profile.title}")

    def on_go_to_mode(self, message: GoToMode) -> None:
        self.switch_mode(message.mode)

    def on_quit_command(self, _: QuitCommand) -> None:
        self.action_ask_quit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer leaves out the key of the mode already shown."""
        if action == "switch_mode" and parameters and parameters[0] == self.current_mode:
            return False
        return True

    def action_quit_now(self) -> None:
        self.exit(0)

    @work(exclusive=True, exit_on_error=False, group="quit")
    async def action_ask_quit(self) -> None:
        """Quit; first ask when something would be lost: applied edits not saved, or an editor's text not applied."""
        from explorer.tui.screens.dialogs import ConfirmScreen
        from explorer.tui.screens.editor import EditorScreen

        lost = [f"{name} (applied, not saved)" for name in self.workspace.unsaved()]
        lost += [f"{screen.file} (in the editor, not applied)" for screen in self.screen_stack
                 if isinstance(screen, EditorScreen) and screen.text != self.workspace.text_of(screen.file)]
        if lost and not await self.push_screen_wait(
                ConfirmScreen(f"Quit and lose your changes to {', '.join(lost)}?", "Quit", "Stay")):
            return
        self.exit(0)

    def on_list_namespaces(self, _: ListNamespaces) -> None:
        """`:ns` alone: the namespaces of what is loaded, with their Ingress rules, as k9s lists them."""
        view = self.view
        if view is None:
            self.notify("the manifests are still loading", title="Namespaces", severity="warning")
            return
        rules: dict[str, int] = {}
        for obj in view.state.objects:
            rules.setdefault(obj.meta.namespace or "(cluster)", 0)
        for row in view.rows:
            namespace = row.ingress.partition("/")[0]
            rules[namespace] = rules.get(namespace, 0) + 1
        shown = self.explore.table.namespace if self.explore is not None else None
        listing = ", ".join(f"{name} ({count} rule{'s' if count != 1 else ''})" + (" ← shown" if name == shown else "")
                            for name, count in sorted(rules.items()))
        self.notify(f"{listing}. Type :ns NAME to show one, :ns all for every one.",
                    title=f"Namespaces ({len(rules)})", timeout=12)

    async def on_open_lesson(self, message: OpenLesson) -> None:
        """`:lesson N`: the lessons mode, with lesson N (its number in the list, or its id) open."""
        from explorer.tui.lessons import LessonsScreen

        await self.switch_mode("lessons")
        screen = self.screen
        if not isinstance(screen, LessonsScreen):
            return
        lessons = screen.catalog.lessons
        wanted = message.lesson
        lesson = next((l for l in lessons if str(l.order) == wanted.lstrip("0") or l.id == wanted), None)
        if lesson is None:
            numbers = ", ".join(str(l.order) for l in lessons)
            self.notify(f"no lesson {wanted}; the lessons are {numbers}", title="Lessons", severity="warning")
            return
        await screen.open_lesson(lesson)

    def action_command_bar(self) -> None:
        from explorer.tui.widgets.command_bar import CommandBar

        bars = self.screen.query(CommandBar)
        if bars:
            bars.first().open()

    def action_help(self) -> None:
        from explorer.tui.screens.dialogs import HelpScreen

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
        from explorer.tui.screens.requests import RequestsScreen
        from explorer.tui.widgets.request_bar import RequestBar

        item = self.explore.table.current_item() if self.explore is not None and self.view is not None else None
        await self.switch_mode("flow")
        screen = self.screen
        if isinstance(screen, RequestsScreen):
            screen.query_one(RequestBar).url = url
            if self.view is not None and self.view.state.gateways:
                from explorer.tui.gateway_flow import row_request  # a rule's method and header matches too

                request = row_request(item)
                if request is not None:
                    screen.query_one(RequestBar).suggest(request.method, request.headers)
            screen.action_focus_url()

    def suggested_url(self) -> str:
        """The selected rule's own request, or the first rule's."""
        if self.explore is not None and self.view is not None and (self.view.state.gateways or self.view.state.http_routes):
            from explorer.tui.gateway_flow import row_url  # a Gateway listener or HTTPRoute rule row

            url = row_url(self.explore.table.current_item())
            if url is not None:
                return url
        row = self._selected_row()
        if row is None and self.view is not None and self.view.rows:
            row = self.view.rows[0]
        from explorer.export.flowboxes import example_request

        return example_request(row).url if row is not None else "http://example.com/"

    def _selected_row(self) -> IngressRow | None:
        from explorer.topology import IngressRow

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
        from explorer.export.flowboxes import example_request
        from explorer.tui.screens.requests import RequestsScreen

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
        """An SVG of the screen, in the screenshots folder (screenshots_dir); the toast says the whole path."""
        folder = Path(path) if path else screenshots_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            saved = str(write_atomic(folder / (filename or generate_datetime_filename(  # as Textual names it
                self.title, ".svg")), self.export_screenshot()))
        except OSError as exc:
            self.notify(f"could not save the screenshot in {folder}: {exc}", title="Screenshot", severity="error")
            return
        self.notify(str(Path(saved).resolve()), title="Screenshot saved", timeout=10)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p) lists every action of the app and of this screen."""
        yield from super().get_system_commands(screen)
        seen = set()
        for node, bindings in ((screen, screen.BINDINGS), (self, self.BINDINGS)):
            for binding in bindings:
                if not isinstance(binding, Binding) or binding.id in seen or \
                        binding.action in ("quit", "ask_quit", "quit_now"):
                    continue
                seen.add(binding.id)
                yield SystemCommand(
                    binding.description, binding.tooltip,
                    lambda action=binding.action, node=node: self.run_action(action, node),
                )



T = TypeVar("T")


class _Started(Generic[T]):
    """Work running in a daemon thread: wait for it a while, or take its result (or exception) later."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._done = threading.Event()
        self._result: T | None = None
        self._error: BaseException | None = None
        self._work = work
        threading.Thread(target=self._run, name="ingress-explorer first read", daemon=True).start()

    def _run(self) -> None:
        try:
            self._result = self._work()
        except BaseException as exc:
            self._error = exc
        finally:
            self._done.set()

    def wait(self, seconds: float) -> None:
        self._done.wait(seconds)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def result(self) -> T:
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def _started(work: Callable[[], T]) -> _Started[T]:
    return _Started(work)


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


def _requests_screen() -> Screen:
    from explorer.tui.screens.requests import RequestsScreen  # the Flow mode: not drawn in the first frame

    return RequestsScreen()


def _lessons_screen() -> Screen:
    from explorer.tui.lessons import LessonsScreen  # the lessons load their own data: not before they are opened

    return LessonsScreen()


def _migrate_screen() -> Screen:
    from explorer.tui.screens.migrate import MigrateScreen  # the migration runs when this mode is first shown

    return MigrateScreen()


def create_app(
    sources: Iterable[str],
    namespace: str = "default",
    controller: str | None = "nginx",
    start_proxy: bool = True,
    traffic_factory: Callable[[], TrafficPort] | None = None,
    keymap_file: Path | None = None,
    watch_files: bool = True,
    source: ClusterSource | None = None,
    first_state: ClusterState | None = None,
    kubeconfig: str | None = None,
) -> IngressExplorer:
    """The app for these manifests, or for a cluster `source` already read once (`first_state`).

    Tests call this with fixtures and a size; `watch_files` False leaves the files unwatched. The app closes `source` when it ends.
    `kubeconfig` is the file `:ctx` lists contexts from (None: as kubectl finds it).
    """
    return IngressExplorer(list(sources), namespace, controller, start_proxy, traffic_factory, keymap_file,
                           watch_files, source, first_state, kubeconfig)


__all__ = ["IngressExplorer", "create_app"]
