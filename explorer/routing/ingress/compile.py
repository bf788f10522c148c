"""Ingress + controller profile -> RouteTable.

What ingress-nginx and GKE build from the same Ingresses, written into the one
table shape: nginx merges every served Ingress into one shared load balancer of
server blocks and locations; GKE gives each Ingress its own load balancer and
URL map. Every difference is a profile field read here (see shared facts,
section 4); the evaluator never asks which controller it is.
"""

from __future__ import annotations

import re

from explorer.model.objects import HTTPIngressPath, Ingress, IngressBackend, IngressTLS
from explorer.model.state import ClusterState
from explorer.profiles import ControllerProfile
from explorer.routing.classes import serves
from explorer.routing.decision import BackendRef
from explorer.routing.ingress.annotations import (
    ALLOW_HTTP, FORCE_SSL_REDIRECT, FRONTEND_CONFIG, GKE_CERT_ANNOTATIONS, PRESERVE_TRAILING_SLASH,
    REWRITE_TARGET, SSL_REDIRECT, USE_REGEX,
)
from explorer.routing.paths import prefix_key, url_map_paths, wildcard_covers
from explorer.routing.table import (
    Action, Certificate, Condition, EntryPoint, Filters, Forward, HostIndex, Listener, Match, Origin, PathKind,
    PathMatch, Redirect, Refuse, Remark, Respond, RewritePath, Route, RouteTable, Served, VirtualHost,
    WeightedBackend,
)

_REDIRECT_CODES = {
    "MOVED_PERMANENTLY_DEFAULT": 301, "FOUND": 302, "SEE_OTHER": 303,
    "TEMPORARY_REDIRECT": 307, "PERMANENT_REDIRECT": 308,
}


def compile_ingresses(state: ClusterState, profile: ControllerProfile) -> RouteTable:
    """The RouteTable of every Ingress `profile`'s controller serves in `state`."""
    return _Compiler(state, profile).table


class _Compiler:
    def __init__(self, state: ClusterState, profile: ControllerProfile) -> None:
        self.state = state
        self.profile = profile
        p = profile
        ordered = sorted(state.ingresses, key=_age_key)
        served_list = [Served(i, *serves(i, state, p)) for i in ordered]
        served = [s.ingress for s in served_list if s.served]
        self.ages = {id(ingress): age for age, ingress in enumerate(served)}
        table = self.table = RouteTable("ingress", p, shared=not p.load_balancer_per_ingress, served=served_list,
                                        decode_percent=p.decode_percent, merge_slashes=p.merge_slashes)
        if any(not i.meta.creation_timestamp for i in served) and len(served) > 1:
            table.notes.append("Ingresses carry no creationTimestamp here, so their order in the files stands "
                               "for creation order (older wins conflicts)")
        controller = Origin("controller", "")
        if p.load_balancer_per_ingress:
            table.nothing = Route(controller, "", _ANY, Refuse(), why=(
                f"no Ingress is served by {p.title}, so no load balancer exists to answer"))
            for ingress in served:
                self._fill(EntryPoint(ingress.meta.key, _origin(ingress)), [ingress])
        else:
            table.nothing = Route(controller, "", _ANY, Respond(404, p.default_backend_body), default="controller",
                                  why=f"no Ingress is served by {p.title}; its default backend answers 404")
            self._fill(EntryPoint("shared", controller), served)

    # ------------------------------------------------------------ one load balancer

    def _fill(self, ep: EntryPoint, ingresses: list[Ingress]) -> None:
        p = self.profile
        self.table.entry_points[ep.name] = ep
        ep.ingresses = ingresses
        hosts = HostIndex(wildcard_labels=p.wildcard_host_labels)
        tls_hosts: dict[str, tuple[Ingress, IngressTLS]] = {}
        defaults: dict[int, tuple[Ingress, IngressBackend]] = {}  # id(VirtualHost) -> its defaultBackend
        lb_default: tuple[Ingress, IngressBackend] | None = None
        http_enabled, https_enabled, https_redirect = True, True, None
        certificates: list[Certificate] = []
        if p.bad_backend == "fails-translation":
            from explorer.routing.ingress.gke import translation_errors  # GKE's translator: imported for gce only

            ep.translation_errors = tuple(e for ingress in ingresses for e in translation_errors(self.state, p, ingress))
            if ep.translation_errors:
                ep.conditions = (Condition("not-programmed", Refuse(), (
                    f"{p.title} could not translate {ep.name} (Translation failed: invalid ingress spec: "
                    f"{', '.join(ep.translation_errors)}), so its load balancer is not programmed: a new Ingress "
                    "gets no address, and one that worked before keeps its last good configuration"),
                    joins=False),)
        for ingress in ingresses:
            age = self.ages[id(ingress)]
            seen_hosts: set[str] = set()
            for ri, rule in enumerate(ingress.rules):
                vhost = _virtual_host(hosts, rule.host)
                if rule.host in seen_hosts and p.duplicate_host_rules == "replace":
                    # GKE: a later rule for the same host overwrites the earlier one's paths
                    for old in [r for r in vhost.routes if r.origin.ingress is ingress]:
                        old.skip = old.skip or (
                            f"overwritten: a later rule in {ingress.meta.key} names host "
                            f"{rule.host or '*'} again, and GKE keeps only the later rule's paths"
                        )
                seen_hosts.add(rule.host)
                if rule.paths is None:
                    ep.listing.append(Remark(
                        f"rule {rule.field} for host {rule.host or '*'} has no http section: its requests go to "
                        "the default backend", Origin("Ingress", ingress.meta.key, rule.field, rule.location,
                                                      ingress), rule.host))
                    continue
                for http_path in rule.paths:
                    route = self._route(ingress, age, rule.host, http_path)
                    vhost.routes.append(route)
                    ep.listing.append(route)
            if ingress.default_backend is not None:
                default = (ingress, ingress.default_backend)
                if p.default_backend_scope == "load-balancer":
                    lb_default = lb_default or default
                elif not ingress.rules:
                    defaults.setdefault(id(hosts.catch_all), default)
                else:
                    for rule in ingress.rules:
                        if rule.host:
                            defaults.setdefault(id(_virtual_host(hosts, rule.host)), default)
            for tls in ingress.tls:
                for host in tls.hosts:
                    tls_hosts.setdefault(host, (ingress, tls))
                secret = f"{ingress.meta.namespace}/{tls.secret_name}" if tls.secret_name else ""
                certificates.append(Certificate(tuple(tls.hosts), secret, Origin(
                    "Ingress", ingress.meta.key, tls.field, tls.location, ingress)))
            if p.honours_allow_http and ingress.annotation(ALLOW_HTTP) == "false":
                http_enabled = False
            if p.https_needs_tls:
                https_enabled = bool(ingress.tls) or any(ingress.annotation(a) for a in GKE_CERT_ANNOTATIONS)
            if p.frontend_config_redirect:
                https_redirect = self._frontend_redirect(ingress)
        tls_of: dict[int, tuple[Ingress, IngressTLS]] = {}
        for vhost in [*hosts.hosts.values(), *hosts.wildcards.values()]:
            found = tls_hosts.get(vhost.host) or next(
                (v for h, v in tls_hosts.items()
                 if h.startswith("*.") and wildcard_covers(h, vhost.host, p.wildcard_host_labels)),
                None,
            )
            if found is not None:
                tls_of[id(vhost)] = found
        hosts.catch_all_used = bool(hosts.catch_all.routes) or id(hosts.catch_all) in defaults
        for vhost in hosts.all():
            vhost_tls = tls_of.get(id(vhost))
            for route in vhost.routes:
                if not route.skip:
                    route.conditions = self._conditions(route, vhost, vhost_tls, route.origin.ingress)
            self._index(vhost)
            vhost.fallback = self._fallback(vhost, vhost_tls, defaults.get(id(vhost)), lb_default)
        ep.fallback = self._fallback(None, None, defaults.get(id(hosts.catch_all)), lb_default)
        http_conditions: list[Condition] = []
        if not http_enabled:
            http_conditions.append(Condition("listener", Respond(404, "404. That's an error."), (
                f"kubernetes.io/ingress.allow-http is \"false\" on {ep.name}: GKE made no HTTP front end, and "
                "Google's front end answers plain HTTP with 404"), joins=False))
        if https_redirect:
            http_conditions.append(Condition("https-redirect", Redirect(https_redirect, scheme="https"),
                                             f"the FrontendConfig of {ep.name} redirects HTTP to HTTPS",
                                             frozenset({"http"}), joins=False))
        https_conditions: list[Condition] = []
        if not https_enabled:
            https_conditions.append(Condition("listener", Refuse(), (
                f"{ep.name} has no certificate (no spec.tls, pre-shared or managed certificate), so GKE made no "
                "HTTPS front end: port 443 is closed"), joins=False))
        ep.listeners = {
            "http": Listener("http", 80, hosts, conditions=tuple(http_conditions)),
            "https": Listener("https", 443, hosts, certificates=tuple(certificates),
                              conditions=tuple(https_conditions)),
        }

    # ------------------------------------------------------------ routes

    def _route(self, ingress: Ingress, age: int, host: str, hp: HTTPIngressPath) -> Route:
        kind: PathKind = "exact" if hp.path_type == "Exact" else "prefix"
        origin = Origin("Ingress", ingress.meta.key, hp.field, hp.location, ingress, hp)
        ref = _ref(ingress, hp.backend)
        action: Action = Forward((WeightedBackend(ref),)) if ref is not None else Refuse()
        route = Route(origin, host, Match(PathMatch(kind, hp.path or "/")), action, age=age)
        route.skip = self._skip_reason(hp, ingress)
        return route

    def _skip_reason(self, hp: HTTPIngressPath, ingress: Ingress) -> str:
        if not hp.path_type:
            return "the apiserver would refuse this path: its pathType is missing or invalid"
        if hp.path_type in ("Exact", "Prefix"):
            if hp.path is None:
                return f"the apiserver would refuse this path: pathType {hp.path_type} needs a path"
            if not hp.path.startswith("/"):
                return f"the apiserver would refuse this path: {hp.path!r} must be an absolute path"
        elif hp.path is not None and hp.path and not hp.path.startswith("/"):
            return f"the apiserver would refuse this path: {hp.path!r} must start with /"
        return self._backend_skip(hp.backend)

    def _backend_skip(self, backend: IngressBackend) -> str:
        if backend.resource is not None and backend.service is None:
            return f"{self.profile.title} does not serve resource backends ({backend.resource}); the path is skipped"
        if backend.service is None or not backend.service.name or not backend.service.port:
            return "the backend names no Service and port"
        return ""

    def _conditions(self, route: Route, vhost: VirtualHost | None, tls: tuple[Ingress, IngressTLS] | None,
                    owner: Ingress | None, keep_root_slash: bool | None = None) -> tuple[Condition, ...]:
        """What answers before forwarding: nginx's HTTPS redirect, then its 503 for a backend it cannot use."""
        out: list[Condition] = []
        redirect = self._tls_redirect(vhost, tls, owner) if vhost is not None else None
        if redirect is not None:
            if keep_root_slash is None:
                keep_root_slash = owner is not None and owner.annotation(PRESERVE_TRAILING_SLASH) == "true"
            out.append(Condition("https-redirect", Redirect(
                self.profile.tls_redirect_status or 308, scheme="https", keep_root_slash=keep_root_slash),
                redirect, frozenset({"http"}), joins=False))
        if isinstance(route.action, Forward) and self.profile.bad_backend == "503":
            problem = self._backend_problem(route.action.backends[0].ref)
            if problem:
                out.append(Condition("no-endpoints", Respond(503, "503 Service Temporarily Unavailable"),
                                     f"{problem}: {self.profile.title} answers 503", names_backend=True))
        return tuple(out)

    def _backend_problem(self, ref: BackendRef) -> str:
        service = self.state.service(ref.namespace, ref.service)
        if service is None:
            return f"Service {ref.namespace}/{ref.service} does not exist"
        if ref.backend is not None and ref.backend.service is not None \
                and service.find_port(ref.backend.service) is None:
            ports = ", ".join(str(port) for port in service.ports) or "none"
            return f"Service {ref.service} has no port {ref.port}; its ports are {ports}"
        return ""

    def _tls_redirect(self, vhost: VirtualHost, tls: tuple[Ingress, IngressTLS] | None,
                      owner: Ingress | None) -> str | None:
        p = self.profile
        if p.tls_redirect_status is None:
            return None
        if owner is not None and owner.annotation(FORCE_SSL_REDIRECT) == "true":
            return f"{FORCE_SSL_REDIRECT} is \"true\" on {owner.meta.key}: plain HTTP is redirected to HTTPS"
        if tls is None:
            return None
        if owner is not None and owner.annotation(SSL_REDIRECT) == "false":
            return None
        tls_owner, spec = tls
        return (f"host {vhost.host} has TLS ({spec.field} of {tls_owner.meta.key}), so {p.title} redirects plain "
                f"HTTP to HTTPS with {p.tls_redirect_status} (set {SSL_REDIRECT}: \"false\" to stop it)")

    def _fallback(self, vhost: VirtualHost | None, tls: tuple[Ingress, IngressTLS] | None,
                  own: tuple[Ingress, IngressBackend] | None,
                  lb_default: tuple[Ingress, IngressBackend] | None) -> Route:
        """What answers when no route of `vhost` (None: no virtual host at all) matches."""
        p = self.profile
        where = "no rule path matches" if vhost is not None else "no rule host matches"
        candidate: tuple[tuple[Ingress, IngressBackend], str] | None = None
        if p.default_backend_scope == "load-balancer":
            if lb_default is not None:
                candidate = (lb_default, "the spec.defaultBackend of {ing} (it covers the whole load balancer)")
        elif vhost is not None:
            scope = "of its catch-all server" if not vhost.host else f"of host {vhost.host}"
            if own is not None:
                candidate = (own, f"the spec.defaultBackend of {{ing}}, the default {scope}")
        elif own is not None:
            candidate = (own, "the spec.defaultBackend of {ing}, which has no rules and so becomes the catch-all "
                              "server's default")
        if candidate is not None:
            (ingress, backend), text = candidate
            skip = self._backend_skip(backend)
            if skip:
                return self._controller_route(vhost, tls, f"{where}; {skip}; {p.title}'s default backend answers 404")
            ref = _ref(ingress, backend)
            assert ref is not None
            origin = Origin("Ingress", ingress.meta.key, backend.field, backend.location, ingress)
            route = Route(origin, vhost.host if vhost else "", _ANY, Forward((WeightedBackend(ref),)),
                          age=self.ages[id(ingress)], default="ingress",
                          why=f"{where}: {text.format(ing=ingress.meta.key)} answers")
            route.conditions = self._conditions(route, vhost, tls, ingress, keep_root_slash=False)
            return route
        if vhost is not None and vhost.host and p.default_backend_scope == "own-hosts":
            why = (f"{where} for host {vhost.host}, and no Ingress for it sets a defaultBackend: "
                   f"{p.title}'s default backend answers 404")
        else:
            why = f"{where}: {p.title}'s default backend ({p.default_backend_name}) answers 404"
        return self._controller_route(vhost, tls, why)

    def _controller_route(self, vhost: VirtualHost | None, tls: tuple[Ingress, IngressTLS] | None,
                          why: str) -> Route:
        p = self.profile
        route = Route(Origin("controller", ""), vhost.host if vhost else "", _ANY,
                      Respond(404, p.default_backend_body), default="controller", why=why)
        route.conditions = self._conditions(route, vhost, tls, None, keep_root_slash=False)
        return route

    def _frontend_redirect(self, ingress: Ingress) -> int | None:
        name = ingress.annotation(FRONTEND_CONFIG)
        if not name:
            return None
        for other in self.state.others:
            if other.meta.kind == "FrontendConfig" and other.meta.name == name \
                    and other.meta.namespace == ingress.meta.namespace:
                spec = (other.meta.raw or {}).get("spec") or {}
                redirect = spec.get("redirectToHttps") or {}
                if isinstance(redirect, dict) and redirect.get("enabled") is True:
                    return _REDIRECT_CODES.get(str(redirect.get("responseCodeName") or ""), 301)
        return None

    # ------------------------------------------------------------ indexes

    def _index(self, vhost: VirtualHost) -> None:
        p = self.profile
        usable = [r for r in vhost.routes if not r.skip]
        if p.path_matching == "url-map":
            for r in usable:
                hp = r.origin.http_path
                assert hp is not None
                patterns, how = url_map_paths(hp.path, hp.path_type, p.implementation_specific)
                r.how = how
                if not patterns:
                    r.skip = how
                    continue
                r.match = Match(PathMatch("url-map", r.match.path.value, patterns=tuple(patterns)))
                for pattern in patterns:  # later entries replace earlier ones (URL-map dedup)
                    if pattern.endswith("/*"):
                        vhost.globs[pattern[:-1]] = [r]
                    else:
                        vhost.exact[pattern] = [r]
            return
        regex_owner = next(
            (r.origin.ingress for r in vhost.routes
             if p.regex_annotations and r.origin.ingress is not None
             and (r.origin.ingress.annotation(USE_REGEX) == "true" or r.origin.ingress.annotation(REWRITE_TARGET))),
            None,
        )
        if regex_owner is not None:
            which = USE_REGEX if regex_owner.annotation(USE_REGEX) == "true" else REWRITE_TARGET
            vhost.regex_because = (
                f"{which} on {regex_owner.meta.key} turns every path of host {vhost.host or '(any)'} "
                "into a case-insensitive regex anchored at the start"
            )
            compiled = []
            for r in usable:
                hp = r.origin.http_path
                assert hp is not None
                try:
                    regex = re.compile("^" + (hp.path or "/"), re.IGNORECASE)
                except (re.error, RecursionError, OverflowError) as exc:  # "((((...": too deep to compile
                    r.skip = f"{hp.path!r} is not a valid regular expression ({exc})"
                    continue
                r.how = f"regex ^{hp.path or '/'} (case-insensitive)"
                r.match = Match(PathMatch("regex", hp.path or "/", regex=regex))
                target = r.origin.ingress.annotation(REWRITE_TARGET) if r.origin.ingress else None
                if target and isinstance(r.action, Forward):
                    rewrite = RewritePath(regex=re.compile(regex.pattern.lstrip("^"), re.IGNORECASE),
                                          replacement=target)
                    r.action = Forward(r.action.backends, Filters(rewrite=rewrite))
                compiled.append(r)
            vhost.regex = sorted(compiled, key=lambda r: -len(r.match.path.value))
            return
        for r in usable:
            hp = r.origin.http_path
            assert hp is not None
            path = hp.path if hp.path is not None else "/"
            if hp.path_type == "Exact":
                vhost.exact.setdefault(path, []).append(r)
                continue
            if hp.path_type == "ImplementationSpecific":
                r.how = f"{p.title} treats ImplementationSpecific as Prefix"
            key = prefix_key(path)
            r.slash = path.endswith("/") and key != ""
            vhost.prefix.setdefault(key, []).append(r)
            if p.exact_location_for_prefix and not r.slash and key:
                vhost.exact.setdefault(path, []).append(r)
        for routes in vhost.exact.values():
            if p.same_path_conflict == "exact-wins":
                routes.sort(key=lambda r: (r.match.path.kind != "exact", r.age))
            else:
                routes.reverse()
        for routes in vhost.prefix.values():
            routes.sort(key=lambda r: (-len(r.match.path.value), r.age))
        if p.trailing_slash_redirect:
            for key, routes in vhost.prefix.items():
                if key and key not in vhost.exact and all(r.slash for r in routes):
                    # nginx answers `/foo` with 301 to `/foo/` when only Prefix `/foo/` exists
                    first = routes[0]
                    vhost.exact[key] = [Route(first.origin, vhost.host, Match(PathMatch("exact", key)),
                                              Redirect(301, path=key + "/"), implicit=True, why=(
                        f"Prefix {key}/ ends with a slash and {key} was asked for: nginx answers 301 with the "
                        "slash added"))]


_ANY = Match(PathMatch("any", "/"))


def _virtual_host(hosts: HostIndex, host: str) -> VirtualHost:
    if not host:
        return hosts.catch_all
    table = hosts.wildcards if host.startswith("*.") else hosts.hosts
    found = table.get(host)
    if found is None:
        found = table[host] = VirtualHost(host)
    return found


def _origin(ingress: Ingress) -> Origin:
    return Origin("Ingress", ingress.meta.key, "", ingress.meta.location, ingress)


def _ref(ingress: Ingress, backend: IngressBackend) -> BackendRef | None:
    svc = backend.service
    if svc is None:
        return None
    return BackendRef(ingress.meta.namespace, svc.name, svc.port, backend)


def _age_key(ingress: Ingress) -> tuple[bool, str, int]:
    ts = ingress.meta.creation_timestamp
    return (not ts, ts, ingress.meta.order)
