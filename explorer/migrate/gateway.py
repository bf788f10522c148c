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

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from explorer.model.objects import HTTPIngressPath, Ingress, IngressBackend
from explorer.model.state import ClusterState
from explorer.profiles import ControllerProfile
from explorer.routing.route import table_for
from explorer.routing.table import Route
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

Handling = Literal["converted", "not-converted", "unknown"]

#: gatewayClassName when --gateway-class is not given, by profile name ("" = the Ingress class).
#: GKE: gke-l7-global-external-managed is the Gateway counterpart of the external Ingress
#: (GKE docs "Migrate from Ingress to Gateway"); ingress2gateway keeps the Ingress class name for nginx.
DEFAULT_GATEWAY_CLASS: dict[str, str] = {"gce": "gke-l7-global-external-managed", "nginx": ""}

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
    ("nginx.ingress.kubernetes.io/canary", "canaries are not converted yet (a header match or weights would "
     "express most of them); the canary Ingress is converted as a plain one"),
    ("nginx.ingress.kubernetes.io/proxy-", "proxy timeouts and buffers are not converted (HTTPRoute timeouts "
     "cover some of them)"),
    ("nginx.ingress.kubernetes.io/cors-", "CORS is not converted (the CORS filter is experimental)"),
    ("nginx.ingress.kubernetes.io/enable-cors", "CORS is not converted (the CORS filter is experimental)"),
    ("nginx.ingress.kubernetes.io/backend-protocol", "backend protocol is not converted (BackendTLSPolicy or "
     "GRPCRoute would express it)"),
    ("nginx.ingress.kubernetes.io/app-root", "app-root is not converted yet (a RequestRedirect on / would)"),
    ("nginx.ingress.kubernetes.io/permanent-redirect", "not converted yet (a RequestRedirect would express it)"),
    ("nginx.ingress.kubernetes.io/temporal-redirect", "not converted yet (a RequestRedirect would express it)"),
    ("nginx.ingress.kubernetes.io/upstream-vhost", "not converted yet (a RequestHeaderModifier would)"),
    ("nginx.ingress.kubernetes.io/x-forwarded-prefix", "not converted yet (a RequestHeaderModifier would)"),
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


def to_gateway_api(state: ClusterState, profile: ControllerProfile, gateway_class: str | None = None) -> Migration:
    """The Gateway API manifests that stand for the Ingresses `profile`'s controller serves in `state`."""
    out = Migration()
    served: list[Ingress] = []
    # What the controller serves, as the compiler decided it (class, and nginx refusing a whole Ingress for one
    # annotation): an Ingress that answers nothing today must answer nothing after the migration either.
    table = table_for(state, profile)
    for ep in table.entry_points.values():
        for item in ep.listing:
            if isinstance(item, Route) and item.skip and item.origin.http_path is not None:
                out.skipped[id(item.origin.http_path)] = item.skip
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
        class_name = gateway_class or DEFAULT_GATEWAY_CLASS.get(profile.name) or name
        _Builder(state, profile, out, namespace, name, class_name, members).build()
    return out


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", text.lower().replace("*", "wildcard")).strip("-")
    return slug[:60].strip("-") or "default"


class _Builder:
    def __init__(self, state: ClusterState, profile: ControllerProfile, out: Migration, namespace: str, name: str,
                 class_name: str, ingresses: list[Ingress]) -> None:
        self.state, self.profile, self.out = state, profile, out
        self.namespace, self.name, self.class_name, self.ingresses = namespace, name, class_name, ingresses
        self.file = f"{_slug(name)}.yaml" if not profile.load_balancer_per_ingress else \
            f"{_slug(namespace)}-{_slug(name)}.yaml"
        self.key = f"{namespace}/{name}"
        #: nginx: use-regex or rewrite-target on any Ingress of a host makes every path of that host a regex.
        self.regex_hosts = {rule.host for i in ingresses if profile.regex_annotations
                            and (i.annotation(USE_REGEX) == "true" or i.annotation(REWRITE_TARGET))
                            for rule in i.rules}

    def build(self) -> None:
        p = self.profile
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
        for rule in ingress.rules:
            rules = []
            for hp in rule.paths or ():
                r = self._rule(ingress, hp, rule.host)
                if r is not None:
                    r["_source"] = f"Ingress {ingress.meta.key} {hp.field} ({hp.path_type} {hp.shown_path})"
                    rules.append(r)
            hosts.setdefault(rule.host, []).append((rule.field, rules))
            if p.duplicate_host_rules == "replace" and len(hosts[rule.host]) > 1:
                hosts[rule.host] = hosts[rule.host][-1:]  # GKE keeps only the later rule for a host
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
                self._emit(f"HTTPRoute: {why}", self._route(ingress, f"{base}-https-redirect", host, ["http"], [{
                    "filters": [{"type": "RequestRedirect",
                                 "requestRedirect": {"scheme": "https", "statusCode": redirect}}]}], why))

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

    def _rule(self, ingress: Ingress, hp: HTTPIngressPath, host: str) -> dict[str, Any] | None:
        skip = self.out.skipped.get(id(hp))
        if skip:
            self.out.notes.append(f"Ingress {ingress.meta.key} {hp.field} ({hp.path_type} {hp.shown_path}) is not "
                                  f"converted: {skip}")
            return None
        ref = self._backend_ref(ingress, hp.backend)
        if ref is None:
            return None
        if host in self.regex_hosts:
            # nginx: `location ~* ^<path>` (case-insensitive, anchored at the start only); Gateway API's
            # RegularExpression matches the whole path, so `.*` is appended, and letters become [aA]
            # classes (an inline (?i) is not accepted everywhere). The flavour is implementation-specific.
            match = {"path": {"type": "RegularExpression", "value": _caseless(hp.path or "/") + ".*"}}
        else:
            match = {"path": _path_match(hp, self.profile)}
        rule: dict[str, Any] = {"matches": [match], "backendRefs": [ref]}
        target = ingress.annotation(REWRITE_TARGET) if self.profile.regex_annotations else None
        if target and "$" not in target:
            # nginx `rewrite ^<path> <target> break`: the whole path becomes the target.
            rule["filters"] = [{"type": "URLRewrite", "urlRewrite": {
                "path": {"type": "ReplaceFullPath", "replaceFullPath": target}}}]
        return rule

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
            return "converted", "HTTP listener route with RequestRedirect (https) where it redirects, none elsewhere"
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
                return "converted", f"redirectToHttps -> RequestRedirect ({frontend_redirect}) on the HTTP listener"
            return "not-converted", (f"FrontendConfig {value} has no enabled redirectToHttps here; its other "
                                     "fields (sslPolicy) are not converted")
        if name == STATIC_IP and p.honours_static_ip:
            return "converted", "Gateway spec.addresses NamedAddress"
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

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    files: dict[str, list[str]] = {}
    for doc in migration.documents:
        comment = "".join(f"# {line}\n" for line in doc.comment.splitlines())
        body = yaml.dump(doc.body, Dumper=dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                         width=1000)
        files.setdefault(doc.file, []).append(comment + body)
    return {name: "---\n".join(parts) for name, parts in files.items()}
