"""Ingress -> Service: the backend Service exists in the Ingress's namespace and has the port.

The port rule is the one peers get wrong: a backend `port.number` names the
Service's `spec.ports[].port` (not targetPort, not nodePort), and an
unnamed Service port matches only by number (`Service.find_port`).
"""

from __future__ import annotations

import difflib
from typing import Iterator

from explorer.diagnostics import names
from explorer.diagnostics.finding import Finding
from explorer.diagnostics.site import Site
from explorer.diagnostics.walk import backends, service_name_field, service_port_field
from explorer.model.objects import Ingress, IngressBackend, Service, ServiceBackend
from explorer.model.state import ClusterState


class ServiceNames:
    """Did-you-mean for missing Services, within a budget of comparisons per check run.

    difflib compares the missing name with every Service of the namespace: on a
    dump with 5,000 Services and 2,000 broken backends that was 24 s of a lint.
    The budget keeps the whole run near a second; hints past it name no
    candidate. Backends are checked in a fixed order, so the output is stable.
    """

    def __init__(self, state: ClusterState, budget: int = 60_000) -> None:
        self.by_namespace: dict[str, list[str]] = {}
        for namespace, name in state.services:
            self.by_namespace.setdefault(namespace, []).append(name)
        self.budget = budget
        self._memo: dict[tuple[str, str], str | None] = {}

    def close_to(self, namespace: str, name: str) -> str | None:
        key = (namespace, name)
        if key not in self._memo:
            here = self.by_namespace.get(namespace, [])
            close = None
            if len(here) <= self.budget:
                self.budget -= len(here)
                close = next(iter(difflib.get_close_matches(name, here, n=1, cutoff=0.6)), None)
            self._memo[key] = close
        return self._memo[key]


def check(state: ClusterState, ingress: Ingress, service_names: ServiceNames | None = None) -> Iterator[Finding]:
    suggest = service_names or ServiceNames(state)
    site = Site(ingress.meta)
    namespace = ingress.meta.namespace
    for backend in backends(ingress):
        wanted = backend.service
        if wanted is None or not wanted.name or names.dns1035_label(wanted.name):
            continue  # no name, or one the apiserver refuses (IE2014): nothing to look up
        service = state.service(namespace, wanted.name)
        if service is None and not state.services:
            yield site.finding(
                "IE3001", service_name_field(ingress, backend),
                f'no Service is loaded at all, so backend Service "{wanted.name}" was not checked',
                "load the Services behind this Ingress with another -f", severity="info", stage="risky",
            )
            continue
        if service is None:
            yield site.finding(
                "IE3001", service_name_field(ingress, backend),
                f'services "{wanted.name}" not found in namespace "{namespace}"',
                _missing_service_hint(state, suggest, namespace, wanted.name),
            )
            continue
        if service.type == "ExternalName" or not _valid_port(wanted):
            continue  # an ExternalName Service needs no ports; a missing or invalid one is reported elsewhere
        port = service.find_port(wanted)
        if port is None:
            yield site.finding(
                "IE3002", service_port_field(ingress, backend),
                f'could not find port "{wanted.port}" in service "{service.meta.key}"',
                _missing_port_hint(service, backend),
            )
        elif (port.protocol or "TCP") != "TCP":
            yield site.finding(
                "IE3010", service_port_field(ingress, backend),
                f'port {port} of service "{service.meta.key}" is protocol {port.protocol}: an Ingress sends HTTP '
                "over TCP, so no request reaches it",
                f"point the backend at a TCP port of the Service, or add one: {{name: http, port: {port.port}, "
                "protocol: TCP}} (a Service may have the same port number for TCP and UDP)",
            )


def _valid_port(wanted: ServiceBackend) -> bool:
    if wanted.port_number is not None:
        return not names.port_number(wanted.port_number)
    return bool(wanted.port_name) and not names.port_name(wanted.port_name or "")


def _missing_service_hint(state: ClusterState, suggest: ServiceNames, namespace: str, name: str) -> str:
    elsewhere = sorted(ns for ns in suggest.by_namespace if ns != namespace and (ns, name) in state.services)
    if elsewhere:
        return (f"Service {name} exists in namespace {', '.join(elsewhere)}; an Ingress reaches only Services "
                "in its own namespace")
    close = suggest.close_to(namespace, name)
    if close:
        return f"did you mean {close}?"
    return "create the Service, or load the file that defines it with another -f"


def _missing_port_hint(service: Service, backend: IngressBackend) -> str:
    wanted = backend.service
    assert wanted is not None
    ports = ", ".join(str(p) for p in service.ports) or "none"
    if wanted.port_number is not None:
        for port in service.ports:
            if port.target_port == wanted.port_number:
                return (f"{wanted.port_number} is the targetPort of Service port {port.port}; an Ingress names "
                        f"the Service's port: write port.number: {port.port}"
                        + (f" (or port.name: {port.name})" if port.name else ""))
            if port.node_port == wanted.port_number:
                return (f"{wanted.port_number} is the nodePort of Service port {port.port}; an Ingress names "
                        f"the Service's port: write port.number: {port.port}")
    elif wanted.port_name:
        if wanted.port_name.isdigit():
            return f'"{wanted.port_name}" is a name because it is quoted; write the number without quotes'
        unnamed = [p for p in service.ports if not p.name]
        if unnamed:
            return (f"Service port {unnamed[0].port} has no name, so it matches only by number: write "
                    f"port.number: {unnamed[0].port}, or name the Service port {wanted.port_name}")
    return f"the Service's ports are: {ports}"
