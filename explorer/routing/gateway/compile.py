"""Gateway API -> the RouteTable: the same compiled form and evaluator the Ingress front ends use.

One EntryPoint per Gateway and port (named `namespace/name:port`), one table
Listener per scheme on it, and on its HostIndex one VirtualHost per hostname
a route serves there (the intersection of listener and route hostnames; a
wildcard covers one or more labels). Each VirtualHost's routes are inserted
in the HTTPRoute spec's precedence (table.py sorted them), so the evaluator's
"first route of the exact list, then of the longest prefix key" is the spec's
order: Exact, longest PathPrefix, then method, header and query counts, age,
namespace/name, rule order. A virtual host with a RegularExpression path is
tried as one ordered regex list (Exact and PathPrefix written as anchored
expressions), regexes last: the spec leaves their rank to the implementation.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from explorer.model.gateway import HTTPRouteRule, RouteFilter, RouteMatch, ValueMatch
from explorer.model.state import ClusterState, Slot
from explorer.profiles import NGINX, ControllerProfile
from explorer.routing.decision import BackendRef
from explorer.routing.gateway.regex import compile_re2
from explorer.routing.gateway.table import Backend, Entry, GatewayTable, ListenerTable, compile_gateways
from explorer.routing.paths import prefix_key
from explorer.routing.table import (
    Action, EntryPoint, Filters, Forward, HeaderEdit, HeaderMatch, HostIndex, Listener, Match, Origin, PathMatch,
    Redirect, Refuse, Respond, RewritePath, Route, RouteTable, VirtualHost, WeightedBackend,
)


@dataclass(eq=False)
class GatewayRouting:
    """A snapshot's Gateway API front end: the attachments and status, and the RouteTable answered from."""

    gateways: GatewayTable
    routes: RouteTable
    entries: dict[int, Entry]  # id(table Route) -> the HTTPRoute match it was compiled from


GATEWAY_ROUTING: Slot[GatewayRouting] = Slot("Gateway API route table")

#: The evaluator names a table's profile in each Decision; the Gateway front end has no Ingress controller
#: behaviour, so its profile only carries the name and title (the other fields are never read for it).
GATEWAY_PROFILE: ControllerProfile = dataclasses.replace(NGINX, name="gateway", title="Gateway API",
                                                         front_end="gateway", refused_methods=())


def routing_for(state: ClusterState) -> GatewayRouting:
    """Compiled once per snapshot and kept in `state.derived` (nothing in it points back at the state)."""
    return state.derived.get(GATEWAY_ROUTING, "gateway", lambda: compile_route_table(compile_gateways(state)))


def entry_point_name(gateway: str, port: int) -> str:
    return f"{gateway}:{port}"


def compile_route_table(gt: GatewayTable) -> GatewayRouting:
    table = RouteTable("gateway", GATEWAY_PROFILE, shared=False)
    table.nothing = Route(Origin("controller", ""), "", Match(PathMatch("any", "")),
                          Refuse("nothing listens on that port"), implicit=True,
                          why="no listener of the Gateway on this port: connection refused")
    entries: dict[int, Entry] = {}
    for g in gt.gateways:
        by_port: dict[int, list[ListenerTable]] = {}
        for lt in gt.listeners_of(g):
            by_port.setdefault(lt.listener.port, []).append(lt)
        for port, lts in by_port.items():
            ep = EntryPoint(entry_point_name(g.meta.key, port), Origin("Gateway", g.meta.key, "spec.listeners",
                                                                        g.meta.location))
            ep.fallback = Route(Origin("controller", ""), "", Match(PathMatch("any", "")),
                                Respond(404, why="no listener hostname covers the host"), implicit=True,
                                why=f"no listener on port {port} of Gateway {g.meta.key} is for this hostname")
            for scheme in ("http", "https"):
                mine = [lt for lt in lts if lt.scheme == scheme]
                if not mine:
                    continue
                hosts = HostIndex(wildcard_labels="many")
                placed: dict[int, list[tuple[Entry, Route]]] = {}
                vhosts: dict[int, VirtualHost] = {}
                for lt in mine:
                    for entry in lt.entries:
                        for hostname in entry.hostnames:
                            vhost = _vhost(hosts, hostname)
                            route = _route(entry, hostname or "")
                            entries[id(route)] = entry
                            vhosts[id(vhost)] = vhost
                            placed.setdefault(id(vhost), []).append((entry, route))
                            ep.listing.append(route)
                for vid, pairs in placed.items():
                    _index(vhosts[vid], sorted(pairs, key=lambda p: p[0].key))
                for vhost in hosts.all():
                    vhost.fallback = Route(Origin("controller", ""), vhost.host, Match(PathMatch("any", "")),
                                           Respond(404, why="no rule matches"), implicit=True,
                                           why="no rule of the routes attached here matches the request")
                first = mine[0].listener
                ep.listeners[scheme] = Listener(scheme, port, hosts,
                                                tuple(lt.listener.hostname or "" for lt in mine),
                                                origin=Origin("Gateway", g.meta.key, first.field, first.location))
            table.entry_points[ep.name] = ep
    return GatewayRouting(gt, table, entries)


def _vhost(hosts: HostIndex, hostname: str | None) -> VirtualHost:
    if hostname is None:
        hosts.catch_all_used = True
        return hosts.catch_all
    index = hosts.wildcards if hostname.startswith("*.") else hosts.hosts
    return index.setdefault(hostname, VirtualHost(hostname))


def _route(entry: Entry, host: str) -> Route:
    m = entry.match
    origin = Origin("HTTPRoute", entry.route.meta.key, m.field or entry.rule.field, m.location)
    notes = tuple(f"{name} is not simulated" for name in entry.rule.unsimulated)
    return Route(origin, host, _match(m), _action(entry.rule, entry.backends, m), notes=notes,
                 age=entry.route.meta.order)


def _match(m: RouteMatch) -> Match:
    """RegularExpression values are RE2, matched whole (regex.py); one RE2 refuses leaves the route unaccepted
    (table.py), so a None here never routes."""
    kind = {"Exact": "exact", "PathPrefix": "prefix", "RegularExpression": "regex"}[m.path.type]
    regex = compile_re2(m.path.value)[0] if kind == "regex" else None
    return Match(PathMatch(kind, m.path.value, regex),  # type: ignore[arg-type]
                 tuple(dataclasses.replace(_value_match(h), join=True) for h in m.headers),
                 tuple(_value_match(q) for q in m.query_params),
                 m.method)


def _value_match(v: ValueMatch) -> HeaderMatch:
    if v.type == "Exact":
        return HeaderMatch(v.name, v.value, "exact")
    compiled = compile_re2(v.value)[0]
    return HeaderMatch(v.name, v.value, "regex", compiled or _NEVER)


class _Never:
    """The pattern of a value RE2 refuses: it matches nothing (its route is not accepted anyway)."""

    def match(self, value: str) -> None:
        return None


_NEVER = _Never()


def _index(vhost: VirtualHost, pairs: list[tuple[Entry, Route]]) -> None:
    """Insert in precedence order; with a RegularExpression path, every route joins one ordered regex list."""
    routes = [r for _, r in pairs]
    vhost.routes.extend(routes)
    if any(r.match.path.kind == "regex" for r in routes):
        vhost.regex = vhost.regex or []
        vhost.regex_because = "a RegularExpression path: every match is tried in the spec's precedence"
        for r in routes:
            if r.match.path.kind != "regex":
                r.match = dataclasses.replace(r.match, path=dataclasses.replace(r.match.path, regex=_anchored(r)))
            if r.match.path.regex is not None:
                vhost.regex.append(r)
        return
    for r in routes:
        if r.match.path.kind == "exact":
            vhost.exact.setdefault(r.match.path.value, []).append(r)
        else:
            vhost.prefix.setdefault(prefix_key(r.match.path.value), []).append(r)


def _anchored(r: Route) -> re.Pattern[str]:
    value = r.match.path.value
    if r.match.path.kind == "exact":
        return re.compile(re.escape(value) + r"\Z")
    key = prefix_key(value)
    return re.compile(re.escape(key) + r"(?:/.*)?\Z", re.S) if key else re.compile(r".*\Z", re.S)


def _redirect(filters: tuple[RouteFilter, ...], match: RouteMatch) -> Redirect | None:
    redirect = next((f.request_redirect for f in filters if f.request_redirect is not None), None)
    if redirect is None:
        return None
    path = redirect.path
    return Redirect(redirect.status_code, redirect.scheme, redirect.hostname, redirect.port,
                    path.value if path is not None and path.type == "ReplaceFullPath" else None,
                    (match.path.value, path.value) if path is not None and path.type == "ReplacePrefixMatch"
                    else None)


def _action(rule: HTTPRouteRule, backends: tuple[Backend, ...], match: RouteMatch) -> Action:
    redirect = _redirect(rule.filters, match)
    if redirect is not None:
        return redirect
    if not backends:
        return Respond(500, why="the rule has no backendRefs and no redirect: the Gateway answers 500 (the spec)")
    if sum(b.weight for b in backends) == 0:
        return Respond(500, why="every backendRef has weight 0: the Gateway answers 500 (the spec)")
    weighted = tuple(WeightedBackend(
        BackendRef(b.ref.ref.namespace, b.ref.ref.name, str(b.ref.ref.port or "")), b.weight,
        answer=Respond(500, why=f"{b.invalid}: {b.message}") if b.invalid else _redirect(b.ref.filters, match),
        filters=_filters(b.ref.filters, match) if b.ref.filters else None) for b in backends)
    return Forward(weighted, _filters(rule.filters, match))


def _filters(filters: tuple[RouteFilter, ...], match: RouteMatch) -> Filters:
    rewrite, host, request, response, mirror = None, None, None, None, []
    for f in filters:
        if f.url_rewrite is not None:
            host = f.url_rewrite.hostname
            p = f.url_rewrite.path
            if p is not None:
                rewrite = RewritePath(full=p.value) if p.type == "ReplaceFullPath" else RewritePath(prefix=p.value)
        elif f.request_header_modifier is not None:
            mod = f.request_header_modifier
            request = HeaderEdit(mod.set, mod.add, mod.remove)
        elif f.response_header_modifier is not None:
            mod = f.response_header_modifier
            response = HeaderEdit(mod.set, mod.add, mod.remove)
        elif f.request_mirror is not None:
            b = f.request_mirror.backend
            mirror.append(BackendRef(b.namespace, b.name, str(b.port or "")))
    return Filters(rewrite, host, request, response, tuple(mirror))
