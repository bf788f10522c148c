"""Service -> Pod: the selector picks Pods, targetPort reaches a container port, Pods become Ready.

Only what the loaded manifests show can be checked: when a namespace holds
no workloads at all, the selector is reported as not checked (info) rather
than as wrong.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Mapping

from explorer.diagnostics import names
from explorer.diagnostics.finding import Finding
from explorer.diagnostics.site import Site
from explorer.model.objects import Container, Probe, Service, ServicePort, Workload
from explorer.model.state import ClusterState


def serving_containers(workload: Workload, target: int | str) -> list[Container]:
    """The containers a Service targetPort reaches: by port name or number.

    A number that no container declares still reaches the only container
    (declared ports are informational); a name must be declared.
    """
    containers = workload.template.containers
    matched = [c for c in containers if c.find_port(target) is not None]
    if not matched and isinstance(target, int) and len(containers) == 1:
        return list(containers)
    return matched


def check_service(state: ClusterState, service: Service, selected: list[Workload],
                  backs_ingress: bool = False) -> Iterator[Finding]:
    """Selector, replicas and targetPort of every Service with a selector.

    `backs_ingress`: an Ingress sends traffic to it, so a selector-less Service without Endpoints is a
    broken backend (warning), not a remark (info).
    """
    if service.type == "ExternalName":
        return
    site = Site(service.meta)
    namespace = service.meta.namespace
    if not service.selector:
        if not any(e.service_name == service.meta.name and e.meta.namespace == namespace for e in state.endpoints):
            yield site.finding(
                "IE3004", "spec.selector",
                f"Service {service.meta.key} has no selector, and no Endpoints or EndpointSlice for it are loaded"
                + (": the Ingress backend gets no endpoints (nginx answers 503, GKE 502)" if backs_ingress else ""),
                "add spec.selector with the labels of the Pods that serve it (a Service without a selector "
                "needs Endpoints written by hand)",
                severity="warning" if backs_ingress else None, stage="broken" if backs_ingress else None,
            )
        return
    if not selected:
        yield from _no_pods(state, site, service)
        return
    if all(w.replicas == 0 for w in selected):
        refs = ", ".join(w.meta.ref for w in selected)
        yield site.finding(
            "IE3005", "spec.selector",
            f"every workload behind Service {service.meta.key} has 0 replicas ({refs}): no endpoints, "
            "so requests get 503 (nginx) or 502 (GKE)",
            "scale up: kubectl scale --replicas=1 ...",
        )
    for port in service.ports:
        yield from _target_port(site, port, selected)


def _no_pods(state: ClusterState, site: Site, service: Service) -> Iterator[Finding]:
    namespace = service.meta.namespace
    selector = _labels(service.selector or {})
    here = [w for w in state.workloads if w.meta.namespace == namespace]
    if not here:
        yield site.finding(
            "IE3003", "spec.selector",
            f"no Pods or workloads are loaded in namespace {namespace}, so selector {selector} was not checked",
            "load the Deployment (or Pods) behind this Service with another -f", severity="info", stage="risky",
        )
        return
    near = [w for w in here if set(service.selector or {}) & set(w.template.labels)]
    hint = "make spec.selector equal to labels of the Pod template (spec.template.metadata.labels)"
    if near:
        w = near[0]
        hint = f"Pods of {w.meta.ref} have labels {_labels(w.template.labels)}; " + hint
    yield site.finding(
        "IE3003", "spec.selector",
        f"selector {selector} matches no Pods: the Service has no endpoints "
        "(nginx answers 503; GKE backends stay unhealthy)",
        hint,
    )


def _labels(labels: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in labels.items())


def _target_port(site: Site, port: ServicePort, selected: list[Workload]) -> Iterator[Finding]:
    field = f"{port.field}.targetPort"
    target = port.target_port
    if (names.port_number(target) if isinstance(target, int) else names.port_name(target)):
        return  # the apiserver refuses it (IE4003)
    for workload in selected:
        declared = [p for c in workload.template.containers for p in c.ports]
        if any(c.find_port(target) is not None for c in workload.template.containers):
            continue
        if isinstance(target, str):
            named = ", ".join(p.name for p in declared if p.name) or "none"
            yield site.finding(
                "IE3006", field,
                f'targetPort "{target}" names no containerPort of {workload.meta.ref}: '
                "the endpoints get no port and traffic cannot reach the Pods",
                f"named container ports there: {named}; name the containerPort {target}, or use its number",
            )
        elif declared:
            numbers = ", ".join(str(p.container_port) for p in declared)
            yield site.finding(
                "IE3006", field,
                f"targetPort {target} is not a containerPort of {workload.meta.ref} (it declares {numbers})",
                f"set targetPort to the port the application listens on, e.g. {declared[0].container_port}",
                severity="warning",
            )


def check_readiness(workload: Workload, containers: Iterable[Container], service: Service) -> Iterator[Finding]:
    """readinessProbe of containers that serve an Ingress backend."""
    site = Site(workload.meta)
    for container in containers:
        probe = container.readiness_probe
        if probe is None:
            yield site.finding(
                "IE3007", container.field,
                f'container "{container.name}" has no readinessProbe: it gets traffic from Service '
                f"{service.meta.key} as soon as it starts, before the application answers",
                "add readinessProbe: {httpGet: {path: /healthz, port: <the containerPort>}}",
            )
            continue
        yield from _probe_port(site, container, probe)
        liveness = container.liveness_probe
        if liveness is not None and _same_check(probe, liveness):
            yield site.finding(
                "IE3009", f"{container.field}.livenessProbe",
                f'container "{container.name}": livenessProbe is the same check as readinessProbe, so a slow '
                "moment restarts the container instead of only taking it out of the load balancer",
                "give the livenessProbe a cheaper endpoint or a higher failureThreshold",
            )


def _probe_port(site: Site, container: Container, probe: Probe) -> Iterator[Finding]:
    port = probe.port
    field = f"{probe.field}.{probe.kind}.port"
    if isinstance(port, str):
        if container.find_port(port) is None:
            yield site.finding(
                "IE3008", field,
                f'readinessProbe port "{port}" is not a port container "{container.name}" declares: the probe '
                "fails, so the Pod never becomes Ready",
                "name the containerPort the same, or write the port number",
            )
    elif isinstance(port, int) and container.ports and container.find_port(port) is None:
        numbers = ", ".join(str(p.container_port) for p in container.ports)
        yield site.finding(
            "IE3008", field,
            f'container "{container.name}" does not expose port {port} for the readinessProbe '
            f"(it declares {numbers})",
            "probe the port the application serves on (GKE uses the probe only when it is the serving port)",
            severity="warning",
        )


def _same_check(a: Probe, b: Probe) -> bool:
    return (a.kind, a.path, a.port, a.scheme, a.host, a.headers) == (b.kind, b.path, b.port, b.scheme, b.host,
                                                                      b.headers)
