"""Gateway API flows as boxes: client → Gateway (listener) → HTTPRoute rule → Service → Pods.

One diagram per rule of each route attached to a listener, drawn from the
answer the one evaluator gives to the request the rule is written for (its
first match's path, a hostname it serves), so a rule that answers 404, 500 or
a redirect is drawn as it answers. The Pods box names the workloads the
Service selects; their health is not simulated here (`serve` does that for
Ingresses), and the box says so.
"""

from __future__ import annotations

from explorer.export.boxes import Box, Diagram, HopState, Link
from explorer.model.gateway import RouteMatch
from explorer.model.state import ClusterState
from explorer.routing.gateway import GatewayDecision, GatewayRouting, route_gateway
from explorer.routing.gateway.table import Entry, ListenerTable
from explorer.routing.request import Request


def gateway_diagrams(state: ClusterState, routing: GatewayRouting, gateway: str | None = None
                     ) -> list[tuple[str, Diagram]]:
    """(Gateway key, diagram) for every rule attached to every listener; a listener with none gets one box."""
    out: list[tuple[str, Diagram]] = []
    for g in routing.gateways.gateways:
        if gateway and g.meta.key != gateway:
            continue
        for lt in routing.gateways.listeners_of(g):
            firsts = [e for e in lt.entries if e.match_index == 0]
            if not firsts:
                why = _refusals(routing, g.meta.key, lt)
                out.append((g.meta.key, Diagram([_client(lt.listener.hostname or "example.com", "/"),
                                                 _gateway_box(g.meta.key, lt, "broken")],
                                                [Link("broken", why)], f"listener {lt.listener.name}: {why}")))
                continue
            for entry in firsts:
                out.append((g.meta.key, _diagram(state, routing, g.meta.key, lt, entry)))
    return out


def rule_diagram(state: ClusterState, routing: GatewayRouting, key: str, lt: ListenerTable, entry: Entry) -> Diagram:
    """One rule on one listener, drawn from the answer to the request it is written for (the TUI's rows)."""
    return _diagram(state, routing, key, lt, entry)


def listener_diagram(routing: GatewayRouting, key: str, lt: ListenerTable) -> Diagram:
    """A listener no rule is attached to: the client, the Gateway, and why nothing is behind it."""
    why = _refusals(routing, key, lt)
    return Diagram([_client(lt.listener.hostname or "example.com", "/"), _gateway_box(key, lt, "broken")],
                   [Link("broken", why)], f"listener {lt.listener.name}: {why}")


def _refusals(routing: GatewayRouting, key: str, lt: ListenerTable) -> str:
    if lt.scheme is None:
        return f"protocol {lt.listener.protocol} is not simulated"
    refused = [c for c in routing.gateways.conditions
               if c.type == "Accepted" and c.status == "False" and c.parent.startswith(f"Gateway/{key}")]
    if refused:
        return "no route attached: " + "; ".join(f"{c.object} {c.reason}" for c in refused)
    return "no HTTPRoute attached"


def example_request(entry: Entry, lt: ListenerTable) -> Request:
    """The request a rule is written for (its first match's path, a hostname it serves, the listener's port)."""
    return _example(entry, lt)


def _example(entry: Entry, lt: ListenerTable) -> Request:
    host = next((h for h in entry.hostnames if h), None) or lt.listener.hostname or "example.com"
    if host.startswith("*."):
        host = "www" + host[1:]
    m = entry.match
    path = m.path.value if m.path.type != "RegularExpression" else "/"
    query = "&".join(f"{q.name}={q.value}" for q in m.query_params if q.type == "Exact")
    headers = tuple((h.name, h.value) for h in m.headers if h.type == "Exact")
    port = "" if lt.listener.port == (443 if lt.scheme == "https" else 80) else f":{lt.listener.port}"
    return Request(f"{host}{port}", path or "/", m.method or "GET", lt.scheme or "http", query, headers)


def _diagram(state: ClusterState, routing: GatewayRouting, key: str, lt: ListenerTable, entry: Entry) -> Diagram:
    request = _example(entry, lt)
    d = route_gateway(routing, request, key)
    boxes = [_client(request.host, request.path, request.method, request.headers), _gateway_box(key, lt, "ok")]
    links = [Link()]
    rule_state: HopState = "ok" if d.route_name == entry.route.meta.name and d.rule_index == entry.rule_index \
        else "unknown"
    boxes.append(Box("HTTPRoute rule", (f"{entry.route.meta.key}", f"rule {entry.rule_index}: {_match(entry.match)}",
                                        *(f"filter {f.type}" for f in entry.rule.filters)), rule_state,
                     extra=(str(entry.match.location),)))
    links.append(Link() if rule_state == "ok" else Link("unknown", "another rule goes first: " + d.reason))
    return _ending(state, request, d, boxes, links)


def request_diagram(state: ClusterState, routing: GatewayRouting, request: Request, gateway: str | None = None,
                    decision: GatewayDecision | None = None) -> Diagram:
    """One request's way through a Gateway, drawn from the one evaluator's answer (a lesson's goal and now).

    Client, the Gateway listener that took it, the HTTPRoute rule that matched, then what answered:
    the Gateway itself (404, 500, a redirect) or the Service and the workloads behind it. `decision`, when
    given, is the answer the proxy applied to this request (one request, one route: a weighted split drawn
    as the share that really took it); else the request is routed here."""
    d = decision if decision is not None else route_gateway(routing, request, gateway)
    boxes = [_client(request.host, request.path, request.method,
                     tuple(h for h in request.headers if h[0].lower() != "host"))]
    gw = next((g for g in routing.gateways.gateways if g.meta.key == d.gateway), None)
    lt = next((lt for lt in routing.gateways.listeners_of(gw) if lt.listener.name == d.listener
               and lt.listener.port == d.listener_port), None) if gw is not None else None
    if lt is None:  # refused: no listener on the port or for the protocol
        boxes.append(Box(f"Gateway {d.gateway}", (d.reason,), "broken", "refused"))
        return Diagram(boxes, [Link("broken", d.reason)], f"{request.method} {request.url} → {_answer(d)}", stop=1)
    boxes.append(_gateway_box(d.gateway, lt, "ok"))
    links = [Link()]
    if d.route_name:
        entry = next((e for e in lt.entries if e.route.meta.name == d.route_name
                      and e.route.meta.namespace == d.route_namespace and e.rule_index == d.rule_index
                      and e.match_index == (d.match_index or 0)), None)
        lines = [f"{d.route_namespace}/{d.route_name}", f"rule {d.rule_index}"
                 + (f": {_match(entry.match)}" if entry is not None else "")]
        if entry is not None:
            lines += [f"filter {f.type}" for f in entry.rule.filters]
        boxes.append(Box("HTTPRoute rule", tuple(lines), "ok",
                         extra=(str(entry.match.location),) if entry is not None else ()))
        links.append(Link())
    return _ending(state, request, d, boxes, links)


def _ending(state: ClusterState, request: Request, d: GatewayDecision, boxes: list[Box], links: list[Link]
            ) -> Diagram:
    """What answered: the Gateway itself, or the Service and the workloads behind it."""
    notes: list[tuple[HopState, str]] = []
    stop = None
    if d.outcome == "redirect":
        boxes.append(Box("the Gateway answers", (f"{d.status} redirect", f"to {d.location}"), "ok"))
        links.append(Link())
        stop = len(boxes) - 1
    elif d.outcome != "forward":
        boxes.append(Box("the Gateway answers", (f"{d.status or 'refused'}",), "broken", str(d.status or "")))
        links.append(Link("broken", d.reason))
        stop = len(boxes) - 1
    else:
        total = sum(b.weight for b in d.backends) or 1
        lines = tuple(f"{b.namespace}/{b.service}:{b.port}" + (f" {b.weight}/{total}" if len(d.backends) > 1 else "")
                      + (" (500)" if b.status else "") for b in d.backends)
        boxes.append(Box("Service", lines, "ok" if all(b.status is None for b in d.backends) else "broken"))
        links.append(Link())
        pods = []
        for b in d.backends:
            service = state.service(b.namespace, b.service)
            for w in state.workloads_for(service) if service is not None else ():
                pods.append(f"{w.meta.kind} {w.meta.name} ×{w.replicas}")
        boxes.append(Box("Pods", tuple(pods) or ("(no workload loaded)",), "unknown" if pods else "broken",
                         "health not simulated"))
        links.append(Link() if pods else Link("broken", "no workload in the manifests matches the selector"))
        notes += [("unknown", e.reason) for e in d.trace if e.verdict == "note" and "GatewayClass" not in e.reason]
    caption = f"{request.method} {request.url} → {_answer(d)}"
    return Diagram(boxes, links, caption, notes, stop=stop)


def _client(host: str, path: str, method: str = "GET", headers: tuple[tuple[str, str], ...] = ()) -> Box:
    return Box("client", (f"{method}\u00a0{path}", f"Host:\u00a0{host}",
                          *(f"{n}:\u00a0{v}" for n, v in headers)))


def _gateway_box(key: str, lt: ListenerTable, state: HopState) -> Box:
    li = lt.listener
    return Box(f"Gateway {key}", (f"listener {li.name}", f"{li.protocol} :{li.port}",
                                  f"hostname {li.hostname or '(any)'}"), state)


def _match(m: RouteMatch) -> str:
    parts = [f"{m.path.type} {m.path.value}"]
    if m.method:
        parts.append(m.method)
    parts += [f"{h.name}: {h.value}" for h in m.headers]
    parts += [f"?{q.name}={q.value}" for q in m.query_params]
    return ", ".join(parts)


def _answer(d: GatewayDecision) -> str:
    if d.outcome == "forward" and d.backend:
        return f"{d.backend.namespace}/{d.backend.service}:{d.backend.port}"
    if d.outcome == "redirect":
        return f"{d.status} {d.location}"
    return str(d.status or "refused")
