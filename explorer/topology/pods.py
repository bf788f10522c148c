"""The Pods behind a Service: made from workloads × replicas, or read live.

Manifests describe Pods only through templates, so the simulated cluster
makes them: `replicas` Pods per Deployment, each with a stable generated
name and IP (see names.py), scheduled on one of three nodes. A Pod read
from a cluster dump (it carries status) is taken as it is, with its
readiness; when a Service selects such live Pods, templates are not used
for it, so nothing is counted twice.

Readiness of a made-up Pod is predicted from its readinessProbe and its
simulated app (app.py), the way the kubelet would judge it: an httpGet
probe passes on 200-399, a tcpSocket probe when the port is open.
The simulated app listens on every containerPort its container declares
(on the Service's targetPort when it declares none).
"""

from __future__ import annotations

import itertools
import json
from typing import Iterator, Mapping

from explorer.model.location import Location, Problem
from explorer.model.objects import (
    Container, ContainerPort, ObjectMeta, PodTemplate, Probe, Service, ServicePort, Workload,
)
from explorer.model.state import ClusterState, Slot
from explorer.model.value import field, value
from explorer.routing.endpoints import Endpoints, register
from explorer.profiles import ControllerProfile
from explorer.topology import names
from explorer.topology.app import AppSpec, app_of, parse_app

#: Kept with the snapshot (state.derived): every Pod by id(workload); a Service's Pods by id(Service).
POD_INVENTORY: Slot[dict[int, tuple["PodView", ...]]] = Slot("Pod inventory")
SERVICE_PODS: Slot[tuple[Service, tuple["PodView", ...]]] = Slot("Pods of a Service")

#: kubelet httpGet probes: success iff 200 <= code < 400 (k8s.io/kubernetes pkg/probe/http).
KUBELET_SUCCESS = (200, 399)
#: Pods simulated per workload: `replicas: 1000000` must not take minutes and gigabytes.
SIMULATED_REPLICAS = 5000


@value
class PodView:
    name: str
    namespace: str
    owner: Workload  # the workload it was made from, or the Pod itself
    ip: str
    node: str
    labels: Mapping[str, str]
    containers: tuple[Container, ...]
    app: AppSpec
    live: bool  # read from a cluster (status known), not made from a template
    ready: bool
    ready_reason: str
    app_problem: Problem | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def owner_ref(self) -> str:
        return f"{self.owner.meta.kind} {self.owner.meta.name}"


# ------------------------------------------------------------------ ports


def container_port_for(pod: PodView, target: int | str) -> tuple[Container | None, ContainerPort | None]:
    """The container and declared port a Service targetPort (number or name) reaches on this Pod."""
    for container in pod.containers:
        port = container.find_port(target)
        if port is not None:
            return container, port
    return None, None


def target_port_number(pod: PodView, target: int | str) -> int | None:
    """The port number traffic for `target` arrives on, or None when a name resolves to nothing."""
    if isinstance(target, int):
        return target
    _, port = container_port_for(pod, target)
    return port.container_port if port else None


def declared_ports(pod: PodView) -> str:
    shown = [f"{p.container_port} ({p.name})" if p.name else str(p.container_port)
             for c in pod.containers for p in c.ports]
    return ", ".join(shown) if shown else "none"


def listens_on(containers: tuple[Container, ...], port: int, fallback: int | None = None) -> bool:
    """The simulated app listens on every declared containerPort; with none declared, on `fallback`."""
    declared = [p.container_port for c in containers for p in c.ports]
    if declared:
        return port in declared
    return fallback is None or port == fallback


# ------------------------------------------------------------------ readiness


def predict_ready(containers: tuple[Container, ...], app: AppSpec) -> tuple[bool, str]:
    """Will the kubelet mark this Pod Ready? (and why), judged from each container's readinessProbe."""
    reasons = []
    for container in containers:
        ok, why = probe_passes(container, container.readiness_probe, app)
        if not ok:
            return False, why
        reasons.append(why)
    return True, "; ".join(reasons) if reasons else "no containers"


def probe_passes(container: Container, probe: Probe | None, app: AppSpec) -> tuple[bool, str]:
    if probe is None:
        return True, f"container {container.name} has no readinessProbe, so it is Ready once started"
    if probe.kind in ("exec", "grpc"):
        return True, f"{probe.kind} readinessProbe of {container.name} is assumed to pass (the simulation runs none)"
    port = probe_port(container, probe)
    if port is None:
        return False, (f"readinessProbe of {container.name} names port {probe.port!r}, which no port of the "
                       "container declares: the probe fails")
    if not listens_on((container,), port):
        return False, (f"readinessProbe of {container.name} connects to port {port}, where the app does not "
                       f"listen (declared: {', '.join(str(p.container_port) for p in container.ports)}): "
                       "connection refused")
    if probe.kind == "tcpSocket":
        return True, f"tcpSocket readinessProbe of {container.name} connects to port {port}"
    status = app.probe_status(probe.path or "/", probe.timeout_seconds)
    if status is None:
        return False, (f"readinessProbe GET {probe.path or '/'} on port {port} gets no answer within its "
                       f"timeoutSeconds ({probe.timeout_seconds}): the app takes "
                       f"{app.answer(probe.path or '/').delay:g} s")
    low, high = KUBELET_SUCCESS
    verdict = "passes" if low <= status <= high else "fails"
    return low <= status <= high, (
        f"readinessProbe GET {probe.path or '/'} on port {port} answers {status}: {verdict} "
        f"(the kubelet accepts {low}-{high})")


def probe_port(container: Container, probe: Probe) -> int | None:
    if isinstance(probe.port, int):
        return probe.port
    if isinstance(probe.port, str):
        if probe.port.isdigit():
            return int(probe.port)
        found = container.find_port(probe.port)
        return found.container_port if found else None
    return None


# ------------------------------------------------------------------ making Pods


def is_live(workload: Workload) -> bool:
    return workload.is_pod and (workload.ready is not None or bool(workload.pod_ip) or bool(workload.phase))


def _inventory(state: ClusterState) -> dict[int, tuple[PodView, ...]]:
    """Every Pod of every workload in the snapshot, keyed by id(workload); built once per snapshot."""
    return state.derived.get(POD_INVENTORY, None, lambda: _build_inventory(state))


def _build_inventory(state: ClusterState) -> dict[int, tuple[PodView, ...]]:
    planned: list[tuple[Workload, str, AppSpec, Problem | None]] = []
    for workload in state.workloads:
        app, problem = app_of(workload)
        for index in range(min(max(workload.replicas, 0), SIMULATED_REPLICAS)):
            name = names.pod_name(workload.meta.kind, workload.meta.namespace, workload.meta.name, index)
            planned.append((workload, name, app, problem))
    addresses = _PodAddresses({w.pod_ip for w in state.workloads if is_live(w) and w.pod_ip})
    views: dict[int, list[PodView]] = {}
    for workload, name, app, problem in sorted(planned, key=lambda p: (p[0].meta.namespace, p[1])):
        views.setdefault(id(workload), []).append(_make(workload, name, app, problem, addresses))
    return {key: tuple(value) for key, value in views.items()}


def _make(workload: Workload, name: str, app: AppSpec, problem: Problem | None,
          addresses: "_PodAddresses") -> PodView:
    node = names.node_of(name)
    template = workload.template
    if is_live(workload):
        ready = bool(workload.ready)
        reason = "the Pod's Ready condition is True" if workload.ready else (
            "the Pod's Ready condition is False" if workload.ready is False else "the Pod reports no Ready condition")
        ip = workload.pod_ip or ""
    else:
        ready, reason = predict_ready(template.containers, app)
        ip = addresses.take(workload.meta.namespace, name, node)
    return PodView(name, workload.meta.namespace, workload, ip, names.node_name(node), template.labels,
                   template.containers, app, is_live(workload), ready, reason, problem)


class _PodAddresses:
    """Pod IPs for simulated Pods: stable per Pod name, never one taken twice.

    Each node has its /24 of the Pod range (GKE's default) and a Pod takes a
    slot there chosen from its name. A node's /24 holds 250 addresses, so a
    manifest asking for more Pods than that gets the next free addresses of
    the cluster's Pod range instead of waiting for a free slot forever.
    """

    TRIES = 32  # hashed slots to try before the node counts as full

    def __init__(self, used: set[str]) -> None:
        self.used = used
        self._overflow = 0  # next index into the rest of the Pod range

    def take(self, namespace: str, name: str, node: int) -> str:
        hashed = (names.pod_ip(node, names.pod_ip_slot(namespace, name, attempt)) for attempt in range(self.TRIES))
        ip = next(ip for ip in itertools.chain(hashed, self._rest_of_range()) if ip not in self.used)
        self.used.add(ip)
        return ip

    def _rest_of_range(self) -> Iterator[str]:
        """The Pod range past the nodes' own /24s, from where the last overflow stopped (never runs out)."""
        while True:
            block, slot = divmod(self._overflow, names.POD_SLOTS)
            self._overflow += 1
            yield names.pod_ip(names.NODE_COUNT + block, 2 + slot)


def pods_of(state: ClusterState, workload: Workload) -> tuple[PodView, ...]:
    return _inventory(state).get(id(workload), ())


def all_pods(state: ClusterState, profile: ControllerProfile) -> tuple[PodView, ...]:
    """Every Pod the simulated cluster runs: the snapshot's, plus GKE's own default backend Pod."""
    pods = tuple(p for w in state.workloads for p in pods_of(state, w))
    builtin = builtin_default_backend(profile)
    if builtin is not None and state.service(builtin.meta.namespace, builtin.meta.name) is None:
        pods += _BUILTIN_PODS[(builtin.meta.namespace, builtin.meta.name)]
    return pods


def selected_workloads(state: ClusterState, service: Service) -> list[Workload]:
    """Workloads whose Pods the selector picks; live Pods win over templates when there are any."""
    chosen = state.workloads_for(service)
    live = [w for w in chosen if is_live(w)]
    return live or chosen


def pods_for_service(state: ClusterState, service: Service) -> tuple[PodView, ...]:
    """The Pods a Service's selector matches (its endpoints, ready or not); kept with the snapshot."""
    builtin = _BUILTIN_PODS.get((service.meta.namespace, service.meta.name))
    if builtin is not None and state.service(service.meta.namespace, service.meta.name) is None:
        return builtin
    found = state.derived.get(SERVICE_PODS, id(service), lambda: (
        service, tuple(p for w in selected_workloads(state, service) for p in pods_of(state, w))))
    if found[0] is not service:  # a Service from another snapshot, with a reused id
        return tuple(p for w in selected_workloads(state, service) for p in pods_of(state, w))
    return found[1]


def controller_pod_name(profile: ControllerProfile) -> str:
    """The (one) controller Pod of an in-cluster proxy, e.g. ingress-nginx-controller-<hash>-<5>."""
    namespace, _, name = profile.controller_service.partition("/")
    return names.pod_name("Deployment", namespace, name, 0)


# ------------------------------------------------------------------ the controller's own default backend

_HERE = Location("(created by the controller; not in your manifests)")
_BUILTIN_SERVICES: dict[tuple[str, str], Service] = {}
_BUILTIN_PODS: dict[tuple[str, str], tuple[PodView, ...]] = {}


def builtin_default_backend(profile: ControllerProfile) -> Service | None:
    """GKE's kube-system/default-http-backend: a real NodePort Service the URL map falls back to.

    An in-cluster proxy (nginx) answers unmatched requests itself, so it has none.
    """
    if profile.proxy_in_cluster:
        return None
    namespace, _, name = profile.default_backend_name.partition("/")
    key = (namespace, name)
    service = _BUILTIN_SERVICES.get(key)
    if service is None:
        service = _BUILTIN_SERVICES[key] = _default_backend_service(namespace, name)
        _BUILTIN_PODS[key] = _default_backend_pods(profile, namespace)
    return service


def _default_backend_service(namespace: str, name: str) -> Service:
    meta = ObjectMeta("v1", "Service", name, namespace, _HERE, labels={"k8s-app": "glbc"})
    port = ServicePort("http", 80, 8080, names.node_port(namespace, name, 80), "TCP", None, "spec.ports[0]", _HERE)
    return Service(meta, "NodePort", (port,), {"k8s-app": "glbc"}, names.cluster_ip(namespace, name), None)


def _default_backend_pods(profile: ControllerProfile, namespace: str) -> tuple[PodView, ...]:
    app = parse_app(
        '{"%s": {"status": 200, "body": "ok"}, "*": {"status": 404, "body": %s}}'
        % (profile.default_backend_health_path, json.dumps(profile.default_backend_body)))
    container = Container("default-http-backend", "registry.k8s.io/ingress-gce-404-server-with-metrics",
                          (ContainerPort("http", 8080, "TCP"),), None, None, "spec.template.spec.containers[0]",
                          _HERE)
    meta = ObjectMeta("apps/v1", "Deployment", "l7-default-backend", namespace, _HERE)
    template = PodTemplate({"k8s-app": "glbc"}, {}, (container,), "spec.template")
    workload = Workload(meta, 1, {"k8s-app": "glbc"}, template)
    name = names.pod_name("Deployment", namespace, "l7-default-backend", 0)
    node = names.node_of(name)
    return (PodView(name, namespace, workload, names.pod_ip(node, 2), names.node_name(node), template.labels,
                    template.containers, app, False, True, "GKE runs it; it is always Ready"),)


def find_service(state: ClusterState, profile: ControllerProfile, namespace: str, name: str) -> Service | None:
    """The Service a backend names; GKE's own default backend when the manifests do not define it."""
    service = state.service(namespace, name)
    if service is not None:
        return service
    builtin = builtin_default_backend(profile)
    if builtin is not None and (builtin.meta.namespace, builtin.meta.name) == (namespace, name):
        return builtin
    return None


def is_builtin(service: Service) -> bool:
    return service.meta.location is _HERE


def _endpoints(state: ClusterState, service: Service) -> Endpoints:
    """explorer.routing.endpoints' question, answered from the same Pods the proxy runs."""
    pods = pods_for_service(state, service)
    unready = next((p for p in pods if not p.ready), None)
    return Endpoints(tuple(p.key for p in pods), tuple(p.key for p in pods if p.ready),
                     f"Pod {unready.key}: {unready.ready_reason}" if unready is not None else "")


register(_endpoints)  # routing may not import topology (layers): it asks through this
