"""Health checks as real HTTP: the proxy probes the simulated Pods and feeds the controller simulation.

The controller simulation (`explorer.topology.controller`) decides what to
probe, on which path, how often and with which thresholds; this module runs
those probes on a clock sped up by `time_scale` and records each result with
`record_probe()`. Which Pods take traffic is then the simulation's answer
(`serving_endpoints`): GKE's load balancer only sends to targets whose check
got 200, nginx only to Pods whose readinessProbe passed (200-399).

A target is a Pod (NEG, nginx readiness) or a node (GKE instance groups, where
the check reaches some ready Pod through the nodePort and kube-proxy).
Probes start at once when a check appears or changes, so a fix applied in a
lesson shows after one round, not after a full interval.

Pods of a live cluster are not probed (a probe there would open a
port-forward every few seconds): the kubelet has already judged them, so a
target is HEALTHY when a Pod behind it is Ready, as its EndpointSlice says.

On demand (a large snapshot, see pool.py) only the checks of backends that a
request has been routed to run: `check(backend)` starts them and waits for
their first round, so the first request finds the health a fresh controller
would. Every other backend stays Unknown (never probed, so never invented).
A cluster dump has over ten thousand check targets; probing them all kept the
event loop busy for good.

The controller sync for a snapshot (`prepare`) is pure and runs in a thread,
so a large snapshot does not hold the event loop; `take` then swaps it in.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Iterable

import aiohttp

from explorer.model.state import ClusterState
from explorer.proxy.upstreams import Upstreams
from explorer.profiles import ControllerProfile
from explorer.topology.controller import (
    ControllerState, Event, Health, HealthCheckTask, TargetHealth, health_checks, reconcile, record_probe,
)
from explorer.topology.pods import PodView
from explorer.traffic import EventHub, HealthChanged, HealthChecked, HealthChecksStarted

#: What each kind of checker sends as User-Agent, as the real ones do.
USER_AGENTS = {"load-balancer": "GoogleHC/1.0", "readiness": "kube-probe/1.30"}
_MIN_TIMEOUT = 0.2  # real seconds: a probe needs some time even on a very fast clock
#: Real seconds a request waits for the first round of checks it started (on demand) before it is routed.
FIRST_ROUND_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class Prepared:
    """One controller sync for a snapshot, made off the event loop (`HealthRunner.prepare`)."""

    base: ControllerState | None  # the controller it was synced from
    controller: ControllerState
    events: list[Event]
    checks: dict[str, list[HealthCheckTask]]  # backend id -> its checks (empty when Pods are not probed)
    ready: frozenset[str]  # Pods whose Ready condition is true (for Pods that are not probed)


class HealthRunner:
    """Runs the simulation's health checks and keeps its ControllerState."""

    def __init__(self, upstreams: Upstreams, hub: EventHub, time_scale: float) -> None:
        self.upstreams = upstreams
        self.hub = hub
        self.time_scale = time_scale
        self.controller: ControllerState | None = None
        self.events: list[Event] = []  # controller events, oldest first
        self._tasks: dict[HealthCheckTask, asyncio.Task[None]] = {}
        self._first_round: dict[HealthCheckTask, asyncio.Event] = {}
        self._turns = itertools.count()
        self._session: aiohttp.ClientSession | None = None
        self._epoch = time.monotonic()
        self.on_demand = False  # True: only the checks of backends in `checked` run
        self.checked: set[str] = set()  # on demand: backends a request was routed to
        self._checks: dict[str, list[HealthCheckTask]] = {}  # the current snapshot's checks per backend

    def now(self) -> float:
        """Seconds of simulated time since the proxy started."""
        return (time.monotonic() - self._epoch) / self.time_scale

    def sync(self, state: ClusterState, profile: ControllerProfile, pods: Iterable[PodView],
             on_demand: bool = False) -> None:
        """One controller sync for a new snapshot; start new checks, stop gone ones."""
        self.take(self.prepare(state, profile, pods), on_demand)

    def prepare(self, state: ClusterState, profile: ControllerProfile, pods: Iterable[PodView]) -> Prepared:
        """The controller sync and its checks, from the controller as it is now; pure, so any thread may run it."""
        base = self.controller
        controller, events = reconcile(base, state, profile, now=self.now())
        checks: dict[str, list[HealthCheckTask]] = defaultdict(list)
        if self.upstreams.probes:
            for task in health_checks(controller):
                checks[task.backend_id].append(task)
            ready: frozenset[str] = frozenset()
        else:
            ready = frozenset(pod.key for pod in pods if pod.ready)
        return Prepared(base, controller, events, dict(checks), ready)

    def take(self, prepared: Prepared, on_demand: bool = False) -> None:
        """Make a prepared sync current: keep probe results recorded meanwhile, start new checks, stop gone ones."""
        if self._session is None:
            self._session = aiohttp.ClientSession(auto_decompress=False)
        before = self.controller
        controller = prepared.controller
        if before is not prepared.base and before is not None and prepared.base is not None:
            # probes were recorded while the sync was made: their results win over the older ones it kept
            health = dict(controller.health)
            for key, result in before.health.items():
                if key in health and prepared.base.health.get(key) is not result:
                    health[key] = result
            controller = replace(controller, health=health)
        self.controller = controller
        self.events.extend(prepared.events)
        if not self.upstreams.probes:
            self._take_readiness(before, set(prepared.ready))
            return
        self._checks = prepared.checks
        self.on_demand = on_demand
        if on_demand:
            self.checked &= set(controller.backends)
            wanted = {task for backend in self.checked for task in self._checks.get(backend, ())}
        else:
            self.checked = set()
            wanted = {task for tasks in self._checks.values() for task in tasks}
        for task in [t for t in self._tasks if t not in wanted]:
            self._tasks.pop(task).cancel()
            self._first_round.pop(task, None)
        for task in wanted - set(self._tasks):
            self._start(task)

    def _start(self, task: HealthCheckTask) -> None:
        self._first_round[task] = asyncio.Event()
        self._tasks[task] = asyncio.create_task(self._loop(task), name=f"health {task.backend_id} {task.target.name}")

    async def check(self, backend_id: str, timeout: float = FIRST_ROUND_TIMEOUT) -> None:
        """On demand: start this backend's checks if they are not running, and wait for their first round."""
        if not self.on_demand or self.controller is None or backend_id not in self.controller.backends:
            return
        tasks = self._checks.get(backend_id, [])
        if backend_id not in self.checked:
            self.checked.add(backend_id)
            for task in tasks:
                if task not in self._tasks:
                    self._start(task)
            self.hub.publish(HealthChecksStarted(backend_id, len(tasks)))
        waits = [event.wait() for event in (self._first_round.get(task) for task in tasks)
                 if event is not None and not event.is_set()]
        if waits:
            try:
                await asyncio.wait_for(asyncio.gather(*waits), timeout)
            except asyncio.TimeoutError:
                pass  # a slow Pod: the request goes on with what is known (Unknown), as the controller would

    def _take_readiness(self, before: ControllerState | None, ready: set[str]) -> None:
        """Health as the cluster has it: a target is HEALTHY when a Pod behind it is Ready."""
        cs = self.controller
        assert cs is not None
        health: dict[tuple[str, str], TargetHealth] = {}
        for backend in cs.backends.values():
            for target in backend.targets:
                state: Health = "HEALTHY" if any(e.pod in ready for e in target.endpoints) else "UNHEALTHY"
                health[(backend.id, target.name)] = TargetHealth(state)
                was = before.target_health(backend.id, target.name).state if before is not None else "Unknown"
                if state != was:
                    self.hub.publish(HealthChanged(backend.id, target.name, state))
        self.controller = replace(cs, health=health)

    async def first_round(self, timeout: float = 5.0) -> None:
        """Wait until every current check has been probed once (tests and `serve` start from settled health)."""
        waits = [event.wait() for event in self._first_round.values()]
        if waits:
            await asyncio.wait_for(asyncio.gather(*waits), timeout)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _loop(self, task: HealthCheckTask) -> None:
        while True:
            status, elapsed = await self._probe(task)
            self._record(task, status, elapsed)
            done = self._first_round.get(task)
            if done is not None:
                done.set()
            await asyncio.sleep(max(task.interval * self.time_scale, 0.01))

    def _record(self, task: HealthCheckTask, status: int | None, elapsed: float) -> None:
        cs = self.controller
        if cs is None or cs.backends.get(task.backend_id) is None:
            return
        before = cs.target_health(task.backend_id, task.target.name).state
        try:
            cs = record_probe(cs, task.backend_id, task.target.name, status, self.now())
        except KeyError:  # a newer sync removed the target while this probe ran
            return
        self.controller = cs
        after = cs.target_health(task.backend_id, task.target.name).state
        self.hub.publish(HealthChecked(task.backend_id, task.target.name, task.path, status, task.accepts(status),
                                       elapsed))
        if after != before:
            self.hub.publish(HealthChanged(task.backend_id, task.target.name, after))

    async def _probe(self, task: HealthCheckTask) -> tuple[int | None, float]:
        """GET the check's path on a Pod behind the target; None when nothing answers in time."""
        endpoints = task.target.endpoints
        started = time.perf_counter()
        if not endpoints or self._session is None or task.blocked:  # blocked: the VPC firewall drops the probe
            return None, 0.0
        endpoint = endpoints[next(self._turns) % len(endpoints)]
        namespace, _, name = endpoint.pod.partition("/")
        # a Pod target is probed on the check's port; a node's nodePort leads to the Pod's serving port
        upstream = await self.upstreams.open(namespace, name, task.port if task.target.name == name else endpoint.port)
        if upstream is None:
            return None, 0.0
        headers = {"Host": task.host or f"{task.target.address}:{task.port}",
                   "User-Agent": USER_AGENTS.get(task.kind, "ingress-explorer")}
        timeout = aiohttp.ClientTimeout(total=max(task.timeout * self.time_scale, _MIN_TIMEOUT))
        try:
            async with self._session.get(f"http://{upstream.host}:{upstream.port}{task.path}", headers=headers,
                                         timeout=timeout, allow_redirects=False) as response:
                await response.read()
                status: int | None = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError):
            status = None
        return status, (time.perf_counter() - started) * 1000
