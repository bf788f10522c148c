"""GKE load-balancer health checks: defaults, the readinessProbe rule, BackendConfig.

How ingress-gce sets up the health check of one backend service
(pkg/healthchecks, pkg/translator/healthchecks.go; facts lessons.md rows 17-18):

- Defaults: `GET /` expecting 200. Container-native (NEG): every 15 s, timeout 15 s,
  healthy after 1 success, unhealthy after 2 failures, on the serving port (Pod IP:targetPort).
  Instance groups: every 60 s, timeout 60 s, 1 / 10, on the nodePort.
- When the check is first created, a readinessProbe is copied into it (path, Host
  header, timeout, interval) if the probe is usable: httpGet, no `host`, no header but
  Host, HTTP scheme, and its port is the containerPort the Service's targetPort names.
  Only Pods that exist at that moment are looked at.
- An existing check keeps its settings on every later sync ("once a healthcheck is
  created, it will basically not change"): a probe added later changes nothing.
- A BackendConfig healthCheck overrides the fields it sets, on every sync.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, TypeVar

from explorer.model.objects import Container, Probe, Service, ServicePort
from explorer.topology.gke import DataPath, HealthCheckConfig
from explorer.topology.pods import PodView

Source = Literal["default", "readinessProbe", "BackendConfig"]


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """One backend service's health check, in seconds of simulated time."""

    path: str
    port: int | None  # nodePort (instance groups) or a fixed port; None = each endpoint's serving port
    interval: int
    timeout: int
    healthy_threshold: int
    unhealthy_threshold: int
    host: str | None = None
    type: str = "HTTP"
    source: Source = "default"
    why: str = ""  # where the path came from, in words for the learner

    @property
    def port_role(self) -> str:
        if self.port is None:
            return "serving port (Pod IP:targetPort)"
        return f"port {self.port}"


@dataclass(frozen=True, slots=True)
class Defaults:
    interval: int
    timeout: int
    healthy_threshold: int
    unhealthy_threshold: int


#: ingress-gce pkg/translator/healthchecks.go: the code's timeouts (the docs say 5 s; facts row 17).
NEG_DEFAULTS = Defaults(interval=15, timeout=15, healthy_threshold=1, unhealthy_threshold=2)
IG_DEFAULTS = Defaults(interval=60, timeout=60, healthy_threshold=1, unhealthy_threshold=10)


def defaults_for(mode: DataPath) -> Defaults:
    return NEG_DEFAULTS if mode == "neg" else IG_DEFAULTS


def port_for(mode: DataPath, node_port: int | None) -> int | None:
    return None if mode == "neg" else node_port


def new_health_check(mode: DataPath, node_port: int | None, path: str, probe: "UsableProbe | None",
                     config: HealthCheckConfig | None, created_at: str) -> HealthCheck:
    """The check GKE creates for a backend service seen for the first time."""
    d = defaults_for(mode)
    hc = HealthCheck(path, port_for(mode, node_port), d.interval, d.timeout, d.healthy_threshold,
                     d.unhealthy_threshold, why=f"default path {path}: nothing else was set when the check "
                                                f"was created ({created_at})")
    if probe is not None:
        p = probe.probe
        interval = p.period_seconds if mode == "neg" else p.period_seconds + IG_DEFAULTS.interval
        hc = replace(hc, path=probe.path, host=probe.host, timeout=p.timeout_seconds, interval=interval,
                     source="readinessProbe",
                     why=f"path {probe.path} copied from the readinessProbe of Pod {probe.pod}, container "
                         f"{probe.container}, when the check was created ({created_at}); later probe changes "
                         "are not read again")
    return apply_config(hc, config)


def kept_health_check(existing: HealthCheck, mode: DataPath, node_port: int | None,
                      config: HealthCheckConfig | None) -> HealthCheck:
    """A later sync: the existing settings stay (a new readinessProbe is not read); BackendConfig still applies."""
    hc = replace(existing, port=port_for(mode, node_port))
    if config is None and existing.source == "BackendConfig":
        hc = replace(hc, why="settings kept from a BackendConfig that is no longer attached: GKE does not "
                             "recompute an existing check")
    return apply_config(hc, config)


def apply_config(hc: HealthCheck, config: HealthCheckConfig | None) -> HealthCheck:
    if config is None:
        return hc
    c = config
    changed = {k: v for k, v in (
        ("interval", c.check_interval_sec), ("timeout", c.timeout_sec), ("healthy_threshold", c.healthy_threshold),
        ("unhealthy_threshold", c.unhealthy_threshold), ("type", c.type), ("path", c.request_path),
        ("port", c.port),
    ) if v is not None}
    if not changed:
        return hc
    fields = ", ".join(f"{k}={v}" for k, v in changed.items())
    return replace(
        hc, interval=_pick(c.check_interval_sec, hc.interval), timeout=_pick(c.timeout_sec, hc.timeout),
        healthy_threshold=_pick(c.healthy_threshold, hc.healthy_threshold),
        unhealthy_threshold=_pick(c.unhealthy_threshold, hc.unhealthy_threshold), type=_pick(c.type, hc.type),
        path=_pick(c.request_path, hc.path), port=_pick(c.port, hc.port), source="BackendConfig",
        why=f"BackendConfig healthCheck sets {fields} (applied on every sync)")


T = TypeVar("T")


def _pick(given: T | None, current: T) -> T:
    """A BackendConfig field the user set, else the check's own value."""
    return current if given is None else given


# ------------------------------------------------------------------ the readinessProbe rule


@dataclass(frozen=True, slots=True)
class UsableProbe:
    probe: Probe
    path: str
    host: str | None
    pod: str
    container: str


def find_usable_probe(service: Service, port: ServicePort, pods: tuple[PodView, ...]) -> tuple[UsableProbe | None, str]:
    """The readinessProbe GKE would copy (getHTTPProbe), or why none qualifies."""
    if not pods:
        return None, (f"no Pod of Service {service.meta.name} existed when the check was created, so no "
                      "readinessProbe could be read")
    scheme = "HTTPS" if (port.app_protocol or "").upper() == "HTTPS" else "HTTP"
    reasons: list[str] = []
    for pod in sorted(pods, key=lambda p: p.name):
        for container in pod.containers:
            probe = container.readiness_probe
            why = _unusable(container, probe, scheme, port.target_port)
            if why is None:
                assert probe is not None
                path = probe.path or "/"
                path = path if path.startswith("/") else "/" + path
                host = next((v for k, v in probe.headers if k == "Host"), None)
                return UsableProbe(probe, path, host, pod.name, container.name), ""
            reasons.append(f"Pod {pod.name}, container {container.name}: {why}")
    return None, reasons[0] if reasons else "the Pods have no containers"


def _unusable(container: Container, probe: Probe | None, scheme: str, target: int | str) -> str | None:
    if probe is None:
        return "no readinessProbe"
    if probe.kind != "httpGet":
        return f"the readinessProbe is {probe.kind}, not httpGet"
    if probe.host:
        return "the readinessProbe sets httpGet.host"
    if any(name != "Host" for name, _ in probe.headers) or len(probe.headers) > 1:
        return "the readinessProbe sends headers other than Host"
    if probe.scheme != scheme:
        return f"the readinessProbe scheme {probe.scheme} is not the backend protocol {scheme}"
    declared = container.find_port(target)
    if declared is None:
        return f"the container declares no port {target!r} (the Service targetPort)"
    if isinstance(probe.port, int) or (isinstance(probe.port, str) and probe.port.isdigit()):
        if int(probe.port) == declared.container_port:
            return None
    elif probe.port == declared.name and declared.name:
        return None
    return (f"the readinessProbe port {probe.port!r} is not the containerPort {declared.container_port} "
            "that the Service targetPort names")
