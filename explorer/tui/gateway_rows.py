"""The rows of the Gateway API tables (`:gtw`, `:httproute`), made from the Gateway front end's compiled table.

One row per Gateway listener (what a client connects to) and one per HTTPRoute
rule (what a request is matched against), each with the status a controller
would write (Accepted, ResolvedRefs, listener conditions) in words, so a row
says whether what stands behind it works, as the Ingress rows do. No textual
here: the rows are plain data the table and the tests read.
"""

from __future__ import annotations

from typing import NamedTuple

from explorer.model.gateway import Gateway, HTTPRoute, RouteMatch
from explorer.model.location import Location
from explorer.model.state import ClusterState
from explorer.routing.gateway import routing_for
from explorer.routing.gateway.table import Condition, Entry, ListenerTable


class GatewayRow(NamedTuple):
    """One listener of one Gateway."""

    gateway: Gateway
    listener: ListenerTable
    routes: tuple[str, ...]  # HTTPRoute keys attached to it
    state: str  # ok, broken, unknown (as the Ingress rows' HEALTH)
    reason: str

    @property
    def key(self) -> str:
        return self.gateway.meta.key

    @property
    def location(self) -> Location:
        return self.listener.listener.location


class RouteRow(NamedTuple):
    """One rule of one HTTPRoute, and where it is attached (the first listener drawn in the flow)."""

    route: HTTPRoute
    rule_index: int
    attached: tuple[tuple[str, ListenerTable, Entry], ...]  # (Gateway key, listener, the rule's first match)
    backends: tuple[tuple[str, str], ...]  # (namespace, Service name) of its backendRefs
    state: str
    reason: str

    @property
    def key(self) -> str:
        return self.route.meta.key

    @property
    def location(self) -> Location:
        return self.route.rules[self.rule_index].location


def gateway_rows(state: ClusterState) -> list[GatewayRow]:
    table = routing_for(state).gateways
    rows = []
    for g in table.gateways:
        for lt in table.listeners_of(g):
            routes = tuple(dict.fromkeys(r.meta.key for r, _ in lt.routes))
            bad = [c for c in table.conditions if c.object == f"Gateway/{g.meta.key}" and c.parent == lt.listener.name
                   and (c.status == "False" or c.type == "Conflicted")]
            refused = [c for c in table.conditions if c.type == "Accepted" and c.status == "False"
                       and c.parent.split(" ", 1)[0] == f"Gateway/{g.meta.key}"
                       and _names(c, lt)]
            if bad:
                rows.append(GatewayRow(g, lt, routes, "broken", "; ".join(f"{c.type} {c.reason}: {c.message}"
                                                                         for c in bad)))
            elif not routes:
                why = "; ".join(f"{c.object} {c.reason}" for c in refused)
                rows.append(GatewayRow(g, lt, routes, "unknown", f"no HTTPRoute attached ({why})" if why
                                       else "no HTTPRoute attached"))
            else:
                extra = f"; not attached: {', '.join(c.object for c in refused)}" if refused else ""
                rows.append(GatewayRow(g, lt, routes, "ok", f"{len(routes)} HTTPRoute(s) attached{extra}"))
    return rows


def _names(c: Condition, lt: ListenerTable) -> bool:
    """A route's parentRef that names this listener (or the whole Gateway)."""
    section = next((part.split("=", 1)[1] for part in c.parent.split(" ")[1:] if part.startswith("sectionName=")),
                   None)
    return section is None or section == lt.listener.name


def route_rows(state: ClusterState) -> list[RouteRow]:
    table = routing_for(state).gateways
    attached: dict[tuple[str, int], list[tuple[str, ListenerTable, Entry]]] = {}
    for g in table.gateways:
        for lt in table.listeners_of(g):
            for e in lt.entries:
                if e.match_index == 0:
                    attached.setdefault((e.route.meta.key, e.rule_index), []).append((g.meta.key, lt, e))
    rows = []
    for route in state.http_routes:
        conditions = [c for c in table.conditions if c.object == f"HTTPRoute/{route.meta.key}"]
        bad = [c for c in conditions if c.status == "False"]
        for ri, rule in enumerate(route.rules):
            where = tuple(attached.get((route.meta.key, ri), ()))
            backends = tuple((b.ref.namespace, b.ref.name) for b in rule.backend_refs if b.ref.is_service)
            if bad:
                state_, reason = "broken", "; ".join(f"{c.type}={c.status} {c.reason}: {c.message}" for c in bad)
                if where and all(c.type == "ResolvedRefs" for c in bad):
                    reason = f"attached, but {reason}"
            elif not where:
                state_, reason = "broken", "attached to no listener"
            else:
                state_ = "ok"
                reason = "on " + ", ".join(f"{key} {lt.listener.name}" for key, lt, _ in where)
            rows.append(RouteRow(route, ri, where, backends, state_, reason))
    return rows


def match_text(m: RouteMatch) -> str:
    parts = [f"{m.path.value}" if m.path.type == "PathPrefix" else f"{m.path.type} {m.path.value}"]
    if m.method:
        parts.insert(0, m.method)
    parts += [f"{h.name}{'~' if h.type == 'RegularExpression' else '='}{h.value}" for h in m.headers]
    parts += [f"?{q.name}{'~' if q.type == 'RegularExpression' else '='}{q.value}" for q in m.query_params]
    return " ".join(parts)
