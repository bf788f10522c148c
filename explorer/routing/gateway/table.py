"""Gateway + HTTPRoute + ReferenceGrant -> the compiled table of one snapshot, and the status a controller writes.

Per Gateway and listener: the routes attached to it (parentRefs with
sectionName and port, allowedRoutes namespaces and kinds, hostname
intersection), every match of every rule of those routes sorted once in the
HTTPRoute spec's precedence, and each rule's backends resolved (Service
found, ReferenceGrant for another namespace, kind known). What a controller
would write in status (Accepted, ResolvedRefs with the spec's reasons) is
computed here too, so lint, the trace and the screen say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from explorer.model.gateway import (
    GROUP, Gateway, HTTPBackendRef, HTTPRoute, HTTPRouteRule, Listener, ParentRef, RouteFilter, RouteMatch,
)
from explorer.model.location import Location
from explorer.model.state import ClusterState
from explorer.routing.gateway import hostnames
from explorer.routing.gateway.implementations import GatewayImplementation, implementation_for
from explorer.routing.gateway.regex import compile_re2

#: Listener protocols whose traffic is simulated, and the scheme a request uses to reach them.
SCHEMES = {"HTTP": "http", "HTTPS": "https"}


@dataclass(frozen=True, slots=True)
class Condition:
    """One status condition, as a controller would write it."""

    object: str  # Kind/namespace/name
    parent: str  # the parentRef (routes) or listener name (Gateways); "" for the object itself
    type: str  # Accepted, ResolvedRefs, Programmed
    status: str  # "True" / "False"
    reason: str
    message: str
    field: str = ""
    location: Location | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"object": self.object, "parent": self.parent or None, "type": self.type, "status": self.status,
                "reason": self.reason, "message": self.message, "field": self.field or None,
                "source": str(self.location) if self.location else None}


@dataclass(frozen=True, slots=True)
class Backend:
    """One backendRef of a rule, resolved."""

    ref: HTTPBackendRef
    #: None when it resolves to a Service port; else the ResolvedRefs reason (BackendNotFound, RefNotPermitted,
    #: InvalidKind) that makes its share of traffic answer 500.
    invalid: str | None
    message: str

    @property
    def weight(self) -> int:
        return self.ref.weight


@dataclass(frozen=True, slots=True)
class Mirror:
    """One RequestMirror filter and its backendRef, resolved as a backendRef is (a copy goes to a valid one)."""

    filter: RouteFilter
    backend: Backend

    @property
    def percent(self) -> float:
        """The share of requests copied: percent, else fraction, else all (the CRD's default)."""
        m = self.filter.request_mirror
        assert m is not None
        if m.percent is not None:
            return float(m.percent)
        if m.fraction is not None:
            return 100.0 * m.fraction[0] / m.fraction[1] if m.fraction[1] else 0.0
        return 100.0


@dataclass(frozen=True, slots=True)
class Entry:
    """One match of one rule of one route attached to one listener, in precedence order."""

    route: HTTPRoute
    rule_index: int
    rule: HTTPRouteRule
    match_index: int
    match: RouteMatch
    hostnames: tuple[str | None, ...]  # the route's hostnames on this listener (None: any)
    backends: tuple[Backend, ...]
    key: tuple[object, ...]  # the precedence key (smaller first)
    notes: tuple[str, ...] = ()
    mirrors: tuple[Mirror, ...] = ()  # the rule's RequestMirror filters
    backend_mirrors: tuple[tuple[Mirror, ...], ...] = ()  # per backendRef, its own RequestMirror filters


@dataclass
class ListenerTable:
    gateway: Gateway
    listener: Listener
    scheme: str | None  # None: protocol not simulated
    routes: list[tuple[HTTPRoute, ParentRef]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    #: route key -> why it is not attached here (Accepted=False reason and message)
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class GatewayTable:
    """Everything compiled from one snapshot: per Gateway its listeners, and the status conditions."""

    gateways: list[Gateway]
    listeners: dict[str, list[ListenerTable]]  # gateway key -> listener tables
    implementations: dict[str, GatewayImplementation]  # gateway key -> implementation
    conditions: list[Condition]
    notes: list[tuple[str, str]]  # (gateway key, note)

    def listeners_of(self, gateway: Gateway) -> list[ListenerTable]:
        return self.listeners.get(gateway.meta.key, [])


def _namespace_labels(state: ClusterState) -> dict[str, dict[str, str]]:
    """Namespace labels, with the kubernetes.io/metadata.name label the apiserver always sets."""
    labels: dict[str, dict[str, str]] = {}
    for o in state.others:
        if o.meta.kind == "Namespace":
            labels[o.meta.name] = {**o.meta.labels, "kubernetes.io/metadata.name": o.meta.name}
    return labels


def _admits(listener: Listener, gateway: Gateway, route: HTTPRoute,
            ns_labels: dict[str, dict[str, str]]) -> str | None:
    """Why the listener's allowedRoutes refuse the route, or None when they admit it."""
    ns = route.meta.namespace
    if listener.allowed_from == "Same" and ns != gateway.meta.namespace:
        return (f"listener {listener.name!r} admits routes from its own namespace {gateway.meta.namespace!r} only "
                f"(allowedRoutes.namespaces.from: Same), the route is in {ns!r}")
    if listener.allowed_from == "Selector":
        labels = ns_labels.get(ns, {"kubernetes.io/metadata.name": ns})
        if listener.allowed_selector is None or not listener.allowed_selector.matches(labels):
            wanted = dict(listener.allowed_selector.match_labels) if listener.allowed_selector else {}
            return (f"listener {listener.name!r} admits namespaces whose labels match {wanted}; namespace {ns!r} "
                    f"has {({k: v for k, v in labels.items() if k != 'kubernetes.io/metadata.name'})}")
    if listener.allowed_kinds and not any(k.kind == "HTTPRoute" and k.group == GROUP for k in listener.allowed_kinds):
        kinds = ", ".join(k.kind for k in listener.allowed_kinds)
        return f"listener {listener.name!r} admits only {kinds} (allowedRoutes.kinds), not HTTPRoute"
    if not listener.allowed_kinds and listener.protocol not in SCHEMES:
        return f"listener {listener.name!r} is {listener.protocol}: it takes no HTTPRoute"
    return None


def _resolve(state: ClusterState, route: HTTPRoute, ref: HTTPBackendRef) -> Backend:
    r = ref.ref
    if not r.is_service:
        return Backend(ref, "InvalidKind", f"backendRef {r} is a {r.group or 'core'}/{r.kind}: only Services are "
                                           "simulated (and the core kinds the conformance suite requires)")
    if r.namespace != route.meta.namespace and not _granted(state, route, r.namespace, r.name):
        return Backend(ref, "RefNotPermitted",
                       f"backendRef {r} is in namespace {r.namespace!r}; no ReferenceGrant there lets HTTPRoutes "
                       f"from {route.meta.namespace!r} refer to Service {r.name!r}")
    service = state.service(r.namespace, r.name)
    if service is None:
        return Backend(ref, "BackendNotFound", f"Service {r.namespace}/{r.name} not found")
    if r.port is not None and not any(p.port == r.port for p in service.ports):
        ports = ", ".join(str(p.port) for p in service.ports) or "none"
        return Backend(ref, "BackendNotFound", f"Service {r.namespace}/{r.name} has no port {r.port} (ports: {ports})")
    return Backend(ref, None, f"Service {r.namespace}/{r.name} port {r.port}")


def _mirrors(state: ClusterState, route: HTTPRoute, filters: tuple[RouteFilter, ...]) -> tuple[Mirror, ...]:
    out = []
    for f in filters:
        if f.request_mirror is not None:
            ref = HTTPBackendRef(f.request_mirror.backend, 1, (), f"{f.field}.requestMirror.backendRef",
                                 f.location or route.meta.location)
            out.append(Mirror(f, _resolve(state, route, ref)))
    return tuple(out)


def _granted(state: ClusterState, route: HTTPRoute, namespace: str, name: str) -> bool:
    return any(g.meta.namespace == namespace and g.allows(GROUP, "HTTPRoute", route.meta.namespace, "", "Service", name)
               for g in state.reference_grants)


def _precedence(impl: GatewayImplementation, route: HTTPRoute, rule_index: int, match_index: int,
                match: RouteMatch) -> tuple[object, ...]:
    """The HTTPRoute spec's order, smaller first: Exact path, longest PathPrefix, method, most headers, most
    query params, then the oldest route, then namespace/name, then rule order (and match order within a rule)."""
    order = impl.path_type_order
    rank = order.index(match.path.type) if match.path.type in order else len(order)
    length = len(match.path.value)
    created = route.meta.creation_timestamp or ""
    return (rank, -length, 0 if match.method else 1, -len(match.headers), -len(match.query_params),
            (0, created) if created else (1, ""), route.meta.order if not created else 0,
            route.meta.key, rule_index, match_index)


def _parent_listeners(gateway: Gateway, ref: ParentRef) -> tuple[list[Listener], str]:
    """The listeners a parentRef selects, or [] with the NoMatchingParent message."""
    chosen = list(gateway.listeners)
    if ref.section_name is not None:
        chosen = [li for li in chosen if li.name == ref.section_name]
        if not chosen:
            names = ", ".join(li.name for li in gateway.listeners)
            return [], f"Gateway {gateway.meta.key} has no listener named {ref.section_name!r} (listeners: {names})"
    if ref.port is not None:
        on_port = [li for li in chosen if li.port == ref.port]
        if not on_port:
            what = f"listener {ref.section_name!r}" if ref.section_name else f"Gateway {gateway.meta.key}"
            ports = ", ".join(str(li.port) for li in chosen)
            return [], f"{what} listens on port {ports}, not {ref.port}"
        chosen = on_port
    return chosen, ""


def compile_gateways(state: ClusterState) -> GatewayTable:
    gateways = list(state.gateways)
    ns_labels = _namespace_labels(state)
    table = GatewayTable(gateways, {}, {}, [], [])
    by_key = {g.meta.key: g for g in gateways}
    for g in gateways:
        cls = state.gateway_classes.get(g.gateway_class_name)
        impl = implementation_for(g.gateway_class_name, cls.controller_name if cls else "")
        table.implementations[g.meta.key] = impl
        if cls is None:
            table.notes.append((g.meta.key, f"Gateway {g.meta.key}: GatewayClass {g.gateway_class_name!r} is not in the manifests; "
                               f"it is taken to be served ({impl.title})"))
        table.listeners[g.meta.key] = [ListenerTable(g, li, SCHEMES.get(li.protocol)) for li in g.listeners]
        table.conditions += _listener_conditions(state, g)
    for route in state.http_routes:
        _attach(state, table, route, by_key, ns_labels)
    for g in gateways:
        impl = table.implementations[g.meta.key]
        for lt in table.listeners[g.meta.key]:
            for route, _ in lt.routes:
                on_listener = hostnames.intersect(lt.listener.hostname, route.hostnames)
                for ri, rule in enumerate(route.rules):
                    backends = tuple(_resolve(state, route, b) for b in rule.backend_refs)
                    mirrors = _mirrors(state, route, rule.filters)
                    own = tuple(_mirrors(state, route, b.filters) for b in rule.backend_refs)
                    for mi, match in enumerate(rule.matches):
                        lt.entries.append(Entry(route, ri, rule, mi, match, on_listener, backends,
                                                _precedence(impl, route, ri, mi, match), mirrors=mirrors,
                                                backend_mirrors=own))
            lt.entries.sort(key=lambda e: e.key)
    return table


def _attach(state: ClusterState, table: GatewayTable, route: HTTPRoute, by_key: dict[str, Gateway],
            ns_labels: dict[str, dict[str, str]]) -> None:
    """Attach a route through each parentRef; write Accepted and ResolvedRefs as a controller would."""
    ref_name = f"HTTPRoute/{route.meta.key}"
    resolved = [_resolve(state, route, b) for rule in route.rules for b in rule.backend_refs]
    resolved += [m.backend for rule in route.rules for filters in (rule.filters, *(b.filters for b in rule.backend_refs))
                 for m in _mirrors(state, route, filters)]  # a mirror's backendRef counts for ResolvedRefs too
    if not route.parent_refs:
        table.conditions.append(Condition(ref_name, "", "Accepted", "False", "NoMatchingParent",
                                          "the route names no parentRefs: it is attached to no Gateway",
                                          "spec.parentRefs", route.meta.location))
    for ref in route.parent_refs:
        if ref.group != GROUP or ref.kind != "Gateway":
            table.conditions.append(Condition(ref_name, str(ref), "Accepted", "False", "NotSimulated",
                                              f"parentRef kind {ref.kind} is not simulated (only Gateway parents)",
                                              ref.field, ref.location))
            continue
        gateway = by_key.get(f"{ref.namespace}/{ref.name}")
        if gateway is None:
            table.conditions.append(Condition(ref_name, str(ref), "Accepted", "False", "NoMatchingParent",
                                              f"Gateway {ref.namespace}/{ref.name} not found", ref.field, ref.location))
            continue
        listeners, why = _parent_listeners(gateway, ref)
        if not listeners:
            table.conditions.append(Condition(ref_name, str(ref), "Accepted", "False", "NoMatchingParent", why,
                                              ref.field, ref.location))
            continue
        refusals = [(li, _admits(li, gateway, route, ns_labels)) for li in listeners]
        admitted = [li for li, no in refusals if no is None]
        if not admitted:
            table.conditions.append(Condition(ref_name, str(ref), "Accepted", "False", "NotAllowedByListeners",
                                              "; ".join(no for _, no in refusals if no), ref.field, ref.location))
            continue
        fitting = [li for li in admitted if hostnames.intersect(li.hostname, route.hostnames)]
        if not fitting:
            listed = ", ".join(f"{li.name}={li.hostname}" for li in admitted)
            table.conditions.append(Condition(
                ref_name, str(ref), "Accepted", "False", "NoMatchingListenerHostname",
                f"none of the route's hostnames ({', '.join(route.hostnames)}) intersects the listeners' ({listed})",
                "spec.hostnames", route.meta.location))
            continue
        unsupported, where = _unsupported(table.implementations[gateway.meta.key], route)
        if unsupported:
            table.conditions.append(Condition(ref_name, str(ref), "Accepted", "False", "UnsupportedValue",
                                              unsupported, *(where or (ref.field, ref.location))))
            continue
        for lt in table.listeners[gateway.meta.key]:
            if lt.listener in fitting:
                lt.routes.append((route, ref))
        table.conditions.append(Condition(ref_name, str(ref), "Accepted", "True", "Accepted",
                                          "attached to listener(s) " + ", ".join(li.name for li in fitting),
                                          ref.field, ref.location))
        bad = next((b for b in resolved if b.invalid), None)
        if bad is not None:
            table.conditions.append(Condition(ref_name, str(ref), "ResolvedRefs", "False", bad.invalid or "",
                                              bad.message, bad.ref.field, bad.ref.location))
        else:
            table.conditions.append(Condition(ref_name, str(ref), "ResolvedRefs", "True", "ResolvedRefs",
                                              "all backendRefs resolved", ref.field, ref.location))


def _unsupported(impl: GatewayImplementation, route: HTTPRoute) -> tuple[str, tuple[str, Location] | None]:
    """Why the implementation refuses the route (UnsupportedValue), and the field and line to point at."""
    for rule in route.rules:
        for f in _all_filters(rule):
            if f.type not in impl.supported_filters:
                return f"{impl.title} does not support filter type {f.type} ({f.field})", None
        for m in rule.matches:
            if m.path.type not in impl.supported_path_types:
                return f"{impl.title} does not support path match type {m.path.type} ({m.field})", None
            refused = _refused_regex(impl, m)
            if refused:
                return refused
    return "", None


def _refused_regex(impl: GatewayImplementation, m: RouteMatch) -> tuple[str, tuple[str, Location]] | None:
    """A RegularExpression value the implementation's engine (RE2) refuses: the route is not accepted (as
    Envoy Gateway reports an invalid regex), rather than a rule that silently never matches."""
    values = [(f"{m.field}.path.value", m.path.value)] if m.path.type == "RegularExpression" else []
    values += [(f"{m.field}.headers[{i}].value", h.value) for i, h in enumerate(m.headers)
               if h.type == "RegularExpression"]
    values += [(f"{m.field}.queryParams[{i}].value", q.value) for i, q in enumerate(m.query_params)
               if q.type == "RegularExpression"]
    for where, value in values:
        compiled, why = compile_re2(value)
        if compiled is None:
            return (f"{where} is not a valid {impl.regex_flavour.split(' ', 1)[0]} expression ({why})",
                    (where, m.location))
    return None


def _all_filters(rule: HTTPRouteRule) -> Iterable[RouteFilter]:
    yield from rule.filters
    for b in rule.backend_refs:
        yield from b.filters


def _listener_conditions(state: ClusterState, g: Gateway) -> list[Condition]:
    out = []
    name = f"Gateway/{g.meta.key}"
    ports: dict[int, set[str]] = {}
    for li in g.listeners:
        ports.setdefault(li.port, set()).add("HTTP" if li.protocol in ("HTTP",) else li.protocol)
    for li in g.listeners:
        where = (li.field, li.location)
        if li.protocol not in SCHEMES:
            out.append(Condition(name, li.name, "Accepted", "False", "UnsupportedProtocol",
                                 f"listener {li.name!r} is {li.protocol}: not simulated (only HTTP and HTTPS)", *where))
            continue
        if len(ports[li.port]) > 1:
            out.append(Condition(name, li.name, "Conflicted", "True", "ProtocolConflict",
                                 f"port {li.port} is used by listeners of protocols {sorted(ports[li.port])}", *where))
        for ref in li.certificate_refs:
            if ref.group not in ("", "core") or ref.kind != "Secret":
                out.append(Condition(name, li.name, "ResolvedRefs", "False", "InvalidCertificateRef",
                                     f"certificateRef {ref.kind}/{ref.name} is not a Secret", *where))
            elif ref.namespace != g.meta.namespace and not any(
                    rg.meta.namespace == ref.namespace and rg.allows(GROUP, "Gateway", g.meta.namespace, "", "Secret",
                                                                     ref.name) for rg in state.reference_grants):
                out.append(Condition(name, li.name, "ResolvedRefs", "False", "RefNotPermitted",
                                     f"certificateRef Secret {ref.namespace}/{ref.name} is in another namespace and no "
                                     "ReferenceGrant there allows it", *where))
            elif (ref.namespace, ref.name) not in state.secrets:
                out.append(Condition(name, li.name, "ResolvedRefs", "False", "InvalidCertificateRef",
                                     f"Secret {ref.namespace}/{ref.name} not found in the manifests", *where))
    return out

