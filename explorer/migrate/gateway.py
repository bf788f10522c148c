"""Ingress objects + controller profile -> Gateway API manifests, as plain dicts (pure).

The mapping follows kubernetes-sigs/ingress2gateway's ingress-nginx provider
where it matches what the controller does (one HTTPRoute per Ingress and host,
the Ingress class as gatewayClassName, the 308 HTTPS redirect as a
RequestRedirect route on the HTTP listener), and reads every behaviour from
the profile: one shared Gateway or one per Ingress (`load_balancer_per_ingress`),
how ImplementationSpecific matches (`implementation_specific`), whose
defaultBackend covers what (`default_backend_scope`), the TLS redirect
(`tls_redirect_status`), FrontendConfig and allow-http. Every annotation is
listed with how it was handled; none is dropped silently.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from explorer.model.objects import HTTPIngressPath, Ingress, IngressBackend
from explorer.model.state import ClusterState
from explorer.profiles import ControllerProfile
from explorer.routing.nginx import IngressAnnotations, config_from_state, parse_ingress
from explorer.routing.route import table_for
from explorer.routing.table import Forward, Redirect, Route, RouteTable, VirtualHost, WeightedBackend
from explorer.profiles.nginx_annotations import PREFIX as NGINX_PREFIX
from explorer.profiles.nginx_annotations import classify as classify_nginx
from explorer.routing.ingress.annotations import (
    ALLOW_HTTP, FORCE_SSL_REDIRECT, FRONTEND_CONFIG, PRESERVE_TRAILING_SLASH, REWRITE_TARGET, SSL_REDIRECT,
    USE_REGEX,
)

GATEWAY_API = "gateway.networking.k8s.io/v1"
GATEWAY_API_BETA = "gateway.networking.k8s.io/v1beta1"  # ReferenceGrant is served as v1beta1
SOURCE_ANNOTATION = "ingress-explorer.dev/migrated-from"
STATIC_IP = "kubernetes.io/ingress.global-static-ip-name"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"

APP_ROOT = "nginx.ingress.kubernetes.io/app-root"
CANARY = "nginx.ingress.kubernetes.io/canary"
BACKEND_PROTOCOL = "nginx.ingress.kubernetes.io/backend-protocol"
UPSTREAM_VHOST = "nginx.ingress.kubernetes.io/upstream-vhost"
X_FORWARDED_PREFIX = "nginx.ingress.kubernetes.io/x-forwarded-prefix"
REDIRECTS = ("nginx.ingress.kubernetes.io/permanent-redirect", "nginx.ingress.kubernetes.io/temporal-redirect")

Handling = Literal["converted", "not-converted", "unknown"]

#: How a canary annotation is carried over, once the canary is folded into its mainline's rules. We follow the
#: compiled table (balancer.lua's order: header, cookie, weight) rather than ingress2gateway's per-route pairing:
#: nginx gives the canary to every location whose upstream is the mainline's Service (#4667), and so do we.
_CANARY_WHY = {
    "": "folded into the mainline's HTTPRoute rules (nginx attaches a canary to its mainline's upstream)",
    "-by-header": "a rule with a header match (value `always`, and `never` back to the mainline, or the "
                  "canary-by-header-value) before the mainline's rule, as ingress2gateway writes it",
    "-by-header-value": "the header match's value (Exact)",
    "-weight": "backendRefs weights on the mainline's rule (mainline total-weight, canary weight)",
    "-weight-total": "the total of the two backendRefs weights (balancer.lua ignores totals of 100 or less)",
}

#: gatewayClassName when --gateway-class is not given, by profile name ("" = the Ingress class).
#: GKE: gke-l7-global-external-managed is the Gateway counterpart of the external Ingress
#: (GKE docs "Migrate from Ingress to Gateway"); ingress2gateway keeps the Ingress class name for nginx.
DEFAULT_GATEWAY_CLASS: dict[str, str] = {"gce": "gke-l7-global-external-managed", "nginx": ""}
#: GKE's Ingress class -> its Gateway class (ingress2gateway pkg/i2gw/providers/gce/utils.go ingClassToGwyClassGCE:
#: the external Ingress -> global external managed, gce-internal -> the regional internal load balancer).
GKE_CLASSES: dict[str, str] = {"gce": "gke-l7-global-external-managed", "gce-internal": "gke-l7-rilb",
                               "": "gke-l7-global-external-managed"}
#: RequestRedirect statusCode values (apis/v1 HTTPRequestRedirectFilter: Enum 301;302;303;307;308; 301 and 302 are
#: Core, 303, 307 and 308 Extended: an implementation without them sets Accepted=False UnsupportedValue).
REDIRECT_CORE = (301, 302)
REDIRECT_EXTENDED = (303, 307, 308)
#: ingress-nginx's ConfigMap defaults for the proxy timeouts, seconds (internal/ingress/controller/config).
NGINX_TIMEOUTS = {"proxy-connect-timeout": 5, "proxy-send-timeout": 60, "proxy-read-timeout": 60}
#: backend-protocol values and what Gateway API needs for them (nothing here writes those objects: named).
BACKEND_PROTOCOLS = {
    "HTTPS": "write a BackendTLSPolicy for the Service (targetRefs, validation.caCertificateRefs or "
             "wellKnownCACertificates, hostname): Gateway API always verifies the backend's certificate, where "
             "ingress-nginx does not unless proxy-ssl-verify is \"on\"",
    "GRPC": "write a GRPCRoute for these paths, or set appProtocol kubernetes.io/h2c on the Service port; the "
            "HTTPRoute written here sends HTTP/1.1 (ingress2gateway writes the GRPCRoute; GRPCRoute is not "
            "simulated here, so the proof could not check one: the HTTPRoute stays and the difference is named)",
    "GRPCS": "write a GRPCRoute and a BackendTLSPolicy for the Service (gRPC over TLS)",
    "FCGI": "FastCGI has no Gateway API counterpart: put an HTTP server in front of the application",
}

#: Annotations Gateway API's HTTPRoute has no field for: prefix or name -> why.
NOT_CONVERTIBLE: tuple[tuple[str, str], ...] = (
    ("nginx.ingress.kubernetes.io/configuration-snippet",
     "raw nginx configuration has no Gateway API equivalent; rewrite it as HTTPRoute filters or a policy"),
    ("nginx.ingress.kubernetes.io/server-snippet", "raw nginx configuration has no Gateway API equivalent"),
    ("nginx.ingress.kubernetes.io/auth-", "authentication is not part of HTTPRoute (ExternalAuth is "
     "experimental and implementation-specific): configure it on the Gateway implementation"),
    ("nginx.ingress.kubernetes.io/whitelist-source-range", "source allow-lists are not part of HTTPRoute: use "
     "the implementation's policy (e.g. GCPBackendPolicy / Cloud Armor on GKE)"),
    ("nginx.ingress.kubernetes.io/allowlist-source-range", "source allow-lists are not part of HTTPRoute"),
    ("nginx.ingress.kubernetes.io/denylist-source-range", "source deny-lists are not part of HTTPRoute"),
    ("nginx.ingress.kubernetes.io/proxy-body-size", "request body limits are not part of HTTPRoute"),
    ("nginx.ingress.kubernetes.io/limit-", "rate limits are not part of HTTPRoute"),
    ("nginx.ingress.kubernetes.io/canary-by-cookie", "a cookie canary has no Gateway API match (HTTPRoute matches "
     "headers, not cookies; a header match on Cookie would need the whole header): canary=always in the cookie "
     "reaches the mainline after the migration"),
    ("nginx.ingress.kubernetes.io/canary-by-header-pattern", "the pattern is an unanchored PCRE search; a "
     "RegularExpression header match is implementation-specific (not converted, as ingress2gateway)"),
    ("nginx.ingress.kubernetes.io/proxy-", "proxy buffers and redirects are not part of HTTPRoute"),
    ("nginx.ingress.kubernetes.io/cors-", "CORS is not converted (the CORS filter is experimental)"),
    ("nginx.ingress.kubernetes.io/enable-cors", "CORS is not converted (the CORS filter is experimental)"),
    ("kubectl.kubernetes.io/last-applied-configuration", "kubectl's bookkeeping, not behaviour: not carried"),
    ("ingress.gcp.kubernetes.io/pre-shared-cert", "pre-shared certificates are not converted: on GKE Gateway "
     "name them with the networking.gke.io/pre-shared-certs listener option"),
    ("networking.gke.io/managed-certificates", "ManagedCertificate is not converted: use Certificate Manager "
     "with the Gateway (networking.gke.io/certmap)"),
)


@dataclass(frozen=True, slots=True)
class AnnotationNote:
    ingress: str
    annotation: str
    value: str
    handling: Handling
    why: str

    def as_dict(self) -> dict[str, str]:
        return {"ingress": self.ingress, "annotation": self.annotation, "value": self.value,
                "handling": self.handling, "why": self.why}


@dataclass(frozen=True, slots=True)
class Document:
    """One manifest to write, with the comment written above it."""

    file: str  # file name inside the output directory
    comment: str
    body: dict[str, Any]


@dataclass
class Migration:
    documents: list[Document] = field(default_factory=list)
    gateways: list[str] = field(default_factory=list)  # namespace/name
    #: Ingress key -> the Gateway key it became (for the proof: GKE pairs one load balancer with one Gateway).
    gateway_of: dict[str, str] = field(default_factory=dict)
    annotations: list[AnnotationNote] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # Ingresses left out and why
    #: id(HTTPIngressPath) -> why the controller does not use it (such a path is not converted either).
    skipped: dict[int, str] = field(default_factory=dict)
    #: (HTTPRoute namespace/name, rule index) -> the Ingress field it came from (the proof names it).
    rule_sources: dict[tuple[str, int], str] = field(default_factory=dict)
    #: id(HTTPIngressPath) of a mainline path -> the canary Ingresses folded into its rules.
    canaries: dict[int, list[Ingress]] = field(default_factory=dict)
    #: "standard" (Gateway API only) or "gke" (also GKE's policies: HealthCheckPolicy, GCPBackendPolicy).
    emitter: str = "standard"
    #: Objects written that neither engine simulates, each with what it sets (the proof cannot check them).
    not_simulated: list[str] = field(default_factory=list)


@dataclass
class _Context:
    """What every Gateway of one migration reads: the Ingress side's compiled table, parsed nginx annotations."""

    table: RouteTable
    parsed: dict[int, IngressAnnotations]  # id(Ingress) -> its nginx annotations (nginx only)
    #: id(HTTPIngressPath) -> the table's routes for it in evaluation order (a canary expands one into several).
    expanded: dict[int, list[Route]]
    #: host -> the table's app-root route for it (nginx's server-level `if ($uri = /)`).
    app_root: dict[str, Route]
    canary_ingresses: set[int]  # id(Ingress) of canary Ingresses (folded into their mainline's rules)
    canary_of_backend: dict[int, Ingress]  # id(IngressBackend) of a canary path -> the canary Ingress


def _context(state: ClusterState, profile: ControllerProfile, table: RouteTable) -> _Context:
    parsed: dict[int, IngressAnnotations] = {}
    if profile.reads_nginx_annotations:
        config = config_from_state(state)
        parsed = {id(i): parse_ingress(i, config) for i in state.ingresses}
    expanded: dict[int, list[Route]] = {}
    app_root: dict[str, Route] = {}
    for ep in table.entry_points.values():
        hosts = ep.hosts
        for vhost in hosts.all() if hosts is not None else ():
            seen: set[int] = set()
            for r in _index_order(vhost):
                if id(r) in seen:
                    continue
                seen.add(id(r))
                hp = r.origin.http_path
                if hp is not None:
                    expanded.setdefault(id(hp), []).append(r)
                elif isinstance(r.action, Redirect) and r.origin.kind == "Ingress" and r.default is None \
                        and not r.implicit and vhost.host not in app_root:
                    app_root[vhost.host] = r
    canaries = {id(i) for i in state.ingresses if (p := parsed.get(id(i))) is not None and p.canary is not None}
    backends = {id(hp.backend): i for i in state.ingresses if id(i) in canaries for rule in i.rules
                for hp in rule.paths or ()}
    return _Context(table, parsed, expanded, app_root, canaries, backends)


def _index_order(vhost: VirtualHost) -> list[Route]:
    """The virtual host's routes as the evaluator tries them (regex list, or exact then prefix lists)."""
    if vhost.regex is not None:
        return list(vhost.regex)
    out = [r for routes in vhost.exact.values() for r in routes]
    out += [r for routes in vhost.globs.values() for r in routes]
    out += [r for routes in vhost.prefix.values() for r in routes]
    return out


def to_gateway_api(state: ClusterState, profile: ControllerProfile, gateway_class: str | None = None,
                   emitter: str = "standard") -> Migration:
    """The Gateway API manifests that stand for the Ingresses `profile`'s controller serves in `state`."""
    out = Migration(emitter=emitter)
    served: list[Ingress] = []
    # What the controller serves, as the compiler decided it (class, and nginx refusing a whole Ingress for one
    # annotation): an Ingress that answers nothing today must answer nothing after the migration either.
    table = table_for(state, profile)
    for ep in table.entry_points.values():
        for item in ep.listing:
            if isinstance(item, Route) and item.skip and item.origin.http_path is not None:
                out.skipped[id(item.origin.http_path)] = item.skip
    ctx = _context(state, profile, table)
    for entry in table.served:
        ingress = entry.ingress
        if entry.served:
            served.append(ingress)
            continue
        out.notes.append(f"Ingress {ingress.meta.key} is not converted: {entry.why}")
        for name, value in sorted(ingress.meta.annotations.items()):
            out.annotations.append(AnnotationNote(ingress.meta.key, name, _shown(name, value), "not-converted",
                                                  f"the Ingress is not converted: {entry.why}"))
    groups: list[tuple[str, str, list[Ingress]]] = []  # (gateway namespace, name, ingresses)
    if profile.load_balancer_per_ingress:
        groups = [(i.meta.namespace, i.meta.name, [i]) for i in served]
    else:
        by_class: dict[str, list[Ingress]] = {}
        for ingress in served:
            cls = ingress.ingress_class_name or ingress.class_annotation or profile.installed_class_name or profile.name
            by_class.setdefault(cls, []).append(ingress)
        groups = [(members[0].meta.namespace, cls, members) for cls, members in by_class.items()]
    for namespace, name, members in groups:
        class_name = gateway_class or _gateway_class(profile, emitter, members) or name
        _Builder(state, profile, out, namespace, name, class_name, members, ctx).build()
    from explorer.migrate.gke import gke_policies

    gke_policies(state, profile, served, out, write=emitter == "gke")
    return out


def _gateway_class(profile: ControllerProfile, emitter: str, members: list[Ingress]) -> str:
    """GKE: the Ingress class picks the Gateway class (gce-internal -> gke-l7-rilb); nginx: the class name."""
    if profile.name == "gce":
        cls = members[0].class_annotation or ""
        return GKE_CLASSES.get(cls, GKE_CLASSES[""])
    if emitter == "gke":
        return GKE_CLASSES[""]
    return DEFAULT_GATEWAY_CLASS.get(profile.name, "")


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", text.lower().replace("*", "wildcard")).strip("-")
    return slug[:60].strip("-") or "default"


class _Builder:
    def __init__(self, state: ClusterState, profile: ControllerProfile, out: Migration, namespace: str, name: str,
                 class_name: str, ingresses: list[Ingress], ctx: _Context) -> None:
        self.state, self.profile, self.out, self.ctx = state, profile, out, ctx
        self.namespace, self.name, self.class_name = namespace, name, class_name
        # canary Ingresses make no servers of their own (nginx attaches them to their mainline's upstream)
        self.canaries = [i for i in ingresses if id(i) in ctx.canary_ingresses]
        self.ingresses = [i for i in ingresses if id(i) not in ctx.canary_ingresses]
        self.folded: set[int] = set()  # id(canary Ingress) folded into some mainline rule
        self.file = f"{_slug(name)}.yaml" if not profile.load_balancer_per_ingress else \
            f"{_slug(namespace)}-{_slug(name)}.yaml"
        self.key = f"{namespace}/{name}"
        #: nginx: use-regex or rewrite-target on any Ingress of a host makes every path of that host a regex.
        self.regex_hosts = {rule.host for i in ingresses if profile.regex_annotations
                            and (i.annotation(USE_REGEX) == "true" or i.annotation(REWRITE_TARGET))
                            for rule in i.rules}

    def build(self) -> None:
        p = self.profile
        for canary in self.canaries:
            self.out.gateway_of[canary.meta.key] = self.key
        if not self.ingresses:
            self._canary_annotations()
            return
        https_hosts: dict[str, tuple[Ingress, str]] = {}  # host ("" = any) -> (ingress, secret)
        http_enabled = True
        frontend_redirect: int | None = None
        addresses: list[dict[str, str]] = []
        for ingress in self.ingresses:
            self.out.gateway_of[ingress.meta.key] = self.key
            for tls in ingress.tls:
                for host in tls.hosts or ("",):
                    if tls.secret_name:
                        https_hosts.setdefault(host, (ingress, tls.secret_name))
            if p.honours_allow_http and ingress.annotation(ALLOW_HTTP) == "false":
                http_enabled = False
            if p.frontend_config_redirect:
                frontend_redirect = frontend_redirect or _frontend_redirect(self.state, ingress)
            ip = ingress.annotation(STATIC_IP)
            if p.honours_static_ip and ip:
                addresses.append({"type": "NamedAddress", "value": ip})
            self._annotations(ingress, frontend_redirect)
        shared_namespaces = len({i.meta.namespace for i in self.ingresses}) > 1 or any(
            i.meta.namespace != self.namespace for i in self.ingresses)
        allowed = {"namespaces": {"from": "All"}} if shared_namespaces else None
        listeners: list[dict[str, Any]] = []
        if http_enabled:
            listeners.append(_listener("http", 80, "HTTP", None, allowed))
        https_names: dict[str, str] = {}
        grants: dict[str, list[str]] = {}
        for host, (ingress, secret) in https_hosts.items():
            lname = f"https-{_slug(host)}" if host else "https"
            https_names[host] = lname
            ref: dict[str, Any] = {"kind": "Secret", "name": secret}
            if ingress.meta.namespace != self.namespace:
                ref["namespace"] = ingress.meta.namespace
                grants.setdefault(ingress.meta.namespace, []).append(secret)
            listener = _listener(lname, 443, "HTTPS", host or None, allowed)
            listener["tls"] = {"mode": "Terminate", "certificateRefs": [ref]}
            listeners.append(listener)
        gateway: dict[str, Any] = {
            "apiVersion": GATEWAY_API, "kind": "Gateway",
            "metadata": {"name": self.name, "namespace": self.namespace,
                         "annotations": {SOURCE_ANNOTATION: ", ".join(f"Ingress {i.meta.key}" for i in self.ingresses)}},
            "spec": {"gatewayClassName": self.class_name, "listeners": listeners},
        }
        if addresses:
            gateway["spec"]["addresses"] = addresses[:1]
        self.out.gateways.append(self.key)
        what = "the shared entry point of every Ingress of class " + self.name if not p.load_balancer_per_ingress \
            else f"the load balancer of Ingress {self.key}"
        self._emit(f"Gateway {self.key}: {what}. Secrets are referenced, never copied.", gateway)
        for ns, secrets in grants.items():
            self._emit(f"ReferenceGrant: lets Gateway {self.key} use Secrets in namespace {ns}", {
                "apiVersion": GATEWAY_API_BETA, "kind": "ReferenceGrant",
                "metadata": {"name": f"{_slug(self.name)}-gateway-secrets", "namespace": ns},
                "spec": {"from": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                   "namespace": self.namespace}],
                         "to": [{"group": "", "kind": "Secret", "name": s} for s in sorted(set(secrets))]},
            })
        for ingress in self.ingresses:
            self._routes(ingress, https_names, http_enabled, frontend_redirect)
        self._canary_annotations()
        if frontend_redirect and http_enabled:
            # GKE's redirectToHttps is the HTTP front end's whole URL map: every host, every path.
            why = f"FrontendConfig redirectToHttps ({frontend_redirect}) of {self.key}: every HTTP request"
            first = self.ingresses[0]
            self._emit(f"HTTPRoute: {why}", self._route(first, f"{first.meta.name}-https-redirect", "", ["http"], [{
                "filters": [{"type": "RequestRedirect",
                             "requestRedirect": {"scheme": "https", "statusCode": frontend_redirect}}]}], why))

    # ------------------------------------------------------------ routes

    def _routes(self, ingress: Ingress, https_names: dict[str, str], http_enabled: bool,
                frontend_redirect: int | None) -> None:
        p = self.profile
        hosts: dict[str, list[tuple[str, list[dict[str, Any]]]]] = {}  # host -> [(rule field, rules)]
        early: dict[str, list[dict[str, Any]]] = {}  # host -> rules that answer before nginx's HTTPS redirect
        for rule in ingress.rules:
            rules = []
            for hp in rule.paths or ():
                source = f"Ingress {ingress.meta.key} {hp.field} ({hp.path_type} {hp.shown_path})"
                for r in self._rules(ingress, hp, rule.host):
                    r["_source"] = source
                    rules.append(r)
                    if any(f["type"] == "RequestRedirect" for f in r.get("filters", ())):
                        early.setdefault(rule.host, []).append(copy.deepcopy(r))
            hosts.setdefault(rule.host, []).append((rule.field, rules))
            if p.duplicate_host_rules == "replace" and len(hosts[rule.host]) > 1:
                hosts[rule.host] = hosts[rule.host][-1:]  # GKE keeps only the later rule for a host
        for host in hosts:
            root = self.ctx.app_root.get(host)
            if root is not None and root.origin.ingress is ingress and isinstance(root.action, Redirect):
                # nginx.tmpl: `if ($uri = /) { return 302 $scheme://$http_host<app-root>; }` in the server block
                # (ingress2gateway approot.go: an Exact / rule with a 302 RequestRedirect ReplaceFullPath)
                app_root = {"_source": f"Ingress {ingress.meta.key} metadata.annotations[{APP_ROOT}]",
                            "matches": [{"path": {"type": "Exact", "value": "/"}}],
                            "filters": [_redirect_filter(root.action.code, path=root.action.path or "/")]}
                hosts[host].insert(0, ("metadata.annotations", [app_root]))
                early.setdefault(host, []).insert(0, copy.deepcopy(app_root))
        default = self._backend_ref(ingress, ingress.default_backend) if ingress.default_backend else None
        if default is not None and (p.default_backend_scope == "load-balancer" or not ingress.rules):
            hosts.setdefault("", [])
        for host, parts in hosts.items():
            rules = [r for _, r_list in parts for r in r_list]
            fields = ", ".join(f for f, _ in parts) or "spec.defaultBackend"
            if ingress.default_backend is not None and default is not None \
                    and (host or p.default_backend_scope == "load-balancer" or not ingress.rules):
                rules.append({"_source": f"Ingress {ingress.meta.key} {ingress.default_backend.field}",
                              "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                              "backendRefs": [default]})
            if not rules:
                continue
            redirect = frontend_redirect or self._redirect_status(ingress, host, https_names)
            https_listener = https_names.get(host) or https_names.get("")
            base = f"{ingress.meta.name}-{_slug(host) if host else 'any-host'}"
            source = f"Ingress {ingress.meta.key} {fields}" + (f" (host {host})" if host else " (any host)")
            sections = [https_listener] if https_listener else []
            if http_enabled and not redirect:
                sections.insert(0, "http")
            if sections:
                self._emit(f"HTTPRoute from {source}", self._route(ingress, base, host, sections, rules, source))
            if http_enabled and redirect and not frontend_redirect:
                why = f"HTTP to HTTPS redirect ({redirect}) of {source}"
                # what nginx answers before its HTTPS redirect (app-root, permanent/temporal-redirect) stays first
                self._emit(f"HTTPRoute: {why}", self._route(ingress, f"{base}-https-redirect", host, ["http"], [
                    *early.get(host, []), {"filters": [{"type": "RequestRedirect",
                                                        "requestRedirect": {"scheme": "https", "statusCode": redirect}}]}],
                    why))

    def _route(self, ingress: Ingress, name: str, host: str, sections: list[str], rules: list[dict[str, Any]],
               source: str) -> dict[str, Any]:
        spec: dict[str, Any] = {"parentRefs": [{"name": self.name, "namespace": self.namespace, "sectionName": s}
                                               for s in sections]}
        if host:
            spec["hostnames"] = [host]
        key = f"{ingress.meta.namespace}/{name[:253]}"
        for index, rule in enumerate(rules):
            self.out.rule_sources[(key, index)] = rule.pop("_source", source)
        spec["rules"] = rules
        return {"apiVersion": GATEWAY_API, "kind": "HTTPRoute",
                "metadata": {"name": name[:253], "namespace": ingress.meta.namespace,
                             "annotations": {SOURCE_ANNOTATION: source}},
                "spec": spec}

    def _redirect_status(self, ingress: Ingress, host: str, https_names: dict[str, str]) -> int | None:
        """nginx: a TLS host (unless ssl-redirect "false") or force-ssl-redirect answers HTTP with 308."""
        status = self.profile.tls_redirect_status
        if status is None:
            return None
        if ingress.annotation(FORCE_SSL_REDIRECT) == "true":
            return status
        has_tls = host in https_names or "" in https_names
        if has_tls and ingress.annotation(SSL_REDIRECT) != "false":
            return status
        return None

    def _rules(self, ingress: Ingress, hp: HTTPIngressPath, host: str) -> list[dict[str, Any]]:
        """The HTTPRoute rules of one Ingress path: a canary's header rules first, then the path's own rule."""
        skip = self.out.skipped.get(id(hp))
        if skip:
            self.out.notes.append(f"Ingress {ingress.meta.key} {hp.field} ({hp.path_type} {hp.shown_path}) is not "
                                  f"converted: {skip}")
            return []
        ref = self._backend_ref(ingress, hp.backend)
        if ref is None:
            return []
        if host in self.regex_hosts:
            # nginx: `location ~* ^<path>` (case-insensitive, anchored at the start only); Gateway API's
            # RegularExpression matches the whole path, so `.*` is appended, and letters become [aA]
            # classes (an inline (?i) is not accepted everywhere). The flavour is implementation-specific.
            path = {"type": "RegularExpression", "value": _caseless(hp.path or "/") + ".*"}
        else:
            path = _path_match(hp, self.profile)
        parsed = self.ctx.parsed.get(id(ingress))
        redirect = self._annotation_redirect(parsed)
        if redirect is not None:  # nginx answers `return <code> <url>` for every path of the Ingress
            return [{"matches": [{"path": dict(path)}], "filters": [redirect]}]
        filters = self._filters(ingress, parsed)
        timeouts = _timeouts(ingress) if parsed is not None else None
        rules: list[dict[str, Any]] = []
        main_refs: list[dict[str, Any]] = [ref]
        for r in self.ctx.expanded.get(id(hp), []) if parsed is not None else []:
            if not isinstance(r.action, Forward):
                continue
            refs = [self._weighted_ref(ingress, w) for w in r.action.backends]
            if any(x is None for x in refs):
                continue
            if not r.match.guarded:
                main_refs = [x for x in refs if x is not None]
                if len(main_refs) == 1:
                    main_refs[0].pop("weight", None)
                continue
            headers = [{"name": h.name, "value": h.value} for h in r.match.headers if h.kind == "exact"]
            if len(headers) != len(r.match.headers) or r.match.cookies or r.match.method or r.match.query:
                continue  # a cookie or a pattern: named as not converted on the canary's annotation
            ref_list = [x for x in refs if x is not None]
            for x in ref_list:
                x.pop("weight", None)
            rule = self._with(filters, timeouts, {"matches": [{"path": dict(path), "headers": headers}],
                                                  "backendRefs": ref_list})
            if rule not in rules:  # the same canary copy sits in the exact and the prefix index
                rules.append(rule)
        folded = sorted({id(c): c for r in self.ctx.expanded.get(id(hp), []) if isinstance(r.action, Forward)
                         for w in r.action.backends if w.ref.backend is not None
                         and (c := self.ctx.canary_of_backend.get(id(w.ref.backend))) is not None}.values(),
                        key=lambda c: c.meta.key)
        if folded:
            self.out.canaries[id(hp)] = folded
            self.folded.update(id(c) for c in folded)
        rules.append(self._with(filters, timeouts, {"matches": [{"path": dict(path)}], "backendRefs": main_refs}))
        return rules

    def _with(self, filters: list[dict[str, Any]], timeouts: dict[str, str] | None,
              rule: dict[str, Any]) -> dict[str, Any]:
        if filters:
            rule["filters"] = copy.deepcopy(filters)
        if timeouts:
            rule["timeouts"] = dict(timeouts)
        return rule

    def _filters(self, ingress: Ingress, parsed: IngressAnnotations | None) -> list[dict[str, Any]]:
        """rewrite-target without capture groups, upstream-vhost (URLRewrite), x-forwarded-prefix (header set)."""
        rewrite: dict[str, Any] = {}
        target = ingress.annotation(REWRITE_TARGET) if self.profile.regex_annotations else None
        if target and "$" not in target:
            # nginx `rewrite ^<path> <target> break`: the whole path becomes the target.
            rewrite["path"] = {"type": "ReplaceFullPath", "replaceFullPath": target}
        if parsed is not None and parsed.upstream_vhost:
            rewrite["hostname"] = parsed.upstream_vhost
        out: list[dict[str, Any]] = []
        if rewrite:
            out.append({"type": "URLRewrite", "urlRewrite": rewrite})
        if parsed is not None and parsed.x_forwarded_prefix:
            out.append({"type": "RequestHeaderModifier", "requestHeaderModifier": {
                "set": [{"name": "X-Forwarded-Prefix", "value": parsed.x_forwarded_prefix}]}})
        return out

    def _annotation_redirect(self, parsed: IngressAnnotations | None) -> dict[str, Any] | None:
        """permanent-redirect / temporal-redirect as a RequestRedirect filter, when Gateway API can say it."""
        if parsed is None or parsed.redirect is None:
            return None
        code, url, _ = parsed.redirect
        parts = urlsplit(url)
        if code not in REDIRECT_CORE + REDIRECT_EXTENDED or parts.query or parts.fragment or not parts.hostname:
            return None
        return _redirect_filter(code, scheme=parts.scheme or None, hostname=parts.hostname, port=parts.port,
                                path=parts.path or "/")

    def _weighted_ref(self, ingress: Ingress, w: WeightedBackend) -> dict[str, Any] | None:
        backend = w.ref.backend
        if backend is None:
            return None
        owner = self.ctx.canary_of_backend.get(id(backend), ingress)
        if owner.meta.namespace != ingress.meta.namespace:
            return None  # a canary in another namespace: a backendRef would need a ReferenceGrant (not written)
        ref = self._backend_ref(owner, backend)
        if ref is not None:
            ref["weight"] = w.weight
        return ref

    def _handle_nginx(self, ingress: Ingress, name: str, value: str) -> tuple[Handling, str] | None:
        return _handle_nginx_annotation(self, ingress, name, value)

    def _canary_annotations(self) -> None:
        for canary in self.canaries:
            folded = id(canary) in self.folded
            for name, value in sorted(canary.meta.annotations.items()):
                handling, why = self._handle(canary, name, value, None)
                if name.startswith(CANARY) and name not in (CANARY + "-by-cookie", CANARY + "-by-header-pattern"):
                    if folded:
                        handling, why = "converted", _CANARY_WHY.get(name[len(CANARY):], _CANARY_WHY[""])
                    else:
                        handling, why = "not-converted", ("the canary has no mainline (no Ingress without canary "
                                                          "has its host, path and pathType): nginx deletes its "
                                                          "upstream, so nothing is written for it")
                self.out.annotations.append(AnnotationNote(canary.meta.key, name, _shown(name, value), handling, why))

    def _backend_ref(self, ingress: Ingress, backend: IngressBackend | None) -> dict[str, Any] | None:
        if backend is None or backend.service is None:
            return None
        svc = backend.service
        port = svc.port_number
        if port is None:  # Gateway API backendRefs take a port number: resolve the name through the Service
            service = self.state.service(ingress.meta.namespace, svc.name)
            found = service.find_port(svc) if service else None
            port = found.port if found else None
        if port is None:
            self.out.notes.append(f"Ingress {ingress.meta.key} {backend.field}: port {svc.port!r} of Service "
                                  f"{svc.name} cannot be resolved to a number; the path is not converted")
            return None
        return {"name": svc.name, "port": port}

    def _emit(self, comment: str, body: dict[str, Any]) -> None:
        self.out.documents.append(Document(self.file, comment, body))

    # ------------------------------------------------------------ annotations

    def _annotations(self, ingress: Ingress, frontend_redirect: int | None) -> None:
        p = self.profile
        key = ingress.meta.key
        for name, value in sorted(ingress.meta.annotations.items()):
            handling, why = self._handle(ingress, name, value, frontend_redirect)
            if _not_read(p, name):
                handling, why = "not-converted", f"{p.title} does not read it: no effect before, none after"
            self.out.annotations.append(AnnotationNote(key, name, _shown(name, value), handling, why))

    def _handle(self, ingress: Ingress, name: str, value: str, frontend_redirect: int | None) -> tuple[Handling, str]:
        p = self.profile
        if name == CLASS_ANNOTATION:
            return "converted", f"the class chose the controller; the Gateway's class is {self.class_name}"
        if name in (SSL_REDIRECT, FORCE_SSL_REDIRECT) and p.tls_redirect_status is not None:
            return "converted", ("HTTP listener route with RequestRedirect (https) where it redirects, none elsewhere"
                                 + _code_support(p.tls_redirect_status))
        if name == PRESERVE_TRAILING_SLASH and p.tls_redirect_status is not None:
            return "converted", "RequestRedirect keeps the path as requested"
        if name == REWRITE_TARGET and p.regex_annotations:
            if "$" in value:
                return "not-converted", ("a rewrite with capture groups has no Gateway API equivalent (URLRewrite "
                                         "replaces a prefix or the full path): the backend gets the path as requested; "
                                         "rewrite in the application or add a URLRewrite by hand")
            return "converted", ("URLRewrite ReplaceFullPath, and the host's paths as case-insensitive "
                                 "RegularExpression, as nginx reads them once rewrite-target is set")
        if name == USE_REGEX and p.regex_annotations:
            return "converted", ("RegularExpression <path>.* with [aA] letter classes for every path of the host (nginx's "
                                 "case-insensitive, start-anchored match); the regex flavour is "
                                 "implementation-specific: check it on yours")
        if name == ALLOW_HTTP and p.honours_allow_http:
            return "converted", "no HTTP listener" if value == "false" else "HTTP listener kept"
        if name == FRONTEND_CONFIG and p.frontend_config_redirect:
            if frontend_redirect:
                return "converted", (f"redirectToHttps -> RequestRedirect ({frontend_redirect}) on the HTTP listener"
                                     + _code_support(frontend_redirect))
            return "not-converted", (f"FrontendConfig {value} has no enabled redirectToHttps here; its sslPolicy "
                                     "becomes a GCPGatewayPolicy with --emitter gke")
        if name == STATIC_IP and p.honours_static_ip:
            return "converted", "Gateway spec.addresses NamedAddress"
        if p.reads_nginx_annotations:
            found = self._handle_nginx(ingress, name, value)
            if found is not None:
                return found
        for prefix, why in NOT_CONVERTIBLE:
            if name.startswith(prefix):
                return "not-converted", why
        if name.startswith(NGINX_PREFIX) and p.regex_annotations:
            report = classify_nginx(name, value)  # the ingress-nginx annotation catalogue (profiles)
            if report.handling == "unknown":
                return "unknown", report.note
            return "not-converted", (f"migrate does not convert it yet, so its effect is lost on Gateway API "
                                     f"(ingress-nginx: {report.note})")
        return "unknown", "ingress-explorer does not know this annotation: check by hand what it does"


def _handle_nginx_annotation(b: "_Builder", ingress: Ingress, name: str, value: str) -> tuple[Handling, str] | None:
    parsed = b.ctx.parsed.get(id(ingress))
    if parsed is None:
        return None
    short = name[len(NGINX_PREFIX):] if name.startswith(NGINX_PREFIX) else ""
    if name == APP_ROOT:
        if not any(r.origin.ingress is ingress for r in b.ctx.app_root.values()):
            return "not-converted", "nginx takes app-root from the oldest Ingress of the host; this one's is not used"
        return "converted", ("an Exact / rule with a RequestRedirect 302 ReplaceFullPath, first in the host's "
                             "HTTPRoute and in its HTTP redirect route (nginx answers it in the server block, before "
                             "any location and before the HTTPS redirect)")
    if name in REDIRECTS or name in (r + "-code" for r in REDIRECTS):
        if parsed.redirect is None:
            return "not-converted", "nginx ignores it here (no http(s) URL in the redirect annotation)"
        code, url, used = parsed.redirect
        if name not in (used, used + "-code"):
            return "converted", f"nginx uses {used} instead (temporal-redirect is read first)"
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            return "not-converted", (f"{url!r} carries a query or fragment: RequestRedirect sets scheme, hostname, "
                                     "port and path only, so every path of the Ingress forwards after the migration")
        if code not in REDIRECT_CORE + REDIRECT_EXTENDED:
            return "not-converted", (f"status {code} is not a RequestRedirect statusCode (Gateway API allows 301, 302, "
                                     "303, 307, 308): every path of the Ingress forwards after the migration")
        return "converted", (f"RequestRedirect {code} with the URL's scheme, hostname, port and ReplaceFullPath "
                             "on every rule of the Ingress, and first in its HTTP redirect route"
                             + (_code_support(code) or " (301 and 302 are Core)"))
    if name == UPSTREAM_VHOST:
        return "converted", ("URLRewrite hostname (the spec's field for the Host a backend sees; ingress2gateway "
                             "writes a RequestHeaderModifier setting Host, which the spec does not define)")
    if name == X_FORWARDED_PREFIX:
        return "converted", ("RequestHeaderModifier set X-Forwarded-Prefix on every rule of the Ingress, as nginx "
                             "sets it on every location (ingress2gateway only adds it beside rewrite-target)")
    if short in NGINX_TIMEOUTS:
        t = _timeouts(ingress)
        if t is None:
            return "not-converted", f"{value!r} is not a positive number of seconds: nginx keeps its default"
        return "converted", (f"rules[].timeouts.backendRequest {t['backendRequest']} (connect + the longer of send "
                             "and read): nginx's are idle timeouts, backendRequest bounds the whole exchange, so a "
                             "response streaming longer is cut after the migration; neither engine simulates time")
    if name == BACKEND_PROTOCOL:
        protocol = value.strip().upper()
        if protocol in ("", "HTTP", "AUTO_HTTP"):
            return "converted", "plain HTTP to the backend, Gateway API's default"
        return "not-converted", BACKEND_PROTOCOLS.get(protocol, f"backend protocol {value!r} is unknown to nginx")
    return None


def _code_support(code: int) -> str:
    """What a RequestRedirect statusCode asks of the implementation (the spec: 301, 302 Core; the rest Extended)."""
    if code in REDIRECT_CORE:
        return ""
    return (f"; statusCode {code} is Extended (feature HTTPRoute{code}RedirectStatusCode): an implementation "
            "without it sets the route Accepted=False UnsupportedValue, check yours")


def _redirect_filter(code: int, scheme: str | None = None, hostname: str | None = None, port: int | None = None,
                     path: str | None = None) -> dict[str, Any]:
    redirect: dict[str, Any] = {}
    if scheme:
        redirect["scheme"] = scheme
    if hostname:
        redirect["hostname"] = hostname
    if port:
        redirect["port"] = port
    if path is not None:
        redirect["path"] = {"type": "ReplaceFullPath", "replaceFullPath": path}
    redirect["statusCode"] = code
    return {"type": "RequestRedirect", "requestRedirect": redirect}


def _seconds(value: str) -> int | None:
    return int(value) if value.strip().isdigit() and int(value) > 0 else None


def _timeouts(ingress: Ingress) -> dict[str, str] | None:
    """proxy-connect/send/read-timeout -> rules[].timeouts.backendRequest (connect + the longer of send and read).

    nginx's are idle timeouts (between two reads or writes, ingress-nginx defaults 5/60/60 s); Gateway API's
    backendRequest bounds one whole exchange with the backend. connect + max(send, read) answers 504 where nginx
    would for a backend slow to start its answer; a response that keeps streaming past it is cut on Gateway API
    and not on nginx. ingress2gateway writes timeouts.request = 10 x the largest instead (a looser bound).
    """
    given = {name: _seconds(ingress.annotation(NGINX_PREFIX + name) or "") for name in NGINX_TIMEOUTS}
    if not any(v is not None for v in given.values()):
        return None
    value = {name: v if v is not None else NGINX_TIMEOUTS[name] for name, v in given.items()}
    total = value["proxy-connect-timeout"] + max(value["proxy-send-timeout"], value["proxy-read-timeout"])
    return {"backendRequest": f"{total}s"}


def _shown(name: str, value: str) -> str:
    """kubectl's last-applied-configuration repeats the whole object (a Secret's too): never printed."""
    return "(omitted)" if name == "kubectl.kubernetes.io/last-applied-configuration" else value


def _caseless(pattern: str) -> str:
    """`/api` -> `/[aA][pP][iI]`: case-insensitive without an inline flag (letters inside [...] left alone)."""
    out, depth, escaped = [], 0, False
    for ch in pattern:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "[":
            depth += 1
            out.append(ch)
        elif ch == "]":
            depth = max(0, depth - 1)
            out.append(ch)
        elif ch.isalpha() and ch.lower() != ch.upper() and depth == 0:
            out.append(f"[{ch.lower()}{ch.upper()}]")
        else:
            out.append(ch)
    return "".join(out)


def _not_read(p: ControllerProfile, name: str) -> bool:
    """An annotation of the other controller: nothing to carry over, said so rather than "unknown"."""
    if name.startswith("nginx.ingress.kubernetes.io/"):
        return not p.regex_annotations and p.tls_redirect_status is None
    if name in (ALLOW_HTTP, FRONTEND_CONFIG, STATIC_IP) or name.startswith(("networking.gke.io/",
                                                                           "ingress.gcp.kubernetes.io/")):
        return not (p.honours_allow_http or p.frontend_config_redirect or p.honours_static_ip)
    return False


def _listener(name: str, port: int, protocol: str, hostname: str | None,
              allowed: dict[str, Any] | None) -> dict[str, Any]:
    listener: dict[str, Any] = {"name": name, "port": port, "protocol": protocol}
    if hostname:
        listener["hostname"] = hostname
    if allowed:
        listener["allowedRoutes"] = allowed
    return listener


def _path_match(hp: HTTPIngressPath, profile: ControllerProfile) -> dict[str, str]:
    """pathType as the controller reads it: nginx ImplementationSpecific is a prefix; GKE's an exact path or a /* glob."""
    path = hp.path or "/"
    if hp.path_type == "Exact":
        return {"type": "Exact", "value": path}
    if hp.path_type == "ImplementationSpecific" and profile.implementation_specific == "exact-glob":
        if not hp.path or path == "/*":
            return {"type": "PathPrefix", "value": "/"}
        if path.endswith("/*"):
            # `/foo/*` matches /foo/ and below, not /foo: PathPrefix /foo also takes /foo (the proof names it)
            return {"type": "PathPrefix", "value": path[:-2] or "/"}
        return {"type": "Exact", "value": path}
    return {"type": "PathPrefix", "value": path}


def _frontend_redirect(state: ClusterState, ingress: Ingress) -> int | None:
    """The FrontendConfig's redirectToHttps status, as the GKE compiler reads it (301 by default)."""
    codes = {"MOVED_PERMANENTLY_DEFAULT": 301, "FOUND": 302, "SEE_OTHER": 303, "TEMPORARY_REDIRECT": 307,
             "PERMANENT_REDIRECT": 308}
    name = ingress.annotation(FRONTEND_CONFIG)
    if not name:
        return None
    for other in state.others:
        if other.meta.kind == "FrontendConfig" and other.meta.name == name \
                and other.meta.namespace == ingress.meta.namespace:
            spec = (other.meta.raw or {}).get("spec") or {}
            redirect = spec.get("redirectToHttps") or {}
            if isinstance(redirect, dict) and redirect.get("enabled") is True:
                return codes.get(str(redirect.get("responseCodeName") or ""), 301)
    return None


def render(migration: Migration) -> dict[str, str]:
    """File name -> YAML text, each document under a comment naming what it came from (libyaml's dumper)."""
    import yaml

    # No object is shared between two places of a document (each rule has its own path mapping), so
    # libyaml writes no `&id001` anchors: a test keeps it so.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    files: dict[str, list[str]] = {}
    for doc in migration.documents:
        comment = "".join(f"# {line}\n" for line in doc.comment.splitlines())
        body = yaml.dump(doc.body, Dumper=dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                         width=1000)
        files.setdefault(doc.file, []).append(comment + body)
    return {name: "---\n".join(parts) for name, parts in files.items()}
