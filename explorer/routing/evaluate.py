"""The one evaluator: `route(table, request) -> Decision`, for every front end.

Order, as a controller answers: the entry point (which address), its
conditions (not programmed), the listener for the scheme and its conditions,
the virtual host, the first route of the path index whose match accepts the
request (else the virtual host's fallback), the route's conditions, its
action. `route` finds the answering route (a few dict lookups per path
element) and returns the Decision; the answer's words (outcome, reason,
backend, headers) are made on their first read, the trace that explains them
on its first read (`explorer.routing.explain`).
"""

from __future__ import annotations

import sys
from functools import cached_property
from typing import Any, Literal

from explorer.routing.decision import (
    ANSWER_DEFAULTS, VIA_ANSWER, Answer, BackendRef, Decision, SharedAnswer, TraceEntry,
)
from explorer.routing.paths import url_map_glob_keys
from explorer.routing.request import Request, host_of, normalize_path
from explorer.routing.table import (
    UNTESTED_CONDITIONS, Action, Condition, EntryPoint, Forward, HostIndex, Redirect, Refuse, Respond, Route,
    RouteTable, VirtualHost, WeightedBackend,
)


class RouteResult(Decision):
    """The Decision the evaluator makes: what it found, from which the answer is worded (unless the route's
    shared Answer applies) and the trace (`explorer.routing.explain`) is built. What only a trace or a rare
    path needs is worked out when read, or set in the instance dict over the class's defaults."""

    __slots__ = ()

    #: How the entry point was picked, when that needs saying (several load balancers, --ingress).
    lb_why = ""
    #: A condition of the entry point or listener that answers before any route (found with the route).
    early: Condition | None = None
    #: No listener for the request's scheme.
    unheard = False

    def __init__(self, request: Request, table: RouteTable, entry_point: EntryPoint | None, path: str,
                 found: Route | None | Any) -> None:
        self.request = request
        self.table = table
        self.entry_point = entry_point
        self.matched_path = path  # the path matched against (after normalisation)
        self._route = found  # the route that answered (a rule, a fallback, an implicit route), or VIA_ANSWER

    @property
    def hosts(self) -> HostIndex | None:
        """The host index of the listener the request reached (None when it answered before the hosts)."""
        ep = self.entry_point
        if ep is None or self.early is not None or self.unheard:
            return None
        listener = ep.listeners.get(self.request.scheme)
        return listener.hosts if listener is not None else None

    @cached_property
    def hostname(self) -> str:
        """The request's host as routing compares it."""
        return host_of(self.request.host)

    @cached_property
    def vhost(self) -> VirtualHost | None:
        """The virtual host that took the request, if the request reached the hosts and one did."""
        hosts = self.hosts
        return hosts.virtual_host(self.hostname)[0] if hosts is not None else None

    @property
    def vhost_why(self) -> str:
        """How the virtual host was picked, worded only when a trace is read (a string per request saved)."""
        hosts = self.hosts
        return hosts.virtual_host(self.hostname)[1] if hosts is not None else ""

    def _answer(self) -> Answer:
        ep, request = self.entry_point, self.request
        if self.early is not None:
            return Answer(_complete(_condition(self, None, self.early, request), None))
        if self.unheard:
            assert ep is not None
            return Answer(_complete({"outcome": "refused", "reason": f"{ep.name} has no {request.scheme} listener"},
                                    None))
        assert self.route is not None
        return _answer(self, self.route, request)

    def _explain(self) -> list[TraceEntry]:
        from explorer.routing.explain import explain  # only when a trace is read: not on the fast path

        return explain(self, self)


def route(table: RouteTable, request: Request, entry_point: str | None = None) -> Decision:
    """Route one request. `entry_point` names the load balancer (or Gateway) it is sent to, when several exist.

    Finds the answering route (or the condition that answers first); when the route's answer is one it
    gives every such request (`_shared`), the Decision points at it, else it words the answer when first read.
    """
    if table.forwarded_headers:
        request = _forwarded(request)
    path = request.path
    if path[:1] != "/" or "%" in path or "//" in path or "/." in path:  # else nothing to normalise: most requests
        path = normalize_path(path, table.decode_percent, table.merge_slashes)
    plain = table.plain
    if plain is None:
        plain = table.plain = _plain(table)
    reached: Any = plain.get(request.scheme) if entry_point is None else None
    if reached is None:  # several entry points, a condition before the hosts, no listener: the longer way
        reached = _before_hosts(table, request, entry_point, path)
        if reached.__class__ is RouteResult:
            return reached
    ep, hosts, lb_why = reached
    vhost = hosts.by_header.get(request.host)  # the Host header as sent, to its virtual host: one lookup
    if vhost is None:
        vhost = _virtual_host(hosts, request.host)
    if vhost is False:
        hit: Any = ep.fallback
    else:
        index = vhost.flat
        if index is None:
            index = _flatten(vhost, table)
        if index is False:
            hit = _walk(vhost, path, request)
        else:
            # The flattened index (`_flatten`): the path itself (an exact key, or a prefix key when no exact
            # one is the same), then the path's element prefixes, longest first, passing exact-only keys.
            hit = index.get(path)
            if hit is None:
                key: str | None = path.rstrip("/")
                if key == path:
                    key = key[: key.rfind("/")] if key else None
                while key is not None:
                    hit = index.get(key)
                    if hit is not None and hit.__class__ is not tuple:
                        break
                    hit = None
                    key = key[: key.rfind("/")] if key else None
            elif hit.__class__ is tuple:
                hit = hit[0]
            if hit.__class__ is list:  # a guarded route first, or an exact and a prefix key alike
                hit = _walk(vhost, path, request)
        if hit is None:
            hit = vhost.flat_fallback if index is not False else _hit(vhost.fallback, table)
    if hit.__class__ is not SharedAnswer:  # a fallback, or a route whose answer is worded per request
        hit = _hit(hit, table)
    if hit.__class__ is SharedAnswer:
        if (request.content_length or 0) <= hit.within:
            result = RouteResult(request, table, ep, path, VIA_ANSWER)
            result._a = hit
        else:  # a body-size condition answers
            result = RouteResult(request, table, ep, path, hit.route)
    else:
        result = RouteResult(request, table, ep, path, hit)
    if lb_why:
        result.lb_why = lb_why
    return result


def _plain(table: RouteTable) -> dict[str, tuple[EntryPoint, HostIndex, str]]:
    """RouteTable.plain: where the one entry point and a listener have no condition, the way to its hosts."""
    ep = table.single
    if ep is None or ep.conditions:
        return {}
    return {scheme: (ep, listener.hosts, "") for scheme, listener in ep.listeners.items() if not listener.conditions}


def _before_hosts(table: RouteTable, request: Request, entry_point: str | None,
                  path: str) -> tuple[EntryPoint, HostIndex, str] | RouteResult:
    """The entry point and host index a request reaches, and how the entry point was picked; or the Decision,
    when it is made before the hosts (no entry point, a condition of the entry point or listener, no listener)."""
    ep = table.single
    lb_why = ""
    if ep is None or entry_point is not None:
        ep, lb_why = _pick_entry_point(table, host_of(request.host), entry_point)
        if ep is None:
            assert table.nothing is not None
            return _decided(RouteResult(request, table, None, path, table.nothing), table.nothing, request, lb_why)
    for condition in ep.conditions:
        if condition.applies(request):
            return _early(RouteResult(request, table, ep, path, None), condition, lb_why)
    listener = ep.listeners.get(request.scheme)
    if listener is None:
        result = RouteResult(request, table, ep, path, None)
        result.unheard = True
        if lb_why:
            result.lb_why = lb_why
        return result
    for condition in listener.conditions:
        if condition.applies(request):
            return _early(RouteResult(request, table, ep, path, None), condition, lb_why)
    return ep, listener.hosts, lb_why


def _decided(result: RouteResult, found: Route, request: Request, lb_why: str) -> RouteResult:
    """`result` with route `found`'s shared answer where it applies (route()'s end, for the rarer ways)."""
    if lb_why:
        result.lb_why = lb_why
    shared = found.shared
    if shared is None:
        shared = found.shared = _shared(found, result.table)
    if shared is not False and (request.content_length or 0) <= shared.within:
        result._a = shared
    return result


def _early(result: RouteResult, condition: Condition, lb_why: str) -> RouteResult:
    result.early = condition
    if lb_why:
        result.lb_why = lb_why
    return result


def _virtual_host(hosts: HostIndex, header: str) -> VirtualHost | Literal[False]:
    """The virtual host answering Host header `header` (False: none does), memoised in the index by the header
    as sent (bounded, so a client sending random hosts cannot grow it)."""
    by_header = hosts.by_header
    if len(by_header) >= 4096:
        by_header.clear()
    vhost = by_header[header] = hosts.virtual_host(host_of(header))[0] or False
    return vhost


def _flatten(vhost: VirtualHost, table: RouteTable) -> dict[str, Any] | Literal[False]:
    """VirtualHost.flat: the exact and prefix indexes in one dict, each key to what route() needs of it (fewer
    objects read per request: a 10,000-path table is memory-bound); False for a regex or URL-map virtual host
    (walked as compiled).

    A key's first route, when it asks nothing beyond host and path, stands for its list: as its shared
    answer (`_shared`; the route otherwise), in a 1-tuple for an exact key (bare when the same route is the
    first of the same prefix key too). A list (the key's routes, or empty) sends route() to `_walk`: a
    guarded route first, or an exact and a prefix key alike with different routes.
    """
    flat: dict[str, Any] | Literal[False] = False
    if vhost.regex is None and not vhost.globs:
        flat = {}
        for key, routes in vhost.exact.items():
            if routes:
                flat[key] = routes if routes[0].match.guarded else (_hit(routes[0], table),)
        for key, routes in vhost.prefix.items():
            if not routes:
                continue
            hit = routes if routes[0].match.guarded else _hit(routes[0], table)
            given = flat.get(key)
            if given is None:
                flat[key] = hit
            elif given.__class__ is tuple and given[0] is hit:
                flat[key] = hit  # the same route both ways (nginx's exact location for a prefix path)
            else:
                flat[key] = []
    if flat is not False and vhost.fallback is not None:
        vhost.flat_fallback = _hit(vhost.fallback, table)
    vhost.flat = flat
    return flat


def _hit(r: Route | None, table: RouteTable) -> Route | SharedAnswer:
    """Route `r`'s shared answer (made on first use), or `r` when it has none."""
    assert r is not None
    shared = r.shared
    if shared is None:
        shared = r.shared = _shared(r, table)
    return shared if shared is not False else r


def _walk(vhost: VirtualHost, path: str, request: Request) -> Route | None:
    """The first route of the virtual host's indexes, as compiled, that accepts the request: the regex list,
    or exact, URL-map globs and prefix in turn (what the flattened index stands for)."""
    if vhost.regex is not None:
        for r in vhost.regex:
            regex = r.match.path.regex
            if regex is not None and regex.match(path) and _accepts(r, request):
                return r
        return None
    found = _first(vhost.exact.get(path), request)
    if found is not None:
        return found
    if vhost.globs:
        for key in url_map_glob_keys(path):
            found = _first(vhost.globs.get(key), request)
            if found is not None:
                return found
    prefix = vhost.prefix
    if prefix:
        key = path.rstrip("/")
        while True:
            found = _first(prefix.get(key), request)
            if found is not None:
                return found
            if not key:
                return None
            key = key[: key.rfind("/")]
    return None


def _first(routes: list[Route] | None, request: Request) -> Route | None:
    if not routes:
        return None
    for r in routes:
        if _accepts(r, request):
            return r
    return None


def _accepts(r: Route, request: Request) -> bool:
    match = r.match
    return not match.guarded or match.accepts(request)


# ---------------------------------------------------------------- answers


def _answer(result: RouteResult, r: Route, request: Request) -> Answer:
    """The answer of route `r` for `request`: its shared one when the request reaches it through its path
    only (made once per route and condition), else worded for this request."""
    condition = None
    for c in r.conditions:
        if c.applies(request):
            condition = c
            break
    known = _known(r, condition, result.table)
    if known is not None:
        return known
    if condition is not None:
        fields = _condition(result, r, condition, request)
    else:
        fields = _about(r)
        fields["reason"] = reason = _reason(r, result.matched_path)
        if r.default is not None:
            fields["used_default_backend"] = r.default
        fields.update(_action(r.action, reason, result, request, r))
    return Answer(_complete(fields, r))


_UNKNOWN: Any = object()


def _known(r: Route, condition: Condition | None, table: RouteTable) -> SharedAnswer | None:
    """Route `r`'s answer under `condition` (None: none applies) when it depends on the request only through
    its path, made on first use and kept in `r.answers`; None when the request matters more."""
    key = id(condition)
    known = r.answers.get(key, _UNKNOWN)
    if known is _UNKNOWN:
        # nginx use-forwarded-headers (the client's addresses reach the Pod) and a route's upstream policy
        # (CORS headers by the request's Origin) make every answer depend on more than the path.
        varies = table.forwarded_headers or r.policy is not None
        known = r.answers[key] = None if varies else _constant(r, condition)
    return known  # type: ignore[no-any-return]


def _shared(r: Route, table: RouteTable) -> SharedAnswer | Literal[False]:
    """The answer route `r` gives every request whose body is at most its `within`, when the conditions
    that decide which answer it gives test nothing but the body's size; False when they test more (a
    scheme, the client's address, credentials, the method) or the request matters more.

    Which condition answers is what `_answer` finds for such a request: the first that applies, where a
    body-size condition does not (the body is within its limit: `_constant` takes the smallest as the
    answer's `within`) and a condition of a kind `Condition.applies` tests nothing of
    (UNTESTED_CONDITIONS, on every scheme) does."""
    condition = None
    for c in r.conditions:
        if c.schemes:
            return False
        if c.kind == "body-size":
            continue
        if c.kind not in UNTESTED_CONDITIONS:
            return False
        condition = c
        break
    known = _known(r, condition, table)
    return known if known is not None else False


def _complete(fields: dict[str, Any], r: Route | None) -> dict[str, Any]:
    """Every field of an Answer: the route's annotations and body limit, the rest's defaults."""
    if r is not None:
        fields.setdefault("annotations", r.annotations)
        if r.body_limit is not None:
            fields.setdefault("max_body", r.body_limit.max_body_bytes)
    return {**ANSWER_DEFAULTS, **Answer.EXTRAS, **fields}


def _constant(r: Route, condition: Condition | None) -> SharedAnswer | None:
    """What route `r` answers (under `condition`, when one applies) if that depends on the request only
    through its path: the fields the same `_condition` and `_action` give, the reason as the route's own
    words, the path and the end (`around`) or whole when it is fixed, the upstream path the request's. None
    when the request matters more (a redirect's location, a weighted backend, a rewrite, a `$http_` header,
    a share that answers)."""
    action = condition.answer if condition is not None else r.action
    fields = _about(r)
    fields["condition"] = condition
    tail = ""
    if condition is not None:
        if r.default == "ingress":
            fields["used_default_backend"] = r.default
        if condition.names_backend and isinstance(r.action, Forward):
            if len(r.action.backends) != 1:
                return None
            fields["backend"] = r.action.backends[0].ref
        tail = f", but {condition.why}"
    elif r.default is not None:
        fields["used_default_backend"] = r.default
    if isinstance(action, Forward):
        if condition is not None or len(action.backends) != 1 or action.backends[0].answer is not None \
                or action.filters.rewrite is not None:
            return None
        chosen = action.backends[0]
        f = action.filters
        fields.update({"outcome": "forward", "backend": chosen.ref, "backends": action.backends,
                       "upstream_headers": ((("Host", f.host),) if f.host else ())
                       + (f.request_headers.set if f.request_headers else ()),
                       "upstream_is_path": True})
        tail = f"; forwarded to {chosen.ref}"
    elif isinstance(action, Respond):
        if any(value.startswith("$http_") for _, value in action.headers):
            return None
        fields.update({"outcome": "answer", "status": action.status, "body": action.body,
                       "response_headers": action.headers, "content_type": action.content_type})
    elif isinstance(action, Refuse):
        fields["outcome"] = "refused"
    else:
        return None
    if condition is not None and not condition.joins:
        fields["reason"] = condition.why
    elif r.why:
        fields["reason"] = r.why + tail
    else:
        fields["reason"] = None
        fields["around"] = (r.matches_text, tail)
    within = sys.maxsize  # the body sizes for which no body-size condition before `condition` answers
    for c in r.conditions:
        if c is condition:
            break
        if c.kind == "body-size" and c.max_body_bytes is not None:
            within = min(within, c.max_body_bytes)
    return SharedAnswer(_complete(fields, r), within, r)


def _condition(result: RouteResult, r: Route | None, condition: Condition, request: Request) -> dict[str, Any]:
    fields = _about(r) if r is not None else {}
    fields["condition"] = condition
    reason = condition.why
    if condition.joins and r is not None:
        reason = f"{_reason(r, result.matched_path)}, but {condition.why}"
    fields["reason"] = reason
    if r is not None and r.default is not None and (r.default == "ingress"):
        fields["used_default_backend"] = r.default
    if condition.names_backend and r is not None and isinstance(r.action, Forward):
        fields["backend"] = _chosen(r.action.backends, request).ref
    fields.update(_action(condition.answer, reason, result, request, None))
    return fields


def _about(r: Route) -> dict[str, Any]:
    """What the decision says of the object behind a route."""
    if r.implicit:
        return {}
    if r.default is None:
        return {"ingress": r.origin.ingress, "path": r.origin.http_path, "rule_host": r.host}
    return {"ingress": r.origin.ingress}


def _reason(r: Route, path: str) -> str:
    if r.why:
        return r.why
    return r.matches_text + path


def _action(action: Action, reason: str, result: RouteResult, request: Request,
            r: Route | None) -> dict[str, Any]:
    if isinstance(action, Forward):
        chosen = _chosen(action.backends, request)
        if isinstance(chosen.answer, Redirect):  # this share redirects (a Gateway API backendRef filter)
            return {"outcome": "redirect", "status": chosen.answer.code, "backend": chosen.ref,
                    "backends": action.backends, "location": _location(chosen.answer, request, result.matched_path)}
        if chosen.answer is not None:  # this share answers itself (an unresolved Gateway API backendRef)
            return {"outcome": "answer", "status": chosen.answer.status, "body": chosen.answer.body,
                    "reason": f"{reason}; the share of {chosen.ref} answers {chosen.answer.status}: "
                              f"{chosen.answer.why}", "backend": chosen.ref, "backends": action.backends}
        f = action.filters
        upstream_headers = ((("Host", f.host),) if f.host else ()) + (f.request_headers.set if f.request_headers else ())
        if result.table.forwarded_headers:
            upstream_headers += (("X-Forwarded-For", request.client), ("X-Real-IP", request.client),
                                 ("X-Forwarded-Proto", request.access_scheme or request.scheme))
            if request.forwarded_host:  # $best_http_host: the Host the Pod sees (unless upstream-vhost)
                upstream_headers += ((("Host", request.forwarded_host),) if not f.host else ()) + \
                    (("X-Forwarded-Host", request.forwarded_host),)
        fields = {"outcome": "forward", "reason": f"{reason}; forwarded to {chosen.ref}", "backend": chosen.ref,
                  "upstream_path": _upstream(action, result.matched_path, r), "backends": action.backends,
                  "upstream_headers": upstream_headers}
        if r is not None and r.policy is not None:  # nginx enable-cors: its headers on every answer too
            fields["response_headers"] = r.policy.response_headers(request)
        return fields
    if isinstance(action, Redirect):
        return {"outcome": "redirect", "status": action.code,
                "location": _location(action, request, result.matched_path)}
    if isinstance(action, Respond):
        headers = tuple((name, _variable(value, request)) for name, value in action.headers)
        return {"outcome": "answer", "status": action.status, "body": action.body,
                "response_headers": headers, "content_type": action.content_type}
    assert isinstance(action, Refuse)
    return {"outcome": "refused"}


def _forwarded(request: Request) -> Request:
    """nginx use-forwarded-headers (realip, every address trusted): the first X-Forwarded-For address is the
    client, and X-Forwarded-Proto the scheme the HTTPS redirect looks at (lua_ingress pass_access_scheme)."""
    import dataclasses
    import ipaddress

    client, proto, host = request.client, None, None
    for name, value in request.headers:
        lower = name.lower()
        if lower == "x-forwarded-host":
            host = value.split(",")[0].strip() or None
        elif lower == "x-forwarded-for":
            first = value.split(",")[0].strip()
            try:
                client = str(ipaddress.ip_address(first))
            except ValueError:
                pass
        elif lower == "x-forwarded-proto":
            proto = value.strip().lower()
    if client == request.client and proto is None and host is None:
        return request
    return dataclasses.replace(request, client=client, access_scheme=proto, forwarded_host=host)


def _variable(value: str, request: Request) -> str:
    """nginx's `$http_<name>`: the request header of that name ("-" and "_" alike), else the value itself."""
    if not value.startswith("$http_"):
        return value
    wanted = value[len("$http_"):].lower()
    return next((v for k, v in request.headers if k.lower().replace("-", "_") == wanted), "")


def _chosen(backends: tuple[WeightedBackend, ...], request: Request) -> WeightedBackend:
    """The backend of a weighted set this request goes to: the heaviest, unless the request draws one.

    `Request.sample` (0 <= x < 1) picks by weight, as the proxy does for each request
    (nginx canary-weight, Gateway API backendRef weights); without it the answer is
    the backend most requests reach, so `route` stays reproducible.
    """
    if len(backends) == 1:
        return backends[0]
    total = sum(b.weight for b in backends)
    if request.sample is None or total <= 0:
        return max(backends, key=lambda b: b.weight)
    point = request.sample * total
    for b in backends:
        point -= b.weight
        if point < 0:
            return b
    return backends[-1]


def _upstream(action: Forward, path: str, r: Route | None) -> str:
    rewrite = action.filters.rewrite
    if rewrite is None:
        return path
    if rewrite.full is not None:
        return rewrite.full
    if rewrite.prefix is not None and r is not None:
        matched = r.match.path.value.rstrip("/")
        rest = path[len(matched):] if path.startswith(matched) else path
        joined = rewrite.prefix.rstrip("/") + rest if rest else rewrite.prefix
        return joined or "/"
    if rewrite.regex is None:
        return path
    match = rewrite.regex.search(path)
    if match is None:
        return path
    groups = match.groups()

    def group(m: Any) -> str:
        index = int(m.group(1))
        return (groups[index - 1] or "") if 0 < index <= len(groups) else ""

    import re

    upstream = re.sub(r"\$(\d)", group, rewrite.replacement)
    return upstream if upstream.startswith("/") else "/" + upstream


def _location(redirect: Redirect, request: Request, path: str) -> str:
    scheme = redirect.scheme or request.scheme
    if redirect.scheme is None and redirect.host is None and redirect.port is None:
        authority = request.host  # as sent, port and all
    else:  # nginx use-forwarded-headers: its HTTPS redirect names $best_http_host (X-Forwarded-Host)
        host = redirect.host or (request.forwarded_host and host_of(request.forwarded_host)
                                 if redirect.scheme == "https" else None) or request.hostname
        port = redirect.port
        if port is None and redirect.scheme is None:
            _, sep, given = request.host.rpartition(":")
            port = int(given) if sep and given.isdigit() else None
        default = 443 if scheme == "https" else 80
        if redirect.explicit_port and port is None:
            port = default
        authority = host if port is None or (port == default and not redirect.explicit_port) else f"{host}:{port}"
    new_path = path
    if redirect.path is not None:
        new_path = redirect.path
    elif redirect.prefix is not None:
        matched, replacement = redirect.prefix
        new_path = replacement.rstrip("/") + path[len(matched.rstrip("/")):] or "/"
    shown = "" if new_path == "/" and not redirect.keep_root_slash else new_path
    query = f"?{request.query}" if request.query and redirect.keep_query else ""
    if redirect.drop_trailing_slash and not query and shown.endswith("/"):
        shown = shown[:-1]
    return f"{scheme}://{authority}{shown}{query}"


# ---------------------------------------------------------------- entry points


def entry_point_for(table: RouteTable, host: str, wanted: str | None = None) -> str | None:
    """The name of the entry point a request for `host` reaches (the address its DNS name gives), if any."""
    ep, _ = _pick_entry_point(table, host, wanted)
    return ep.name if ep is not None else None


def _pick_entry_point(table: RouteTable, host: str, wanted: str | None) -> tuple[EntryPoint | None, str]:
    eps = table.entry_points
    if not eps:
        return None, ""
    if len(eps) == 1 and table.shared:
        note = ""
        if wanted:
            note = (f"{table.title} serves every Ingress from one shared address; "
                    f"--ingress {wanted} does not change where the request goes")
        return next(iter(eps.values())), note
    if wanted:
        ep = eps.get(wanted)
        if ep is not None:
            return ep, f"sent to the load balancer of {wanted}, as asked"
        names = ", ".join(eps)
        return None, f"no load balancer for {wanted} (served Ingresses: {names or 'none'})"
    named = [ep for ep in eps.values() if ep.hosts is not None and host in ep.hosts.hosts]
    if not named:
        named = [ep for ep in eps.values() if ep.hosts is not None
                 and any(ep.hosts.virtual_host(host)[0] is v for v in ep.hosts.wildcards.values())]
    why = "each Ingress is its own load balancer with its own address; "
    if named:
        ep = named[0]
        others = f" ({len(named) - 1} other Ingress(es) name it too; use --ingress to pick)" if len(named) > 1 else ""
        return ep, why + f"sent to the address of {ep.name}, whose rules name host {host}{others}"
    ep = next(iter(eps.values()))
    return ep, why + f"no Ingress names host {host}; sent to the address of {ep.name} (use --ingress to pick)"


__all__ = ["BackendRef", "RouteResult", "entry_point_for", "route"]
