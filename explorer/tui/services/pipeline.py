"""The state pipeline: snapshots (load, apply, undo, reload, a cluster's change) and their views, one at a time.

One daemon thread takes jobs in order, so two snapshots never race and an
older one never replaces a newer. The thread is a daemon on purpose: a
thread pool's workers are joined when the interpreter ends, so quitting
while a 36 MiB dump loads would keep the process alive until the load was
done. Work abandoned that way is frozen out of the garbage collector: the
interpreter's last collections, as it exits, walk every object several
times, which took 10 s over a half-read dump. No textual here.
"""

from __future__ import annotations

import gc
import queue
import threading
from typing import Callable, NamedTuple

from typing import TYPE_CHECKING

from explorer.tui.gcpause import gc_paused
from explorer.tui.services.news import FirstLook, Post, Progress, ViewMade, WorkFailed
from explorer.tui.workspace import Snapshot

if TYPE_CHECKING:
    from explorer.routing import ControllerProfile
    from explorer.topology import ControllerState

#: Longest a first job waits for the app to paint the rules before it goes on to resolve them.
FIRST_PAINT_WAIT = 2.0


class Basis(NamedTuple):
    """What a view is built on, read when its job starts (jobs before it may have changed it)."""

    previous: ControllerState | None  # the controller to reconcile from; None: a first sync
    probed: bool  # the proxy's probes feed health


class Job(NamedTuple):
    make: Callable[[], Snapshot | None]  # None: nothing changed, nothing to show
    profile: Callable[[], ControllerProfile]  # (routing is imported in the pipeline's thread)
    basis: Callable[[], Basis]
    why: str | None = None
    first: bool = False
    reading: str = "applying the change"  # what the progress line says while `make` runs
    looked: bool = False  # a first job whose rules the app drew itself (it sets `painted` once they are)


class StatePipeline:
    def __init__(self, post: Post, progress: Callable[[str], None] | None = None) -> None:
        """`progress` hears what a job is doing (default: posted as Progress news)."""
        self._post = post
        self._progress = progress or (lambda text: self._tell(Progress(text)))
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._busy = threading.Event()
        #: Set by the app once the first snapshot's rules are on screen (FirstLook).
        self.painted = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="ingress-explorer state", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        if not self._closed:
            self._jobs.put(job)

    @property
    def busy(self) -> bool:
        """A job is running or waiting."""
        return self._busy.is_set() or not self._jobs.empty()

    def close(self) -> None:
        """No more jobs; a job still running is abandoned (see the module's docstring)."""
        self._closed = True
        if self._busy.is_set():
            gc.freeze()
        self._jobs.put(None)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._closed:
                return
            self._busy.set()
            try:
                self._do(job)
            except Exception as exc:  # made a toast by the app, never a dead pipeline
                self._progress("")
                self._tell(WorkFailed("loading manifests" if job.first else "applying the change", exc))
            finally:
                self._busy.clear()

    def _do(self, job: Job) -> None:
        progress = self._progress
        with gc_paused(progress):
            progress(job.reading)
            snapshot = job.make()
            if snapshot is None:
                progress("")
                return
            if job.first:
                # the rules on screen first; routing, topology and diagnostics are imported after that frame
                if not job.looked:
                    self.painted.clear()
                    self._tell(FirstLook(snapshot.state))
                self.painted.wait(FIRST_PAINT_WAIT)
                self.painted.clear()
            from explorer.tui.view import build_view

            basis = job.basis()
            view = build_view(snapshot.state, job.profile(), basis.previous, job.why or snapshot.why,
                              probed=basis.probed, progress=progress)
        progress(f"drawing {len(view.rows):,} rows")
        self._tell(ViewMade(view, job.first))

    def _tell(self, news: FirstLook | Progress | ViewMade | WorkFailed) -> None:
        if not self._closed:
            self._post(news)
