"""Which Pod gets a forwarded request.

The Pods are the topology's (`all_pods`): the same names the diagram shows,
run as simulated Pods or reached in a live cluster (see upstreams.py).
Which of them may take a backend's traffic is the controller simulation's
answer (`serving_endpoints`: nginx, Ready endpoints; GKE, targets HEALTHY in
the load balancer's own checks), and they take turns (round-robin per
backend), so a workshop can watch load spread over replicas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from explorer.model.state import ClusterState
from explorer.proxy.health import HealthRunner
from explorer.proxy.upstreams import Upstream
from explorer.routing.decision import Decision
from explorer.routing.profile import ControllerProfile
from explorer.topology.pods import all_pods

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
        self._turn: dict[str, int] = {}

    async def sync(self, state: ClusterState, profile: ControllerProfile) -> None:
        """Take exactly the Pods of this snapshot (same names as the diagram's), then sync the controller."""
        pods = all_pods(state, profile)
        await self.upstreams.sync(pods)
        self.health.sync(state, profile, pods)

    async def stop(self) -> None:
        await self.health.stop()
        await self.upstreams.stop()

    async def open(self, choice: Choice) -> Upstream | None:
        """Where to connect for the chosen Pod (a port-forward is opened here, on first use)."""
        assert choice.pod is not None
        namespace, _, name = choice.pod.partition("/")
        return await self.upstreams.open(namespace, name, choice.port)

    def choose(self, decision: Decision) -> Choice:
        ref = decision.backend
        assert ref is not None
        cs = self.health.controller
        backend = cs.find_backend(ref.namespace, ref.service, ref.port) if cs is not None else None
        if backend is None:
            return Choice("", (), None, None, f"the controller made no backend for {ref}")
        endpoints = sorted(cs.serving_endpoints(backend.id), key=lambda e: e.pod)
        serving = tuple(e.pod for e in endpoints)
        running = [e for e in endpoints if self.upstreams.running(e.pod)]
        if not running:
            state = cs.backend_health(backend.id)
            return Choice(backend.id, serving, None,
                          why=f"no Pod of {ref} passes its health check (backend {backend.id} is {state})")
        turn = self._turn.get(backend.id, 0)
        self._turn[backend.id] = turn + 1
        endpoint = running[turn % len(running)]
        return Choice(backend.id, serving, endpoint.pod, endpoint.port)

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
        return {"upstreams": self.upstreams.description, "pods": self.upstreams.status(), "backends": backends}
