"""Pausing the cyclic garbage collector while a large snapshot is made, and while the TUI starts. No textual."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Callable, Iterator


#: Objects made in a pause past which the collector is run, and the survivors frozen (a cluster dump makes millions).
COLLECT_AFTER = 200_000

_lock = threading.Lock()
_open = 0  # pauses open now, in any thread (the start's, the pipeline's, a view's inside it)
_resume = False  # the collector was on when the first of them began: the last one to end turns it on again
_starting = False  # the start's pause is open (start_paused, until end_start_pause)


@contextmanager
def gc_paused(progress: Callable[[str], None] | None = None) -> Iterator[None]:
    """No cyclic garbage collection inside; after work that made many objects, one collection, then a freeze.

    Left to itself, the collector would walk every object of a large snapshot
    three times (once per generation) soon after it was made, and again
    whenever the objects made since reach a quarter of those kept: each walk
    held the interpreter for over a second, freezing the screen just as the
    rows came in. Here one full collection, in the worker, walks them once
    (the objects frozen after the previous snapshot included, so nothing it
    dropped is kept), and `gc.freeze()` leaves the survivors out of every
    collection until the next snapshot. Pauses open at once (nested, in
    another thread, or the start's) leave this to the last one to end.
    """
    _hold()
    try:
        yield
    finally:
        _release(progress)


def start_paused() -> None:
    """No cyclic collection from now until the TUI's first frame is on screen (`end_start_pause`).

    Taken by the `tui` command before textual is imported. Nothing made while
    the app starts is garbage (modules, classes, the first widgets), yet the
    collector walked it all some hundred times before the first frame, and
    once in full (generation 2, a fifth of the bare app's whole start); a bare
    Textual app allocates too little to reach generation 2.
    """
    global _starting
    with _lock:
        if _starting:
            return
        _starting = True
    _hold()


def end_start_pause() -> None:
    """The first frame is on screen: the collector runs again, over what is made from now on.

    What the start made is frozen first (`gc.freeze()`), as a long-lived
    server does after its imports: it lives as long as the app, and later
    collections need not walk it. A pause still open (the first load, begun
    with the app) settles when it ends, as before. Does nothing without
    `start_paused`, or the second time.
    """
    global _starting
    with _lock:
        if not _starting:
            return
        _starting = False
        if _resume:
            gc.freeze()
    _release(None)


def _hold() -> None:
    global _open, _resume
    with _lock:
        if _open == 0:
            _resume = gc.isenabled()
            gc.disable()
        _open += 1


def _release(progress: Callable[[str], None] | None) -> None:
    global _open
    with _lock:
        _open -= 1
        if _open or not _resume:
            return
        if gc.get_count()[0] > COLLECT_AFTER:
            if progress is not None:
                progress("collecting garbage")
            gc.unfreeze()
            gc.collect()
            gc.freeze()
        gc.enable()
