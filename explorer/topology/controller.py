"""The controllers' sync loop, simulated: what they build from a snapshot and keep between syncs.

`reconcile(previous, state, profile)` is one sync of every Ingress, like the
real controllers' loops. It is pure: the previous ControllerState goes in, a
new one and the events of this sync come out. What it keeps is what the real
controllers keep, and that is the point of the lessons:

GKE (ingress-gce)
- one load balancer per Ingress: URL map, target proxies, forwarding rules and an
  address. An ephemeral address lives as long as the Ingress: delete and create the
  Ingress again and it gets a new one. `kubernetes.io/ingress.global-static-ip-name`
  takes a reserved *global* address, declared here as a Config Connector ComputeAddress;
  a regional or missing one fails the sync with GKE's error. An address the cluster
  published (status.loadBalancer, in a live cluster or a `kubectl get -o yaml` dump) is
  shown as it is, never replaced by a made-up one.
- one backend service and health check per (Service, port), shared by every Ingress that
  uses it and deleted when none does. The health check's path comes from a readinessProbe
  only when the check is created (healthcheck.py); a BackendConfig applies on every sync.
- `kube-system/default-http-backend` behind every URL map whose Ingress sets no defaultBackend.
- a backend's translation error ("could not find port ...") stops the whole sync of that
  Ingress: a new Ingress gets no address, an existing one keeps what it had.

ingress-nginx
- every served Ingress gets the controller's one shared address; backends are the Pods
  of the Service, and a Pod gets traffic once its readinessProbe passes (the kubelet's rule,
  200-399); a Service with no ready Pod answers 503. Unmatched requests reach the
  catch-all server and its default backend (the controller answers 404 itself).

Health is fed in by whoever probes (the proxy): `health_checks(cs)` lists what to probe
and how often, `record_probe(...)` applies one result with the check's thresholds.
All times are seconds of simulated time; the caller may run the clock faster.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Iterable, Literal, Mapping

from explorer.model.objects import Ingress, Service, ServiceBackend, ServicePort
from explorer.model.state import ClusterState
from explorer.profiles import ControllerProfile
from explorer.routing.route import table_for
from explorer.routing.table import EntryPoint
from explorer.topology import names
from explorer.routing.ingress.gke import data_path, service_backends, translate_backend
from explorer.topology.gke import (
    STATIC_IP_ANNOTATION, DataPath, HealthCheckConfig, frontend_config_missing, reserved_addresses,
)
from explorer.topology.network import Firewall, firewall, neg_unusable
from explorer.topology.healthcheck import (
    HealthCheck, find_usable_probe, kept_health_check, new_health_check,
)
from explorer.topology.pods import (
    PodView, builtin_default_backend, pods_for_service, probe_port, target_port_number,
)

Health = Literal["HEALTHY", "UNHEALTHY", "Unknown"]
FRONTEND_CONFIG_ANNOTATION = "networking.gke.io/v1beta1.FrontendConfig"


@dataclass(frozen=True, slots=True)
class Event:
    """A Kubernetes event, as `kubectl describe ingress` lists it."""

    type: Literal["Normal", "Warning"]
    reason: str
    object: str  # Kind/namespace/name
    message: str
    time: float  # seconds of simulated time
    source: str  # the From column: loadbalancer-controller, nginx-ingress-controller
    hint: str = ""  # what to do, in the explorer's words (not part of the real event)

    def __str__(self) -> str:
        return f"{self.type:<8} {self.reason:<10} {self.source:<24} {self.message}"


@dataclass(frozen=True, slots=True)
class Endpoint:
    pod: str  # namespace/name
    ip: str
    port: int


@dataclass(frozen=True, slots=True)
class ProbeTarget:
    """What one health check probes: a Pod (NEG, nginx) or a node (instance groups)."""

    name: str  # Pod name or node name; record_probe() takes it back
    address: str
    port: int  # the port probed at `address`: the Pod's serving port, or the nodePort
    endpoints: tuple[Endpoint, ...]  # who can answer: the Pod itself, or every ready Pod behind the nodePort
    check: HealthCheck | None = None  # nginx: this Pod's own readinessProbe
    initial: Health = "Unknown"  # the state before any probe result


@dataclass(frozen=True, slots=True)
class BackendService:
    """A backend the controller made for one (Service, port)."""

    id: str  # GKE backend service name (as in ingress.kubernetes.io/backends), nginx upstream name
    namespace: str
    service: str
    port: int  # the Service port
    port_name: str
    target_port: int | str
    node_port: int | None
    mode: DataPath
    mode_why: str
    health_check: HealthCheck | None  # GKE's load-balancer check; None for nginx
    backend_config: str | None
    targets: tuple[ProbeTarget, ...]
    builtin: bool = False  # GKE's own default backend
    #: The VPC firewall the load balancer's probes cross (network.py); None: GKE's own rule lets them in.
    firewall: Firewall | None = None

    @property
    def service_key(self) -> str:
        return f"{self.namespace}/{self.service}"

    def names_port(self, port: str) -> bool:
        """True when an Ingress backend port as written (number or name) is this backend's port."""
        return port == str(self.port) or (bool(self.port_name) and port == self.port_name)


@dataclass(frozen=True, slots=True)
class LoadBalancerState:
    """What the controller made for one Ingress."""

    ingress: str  # namespace/name
    name: str  # GKE: the load balancer's name; nginx: "shared"
    address: str | None  # None until a sync succeeds
    address_source: Literal["ephemeral", "static", "reported", "shared", "none"]
    static_ip_name: str | None
    backends: tuple[str, ...]  # backend ids of its URL map or upstreams, default backend included
    default_backend: str | None
    frontends: tuple[tuple[str, str], ...]  # (kind, name): UrlMap, TargetProxy, ForwardingRule
    error: str | None  # the last sync's error message; None when it succeeded
    fingerprint: str
    created: str  # the Ingress's creationTimestamp when it was first synced
    warnings: tuple[str, ...] = ()
    https_redirect: int | None = None  # FrontendConfig redirectToHttps: the status plain HTTP gets


@dataclass(frozen=True, slots=True)
class TargetHealth:
    state: Health = "Unknown"
    successes: int = 0  # consecutive
    failures: int = 0  # consecutive
    last_status: int | None = None
    last_time: float | None = None


@dataclass(frozen=True, slots=True)
class HealthCheckTask:
    """One probe to run every `interval` seconds against one target."""

    backend_id: str
    target: ProbeTarget
    kind: Literal["load-balancer", "readiness"]
    path: str
    host: str | None
    port: int  # at target.address
    port_role: str
    interval: int
    timeout: int
    healthy_threshold: int
    unhealthy_threshold: int
    healthy_statuses: tuple[int, int]  # inclusive; GKE LB: (200, 200), kubelet: (200, 399)
    blocked: str = ""  # why the VPC firewall drops these probes before they reach the target ("": it does not)

    def accepts(self, status: int | None) -> bool:
        return status is not None and self.healthy_statuses[0] <= status <= self.healthy_statuses[1]


@dataclass(frozen=True)
class ControllerState:
    profile: str
    healthy_statuses: tuple[int, int]
    time: float = 0.0
    addresses_made: int = 0  # ephemeral addresses handed out so far
    load_balancers: Mapping[str, LoadBalancerState] = field(default_factory=dict)
    backends: Mapping[str, BackendService] = field(default_factory=dict)
    health: Mapping[tuple[str, str], TargetHealth] = field(default_factory=dict)

    # ---------------------------------------------------------------- queries

    def address_of(self, ingress: str) -> str | None:
        lb = self.load_balancers.get(ingress)
        return lb.address if lb else None

    def find_backend(self, namespace: str, service: str, port: str) -> BackendService | None:
        """The backend for an Ingress backend as written (port number or name)."""
        return next((b for b in self.backends.values()
                     if b.namespace == namespace and b.service == service and b.names_port(port)), None)

    def target_health(self, backend_id: str, target: str) -> TargetHealth:
        return self.health.get((backend_id, target), TargetHealth())

    def backend_health(self, backend_id: str) -> Health:
        """GKE's word for a backend service: HEALTHY if any target is, else UNHEALTHY if any is, else Unknown."""
        backend = self.backends.get(backend_id)
        if backend is None:
            return "Unknown"
        states = [self.target_health(backend_id, t.name).state for t in backend.targets]
        if "HEALTHY" in states:
            return "HEALTHY"
        return "UNHEALTHY" if "UNHEALTHY" in states else "Unknown"

    def serving_endpoints(self, backend_id: str) -> tuple[Endpoint, ...]:
        """The Pods that get traffic now: behind targets whose check passed. Empty: GKE 502, nginx 503."""
        backend = self.backends.get(backend_id)
        if backend is None:
            return ()
        seen: dict[str, Endpoint] = {}
        for target in backend.targets:
            if self.target_health(backend_id, target.name).state == "HEALTHY":
                for endpoint in target.endpoints:
                    seen.setdefault(endpoint.pod, endpoint)
        return tuple(seen.values())

    def annotations(self, ingress: str) -> dict[str, str]:
        """The annotations GKE writes on the Ingress after a successful sync (none for nginx)."""
        lb = self.load_balancers.get(ingress)
        if lb is None or lb.address is None or not lb.frontends:
            return {}
        health = {b: self.backend_health(b) for b in lb.backends}
        out = {"ingress.kubernetes.io/backends": json.dumps(health, separators=(",", ":"), sort_keys=True)}
        keys = {("UrlMap", "k8s2-um"): "url-map", ("TargetProxy", "k8s2-tp"): "target-proxy",
                ("ForwardingRule", "k8s2-fr"): "forwarding-rule", ("TargetProxy", "k8s2-ts"): "https-target-proxy",
                ("ForwardingRule", "k8s2-fs"): "https-forwarding-rule"}
        for kind, name in lb.frontends:
            key = keys.get((kind, name[:7]))
            if key:
                out[f"ingress.kubernetes.io/{key}"] = name
        return out


# ------------------------------------------------------------------ probing


def health_checks(cs: ControllerState) -> list[HealthCheckTask]:
    """Every probe the proxy should run, one per (backend, target)."""
    tasks = []
    kind: Literal["load-balancer", "readiness"]
    for backend in cs.backends.values():
        for target in backend.targets:
            check = target.check or backend.health_check
            if check is None:
                continue
            kind = "readiness" if target.check is not None else "load-balancer"
            port = check.port if check.port is not None and target.check is None else target.port
            role = check.port_role if kind == "load-balancer" else f"readinessProbe port {port}"
            blocked = backend.firewall.blocked(port) if backend.firewall is not None and kind == "load-balancer" \
                else ""
            tasks.append(HealthCheckTask(backend.id, target, kind, check.path, check.host, port, role,
                                         check.interval, check.timeout, check.healthy_threshold,
                                         check.unhealthy_threshold, cs.healthy_statuses, blocked))
    return tasks


def record_probe(cs: ControllerState, backend_id: str, target: str, status: int | None,
                 now: float) -> ControllerState:
    """Apply one probe result: `status` is the HTTP status, None for a timeout or refused connection.

    A target turns HEALTHY after healthy_threshold successes in a row and UNHEALTHY after
    unhealthy_threshold failures in a row; until then it keeps its state (Unknown at first).
    """
    backend = cs.backends.get(backend_id)
    if backend is None:
        raise KeyError(f"no backend {backend_id!r}; the backends are: {', '.join(cs.backends) or 'none'}")
    probed = next((t for t in backend.targets if t.name == target), None)
    if probed is None:
        raise KeyError(f"backend {backend_id!r} has no target {target!r}; its targets are: "
                       f"{', '.join(t.name for t in backend.targets) or 'none'}")
    check = probed.check or backend.health_check
    if check is None:
        raise KeyError(f"target {target!r} of {backend_id!r} has no health check to record")
    old = cs.target_health(backend_id, target)
    low, high = cs.healthy_statuses
    if status is not None and low <= status <= high:
        successes, failures = old.successes + 1, 0
        state: Health = "HEALTHY" if successes >= check.healthy_threshold else old.state
    else:
        successes, failures = 0, old.failures + 1
        state = "UNHEALTHY" if failures >= check.unhealthy_threshold else old.state
    new = TargetHealth(state, successes, failures, status, now)
    return replace(cs, health={**cs.health, (backend_id, target): new}, time=max(cs.time, now))


# ------------------------------------------------------------------ the sync loop


def reconcile(previous: ControllerState | None, state: ClusterState, profile: ControllerProfile,
              *, now: float | None = None) -> tuple[ControllerState, list[Event]]:
    """One sync of every Ingress the profile's controller serves; `now` defaults to the previous time.

    To show "delete the Ingress and create it again", reconcile once with a snapshot
    without it, then with it (or give it a new creationTimestamp).
    """
    if previous is None or previous.profile != profile.name:
        previous = ControllerState(profile.name, profile.healthy_statuses)
    sync = _Sync(previous, state, profile, previous.time if now is None else now)
    sync.run()
    return sync.result(), sync.events


@dataclass(frozen=True, slots=True)
class _Plan:
    """One (Service, port) an Ingress needs, as translated."""

    service: Service
    port: ServicePort
    mode: DataPath
    mode_why: str
    node_port: int | None
    config_name: str | None
    config: HealthCheckConfig | None
    builtin: bool = False

    @property
    def backend_id(self) -> str:
        s = self.service.meta
        if self.mode == "neg":
            return names.gce_neg_backend(s.namespace, s.name, self.port.port)
        if self.mode == "instance-group":
            return names.gce_ig_backend(self.node_port or 0)
        return f"{s.namespace}-{s.name}-{self.port.port}"


class _Sync:
    def __init__(self, previous: ControllerState, state: ClusterState, profile: ControllerProfile,
                 now: float) -> None:
        self.previous = previous
        self.state = state
        self.profile = profile
        self.now = now
        self.events: list[Event] = []
        self.lbs: dict[str, LoadBalancerState] = dict(previous.load_balancers)
        self.backends: dict[str, BackendService] = dict(previous.backends)
        self.ensured: set[str] = set()
        self.addresses_made = previous.addresses_made
        self.firewall = None if profile.proxy_in_cluster else firewall(state)  # the VPC's, once per sync
        self.neg_unusable = neg_unusable(state) if profile.honours_neg_annotation else None

    def result(self) -> ControllerState:
        return replace(self.previous, time=max(self.previous.time, self.now), addresses_made=self.addresses_made,
                       load_balancers=self.lbs, backends=self.backends, health=self._health())

    def event(self, ingress: Ingress, type_: Literal["Normal", "Warning"], reason: str, message: str,
              hint: str = "") -> None:
        self.events.append(Event(type_, reason, ingress.meta.ref, message, self.now, self.profile.event_source,
                                 hint))

    # ---------------------------------------------------------------- per Ingress

    def run(self) -> None:
        if self.profile.front_end == "gateway":
            self._sync_gateways()
            self._collect_backends()
            return
        table = table_for(self.state, self.profile)
        served: list[tuple[Ingress, EntryPoint]] = [
            (ingress, lb) for lb in table.entry_points.values() for ingress in lb.ingresses]
        by_key = {ingress.meta.key: ingress for ingress, _ in served}
        for key, old in list(self.lbs.items()):
            ingress = by_key.get(key)
            if ingress is None or (old.created and ingress.meta.creation_timestamp
                                   and ingress.meta.creation_timestamp != old.created):
                del self.lbs[key]  # deleted (or deleted and created again): its frontends and address go
        for ingress, lb in served:
            kept = self.lbs.get(ingress.meta.key)
            fingerprint = _fingerprint(ingress)
            if kept is None or kept.fingerprint != fingerprint:
                self.event(ingress, "Normal", "Sync", "Scheduled for sync")
            if self.profile.load_balancer_per_ingress:
                self._sync_load_balancer(ingress, lb, kept, fingerprint)
            else:
                self._sync_shared(ingress, kept, fingerprint)
        self._collect_backends()

    def _sync_gateways(self) -> None:
        """Gateway API: per Gateway, one backend per (Service, port) its attached routes' backendRefs resolve to.

        The Pods behind them are the Services' own, as for ingress-nginx (endpoints, Ready by their
        readinessProbe): a Gateway implementation sends to the endpoints of the Service. A backendRef
        that does not resolve makes no backend; its share answers 500 (routing.gateway).
        """
        from explorer.routing.gateway import routing_for  # the Gateway front end, compiled once per snapshot

        table = routing_for(self.state).gateways
        for gateway in table.gateways:
            plans: list[_Plan] = []
            for lt in table.listeners_of(gateway):
                for entry in lt.entries:
                    mirrors = (*entry.mirrors, *(m for own in entry.backend_mirrors for m in own))
                    for backend in (*entry.backends, *(m.backend for m in mirrors)):  # a mirror's Pods take copies
                        plan = self._gateway_plan(backend.invalid, backend.ref.ref.namespace, backend.ref.ref.name,
                                                  backend.ref.ref.port)
                        if plan is not None:
                            plans.append(plan)
            key = gateway.meta.key
            old = self.lbs.get(key)
            self.lbs[key] = LoadBalancerState(
                key, "gateway", None, "none", None, _unique(self._ensure(plan) for plan in plans), None, (), None,
                "", old.created if old else gateway.meta.creation_timestamp)

    def _gateway_plan(self, invalid: str | None, namespace: str, name: str, port: int | None) -> _Plan | None:
        service = self.state.service(namespace, name) if invalid is None else None
        found = service.find_port(ServiceBackend(name, port)) if service is not None and port is not None else None
        if service is None or found is None:
            return None
        mode, why = data_path(self.profile, service)
        return _Plan(service, found, mode, why, None, None, None)

    def _sync_shared(self, ingress: Ingress, old: LoadBalancerState | None, fingerprint: str) -> None:
        plans = [plan for plan in (self._plan(ingress, ref)[0] for ref in service_backends(ingress)) if plan]
        if self.profile.reads_nginx_annotations:  # auth-url, mirror-target, default-backend: upstreams of their own
            from explorer.routing.nginx_upstream import annotation_services

            plans += [plan for plan in (self._gateway_plan(None, namespace, name, port)
                                        for namespace, name, port in annotation_services(ingress, self.state)) if plan]
        ids = _unique(self._ensure(plan) for plan in plans)
        address = ingress.reported_address or names.external_address("controller", self.profile.controller_service)
        self.lbs[ingress.meta.key] = LoadBalancerState(
            ingress.meta.key, "shared", address, "shared", None, ids, None, (), None, fingerprint,
            old.created if old else ingress.meta.creation_timestamp)

    def _sync_load_balancer(self, ingress: Ingress, compiled: EntryPoint, old: LoadBalancerState | None,
                            fingerprint: str) -> None:
        m = ingress.meta
        lb_name = names.gce_frontend("um", m.namespace, m.name)[len("k8s2-um-"):]
        created = old.created if old else m.creation_timestamp

        def fail(reason: str, message: str, hint: str) -> None:
            if old is None or old.error != message:
                self.event(ingress, "Warning", reason, message, hint)
            if old is not None:
                self.lbs[m.key] = replace(old, error=message, fingerprint=fingerprint)
            else:
                self.lbs[m.key] = LoadBalancerState(m.key, lb_name, None, "none", None, (), None, (), message,
                                                    fingerprint, created)

        errors = compiled.translation_errors  # the RouteTable's, compiled once per snapshot
        plans = [plan for plan in (self._plan(ingress, ref)[0] for ref in service_backends(ingress)) if plan]
        if ingress.default_backend is None or ingress.default_backend.service is None:
            plans.append(self._builtin_plan())
        if errors:
            fail("Translate", "Translation failed: invalid ingress spec: " + ", ".join(errors),
                 "fix the backend named in the message; GKE changes nothing for this Ingress until it translates")
            return
        if not compiled.http_enabled and not compiled.https_enabled:
            fail("Sync", f"Error syncing to GCP: error running load balancer syncing routine: loadbalancer "
                         f"{lb_name} does not exist: invalid configuration: both HTTP and HTTPS are disabled "
                         "(kubernetes.io/ingress.allow-http is false and there is no valid TLS configuration); "
                         "your Ingress will not be able to serve any traffic",
                 'add spec.tls with a valid Secret, or remove kubernetes.io/ingress.allow-http: "false"')
            return
        address, source, static, problem = self._address(ingress, old, lb_name)
        if problem is not None:
            fail("Sync", *problem)
            return
        assert address is not None
        default_id = plans[-1].backend_id  # the Ingress's defaultBackend (last of its refs) or GKE's own
        warnings = self._frontend_warnings(ingress)
        for warning in warnings:
            if old is None or warning not in old.warnings:
                self.event(ingress, "Warning", "Sync", warning,
                           "create the FrontendConfig in the Ingress's namespace, or fix the annotation")
        ids = _unique(self._ensure(plan) for plan in plans)
        frontends = [("UrlMap", names.gce_frontend("um", m.namespace, m.name))]
        if compiled.http_enabled:
            frontends += [("TargetProxy", names.gce_frontend("tp", m.namespace, m.name)),
                          ("ForwardingRule", names.gce_frontend("fr", m.namespace, m.name))]
        if compiled.https_enabled:
            frontends += [("TargetProxy", names.gce_frontend("ts", m.namespace, m.name)),
                          ("ForwardingRule", names.gce_frontend("fs", m.namespace, m.name))]
        before = set(old.frontends) if old and old.address else set()
        for kind, name in frontends:
            if (kind, name) not in before:
                self.event(ingress, "Normal", "Sync", f'{kind} "{name}" created')
            elif kind == "UrlMap" and old is not None and (old.backends != ids or old.fingerprint != fingerprint):
                self.event(ingress, "Normal", "Sync", f'{kind} "{name}" updated')
        for kind, name in sorted(before - set(frontends)):
            self.event(ingress, "Normal", "Sync", f'{kind} "{name}" deleted')
        if old is None or old.address != address:
            self.event(ingress, "Normal", "IPChanged", f"IP is now {address}")
        self.lbs[m.key] = LoadBalancerState(
            m.key, lb_name, address, source, static, ids, default_id, tuple(frontends), None, fingerprint, created,
            tuple(warnings), compiled.https_redirect)

    def _address(self, ingress: Ingress, old: LoadBalancerState | None, lb_name: str
                 ) -> tuple[str | None, Literal["ephemeral", "static", "reported"], str | None, tuple[str, str] | None]:
        static = ingress.annotation(STATIC_IP_ANNOTATION) if self.profile.honours_static_ip else None
        if static:
            found = [a for a in reserved_addresses(self.state) if a.name == static]
            address = next((a for a in found if a.location == "global"), None)
            if address is None and ingress.reported_address and not found:
                # The reservation lives in the GCP project, not in these objects, and the
                # cluster reports the address taken: trust the cluster.
                return ingress.reported_address, "static", static, None
            if address is None:
                message = (f"Error syncing to GCP: error running load balancer syncing routine: loadbalancer "
                           f"{lb_name} does not exist: the given static IP name {static} doesn't translate to "
                           "an existing static IP.")
                if found:
                    where = ", ".join(f"{a.ref} (spec.location: {a.location or 'not set'})" for a in found)
                    hint = (f"{where} is not global; an external Ingress takes only a global address: set "
                            "spec.location: global (gcloud compute addresses create NAME --global)")
                else:
                    hint = (f"no ComputeAddress names {static}; reserve a global address with that name "
                            "(spec.location: global) or fix the annotation")
                return None, "static", static, (message, hint)
            return (address.address or ingress.reported_address or names.external_address("reserved", static),
                    "static", static, None)
        if ingress.reported_address:
            return ingress.reported_address, "reported", None, None
        if old is not None and old.address is not None and old.address_source == "ephemeral":
            return old.address, "ephemeral", None, None
        self.addresses_made += 1
        return names.external_address("ephemeral", self.addresses_made), "ephemeral", None, None

    def _frontend_warnings(self, ingress: Ingress) -> list[str]:
        name = ingress.annotation(FRONTEND_CONFIG_ANNOTATION)
        if self.profile.frontend_config_redirect and name and \
                frontend_config_missing(self.state, ingress.meta.namespace, name):
            return ["Error: no FrontendConfig for ingress exists."]
        return []

    # ---------------------------------------------------------------- backends

    def _plan(self, ingress: Ingress, ref: ServiceBackend) -> tuple[_Plan | None, str | None]:
        return plan_backend(self.state, self.profile, ingress, ref)

    def _builtin_plan(self) -> _Plan:
        service = builtin_default_backend(self.profile)
        assert service is not None
        port = service.ports[0]
        return _Plan(service, port, "instance-group", "GKE's default backend is a NodePort Service in kube-system",
                     port.node_port, None, None, builtin=True)

    def _ensure(self, plan: _Plan) -> str:
        backend_id = plan.backend_id
        if backend_id in self.ensured:
            return backend_id
        self.ensured.add(backend_id)
        pods = pods_for_service(self.state, plan.service)
        check = None
        if not self.profile.proxy_in_cluster:
            old = self.backends.get(backend_id)
            if old is not None and old.health_check is not None:
                check = kept_health_check(old.health_check, plan.mode, plan.node_port, plan.config)
            else:
                when = f"at {self.now:g} s"
                if plan.builtin:
                    check = new_health_check(plan.mode, plan.node_port, self.profile.default_backend_health_path,
                                             None, None, when)
                else:
                    usable, why_not = find_usable_probe(plan.service, plan.port, pods)
                    check = new_health_check(plan.mode, plan.node_port, "/", usable, plan.config, when)
                    if usable is None and check.source == "default":
                        check = replace(check, why=f"{check.why}: {why_not}")
        s = plan.service.meta
        self.backends[backend_id] = BackendService(
            backend_id, s.namespace, s.name, plan.port.port, plan.port.name, plan.port.target_port, plan.node_port,
            plan.mode, plan.mode_why, check, plan.config_name, self._targets(plan, pods), plan.builtin,
            None if plan.builtin else self.firewall)
        return backend_id

    def _targets(self, plan: _Plan, pods: tuple[PodView, ...]) -> tuple[ProbeTarget, ...]:
        target = plan.port.target_port
        if self.profile.health_checked_by == "readiness":
            return tuple(_readiness_target(pod, target) for pod in pods
                         if target_port_number(pod, target) is not None)
        endpoints = [Endpoint(pod.key, pod.ip, port) for pod in pods if pod.ready
                     for port in [target_port_number(pod, target)] if port is not None]
        if plan.mode == "neg":
            if self.neg_unusable:  # routes-based cluster: no endpoint can join the NEG
                return ()
            return tuple(ProbeTarget(e.pod.split("/", 1)[1], e.ip, e.port, (e,)) for e in endpoints)
        assert plan.node_port is not None
        return tuple(ProbeTarget(names.node_name(i), names.node_ip(i), plan.node_port, tuple(endpoints))
                     for i in range(names.NODE_COUNT))

    def _collect_backends(self) -> None:
        """Delete backends (and their health checks) no load balancer uses; refresh the kept ones' Pods."""
        used = {b for lb in self.lbs.values() for b in lb.backends}
        for backend_id in list(self.backends):
            if backend_id not in used:
                del self.backends[backend_id]
            elif backend_id not in self.ensured:
                self._refresh(self.backends[backend_id])

    def _refresh(self, backend: BackendService) -> None:
        service = self.state.service(backend.namespace, backend.service)
        port = service.find_port(ServiceBackend(backend.service, backend.port)) if service else None
        if service is None or port is None:
            return
        plan = _Plan(service, port, backend.mode, backend.mode_why, backend.node_port, backend.backend_config, None,
                     backend.builtin)
        self.backends[backend.id] = replace(
            backend, targets=self._targets(plan, pods_for_service(self.state, service)),
            firewall=None if backend.builtin else self.firewall)

    def _health(self) -> dict[tuple[str, str], TargetHealth]:
        health = {}
        for backend in self.backends.values():
            for target in backend.targets:
                key = (backend.id, target.name)
                if target.check is None and backend.health_check is None:
                    health[key] = TargetHealth(target.initial)
                else:
                    health[key] = self.previous.health.get(key) or TargetHealth(target.initial)
        return health


def plan_backend(state: ClusterState, profile: ControllerProfile, ingress: Ingress,
                 ref: ServiceBackend) -> tuple[_Plan | None, str | None]:
    """Translate one Ingress backend (GKE's translator, in the routing layer): the plan, or GKE's error."""
    found = translate_backend(state, profile, ingress, ref)
    if isinstance(found, str):
        return None, found
    node_port = _node_port(found.service, found.port) if found.mode == "instance-group" else None
    return _Plan(found.service, found.port, found.mode, found.mode_why, node_port, found.config_name,
                 found.config), None


def _readiness_target(pod: PodView, target: int | str) -> ProbeTarget:
    """nginx: a Pod is an endpoint once the kubelet finds it Ready; its httpGet readinessProbe is the check."""
    serving = target_port_number(pod, target)
    assert serving is not None
    endpoint = Endpoint(pod.key, pod.ip, serving)
    for container in pod.containers:
        probe = container.readiness_probe
        if probe is not None and probe.kind == "httpGet":
            port = probe_port(container, probe)
            if port is None:
                return ProbeTarget(pod.name, pod.ip, serving, (endpoint,), initial="UNHEALTHY")
            check = HealthCheck(probe.path or "/", port, probe.period_seconds, probe.timeout_seconds,
                                probe.success_threshold, probe.failure_threshold,
                                next((v for k, v in probe.headers if k.lower() == "host"), None),
                                source="readinessProbe",
                                why=f"readinessProbe of container {container.name}")
            return ProbeTarget(pod.name, pod.ip, port, (endpoint,), check)
    return ProbeTarget(pod.name, pod.ip, serving, (endpoint,), initial="HEALTHY" if pod.ready else "UNHEALTHY")


def _node_port(service: Service, port: ServicePort) -> int | None:
    if port.node_port is not None:
        return port.node_port
    if service.type in ("NodePort", "LoadBalancer"):
        return names.node_port(service.meta.namespace, service.meta.name, port.port)
    return None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _fingerprint(ingress: Ingress) -> str:
    raw = ingress.meta.raw
    if isinstance(raw, dict):
        return json.dumps({k: v for k, v in raw.items() if k != "status"}, sort_keys=True, default=str)
    return repr((ingress.meta.annotations, ingress.rules, ingress.default_backend, ingress.tls))
