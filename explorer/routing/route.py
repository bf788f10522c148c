"""The one routing function: which backend a request reaches, and why.

The proxy, `ingress-explorer route`, the diagram and the lesson checks all
call `route()`. The decision is cheap (compiled lookups); its trace, which
walks every candidate to explain the answer, is built only when read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from explorer.model.objects import Ingress, IngressBackend
from explorer.model.state import ClusterState
from explorer.routing.compiled import (
    FORCE_SSL_REDIRECT, PRESERVE_TRAILING_SLASH, REWRITE_TARGET, SSL_REDIRECT, DefaultBackend,
    LoadBalancer, PathEntry, Router, Server,
)
from explorer.routing.decision import BackendRef, Decision
from explorer.routing.paths import element_prefixes, url_map_glob_keys
from explorer.routing.profile import ControllerProfile
from explorer.routing.request import Request, normalize_path

_CACHE_ATTR = "_compiled_routers"


def router_for(state: ClusterState, profile: ControllerProfile) -> Router:
    """The compiled router of this snapshot, built on first use and kept with it."""
    cache = state.__dict__.setdefault(_CACHE_ATTR, {})
    router = cache.get(profile.name)
    if router is None or router.profile is not profile:
        router = cache[profile.name] = Router(state, profile)
    return router


def route(
    state: ClusterState, profile: ControllerProfile, request: Request, ingress: str | None = None
) -> Decision:
    """Route one request. `ingress` ("namespace/name") picks a load balancer where each Ingress has its own."""
    from explorer.routing.explain import explain  # the trace is only built when asked for

    router = router_for(state, profile)
    result = _route(router, request, ingress)
    decision = Decision(request=request, profile=profile.name, _explain=lambda d: explain(router, d, result), **result.fields)
    return decision


@dataclass
class RouteResult:
    """What the matcher found; the trace builder reads it to explain the decision."""

    fields: dict
    lb: LoadBalancer | None
    server: Server | None
    server_why: str
    path: str  # the path matched against (after normalisation)
    entry: PathEntry | None
    lb_why: str


def _route(router: Router, request: Request, wanted: str | None) -> RouteResult:
    p = router.profile
    host = request.hostname
    path = normalize_path(request.path, p.decode_percent, p.merge_slashes)
    lb, lb_why = _pick_load_balancer(router, host, wanted)

    def done(outcome: str, reason: str, server: Server | None = None, server_why: str = "",
             entry: PathEntry | None = None, **kw: object) -> RouteResult:
        fields = dict(outcome=outcome, reason=reason, load_balancer=lb.name if lb else "", **kw)
        return RouteResult(fields, lb, server, server_why, path, entry, lb_why)

    if lb is None:
        if p.load_balancer_per_ingress:
            return done("refused", f"no Ingress is served by {p.title}, so no load balancer exists to answer")
        return done("answer", f"no Ingress is served by {p.title}; its default backend answers 404",
                    status=404, body=p.default_backend_body, used_default_backend="controller")
    if lb.translation_errors:
        return done("refused", f"{p.title} could not translate {lb.name} (Translation failed: invalid ingress spec: "
                    f"{', '.join(lb.translation_errors)}), so its load balancer is not programmed: a new Ingress "
                    "gets no address, and one that worked before keeps its last good configuration")
    if request.scheme == "http" and not lb.http_enabled:
        return done("answer", f"kubernetes.io/ingress.allow-http is \"false\" on {lb.name}: GKE made no HTTP "
                    "front end, and Google's front end answers plain HTTP with 404", status=404,
                    body="404. That's an error.")
    if request.scheme == "https" and not lb.https_enabled:
        return done("refused", f"{lb.name} has no certificate (no spec.tls, pre-shared or managed certificate), "
                    "so GKE made no HTTPS front end: port 443 is closed")
    if request.scheme == "http" and lb.https_redirect:
        return done("redirect", f"the FrontendConfig of {lb.name} redirects HTTP to HTTPS",
                    status=lb.https_redirect, location=_https_location(request, path, keep_root_slash=True))

    server, server_why = lb.server_for(host, p.wildcard_host_labels)
    entry, redirect = (None, None)
    if server is not None:
        entry, redirect = _match(router, server, path)
    if redirect is not None:
        query = f"?{request.query}" if request.query else ""
        return done("redirect", f"Prefix {redirect} ends with a slash and {path} was asked for: nginx answers "
                    f"301 with the slash added", server, server_why, status=301,
                    location=f"{request.scheme}://{request.host}{redirect}{query}")

    if entry is not None:
        owner = entry.ingress
        what = f"{entry.http_path.path_type} {entry.http_path.shown_path}"
        tls_redirect = _tls_redirect(router, server, owner, request)
        if tls_redirect:
            return done("redirect", tls_redirect, server, server_why, entry, ingress=owner, path=entry.http_path,
                        rule_host=entry.rule_host, status=p.tls_redirect_status,
                        location=_https_location(request, path, owner.annotation(PRESERVE_TRAILING_SLASH) == "true"))
        ref = _ref(owner, entry.backend)
        upstream = _upstream(entry, path)
        reason = f"{what} in {owner.meta.key} matches {path}"
        if entry.rule_host:
            reason = f"host {entry.rule_host} and {reason}"
        return _forward_or_503(router, done, reason, server, server_why, entry, owner, ref, upstream,
                               path=entry.http_path, rule_host=entry.rule_host)

    default, default_why = _default_for(router, lb, server)
    if default is not None:
        tls_redirect = _tls_redirect(router, server, default.ingress, request) if server else None
        if tls_redirect:
            return done("redirect", tls_redirect, server, server_why, ingress=default.ingress,
                        status=p.tls_redirect_status, location=_https_location(request, path, False),
                        used_default_backend="ingress")
        ref = _ref(default.ingress, default.backend)
        return _forward_or_503(router, done, default_why, server, server_why, None, default.ingress, ref, path,
                               used_default_backend="ingress")
    if server is not None:
        tls_redirect = _tls_redirect(router, server, None, request)
        if tls_redirect:
            return done("redirect", tls_redirect, server, server_why, status=p.tls_redirect_status,
                        location=_https_location(request, path, False))
    return done("answer", default_why, server, server_why, status=404, body=p.default_backend_body,
                used_default_backend="controller")


def _forward_or_503(router: Router, done, reason: str, server: Server | None, server_why: str,
                    entry: PathEntry | None, owner: Ingress, ref: BackendRef, upstream: str, **kw) -> RouteResult:
    p = router.profile
    if p.bad_backend == "503":
        service = router.state.service(ref.namespace, ref.service)
        problem = None
        if service is None:
            problem = f"Service {ref.namespace}/{ref.service} does not exist"
        elif ref.backend is not None and ref.backend.service is not None \
                and service.find_port(ref.backend.service) is None:
            ports = ", ".join(str(port) for port in service.ports) or "none"
            problem = f"Service {ref.service} has no port {ref.port}; its ports are {ports}"
        if problem:
            return done("answer", f"{reason}, but {problem}: {p.title} answers 503", server, server_why, entry,
                        ingress=owner, backend=ref, status=503,
                        body="503 Service Temporarily Unavailable", **kw)
    return done("forward", f"{reason}; forwarded to {ref}", server, server_why, entry, ingress=owner,
                backend=ref, upstream_path=upstream, **kw)


def _pick_load_balancer(router: Router, host: str, wanted: str | None) -> tuple[LoadBalancer | None, str]:
    lbs = router.load_balancers
    if not lbs:
        return None, ""
    if len(lbs) == 1 and not router.profile.load_balancer_per_ingress:
        note = ""
        if wanted:
            note = (f"{router.profile.title} serves every Ingress from one shared address; "
                    f"--ingress {wanted} does not change where the request goes")
        return next(iter(lbs.values())), note
    if wanted:
        lb = lbs.get(wanted)
        if lb is not None:
            return lb, f"sent to the load balancer of {wanted}, as asked"
        names = ", ".join(lbs)
        return None, f"no load balancer for {wanted} (served Ingresses: {names or 'none'})"
    labels = router.profile.wildcard_host_labels
    named = [lb for lb in lbs.values() if host in lb.hosts]
    if not named:
        named = [lb for lb in lbs.values() if any(lb.server_for(host, labels)[0] is s
                                                  for s in lb.wildcards.values())]
    why = "each Ingress is its own load balancer with its own address; "
    if named:
        lb = named[0]
        others = f" ({len(named) - 1} other Ingress(es) name it too; use --ingress to pick)" if len(named) > 1 else ""
        return lb, why + f"sent to the address of {lb.name}, whose rules name host {host}{others}"
    lb = next(iter(lbs.values()))
    return lb, why + f"no Ingress names host {host}; sent to the address of {lb.name} (use --ingress to pick)"


def _match(router: Router, server: Server, path: str) -> tuple[PathEntry | None, str | None]:
    """The winning entry of one server for `path`, or a trailing-slash redirect target."""
    p = router.profile
    if server.regex is not None:
        return next((e for e in server.regex if e.regex is not None and e.regex.match(path)), None), None
    exact = server.exact.get(path)
    if exact:
        return pick_exact(exact, p.same_path_conflict), None
    if p.path_matching == "url-map":
        for key in url_map_glob_keys(path):
            entry = server.globs.get(key)
            if entry is not None:
                return entry, None
        return None, None
    for key in element_prefixes(path):
        entries = server.prefix.get(key)
        if not entries:
            continue
        if key == path and p.trailing_slash_redirect and all(e.slash for e in entries):
            return None, path + "/"
        return pick_prefix(entries), None
    return None, None


def pick_exact(entries: list[PathEntry], conflict: str) -> PathEntry:
    if conflict == "exact-wins":
        return min(entries, key=lambda e: (e.http_path.path_type != "Exact", e.age))
    return entries[-1]


def pick_prefix(entries: list[PathEntry]) -> PathEntry:
    """Same element-wise key: the longer written path (`/foo/` over `/foo`) wins, then the oldest."""
    return min(entries, key=lambda e: (-len(e.http_path.path or "/"), e.age))


def _default_for(router: Router, lb: LoadBalancer, server: Server | None) -> tuple[DefaultBackend | None, str]:
    p = router.profile
    where = "no rule path matches" if server is not None else "no rule host matches"
    candidates: list[tuple[DefaultBackend | None, str]] = []
    if p.default_backend_scope == "load-balancer":
        candidates.append((lb.default, f"the spec.defaultBackend of {lb.name} (it covers the whole load balancer)"))
    elif server is not None:
        scope = "of its catch-all server" if not server.host else f"of host {server.host}"
        candidates.append((server.default, f"the spec.defaultBackend of {{ing}}, the default {scope}"))
    elif lb.catch_all.default is not None:
        candidates.append((lb.catch_all.default, "the spec.defaultBackend of {ing}, which has no rules and so "
                                                 "becomes the catch-all server's default"))
    for default, text in candidates:
        if default is not None:
            if default.skip:
                return None, f"{where}; {default.skip}; {p.title}'s default backend answers 404"
            return default, f"{where}: {text.format(ing=default.ingress.meta.key)} answers"
    if server is not None and server.host and p.default_backend_scope == "own-hosts":
        return None, f"{where} for host {server.host}, and no Ingress for it sets a defaultBackend: " \
                     f"{p.title}'s default backend answers 404"
    return None, f"{where}: {p.title}'s default backend ({p.default_backend_name}) answers 404"


def _tls_redirect(router: Router, server: Server | None, owner: Ingress | None, request: Request) -> str | None:
    p = router.profile
    if request.scheme != "http" or p.tls_redirect_status is None:
        return None
    if owner is not None and owner.annotation(FORCE_SSL_REDIRECT) == "true":
        return f"{FORCE_SSL_REDIRECT} is \"true\" on {owner.meta.key}: plain HTTP is redirected to HTTPS"
    if server is None or server.tls is None:
        return None
    if owner is not None and owner.annotation(SSL_REDIRECT) == "false":
        return None
    tls_owner, tls = server.tls
    return (f"host {server.host} has TLS ({tls.field} of {tls_owner.meta.key}), so {p.title} redirects plain "
            f"HTTP to HTTPS with {p.tls_redirect_status} (set {SSL_REDIRECT}: \"false\" to stop it)")


def _https_location(request: Request, path: str, keep_root_slash: bool) -> str:
    host = request.hostname
    shown = "" if path == "/" and not keep_root_slash else path
    query = f"?{request.query}" if request.query else ""
    return f"https://{host}{shown}{query}"


def _ref(ingress: Ingress, backend: IngressBackend) -> BackendRef:
    svc = backend.service
    assert svc is not None
    return BackendRef(ingress.meta.namespace, svc.name, svc.port, backend)


def _upstream(entry: PathEntry, path: str) -> str:
    target = entry.ingress.annotation(REWRITE_TARGET)
    if not target or entry.regex is None:
        return path
    match = re.search(entry.regex.pattern.lstrip("^"), path, re.IGNORECASE)
    if match is None:
        return path
    groups = match.groups()

    def group(m: re.Match[str]) -> str:
        index = int(m.group(1))
        return (groups[index - 1] or "") if 0 < index <= len(groups) else ""

    upstream = re.sub(r"\$(\d)", group, target)
    return upstream if upstream.startswith("/") else "/" + upstream
