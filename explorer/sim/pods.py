"""All simulated Pods of a run, kept in step with the snapshots.

`sync()` takes the Pods a snapshot wants: a Pod that stays keeps its port and
only gets its (possibly new) app; new Pods start, gone Pods stop. So editing
an annotation changes answers at once, and replicas 2 -> 3 starts one server.

On demand (`sync(..., on_demand=True)`, which the proxy asks for above a
size, see `explorer.proxy.pool`), a Pod of the snapshot is only known until
something needs it: `ensure()` starts its server on first use (the first
request routed to it, or its first health check). A cluster dump has tens of
thousands of Pods; starting a server for each held the event loop for tens of
seconds, while a user only ever reaches a few of them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from explorer.sim.pod import PodIdentity, SimPod
from explorer.topology.app import AppSpec


@dataclass(frozen=True, slots=True)
class WantedPod:
    identity: PodIdentity
    app: AppSpec


class SimPods:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.pods: dict[str, SimPod] = {}  # namespace/name -> running Pod
        self.wanted: dict[str, WantedPod] = {}  # namespace/name -> every Pod of the snapshot, running or not
        self.on_demand = False  # True: a wanted Pod's server starts on its first `ensure()`
        self.servers_started = 0  # servers started so far, over every sync (tests and benchmarks count them)
        self._starting: dict[str, asyncio.Future[SimPod | None]] = {}

    def get(self, namespace: str, name: str) -> SimPod | None:
        return self.pods.get(f"{namespace}/{name}")

    def known(self, key: str) -> bool:
        """Can the Pod namespace/name answer: running, or (on demand) in the snapshot and startable?"""
        return key in self.pods or (self.on_demand and key in self.wanted)

    async def ensure(self, namespace: str, name: str) -> SimPod | None:
        """The running Pod, started now if it is wanted on demand; None when it is not in the snapshot."""
        key = f"{namespace}/{name}"
        pod = self.pods.get(key)
        if pod is not None or not self.on_demand or key not in self.wanted:
            return pod
        pending = self._starting.get(key)
        if pending is None:
            pending = self._starting[key] = asyncio.ensure_future(self._start_wanted(key))
        return await asyncio.shield(pending)

    async def _start_wanted(self, key: str) -> SimPod | None:
        want = self.wanted[key]
        pod = SimPod(want.identity, want.app)
        try:
            await pod.start(self.host)
        except OSError:  # no port left: the Pod cannot answer, as if it were gone
            return None
        finally:
            self._starting.pop(key, None)
        self.servers_started += 1
        now = self.wanted.get(key)
        if now is None:  # a sync took it out of the snapshot while it started
            await pod.stop()
            return None
        pod.app = now.app
        self.pods[key] = pod
        return pod

    async def sync(self, wanted: list[WantedPod], on_demand: bool = False) -> tuple[list[SimPod], list[SimPod]]:
        """Start and stop servers so exactly `wanted` run (on demand: at most those); returns (started, stopped)."""
        keep = {w.identity.key: w for w in wanted}
        self.wanted = keep
        self.on_demand = on_demand
        stopped = [pod for key, pod in self.pods.items() if key not in keep]
        for gone in stopped:
            del self.pods[gone.identity.key]
        started: list[SimPod] = []
        for key, want in keep.items():
            pod = self.pods.get(key)
            if pod is None:
                if not on_demand:
                    pod = SimPod(want.identity, want.app)
                    started.append(pod)
            else:
                pod.app = want.app
        try:
            await asyncio.gather(*(pod.start(self.host) for pod in started))
        finally:
            for pod in started:
                if pod.port:
                    self.pods[pod.identity.key] = pod
                    self.servers_started += 1
            await asyncio.gather(*(pod.stop() for pod in stopped))
        return started, stopped

    async def stop(self) -> None:
        self.wanted = {}
        await asyncio.gather(*list(self._starting.values()), return_exceptions=True)
        pods, self.pods = list(self.pods.values()), {}
        await asyncio.gather(*(pod.stop() for pod in pods))
