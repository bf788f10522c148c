"""Removed apiVersions, and how each old field is written today.

The loader already warns once per v1beta1 Ingress (IE1010). Old tutorials,
the seed article among them, are read field by field, so this adds one note
per renamed field at its own line, with the v1 text to write.
"""

from __future__ import annotations

from typing import Iterator

from explorer.diagnostics.finding import Finding
from explorer.diagnostics.site import Site
from explorer.model.objects import Ingress, IngressBackend, IngressClass, Workload
from explorer.model.state import ClusterState

#: Workload apiVersion -> the Kubernetes release that stopped serving it (the loader flags only Ingress).
_REMOVED_WORKLOADS = {
    "extensions/v1beta1": "1.16",
    "apps/v1beta1": "1.16",
    "apps/v1beta2": "1.16",
}


def check(state: ClusterState) -> Iterator[Finding]:
    for ingress in state.ingresses:
        if ingress.is_beta:
            yield from _ingress_fields(ingress)
    for obj in state.objects:
        if isinstance(obj, IngressClass) and obj.meta.api_version == "networking.k8s.io/v1beta1":
            yield Site(obj.meta).finding(
                "IE1010", "apiVersion",
                "networking.k8s.io/v1beta1 IngressClass is no longer served (removed in Kubernetes 1.22)",
                "write apiVersion: networking.k8s.io/v1; the fields are the same",
            )
        elif isinstance(obj, Workload) and obj.meta.api_version in _REMOVED_WORKLOADS:
            release = _REMOVED_WORKLOADS[obj.meta.api_version]
            yield Site(obj.meta).finding(
                "IE1010", "apiVersion",
                f"{obj.meta.api_version} {obj.meta.kind} is no longer served (removed in Kubernetes {release})",
                "write apiVersion: apps/v1; spec.selector is required there: copy the Pod template's labels "
                "into spec.selector.matchLabels",
            )


def _v1_backend(backend: IngressBackend) -> str:
    service = backend.service
    if service is None:
        return ""
    port = f"number: {service.port_number}" if service.port_number is not None else f"name: {service.port_name}"
    return f"service: {{name: {service.name}, port: {{{port}}}}}"


def _ingress_fields(ingress: Ingress) -> Iterator[Finding]:
    site = Site(ingress.meta)
    default = ingress.default_backend
    if default is not None and default.service is not None:
        yield site.finding(
            "IE1011", default.field,
            "v1beta1 spec.backend is spec.defaultBackend in networking.k8s.io/v1",
            f"write spec.defaultBackend: {{{_v1_backend(default)}}}",
        )
    for rule in ingress.rules:
        for path in rule.paths or ():
            backend = path.backend
            if backend.service is not None:
                yield site.finding(
                    "IE1011", backend.field,
                    "v1beta1 serviceName/servicePort are service.name/service.port in networking.k8s.io/v1",
                    f"write backend: {{{_v1_backend(backend)}}}",
                )
            if not path.path_type_given:
                shown = path.path if path.path is not None else "(none)"
                yield site.finding(
                    "IE1011", f"{path.field}.pathType",
                    f"path {shown} has no pathType; networking.k8s.io/v1 requires one "
                    "(v1beta1 meant ImplementationSpecific)",
                    "write pathType: Prefix for what most tutorials mean (it also matches the paths below it "
                    "on every controller); ImplementationSpecific keeps the old, controller-dependent meaning"
                    + ("; and write path: /, which v1 requires with Prefix" if path.path is None else ""),
                )
