"""The command line's garbage-collector policy; the library (model.load and the rest) leaves the collector alone.

Reading a large snapshot allocates millions of small containers and frees
almost none: left running, the cyclic collector walks them all again and
again (2.5 s over a 27,000-object dump, then 1 s on every full pass after).
Only the program knows how long it lives and whether it drops snapshots, so
the policy is chosen here, per command:

- a one-shot command (route, lint, diagram, ...) reads one snapshot,
  answers and exits: the collector stays off while it runs; what reference
  counting cannot free lives no longer than the process;
  When the command is the process's own (`main()` with no argv), the
  collector is not given back at all: the objects made so far are frozen
  instead, so neither a collection on re-enabling (a pass over every object
  the start made, about 5 ms of the route command) nor the interpreter's own
  at exit walks them (`off_until_exit`);
- `serve` keeps running and swaps snapshots on every change: the collector
  is paused while one is read and applied, then one full collection frees
  the snapshot it replaced (a routed snapshot holds reference cycles) and
  `gc.freeze()` leaves the survivors out of later passes.

The TUI has its own, with the same reasoning (explorer.tui.gcpause.gc_paused).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def off() -> Iterator[None]:
    """No cyclic collection inside (for a one-shot command); the collector is as it was after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def off_until_exit() -> Iterator[None]:
    """No cyclic collection inside, nor after: for a one-shot command that is the process (it ends with it)."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # what is left lives no longer than the process; the exit's collection skips it


@contextmanager
def paused_then_settled(collect: bool = True) -> Iterator[None]:
    """No cyclic collection inside; after, one full collection (unless `collect` is False), then a freeze.

    `collect=False` is for the first snapshot of a process, which replaced
    nothing: freezing alone keeps it out of the collector's passes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if collect:
                gc.unfreeze()  # what an earlier snapshot left frozen can be freed now
                gc.collect()
            gc.freeze()
            gc.enable()
