"""What the checks look at: the learner's manifests now, and what the simulated cluster saw before.

Some lessons depend on history, as the real controllers do: GKE copies a
readinessProbe into its health check only when it creates the check, so
adding a probe later changes nothing until the Ingress is deleted and
created again. An `Attempt` therefore carries the snapshots applied so far
(the start manifests first, then each checked or edited version) and
replays them through the controller simulation, `reconcile()`, in order.
Health then settles the way the load balancer's checks would settle it:
each check is answered by the simulated app of the Pod it reaches.
"""

from __future__ import annotations

from functools import cached_property
from typing import Sequence

from explorer.diagnostics.check import check as diagnose
from explorer.diagnostics.finding import Finding
from explorer.model import ClusterState, load_texts
from explorer.routing.profile import ControllerProfile
from explorer.topology.controller import ControllerState, health_checks, reconcile, record_probe
from explorer.topology.pods import all_pods, listens_on

Texts = dict[str, str]

#: How many applied snapshots are kept; older ones fold into the oldest kept (the start stays first).
HISTORY_LIMIT = 40


def state_from_texts(texts: Texts, namespace: str = "default") -> ClusterState:
    """One snapshot from several files held as text, exactly as if they were read from disk."""
    return load_texts(texts, namespace)


def remember(history: Sequence[Texts], texts: Texts) -> list[Texts]:
    """The history with `texts` applied last (nothing added when it is what was applied last)."""
    out = list(history)
    if not out or out[-1] != texts:
        out.append(dict(texts))
    if len(out) > HISTORY_LIMIT:
        out = out[:1] + out[-(HISTORY_LIMIT - 1):]
    return out


class Attempt:
    """The learner's files (`texts`) after the snapshots in `history` were applied, in that order."""

    def __init__(self, texts: Texts, history: Sequence[Texts] = (), namespace: str = "default") -> None:
        self.texts = dict(texts)
        self.history = list(history)
        self.namespace = namespace
        self._states: dict[tuple[tuple[str, str], ...], ClusterState] = {}
        self._controllers: dict[str, ControllerState] = {}
        self._findings: dict[str, list[Finding]] = {}

    @cached_property
    def state(self) -> ClusterState:
        return self.state_of(self.texts)

    def state_of(self, texts: Texts) -> ClusterState:
        key = tuple(sorted(texts.items()))
        found = self._states.get(key)
        if found is None:
            found = self._states[key] = state_from_texts(texts, self.namespace)
        return found

    def findings(self, profile: ControllerProfile) -> list[Finding]:
        found = self._findings.get(profile.name)
        if found is None:
            # Gateway API: the controller-neutral checks and the Gateways' status conditions (no Ingress controller)
            chosen = None if profile.front_end == "gateway" else profile
            found = self._findings[profile.name] = diagnose(self.state, chosen)
        return found

    def controller(self, profile: ControllerProfile) -> ControllerState:
        """The controller after the history and the current files, with health settled."""
        found = self._controllers.get(profile.name)
        if found is None:
            found = self._controllers[profile.name] = self.replay(profile)
        return found

    def replay(self, profile: ControllerProfile, then: Sequence[Texts] = ()) -> ControllerState:
        """Sync the controller over the history, the current files, then `then`; settle health at the end."""
        cs: ControllerState | None = None
        applied = [*self.history, self.texts, *then]
        for now, texts in enumerate(applied, start=1):
            cs, _ = reconcile(cs, self.state_of(texts), profile, now=float(now))
        assert cs is not None
        return settle(cs, self.state_of(applied[-1]), profile)


def settle(cs: ControllerState, state: ClusterState, profile: ControllerProfile) -> ControllerState:
    """Run every health check until it reaches its threshold, answered by the simulated apps.

    A probe is answered by the app of a Pod behind its target (any Pod, for a node
    of an instance group), on the port it asks; nothing listening means no answer.
    """
    pods = {pod.key: pod for pod in all_pods(state, profile)}
    tasks = health_checks(cs)
    rounds = max((max(t.healthy_threshold, t.unhealthy_threshold) for t in tasks), default=0)
    now = cs.time
    for _ in range(rounds):
        now += 1.0
        for task in tasks:
            status = None
            for endpoint in () if task.blocked else task.target.endpoints:  # the firewall drops it: no answer
                pod = pods.get(endpoint.pod)
                port = endpoint.port if task.kind == "load-balancer" else task.port
                if pod is not None and listens_on(pod.containers, port, fallback=endpoint.port):
                    status = pod.app.probe_status(task.path, task.timeout)
                    break
            cs = record_probe(cs, task.backend_id, task.target.name, status, now)
    return cs
