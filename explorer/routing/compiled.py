"""The routing state of one snapshot under one profile, compiled once.

Load balancers hold servers (one per host); servers hold dicts keyed by the
path strings a request can be looked up by, so one decision costs a few dict
lookups per path element, not a scan of every rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from explorer.model.objects import HTTPIngressPath, Ingress, IngressBackend, IngressTLS
from explorer.model.state import ClusterState
from explorer.routing.classes import serves
from explorer.routing.nginx import ControllerConfig, IngressAnnotations, config_from_state, parse_ingress
from explorer.routing.paths import prefix_key, url_map_paths, wildcard_covers
from explorer.routing.profile import ControllerProfile

USE_REGEX = "nginx.ingress.kubernetes.io/use-regex"
REWRITE_TARGET = "nginx.ingress.kubernetes.io/rewrite-target"
ALLOW_HTTP = "kubernetes.io/ingress.allow-http"
SSL_REDIRECT = "nginx.ingress.kubernetes.io/ssl-redirect"
FORCE_SSL_REDIRECT = "nginx.ingress.kubernetes.io/force-ssl-redirect"
PRESERVE_TRAILING_SLASH = "nginx.ingress.kubernetes.io/preserve-trailing-slash"
FRONTEND_CONFIG = "networking.gke.io/v1beta1.FrontendConfig"
GKE_CERT_ANNOTATIONS = ("ingress.gcp.kubernetes.io/pre-shared-cert", "networking.gke.io/managed-certificates")

MatchKind = Literal["exact", "prefix", "regex", "glob"]


@dataclass(eq=False)
class PathEntry:
    """One Ingress path as the controller holds it."""

    ingress: Ingress
    age: int  # 0 = oldest served Ingress
    rule_index: int
    path_index: int
    rule_host: str
    http_path: HTTPIngressPath
    skip: str = ""  # why the controller cannot use it ("" when usable)
    how: str = ""  # how the controller turned it into a match (GCE URL map, regex)
    regex: re.Pattern[str] | None = None
    patterns: tuple[str, ...] = ()  # URL-map patterns (gce)
    slash: bool = False  # Prefix written with a trailing slash

    @property
    def path(self) -> str:
        return self.http_path.path if self.http_path.path is not None else ""

    @property
    def backend(self) -> IngressBackend:
        return self.http_path.backend


@dataclass(eq=False)
class DefaultBackend:
    ingress: Ingress
    backend: IngressBackend
    skip: str = ""


@dataclass(eq=False)
class Server:
    """An nginx server block, or a GCE URL-map host rule: everything for one host."""

    host: str  # "" is the catch-all (nginx `_`, GCE `*`)
    entries: list[PathEntry] = field(default_factory=list)
    exact: dict[str, list[PathEntry]] = field(default_factory=dict)
    prefix: dict[str, list[PathEntry]] = field(default_factory=dict)
    globs: dict[str, PathEntry] = field(default_factory=dict)
    regex: list[PathEntry] | None = None
    regex_because: str = ""
    default: DefaultBackend | None = None
    tls: tuple[Ingress, IngressTLS] | None = None
    http_only_rule: bool = False  # a rule for this host had no `http`


@dataclass(eq=False)
class LoadBalancer:
    name: str  # "shared", or namespace/name of its Ingress (gce)
    ingresses: list[Ingress] = field(default_factory=list)
    hosts: dict[str, Server] = field(default_factory=dict)
    wildcards: dict[str, Server] = field(default_factory=dict)  # "*.foo.com" -> server
    catch_all: Server = field(default_factory=lambda: Server(""))
    default: DefaultBackend | None = None  # load-balancer-wide (gce)
    #: Why the controller could not translate this load balancer's Ingress (gce): it is not programmed.
    translation_errors: list[str] = field(default_factory=list)
    http_enabled: bool = True
    https_enabled: bool = True
    https_redirect: int | None = None  # FrontendConfig redirectToHttps status

    def server_for(self, host: str, labels: str) -> tuple[Server | None, str]:
        """The server answering `host`, and how it was picked."""
        server = self.hosts.get(host)
        if server is not None:
            return server, f"host {host} matches a rule for {host}"
        best: tuple[int, str] | None = None
        for wildcard in self.wildcards:
            if wildcard_covers(wildcard, host, labels) and (best is None or len(wildcard) > best[0]):
                best = (len(wildcard), wildcard)
        if best is not None:
            return self.wildcards[best[1]], f"host {host} matches the wildcard rule {best[1]}"
        if self.catch_all.entries or self.catch_all.default is not None:
            return self.catch_all, f"host {host or '(none)'} matches no rule host, so host-less rules apply"
        return None, f"host {host or '(none)'} matches no rule host"


@dataclass(frozen=True, slots=True)
class ServedIngress:
    ingress: Ingress
    served: bool
    why: str


class Router:
    """Compiled routing for one (ClusterState, ControllerProfile)."""

    def __init__(self, state: ClusterState, profile: ControllerProfile) -> None:
        self.state = state
        self.profile = profile
        #: The ingress-nginx-controller ConfigMap (None when the profile reads no nginx annotations).
        self.nginx: ControllerConfig | None = config_from_state(state) if profile.reads_nginx_annotations else None
        self._parsed: dict[int, IngressAnnotations] = {}
        ordered = sorted(state.ingresses, key=_age_key)
        self.classes = [self._served(i) for i in ordered]
        served = [s.ingress for s in self.classes if s.served]
        self.ages = {id(ingress): age for age, ingress in enumerate(served)}
        self.uses_file_order = any(not i.meta.creation_timestamp for i in served)
        # canary Ingresses make no servers of their own: they attach to a mainline's upstream (controller.go
        # mergeAlternativeBackends), so every location using that upstream gets them, on any host (#4667)
        canaries = [i for i in served if (self.parsed(i) or IngressAnnotations([])).canary is not None]
        mainline = [i for i in served if not any(i is c for c in canaries)]
        #: (namespace, service, port) of a mainline upstream -> the canary Ingress and its backend
        self.canary_for: dict[tuple[str, str, str], tuple[Ingress, IngressBackend]] = {}
        #: canary Ingress paths that found no mainline, and why (nginx deletes their upstream)
        self.canary_orphans: list[tuple[Ingress, str, str]] = []
        #: www.host (or host) -> the host a from-to-www-redirect sends it to
        self.www_redirects: dict[str, tuple[str, Ingress]] = {}
        self.load_balancers: dict[str, LoadBalancer] = {}
        if profile.load_balancer_per_ingress:
            for ingress in mainline:
                lb = LoadBalancer(ingress.meta.key)
                self._fill(lb, [ingress])
                self.load_balancers[lb.name] = lb
        else:
            lb = LoadBalancer("shared")
            self._fill(lb, mainline)
            self.load_balancers[lb.name] = lb
        for lb in self.load_balancers.values():
            self._attach_canaries(lb, canaries)
            self._www(lb)

    # ------------------------------------------------------------ ingress-nginx annotations

    def parsed(self, ingress: Ingress) -> IngressAnnotations | None:
        """What the Ingress's nginx annotations make the controller do (None for other controllers)."""
        if self.nginx is None:
            return None
        parsed = self._parsed.get(id(ingress))
        if parsed is None:
            parsed = self._parsed[id(ingress)] = parse_ingress(ingress, self.nginx)
        return parsed

    def _served(self, ingress: Ingress) -> ServedIngress:
        served, why = serves(ingress, self.state, self.profile)
        parsed = self.parsed(ingress) if served else None
        if parsed is not None and parsed.refused:
            return ServedIngress(ingress, False, f"{self.profile.title} refuses this Ingress ({parsed.refused}): "
                                                 "the admission webhook rejects it, and without the webhook the "
                                                 "controller skips it, so its hosts and paths do not exist")
        return ServedIngress(ingress, served, why)

    def _attach_canaries(self, lb: LoadBalancer, canaries: list[Ingress]) -> None:
        lb.ingresses = lb.ingresses + canaries  # served (the controller syncs their backends), without servers
        for canary in canaries:
            for rule in canary.rules:
                server = (lb.catch_all if not rule.host else
                          (lb.wildcards if rule.host.startswith("*.") else lb.hosts).get(rule.host))
                for http_path in rule.paths or ():
                    svc = http_path.backend.service
                    if svc is None:
                        continue
                    what = f"{http_path.path_type} {http_path.path} on host {rule.host or '(any)'}"
                    if server is None or not server.entries:
                        self.canary_orphans.append((canary, what, f"no Ingress without canary serves host "
                                                                  f"{rule.host or '(any)'}, so there is no mainline"))
                        continue
                    mains = [e for e in server.entries if not e.skip and e.path == (http_path.path or "")
                             and e.http_path.path_type == http_path.path_type and e.backend.service is not None]
                    mains.sort(key=lambda e: e.age)
                    if not mains:
                        self.canary_orphans.append((canary, what, "no mainline Ingress has the same host, path and "
                                                                  "pathType"))
                        continue
                    main = mains[0].backend.service
                    assert main is not None
                    if (mains[0].ingress.meta.namespace, main.name) == (canary.meta.namespace, svc.name):
                        self.canary_orphans.append((canary, what, "its Service is the mainline's own"))
                        continue
                    key = (mains[0].ingress.meta.namespace, main.name, main.port)
                    self.canary_for.setdefault(key, (canary, http_path.backend))

    def _www(self, lb: LoadBalancer) -> None:
        for host, server in lb.hosts.items():
            owner = next((e.ingress for e in sorted(server.entries, key=lambda e: e.age)
                          if (self.parsed(e.ingress) or IngressAnnotations([])).from_to_www), None)
            if owner is None:
                continue
            other = host[4:] if host.startswith("www.") else "www." + host
            if other not in lb.hosts:  # controller.go: only when no server exists for the other name
                self.www_redirects.setdefault(other, (host, owner))

    # ------------------------------------------------------------ building

    def _fill(self, lb: LoadBalancer, ingresses: list[Ingress]) -> None:
        p = self.profile
        lb.ingresses = ingresses
        tls_hosts: dict[str, tuple[Ingress, IngressTLS]] = {}
        if p.bad_backend == "fails-translation":
            from explorer.topology.controller import translation_errors  # topology builds on routing

            for ingress in ingresses:
                lb.translation_errors += translation_errors(self.state, p, ingress)
        for ingress in ingresses:
            age = self.ages[id(ingress)]
            seen_hosts: set[str] = set()
            for ri, rule in enumerate(ingress.rules):
                server = self._server(lb, rule.host)
                if rule.host in seen_hosts and p.duplicate_host_rules == "replace":
                    # GKE: a later rule for the same host overwrites the earlier one's paths
                    for old in [e for e in server.entries if e.ingress is ingress]:
                        old.skip = old.skip or (
                            f"overwritten: a later rule in {ingress.meta.key} names host "
                            f"{rule.host or '*'} again, and GKE keeps only the later rule's paths"
                        )
                seen_hosts.add(rule.host)
                if rule.paths is None:
                    server.http_only_rule = True
                    continue
                for pi, http_path in enumerate(rule.paths):
                    entry = PathEntry(ingress, age, ri, pi, rule.host, http_path)
                    entry.skip = self._skip_reason(entry)
                    server.entries.append(entry)
            if ingress.default_backend is not None:
                default = DefaultBackend(ingress, ingress.default_backend, self._backend_skip(ingress.default_backend, ingress))
                if p.default_backend_scope == "load-balancer":
                    lb.default = lb.default or default
                elif not ingress.rules:
                    lb.catch_all.default = lb.catch_all.default or default
                else:
                    for rule in ingress.rules:
                        if rule.host:
                            server = self._server(lb, rule.host)
                            server.default = server.default or default
            for tls in ingress.tls:
                for host in tls.hosts:
                    tls_hosts.setdefault(host, (ingress, tls))
            if p.honours_allow_http and ingress.annotation(ALLOW_HTTP) == "false":
                lb.http_enabled = False
            if p.https_needs_tls:
                lb.https_enabled = bool(ingress.tls) or any(ingress.annotation(a) for a in GKE_CERT_ANNOTATIONS)
            if p.frontend_config_redirect:
                lb.https_redirect = self._frontend_redirect(ingress)
        for server in [*lb.hosts.values(), *lb.wildcards.values()]:
            server.tls = tls_hosts.get(server.host) or next(
                (v for h, v in tls_hosts.items()
                 if h.startswith("*.") and wildcard_covers(h, server.host, p.wildcard_host_labels)),
                None,
            )
        for server in [*lb.hosts.values(), *lb.wildcards.values(), lb.catch_all]:
            self._index(server)

    def _server(self, lb: LoadBalancer, host: str) -> Server:
        if not host:
            return lb.catch_all
        table = lb.wildcards if host.startswith("*.") else lb.hosts
        server = table.get(host)
        if server is None:
            server = table[host] = Server(host)
        return server

    def _skip_reason(self, entry: PathEntry) -> str:
        hp = entry.http_path
        if not hp.path_type:
            return "the apiserver would refuse this path: its pathType is missing or invalid"
        if hp.path_type in ("Exact", "Prefix"):
            if hp.path is None:
                return f"the apiserver would refuse this path: pathType {hp.path_type} needs a path"
            if not hp.path.startswith("/"):
                return f"the apiserver would refuse this path: {hp.path!r} must be an absolute path"
        elif hp.path is not None and hp.path and not hp.path.startswith("/"):
            return f"the apiserver would refuse this path: {hp.path!r} must start with /"
        return self._backend_skip(hp.backend, entry.ingress)

    def _backend_skip(self, backend: IngressBackend, ingress: Ingress) -> str:
        if backend.resource is not None and backend.service is None:
            return f"{self.profile.title} does not serve resource backends ({backend.resource}); the path is skipped"
        if backend.service is None or not backend.service.name or not backend.service.port:
            return "the backend names no Service and port"
        return ""

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

    def _index(self, server: Server) -> None:
        p = self.profile
        usable = [e for e in server.entries if not e.skip]
        if p.path_matching == "url-map":
            for e in usable:
                patterns, how = url_map_paths(e.http_path.path, e.http_path.path_type, p.implementation_specific)
                e.how = how
                if not patterns:
                    e.skip = how
                    continue
                e.patterns = tuple(patterns)
                for pattern in patterns:  # later entries replace earlier ones (URL-map dedup)
                    if pattern.endswith("/*"):
                        server.globs[pattern[:-1]] = e
                    else:
                        server.exact[pattern] = [e]
            return
        regex_owner = next(
            (e.ingress for e in server.entries
             if p.regex_annotations and (e.ingress.annotation(USE_REGEX) == "true" or e.ingress.annotation(REWRITE_TARGET))),
            None,
        )
        if regex_owner is not None:
            which = USE_REGEX if regex_owner.annotation(USE_REGEX) == "true" else REWRITE_TARGET
            server.regex_because = (
                f"{which} on {regex_owner.meta.key} turns every path of host {server.host or '(any)'} "
                "into a case-insensitive regex anchored at the start"
            )
            compiled = []
            for e in usable:
                try:
                    e.regex = re.compile("^" + (e.http_path.path or "/"), re.IGNORECASE)
                except re.error as exc:
                    e.skip = f"{e.http_path.path!r} is not a valid regular expression ({exc})"
                    continue
                e.how = f"regex ^{e.http_path.path or '/'} (case-insensitive)"
                compiled.append(e)
            server.regex = sorted(compiled, key=lambda e: -len(e.http_path.path or "/"))
            return
        for e in usable:
            path_type = e.http_path.path_type
            path = e.http_path.path if e.http_path.path is not None else "/"
            if path_type == "Exact":
                server.exact.setdefault(path, []).append(e)
                continue
            if path_type == "ImplementationSpecific":
                e.how = f"{p.title} treats ImplementationSpecific as Prefix"
            key = prefix_key(path)
            e.slash = path.endswith("/") and key != ""
            server.prefix.setdefault(key, []).append(e)
            if p.exact_location_for_prefix and not e.slash and key:
                server.exact.setdefault(path, []).append(e)


_REDIRECT_CODES = {
    "MOVED_PERMANENTLY_DEFAULT": 301, "FOUND": 302, "SEE_OTHER": 303,
    "TEMPORARY_REDIRECT": 307, "PERMANENT_REDIRECT": 308,
}


def _age_key(ingress: Ingress) -> tuple[bool, str, int]:
    ts = ingress.meta.creation_timestamp
    return (not ts, ts, ingress.meta.order)
