"""Service and workload objects as the apiserver validates them.

Port names and numbers, nodePort range and allocation (the range is the
default `--service-node-port-range`), and a workload's selector against its
Pod template. Style is left alone: a NodePort Service or a numbered port is
fine.
"""

from __future__ import annotations

from typing import Iterator

from explorer.diagnostics import names
from explorer.diagnostics.finding import Finding
from explorer.diagnostics.site import Site
from explorer.model.objects import Service, Workload
from explorer.model.state import ClusterState

NODE_PORT_RANGE = (30000, 32767)
_NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


def check(state: ClusterState) -> Iterator[Finding]:
    allocated: dict[int, tuple[Service, str]] = {}
    for service in state.services.values():
        yield from _ports(Site(service.meta), service)
        yield from _node_ports(Site(service.meta), service, allocated)
    for workload in state.workloads:
        yield from _selector(workload)


def _ports(site: Site, service: Service) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    several = len(service.ports) > 1
    for port in service.ports:
        if several and not port.name:
            yield site.finding("IE4001", f"{port.field}.name", "Required value",
                               "a Service with several ports must name each one, e.g. name: http")
        if port.name:
            for message in names.one(names.dns1123_label(port.name)):
                yield site.finding("IE4002", f"{port.field}.name", f'Invalid value: "{port.name}": {message}',
                                   "name ports in lower case, e.g. http, https, metrics")
            if port.name in seen:
                yield site.finding("IE4002", f"{port.field}.name", f'Duplicate value: "{port.name}"',
                                   f"{seen[port.name]} already uses this name")
            seen[port.name] = port.field
        for message in names.one(names.port_number(port.port)):
            yield site.finding("IE4003", f"{port.field}.port", f"Invalid value: {port.port}: {message}",
                               "the port clients use, between 1 and 65535")
        target = port.target_port
        messages = names.port_number(target) if isinstance(target, int) else names.port_name(target)
        for message in names.one(messages):
            shown = str(target) if isinstance(target, int) else f'"{target}"'
            hint = ("a number in quotes is a port name; write it without quotes"
                    if isinstance(target, str) and target.isdigit() else
                    "write the containerPort's number, or its name (lowercase letters, digits, '-')")
            yield site.finding("IE4003", f"{port.field}.targetPort", f"Invalid value: {shown}: {message}", hint)


def _node_ports(site: Site, service: Service, allocated: dict[int, tuple[Service, str]]) -> Iterator[Finding]:
    low, high = NODE_PORT_RANGE
    for port in service.ports:
        node_port = port.node_port
        if not node_port:
            continue
        field = f"{port.field}.nodePort"
        if service.type == "ClusterIP":
            yield site.finding("IE4006", field, "Forbidden: may not be used when `type` is 'ClusterIP'",
                               "set type: NodePort, or remove nodePort")
            continue
        if service.type not in _NODE_PORT_TYPES:
            continue
        if not low <= node_port <= high:
            yield site.finding(
                "IE4004", field,
                f"Invalid value: {node_port}: provided port is not in the valid range. "
                f"The range of valid ports is {low}-{high}",
                "pick a nodePort in 30000-32767, or leave it out and let Kubernetes choose "
                "(clusters can change the range with --service-node-port-range)",
            )
            continue
        if node_port in allocated:
            other, other_field = allocated[node_port]
            yield site.finding(
                "IE4005", field, f"Invalid value: {node_port}: provided port is already allocated",
                f"{other.meta.ref} {other_field} uses it ({other.meta.location.file}:"
                f"{Site(other.meta).line(other_field)}); pick another or leave nodePort out",
            )
            continue
        allocated[node_port] = (service, field)


def _selector(workload: Workload) -> Iterator[Finding]:
    if workload.is_pod:
        return
    site = Site(workload.meta)
    raw_spec = (workload.meta.raw or {}).get("spec") or {}
    if not raw_spec.get("selector"):
        if workload.meta.api_version == "apps/v1":
            yield site.finding("IE4007", "spec.selector", "Required value",
                               "copy the Pod template's labels into spec.selector.matchLabels")
        return
    selector = workload.selector
    if workload.meta.kind == "ReplicationController":
        selector = raw_spec.get("selector") if isinstance(raw_spec.get("selector"), dict) else None
    if selector and not selector.items() <= workload.template.labels.items():
        labels = ", ".join(f"{k}: {v}" for k, v in workload.template.labels.items()) or "none"
        yield site.finding(
            "IE4007", "spec.template.metadata.labels",
            "Invalid value: `selector` does not match template `labels`",
            f"the template's labels are {{{labels}}}; every spec.selector.matchLabels entry must be among them",
        )
