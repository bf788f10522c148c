"""What the TUI's services tell the app: small immutable records, no textual.

The services (the state pipeline, the proxy link, the source watchers) run in
threads or tasks of their own and hand each piece of news to a `Post`
callback; the app wraps it in one Textual Message whose `can_replace` lets a
`replaceable` piece of news supersede an older one of its kind still queued
(Toolong's way): a flood of probes or watch events becomes one redraw.

Plain classes with slots rather than dataclasses: this module is imported
before the first frame, and each dataclass costs a few milliseconds to make.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, ClassVar

if TYPE_CHECKING:
    from explorer.model import ClusterState
    from explorer.model.source import ClusterSource
    from explorer.traffic import TrafficPort
    from explorer.tui.view import View


class News:
    """One piece of news; equal when of one kind with equal fields."""

    __slots__: tuple[str, ...] = ()
    #: True: a newer piece of the same kind, queued behind this one, makes this one moot.
    replaceable: ClassVar[bool] = False

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(getattr(self, f) == getattr(other, f) for f in self.__slots__)

    def __hash__(self) -> int:
        return hash((type(self), *(getattr(self, f) for f in self.__slots__)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{f}={getattr(self, f)!r}' for f in self.__slots__)})"

    def __setattr__(self, name: str, value: object) -> None:
        if hasattr(self, name):
            raise AttributeError(f"{type(self).__name__}.{name} is read-only")
        object.__setattr__(self, name, value)


class Progress(News):
    """What the state pipeline is doing ("parsing dump.yaml (36.1 MiB)"); "" when it is idle."""

    __slots__ = ("text",)
    replaceable = True

    def __init__(self, text: str) -> None:
        self.text = text


class FirstLook(News):
    """A first snapshot, loaded: its rules can be drawn before the view that resolves them is made."""

    __slots__ = ("state",)

    def __init__(self, state: ClusterState) -> None:
        self.state = state


class ViewMade(News):
    """A snapshot's view is ready to be shown; `first`: the first of a source (the proxy and watchers follow)."""

    __slots__ = ("view", "first")

    def __init__(self, view: View, first: bool) -> None:
        self.view = view
        self.first = first


class WorkFailed(News):
    """Work in a service failed; the app makes it a toast."""

    __slots__ = ("what", "error")

    def __init__(self, what: str, error: BaseException) -> None:
        self.what = what  # "loading manifests"
        self.error = error


class Logged(News):
    """One line for the events log (source: explorer, proxy, request, health, cluster)."""

    __slots__ = ("source", "text", "style", "when")

    def __init__(self, source: str, text: str, style: str = "", when: float | None = None) -> None:
        self.source = source
        self.text = text
        self.style = style
        self.when = when


class HealthNews(News):
    """The proxy's probes changed some backend's health; the changed backends wait in the HealthBook."""

    __slots__ = ()
    replaceable = True


class ProxyListening(News):
    __slots__ = ("port",)

    def __init__(self, port: TrafficPort) -> None:
        self.port = port


class ProxyStopped(News):
    __slots__ = ()


class PodsOnDemandChanged(News):
    __slots__ = ("on_demand",)

    def __init__(self, on_demand: bool) -> None:
        self.on_demand = on_demand


class FilesChanged(News):
    """Manifest files changed on disk (names as the workspace knows them)."""

    __slots__ = ("names",)

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names


class ClusterChanged(News):
    """A live cluster's newest snapshot; an older one still queued is moot (each is the whole state)."""

    __slots__ = ("source", "state")
    replaceable = True

    def __init__(self, source: ClusterSource, state: ClusterState) -> None:
        self.source = source
        self.state = state


#: How a service hands news to whoever listens (from any thread).
Post = Callable[[News], Any]


__all__ = [
    "ClusterChanged", "FilesChanged", "FirstLook", "HealthNews", "Logged", "News", "PodsOnDemandChanged", "Post",
    "Progress", "ProxyListening", "ProxyStopped", "ViewMade", "WorkFailed",
]
