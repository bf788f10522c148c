"""GKE's translator: which Ingress backends it can turn into backend services, and why not.

A backend translates when its Service and port exist, the Service's type fits
the data path (NEG or instance groups) and its BackendConfig can be read. One
error stops the whole Ingress (no URL map, no address): the RouteTable records
the errors of each load balancer once, and the controller sync reuses them.
GKE's objects reach the model as OtherObject (kinds it does not type), so they
are read here from their raw documents, tolerantly: a wrong shape is
reported, never raised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from explorer.model.objects import Ingress, OtherObject, Service, ServiceBackend, ServicePort
from explorer.model.state import ClusterState
from explorer.profiles import ControllerProfile

NEG_ANNOTATION = "cloud.google.com/neg"
BACKEND_CONFIG_ANNOTATIONS = ("cloud.google.com/backend-config", "beta.cloud.google.com/backend-config")
STATIC_IP_ANNOTATION = "kubernetes.io/ingress.global-static-ip-name"
CONFIG_CONNECTOR_GROUP = "compute.cnrm.cloud.google.com/"

DataPath = Literal["neg", "instance-group", "endpoints"]


def data_path(profile: ControllerProfile, service: Service) -> tuple[DataPath, str]:
    """How traffic reaches the Pods of a Service, and why (GKE decides it from the Service)."""
    if not profile.needs_node_port and not profile.honours_neg_annotation:
        return "endpoints", f"{profile.title} proxies to the Pod endpoints of the Service directly"
    value = service.meta.annotations.get(NEG_ANNOTATION) if profile.honours_neg_annotation else None
    if value is not None:
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and parsed.get("ingress") is True:
            return "neg", (f'annotation {NEG_ANNOTATION}: {value} makes it container-native: the load balancer '
                           "sends to Pod IPs through a network endpoint group (NEG); no NodePort needed")
        if not isinstance(parsed, dict):
            return "instance-group", (f"annotation {NEG_ANNOTATION} is not valid JSON ({value!r}), so GKE uses "
                                      'instance groups; write \'{"ingress": true}\'')
        return "instance-group", (f'annotation {NEG_ANNOTATION}: {value} does not say "ingress": true, so '
                                  "traffic goes through instance groups: node:nodePort, then kube-proxy")
    return "instance-group", (f"no {NEG_ANNOTATION} annotation: traffic goes through instance groups "
                              "(node:nodePort, then kube-proxy). On a VPC-native cluster GKE adds "
                              f"{NEG_ANNOTATION}: '{{\"ingress\": true}}' to new Services itself")


def bad_service_type(profile: ControllerProfile, service: Service, path: DataPath) -> str | None:
    """GKE's ErrBadSvcType message when instance groups need a nodePort the Service does not have."""
    if profile.needs_node_port and path == "instance-group" and service.type not in ("NodePort", "LoadBalancer"):
        return (f'service "{service.meta.key}" is type "{service.type}", expected "NodePort" or '
                '"LoadBalancer"')
    return None


# ------------------------------------------------------------------ custom resources


def find_object(state: ClusterState, kind: str, namespace: str | None, name: str,
          group: str = "") -> OtherObject | None:
    for other in state.others:
        m = other.meta
        if m.kind == kind and m.name == name and (namespace is None or m.namespace == namespace) \
                and m.api_version.startswith(group):
            return other
    return None


def spec_of(obj: OtherObject) -> dict[str, Any]:
    raw = obj.meta.raw if isinstance(obj.meta.raw, dict) else {}
    spec = raw.get("spec")
    return spec if isinstance(spec, dict) else {}


@dataclass(frozen=True, slots=True)
class BackendConfigRef:
    name: str | None  # the BackendConfig this Service port uses, None when none applies
    error: str | None  # GKE's words when the annotation or the object is wrong


def backend_config_name(service: Service, port: ServicePort) -> BackendConfigRef:
    """Which BackendConfig the Service annotation attaches to this port ("ports" first, then "default")."""
    value = next((service.meta.annotations[a] for a in BACKEND_CONFIG_ANNOTATIONS
                  if a in service.meta.annotations), None)
    if value is None:
        return BackendConfigRef(None, None)
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or not set(parsed) <= {"default", "ports"}:
        return BackendConfigRef(None, f"error parsing backend-config annotation on service "
                                      f'"{service.meta.key}": write {{"default": "NAME"}} or '
                                      '{"ports": {"80": "NAME"}}')
    ports = parsed.get("ports") or {}
    for key in (port.name, str(port.port)):
        if key and isinstance(ports, dict) and isinstance(ports.get(key), str):
            return BackendConfigRef(ports[key], None)
    default = parsed.get("default")
    return BackendConfigRef(default if isinstance(default, str) else None, None)


@dataclass(frozen=True, slots=True)
class HealthCheckConfig:
    """BackendConfig spec.healthCheck: only the fields the user set (None = not set)."""

    check_interval_sec: int | None = None
    timeout_sec: int | None = None
    healthy_threshold: int | None = None
    unhealthy_threshold: int | None = None
    type: str | None = None
    request_path: str | None = None
    port: int | None = None


def backend_config(state: ClusterState, namespace: str, name: str) -> HealthCheckConfig | None | str:
    """The healthCheck of BackendConfig namespace/name: a config, None (no healthCheck), or GKE's error."""
    obj = find_object(state, "BackendConfig", namespace, name, "cloud.google.com/")
    if obj is None:
        return "no BackendConfig for service port exists."
    hc = spec_of(obj).get("healthCheck")
    if not isinstance(hc, dict):
        return None

    def integer(key: str) -> int | None:
        value = hc.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def text(key: str) -> str | None:
        value = hc.get(key)
        return value if isinstance(value, str) else None

    return HealthCheckConfig(integer("checkIntervalSec"), integer("timeoutSec"), integer("healthyThreshold"),
                             integer("unhealthyThreshold"), text("type"), text("requestPath"), integer("port"))


@dataclass(frozen=True, slots=True)
class TranslatedBackend:
    """One (Service, port) an Ingress backend names, as GKE's translator accepts it."""

    service: Service
    port: ServicePort
    mode: DataPath
    mode_why: str
    config_name: str | None
    config: HealthCheckConfig | None


def translate_backend(state: ClusterState, profile: ControllerProfile, ingress: Ingress,
                      ref: ServiceBackend) -> TranslatedBackend | str:
    """The translated backend, or GKE's error for it (its own words)."""
    namespace = ingress.meta.namespace
    key = f"{namespace}/{ref.name}"
    service = state.service(namespace, ref.name)
    if service is None:
        return f'could not find service "{key}"'
    port = service.find_port(ref)
    if port is None:
        return f'could not find port "{ref.port}" in service "{key}"'
    mode, why = data_path(profile, service)
    bad = bad_service_type(profile, service, mode)
    if bad:
        return bad
    config_name, config = None, None
    if profile.honours_backend_config:
        attached = backend_config_name(service, port)
        if attached.error:
            return attached.error
        if attached.name:
            found = backend_config(state, namespace, attached.name)
            if isinstance(found, str):
                return f'error getting BackendConfig for port "{port.port}" on service "{key}", err: {found}'
            config_name, config = attached.name, found
    return TranslatedBackend(service, port, mode, why, config_name, config)


def service_backends(ingress: Ingress) -> list[ServiceBackend]:
    """Every Service backend of an Ingress, rules first, the defaultBackend last."""
    refs = [p.backend.service for rule in ingress.rules for p in rule.paths or () if p.backend.service is not None]
    if ingress.default_backend is not None and ingress.default_backend.service is not None:
        refs.append(ingress.default_backend.service)
    return refs


def translation_errors(state: ClusterState, profile: ControllerProfile, ingress: Ingress) -> tuple[str, ...]:
    """GKE's reasons not to translate an Ingress at all, each once, in the order met."""
    errors: list[str] = []
    for ref in service_backends(ingress):
        found = translate_backend(state, profile, ingress, ref)
        if isinstance(found, str) and found not in errors:
            errors.append(found)
    return tuple(errors)
