"""Which Pod gets a forwarded request.

The Pods are the topology's (`all_pods`): the same names the diagram shows,
run as simulated Pods or reached in a live cluster (see upstreams.py).
Which of them may take a backend's traffic is the controller simulation's
answer (`serving_endpoints`: nginx, Ready endpoints; GKE, targets HEALTHY in
the load balancer's own checks), and they take turns (round-robin per
backend), so a workshop can watch load spread over replicas.

Size: up to `ProxyOptions.eager_limit` simulated Pods (500 by default; a
lesson has a handful), every Pod's server starts with the snapshot and every
health check runs, so health is known before the first request. Above it the
Pods run on demand: a Pod's server starts on its first request (or check), and
a backend's checks start with the first request routed to it (`prepare`), which
waits for their first round. Every other backend's health stays Unknown. A
cluster dump's 20,000 Pods used to mean 20,000 servers and 11,000 probes every
few seconds on the event loop, which froze the TUI for minutes.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from explorer.model.state import ClusterState
from explorer.proxy.health import HealthRunner, Prepared
from explorer.proxy.upstreams import Upstream
from explorer.routing.decision import BackendRef, Decision
from explorer.profiles import ControllerProfile
from explorer.topology.controller import BackendService, ControllerState, Endpoint
from explorer.topology.pods import PodView, all_pods
from explorer.traffic import PodsOnDemand

if TYPE_CHECKING:
    from explorer.proxy.server import Proxy


@dataclass(frozen=True, slots=True)
class Choice:
    backend: str  # the backend id health is kept under ("" when the controller made none)
    serving: tuple[str, ...]  # namespace/name of the Pods allowed to take traffic now
    pod: str | None  # the one chosen (namespace/name), None when no Pod may take traffic
    port: int = 0  # the chosen Pod's port that serves this backend (the Service's targetPort)
    why: str = ""  # when pod is None: why not


class Pool:
    """The Pods and their health, as one place to ask "who takes this request?"."""

    def __init__(self, proxy: "Proxy") -> None:
        self.upstreams = proxy.upstreams
        self.health = HealthRunner(proxy.upstreams, proxy.hub, proxy.options.time_scale)
        self.hub = proxy.hub
        self.eager_limit = proxy.options.eager_limit
        self.pod_count = 0  # Pods of the current snapshot
        self.on_demand = False  # see the module docstring
        self._turn: dict[str, int] = {}
        #: Per health state (replaced whole when health changes): a backend ref -> its backend, the endpoints
        #: serving it, their Pods' names, and the Choice of each (made once, not per request).
        self._serving_for: ControllerState | None = None
        self._serving: dict[tuple[str, str, str], tuple[BackendService | None, tuple[Endpoint, ...],
                                                        tuple[str, ...], tuple[Choice, ...]]] = {}
        #: Pods being deleted: namespace/name -> when (time.monotonic()) the load balancer stops sending to them.
        self._leaving: dict[str, float] = {}
        self._stopping: set[asyncio.Task[bool]] = set()

    async def sync(self, state: ClusterState, profile: ControllerProfile) -> None:
        """Take exactly the Pods of this snapshot (same names as the diagram's), then sync the controller.

        Listing the Pods and syncing the controller are pure and run in a thread: on a
        cluster dump they take seconds, which the event loop spends answering.
        """
        def prepare() -> tuple[tuple[PodView, ...], Prepared]:
            pods = all_pods(state, profile)
            return pods, self.health.prepare(state, profile, pods)

        pods, prepared = await asyncio.to_thread(prepare)
        on_demand = self.upstreams.probes and len(pods) > self.eager_limit
        if on_demand != self.on_demand:
            self.hub.publish(PodsOnDemand(len(pods), self.eager_limit, on_demand))
        self.pod_count, self.on_demand = len(pods), on_demand
        await self.upstreams.sync(pods, on_demand)
        self.health.take(prepared, on_demand)

    async def prepare(self, decision: Decision) -> None:
        """On demand: start the health checks of the decision's backend (once) and wait for their first round."""
        if decision.backend is not None:
            await self.prepare_ref(decision.backend)

    async def prepare_ref(self, ref: BackendRef) -> None:
        """`prepare` for a backend named directly (the Gateway API front end's chosen backendRef)."""
        cs = self.health.controller
        if not self.on_demand or cs is None:
            return
        backend = cs.find_backend(ref.namespace, ref.service, ref.port)
        if backend is not None:
            await self.health.check(backend.id)

    async def stop(self) -> None:
        for task in list(self._stopping):
            task.cancel()
        await self.health.stop()
        await self.upstreams.stop()

    def terminate(self, pod: str, stop_after: float, leave_after: float) -> None:
        """A Pod being deleted: its server stops after `stop_after` seconds, it takes requests until `leave_after`.

        What a NEG does while the endpoint is detached (topology/rollout.py has the timeline):
        the load balancer keeps choosing the Pod until then, whether it still serves or not."""
        self._leaving[pod] = time.monotonic() + max(leave_after, 0.0)

        async def stop_later() -> bool:
            await asyncio.sleep(max(stop_after, 0.0))
            return await self.upstreams.stop_serving(pod)

        task = asyncio.ensure_future(stop_later())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    def _left(self, pod: str) -> bool:
        until = self._leaving.get(pod)
        return until is not None and time.monotonic() >= until

    def at_hand(self, choice: Choice) -> Upstream | None:
        """`open`'s answer when it needs no waiting (a running simulated Pod); None: ask `open`."""
        assert choice.pod is not None
        return self.upstreams.at_hand(choice.pod, choice.port)

    async def open(self, choice: Choice) -> Upstream | None:
        """Where to connect for the chosen Pod (a port-forward is opened here, on first use)."""
        assert choice.pod is not None
        namespace, _, name = choice.pod.partition("/")
        return await self.upstreams.open(namespace, name, choice.port)

    def choose(self, decision: Decision) -> Choice:
        assert decision.backend is not None
        return self.choose_ref(decision.backend)

    def choose_ref(self, ref: BackendRef, key: str | None = None) -> Choice:
        """Which Pod of the backend for this (namespace, Service, port as written) takes the next request.

        `key` (ingress-nginx affinity cookie, upstream-hash-by): the Pod is the one the key hashes to among
        those serving (rendezvous hashing: a Pod leaving moves only its own keys), not the next in turn.
        """
        cs = self.health.controller
        if cs is None:
            return Choice("", (), None, why=f"the controller made no backend for {ref}")
        if self._serving_for is not cs:
            self._serving_for, self._serving = cs, {}
        index = (ref.namespace, ref.service, ref.port)
        found = self._serving.get(index)
        if found is None:
            backend = cs.find_backend(ref.namespace, ref.service, ref.port)
            endpoints = tuple(sorted(cs.serving_endpoints(backend.id), key=lambda e: e.pod)) if backend else ()
            serving = tuple(e.pod for e in endpoints)
            choices = tuple(Choice(backend.id, serving, e.pod, e.port) for e in endpoints) if backend else ()
            found = self._serving[index] = (backend, endpoints, serving, choices)
        backend, endpoints, serving, choices = found
        if backend is None:
            return Choice("", (), None, why=f"the controller made no backend for {ref}")
        running_ = self.upstreams.running
        leaving = self._leaving
        running = [i for i, e in enumerate(endpoints) if running_(e.pod) and not (leaving and self._left(e.pod))]
        if not running:
            state = cs.backend_health(backend.id)
            return Choice(backend.id, serving, None,
                          why=f"no Pod of {ref} passes its health check (backend {backend.id} is {state})")
        if key is not None:
            return choices[max(running, key=lambda i: zlib.crc32(f"{key}|{endpoints[i].pod}".encode()))]
        turn = self._turn.get(backend.id, 0)
        self._turn[backend.id] = turn + 1
        return choices[running[turn % len(running)]]

    def status(self) -> dict[str, object]:
        cs = self.health.controller
        backends = []
        if cs is not None:
            for backend in cs.backends.values():
                backends.append({
                    "id": backend.id, "service": f"{backend.service_key}:{backend.port}",
                    "health": cs.backend_health(backend.id),
                    "check": ({"path": backend.health_check.path, "interval": backend.health_check.interval,
                               "why": backend.health_check.why} if backend.health_check else None),
                    "targets": {t.name: cs.target_health(backend.id, t.name).state for t in backend.targets},
                    "serving": sorted(e.pod for e in cs.serving_endpoints(backend.id)),
                })
        return {"upstreams": self.upstreams.description, "pods": self.upstreams.status(), "backends": backends,
                "podsOnDemand": {"onDemand": self.on_demand, "limit": self.eager_limit, "pods": self.pod_count,
                                 "checkedBackends": sorted(self.health.checked)}}
