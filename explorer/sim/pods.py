"""All simulated Pods of a run, kept in step with the snapshots.

`sync()` takes the Pods a snapshot wants: a Pod that stays keeps its port and
only gets its (possibly new) app; new Pods start, gone Pods stop. So editing
an annotation changes answers at once, and replicas 2 -> 3 starts one server.
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

    def get(self, namespace: str, name: str) -> SimPod | None:
        return self.pods.get(f"{namespace}/{name}")

    async def sync(self, wanted: list[WantedPod]) -> tuple[list[SimPod], list[SimPod]]:
        """Start and stop servers so exactly `wanted` run; returns (started, stopped)."""
        keep = {w.identity.key: w for w in wanted}
        stopped = [pod for key, pod in self.pods.items() if key not in keep]
        for pod in stopped:
            del self.pods[pod.identity.key]
        started: list[SimPod] = []
        for key, want in keep.items():
            pod = self.pods.get(key)
            if pod is None:
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
            await asyncio.gather(*(pod.stop() for pod in stopped))
        return started, stopped

    async def stop(self) -> None:
        pods, self.pods = list(self.pods.values()), {}
        await asyncio.gather(*(pod.stop() for pod in pods))
