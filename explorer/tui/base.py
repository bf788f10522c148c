"""What the screens may ask of the app, typed: they reach it with `textual.getters.app(ExplorerApp)`.

The app (explorer.tui.app) imports the screens; the screens import only this,
so there is no import cycle and no `# type: ignore[attr-defined]`.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from textual.app import App
from textual.reactive import reactive

from explorer.tui.workspace import Snapshot, Workspace

if TYPE_CHECKING:
    from explorer.routing import ControllerProfile, Request
    from explorer.traffic import TrafficPort
    from explorer.tui.view import View

#: Lines the events log keeps (each request and health flip is one): older ones go.
EVENTS_KEPT = 2000

#: One line of the events log: (time, source, text, style).
EventLine = tuple[float, str, str, str]


class ExplorerApp(App[int]):
    """The app's state and services as the screens see them; `IngressExplorer` fills them in."""

    view: reactive[View | None] = reactive(None, always_update=True)
    #: What the state pipeline is doing ("parsing dump.yaml (36.1 MiB)"), "" when it is idle.
    loading: reactive[str] = reactive("")
    #: How many events were ever logged (the log keeps the last EVENTS_KEPT of them in `events`).
    event_count: reactive[int] = reactive(0)

    workspace: Workspace
    first_snapshot: Snapshot | None  # small manifests read before the first frame, for its rows

    def __init__(self) -> None:
        super().__init__()
        self.events: deque[EventLine] = deque(maxlen=EVENTS_KEPT)

    @property
    def profiles(self) -> dict[str, ControllerProfile]:
        """The controller profiles by name (routing is imported on first use, after the first frame)."""
        raise NotImplementedError

    @property
    def profile(self) -> ControllerProfile:
        raise NotImplementedError

    @property
    def traffic(self) -> TrafficPort | None:
        """The embedded proxy, once it listens; None without one."""
        raise NotImplementedError

    @property
    def live(self) -> bool:
        """True on a live cluster: what is shown is read from it, never written to it."""
        raise NotImplementedError

    def suggested_url(self) -> str:
        raise NotImplementedError

    def listener_url(self, request: Request) -> str | None:
        raise NotImplementedError

    def apply_edit(self, file: str, text: str) -> None:
        raise NotImplementedError

    def undo_apply(self) -> None:
        raise NotImplementedError

    def first_frame_done(self) -> None:
        """The Explore screen has drawn its first frame and mounted the rest: the view may be made now."""
        raise NotImplementedError

    def log_event(self, source: str, text: str, style: str = "", when: float | None = None) -> None:
        raise NotImplementedError
