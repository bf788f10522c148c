"""Pausing the cyclic garbage collector while a large snapshot is made. No textual."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Callable, Iterator


#: Objects made in a pause past which the collector is run, and the survivors frozen (a cluster dump makes millions).
COLLECT_AFTER = 200_000


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
    collection until the next snapshot. Nested pauses (and the loader's own)
    leave this to the outermost.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_count()[0] > COLLECT_AFTER:
                if progress is not None:
                    progress("collecting garbage")
                gc.unfreeze()
                gc.collect()
                gc.freeze()
            gc.enable()
