"""Where ClusterState snapshots come from: manifests on disk, a recording, or a live cluster.

Every view reads a `ClusterState`; a `ClusterSource` is what makes them. The
views never ask where a snapshot came from, so a recorded cluster replays
exactly like the cluster did. The live implementation lives in
`explorer.live` (it needs the kubernetes client, which the core never
imports); this module holds the abstract class and the file one.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import Iterable, Iterator, Protocol, Self

from explorer.model.load import load
from explorer.model.state import ClusterState


class SourceError(Exception):
    """A source cannot produce a state at all (no files, cluster unreachable, bad credentials).

    The message is written for the user: what failed, where, and what to do.
    Commands print it and exit with status 2.
    """


class PortForward(Protocol):
    """What `kubectl port-forward` gives: a loopback address that reaches one port of one Pod.

    `last_error` says why the last connection through it could not reach the Pod
    (no right to create pods/portforward, the Pod gone), for the 502 that follows.
    """

    @property
    def address(self) -> tuple[str, int]: ...

    @property
    def last_error(self) -> str | None: ...


class ClusterSource(ABC):
    """Makes ClusterState snapshots: one full snapshot first, then one per change."""

    @property
    @abstractmethod
    def name(self) -> str:
        """What the user is looking at, e.g. `manifests/` or `cluster:dev`."""

    @abstractmethod
    def snapshot(self) -> ClusterState:
        """The current full state. Raises SourceError when there is nothing to show."""

    def changes(self) -> Iterator[ClusterState]:
        """Block and yield a new snapshot after each change, until `close()`.

        A source that cannot change under the reader (files handed over once)
        yields nothing. Call after `snapshot()`; run it in a worker thread.
        """
        return iter(())

    def forward(self, namespace: str, pod: str, port: int) -> PortForward:
        """Reach `port` of a real Pod (call after `snapshot()`). Only a live cluster has Pods to reach."""
        raise SourceError(f"{self.name} has no running Pods to reach: its Pods are simulated")

    def close(self) -> None:
        """Stop `changes()` and release connections. Safe to call more than once."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FileSource(ClusterSource):
    """Manifests from files, directories (a `record` output among them) or stdin."""

    def __init__(self, paths: Iterable[str | os.PathLike[str]], namespace: str = "default") -> None:
        self.paths = [os.fspath(p) for p in paths]
        self.namespace = namespace

    @property
    def name(self) -> str:
        return ", ".join(self.paths)

    def snapshot(self) -> ClusterState:
        if not self.paths:
            raise SourceError("no manifests given: pass -f FILE, -f DIR or -f - (stdin)")
        return load(self.paths, namespace=self.namespace)
