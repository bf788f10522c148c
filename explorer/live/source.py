"""LiveSource: a cluster read with list, then kept current with watch.

`snapshot()` lists every kind (in parallel) and builds the first ClusterState;
`changes()` then watches each kind in a thread of its own and yields a new
ClusterState after each burst of events (debounced, so a rollout of fifty
Pods is one redraw, not fifty).

Resource versions are kept per kind, as the API asks: a watch starts from the
list's resourceVersion, moves on with every event and BOOKMARK, resumes from
where it was after a dropped connection or the server's timeout, and on
410 Gone (history compacted) lists again and diffs.

A kind that answers 403 Forbidden is left out with a message that names the
verb, resource and namespace to ask for; the rest of the state still works.
Only an unreachable server, refused credentials or a bad kubeconfig stop
the whole thing (LiveError, exit status 2).
"""

from __future__ import annotations

import os
import queue
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from explorer.live.api import RawApi, json_lines
from explorer.live.errors import (
    ApiStatus, Gone, LiveError, Unreachable, unauthorized_message, unreachable_message,
)
from explorer.live.kubeconfig import ClusterTarget, Connection, connect
from explorer.live.resources import FALLBACKS, RESOURCES, Resource, trim
from explorer.model.location import Location, Problem
from explorer.model.normalize import Model, normalize
from explorer.model.source import ClusterSource
from explorer.model.state import ClusterState

if TYPE_CHECKING:
    from explorer.live.portforward import PortForwarder

Key = tuple[str, str]  # (namespace, name)


@dataclass
class _Kind:
    """What is known of one kind: its trimmed objects, their models, and what could not be modelled."""

    resource: Resource
    resource_version: str = ""
    raw: dict[Key, dict[str, Any]] = field(default_factory=dict)
    models: dict[Key, Model] = field(default_factory=dict)
    rejected: dict[Key, list[Problem]] = field(default_factory=dict)


@dataclass
class _Cursor:
    """Where one kind's watch is: the resourceVersion to resume from, and how the last try went."""

    resource_version: str
    opened: bool = False  # the last watch request got a stream (so a failure was a cut, not a refusal)
    noted: str = ""  # the note about this watch that is showing; cleared once a watch opens again
    gone: int = 0  # 410s in a row: a server that keeps answering Gone after a fresh list is waited for


class LiveSource(ClusterSource):
    def __init__(self, target: ClusterTarget, *, debounce: float = 0.1, max_delay: float = 1.0,
                 watch_timeout: int = 300, environ: dict[str, str] | None = None) -> None:
        self.target = target
        self.debounce = debounce  # quiet time that ends a burst of events
        self.max_delay = max_delay  # a steady stream of events still redraws this often
        self.watch_timeout = watch_timeout  # the server ends each watch after this (to twice this); we resume
        self._environ = environ
        self.connection: Connection | None = None
        self._api: RawApi | None = None
        self._kinds: dict[Resource, _Kind] = {}
        self._notes: dict[Resource, Problem] = {}
        self._unread: set[str] = set()  # kinds the cluster would not let us read (not: kinds it lacks)
        self._order = 0
        self._events: queue.Queue = queue.Queue()
        self._closing = threading.Event()
        self._threads: list[threading.Thread] = []
        self._streams: set[Any] = set()
        self._lock = threading.Lock()
        self._forwarders: dict[tuple[str, str, int], PortForwarder] = {}

    @property
    def name(self) -> str:
        context = self.connection.context if self.connection else (self.target.context or "current-context")
        return f"cluster:{context}"

    # ------------------------------------------------------------ the first state

    def snapshot(self) -> ClusterState:
        """Connect, list every kind, and build the first state. Call once, before changes()."""
        if self.connection is None:
            self.connection = connect(self.target, os.environ if self._environ is None else self._environ)
            self._api = RawApi(self.connection)
        resources = [r for r in RESOURCES if not r.optional or self._installed(r)]
        with ThreadPoolExecutor(max_workers=len(resources)) as pool:
            results = list(pool.map(self._try_list, resources))
        for resource, result in zip(resources, results):
            if isinstance(result, ApiStatus) and result.code in (403, 404) and resource in FALLBACKS:
                fallback = FALLBACKS[resource]
                second = self._try_list(fallback)
                if not isinstance(second, Exception):
                    self._notes[resource] = self._instead(resource, fallback)
                    resource, result = fallback, second
            if isinstance(result, Exception):
                self._fail(resource, "list", result)
                continue
            kind = self._kinds[resource] = _Kind(resource)
            self._replace(kind, *result)
        return self._state()

    def _installed(self, resource: Resource) -> bool:
        """Discovery for a CRD: is its group/version served, with this resource in it?"""
        assert self._api is not None
        try:
            listing = self._api.get(f"/apis/{resource.group}/{resource.version}")
        except (ApiStatus, Unreachable) as exc:
            if not (isinstance(exc, ApiStatus) and exc.code == 404):  # 404: the CRD is not installed
                self._fail(resource, "get", exc)
            return False
        return any(r.get("name") == resource.plural for r in listing.get("resources") or ())

    def _scope(self, resource: Resource) -> str | None:
        assert self.connection is not None
        return self.connection.namespace if resource.namespaced else None

    def _list(self, resource: Resource) -> tuple[list[dict[str, Any]], str]:
        assert self._api is not None
        body = self._api.get(resource.path(self._scope(resource)))
        items = [trim(resource, item) for item in body.get("items") or () if isinstance(item, dict)]
        return items, str((body.get("metadata") or {}).get("resourceVersion") or "")

    def _try_list(self, resource: Resource) -> tuple[list[dict[str, Any]], str] | Exception:
        try:
            return self._list(resource)
        except (ApiStatus, Unreachable) as exc:
            return exc

    def _fail(self, resource: Resource, verb: str, exc: Exception) -> None:
        """Stop everything for what concerns the whole cluster; degrade one kind for the rest."""
        assert self.connection is not None
        conn = self.connection
        if isinstance(exc, Unreachable):
            raise LiveError(unreachable_message(conn.server, conn.context, str(exc)))
        if isinstance(exc, ApiStatus) and exc.code == 401:
            raise LiveError(unauthorized_message(conn.server, conn.context))
        self._notes[resource] = self._note(resource, verb, exc)
        if not (isinstance(exc, ApiStatus) and exc.code == 404):
            self._unread.add(resource.kind)

    def _where(self, resource: Resource, verb: str) -> tuple[str, str]:
        """The scope in words, and the kubectl command that checks the permission there."""
        assert self.connection is not None
        scope = self._scope(resource)
        where = f'namespace "{scope}"' if scope else ("all namespaces" if resource.namespaced else "the cluster")
        flag = f"-n {scope} " if scope else ("-A " if resource.namespaced else "")
        return where, f"kubectl auth can-i {verb} {resource.resource} {flag}--context {self.connection.context}"

    def _instead(self, resource: Resource, fallback: Resource) -> Problem:
        where, can_i = self._where(resource, "list")
        return Problem(Location(self.name), f"cannot list {resource.resource} in {where}; reading "
                       f"{fallback.resource} instead", "info", hint=f"check with `{can_i}`")

    def _note(self, resource: Resource, verb: str, exc: Exception) -> Problem:
        where, can_i = self._where(resource, verb)
        here = Location(self.name)
        if isinstance(exc, ApiStatus) and exc.code == 403:
            return Problem(here, f"forbidden: cannot {verb} {resource.resource} in {where}; {resource.loss}",
                           "warning", hint=f"ask for get, list and watch on {resource.resource} in {where}; "
                                           f"check with `{can_i}`")
        if isinstance(exc, ApiStatus) and exc.code == 404:
            return Problem(here, f"{resource.resource} ({resource.api_version}) is not served by this cluster; "
                           f"{resource.loss}", "info")
        return Problem(here, f"cannot {verb} {resource.resource} in {where}: {exc}; {resource.loss}", "warning")

    # ------------------------------------------------------------ objects -> models

    def _file(self, resource: Resource, key: Key) -> str:
        namespace, name = key
        return f"{self.name}/{resource.kind}/{namespace}/{name}" if namespace else \
            f"{self.name}/{resource.kind}/{name}"

    def _key(self, obj: dict[str, Any]) -> Key | None:
        meta = obj.get("metadata")
        if not isinstance(meta, dict) or not meta.get("name"):
            return None
        return (str(meta.get("namespace") or ""), str(meta["name"]))

    def _put(self, kind: _Kind, obj: dict[str, Any]) -> None:
        key = self._key(obj)
        if key is None:
            return
        self._order += 1
        result = normalize(obj, self._file(kind.resource, key), 0, self._order, key[0] or "default")
        kind.raw[key] = obj
        if result.obj is None:
            # The API server accepted this object, so only our schema can be wrong; say so, keep the rest.
            kind.models.pop(key, None)
            kind.rejected[key] = result.problems
        else:
            # Field remarks on live objects are moot: the API server validated them when they were written.
            kind.models[key] = result.obj
            kind.rejected.pop(key, None)

    def _remove(self, kind: _Kind, obj: dict[str, Any]) -> None:
        key = self._key(obj)
        if key is not None:
            kind.raw.pop(key, None)
            kind.models.pop(key, None)
            kind.rejected.pop(key, None)

    def _replace(self, kind: _Kind, items: list[dict[str, Any]], resource_version: str) -> None:
        kind.raw.clear()
        kind.models.clear()
        kind.rejected.clear()
        items.sort(key=lambda o: (str((o.get("metadata") or {}).get("creationTimestamp") or ""),
                                  self._key(o) or ("", "")))
        for item in items:
            self._put(kind, item)
        kind.resource_version = resource_version

    def _state(self) -> ClusterState:
        objects: list[Model] = []
        problems = list(self._notes.values())
        skipped = 0
        for kind in self._kinds.values():
            objects.extend(kind.models.values())
            for rejected in kind.rejected.values():
                problems.extend(rejected)
                skipped += 1
        return ClusterState(objects, problems, (self.name,), skipped, unread=tuple(sorted(self._unread)))

    def raw_objects(self) -> Iterator[dict[str, Any]]:
        """Every object read, trimmed (no Secret values), in reading order: what `record` writes."""
        for kind in self._kinds.values():
            yield from kind.raw.values()

    # ------------------------------------------------------------ watching

    def changes(self) -> Iterator[ClusterState]:
        if self.connection is None:
            raise RuntimeError("LiveSource.changes() needs snapshot() first")
        for kind in list(self._kinds.values()):
            thread = threading.Thread(target=self._watch, args=(kind.resource, kind.resource_version),
                                      name=f"watch {kind.resource.resource}", daemon=True)
            self._threads.append(thread)
            thread.start()
        while not self._closing.is_set():
            item = self._events.get()
            if item is None:
                return
            self._apply(item)
            burst_start = time.monotonic()
            while True:
                wait = min(self.debounce, burst_start + self.max_delay - time.monotonic())
                if wait <= 0:
                    break
                try:
                    item = self._events.get(timeout=wait)
                except queue.Empty:
                    break
                if item is None:
                    return
                self._apply(item)
            yield self._state()

    def _apply(self, item: tuple[Any, ...]) -> None:
        """Runs on the thread that iterates changes(): the only one that touches the kinds."""
        what, resource = item[0], item[1]
        kind = self._kinds[resource]
        if what == "event":
            _, _, event_type, obj = item
            if event_type == "DELETED":
                self._remove(kind, obj)
            else:
                self._put(kind, obj)
        elif what == "relist":
            self._replace(kind, item[2], item[3])
        elif what == "note":
            if item[2] is None:
                self._notes.pop(resource, None)
            else:
                self._notes[resource] = item[2]

    def _watch(self, resource: Resource, resource_version: str) -> None:
        """One kind's watch loop, in its own thread; talks to the rest only through the event queue.

        A watch cut mid-stream is reopened at once from the last resourceVersion,
        silently; only a reopen that fails becomes a note (and backs off).
        """
        cursor = _Cursor(resource_version)
        backoff = 0.5
        while not self._closing.is_set():
            cursor.opened = False
            try:
                self._watch_once(resource, cursor)
                backoff = 0.5  # a clean end: the server's timeoutSeconds; watch again from here
                continue
            except (Gone, ApiStatus, Unreachable, ValueError) as exc:
                if self._closing.is_set():
                    return
                error: Exception = exc
            if isinstance(error, Gone) or (isinstance(error, ApiStatus) and error.code == 410):
                cursor.gone += 1
                if cursor.gone > 1 and self._closing.wait(min(0.5 * 2 ** cursor.gone, 30.0)):
                    return
                try:  # history compacted: list again, from a fresh resourceVersion
                    items, cursor.resource_version = self._list(resource)
                    self._events.put(("relist", resource, items, cursor.resource_version))
                    continue
                except (ApiStatus, Unreachable) as relist_error:
                    verb, error = "list", relist_error
            else:
                verb = "watch"
                if cursor.opened and isinstance(error, (Unreachable, ValueError)):
                    continue  # cut mid-stream: resume from the last resourceVersion right away
            if isinstance(error, (Unreachable, ValueError)):
                error = Unreachable(f"connection lost ({error}); retrying")
            note = self._note(resource, verb, error)
            if str(note) != cursor.noted:  # the same failure again is not a change worth a new state
                self._events.put(("note", resource, note))
                cursor.noted = str(note)
            self._closing.wait(backoff)
            backoff = min(backoff * 2, 30.0)

    def _watch_once(self, resource: Resource, cursor: "_Cursor") -> None:
        """One watch request, read to its end, moving the cursor with every event."""
        assert self._api is not None
        # between one and two watch_timeouts, as client-go does, so the kinds do not all reconnect at once
        seconds = int(self.watch_timeout * (1 + random.random()))
        response = self._api.stream(resource.path(self._scope(resource)), [
            ("watch", "true"), ("resourceVersion", cursor.resource_version), ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", str(seconds)),
        ], timeout=(5.0, seconds + 30.0))
        cursor.opened = True
        if cursor.noted:
            self._events.put(("note", resource, None))
            cursor.noted = ""
        with self._lock:
            self._streams.add(response)
        if self._closing.is_set():  # close() ran while this watch was being opened
            _shutdown(response)
        try:
            for event in json_lines(response):
                event_type = event.get("type")
                obj = event.get("object") or {}
                if event_type == "ERROR":
                    error = ApiStatus.from_body(int(obj.get("code") or 500), "", obj)
                    raise Gone() if error.code == 410 else error
                cursor.gone = 0
                if event_type in ("ADDED", "MODIFIED", "DELETED"):
                    self._events.put(("event", resource, event_type, trim(resource, obj)))
                version = (obj.get("metadata") or {}).get("resourceVersion")
                if version:  # BOOKMARKs move it on too, so a quiet kind resumes without a relist
                    cursor.resource_version = str(version)
        finally:
            with self._lock:
                self._streams.discard(response)
            response.release_conn()

    # ------------------------------------------------------------ port-forwarding

    def forward(self, namespace: str, pod: str, port: int) -> "PortForwarder":
        """A loopback listener (`.address`) that reaches `port` of a Pod, as `kubectl port-forward` does.

        Opened on first use and kept until close(); each TCP connection to it
        is a new port-forward stream to the Pod. When a stream cannot be opened
        the connection is closed and `.last_error` says why (403: the user lacks
        create on pods/portforward; 404: the Pod is gone).
        """
        from explorer.live.portforward import PortForwarder

        if self.connection is None:
            raise RuntimeError("LiveSource.forward() needs snapshot() first")
        key = (namespace, pod, port)
        with self._lock:
            forwarder = self._forwarders.get(key)
            if forwarder is None:
                forwarder = self._forwarders[key] = PortForwarder(self.connection, namespace, pod, port)
        return forwarder

    def close(self) -> None:
        self._closing.set()
        with self._lock:
            streams = list(self._streams)
            forwarders = list(self._forwarders.values())
            self._forwarders.clear()
        for response in streams:
            _shutdown(response)
        for forwarder in forwarders:
            forwarder.close()
        self._events.put(None)
        for thread in self._threads:
            thread.join(5)
        if self.connection is not None:
            self.connection.close()


def _shutdown(response: Any) -> None:
    """Unblock a thread reading a watch; the response may already be finished or released."""
    try:
        response.shutdown()
    except (OSError, RuntimeError, ValueError):
        pass
