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

from typing import Any

from explorer.routing.decision import ANSWER_DEFAULTS, BackendRef, Decision, TraceEntry
from explorer.routing.paths import url_map_glob_keys
from explorer.routing.request import HOST_MEMO, Request, host_of, normalize_path
from explorer.routing.table import (
    Action, Condition, EntryPoint, Forward, HostIndex, Redirect, Refuse, Respond, Route, RouteTable, VirtualHost,
    WeightedBackend,
)


class RouteResult(Decision):
    """The Decision the evaluator makes: what it found, from which the answer is worded on first read
    and the trace (`explorer.routing.explain`) is built."""

    __slots__ = ("table", "entry_point", "lb_why", "vhost", "condition", "hosts", "hostname", "early", "unheard")

    def __init__(self, request: Request, table: RouteTable, entry_point: EntryPoint | None, lb_why: str,
                 path: str) -> None:
        self.request = request
        self.profile = table.profile.name
        self.load_balancer = entry_point.name if entry_point is not None else ""
        self.matched_path = path  # the path matched against (after normalisation)
        self.route = None  # the route that answered (a rule, a fallback, an implicit route)
        self._trace = None
        self.table = table
        self.entry_point = entry_point
        self.lb_why = lb_why
        self.vhost: VirtualHost | None = None
        #: The condition that answered, if one did (known once the answer is worded).
        self.condition: Condition | None = None
        #: The listener whose host index was asked, and the host asked for: `vhost_why` is worded from them.
        self.hosts: HostIndex | None = None
        self.hostname = ""
        #: A condition of the entry point or listener that answers before any route (found with the route).
        self.early: Condition | None = None
        #: No listener for the request's scheme.
        self.unheard = False

    @property
    def vhost_why(self) -> str:
        """How the virtual host was picked, worded only when a trace is read (a string per request saved)."""
        return self.hosts.virtual_host(self.hostname)[1] if self.hosts is not None else ""

    def _answer(self) -> dict[str, Any]:
        ep, request = self.entry_point, self.request
        if self.early is not None:
            return _complete(_condition(self, None, self.early, request), None)
        if self.unheard:
            assert ep is not None
            return _complete({"outcome": "refused", "reason": f"{ep.name} has no {request.scheme} listener"}, None)
        assert self.route is not None
        return _answer(self, self.route, request)

    def _explain(self) -> list[TraceEntry]:
        from explorer.routing.explain import explain  # only when a trace is read: not on the fast path

        return explain(self, self)


def route(table: RouteTable, request: Request, entry_point: str | None = None) -> Decision:
    """Route one request. `entry_point` names the load balancer (or Gateway) it is sent to, when several exist.

    Finds the answering route (or the condition that answers first); the Decision words
    the answer when it is first read.
    """
    if table.forwarded_headers:
        request = _forwarded(request)
    path = request.path
    if path[:1] != "/" or "%" in path or "//" in path or "/." in path:  # else nothing to normalise: most requests
        path = normalize_path(path, table.decode_percent, table.merge_slashes)
    hostname = HOST_MEMO.get(request.host) or host_of(request.host)  # host_of's memo, without its call
    ep = table.single
    if ep is not None and entry_point is None:
        result = RouteResult(request, table, ep, "", path)
    else:
        ep, lb_why = _pick_entry_point(table, hostname, entry_point)
        result = RouteResult(request, table, ep, lb_why, path)
        if ep is None:
            assert table.nothing is not None
            result.route = table.nothing
            return result
    # The route (or the condition) that answers; the answer's words wait for a read (RouteResult._answer).
    for condition in ep.conditions:
        if condition.applies(request):
            result.early = condition
            return result
    listener = ep.listeners.get(request.scheme)
    if listener is None:
        result.unheard = True
        return result
    for condition in listener.conditions:
        if condition.applies(request):
            result.early = condition
            return result
    hosts = result.hosts = listener.hosts
    result.hostname = hostname
    vhost = hosts.hosts.get(hostname)  # the common case, as virtual_host() starts; it also words the why
    if vhost is None:
        vhost = hosts.virtual_host(hostname)[0]
    result.vhost = vhost
    if vhost is None:
        assert ep.fallback is not None
        result.route = ep.fallback
        return result
    found = _match(vhost, path, request)
    if found is None:
        assert vhost.fallback is not None
        found = vhost.fallback
    result.route = found
    return result


def _match(vhost: VirtualHost, path: str, request: Request) -> Route | None:
    """The first route of the virtual host's path index that accepts the request.

    The per-request hot loop, on the virtual host's flattened index (`_flatten`): a key whose
    first route asks no more than host and path gives that route straight, without touching
    its list or its match (fewer objects read per request: a 10,000-path table is memory-bound).
    """
    index = vhost.lookup
    if index is None:
        index = vhost.lookup = _flatten(vhost)
    if index is False:
        return _walk(vhost, path, request)
    assert not isinstance(index, bool)
    exact, prefix = index
    hit = exact.get(path)
    if hit is not None:
        if hit.__class__ is not list:
            return hit  # type: ignore[no-any-return]
        found = _first(hit, request)
        if found is not None:
            return found
    if prefix:
        # element_prefixes(path), longest first, walked without making the list
        key = path.rstrip("/")
        while True:
            hit = prefix.get(key)
            if hit is not None:
                if hit.__class__ is not list:
                    return hit  # type: ignore[no-any-return]
                found = _first(hit, request)
                if found is not None:
                    return found
            if not key:
                return None
            key = key[: key.rfind("/")]
    return None


def _flatten(vhost: VirtualHost) -> tuple[dict[str, Any], dict[str, Any]] | bool:
    """The exact and prefix indexes with each key's route list replaced by its first route when that one
    accepts every request (unguarded); False for a regex or URL-map virtual host (walked as compiled)."""
    if vhost.regex is not None or vhost.globs:
        return False

    def flat(index: dict[str, list[Route]]) -> dict[str, Any]:
        return {key: routes if routes[0].match.guarded else routes[0] for key, routes in index.items() if routes}

    return flat(vhost.exact), flat(vhost.prefix)


def _walk(vhost: VirtualHost, path: str, request: Request) -> Route | None:
    """`_match` on the indexes as compiled: the regex list, or exact, URL-map globs and prefix in turn."""
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


def _answer(result: RouteResult, r: Route, request: Request) -> dict[str, Any]:
    """The answer fields of route `r` for `request` (every field: the Decision takes the dict whole)."""
    result.route = r
    condition = None
    for c in r.conditions:
        if c.applies(request):
            condition = result.condition = c
            break
    key = id(condition)
    known = r.answers.get(key, _UNKNOWN)
    if known is _UNKNOWN:
        # nginx use-forwarded-headers (the client's addresses reach the Pod) and a route's upstream policy
        # (CORS headers by the request's Origin) make every answer depend on more than the path.
        varies = result.table.forwarded_headers or r.policy is not None
        known = r.answers[key] = None if varies else _constant(r, condition)
    if known is not None:  # the answer is the route's whatever the request, but for its path
        fields, tail, whole = known
        path = result.matched_path
        if whole is None:
            whole = (r.why or r.matches_text + path) + tail
        return {**fields, "reason": whole, "upstream_path": path} if fields["outcome"] == "forward" \
            else {**fields, "reason": whole}
    if condition is not None:
        fields = _condition(result, r, condition, request)
    else:
        fields = _about(r)
        fields["reason"] = reason = _reason(r, result.matched_path)
        if r.default is not None:
            fields["used_default_backend"] = r.default
        fields.update(_action(r.action, reason, result, request, r))
    return _complete(fields, r)


_UNKNOWN: Any = object()


def _complete(fields: dict[str, Any], r: Route | None) -> dict[str, Any]:
    """Every field of a Decision's answer: the route's annotations and body limit, the rest's defaults."""
    if r is not None:
        fields.setdefault("annotations", r.annotations)
        if r.body_limit is not None:
            fields.setdefault("max_body", r.body_limit.max_body_bytes)
    return {**ANSWER_DEFAULTS, **fields}


def _constant(r: Route, condition: Condition | None) -> tuple[dict[str, Any], str, str | None] | None:
    """What route `r` answers (under `condition`, when one applies) if that depends on the request only
    through its path: the fields but the reason (the same `_condition` and `_action` give), the reason's end
    after the route's own words, or the whole reason when it is fixed. None when the request matters more
    (a redirect's location, a weighted backend, a rewrite, a `$http_` header, a share that answers)."""
    action = condition.answer if condition is not None else r.action
    fields = _about(r)
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
                       + (f.request_headers.set if f.request_headers else ())})
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
    whole = None
    if condition is not None and not condition.joins:
        whole = condition.why
    elif r.why:
        whole = r.why + tail
    return _complete(fields, r), tail, whole


def _condition(result: RouteResult, r: Route | None, condition: Condition, request: Request) -> dict[str, Any]:
    result.condition = condition
    fields = _about(r) if r is not None else {}
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
