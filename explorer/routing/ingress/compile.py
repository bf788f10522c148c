"""Ingress + controller profile -> RouteTable.

What ingress-nginx and GKE build from the same Ingresses, written into the one
table shape: nginx merges every served Ingress into one shared load balancer of
server blocks and locations; GKE gives each Ingress its own load balancer and
URL map. Every difference is a profile field read here (see shared facts,
section 4); the evaluator never asks which controller it is.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from explorer.model.objects import HTTPIngressPath, Ingress, IngressBackend, IngressTLS
from explorer.model.state import ClusterState
from explorer.model.value import replace
from explorer.profiles import ControllerProfile
from explorer.routing.classes import serves
from explorer.routing.decision import BackendRef
from explorer.routing.ingress.annotations import (
    ALLOW_HTTP, FORCE_SSL_REDIRECT, FRONTEND_CONFIG, GKE_CERT_ANNOTATIONS, PRESERVE_TRAILING_SLASH,
    REWRITE_TARGET, SSL_REDIRECT, USE_REGEX,
)
from explorer.routing.nginx import (
    ControllerConfig, IngressAnnotations, canary_routes, conditions_before, config_from_state, parse_ingress,
)
from explorer.routing.endpoints import endpoints_of, judged
from explorer.routing.paths import prefix_key, url_map_paths, wildcard_covers
from explorer.routing.upstream_keys import has_policy
from explorer.routing.table import (
    Action, Certificate, Condition, EntryPoint, Filters, Forward, HeaderEdit, HostIndex, Listener, Match, Origin,
    PathKind,
    PathMatch, Redirect, Refuse, Remark, Respond, RewritePath, Route, RouteTable, Served, VirtualHost,
    WeightedBackend,
)

if TYPE_CHECKING:
    from explorer.routing.nginx_upstream import UpstreamPolicy

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
        #: The ingress-nginx-controller ConfigMap (None when the profile reads no nginx annotations).
        self.nginx: ControllerConfig | None = config_from_state(state) if p.reads_nginx_annotations else None
        self._parsed: dict[int, IngressAnnotations] = {}
        self._orphans: dict[str, str] = {}  # host -> why its canary found no mainline
        self._policies: dict[int, UpstreamPolicy | None] = {}  # id(Ingress) -> its upstream policy
        ordered = sorted(state.ingresses, key=_age_key)
        served_list = [self._served(i) for i in ordered]
        served = [s.ingress for s in served_list if s.served]
        self.ages = {id(ingress): age for age, ingress in enumerate(served)}
        # canary Ingresses make no servers of their own: they attach to their mainline's upstream
        # (controller.go mergeAlternativeBackends), so every location using that upstream gets them (#4667)
        canaries = [i for i in served if (self.parsed(i) or _NONE).canary is not None]
        served = [i for i in served if not any(i is c for c in canaries)]
        table = self.table = RouteTable("ingress", p, shared=not p.load_balancer_per_ingress, served=served_list,
                                        decode_percent=p.decode_percent, merge_slashes=p.merge_slashes)
        if self.nginx is not None:
            table.forwarded_headers = self.nginx.flag("use-forwarded-headers")
            if table.forwarded_headers:
                table.notes.append(
                    f"{self.nginx.source('use-forwarded-headers')}: nginx takes the client address from the first "
                    "X-Forwarded-For address (real_ip_recursive, proxy-real-ip-cidr 0.0.0.0/0) and the scheme from "
                    "X-Forwarded-Proto, for allow lists and the HTTPS redirect, and passes them on to the Pod "
                    "with X-Forwarded-Host as the Host (nginx's best_http_host; X-Forwarded-Port is not simulated)")
        self._readiness_known = bool(state.workloads) and judged()
        if self.nginx is not None and state.workloads and not judged():
            table.notes.append("Pod readiness is not judged here (explorer.topology is not loaded): every Service is "
                               "taken to have ready endpoints")
        if self.nginx is not None and not state.workloads and state.services:
            table.notes.append("the manifests hold no Pods or workloads, so which Services have ready endpoints is "
                               "unknown here: every Service is taken to have some (serve answers 503 without Pods)")
        if self.nginx is not None and self.nginx.values:
            known = ", ".join(f"{k}: {v!r}" for k, v in sorted(self.nginx.values.items()))
            table.notes.append(f"the controller's settings come from {self.nginx.origin}: {known}; every other "
                               "key is ingress-nginx's default")
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
            if self.nginx is not None:
                ep = table.entry_points["shared"]
                self._attach_canaries(ep, canaries)
                self._absent_hosts(ep, [s for s in served_list if not s.served and "refuses this Ingress" in s.why])

    # ------------------------------------------------------------ ingress-nginx annotations

    def parsed(self, ingress: Ingress | None) -> IngressAnnotations | None:
        """What the Ingress's nginx annotations make the controller do (None for other controllers)."""
        if self.nginx is None or ingress is None:
            return None
        parsed = self._parsed.get(id(ingress))
        if parsed is None:
            parsed = self._parsed[id(ingress)] = parse_ingress(ingress, self.nginx)
        return parsed

    def _served(self, ingress: Ingress) -> Served:
        served, why = serves(ingress, self.state, self.profile)
        parsed = self.parsed(ingress) if served else None
        if parsed is not None and parsed.refused:
            return Served(ingress, False, f"{self.profile.title} refuses this Ingress ({parsed.refused}): the "
                                          "admission webhook rejects it, and without the webhook the controller "
                                          "skips it, so its hosts and paths do not exist")
        return Served(ingress, served, why)

    def _attach_canaries(self, ep: EntryPoint, canaries: list[Ingress]) -> None:
        """Each canary path finds the mainline route of its host with the same path and pathType; every route
        forwarding to that mainline's upstream then tries the canary first (balancer.lua)."""
        ep.ingresses = ep.ingresses + canaries  # served: the controller syncs their backends
        hosts = ep.hosts
        assert hosts is not None
        alternatives: dict[tuple[str, str, str], tuple[Ingress, BackendRef]] = {}
        for canary in canaries:
            for rule in canary.rules:
                vhost = hosts.catch_all if not rule.host else \
                    (hosts.wildcards if rule.host.startswith("*.") else hosts.hosts).get(rule.host)
                for hp in rule.paths or ():
                    ref = _ref(canary, hp.backend)
                    if ref is None:
                        continue
                    what = f"{hp.path_type} {hp.shown_path} on host {rule.host or '(any)'}"
                    mains = [r for r in (vhost.routes if vhost else []) if not r.skip and r.origin.http_path
                             and r.origin.http_path.path == hp.path and r.origin.http_path.path_type == hp.path_type
                             and isinstance(r.action, Forward)]
                    if not mains:
                        why = (f"the canary {canary.meta.key} ({what}) has no mainline: no Ingress without canary "
                               "has that host, path and pathType, so nginx deletes its upstream")
                        ep.notes.append(why)
                        self._orphans.setdefault(rule.host, why)
                        continue
                    main_action = mains[0].action
                    assert isinstance(main_action, Forward)
                    main = main_action.backends[0].ref
                    if (main.namespace, main.service) == (ref.namespace, ref.service):
                        ep.notes.append(f"the canary {canary.meta.key} ({what}) names its mainline's own Service")
                        continue
                    alternatives.setdefault((main.namespace, main.service, main.port), (canary, ref))
        if not alternatives:
            return
        for vhost in hosts.all():
            for index in (*vhost.exact.values(), *vhost.prefix.values(), *vhost.globs.values(),
                          *([vhost.regex] if vhost.regex is not None else [])):
                expanded: list[Route] = []
                for r in index:
                    expanded += self._with_canary(r, alternatives)
                index[:] = expanded

    def _with_canary(self, r: Route, alternatives: dict[tuple[str, str, str], tuple[Ingress, BackendRef]]
                     ) -> list[Route]:
        if not isinstance(r.action, Forward) or len(r.action.backends) != 1 or r.implicit:
            return [r]
        main = r.action.backends[0]
        found = alternatives.get((main.ref.namespace, main.ref.service, main.ref.port))
        if found is None:
            return [r]
        canary, ref = found
        parsed = self.parsed(canary)
        assert parsed is not None and parsed.canary is not None
        label = _reason_of(r)
        alt = WeightedBackend(ref)
        guarded, weighted = canary_routes(parsed.canary, main, alt, r.match.path, label)
        said = f"{label}; its upstream {main.ref} has the canary {canary.meta.key} ({ref})"
        out = []
        for match, backend, why in guarded:
            out.append(self._canary_copy(r, match, (backend,), f"{said}: {why}", parsed))
        if weighted != (main,):
            if len(weighted) == 1:
                why = f"{said}: canary-weight {parsed.canary.weight}: every request goes to the canary"
            else:
                share = weighted[1].weight / (weighted[0].weight + weighted[1].weight)
                why = (f"{said}: canary-weight {parsed.canary.weight} sends {share:.0%} of requests to the canary, "
                       "chosen per request (route names the backend most requests reach; serve draws for each)")
            out.append(self._canary_copy(r, r.match, weighted, why, parsed))
        else:
            out.append(self._canary_copy(r, r.match, (main,), f"{said}: no header or cookie chose it, and "
                                                               "canary-weight is 0: the mainline", parsed))
        return out

    def _canary_copy(self, r: Route, match: Match, backends: tuple[WeightedBackend, ...], why: str,
                     canary: IngressAnnotations) -> Route:
        assert isinstance(r.action, Forward)
        copy = Route(r.origin, r.host, match, Forward(backends, r.action.filters), age=r.age, slash=r.slash,
                     how=r.how, why=why, annotations=r.annotations + tuple(canary.reports), notes=r.notes,
                     policy=r.policy)
        conditions = [c for c in r.conditions if c.kind != "no-endpoints"]
        problem = self._backend_problem(max(backends, key=lambda b: b.weight).ref)
        if problem:
            conditions.append(Condition("no-endpoints", Respond(503, "503 Service Temporarily Unavailable"),
                                        f"{problem}: {self.profile.title} answers 503", names_backend=True))
        copy.conditions = tuple(conditions)
        return copy

    def _absent_hosts(self, ep: EntryPoint, refused: list[Served]) -> None:
        """Hosts only a refused Ingress or an orphan canary names: their 404 says why."""
        hosts = ep.hosts
        assert hosts is not None
        whys = dict(self._orphans)
        for s in refused:
            for rule in s.ingress.rules:
                whys.setdefault(rule.host, f"{s.ingress.meta.key} names host {rule.host} but {s.why}")
        if hosts.catch_all_used:
            return
        for host, why in whys.items():
            if host and host not in hosts.hosts and not host.startswith("*."):
                vhost = hosts.hosts[host] = VirtualHost(host)
                vhost.fallback = Route(Origin("controller", ""), host, _ANY, Respond(404, self.profile.default_backend_body),
                                       default="controller", why=f"no served Ingress has host {host} ({why}): "
                                       f"{self.profile.title}'s default backend answers 404")

    def _nginx_server_routes(self, ep: EntryPoint, hosts: HostIndex) -> None:
        """from-to-www-redirect: a server of its own for the other name, answering every request with a redirect."""
        assert self.nginx is not None
        for host, vhost in list(hosts.hosts.items()):  # server-alias: more server_name values for the server
            for r in sorted(vhost.routes, key=lambda r: r.age):
                for alias in (self.parsed(r.origin.ingress) or _NONE).server_alias:
                    if alias in hosts.hosts and hosts.hosts[alias] is not vhost:
                        ep.notes.append(f"server-alias {alias} of {r.origin.key} is already a server of its own: "
                                        "the controller ignores the alias")
                    elif alias not in hosts.hosts and not alias.startswith(("*", "~")):
                        hosts.hosts[alias] = vhost
                        vhost.notes.append(f"server-alias on {r.origin.key}: {alias} is served as {host}")
        for host, vhost in list(hosts.hosts.items()):
            if host != vhost.host:
                continue  # an alias
            owner = next((r.origin.ingress for r in sorted(vhost.routes, key=lambda r: r.age)
                          if (self.parsed(r.origin.ingress) or _NONE).from_to_www), None)
            if owner is None:
                continue
            other = host[4:] if host.startswith("www.") else "www." + host
            if other in hosts.hosts:  # controller.go: only when no server exists for that name
                continue
            www = hosts.hosts[other] = VirtualHost(other)
            www.fallback = Route(_origin(owner), other, _ANY, Redirect(
                self.nginx.redirect_code, host=host, drop_trailing_slash=True, explicit_port=True),
                implicit=True, annotations=tuple((self.parsed(owner) or _NONE).reports), why=(
                    f"nginx.ingress.kubernetes.io/from-to-www-redirect on {owner.meta.key}: nginx has a server for "
                    f"{other} that only redirects to {host}, with the port it listens on"))

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
        if self.nginx is not None:
            self._nginx_server_routes(ep, hosts)
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
        parsed = self.parsed(ingress)
        filters = Filters()
        if parsed is not None:
            headers = (("X-Forwarded-Prefix", parsed.x_forwarded_prefix),) if parsed.x_forwarded_prefix else ()
            filters = Filters(host=parsed.upstream_vhost or None,
                              request_headers=HeaderEdit(set=headers) if headers else None)
        action: Action = Forward((WeightedBackend(ref),), filters) if ref is not None else Refuse()
        route = Route(origin, host, Match(PathMatch(kind, hp.path or "/")), action, age=age,
                      annotations=tuple(parsed.reports) if parsed is not None else ())
        route.skip = self._skip_reason(hp, ingress)
        if self.nginx is not None and not route.skip:
            route.policy = self._policy(ingress, hp.path or "/")
        return route

    def _policy(self, ingress: Ingress, path: str) -> UpstreamPolicy | None:
        """The Ingress's upstream policy (one per Ingress, its location path per route)."""
        assert self.nginx is not None
        key = id(ingress)
        if key not in self._policies:
            if has_policy(ingress, self.nginx.get):
                from explorer.routing.nginx_upstream import upstream_policy  # only for an Ingress that has one

                self._policies[key] = upstream_policy(ingress, path, self.state, self.nginx.get,
                                                      self._default_backend_ready)
            else:
                self._policies[key] = None
        base = self._policies[key]
        return base if base is None or base.location_path == path else replace(base, location_path=path)

    def _default_backend_ready(self, namespace: str, name: str) -> tuple[BackendRef | None, str]:
        """The default-backend annotation's Service: used only when it exists and has ready endpoints
        (controller.go: "custom backend is valid only if contains at least one endpoint"), on its first port."""
        service = self.state.service(namespace, name)
        if service is None or not service.ports:
            return None, (f"the default-backend Service {namespace}/{name} does not exist (or has no ports): nginx "
                          "ignores the annotation")
        found = endpoints_of(self.state, service) if self._readiness_known else None
        if found is not None and not found.ready:
            return None, (f"the default-backend Service {namespace}/{name} has no ready endpoints: nginx ignores "
                          "the annotation")
        return BackendRef(namespace, name, str(service.ports[0].port)), ""

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
        parsed = self.parsed(owner)
        after: list[Condition] = []
        if parsed is not None and owner is not None and route.default is None:
            before, after = conditions_before(parsed, owner.meta.key, self.state)
            out += before
            if parsed.satisfied is not None and route.policy is not None:  # satisfy any with auth-url: serve asks
                route.policy = replace(route.policy, satisfied=parsed.satisfied)
        redirect = self._tls_redirect(vhost, tls, owner) if vhost is not None else None
        if redirect is not None:
            if parsed is not None:  # lua_ingress: one trailing slash of the request_uri goes, unless preserved
                preserve = parsed.preserve_trailing_slash
                out.append(Condition("https-redirect", Redirect(
                    self.nginx.redirect_code if self.nginx else 308, scheme="https", keep_root_slash=preserve,
                    drop_trailing_slash=not preserve), redirect, frozenset({"http"}), joins=False))
            else:
                if keep_root_slash is None:
                    keep_root_slash = owner is not None and owner.annotation(PRESERVE_TRAILING_SLASH) == "true"
                out.append(Condition("https-redirect", Redirect(
                    self.profile.tls_redirect_status or 308, scheme="https", keep_root_slash=keep_root_slash),
                    redirect, frozenset({"http"}), joins=False))
        out += after
        if isinstance(route.action, Forward) and self.profile.bad_backend == "503":
            ref = route.action.backends[0].ref
            problem = self._backend_problem(ref)
            policy: UpstreamPolicy | None = route.policy
            if problem and policy is not None and policy.service_upstream and "no ready endpoints" in problem:
                out.append(Condition("no-endpoints", Respond(502, "502 Bad Gateway"), (
                    f"{problem}, and service-upstream sends to its ClusterIP, where kube-proxy refuses the "
                    f"connection: {self.profile.title} answers 502"), names_backend=True))
            elif problem and policy is not None and policy.default_backend is not None:
                self._to_default_backend(route, ref, policy, problem)
            elif problem:
                out.append(Condition("no-endpoints", Respond(503, "503 Service Temporarily Unavailable"),
                                     f"{problem}: {self.profile.title} answers 503", names_backend=True))
        return tuple(out)

    def _to_default_backend(self, route: Route, ref: BackendRef, policy: UpstreamPolicy, problem: str) -> None:
        """controller.go: an upstream with no endpoints hands its location to the default-backend Service,
        and nginx.tmpl sends it X-Code 503 and which Ingress and Service it stands in for."""
        from explorer.routing.nginx_upstream import ERROR_HEADERS

        assert isinstance(route.action, Forward) and policy.default_backend is not None
        values = dict(zip(ERROR_HEADERS, ("503", "", "", ref.namespace, policy.ingress_name, ref.service, ref.port,
                                          "")))
        headers = tuple((k, v) for k, v in values.items() if v)
        edit = route.action.filters.request_headers
        merged = HeaderEdit(set=(edit.set if edit else ()) + headers)
        route.action = Forward((WeightedBackend(policy.default_backend),),
                               replace(route.action.filters, request_headers=merged))
        route.why = (f"{route.why or _reason_of(route)}, but {problem}: nginx hands the location to the default-backend Service "
                     f"{policy.default_backend} ({policy.owner}), which gets X-Code: 503")

    def _backend_problem(self, ref: BackendRef) -> str:
        service = self.state.service(ref.namespace, ref.service)
        if service is None:
            return f"Service {ref.namespace}/{ref.service} does not exist"
        if ref.backend is not None and ref.backend.service is not None \
                and service.find_port(ref.backend.service) is None:
            ports = ", ".join(str(port) for port in service.ports) or "none"
            return f"Service {ref.service} has no port {ref.port}; its ports are {ports}"
        if self.profile.bad_backend == "503" and self._readiness_known:
            found = endpoints_of(self.state, service)
            if found is not None and not found.ready:
                if not found.pods:
                    return (f"Service {ref.namespace}/{ref.service} has no ready endpoints: its selector matches no "
                            "Pod")
                return (f"Service {ref.namespace}/{ref.service} has no ready endpoints: none of its "
                        f"{len(found.pods)} Pod(s) is Ready ({found.why})")
        return ""

    def _tls_redirect(self, vhost: VirtualHost, tls: tuple[Ingress, IngressTLS] | None,
                      owner: Ingress | None) -> str | None:
        p = self.profile
        if p.tls_redirect_status is None:
            return None
        parsed = self.parsed(owner)
        if parsed is not None and owner is not None:
            status = self.nginx.redirect_code if self.nginx else p.tls_redirect_status
            if parsed.force_ssl_redirect:
                return f"{FORCE_SSL_REDIRECT} is \"true\" on {owner.meta.key}: plain HTTP is redirected to HTTPS"
            if not parsed.ssl_redirect:
                return None
            source = "" if owner.annotation(SSL_REDIRECT) or self.nginx is None else \
                f"; {self.nginx.source('ssl-redirect')}"
            # controller.go createServers: a server gets a certificate from an Ingress that has a rule for its
            # host and a tls section (the default certificate when no tls entry names the host); another
            # Ingress's tls entry for the same name gives it none
            with_tls = [r.origin.ingress for r in vhost.routes if r.origin.ingress is not None and r.origin.ingress.tls]
            if tls is not None and p.default_certificate_redirect and not any(i is tls[0] for i in with_tls):
                tls = None
            if tls is None:
                if not (p.default_certificate_redirect and with_tls):
                    return None
                return (f"{owner.meta.key} has a tls section and host {vhost.host or '(any)'} is not in its tls.hosts: "
                        f"nginx gives it the default certificate and still redirects plain HTTP with {status} "
                        f"(set {SSL_REDIRECT}: \"false\" to stop it{source})")
            tls_owner, spec = tls
            return (f"host {vhost.host} has TLS ({spec.field} of {tls_owner.meta.key}), so {p.title} redirects "
                    f"plain HTTP to HTTPS with {status} (set {SSL_REDIRECT}: \"false\" to stop it{source})")
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
            if self.nginx is not None:  # the server's root location gets the Ingress's annotations too
                route.policy = self._policy(ingress, "/")
                route.annotations = tuple((self.parsed(ingress) or _NONE).reports)
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

    def _app_root(self, vhost: VirtualHost, regex: bool) -> Route | None:
        """nginx.tmpl: `if ($uri = /) { return 302 $scheme://$http_host<app-root>; }` in the server block."""
        for r in sorted(vhost.routes, key=lambda r: r.age):
            parsed = self.parsed(r.origin.ingress)
            if parsed is not None and parsed.app_root and r.origin.ingress is not None:
                path = PathMatch("regex", "/", regex=re.compile(r"^/$")) if regex else PathMatch("exact", "/")
                return Route(_origin(r.origin.ingress), vhost.host, Match(path),
                             Redirect(302, path=parsed.app_root, keep_query=False),
                             annotations=tuple(parsed.reports), why=(
                                 f"nginx.ingress.kubernetes.io/app-root {parsed.app_root!r} on {r.origin.key}: the "
                                 "server answers / with 302 to it, before any path is matched"))
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
                    r.action = Forward(r.action.backends, replace(r.action.filters, rewrite=rewrite))
                compiled.append(r)
            vhost.regex = sorted(compiled, key=lambda r: -len(r.match.path.value))
            root = self._app_root(vhost, regex=True)
            if root is not None:
                vhost.regex.insert(0, root)
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
        root = self._app_root(vhost, regex=False)
        if root is not None:
            vhost.exact.setdefault("/", []).insert(0, root)
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
_NONE = IngressAnnotations([])


def _reason_of(r: Route) -> str:
    reason = f"{r.label} in {r.origin.key} matches the path"
    return f"host {r.host} and {reason}" if r.host else reason


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
