"""ClusterState: the one snapshot every view reads.

Files and the live cluster both produce it; an edit or a watch event makes a
new one. It is never changed in place, so what is derived from it (route
tables, the controller's predicted sync, Pod inventories) stays valid for as
long as the snapshot lives, and lives in one typed place: `state.derived`.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Callable, Generic, Hashable, Iterable, TypeVar

from explorer.model.location import Problem
from explorer.model.objects import (
    Endpoints, Ingress, IngressClass, OtherObject, Secret, Service, Workload,
)

if TYPE_CHECKING:  # Gateway API classes are imported only when a snapshot holds such objects
    from explorer.model.gateway import Gateway, GatewayClass, HTTPRoute, ReferenceGrant
    from explorer.model.normalize import Model


T = TypeVar("T")


class Slot(Generic[T]):
    """A named kind of derived data, typed by what it holds (a module-level constant of its owner).

    Higher layers declare their slots (`TABLES: Slot[RouteTable] = Slot("route table")`);
    the model never imports them.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"


class Derived:
    """What has been computed from one snapshot, by slot and key (a profile name, a Service id, ...).

    Whatever is kept here must not point back at the snapshot (no state -> table ->
    state cycle): a dropped snapshot is then freed by reference counting alone, even
    with the cyclic collector frozen or off.
    """

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[tuple[object, Hashable], object] = {}

    def get(self, slot: Slot[T], key: Hashable, build: Callable[[], T]) -> T:
        """The value of `slot` for `key`, built by `build()` on first use."""
        index = (slot, key)
        try:
            return self._values[index]  # type: ignore[return-value]
        except KeyError:
            value = self._values[index] = build()
            return value

    def peek(self, slot: Slot[T], key: Hashable) -> T | None:
        return self._values.get((slot, key))  # type: ignore[return-value]

    def __len__(self) -> int:
        return len(self._values)


class ClusterState:
    def __init__(
        self,
        objects: Iterable[Model] = (),
        problems: Iterable[Problem] = (),
        sources: Iterable[str] = (),
        skipped: int = 0,
        unread: Iterable[str] = (),
    ) -> None:
        self.objects: tuple[Model, ...] = tuple(objects)
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.sources: tuple[str, ...] = tuple(sources)
        self.skipped = skipped  # documents left out because they could not be read
        #: Kinds the source could not read (a live cluster's Forbidden): absent does not mean missing.
        self.unread: tuple[str, ...] = tuple(unread)
        self.ingresses: tuple[Ingress, ...] = tuple(o for o in self.objects if isinstance(o, Ingress))
        self.services: dict[tuple[str, str], Service] = {}
        self.secrets: dict[tuple[str, str], Secret] = {}
        self.ingress_classes: dict[str, IngressClass] = {}
        self.workloads: list[Workload] = []
        self.endpoints: list[Endpoints] = []
        self.others: list[OtherObject] = []
        self.gateway_classes: dict[str, GatewayClass] = {}
        self.gateways: list[Gateway] = []
        self.http_routes: list[HTTPRoute] = []
        self.reference_grants: list[ReferenceGrant] = []
        #: Route tables, indexes and predictions computed from this snapshot (see Derived).
        self.derived = Derived()
        gateway_api: list[Model] = []
        for o in self.objects:
            if isinstance(o, Service):
                self.services.setdefault((o.meta.namespace, o.meta.name), o)
            elif isinstance(o, Secret):
                self.secrets.setdefault((o.meta.namespace, o.meta.name), o)
            elif isinstance(o, IngressClass):
                self.ingress_classes.setdefault(o.meta.name, o)
            elif isinstance(o, Workload):
                self.workloads.append(o)
            elif isinstance(o, Endpoints):
                self.endpoints.append(o)
            elif isinstance(o, OtherObject):
                self.others.append(o)
            elif not isinstance(o, Ingress):
                gateway_api.append(o)
        if gateway_api:  # an object of these classes exists, so their module is already imported
            self._add_gateway_api(gateway_api)

    def _add_gateway_api(self, objects: list[Model]) -> None:
        from explorer.model.gateway import Gateway, GatewayClass, HTTPRoute, ReferenceGrant

        for o in objects:
            if isinstance(o, GatewayClass):
                self.gateway_classes.setdefault(o.meta.name, o)
            elif isinstance(o, Gateway):
                self.gateways.append(o)
            elif isinstance(o, HTTPRoute):
                self.http_routes.append(o)
            elif isinstance(o, ReferenceGrant):
                self.reference_grants.append(o)

    def service(self, namespace: str, name: str) -> Service | None:
        return self.services.get((namespace, name))

    def ingress(self, namespace: str, name: str) -> Ingress | None:
        for ingress in self.ingresses:
            if ingress.meta.namespace == namespace and ingress.meta.name == name:
                return ingress
        return None

    def workloads_for(self, service: Service) -> list[Workload]:
        """Workloads whose Pods the Service's selector picks (same namespace), in state order.

        Looked up through an index of (namespace, label, value): scanning every
        workload for every Service took seconds on a cluster dump.
        """
        if not service.selector:
            return []
        namespace = service.meta.namespace
        candidates = min((self._workloads_by_label.get((namespace, k, v), []) for k, v in service.selector.items()),
                         key=len)
        wanted = service.selector.items()
        return [w for w in candidates if wanted <= w.template.labels.items()]

    @cached_property
    def _workloads_by_label(self) -> dict[tuple[str, str, str], list[Workload]]:
        index: dict[tuple[str, str, str], list[Workload]] = {}
        for w in self.workloads:
            for key, value in w.template.labels.items():
                index.setdefault((w.meta.namespace, key, value), []).append(w)
        return index

    @cached_property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(sorted({o.meta.namespace for o in self.objects if o.meta.namespace}))

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for o in self.objects:
            counts[o.meta.kind] = counts.get(o.meta.kind, 0) + 1
        parts = [f"{n} {kind}" for kind, n in sorted(counts.items())]
        text = ", ".join(parts) if parts else "no objects"
        if self.skipped:
            text += f"; {self.skipped} document{'s' if self.skipped != 1 else ''} skipped"
        return text
