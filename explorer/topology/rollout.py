"""One old Pod leaving a NEG during a rolling update, on a timeline: who answers the requests sent to it (pure).

When a Deployment rolls out, each old Pod is deleted. Two things then start at
once and do not wait for each other (Kubernetes Pod termination; Google Cloud
KB 000006416, "502 503 errors on external HTTP(S) Load Balancer ... NEG"):

- the kubelet runs the container's preStop hook, then sends SIGTERM; the
  simulated app stops serving at SIGTERM (an app that drains on SIGTERM is not
  modelled); after terminationGracePeriodSeconds (default 30) it is killed,
  preStop or not;
- the endpoint leaves the EndpointSlice, the NEG controller detaches it from
  the NEG, and the load balancer stops sending new requests to it. That takes
  a while: `NEG_DETACH_SECONDS` here, an assumption of this simulation (real
  clusters vary; Google's KB sleeps 40 s in its example). Requests still in
  flight on the detached endpoint get the backend service's connection
  draining time (BackendConfig connectionDraining.drainingTimeoutSec, default
  0: none), then they are cut.

A request the load balancer sent to the old Pod therefore gets 502 when it
arrives after the Pod stopped serving, when the Pod stops while it runs, or
when it outlasts the draining time after the detach. Requests are sent every
second from the deletion until the detach, to each path asked; a path's
duration is the `delay` its simulated app declares. Instance groups are not
modelled (kube-proxy moves the traffic there, the timeline is another one),
nor the new Pods' start: the rollout is taken to wait for each new Pod to be
Ready (maxUnavailable 0), so only the leaving Pods can fail a request.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from explorer.model.objects import Service, Workload
from explorer.model.state import ClusterState
from explorer.topology.app import app_of
from explorer.routing.ingress.gke import find_object, spec_of
from explorer.topology.gke import backend_config_name, data_path
from explorer.profiles import ControllerProfile

#: Seconds from a Pod's deletion until the load balancer stops sending it new requests (NEG detach and
#: programming): this simulation's assumption, said in every timeline it shows.
NEG_DETACH_SECONDS = 10.0
#: Kubernetes' default terminationGracePeriodSeconds.
DEFAULT_GRACE_SECONDS = 30

_SLEEP = re.compile(r"(?:^|[\s;&|])sleep\s+(\d+(?:\.\d+)?)s?\b")


@dataclass(frozen=True, slots=True)
class Termination:
    """The timeline of one old Pod, in seconds after its deletion."""

    pre_stop: float  # how long the preStop hook holds SIGTERM back
    pre_stop_why: str
    grace: int  # terminationGracePeriodSeconds
    stops_serving: float  # SIGTERM (after preStop), or the kill at the grace period
    detached: float  # the load balancer sends no new request after this
    draining: int  # connectionDraining.drainingTimeoutSec
    draining_why: str

    def describe(self) -> str:
        stop = (f"the Pod stops serving at {self.stops_serving:g} s (SIGTERM after {self.pre_stop_why})"
                if self.stops_serving >= self.pre_stop else
                f"the Pod is killed at {self.stops_serving:g} s, the grace period, before its preStop ends")
        return (f"{stop}; the load balancer stops sending it new requests at {self.detached:g} s (NEG detach, "
                f"assumed {NEG_DETACH_SECONDS:g} s); requests in flight then get {self.draining} s of connection "
                f"draining ({self.draining_why})")


@dataclass(frozen=True, slots=True)
class RolloutRequest:
    path: str
    start: float  # seconds after the old Pod's deletion
    duration: float
    status: int  # 200 (answered) or 502
    why: str = ""


@dataclass(frozen=True, slots=True)
class Rollout:
    service: str  # namespace/name
    termination: Termination | None
    requests: tuple[RolloutRequest, ...]
    problem: str = ""  # why no rollout could be simulated

    @property
    def failed(self) -> tuple[RolloutRequest, ...]:
        return tuple(r for r in self.requests if r.status == 502)


def simulate_rollout(state: ClusterState, profile: ControllerProfile, namespace: str, name: str,
                     paths: tuple[str, ...] = ("/",)) -> Rollout:
    """The requests the load balancer sends one old Pod of Service `name` while it leaves, and their answers."""
    key = f"{namespace}/{name}"
    service = state.service(namespace, name)
    if service is None:
        return Rollout(key, None, (), f"there is no Service {key}")
    mode, why = data_path(profile, service)
    if mode != "neg":
        return Rollout(key, None, (), f"Service {key} does not use a NEG ({why}); only NEG rollouts are simulated")
    workloads = state.workloads_for(service)
    if not workloads:
        return Rollout(key, None, (), f"Service {key} selects no Pods")
    workload = workloads[0]
    termination = _termination(state, service, workload)
    app, _ = app_of(workload)  # a bad annotation is linted elsewhere; the echo app answers at once
    requests = []
    for path in paths:
        duration = app.answer(path).delay
        for second in range(int(math.ceil(termination.detached))):
            requests.append(_outcome(path, float(second), duration, termination))
    return Rollout(key, termination, tuple(requests))


def _outcome(path: str, start: float, duration: float, t: Termination) -> RolloutRequest:
    end = start + duration
    if start >= t.stops_serving:
        return RolloutRequest(path, start, duration, 502, f"it arrived at {start:g} s, after the Pod stopped serving "
                                                          f"at {t.stops_serving:g} s; the NEG still held the Pod")
    if end > t.stops_serving:
        return RolloutRequest(path, start, duration, 502, f"the Pod stopped at {t.stops_serving:g} s while it ran "
                                                          f"({start:g} s + {duration:g} s)")
    if end > t.detached + t.draining:
        return RolloutRequest(path, start, duration, 502, (
            f"it ran until {end:g} s, but the endpoint left the NEG at {t.detached:g} s and connection draining "
            f"waits {t.draining} s"))
    return RolloutRequest(path, start, duration, 200)


def _termination(state: ClusterState, service: Service, workload: Workload) -> Termination:
    spec = _pod_spec(workload)
    grace = spec.get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)
    grace = grace if isinstance(grace, int) and not isinstance(grace, bool) and grace >= 0 else DEFAULT_GRACE_SECONDS
    pre_stop, pre_why = 0.0, "no preStop hook: SIGTERM at once"
    for container in spec.get("containers") or []:
        found = _pre_stop(container) if isinstance(container, dict) else None
        if found is not None and found[0] > pre_stop:
            pre_stop, pre_why = found
    draining, drain_why = 0, "no BackendConfig sets connectionDraining"
    for port in service.ports:
        ref = backend_config_name(service, port)
        config = find_object(state, "BackendConfig", service.meta.namespace, ref.name, "cloud.google.com/") \
            if ref.name else None
        if config is None:
            continue
        value = (spec_of(config).get("connectionDraining") or {}).get("drainingTimeoutSec")
        if isinstance(value, int) and not isinstance(value, bool):
            draining, drain_why = value, f"BackendConfig {ref.name} connectionDraining.drainingTimeoutSec"
        break
    return Termination(pre_stop, pre_why, grace, min(pre_stop, float(grace)), NEG_DETACH_SECONDS, draining,
                       drain_why)


def _pod_spec(workload: Workload) -> dict[str, Any]:
    raw = workload.meta.raw if isinstance(workload.meta.raw, dict) else {}
    if workload.meta.kind == "Pod":
        spec = raw.get("spec")
    else:
        template = (raw.get("spec") or {}).get("template") if isinstance(raw.get("spec"), dict) else None
        spec = template.get("spec") if isinstance(template, dict) else None
    return spec if isinstance(spec, dict) else {}


def _pre_stop(container: dict[str, Any]) -> tuple[float, str] | None:
    """How long a container's preStop hook holds SIGTERM back: a sleep action, or `sleep N` in an exec command."""
    lifecycle = container.get("lifecycle")
    hook = lifecycle.get("preStop") if isinstance(lifecycle, dict) else None
    if not isinstance(hook, dict):
        return None
    name = container.get("name", "?")
    sleep = hook.get("sleep")
    if isinstance(sleep, dict) and isinstance(sleep.get("seconds"), (int, float)):
        return float(sleep["seconds"]), f"preStop sleep {sleep['seconds']} s of container {name}"
    exec_ = hook.get("exec")
    command = exec_.get("command") if isinstance(exec_, dict) else None
    if isinstance(command, list):
        found = _SLEEP.search(" ".join(str(c) for c in command))
        if found:
            return float(found.group(1)), f"preStop exec sleep {found.group(1)} of container {name}"
        return 0.0, f"a preStop exec of container {name} that sleeps nowhere the simulation can read"
    return 0.0, f"a preStop hook of container {name} the simulation does not run (httpGet)"
