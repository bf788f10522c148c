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
from explorer.routing import nginx
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

    www = router.www_redirects.get(host)
    if www is not None and router.nginx is not None:
        to_host, www_owner = www
        return done("redirect", f"nginx.ingress.kubernetes.io/from-to-www-redirect on {www_owner.meta.key}: nginx "
                    f"has a server for {host} that only redirects to {to_host} (with the port it listens on)",
                    ingress=www_owner, status=router.nginx.redirect_code, location=nginx.www_location(request, to_host),
                    annotations=_reports(router, www_owner))

    server, server_why = lb.server_for(host, p.wildcard_host_labels)
    entry, redirect = (None, None)
    if server is not None and path == "/" and router.nginx is not None:
        root = _app_root(router, server)
        if root is not None:
            root_owner, app_root = root
            return done("redirect", f"nginx.ingress.kubernetes.io/app-root {app_root!r} on {root_owner.meta.key}: "
                        "the server answers / with 302 to it, before any path is matched", server, server_why,
                        ingress=root_owner, status=302, location=f"{request.scheme}://{request.host}{app_root}",
                        annotations=_reports(router, root_owner))
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
        parsed = router.parsed(owner)
        matched = f"{what} in {owner.meta.key} matches {path}"
        extra: dict[str, object] = {}
        if parsed is not None:
            extra = dict(annotations=tuple(parsed.reports), max_body=parsed.body_size)
            answer = nginx.body_too_large(parsed, request) or nginx.location_rewrite(parsed, owner.meta.key)
            if answer is not None:
                return _answered(done, answer, f"{matched}; ", server, server_why, entry, owner, **extra)
        tls_redirect = _tls_redirect(router, server, owner, request)
        if tls_redirect:
            preserve = parsed.preserve_trailing_slash if parsed is not None \
                else owner.annotation(PRESERVE_TRAILING_SLASH) == "true"
            return done("redirect", tls_redirect, server, server_why, entry, ingress=owner, path=entry.http_path,
                        rule_host=entry.rule_host, status=_tls_status(router),
                        location=_https_location(request, path, preserve), **extra)
        if parsed is not None:
            answer = nginx.access(parsed, request, router.state, owner.meta.key)
            if answer is not None:
                return _answered(done, answer, f"{matched}; ", server, server_why, entry, owner, **extra)
        ref = _ref(owner, entry.backend)
        upstream = _upstream(entry, path)
        reason = matched
        if entry.rule_host:
            reason = f"host {entry.rule_host} and {reason}"
        if parsed is not None:
            ref, reason = _canary(router, ref, request, reason, extra)
            headers = []
            if parsed.x_forwarded_prefix:
                headers.append(("X-Forwarded-Prefix", parsed.x_forwarded_prefix))
            if parsed.upstream_vhost:
                headers.append(("Host", parsed.upstream_vhost))
            extra["upstream_headers"] = tuple(headers)
        return _forward_or_503(router, done, reason, server, server_why, entry, owner, ref, upstream,
                               path=entry.http_path, rule_host=entry.rule_host, **extra)

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
    return done("answer", default_why + _not_there(router, host), server, server_why, status=404,
                body=p.default_backend_body, used_default_backend="controller")


def _reports(router: Router, ingress: Ingress) -> tuple[object, ...]:
    parsed = router.parsed(ingress)
    return tuple(parsed.reports) if parsed is not None else ()


def _app_root(router: Router, server: Server) -> tuple[Ingress, str] | None:
    for entry in sorted(server.entries, key=lambda e: e.age):
        parsed = router.parsed(entry.ingress)
        if parsed is not None and parsed.app_root:
            return entry.ingress, parsed.app_root
    return None


def _answered(done, answer: nginx.Answer, prefix: str, server: Server | None, server_why: str,
              entry: PathEntry | None, owner: Ingress, **extra: object) -> RouteResult:
    html = answer.body.startswith("<html>")
    return done(answer.outcome, prefix + answer.reason, server, server_why, entry, ingress=owner,
                path=entry.http_path if entry else None, rule_host=entry.rule_host if entry else None,
                status=answer.status, location=answer.location, body=answer.body.rstrip("\n") or None,
                response_headers=answer.headers, content_type="text/html" if html else "text/plain", **extra)


def _canary(router: Router, ref: BackendRef, request: Request, reason: str,
            extra: dict[str, object]) -> tuple[BackendRef, str]:
    """balancer.lua: the mainline's upstream may have a canary (alternative backend) from another Ingress."""
    found = router.canary_for.get((ref.namespace, ref.service, ref.port))
    if found is None:
        return ref, reason
    canary_ing, backend = found
    canary_parsed = router.parsed(canary_ing)
    assert canary_parsed is not None and canary_parsed.canary is not None and backend.service is not None
    canary_ref = BackendRef(canary_ing.meta.namespace, backend.service.name, backend.service.port, backend)
    choice = nginx.choose_canary(canary_parsed.canary, request)
    extra["annotations"] = tuple(extra.get("annotations", ())) + tuple(  # type: ignore[arg-type]
        r for r in canary_parsed.reports)
    said = f"{reason}; its upstream {ref} has the canary {canary_ing.meta.key} ({canary_ref})"
    if choice.to_canary is True:
        extra["backends"] = ((canary_ref, 1.0),)
        return canary_ref, f"{said}: {choice.reason}, so the canary answers"
    if choice.to_canary is False:
        extra["backends"] = ((ref, 1.0),)
        return ref, f"{said}: {choice.reason}, so the mainline answers"
    extra["backends"] = ((ref, round(1 - choice.share, 6)), (canary_ref, round(choice.share, 6)))
    return ref, f"{said}: {choice.reason} (route names the mainline; serve splits for real)"


def _tls_status(router: Router) -> int | None:
    return router.nginx.redirect_code if router.nginx is not None else router.profile.tls_redirect_status


def _not_there(router: Router, host: str) -> str:
    """A 404 because an Ingress for this host was refused, or is a canary without mainline: say so."""
    notes = []
    for served in router.classes:
        if not served.served and router.nginx is not None and "refuses this Ingress" in served.why and \
                any(rule.host == host for rule in served.ingress.rules):
            notes.append(f"{served.ingress.meta.key} names host {host} but {served.why}")
    for canary, what, why in router.canary_orphans:
        if any(rule.host == host for rule in canary.rules):
            notes.append(f"the canary {canary.meta.key} ({what}) has no mainline: {why}; nginx deletes its "
                         "upstream and never routes to it")
    return "".join(f"; {note}" for note in notes)


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
    parsed = router.parsed(owner) if owner is not None else None
    if parsed is not None:
        if parsed.force_ssl_redirect:
            return f"{FORCE_SSL_REDIRECT} is \"true\" on {owner.meta.key}: plain HTTP is redirected to HTTPS"  # type: ignore[union-attr]
    elif owner is not None and owner.annotation(FORCE_SSL_REDIRECT) == "true":
        return f"{FORCE_SSL_REDIRECT} is \"true\" on {owner.meta.key}: plain HTTP is redirected to HTTPS"
    status = _tls_status(router)
    if server is None or server.tls is None:
        if owner is None or not owner.tls or parsed is None or not parsed.ssl_redirect:
            return None
        # controller.go createServers: a host of an Ingress with a tls section gets the default certificate
        # when no tls entry names it, and lua_ingress redirects every host that has a certificate
        return (f"{owner.meta.key} has a tls section, and host {server.host if server else '?'} is not in its "
                f"tls.hosts: nginx gives it the default certificate and still redirects plain HTTP with {status} "
                f"(set {SSL_REDIRECT}: \"false\" to stop it)")
    if parsed is not None:
        if not parsed.ssl_redirect:
            return None
    elif owner is not None and owner.annotation(SSL_REDIRECT) == "false":
        return None
    tls_owner, tls = server.tls
    source = ""
    if router.nginx is not None and (owner is None or not owner.annotation(SSL_REDIRECT)):
        source = f"; {router.nginx.source('ssl-redirect')}"
    return (f"host {server.host} has TLS ({tls.field} of {tls_owner.meta.key}), so {p.title} redirects plain "
            f"HTTP to HTTPS with {status} (set {SSL_REDIRECT}: \"false\" to stop it{source})")


def _https_location(request: Request, path: str, keep_root_slash: bool) -> str:
    """lua_ingress.rewrite's Location: the request_uri as sent, one trailing slash dropped unless preserved."""
    return nginx.https_location(request, keep_root_slash)


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
