"""`--emitter gke`: GKE's own policies for what BackendConfig said (pure).

GKE Gateway reads health checks and backend timeouts from policies attached
to a Service (networking.gke.io/v1 HealthCheckPolicy, GCPBackendPolicy;
GoogleCloudPlatform/gke-gateway-api apis/networking/v1), where GKE Ingress
read a BackendConfig named by the Service's cloud.google.com/backend-config
annotation. A policy attaches to the whole Service, a BackendConfig to a port:
when the ports name different BackendConfigs, the first port's is written and
the others are named (ingress2gateway's gce provider does the same).
Neither engine simulates health checks or timeouts: the written policies are
listed as not simulated, never silently trusted.
"""

from __future__ import annotations

from typing import Any

from explorer.model.objects import Ingress, Service
from explorer.model.state import ClusterState
from explorer.profiles import ControllerProfile
from explorer.routing.ingress.gke import backend_config_name, find_object, service_backends, spec_of

GKE_API = "networking.gke.io/v1"
#: GKE Gateway policy kinds this emitter writes, and what each sets that no engine here simulates.
POLICY_KINDS = {
    "GCPGatewayPolicy": "the SSL policy of the Gateway's HTTPS front end",
    "HealthCheckPolicy": "the load balancer's health check of the Service's endpoints",
    "GCPBackendPolicy": "the backend service's timeout, connection draining, session affinity and Cloud Armor policy",
}
#: BackendConfig spec fields carried over, and to what.
CARRIED = {"healthCheck": "HealthCheckPolicy", "timeoutSec": "GCPBackendPolicy default.timeoutSec",
           "connectionDraining": "GCPBackendPolicy default.connectionDraining",
           "securityPolicy": "GCPBackendPolicy default.securityPolicy",
           "sessionAffinity": "GCPBackendPolicy default.sessionAffinity"}
_HC_TYPES = {"HTTP": "httpHealthCheck", "HTTPS": "httpsHealthCheck", "HTTP2": "http2HealthCheck"}


def gke_policies(state: ClusterState, profile: ControllerProfile, served: list[Ingress], out: Any,
                 write: bool) -> None:
    """HealthCheckPolicy / GCPBackendPolicy per Service whose BackendConfig sets what they carry.

    With `write` False (the standard emitter) nothing is written and each BackendConfig is named instead."""
    from explorer.migrate.gateway import AnnotationNote, Document

    if not profile.honours_backend_config:
        return
    if write:
        _gateway_policies(state, served, out)
    done: set[tuple[str, str]] = set()
    for ingress in served:
        for ref in service_backends(ingress):
            key = (ingress.meta.namespace, ref.name)
            service = state.service(*key)
            if key in done or service is None:
                continue
            done.add(key)
            chosen, others = _config_of(service)
            config = find_object(state, "BackendConfig", service.meta.namespace, chosen, "cloud.google.com/") \
                if chosen is not None else None
            spec = spec_of(config) if config is not None else {}
            if not isinstance(spec.get("healthCheck"), dict):
                _from_readiness(state, ingress, ref, service, out, write)
            if config is None:
                continue
            if not write:
                out.annotations.append(AnnotationNote(
                    ingress.meta.key, f"BackendConfig {service.meta.namespace}/{chosen}", ", ".join(sorted(spec)),
                    "not-converted",
                    f"BackendConfig of Service {service.meta.key} (health check, timeouts) has no Gateway API "
                    "counterpart: --emitter gke writes GKE's HealthCheckPolicy / GCPBackendPolicy for it"))
                continue
            file = f"{service.meta.namespace}-{service.meta.name}-gke-policies.yaml"
            what = f"BackendConfig {service.meta.namespace}/{chosen} of Service {service.meta.key}"
            if others:
                out.notes.append(f"Service {service.meta.key}: its ports name BackendConfigs {', '.join(others)} too; "
                                 f"a GKE policy attaches to the whole Service, so {chosen}'s is written")
            hc = _health_check(spec.get("healthCheck"))
            if hc is not None:
                out.documents.append(Document(file, f"HealthCheckPolicy from {what} spec.healthCheck",
                                              _policy("HealthCheckPolicy", service, hc)))
                out.not_simulated.append(f"HealthCheckPolicy {service.meta.key}: {POLICY_KINDS['HealthCheckPolicy']}")
            backend = _backend_policy(spec)
            if backend:
                out.documents.append(Document(file, f"GCPBackendPolicy from {what}",
                                              _policy("GCPBackendPolicy", service, backend)))
                out.not_simulated.append(f"GCPBackendPolicy {service.meta.key}: {POLICY_KINDS['GCPBackendPolicy']}")
            rest = sorted(k for k in spec if k not in CARRIED)
            for field in rest:
                out.annotations.append(AnnotationNote(
                    ingress.meta.key, f"BackendConfig {service.meta.namespace}/{chosen} spec.{field}", "",
                    "not-converted",
                    "not carried over by --emitter gke (GKE Gateway sets it elsewhere: GCPBackendPolicy iap/logging, "
                    "GCPHTTPFilter for Cloud CDN, HTTPRoute filters for custom headers)"))


def _config_of(service: Service) -> tuple[str | None, list[str]]:
    names = []
    for port in sorted(service.ports, key=lambda p: p.port):
        ref = backend_config_name(service, port)
        if ref.name and ref.name not in names:
            names.append(ref.name)
    return (names[0] if names else None), names[1:]


def _policy(kind: str, service: Service, default: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": GKE_API, "kind": kind,
            "metadata": {"name": service.meta.name, "namespace": service.meta.namespace},
            "spec": {"default": default, "targetRef": {"group": "", "kind": "Service", "name": service.meta.name}}}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _health_check(hc: Any) -> dict[str, Any] | None:
    """BackendConfig spec.healthCheck -> HealthCheckPolicy spec.default (same field names for the numbers)."""
    if not isinstance(hc, dict):
        return None
    out: dict[str, Any] = {k: hc[k] for k in ("checkIntervalSec", "timeoutSec", "healthyThreshold",
                                              "unhealthyThreshold") if _int(hc.get(k)) is not None}
    kind = hc.get("type") if isinstance(hc.get("type"), str) else "HTTP"
    check: dict[str, Any] = {}
    if isinstance(hc.get("requestPath"), str):
        check["requestPath"] = hc["requestPath"]
    if _int(hc.get("port")) is not None:
        check["portSpecification"] = "USE_FIXED_PORT"
        check["port"] = hc["port"]
    key = _HC_TYPES.get(str(kind).upper())
    if key is not None:
        out["config"] = {"type": str(kind).upper(), key: check}
    return out


def _backend_policy(spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if _int(spec.get("timeoutSec")) is not None:
        out["timeoutSec"] = spec["timeoutSec"]
    draining = spec.get("connectionDraining")
    if isinstance(draining, dict) and _int(draining.get("drainingTimeoutSec")) is not None:
        out["connectionDraining"] = {"drainingTimeoutSec": draining["drainingTimeoutSec"]}
    security = spec.get("securityPolicy")
    if isinstance(security, dict) and isinstance(security.get("name"), str):
        out["securityPolicy"] = security["name"]
    affinity = spec.get("sessionAffinity")
    if isinstance(affinity, dict) and isinstance(affinity.get("affinityType"), str):
        out["sessionAffinity"] = {"type": affinity["affinityType"]}
        if _int(affinity.get("affinityCookieTtlSec")) is not None:
            out["sessionAffinity"]["cookieTtlSec"] = affinity["affinityCookieTtlSec"]
    return out


def _gateway_policies(state: ClusterState, served: list[Ingress], out: Any) -> None:
    """FrontendConfig spec.sslPolicy -> GCPGatewayPolicy default.sslPolicy on the Ingress's Gateway."""
    from explorer.migrate.gateway import Document
    from explorer.routing.ingress.annotations import FRONTEND_CONFIG

    for ingress in served:
        name = ingress.annotation(FRONTEND_CONFIG)
        gateway = out.gateway_of.get(ingress.meta.key)
        config = find_object(state, "FrontendConfig", ingress.meta.namespace, name, "networking.gke.io/") \
            if name else None
        policy = spec_of(config).get("sslPolicy") if config is not None else None
        if not isinstance(policy, str) or not gateway:
            continue
        namespace, _, gw_name = gateway.partition("/")
        out.documents.append(Document(f"{namespace}-{gw_name}-gke-policies.yaml",
                                      f"GCPGatewayPolicy from FrontendConfig {ingress.meta.namespace}/{name} "
                                      "spec.sslPolicy", {
            "apiVersion": GKE_API, "kind": "GCPGatewayPolicy",
            "metadata": {"name": gw_name, "namespace": namespace},
            "spec": {"default": {"sslPolicy": policy},
                     "targetRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gw_name}}}))
        out.not_simulated.append(f"GCPGatewayPolicy {gateway}: {POLICY_KINDS['GCPGatewayPolicy']}")


def _from_readiness(state: ClusterState, ingress: Ingress, ref: Any, service: Service, out: Any, write: bool) -> None:
    """GKE Ingress copies a usable readinessProbe into the health check it creates (ingress-gce
    pkg/translator/healthchecks.go); GKE Gateway does not read readinessProbes: its default check is
    `GET /` on the serving port (GKE docs on HealthCheckPolicy; not verified against a cluster here).
    So the path the probe gave the Ingress is carried over as a HealthCheckPolicy, or named."""
    from explorer.migrate.gateway import AnnotationNote, Document
    from explorer.topology.healthcheck import find_usable_probe
    from explorer.topology.pods import pods_for_service

    port = service.find_port(ref)
    if port is None:
        return
    usable, _ = find_usable_probe(service, port, pods_for_service(state, service))
    if usable is None or usable.path == "/":
        return
    probe = usable.probe
    what = (f"readinessProbe of Pod {usable.pod} container {usable.container} (GET {usable.path}), which GKE "
            f"Ingress made the health check of Service {service.meta.key} from")
    if not write:
        out.annotations.append(AnnotationNote(
            ingress.meta.key, f"readinessProbe of Service {service.meta.key}", usable.path, "not-converted",
            f"{what}; GKE Gateway does not read readinessProbes (its default check is GET /): --emitter gke "
            "writes a HealthCheckPolicy with that path"))
        return
    check: dict[str, Any] = {"requestPath": usable.path}
    if usable.host:
        check["host"] = usable.host
    default = {"checkIntervalSec": probe.period_seconds, "timeoutSec": probe.timeout_seconds,
               "config": {"type": "HTTP", "httpHealthCheck": check}}
    out.documents.append(Document(f"{service.meta.namespace}-{service.meta.name}-gke-policies.yaml",
                                  f"HealthCheckPolicy from the {what} (GKE Gateway does not read readinessProbes)",
                                  _policy("HealthCheckPolicy", service, default)))
    out.not_simulated.append(f"HealthCheckPolicy {service.meta.key}: {POLICY_KINDS['HealthCheckPolicy']}")
