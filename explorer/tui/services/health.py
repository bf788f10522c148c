"""The probed health: the view's controller plus every probe the proxy made since, and what changed.

The proxy link records probes (on the event loop); the state pipeline reads
the controller as the basis of the next snapshot (in its thread); the app
takes the backends that changed when it redraws. Hence the lock. No textual.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (probes come once the proxy runs: topology is loaded by then)
    from explorer.topology import ControllerState
    from explorer.traffic import HealthChecked


class HealthBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._controller: ControllerState | None = None
        self._changed: set[str] = set()

    @property
    def controller(self) -> ControllerState | None:
        with self._lock:
            return self._controller

    def reset(self, controller: ControllerState | None) -> None:
        """A new view: its rows were made with the health known until now."""
        with self._lock:
            self._controller, self._changed = controller, set()

    def record(self, event: HealthChecked) -> bool:
        """Keep one probe's result; True when it changed the target's state (its backend waits in `changed`)."""
        from explorer.topology import record_probe

        with self._lock:
            controller = self._controller
            if controller is None:
                return False
            before = controller.target_health(event.backend, event.pod).state
            try:
                controller = record_probe(controller, event.backend, event.pod, event.status, event.time)
            except KeyError:  # a probe of a backend this view does not have (a snapshot is being applied)
                return False
            self._controller = controller
            if controller.target_health(event.backend, event.pod).state == before:
                return False
            self._changed.add(event.backend)
            return True

    def take_changed(self) -> tuple[ControllerState | None, set[str]]:
        """The controller now, and the backends changed since the last take (cleared)."""
        with self._lock:
            changed, self._changed = self._changed, set()
            return self._controller, changed

    def give_back(self, changed: set[str]) -> None:
        """Backends a redraw could not take in yet (one was running): the next one does."""
        with self._lock:
            self._changed |= changed

    @property
    def pending(self) -> bool:
        with self._lock:
            return bool(self._changed)
