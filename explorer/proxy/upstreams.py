"""Where a forwarded request ends up: simulated Pods, or a live cluster's Pods through port-forwarding.

The proxy routes, checks health and answers the same way for both; only
the last step differs, so it sits behind `Upstreams`:

- `SimulatedUpstreams`: one aiohttp server per Pod of the snapshot, on
  loopback, answering as its app annotation says (explorer.sim). The proxy
  runs the controller's health checks against them. On demand (a large
  snapshot, see pool.py) a Pod's server starts when it is first opened.
- `ForwardedUpstreams`: the Pods of a live cluster, each reached through a
  port-forward that the caller opens (`forward(namespace, pod, port)`, e.g.
  `LiveSource.forward`). The proxy never imports the live edge: it is handed
  that callable in `ProxyOptions.forward`. A port-forward is opened only when
  a request is sent, never for health checks: which Pods take traffic is what
  the cluster says (the Pods' Ready condition, as the kubelet found it).
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Iterable

from explorer.model.source import PortForward
from explorer.sim.host import HostedPod, PodHost
from explorer.sim.pod import PodIdentity, SimPod
from explorer.sim.pods import SimPods, WantedPod
from explorer.topology.pods import PodView


#: Opens (or reuses) the port-forward to (namespace, Pod name, container port), e.g. ClusterSource.forward;
#: may block briefly.
Forward = Callable[[str, str, int], PortForward]


@dataclass(frozen=True, slots=True)
class Upstream:
    """One Pod's port, as the proxy connects to it."""

    pod: str  # namespace/name
    name: str  # the Pod's name, as responses and events report it
    host: str
    port: int
    simulated: bool  # a simulated Pod reads the proxy's X-Ingress-Explorer-* headers; a real app must not get them
    forwarded: PortForward | None = None
    in_process: bool = False  # a simulated Pod of the proxy's own process: it reads route tokens (sim/pod.py)

    def failure(self) -> str | None:
        """Why the port-forward to this Pod last failed (None: not forwarded, or no failure known)."""
        return self.forwarded.last_error if self.forwarded is not None else None


class Upstreams(ABC):
    """The Pods requests are forwarded to, kept in step with the snapshots."""

    #: True: the proxy runs the controller's health checks against these Pods.
    #: False: the Pods' own Ready condition decides which of them take traffic.
    probes: bool

    @property
    @abstractmethod
    def description(self) -> str:
        """What requests reach, in a few words, for banners and the status page."""

    @abstractmethod
    async def sync(self, pods: Iterable[PodView], on_demand: bool = False) -> None:
        """Take the Pods of a new snapshot (the same names the diagram shows); `on_demand`: open each on first use."""

    @abstractmethod
    def running(self, key: str) -> bool:
        """Can the Pod namespace/name be connected to at all?"""

    async def stop_serving(self, key: str) -> bool:
        """Close the Pod's port but keep it known, as a terminated container whose endpoint is not yet
        removed; False when these Pods cannot be stopped (a live cluster's)."""
        return False

    @abstractmethod
    async def open(self, namespace: str, name: str, port: int) -> Upstream | None:
        """Where to connect for `port` of a Pod; None when the Pod is not there."""

    async def refresh(self) -> None:
        """Bring what `status()` reports up to date (the request counts of Pods in another process)."""

    def at_hand(self, key: str, port: int) -> Upstream | None:
        """What `open` would answer for the Pod namespace/name, when that needs no waiting; None: ask `open`.

        Per request, before `open`: a running simulated Pod's address without two coroutines."""
        return None

    @abstractmethod
    async def stop(self) -> None:
        """Close everything this opened."""

    @abstractmethod
    def status(self) -> list[dict[str, object]]:
        """One entry per Pod (or per port-forward), for the status page."""


class SimulatedUpstreams(Upstreams):
    """The snapshot's Pods as loopback servers; a simulated Pod answers on every port it declares."""

    probes = True

    def __init__(self, sims: SimPods | PodHost) -> None:
        self.sims = sims
        self._in_process = isinstance(sims, SimPods)
        #: namespace/name -> its running server's Upstream
        self._at_hand: dict[str, tuple[SimPod | HostedPod, Upstream]] = {}

    @property
    def description(self) -> str:
        return "simulated Pods"

    async def sync(self, pods: Iterable[PodView], on_demand: bool = False) -> None:
        await self.sims.sync([WantedPod(PodIdentity(p.namespace, p.name, p.owner_ref), p.app) for p in pods],
                             on_demand)

    def running(self, key: str) -> bool:
        return self.sims.known(key)

    async def stop_serving(self, key: str) -> bool:
        sim = self.sims.pods.get(key)
        if sim is None:
            return False
        await sim.stop()  # the port closes; the Pod stays in the snapshot: a connection to it is refused
        return True

    def at_hand(self, key: str, port: int) -> Upstream | None:
        sim = self.sims.pods.get(key)
        if sim is None:
            return None  # not running (on demand: not started yet): `open` starts it
        known = self._at_hand.get(key)
        if known is not None and known[0] is sim and known[1].port == sim.port:
            return known[1]
        upstream = Upstream(sim.identity.key, sim.name, sim.host, sim.port, simulated=True,
                            in_process=self._in_process)
        if len(self._at_hand) > 4 * len(self.sims.pods) + 64:  # Pods that went: start afresh
            self._at_hand.clear()
        self._at_hand[key] = (sim, upstream)
        return upstream

    async def open(self, namespace: str, name: str, port: int) -> Upstream | None:
        sim = await self.sims.ensure(namespace, name)
        if sim is None:
            return None
        return Upstream(sim.identity.key, sim.name, sim.host, sim.port, simulated=True, in_process=self._in_process)

    async def stop(self) -> None:
        await self.sims.stop()

    async def refresh(self) -> None:
        if isinstance(self.sims, PodHost):
            await self.sims.refresh_counts()

    def status(self) -> list[dict[str, object]]:
        return [{"pod": pod.identity.key, "workload": pod.identity.workload, "address": pod.address,
                 "requests": pod.requests} for pod in self.sims.pods.values()]


class ForwardedUpstreams(Upstreams):
    """A live cluster's Pods, reached through the port-forwards `forward` opens (one per Pod and port)."""

    probes = False

    def __init__(self, forward: Forward) -> None:
        self.forward = forward
        self._pods: set[str] = set()
        self._opened: dict[tuple[str, str, int], PortForward] = {}

    @property
    def description(self) -> str:
        return "the cluster's Pods through port-forwarding"

    async def sync(self, pods: Iterable[PodView], on_demand: bool = False) -> None:
        self._pods = {p.key for p in pods}  # always on demand: a port-forward opens with the first request

    def running(self, key: str) -> bool:
        return key in self._pods

    async def open(self, namespace: str, name: str, port: int) -> Upstream | None:
        key = f"{namespace}/{name}"
        if key not in self._pods:
            return None
        forwarded = self._opened.get((namespace, name, port))
        if forwarded is None:
            # opening binds a listener and may wait on the source's lock: not on the event loop
            forwarded = await asyncio.to_thread(self.forward, namespace, name, port)
            self._opened[(namespace, name, port)] = forwarded
        host, local_port = forwarded.address
        return Upstream(key, name, host, local_port, simulated=False, forwarded=forwarded)

    async def stop(self) -> None:
        """The port-forwards belong to whoever made them (the cluster source closes them)."""
        self._opened.clear()

    def status(self) -> list[dict[str, object]]:
        return [{"pod": f"{namespace}/{name}", "port": port, "address": "%s:%d" % forwarded.address,
                 "lastError": forwarded.last_error} for (namespace, name, port), forwarded in self._opened.items()]
