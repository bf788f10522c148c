"""What every screen draws from: one snapshot seen through one controller profile.

A `View` is computed once per change (load, apply, undo, controller switch,
a file changed on disk) in a worker thread, and then only read: the table,
the diagram, the findings and the proxy all show the same snapshot.
No textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Collection

from explorer.diagnostics import Finding, check
from explorer.model import ClusterState
from explorer.model.normalize import Model
from explorer.model.objects import Ingress, Service
from explorer.routing import ControllerProfile
from explorer.tui.gcpause import gc_paused
from explorer.tui.shown import shown_location, shown_path  # noqa: F401 (where they were)
from explorer.topology import (
    ControllerState, Event, IngressRow, PodView, ingress_rows, pods_for_service, predicted_sync, reconcile,
    refresh_rows,
)


@dataclass(frozen=True, slots=True)
class RowsChanged:
    """A view that is another view with new health: only these rows differ (the table redraws just them)."""

    base: int  # id() of the view it was made from (whoever compares holds that view, so the id is its own)
    rows: tuple[int, ...]  # indices into View.rows


@dataclass(frozen=True)
class View:
    state: ClusterState
    profile: ControllerProfile
    controller: ControllerState  # the simulated controller after syncing this snapshot
    rows: list[IngressRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)  # what the controller did on this sync
    why: str = ""  # what made this view: "loaded", "applied your edit to x.yaml", ...
    probed: bool = False  # True once the proxy's health checks feed `controller`
    rows_changed: RowsChanged | None = None  # set by with_controller: which rows differ from the view before

    @property
    def health(self) -> ControllerState | None:
        """Where health comes from: the probed controller, or (None) the Pods' predicted readiness."""
        return self.controller if self.probed else None

    def with_controller(self, controller: ControllerState, changed: Collection[str] | None = None) -> "View":
        """The same snapshot with health from the proxy's probes; findings kept.

        Every row is resolved again the first time (predicted health gives way
        to probed), else (`changed`: backend ids whose health changed) only the
        rows of those backends.
        """
        if changed is None or not self.probed:
            rows = ingress_rows(self.state, self.profile, controller)
            redone: list[int] | range = range(len(rows))
        else:
            rows, redone = refresh_rows(self.state, self.profile, self.rows, controller, changed)
        return View(self.state, self.profile, controller, rows, self.findings, [], "", probed=True,
                    rows_changed=RowsChanged(id(self), tuple(redone)))

    def rows_of(self, backends: Collection[str]) -> int:
        """How many rows reach one of these backends (what `with_controller(..., backends)` redoes)."""
        return sum(1 for row in self.rows if row.flow is not None and row.flow.backend_id in backends)

    def ingress_of(self, row: IngressRow) -> Ingress | None:
        namespace, _, name = row.ingress.partition("/")
        return self.state.ingress(namespace, name)

    def object_of(self, item: IngressRow | Service | PodView | Any) -> Model | None:
        """The manifest object behind a table row: the Ingress, the Service, the Pod's workload, or the
        Gateway or HTTPRoute of a Gateway API row."""
        if isinstance(item, IngressRow):
            return self.ingress_of(item)
        if isinstance(item, PodView):
            return item.owner
        from explorer.tui.gateway_rows import GatewayRow, RouteRow

        if isinstance(item, GatewayRow):
            return item.gateway  # (a Gateway API object: meta and location as a Model has them)
        if isinstance(item, RouteRow):
            return item.route
        return item

    def pods_of(self, service: Service) -> tuple[PodView, ...]:
        return pods_for_service(self.state, service)


def build_view(state: ClusterState, profile: ControllerProfile, previous: ControllerState | None,
               why: str = "", probed: bool = False, progress: Callable[[str], None] | None = None) -> View:
    """Sync the simulated controller with the snapshot, then list rows and findings through it.

    Until the proxy probes the Pods (`probed`), health is the readiness the
    Pods' probes and apps predict; a probed controller says Unknown until
    its first checks pass, which is true of a real one but says nothing.

    `progress` hears what is being done ("building 10,000 rows"), for a
    large dump. The cyclic garbage collector is paused meanwhile, as the
    loader pauses it: the work allocates hundreds of thousands of objects
    it keeps, and each collection would walk the whole snapshot again.
    """
    tell = progress or (lambda _: None)
    with gc_paused():
        tell(f"syncing the {profile.title} controller with {len(state.ingresses):,} Ingresses")
        if previous is None or previous.profile != profile.name:
            controller, events = predicted_sync(state, profile)  # the same sync, kept for the rows' front end
        else:
            controller, events = reconcile(previous, state, profile)
        tell(f"building {row_count(state):,} rows")
        rows = ingress_rows(state, profile, controller if probed else None)
        tell("checking for findings")
        findings = check(state, profile)
    return View(state, profile, controller, rows, findings, events, why, probed)


def row_count(state: ClusterState) -> int:
    """How many rows the Ingress table will have: one per rule path and per defaultBackend."""
    return sum(sum(len(rule.paths or ()) for rule in ingress.rules) + (ingress.default_backend is not None)
               for ingress in state.ingresses)
