"""check(state, profile): every finding about a cluster state, sorted by file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from explorer.diagnostics import (
    backends, classes, controller_paths, frontends, gateway_status, health, ingress_spec, loading, metadata,
    migration, network, nginx_annotations, overlaps, pods, services, tls, walk,
)
from explorer.diagnostics.classes import Choice
from explorer.diagnostics.finding import Finding
from explorer.model.objects import Container, Service, ServicePort, Workload
from explorer.model.state import ClusterState
from explorer.routing.profile import ControllerProfile


def check(state: ClusterState, profile: Choice = None) -> list[Finding]:
    """Findings for `state`.

    `profile`: a ControllerProfile checks every Ingress for that controller;
    "auto" checks each Ingress for the controller its class names; None runs
    only the controller-neutral checks (the apiserver's and cross-object ones).
    """
    assignment = classes.assign(state, profile)
    found: list[Finding] = loading.from_problems(state.problems)
    found += migration.check(state)
    found += assignment.findings
    service_names = backends.ServiceNames(state)
    for ingress in state.ingresses:
        chosen = assignment.profile(ingress)
        found += ingress_spec.check(ingress)
        found += backends.check(state, ingress, service_names)
        found += tls.check(state, ingress)
        found += overlaps.host_rules(ingress, chosen)
        if chosen is not None:
            found += controller_paths.check(state, ingress, chosen)
            found += frontends.check(state, ingress, chosen)
            found += nginx_annotations.check(state, ingress, chosen)
    found += overlaps.across_ingresses(state.ingresses, assignment.profile)
    found += services.check(state)
    found += gateway_status.check(state)
    found += metadata.check(state)
    select = state.workloads_for
    uses = _backend_uses(state, assignment)
    backing = {(use.service.meta.namespace, use.service.meta.name) for use in uses}
    for service in state.services.values():
        found += pods.check_service(state, service, select(service),
                                    (service.meta.namespace, service.meta.name) in backing)
    found += _readiness(uses, select)
    for use in uses:
        if use.profile is not None:
            found += health.check_service(state, use.service, use.ports, use.ingresses, use.profile,
                                          select(use.service))
    found += network.check(state, uses)
    return _unique_sorted(found)


@dataclass
class _Use:
    """A Service as the Ingresses of one profile use it."""

    service: Service
    profile: ControllerProfile | None
    ports: list[ServicePort] = field(default_factory=list)
    ingresses: list[str] = field(default_factory=list)  # refs


def _backend_uses(state: ClusterState, assignment: classes.Assignment) -> list[_Use]:
    uses: dict[tuple[str, str, str | None], _Use] = {}
    for ingress in state.ingresses:
        chosen = assignment.profile(ingress)
        for backend in walk.backends(ingress):
            wanted = backend.service
            service = state.service(ingress.meta.namespace, wanted.name) if wanted is not None else None
            port = service.find_port(wanted) if service is not None and wanted is not None else None
            if service is None or port is None:
                continue  # reported by backends.check
            key = (service.meta.namespace, service.meta.name, chosen.name if chosen else None)
            use = uses.setdefault(key, _Use(service, chosen))
            if port not in use.ports:
                use.ports.append(port)
            if ingress.meta.ref not in use.ingresses:
                use.ingresses.append(ingress.meta.ref)
    return list(uses.values())


def _readiness(uses: list[_Use], select: Callable[[Service], list[Workload]]) -> list[Finding]:
    """readinessProbe checks once per container that serves any Ingress backend."""
    seen: set[tuple[str, str]] = set()
    found: list[Finding] = []
    for use in uses:
        for workload in select(use.service):
            containers: list[Container] = []
            for port in use.ports:
                for container in pods.serving_containers(workload, port.target_port):
                    if (workload.meta.ref, container.field) not in seen:
                        seen.add((workload.meta.ref, container.field))
                        containers.append(container)
            found += pods.check_readiness(workload, containers, use.service)
    return found


def _unique_sorted(findings: Iterable[Finding]) -> list[Finding]:
    unique = {(f.code, f.object, f.field, f.location, f.message): f for f in findings}
    return sorted(unique.values(), key=Finding.sort_key)

