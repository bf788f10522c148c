"""What the TUI's services tell the app: small frozen dataclasses, no textual.

The services (the state pipeline, the proxy link, the source watchers) run in
threads or tasks of their own and hand each piece of news to a `Post`
callback; the app wraps it in one Textual Message whose `can_replace` lets a
`replaceable` piece of news supersede an older one of its kind still queued
(Toolong's way): a flood of probes or watch events becomes one redraw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar

if TYPE_CHECKING:
    from explorer.model import ClusterState
    from explorer.model.source import ClusterSource
    from explorer.traffic import TrafficPort
    from explorer.tui.view import View


@dataclass(frozen=True)
class News:
    #: True: a newer piece of the same kind, queued behind this one, makes this one moot.
    replaceable: ClassVar[bool] = False


@dataclass(frozen=True)
class Progress(News):
    """What the state pipeline is doing ("parsing dump.yaml (36.1 MiB)"); "" when it is idle."""

    text: str
    replaceable: ClassVar[bool] = True


@dataclass(frozen=True)
class ViewMade(News):
    """A snapshot's view is ready to be shown; `first`: the first of a source (the proxy and watchers follow)."""

    view: "View"
    first: bool


@dataclass(frozen=True)
class WorkFailed(News):
    """Work in a service failed; the app makes it a toast."""

    what: str  # "loading manifests"
    error: BaseException


@dataclass(frozen=True)
class Logged(News):
    """One line for the events log."""

    source: str  # explorer, proxy, request, health, cluster
    text: str
    style: str = ""
    when: float | None = None


@dataclass(frozen=True)
class HealthNews(News):
    """The proxy's probes changed some backend's health; the changed backends wait in the HealthBook."""

    replaceable: ClassVar[bool] = True


@dataclass(frozen=True)
class ProxyListening(News):
    port: "TrafficPort"


@dataclass(frozen=True)
class ProxyStopped(News):
    pass


@dataclass(frozen=True)
class PodsOnDemandChanged(News):
    on_demand: bool


@dataclass(frozen=True)
class FilesChanged(News):
    """Manifest files changed on disk (names as the workspace knows them)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class ClusterChanged(News):
    """A live cluster's newest snapshot; an older one still queued is moot (each is the whole state)."""

    source: "ClusterSource"
    state: "ClusterState"
    replaceable: ClassVar[bool] = True


#: How a service hands news to whoever listens (from any thread).
Post = Callable[[News], Any]


__all__ = [
    "ClusterChanged", "FilesChanged", "HealthNews", "Logged", "News", "PodsOnDemandChanged", "Post", "Progress",
    "ProxyListening", "ProxyStopped", "ViewMade", "WorkFailed",
]
