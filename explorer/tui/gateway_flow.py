"""What the Explore and Flow screens do with Gateway API rows and requests (no textual here).

A Gateway listener row draws the flow of its first attached rule (or the
listener alone, with why nothing is attached); an HTTPRoute rule row draws
client → Gateway (listener) → HTTPRoute rule → Service → Pods from the answer
to the request the rule is written for. enter on a listener lists the rules
attached to it; on a rule, the Services its backendRefs name; on a Service
(as for Ingresses), its Pods. A request typed in the Flow mode with the
gateway controller is answered by `route_gateway` and drawn from its decision.
"""

from __future__ import annotations

from typing import Any, Callable, Literal

from explorer.export.boxes import Box, Diagram, Link
from explorer.export.gatewayboxes import example_request, listener_diagram, request_diagram, rule_diagram
from explorer.model.state import ClusterState
from explorer.routing.gateway import GatewayDecision, GatewaySelectionError, route_gateway, routing_for
from explorer.routing.request import Request
from explorer.tui.gateway_rows import GatewayRow, RouteRow


def row_diagram(state: ClusterState, item: Any) -> Diagram | None:
    """The flow of a Gateway listener or HTTPRoute rule row; None for any other row."""
    routing = routing_for(state)
    if isinstance(item, GatewayRow):
        first = next((e for e in item.listener.entries if e.match_index == 0), None)
        if first is None:
            return listener_diagram(routing, item.key, item.listener)
        return rule_diagram(state, routing, item.key, item.listener, first)
    if isinstance(item, RouteRow):
        if item.attached:
            key, lt, entry = item.attached[0]
            return rule_diagram(state, routing, key, lt, entry)
        rule = item.route.rules[item.rule_index]
        return Diagram([Box("client", ("(no listener takes it)",)),
                        Box("HTTPRoute rule", (item.key, f"rule {item.rule_index}"), "broken",
                            extra=(str(rule.location),))],
                       [Link("broken", item.reason)], f"HTTPRoute {item.key} rule {item.rule_index}: {item.reason}")
    return None


#: (the kind to list, the scope's label, which rows to keep, a warning instead when nothing is behind it)
Step = tuple[Literal["httproute", "svc"], str, Callable[[Any], bool], str]


def drill(state: ClusterState, item: Any) -> Step | None:
    """One level down from a Gateway API row; None for any other row."""
    if isinstance(item, GatewayRow):
        routes = set(item.routes)
        name = f"listener {item.listener.listener.name} of Gateway {item.key}"
        empty = f"no HTTPRoute is attached to {name}: {item.reason}" if not routes else ""
        return ("httproute", f"attached to {name}",
                lambda row: isinstance(row, RouteRow) and row.key in routes and bool(row.attached), empty)
    if isinstance(item, RouteRow):
        services = [s for s in (state.service(ns, name) for ns, name in item.backends) if s is not None]
        empty = "" if services else (f"rule {item.rule_index} of HTTPRoute {item.key} names no Service that exists"
                                     + (" (it redirects)" if not item.backends else ""))
        return ("svc", f"backends of HTTPRoute {item.key} rule {item.rule_index}",
                lambda service: any(service is s for s in services), empty)
    return None


def route_request(state: ClusterState, request: Request) -> GatewayDecision | str:
    """The Gateway API answer to a request typed in the Flow mode, or why no Gateway takes it."""
    try:
        return route_gateway(routing_for(state), request)
    except GatewaySelectionError as exc:
        return str(exc)


def decision_diagram(state: ClusterState, decision: GatewayDecision, request: Request | None = None) -> Diagram:
    """The flow of `decision` as it was made (the proxy's, for a request it answered); `request` as typed."""
    return request_diagram(state, routing_for(state), request or decision.request, decision.gateway or None,
                           decision)


def row_request(item: Any) -> Request | None:
    """The request a Gateway API row's flow is drawn for (what `r` puts in the request bar); None for other rows."""
    if isinstance(item, GatewayRow):
        first = next((e for e in item.listener.entries if e.match_index == 0), None)
        if first is not None:
            return example_request(first, item.listener)
        li = item.listener.listener
        host = (li.hostname or "example.com").replace("*.", "www.")
        scheme = item.listener.scheme or "http"
        port = "" if li.port == (443 if scheme == "https" else 80) else f":{li.port}"
        return Request(f"{host}{port}", "/", "GET", scheme)
    if isinstance(item, RouteRow) and item.attached:
        _, lt, entry = item.attached[0]
        return example_request(entry, lt)
    return None


def row_url(item: Any) -> str | None:
    request = row_request(item)
    return request.url if request is not None else None


def listener_name(state: ClusterState, request: Request) -> str | None:
    """The embedded proxy's listener (`namespace/name:port`) for the Gateway that takes the request."""
    from explorer.routing.gateway import choose_gateway
    from explorer.routing.gateway.compile import entry_point_name
    from explorer.routing.gateway.evaluate import request_port

    try:
        return entry_point_name(choose_gateway(routing_for(state).gateways, request), request_port(request))
    except GatewaySelectionError:
        return None
