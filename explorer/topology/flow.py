"""The way one request travels, hop by hop, with what is broken on the way and why.

client → load balancer (GKE: the external L7 load balancer and its address;
nginx: the L4 LoadBalancer Service, then a controller Pod) → the Ingress rule
→ Service (port, targetPort, nodePort) → [instance groups: node:nodePort] →
the Pods the selector picks → their container port.

Every hop says ok, broken or unknown; a broken hop carries the reason in the
words a learner can act on, and the hops after it are still shown: a broken
link is never dropped. Given a ControllerState (controller.py), the load
balancer shows its real address and sync errors, and each Pod its health.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Collection, Iterator, Literal

from explorer.model.location import Location
from explorer.model.objects import HTTPIngressPath, Ingress, Service
from explorer.model.state import ClusterState, Slot
from explorer.profiles import ControllerProfile
from explorer.routing.decision import BackendRef, Decision
from explorer.routing.route import table_for
from explorer.topology import names
from explorer.topology.controller import ControllerState, Event, reconcile
from explorer.topology.gke import DataPath, bad_service_type, data_path
from explorer.topology.pods import (
    PodView, container_port_for, controller_pod_name, declared_ports, find_service, is_builtin, listens_on,
    pods_for_service, selected_workloads,
)

#: Kept with the snapshot (state.derived): the controller's first sync, by profile; why a Service is missing.
PREDICTED: Slot[tuple[ControllerState, list[Event]]] = Slot("predicted controller sync")
MISSING_SERVICE: Slot[str] = Slot("missing Service text")
SERVICE_NAMES: Slot[dict[str, list[str]]] = Slot("Service names by namespace")

HopKind = Literal["client", "load-balancer", "controller", "ingress", "answer", "service", "node", "pod",
                  "container-port"]
HopState = Literal["ok", "broken", "unknown"]


@dataclass(frozen=True, slots=True)
class Hop:
    kind: HopKind
    label: str
    state: HopState = "ok"
    reason: str = ""  # why broken or unknown (or, when ok, what makes it work)
    detail: str = ""  # a second line: names, data path, health check
    object: str = ""  # Kind/namespace/name to jump to
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class PodHop:
    """One Pod behind the Service, and the container port traffic lands on."""

    pod: Hop
    port: Hop
    view: PodView | None = None


@dataclass(frozen=True, slots=True)
class Flow:
    profile: str
    hops: tuple[Hop, ...]  # in order, up to the Service (and node:nodePort)
    pods: tuple[PodHop, ...] = ()  # the fan-out behind the last hop
    data_path: DataPath | None = None
    backend_id: str | None = None  # the ControllerState backend, when one exists
    service: str = ""  # "web :80 (http) → targetPort 8080" when the Service port exists
    node_port: int | None = None

    def all_hops(self) -> list[Hop]:
        out = list(self.hops)
        for pod in self.pods:
            out += [pod.pod, pod.port]
        return out

    @property
    def state(self) -> HopState:
        """broken if any hop on the way is, or no Pod can answer; unknown if something is not known."""
        states = [h.state for h in self.hops]
        if "broken" in states:
            return "broken"
        pod_states = [("broken" if "broken" in (p.pod.state, p.port.state) else
                       "unknown" if "unknown" in (p.pod.state, p.port.state) else "ok") for p in self.pods]
        if pod_states and "ok" not in pod_states:
            return "broken" if "unknown" not in pod_states else "unknown"
        return "unknown" if "unknown" in states or "unknown" in pod_states else "ok"

    def first_break(self) -> Hop | None:
        return next((h for h in self.all_hops() if h.state == "broken"), None)


# ------------------------------------------------------------------ entry points


def resolve(state: ClusterState, profile: ControllerProfile, decision: Decision,
            controller: ControllerState | None = None) -> Flow:
    """The whole way of one routed request, from the client to the container port."""
    r = decision.request
    hops = [Hop("client", f"client {r.method} {r.url}")]
    ingress = decision.ingress
    if ingress is None and "/" in decision.load_balancer:  # answered by the load balancer of this Ingress
        ingress = state.ingress(*decision.load_balancer.split("/", 1))
    hops += _front_end(state, profile, ingress, controller, decision)
    if decision.outcome == "refused":
        return Flow(profile.name, tuple(hops))
    if decision.backend is None:
        if decision.used_default_backend == "controller" and not profile.proxy_in_cluster \
                and decision.status == 404 and ingress is not None:
            hops.append(Hop("ingress", "no rule matches: the URL map's default service", reason=decision.reason,
                            object=ingress.meta.ref))
            return _with_backend(state, profile, hops, _builtin_ref(profile), controller)
        label = f"answers {decision.status}" + (f" → {decision.location}" if decision.location else "")
        hops.append(Hop("answer", label, reason=decision.reason))
        return Flow(profile.name, tuple(hops))
    if decision.ingress is not None:
        hops.append(_rule_hop(decision.ingress, decision.path, decision.rule_host, decision.backend))
    return _with_backend(state, profile, hops, decision.backend, controller)


def resolve_rule(state: ClusterState, profile: ControllerProfile, ingress: Ingress, path: HTTPIngressPath | None,
                 controller: ControllerState | None = None, rule_host: str = "") -> Flow:
    """The way through one rule path (or, with `path=None`, the Ingress's defaultBackend), without a request."""
    backend = path.backend if path is not None else ingress.default_backend
    hops = _front_end(state, profile, ingress, controller, None)
    if backend is None or backend.service is None:
        what = str(backend.resource) if backend is not None and backend.resource is not None else "nothing"
        hops.append(Hop("ingress", f"Ingress {ingress.meta.key}: backend {what}", "broken",
                        f"{profile.title} forwards only to Services; this backend names {what}",
                        object=ingress.meta.ref, location=backend.location if backend else ingress.meta.location))
        return Flow(profile.name, tuple(hops))
    ref = BackendRef(ingress.meta.namespace, backend.service.name, backend.service.port, backend)
    hops.append(_rule_hop(ingress, path, rule_host, ref))
    return _with_backend(state, profile, hops, ref, controller)


def resolve_backend(state: ClusterState, profile: ControllerProfile, backend: BackendRef,
                    controller: ControllerState | None = None) -> Flow:
    """Only what stands behind one backend: Service → (node) → Pods → container port."""
    return _with_backend(state, profile, [], backend, controller)


# ------------------------------------------------------------------ the front end


def predicted_controller(state: ClusterState, profile: ControllerProfile) -> ControllerState:
    """One sync from scratch: the addresses and errors a controller would give this snapshot."""
    return _predicted(state, profile)[0]


def predicted_sync(state: ClusterState, profile: ControllerProfile) -> tuple[ControllerState, list[Event]]:
    """`reconcile(None, state, profile)`, done once per snapshot and profile and kept with the snapshot.

    A first load needs this sync twice (the view's controller, and the front end
    of every row): on a cluster dump each one takes a noticeable part of a second.
    """
    controller, events = _predicted(state, profile)
    return controller, list(events)


def _predicted(state: ClusterState, profile: ControllerProfile) -> tuple[ControllerState, list[Event]]:
    return state.derived.get(PREDICTED, (profile.name, id(profile)), lambda: reconcile(None, state, profile))


def _front_end(state: ClusterState, profile: ControllerProfile, ingress: Ingress | None,
               controller: ControllerState | None, decision: Decision | None) -> list[Hop]:
    known = controller or predicted_controller(state, profile)
    if profile.proxy_in_cluster:
        any_lb = (known.load_balancers.get(ingress.meta.key) if ingress is not None else None) or \
            next(iter(known.load_balancers.values()), None)
        address = any_lb.address if any_lb else names.external_address("controller", profile.controller_service)
        lb = Hop("load-balancer", f"LoadBalancer Service {profile.controller_service} ({address})",
                 detail="L4 load balancer: passes TCP :80 and :443 to the controller Pods",
                 object=f"Service/{profile.controller_service}")
        namespace = profile.controller_service.partition("/")[0]
        controller_hop = Hop("controller", f"controller Pod {controller_pod_name(profile)}",
                             detail=f"{profile.title}: matches host and path, proxies to the Service's Pod endpoints",
                             object=f"Pod/{namespace}/{controller_pod_name(profile)}")
        if decision is not None and decision.outcome == "refused":
            controller_hop = _broken(controller_hop, decision.reason)
        return [lb, controller_hop]
    if ingress is None:
        reason = decision.reason if decision is not None else "no Ingress is served"
        return [Hop("load-balancer", "no load balancer", "broken", reason)]
    lb_state = known.load_balancers.get(ingress.meta.key)
    url_map = names.gce_frontend("um", ingress.meta.namespace, ingress.meta.name)
    if lb_state is None:
        return [Hop("load-balancer", "no load balancer", "broken",
                    f"{profile.title} does not serve Ingress {ingress.meta.key}", object=ingress.meta.ref)]
    if lb_state.address is None:
        error = lb_state.error or "not synced yet"
        return [Hop("load-balancer", f"external Application Load Balancer for {ingress.meta.key}: no address",
                    "broken", error, detail=f"URL map {url_map}", object=ingress.meta.ref)]
    how = {"static": f"reserved address {lb_state.static_ip_name}", "ephemeral": "ephemeral address",
           "reported": "the address the cluster reports in the Ingress's status.loadBalancer"}
    hop = Hop("load-balancer", f"external Application Load Balancer {lb_state.address}",
              reason=how.get(lb_state.address_source, ""), detail=f"URL map {url_map}", object=ingress.meta.ref)
    if lb_state.error:
        hop = Hop(hop.kind, hop.label, "broken", f"the last sync failed, the load balancer keeps its old "
                  f"configuration: {lb_state.error}", hop.detail, hop.object)
    if decision is not None and decision.outcome == "refused":
        hop = _broken(hop, decision.reason)
    return [hop]


def _rule_hop(ingress: Ingress, path: HTTPIngressPath | None, rule_host: str | None, ref: BackendRef) -> Hop:
    if path is not None:
        host = rule_host or "*"
        return Hop("ingress", f"Ingress {ingress.meta.key}: {host} {path.shown_path} ({path.path_type}) → {ref.service}:{ref.port}",
                   object=ingress.meta.ref, location=path.location)
    location = ingress.default_backend.location if ingress.default_backend else ingress.meta.location
    field = ingress.spelled.get("spec.defaultBackend", "spec.defaultBackend")
    return Hop("ingress", f"Ingress {ingress.meta.key}: {field} → {ref.service}:{ref.port}",
               object=ingress.meta.ref, location=location)


def _builtin_ref(profile: ControllerProfile) -> BackendRef:
    namespace, _, name = profile.default_backend_name.partition("/")
    return BackendRef(namespace, name, "80")


# ------------------------------------------------------------------ behind the backend


def _with_backend(state: ClusterState, profile: ControllerProfile, hops: list[Hop], ref: BackendRef,
                  controller: ControllerState | None) -> Flow:
    service = find_service(state, profile, ref.namespace, ref.service)
    location = ref.backend.location if ref.backend is not None else None
    if service is None:
        hops.append(Hop("service", f"Service {ref.namespace}/{ref.service}", "broken",
                        _missing_service(state, ref), object=f"Service/{ref.namespace}/{ref.service}",
                        location=location))
        return Flow(profile.name, tuple(hops), (_unreached("the Service does not exist"),))
    port = next((p for p in service.ports if str(p.port) == ref.port or (p.name and p.name == ref.port)), None)
    obj = service.meta.ref
    builtin = " (GKE's own, not in your manifests)" if is_builtin(service) else ""
    if port is None:
        ports = ", ".join(str(p) for p in service.ports) or "none"
        what = f"port {ref.port}" if ref.port.isdigit() else f"port named {ref.port}"
        hops.append(Hop("service", f"Service {service.meta.name}{builtin}", "broken",
                        f"Service {service.meta.name} has no {what}; its ports are {ports} (an Ingress names the "
                        "Service's port, not its targetPort or nodePort)", object=obj, location=service.meta.location))
        return Flow(profile.name, tuple(hops), (_unreached("no Service port to reach them through"),))
    if service.type == "ExternalName":
        hops.append(Hop("service", f"Service {service.meta.name} → {service.external_name}", "unknown",
                        f"ExternalName: traffic leaves the cluster for {service.external_name}; there are no Pods "
                        "to show", object=obj, location=service.meta.location))
        return Flow(profile.name, tuple(hops))
    mode, mode_why = data_path(profile, service) if not is_builtin(service) else (
        "instance-group", "GKE's default backend is a NodePort Service in kube-system")
    if mode == "endpoints":
        mode_why = ""
    node_port = port.node_port or (names.node_port(service.meta.namespace, service.meta.name, port.port)
                                   if service.type in ("NodePort", "LoadBalancer") else None)
    port_text = f":{port.port}" + (f" ({port.name})" if port.name else "") + f" → targetPort {port.target_port}"
    summary = f"{service.meta.name} {port_text}"
    label = f"Service {service.meta.name}{builtin} {port_text}"
    if node_port is not None:
        label += f", nodePort {node_port}" + ("" if port.node_port is not None else " (allocated)")
    backend = controller.find_backend(service.meta.namespace, service.meta.name, ref.port) if controller else None
    detail = [mode_why] if mode_why else []
    if backend is not None and backend.health_check is not None:
        hc = backend.health_check
        detail.append(f"backend {backend.id}: health check GET {hc.path} every {hc.interval} s on "
                      f"{hc.port_role}, healthy after {hc.healthy_threshold}, unhealthy after "
                      f"{hc.unhealthy_threshold} ({hc.why})")
    bad = bad_service_type(profile, service, mode)
    service_hop = Hop("service", label, "broken" if bad else "ok",
                      (bad + ': set type: NodePort, or annotate the Service cloud.google.com/neg: '
                       '\'{"ingress": true}\' for container-native load balancing') if bad else "",
                      " · ".join(detail), obj, port.location if not is_builtin(service) else None)
    hops.append(service_hop)
    if mode == "instance-group" and node_port is not None:
        hops.append(Hop("node", f"node:nodePort — every node :{node_port}",
                        detail=f"{names.NODE_COUNT} nodes; kube-proxy forwards to a ready Pod of "
                               f"{service.meta.name}, on any node"))
    backend_id = backend.id if backend else None

    def flow(pods: tuple[PodHop, ...]) -> Flow:
        return Flow(profile.name, tuple(hops), pods, mode, backend_id, summary, node_port)

    if service.selector is None and not is_builtin(service):
        return flow((_unreached(f"Service {service.meta.name} has no selector: its Endpoints are maintained by "
                                "hand, so the simulation has no Pods for it", state="unknown"),))
    pods = pods_for_service(state, service)
    if not pods:
        return flow((_no_pods(state, profile, service),))
    health = _Health(profile, controller, backend_id) if controller is not None and backend_id else None
    return flow(tuple(_pod_hop(pod, port.target_port, health) for pod in pods))


def _pod_hop(pod: PodView, target: int | str, health: "_Health | None") -> PodHop:
    label = f"Pod {pod.name} {pod.ip}".rstrip()
    detail = f"{pod.owner_ref}, node {pod.node}" + ("" if pod.app.is_echo else " · app from ingress-explorer/app")
    obj = f"{pod.owner.meta.ref}"
    if not pod.ready:
        hop = Hop("pod", label, "broken", f"not Ready: {pod.ready_reason}; it gets no traffic", detail, obj)
    else:
        hop = Hop("pod", label, "ok", pod.ready_reason, detail, obj)
        if health is not None:
            hop = health.hop(hop, pod)
    return PodHop(hop, _port_hop(pod, target), pod)


class _Health:
    """A Pod's health in the controller simulation, worded for its hop."""

    def __init__(self, profile: ControllerProfile, controller: ControllerState, backend_id: str) -> None:
        self.controller = controller
        self.backend = controller.backends.get(backend_id)
        self.targets = {t.name: t for t in self.backend.targets} if self.backend else {}
        self.per_node = controller.backend_health(backend_id)  # instance groups: checks reach nodes, not Pods
        self.node_last = next((controller.target_health(backend_id, t.name).last_status
                               for t in self.targets.values()), None)
        low, high = controller.healthy_statuses
        self.accepts = f"{low}" if low == high else f"{low}-{high}"
        self.who = ("the load balancer's health check" if profile.health_checked_by == "load-balancer"
                    else "the readinessProbe")

    def hop(self, hop: Hop, pod: PodView) -> Hop:
        if self.backend is None:
            return hop
        target = self.targets.get(pod.name)
        if target is None:
            state, last = self.per_node, self.node_last
        else:
            health = self.controller.target_health(self.backend.id, target.name)
            state, last = health.state, health.last_status
        check = (target.check if target is not None else None) or self.backend.health_check
        return _worded(hop, state, last, check.path if check else "/", self.who, self.accepts)


def _worded(hop: Hop, state: str, last: int | None, path: str, who: str, accepts: str) -> Hop:
    if state == "HEALTHY":
        return Hop(hop.kind, hop.label, "ok", f"HEALTHY: {who} GET {path} passes", hop.detail, hop.object)
    if state == "UNHEALTHY":
        got = f"got {last}" if last is not None else "got no answer"
        return Hop(hop.kind, hop.label, "broken", f"UNHEALTHY: {who} GET {path} {got}; it accepts only {accepts}",
                   hop.detail, hop.object)
    return Hop(hop.kind, hop.label, "unknown", f"Unknown: {who} GET {path} has not passed yet", hop.detail,
               hop.object)


def _port_hop(pod: PodView, target: int | str) -> Hop:
    container, declared = container_port_for(pod, target)
    if declared is not None and container is not None:
        name = f" ({declared.name})" if declared.name else ""
        return Hop("container-port", f"container {container.name} :{declared.container_port}{name}")
    ports = declared_ports(pod)
    if isinstance(target, str):
        return Hop("container-port", f"targetPort {target}", "broken",
                   f"targetPort {target} names no containerPort of Pod {pod.name}; its ports are {ports}")
    if listens_on(pod.containers, target, fallback=target):
        return Hop("container-port", f":{target}", "unknown",
                   f"the containers of Pod {pod.name} declare no ports; traffic goes to {target} and works only "
                   "if the app listens there")
    return Hop("container-port", f":{target}", "broken",
               f"no container of Pod {pod.name} declares port {target}; its containers declare {ports}")


def _unreached(reason: str, state: HopState = "unknown") -> PodHop:
    return PodHop(Hop("pod", "Pods", state, reason), Hop("container-port", "container port", "unknown", reason))


def _no_pods(state: ClusterState, profile: ControllerProfile, service: Service) -> PodHop:
    selector = ", ".join(f"{k}={v}" for k, v in (service.selector or {}).items())
    workloads = selected_workloads(state, service)
    if workloads:
        zero = ", ".join(f"{w.meta.kind} {w.meta.name}" for w in workloads)
        reason = f"{zero} selected by {selector} has replicas: 0"
    else:
        reason = f"no Pod matches the selector {selector} of Service {service.meta.name}"
        near = _near_misses(state, service)
        if near:
            reason += f"; in {service.meta.namespace}: {near}"
    answer = f"{profile.title} answers {profile.no_healthy_backend_status}"
    return PodHop(Hop("pod", "no Pods", "broken", f"{reason}: {answer}"),
                  Hop("container-port", "container port", "unknown", "no Pod to reach"))


def _near_misses(state: ClusterState, service: Service) -> str:
    keys = set(service.selector or {})
    seen = []
    for w in state.workloads:
        if w.meta.namespace != service.meta.namespace:
            continue
        shared = {k: v for k, v in w.template.labels.items() if k in keys}
        if shared:
            seen.append(f"{w.meta.kind} {w.meta.name} has " + ", ".join(f"{k}={v}" for k, v in shared.items()))
    return "; ".join(seen[:3])


def _missing_service(state: ClusterState, ref: BackendRef) -> str:
    """Why the Service is missing, and what the namespace has instead; kept per snapshot.

    A dump whose Services were left out names thousands of them, row after
    row: scanning every Service and guessing a near name for each row took
    seconds.
    """
    def build() -> str:
        by_namespace = state.derived.get(SERVICE_NAMES, None, lambda: _service_names(state))
        return _missing_service_text(ref, by_namespace.get(ref.namespace, []))

    return state.derived.get(MISSING_SERVICE, (ref.namespace, ref.service), build)


def _service_names(state: ClusterState) -> dict[str, list[str]]:
    by_namespace: dict[str, list[str]] = {}
    for namespace, name in sorted(state.services):
        by_namespace.setdefault(namespace, []).append(name)
    return by_namespace


def _missing_service_text(ref: BackendRef, present: list[str]) -> str:
    text = f"Service {ref.namespace}/{ref.service} not found"
    close = difflib.get_close_matches(ref.service, present, n=1)
    if close:
        text += f"; did you mean {close[0]}?"
    elif present:
        text += f"; Services in {ref.namespace}: {', '.join(present[:8])}"
    else:
        text += f"; there are no Services in namespace {ref.namespace}"
    return text + " (the Service must be in the Ingress's namespace)"


def _broken(hop: Hop, reason: str) -> Hop:
    return Hop(hop.kind, hop.label, "broken", reason, hop.detail, hop.object, hop.location)


# ------------------------------------------------------------------ the Ingress table


@dataclass(frozen=True, slots=True)
class IngressRow:
    """One (Ingress, rule, path, backend) line of the TUI's Ingress table."""

    ingress: str  # namespace/name
    served: bool
    host: str  # "" for any host
    path: str  # "(default)" for spec.defaultBackend
    path_type: str
    backend: str  # service:port as written
    service: str  # "web :80 → 8080" or "" when missing
    node_port: int | None
    data_path: DataPath | None
    pods: int
    ready: int
    state: HopState
    reason: str  # the first broken hop's reason, or why it is not served
    location: Location | None
    flow: Flow | None = None


def ingress_rows(state: ClusterState, profile: ControllerProfile,
                 controller: ControllerState | None = None) -> list[IngressRow]:
    """Every path and defaultBackend of every Ingress, with what it resolves to."""
    return [_make_row(state, profile, controller, *source) for source in _row_sources(state, profile)]


def refresh_rows(state: ClusterState, profile: ControllerProfile, rows: list[IngressRow],
                 controller: ControllerState, backends: Collection[str]) -> tuple[list[IngressRow], list[int]]:
    """`rows` (`ingress_rows` of this state and profile) with the rows of `backends` resolved again.

    Health changes one backend at a time; on a cluster dump resolving all
    10,000 rows again for each change took half a second. Returns the new rows
    and the indices of those made again (the others are the same objects).
    """
    out = list(rows)
    redone = []
    for index, source in enumerate(_row_sources(state, profile)):
        flow = rows[index].flow
        if flow is not None and flow.backend_id in backends:
            out[index] = _make_row(state, profile, controller, *source)
            redone.append(index)
    return out, redone


def _row_sources(state: ClusterState, profile: ControllerProfile
                 ) -> Iterator[tuple[Ingress, str, HTTPIngressPath | None, bool, str]]:
    """(Ingress, host, path or None for its defaultBackend, served, why not) for each row, in the table's order."""
    served = {id(s.ingress): s for s in table_for(state, profile).served}
    for ingress in state.ingresses:
        info = served.get(id(ingress))
        is_served = bool(info and info.served)
        why = info.why if info else ""
        for rule in ingress.rules:
            for path in rule.paths or ():
                yield ingress, rule.host, path, is_served, why
        if ingress.default_backend is not None:
            yield ingress, "", None, is_served, why


def _make_row(state: ClusterState, profile: ControllerProfile, controller: ControllerState | None,
              ingress: Ingress, host: str, path: HTTPIngressPath | None, is_served: bool, why: str) -> IngressRow:
    backend = path.backend if path is not None else ingress.default_backend
    assert backend is not None
    flow = resolve_rule(state, profile, ingress, path, controller, host) if is_served else None
    return _row(ingress, host, path, str(backend), is_served, why, flow, backend.location)


def _row(ingress: Ingress, host: str, path: HTTPIngressPath | None, backend: str, served: bool, why: str,
         flow: Flow | None, location: Location) -> IngressRow:
    pods = [p for p in flow.pods if p.view is not None] if flow else []
    if flow is None:
        state: HopState = "unknown"
        reason = why
    else:
        state = flow.state
        first = flow.first_break()
        reason = first.reason if first else next((h.reason for h in flow.all_hops() if h.state == "unknown"), "")
    return IngressRow(
        ingress.meta.key, served, host, path.shown_path if path else "(default)", path.path_type if path else "",
        backend, flow.service if flow else "", flow.node_port if flow else None, flow.data_path if flow else None,
        len(pods), sum(1 for p in pods if p.view and p.view.ready), state, reason, location, flow)
