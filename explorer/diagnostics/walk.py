"""Walks over an Ingress that several checks share, and the field names the author used."""

from __future__ import annotations

from typing import Iterator

from explorer.model.objects import HTTPIngressPath, Ingress, IngressBackend, IngressRule


def backends(ingress: Ingress) -> Iterator[IngressBackend]:
    """The defaultBackend first, then every path's backend, in manifest order."""
    if ingress.default_backend is not None:
        yield ingress.default_backend
    for _, path in paths(ingress):
        yield path.backend


def paths(ingress: Ingress) -> Iterator[tuple[IngressRule, HTTPIngressPath]]:
    for rule in ingress.rules:
        for path in rule.paths or ():
            yield rule, path


def service_name_field(ingress: Ingress, backend: IngressBackend) -> str:
    """`...backend.service.name`, or `...backend.serviceName` in a v1beta1 manifest."""
    return f"{backend.field}.{ingress.spelled.get('service.name', 'service.name')}"


def service_port_field(ingress: Ingress, backend: IngressBackend) -> str:
    """`...backend.service.port.number` (or `.name`), or `...backend.servicePort` in v1beta1."""
    if "service.port" in ingress.spelled:
        return f"{backend.field}.{ingress.spelled['service.port']}"
    service = backend.service
    which = "number" if service is not None and service.port_number is not None else "name"
    return f"{backend.field}.service.port.{which}"
