"""The routing entry point every caller uses: which backend a request reaches, and why.

The proxy, `ingress-explorer route`, the diagram and the lesson checks all
call `route()`. It compiles the snapshot's Ingresses for the profile once (the
RouteTable is kept in `state.derived`) and asks the one evaluator,
`explorer.routing.evaluate.route(table, request)`.
"""

from __future__ import annotations

from explorer.model.state import ClusterState, Slot
from explorer.profiles import ControllerProfile
from explorer.routing.decision import Decision
from explorer.routing.evaluate import route as evaluate
from explorer.routing.request import Request
from explorer.routing.table import RouteTable

#: The Ingress front end's RouteTable of a snapshot, by the profile's identity (tests vary profiles).
INGRESS_TABLES: Slot[RouteTable] = Slot("Ingress route table")


def table_for(state: ClusterState, profile: ControllerProfile) -> RouteTable:
    """The compiled RouteTable of this snapshot's Ingresses under `profile`, built on first use."""
    table = state.derived.peek(INGRESS_TABLES, id(profile))  # once per request: the quick way first
    if table is not None and table.profile is profile:
        return table
    table = state.derived.get(INGRESS_TABLES, id(profile), lambda: _compile(state, profile))
    if table.profile is not profile:  # another profile took a dead one's id: rare, compile afresh
        table = _compile(state, profile)
    return table


def _compile(state: ClusterState, profile: ControllerProfile) -> RouteTable:
    from explorer.routing.ingress.compile import compile_ingresses

    return compile_ingresses(state, profile)


def route(
    state: ClusterState, profile: ControllerProfile, request: Request, ingress: str | None = None
) -> Decision:
    """Route one request. `ingress` ("namespace/name") picks a load balancer where each Ingress has its own."""
    table = state.derived.peek(INGRESS_TABLES, id(profile))  # table_for's quick way, without its call
    if table is None or table.profile is not profile:
        table = table_for(state, profile)
    return evaluate(table, request, ingress)
