"""Route one request through a Gateway: the one evaluator answers, this module explains and reports.

The answer comes from `explorer.routing.evaluate.route` over the RouteTable the
Gateway front end compiled (compile.py); this module picks the Gateway, names
the Gateway listener, walks the attached routes' matches to explain why the
winner won, and applies the filters the decision's route carries to say what
the backend receives. Listener by port (the URL's, else 80/443 by scheme) and protocol, then by the
most specific listener hostname; among the routes attached there, those with
the most specific hostname that covers the request's host (the spec's
"largest number of characters in a matching non-wildcard hostname", applied
as a virtual host: the request does not fall back to a less specific
hostname's routes; our reading, named in the trace); then the first match in
the precedence the table was sorted in; then the rule's filters and backends.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from explorer.model.gateway import HeaderModifier, PathModifier, RouteFilter, RouteMatch
from explorer.routing.gateway import hostnames
from explorer.routing.gateway.regex import full_match
from explorer.routing.gateway.decision import (
    BackendShare, GatewayDecision, GatewayTraceEntry, GatewayVerdict, MirrorShare,
)
from explorer.routing.decision import Decision
from explorer.routing.evaluate import route as evaluate
from explorer.routing.gateway.compile import GatewayRouting, entry_point_name
from explorer.routing.gateway.table import Backend, Entry, GatewayTable, ListenerTable, Mirror
from explorer.routing.request import Request
from explorer.routing.table import Filters, Forward, HeaderEdit, Redirect

DEFAULT_PORTS = {"http": 80, "https": 443}
#: Filters the tool names but does not apply.
NOT_SIMULATED_FILTERS = {"ExtensionRef": "an implementation-specific filter", "CORS": "CORS answers",
                         "ExternalAuth": "the external authorisation call"}
TRACE_LIMIT = 200


class GatewaySelectionError(ValueError):
    """No Gateway, or more than one, could take the request: the user must pass --gateway."""


def request_port(request: Request) -> int:
    header = request.host.strip()
    if header.startswith("["):
        rest = header[header.find("]") + 1:]
        port = rest[1:] if rest.startswith(":") else ""
    else:
        port = header.rsplit(":", 1)[1] if ":" in header else ""
    return int(port) if port.isdigit() else DEFAULT_PORTS[request.scheme]


def choose_gateway(table: GatewayTable, request: Request, wanted: str | None = None) -> str:
    """The key of the Gateway the request goes to: --gateway, the only one, or the only one that accepts it."""
    keys = [g.meta.key for g in table.gateways]
    if wanted:
        if wanted not in keys:
            raise GatewaySelectionError(f"Gateway {wanted} not found; Gateways: {', '.join(keys) or 'none'}")
        return wanted
    if not keys:
        raise GatewaySelectionError("no Gateway in the manifests: the gateway controller needs a Gateway and "
                                    "HTTPRoutes attached to it")
    if len(keys) == 1:
        return keys[0]
    port, host = request_port(request), request.hostname
    fits = [g.meta.key for g in table.gateways
            if any(lt.listener.port == port and lt.scheme == request.scheme
                   and hostnames.matches(lt.listener.hostname, host) for lt in table.listeners_of(g))]
    if len(fits) == 1:
        return fits[0]
    if not fits:
        raise GatewaySelectionError(f"no Gateway has a {request.scheme.upper()} listener on port {port} for "
                                    f"{host}; Gateways: {', '.join(keys)}")
    raise GatewaySelectionError(f"{len(fits)} Gateways have a listener for {request.scheme}://{host}:{port} "
                                f"({', '.join(fits)}): pass --gateway NAMESPACE/NAME")


def route_gateway(routing: GatewayRouting, request: Request, gateway: str | None = None) -> GatewayDecision:
    table = routing.gateways
    key = choose_gateway(table, request, gateway)
    gw = next(g for g in table.gateways if g.meta.key == key)
    impl = table.implementations[key]
    trace: list[GatewayTraceEntry] = [GatewayTraceEntry("note", n) for k, n in table.notes if k == key]
    d = GatewayDecision(request, "answer", "", gateway=key, implementation=impl.name, trace=trace)
    if gateway is None and len(table.gateways) > 1:
        trace.append(GatewayTraceEntry("note", f"Gateway {key} is the one whose listeners accept this URL"))
    port, host = request_port(request), request.hostname
    answer = evaluate(routing.routes, request, entry_point_name(key, port))
    winner = routing.entries.get(id(answer.route)) if answer.route is not None else None
    on_port = [lt for lt in table.listeners_of(gw) if lt.listener.port == port]
    for lt in table.listeners_of(gw):
        if lt.listener.port != port:
            trace.append(GatewayTraceEntry("other-listener", f"listener {lt.listener.name!r} listens on port "
                                           f"{lt.listener.port}, the request goes to {port}",
                                           listener=lt.listener.name, field=lt.listener.field,
                                           location=lt.listener.location))
    if not on_port:
        d.outcome, d.reason = "refused", f"Gateway {key} has no listener on port {port}: connection refused"
        assert answer.outcome == "refused", answer.reason
        return d
    same_protocol = [lt for lt in on_port if lt.scheme == request.scheme]
    if not same_protocol:
        protocols = ", ".join(sorted({lt.listener.protocol for lt in on_port}))
        d.outcome = "refused"
        d.reason = (f"port {port} is {protocols} on Gateway {key}, the request is {request.scheme}: "
                    "the connection fails before any route is considered")
        return d
    fitting = [lt for lt in same_protocol if hostnames.matches(lt.listener.hostname, host)]
    for lt in same_protocol:
        if lt not in fitting:
            trace.append(GatewayTraceEntry("other-host", f"listener {lt.listener.name!r} is for hostname "
                                           f"{lt.listener.hostname}, not {host}", listener=lt.listener.name,
                                           field=lt.listener.field, location=lt.listener.location))
    if not fitting:
        d.status, d.reason = answer.status, f"no listener on port {port} of Gateway {key} is for hostname {host}"
        return d
    chosen = max(fitting, key=lambda lt: hostnames.specificity(lt.listener.hostname))
    d.listener, d.listener_port = chosen.listener.name, port
    for lt in fitting:
        verdict: GatewayVerdict = "chosen" if lt is chosen else "matched"
        why = ("most specific listener hostname" if len(fitting) > 1 else "listener for this port and host")
        trace.append(GatewayTraceEntry(verdict, f"listener {lt.listener.name!r} ({lt.listener.protocol} "
                                       f"{lt.listener.port}, hostname {lt.listener.hostname or 'any'}): "
                                       + (why if lt is chosen else "a more specific listener hostname wins"),
                                       listener=lt.listener.name, field=lt.listener.field,
                                       location=lt.listener.location))
    for route_key, (reason, message) in chosen.refused.items():
        trace.append(GatewayTraceEntry("not-attached", f"{reason}: {message}", route=route_key))
    for c in table.conditions:
        if c.type == "Accepted" and c.status == "False" and c.parent.split(" ", 1)[0] == f"Gateway/{key}":
            trace.append(GatewayTraceEntry("not-attached", f"{c.object} not attached ({c.reason}): {c.message}",
                                           route=c.object.split("/", 1)[1], field=c.field, location=c.location))
    return _match(d, chosen, request, host, impl.regex_flavour, winner, answer)


def _best_host(entry: Entry, host: str) -> tuple[int, int] | None:
    best = None
    for h in entry.hostnames:
        if hostnames.matches(h, host):
            spec = hostnames.specificity(h)
            best = spec if best is None or spec > best else best
    return best


def _match(d: GatewayDecision, lt: ListenerTable, request: Request, host: str, flavour: str,
           winner: Entry | None, answer: Decision) -> GatewayDecision:
    """Explain the evaluator's answer: every attached match, and why the winner goes first."""
    trace = d.trace
    hosted = [(e, _best_host(e, host)) for e in lt.entries]
    levels = [spec for _, spec in hosted if spec is not None]
    top = max(levels) if levels else None
    path = request.path.split("?", 1)[0] or "/"
    query = parse_qsl(request.query, keep_blank_values=True)
    seen_routes: set[str] = set()
    regex_used = False
    for entry, spec in hosted:
        rkey = entry.route.meta.key
        loc = entry.match.location
        if spec is None:
            if rkey not in seen_routes:
                seen_routes.add(rkey)
                names = ", ".join(h or "any" for h in entry.hostnames)
                trace.append(GatewayTraceEntry("other-host", f"HTTPRoute {rkey} serves {names}, not {host}",
                                               route=rkey, location=entry.route.meta.location))
            continue
        if spec != top:
            if rkey not in seen_routes:
                seen_routes.add(rkey)
                trace.append(GatewayTraceEntry("matched", f"HTTPRoute {rkey} covers {host} by a less specific "
                                               "hostname; routes with the most specific matching hostname take the "
                                               "request (the spec's hostname precedence, read as a virtual host)",
                                               route=rkey, location=entry.route.meta.location))
            continue
        regex_used = regex_used or _uses_regex(entry.match)
        why = _why_not(entry.match, path, request, query)
        where = _where(entry)
        if why:
            if len(trace) < TRACE_LIMIT:
                trace.append(GatewayTraceEntry("no-match", f"{where}: {why}", route=rkey, rule=entry.rule_index,
                                               match=entry.match_index, field=entry.match.field, location=loc))
            continue
        if entry is winner:
            trace.append(GatewayTraceEntry("chosen", f"{where} matches: {_describe(entry.match)}", route=rkey,
                                           rule=entry.rule_index, match=entry.match_index, field=entry.match.field,
                                           location=loc))
        elif winner is not None and len(trace) < TRACE_LIMIT:
            trace.append(GatewayTraceEntry("matched", f"{where} matches too, but loses: {_loses(winner, entry)}",
                                           route=rkey, rule=entry.rule_index, match=entry.match_index,
                                           field=entry.match.field, location=loc))
    if regex_used:
        trace.append(GatewayTraceEntry("note", f"RegularExpression matches are implementation-specific: {flavour}"))
    if winner is None:
        if answer.outcome != "answer":  # never expected: the table and its explanation disagree; say it, loudly
            d.outcome, d.status, d.location = answer.outcome, answer.status, answer.location
            d.reason = f"{answer.reason} (the explanation found no matching HTTPRoute rule: please report this)"
            return d
        d.status = answer.status
        d.reason = (f"no rule of the routes attached to listener {lt.listener.name!r} matches "
                    f"{request.method} {host}{path}" if lt.routes else
                    f"no HTTPRoute is attached to listener {lt.listener.name!r}")
        unattached = sorted({e.route for e in trace if e.verdict == "not-attached" and e.route})
        if unattached:
            d.reason += f"; not attached (see the trace): HTTPRoute {', '.join(unattached)}"
        return d
    return _act(d, winner, request, path, answer)


def _where(entry: Entry) -> str:
    name = f" ({entry.rule.name})" if entry.rule.name else ""
    return f"HTTPRoute {entry.route.meta.key} rule {entry.rule_index}{name} match {entry.match_index}"


def _uses_regex(m: RouteMatch) -> bool:
    return m.path.type == "RegularExpression" or any(
        v.type == "RegularExpression" for v in (*m.headers, *m.query_params))


def _full(pattern: str, value: str) -> bool:
    return full_match(pattern, value)


def path_matches(kind: str, value: str, path: str) -> bool:
    if kind == "Exact":
        return path == value
    if kind == "PathPrefix":  # element-wise; a trailing slash on the match is ignored
        prefix = value.rstrip("/")
        return not prefix or path == prefix or path.startswith(prefix + "/")
    return _full(value, path)


def _why_not(m: RouteMatch, path: str, request: Request, query: list[tuple[str, str]]) -> str:
    if not path_matches(m.path.type, m.path.value, path):
        return f"path {path} does not match {m.path.type} {m.path.value}"
    if m.method and m.method != request.method:
        return f"method {request.method} is not {m.method}"
    for h in m.headers:
        values = [v for n, v in request.headers if n.lower() == h.name.lower()]
        if not values:
            return f"header {h.name} is not sent"
        value = ",".join(values)
        ok = value == h.value if h.type == "Exact" else _full(h.value, value)
        if not ok:
            return f"header {h.name}: {value!r} does not match {h.type} {h.value!r}"
    for q in m.query_params:
        values = [v for n, v in query if n == q.name]
        if not values:
            return f"query parameter {q.name} is not sent"
        ok = values[0] == q.value if q.type == "Exact" else _full(q.value, values[0])
        if not ok:
            return f"query parameter {q.name}={values[0]!r} does not match {q.type} {q.value!r}"
    return ""


def _describe(m: RouteMatch) -> str:
    parts = [f"{m.path.type} {m.path.value}"]
    if m.method:
        parts.append(f"method {m.method}")
    parts += [f"header {h.name} {h.type} {h.value!r}" for h in m.headers]
    parts += [f"query {q.name} {q.type} {q.value!r}" for q in m.query_params]
    return ", ".join(parts)


def _loses(winner: Entry, other: Entry) -> str:
    """Which criterion of the spec's precedence puts `winner` first."""
    names = ("path match type", "longer path", "method match", "more header matches", "more query-param matches",
             "older route (creationTimestamp)", "earlier in load order (no creationTimestamp given)",
             "namespace/name alphabetically first", "earlier rule", "earlier match in the rule")
    for name, a, b in zip(names, winner.key, other.key):
        if a != b:
            return f"{_where(winner)} goes first by {name}"
    return "identical precedence; the earlier one wins"


def _act(d: GatewayDecision, e: Entry, request: Request, path: str, answer: Decision) -> GatewayDecision:
    """The evaluator's answer for the winning match, with the filters it carries applied to the request."""
    route, rule = e.route, e.rule
    d.route_namespace, d.route_name = route.meta.namespace, route.meta.name
    d.rule_index, d.rule_name, d.match_index, d.source = e.rule_index, rule.name, e.match_index, e.match.location
    where = _where(e)
    for name in rule.unsimulated:
        d.trace.append(GatewayTraceEntry("note", f"{where}: {name} is not simulated", route=route.meta.key,
                                         field=f"{rule.field}.{name}", location=rule.location))
    action = answer.route.action if answer.route is not None else None
    d.status, d.location = answer.status, answer.location
    if isinstance(action, Redirect):
        f = next(f for f in rule.filters if f.request_redirect is not None)
        d.outcome = "redirect"
        d.reason = f"{where} redirects ({answer.status}) to {answer.location}"
        d.trace.append(_filter_note(f, e, f"RequestRedirect {answer.status} to {answer.location}"))
        return d
    d.backends = [_share(b) for b in e.backends]
    total = sum(s.weight for s in d.backends)
    if not isinstance(action, Forward) or answer.backend is None:
        d.outcome = "answer"
        d.reason = f"{where}: {answer.reason.split('; ', 1)[-1] if '; ' in answer.reason else answer.reason}"
        if action is not None and hasattr(action, "why"):
            d.reason = f"{where}: {action.why}"
        return d
    index = next(i for i, b in enumerate(action.backends) if b.ref is answer.backend)
    chosen, backend = d.backends[index], e.backends[index]
    if len(d.backends) > 1:
        split = ", ".join(f"{s.service}:{s.port} {s.weight}/{total}" + (" (500)" if s.status else "")
                          for s in d.backends)
        d.trace.append(GatewayTraceEntry("note", f"weighted split {split}; `route` shows the largest share, "
                                         "`serve` splits real traffic by weight", route=route.meta.key,
                                         field=f"{rule.field}.backendRefs", location=rule.location))
    if answer.outcome == "redirect":  # the chosen backendRef's own RequestRedirect filter
        f = next(f for f in backend.ref.filters if f.request_redirect is not None)
        d.outcome = "redirect"
        d.reason = f"{where}: backendRef {backend.ref.ref} redirects ({answer.status}) to {answer.location}"
        d.trace.append(_filter_note(f, e, f"RequestRedirect {answer.status} to {answer.location}"))
        return d
    if answer.outcome != "forward":
        d.outcome = "answer"
        d.reason = (f"{where} sends {chosen.weight}/{total} of its traffic to a backendRef that does not resolve "
                    f"({backend.invalid}: {backend.message}): that share answers {answer.status}")
        d.trace.append(GatewayTraceEntry("chosen", f"backendRef {backend.ref.ref}: {backend.invalid}: "
                                         f"{backend.message}", route=route.meta.key, field=backend.ref.field,
                                         location=backend.ref.location))
        return d
    d.outcome, d.backend = "forward", chosen
    d.upstream_path, d.upstream_host = _with_query(answer.upstream_path or path, request.query), request.host
    own = action.backends[index].filters
    headers = [(n, v) for n, v in request.headers if n.lower() != "host"]
    response: dict[str, object] = {}
    for filters, origin in ((action.filters, rule.filters), (own, backend.ref.filters)):
        if filters is None:
            continue
        if own is filters and filters.rewrite is not None:  # a backendRef's own URLRewrite, after the rule's
            d.upstream_path = _with_query(_rewritten(filters, e.match, path), request.query)
        if filters.host:
            d.upstream_host = filters.host
        if filters.request_headers is not None:
            headers = modify_headers(headers, _modifier(filters.request_headers))
        if filters.response_headers is not None:
            edit = filters.response_headers
            response = {"set": dict(edit.set), "add": dict(edit.add), "remove": list(edit.remove)}
        d.mirrors += [str(m) for m in filters.mirror]
        for f in origin:
            d.trace.append(_explain_filter(f, e, d))
    own_mirrors = e.backend_mirrors[index] if index < len(e.backend_mirrors) else ()
    for m in (*e.mirrors, *own_mirrors):
        d.mirror_backends.append(_mirror_share(m))
    d.request_headers = [("Host", d.upstream_host or request.host), *headers]
    d.response_headers = response
    d.reason = (f"{where} forwards to Service {chosen.namespace}/{chosen.service} port {chosen.port}"
                + (f" ({chosen.weight}/{total} of the traffic)" if len(d.backends) > 1 else ""))
    d.trace.append(GatewayTraceEntry("chosen", f"backendRef {backend.ref.ref} weight {chosen.weight}: "
                                     f"{backend.message}", route=route.meta.key, field=backend.ref.field,
                                     location=backend.ref.location))
    return d


def _modifier(edit: HeaderEdit) -> HeaderModifier:
    return HeaderModifier(edit.set, edit.add, edit.remove)


def _rewritten(filters: Filters, match: RouteMatch, path: str) -> str:
    rw = filters.rewrite
    assert rw is not None
    if rw.full is not None:
        return rw.full
    return _modified_path(PathModifier("ReplacePrefixMatch", rw.prefix or ""), match, path)


def _explain_filter(f: RouteFilter, e: Entry, d: GatewayDecision) -> GatewayTraceEntry:
    if f.url_rewrite is not None:
        return _filter_note(f, e, f"URLRewrite: host {d.upstream_host}, path {d.upstream_path}")
    if f.request_header_modifier is not None:
        return _filter_note(f, e, "RequestHeaderModifier " + _ops(f.request_header_modifier))
    if f.response_header_modifier is not None:
        return _filter_note(f, e, "ResponseHeaderModifier " + _ops(f.response_header_modifier))
    if f.request_mirror is not None:
        m = f.request_mirror
        share = f" {m.percent}%" if m.percent is not None else f" {m.fraction[0]}/{m.fraction[1]}" if m.fraction else ""
        resolved = next((r for r in (*e.mirrors, *(x for own in e.backend_mirrors for x in own)) if r.filter is f), None)
        if resolved is not None and resolved.backend.invalid:
            return _filter_note(f, e, f"RequestMirror{share} to {m.backend} is not sent: {resolved.backend.invalid}: "
                                f"{resolved.backend.message} (the forward is not affected)", "note")
        return _filter_note(f, e, f"RequestMirror{share} to {m.backend}: a copy is sent (`serve` sends it to "
                            "a Pod of that Service, its Host with -shadow appended as Envoy does), its answer discarded")
    what = NOT_SIMULATED_FILTERS.get(f.type, "this filter")
    return _filter_note(f, e, f"{f.type} filter is NOT simulated ({what}); the real Gateway may answer "
                        "differently", "note")


def _mirror_share(m: Mirror) -> MirrorShare:
    r = m.backend.ref.ref
    return MirrorShare(r.namespace, r.name, r.port, m.percent, m.backend.invalid,
                       m.backend.message if not m.backend.invalid else f"{m.backend.invalid}: {m.backend.message}")


def _share(b: Backend) -> BackendShare:
    r = b.ref.ref
    return BackendShare(r.namespace, r.name, r.port, b.weight, 500 if b.invalid else None,
                        b.message if not b.invalid else f"{b.invalid}: {b.message}",
                        tuple(f.type for f in b.ref.filters))


def _filter_note(f: RouteFilter, e: Entry, text: str, verdict: GatewayVerdict = "chosen") -> GatewayTraceEntry:
    return GatewayTraceEntry(verdict, text, route=e.route.meta.key, rule=e.rule_index,
                             field=f.field, location=f.location)


def _ops(mod: HeaderModifier) -> str:
    parts = [f"set {n}: {v}" for n, v in mod.set] + [f"add {n}: {v}" for n, v in mod.add]
    parts += [f"remove {n}" for n in mod.remove]
    return ", ".join(parts) or "(nothing)"


def modify_headers(headers: list[tuple[str, str]], mod: HeaderModifier) -> list[tuple[str, str]]:
    """set replaces every value of the name, add appends one, remove drops the name; names case-insensitive."""
    out = list(headers)
    for name, value in mod.set:
        at = next((i for i, (n, _) in enumerate(out) if n.lower() == name.lower()), None)
        out = [(n, v) for n, v in out if n.lower() != name.lower()]
        out.insert(at if at is not None else len(out), (name, value))
    for name, value in mod.add:
        out.append((name, value))
    removed = {n.lower() for n in mod.remove}
    return [(n, v) for n, v in out if n.lower() not in removed]


def _modified_path(mod: PathModifier, match: RouteMatch, path: str) -> str:
    if mod.type == "ReplaceFullPath":
        return mod.value
    prefix = match.path.value.rstrip("/")
    rest = path[len(prefix):] if path.startswith(prefix) else path
    replacement = mod.value
    if not rest:
        return replacement or "/"
    if replacement.endswith("/") and rest.startswith("/"):
        return replacement[:-1] + rest
    return (replacement + rest) if replacement else rest


def _with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path
