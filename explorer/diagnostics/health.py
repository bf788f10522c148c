"""What a cloud load balancer needs from a backend Service: its type, NEGs, health checks.

Driven by profile fields (`needs_node_port`, `honours_neg_annotation`,
`honours_backend_config`, `health_checked_by`). GKE's rules, from
ingress-gce's translator and check-gke-ingress: a backend Service must be
NodePort or LoadBalancer unless it uses NEGs; the health check copies the
readinessProbe only when it is a plain httpGet on the serving containerPort,
else it requests `/` and counts only 200 as healthy; a BackendConfig
healthCheck overrides both.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Iterator

from explorer.diagnostics.finding import Finding
from explorer.diagnostics.pods import serving_containers
from explorer.diagnostics.site import Site, annotation_field
from explorer.model.objects import Container, OtherObject, Probe, Service, ServicePort, Workload
from explorer.model.state import ClusterState
from explorer.routing.profile import ControllerProfile
from explorer.topology.app import app_of

NEG = "cloud.google.com/neg"
BACKEND_CONFIG_KEYS = ("cloud.google.com/backend-config", "beta.cloud.google.com/backend-config")
_NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


def check_service(state: ClusterState, service: Service, ports: Iterable[ServicePort], ingresses: list[str],
                  profile: ControllerProfile, selected: list[Workload]) -> Iterator[Finding]:
    """One backend Service, for the Ingresses (refs) of one profile that use `ports` of it."""
    site = Site(service.meta)
    uses_neg, neg_findings = _neg(site, service, profile)
    yield from neg_findings
    if profile.needs_node_port and service.type not in _NODE_PORT_TYPES and not uses_neg:
        yield site.finding(
            "IE6001", "spec.type",
            f'service "{service.meta.key}" is type "{service.type}", expected "NodePort" or "LoadBalancer" '
            f"when not using NEGs (it backs {', '.join(ingresses)})",
            "VPC-native clusters (the GKE default since 1.17.6-gke.7) add the NEG annotation themselves; "
            f"elsewhere set type: NodePort, or annotate {NEG}: '{{\"ingress\": true}}' on a VPC-native cluster",
        )
    configs: dict[str, OtherObject | None] = {}
    if profile.honours_backend_config:
        configs, config_findings = _backend_configs(state, site, service)
        yield from config_findings
    if profile.health_checked_by == "load-balancer":
        for port in ports:
            config = configs.get(str(port.port)) or configs.get(port.name) or configs.get("default")
            if config is not None and _health_check(config).get("requestPath"):
                continue  # the BackendConfig decides the health check path
            yield from _lb_health_check(selected, site, service, port, profile)


def _neg(site: Site, service: Service, profile: ControllerProfile) -> tuple[bool, list[Finding]]:
    value = service.meta.annotations.get(NEG)
    if value is None or not profile.honours_neg_annotation:
        return False, []
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        return False, [site.finding(
            "IE6002", annotation_field(NEG), f"Invalid Neg annotation: not valid JSON ({exc.msg})",
            f"write {NEG}: '{{\"ingress\": true}}' (single quotes around the JSON in YAML)",
        )]
    return isinstance(parsed, dict) and parsed.get("ingress") is True, []


def _backend_configs(state: ClusterState, site: Site,
                     service: Service) -> tuple[dict[str, OtherObject | None], list[Finding]]:
    """port number, port name or "default" -> the BackendConfig that applies, and what is wrong."""
    key = next((k for k in BACKEND_CONFIG_KEYS if k in service.meta.annotations), None)
    if key is None:
        return {}, []
    field = annotation_field(key)
    namespace = service.meta.namespace
    try:
        parsed: Any = json.loads(service.meta.annotations[key])
    except json.JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict):
        return {}, [site.finding("IE6011", field, f"BackendConfig annotation is invalid in service {service.meta.key}",
                                 f"write {key}: '{{\"default\": \"NAME\"}}' (JSON in single quotes)")]
    names: dict[str, str] = {}
    if isinstance(parsed.get("default"), str):
        names["default"] = parsed["default"]
    if isinstance(parsed.get("ports"), dict):
        names.update({str(k): v for k, v in parsed["ports"].items() if isinstance(v, str)})
    if not names:
        return {}, [site.finding(
            "IE6011", field,
            f"BackendConfig annotation is missing both `default` and `ports` field in service {service.meta.key}",
            f"write {key}: '{{\"default\": \"NAME\"}}' or '{{\"ports\": {{\"80\": \"NAME\"}}}}'",
        )]
    found: dict[str, OtherObject | None] = {}
    findings = []
    for port_key, name in names.items():
        config = next((o for o in state.others if o.meta.kind == "BackendConfig" and o.meta.name == name
                       and o.meta.namespace == namespace), None)
        found[port_key] = config
        if config is None:
            findings.append(site.finding(
                "IE6012", field, f"BackendConfig {namespace}/{name} in service {service.meta.key} does not exist",
                "create it (apiVersion: cloud.google.com/v1, kind: BackendConfig) in the Service's namespace, "
                "or load its file with another -f",
            ))
        else:
            findings += _timeouts(config, service)
    return found, findings


def _health_check(config: OtherObject) -> dict[str, Any]:
    spec = (config.meta.raw or {}).get("spec") or {}
    check = spec.get("healthCheck")
    return check if isinstance(check, dict) else {}


def _timeouts(config: OtherObject, service: Service) -> list[Finding]:
    check = _health_check(config)
    timeout, interval = check.get("timeoutSec"), check.get("checkIntervalSec")
    if not isinstance(timeout, int) or not isinstance(interval, int) or timeout <= interval:
        return []
    return [Site(config.meta).finding(
        "IE6013", "spec.healthCheck.timeoutSec",
        f"BackendConfig {config.meta.key} in service {service.meta.key} has healthcheck timeoutSec greater than "
        "checkIntervalSec",
        f"make timeoutSec ({timeout}) at most checkIntervalSec ({interval})",
    )]


def _lb_health_check(selected: list[Workload], site: Site, service: Service, port: ServicePort,
                     profile: ControllerProfile) -> Iterator[Finding]:
    without_probe = []
    for workload in selected:
        for container in serving_containers(workload, port.target_port):
            probe = container.readiness_probe
            if probe is None:
                without_probe.append(container)
                continue
            why = _unusable(probe, container, port)
            if not why:
                yield from _redirecting_probe(workload, container, probe, service, port, profile)
            if why:
                yield Site(workload.meta).finding(
                    "IE6009", probe.field,
                    f'readinessProbe of container "{container.name}" cannot become the {profile.title} health '
                    f"check for Service {service.meta.key} port {port.port}: {why}; the health check requests "
                    "GET / instead, and only 200 counts as healthy",
                    "make the probe a plain httpGet on the serving containerPort, or set the path in a "
                    "BackendConfig healthCheck.requestPath",
                )
    if without_probe:
        low, high = profile.healthy_statuses
        healthy = f"HTTP {low}" if low == high else f"HTTP {low}-{high}"
        yield site.finding(
            "IE6008", port.field,
            f"{profile.title}'s health check for Service {service.meta.key} port {port.port} will request GET / "
            f"and counts only {healthy} as healthy: a / that redirects or needs a login leaves every backend "
            f"UNHEALTHY and clients get {profile.no_healthy_backend_status}",
            "serve 200 at /, or give the Pods a readinessProbe httpGet (e.g. /healthz) on the serving "
            "containerPort before the Ingress is created, or set a BackendConfig healthCheck.requestPath "
            "(applied on every sync)",
        )


def _redirecting_probe(workload: Workload, container: Container, probe: Probe, service: Service,
                       port: ServicePort, profile: ControllerProfile) -> Iterator[Finding]:
    """The probe becomes the health check, but the app (its ingress-explorer/app annotation) redirects it."""
    spec, problem = app_of(workload)
    if problem is not None or spec.is_echo or not probe.path:
        return
    status = spec.answer(probe.path.split("?", 1)[0]).status
    low, high = profile.healthy_statuses
    if 300 <= status < 400 and not low <= status <= high:
        yield Site(workload.meta).finding(
            "IE6017", f"{probe.field}.httpGet.path",
            f'readinessProbe of container "{container.name}" requests {probe.path}, which the app answers with '
            f"{status}: the kubelet counts 200-399 as success, so the Pods are Ready, but the {profile.title} "
            f"health check copied from it counts only {low}{'' if low == high else f'-{high}'} as healthy: every "
            f"backend of Service {service.meta.key} port {port.port} stays UNHEALTHY and clients get "
            f"{profile.no_healthy_backend_status}",
            "probe a path the app answers with 200 itself (e.g. /healthz), not one that redirects to a login "
            "or adds a slash",
        )


def _unusable(probe: Probe, container: Container, port: ServicePort) -> str:
    """Why GKE cannot copy this probe into its health check ("" when it can)."""
    if probe.kind != "httpGet":
        return f"it is a {probe.kind} probe, and only an httpGet probe can be copied"
    if probe.host or any(name.lower() != "host" for name, _ in probe.headers):
        return "it sets a host or httpHeaders other than Host"
    if not container.ports:
        return ("the container declares no ports, and GKE copies a probe only onto a declared serving "
                "containerPort")
    serving = container.find_port(port.target_port)
    if serving is not None:
        same = probe.port in (serving.container_port, serving.name or None)
        shown = f"{serving.container_port}" + (f" ({serving.name})" if serving.name else "")
    else:  # an undeclared numeric targetPort: only that number will do
        same = probe.port == port.target_port
        shown = str(port.target_port)
    if not same:
        return f"it probes port {probe.port}, but the Service sends traffic to containerPort {shown}"
    wanted = "HTTPS" if (port.app_protocol or "").upper() == "HTTPS" else "HTTP"
    if probe.scheme != wanted:
        return f"it uses scheme {probe.scheme}, but the backend protocol is {wanted}"
    return ""
