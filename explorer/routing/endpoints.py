"""Which Pods of a Service are ready endpoints: asked by the Ingress compiler, answered by topology.

ingress-nginx builds each upstream from the Service's ready EndpointSlice entries: a Service whose
selector matches no Pod, or whose Pods all fail their readinessProbe, gives an upstream with no
endpoints, and nginx answers 503 (or hands the request to the `default-backend` annotation's Service).
Whether a simulated Pod will be Ready is the topology's judgement (its readinessProbe against its
app), and routing sits below topology (import-linter layers), so topology registers its answer here
when it is imported (`explorer.topology.pods`), the way a plugin registers itself. Without it the
compiler says readiness is unknown, in the trace, and assumes the Pods are ready.
"""

from __future__ import annotations

from typing import Callable, TypeAlias

from explorer.model.objects import Service
from explorer.model.state import ClusterState
from explorer.model.value import value


@value
class Endpoints:
    """The Pods a Service's selector picks, and which of them are ready (namespace/name each)."""

    pods: tuple[str, ...]
    ready: tuple[str, ...]
    why: str  # why the first unready Pod is not ready ("" when every Pod is)


#: Type aliases are strings: importing the module builds no typing object (each costs the start ~0.1 ms).
Oracle: TypeAlias = "Callable[[ClusterState, Service], Endpoints]"
_ORACLE: list[Oracle] = []


def register(oracle: Oracle) -> None:
    """Called once by explorer.topology.pods: the one judge of Pod readiness."""
    _ORACLE[:] = [oracle]


def endpoints_of(state: ClusterState, service: Service) -> Endpoints | None:
    """The Service's endpoints, or None when no judge of readiness is loaded."""
    return _ORACLE[0](state, service) if _ORACLE else None


def judged() -> bool:
    """True when a judge of readiness is loaded (any command, the proxy, the TUI, lint load it)."""
    return bool(_ORACLE)
