"""ingress-nginx annotations that do not do what their author thinks (IE7001-IE7010).

Read from the annotation catalog (explorer.profiles.nginx_annotations) and the controller's
ConfigMap, for the Ingresses a profile reading nginx annotations serves. Each finding says
what the controller really does: ignore the key, refuse the whole Ingress, deny every path
with 503, or match far more paths than written.
"""

from __future__ import annotations

import re
from typing import Iterator

from explorer.diagnostics.finding import Finding
from explorer.diagnostics.site import Site, annotation_field
from explorer.model.objects import Ingress
from explorer.model.state import ClusterState
from explorer.profiles import ControllerProfile
from explorer.model.location import Severity
from explorer.profiles.nginx_annotations import (
    NGINX_ANNOTATIONS, PREFIX, RISK_ORDER, SNIPPETS, classify, parse_bool,
)
from explorer.routing.nginx import config_from_state, htpasswd_of

#: Keys the GKE front-end checks (frontends.py, IE6007) already report on an nginx Ingress.
_REPORTED_ELSEWHERE = ("kubernetes.io/ingress.allow-http", "kubernetes.io/ingress.global-static-ip-name",
                       "networking.gke.io/v1beta1.FrontendConfig")
_CONSEQUENCE: dict[str, tuple[Severity, str]] = {
    "refuse": ("error", "the controller refuses the whole Ingress (the admission webhook rejects it; without the "
                        "webhook it is skipped and its hosts answer 404)"),
    "deny": ("error", "the controller denies the location: every path of the Ingress answers 503"),
    "default": ("warning", "the controller ignores the value and uses its default"),
}


def check(state: ClusterState, ingress: Ingress, profile: ControllerProfile) -> Iterator[Finding]:
    if not profile.reads_nginx_annotations:
        return
    site = Site(ingress.meta)
    config = config_from_state(state)
    annotations = dict(ingress.meta.annotations)
    for key in sorted(annotations):
        value = annotations[key]
        field = annotation_field(key)
        report = classify(key, value)
        if report.handling == "unknown":
            hint = f"did you mean {report.suggestion}?" if report.suggestion else \
                "see docs/annotations.md for every annotation ingress-nginx reads"
            yield site.finding("IE7001", field, f"ingress-nginx has no annotation {key}: it is ignored", hint)
        elif report.handling == "other-controller" and key.startswith(_OTHER_ROUTING) \
                and not key.startswith(_REPORTED_ELSEWHERE):
            yield site.finding("IE7008", field, f"{key} is {report.note}",
                               "use the nginx.ingress.kubernetes.io/ annotation that does this "
                               "(docs/annotations.md), or serve the Ingress with the controller it is for")
        elif report.error:
            ann = NGINX_ANNOTATIONS[key[len(PREFIX):]]
            severity, what = _CONSEQUENCE[ann.on_invalid]
            yield site.finding("IE7002", field, f"{key}: {report.error}; {what}",
                               "write the value as the annotation expects (docs/annotations.md)", severity)
    yield from _risk(site, annotations, config.flag("allow-snippet-annotations"),
                     config.get("annotations-risk-level"), config.origin or "ingress-nginx's defaults")
    yield from _regex_paths(site, ingress, annotations)
    yield from _canary(site, state, ingress, annotations)
    yield from _auth_secret(site, state, ingress, annotations)
    yield from _error_backends(site, state, ingress, annotations, config.get("custom-http-errors"))


#: Prefixes of other Ingress controllers' routing annotations (people copy them expecting an effect).
_OTHER_ROUTING = ("nginx.org/", "nginx.com/", "alb.ingress.kubernetes.io/", "ingress.kubernetes.io/",
                  "traefik.ingress.kubernetes.io/", "haproxy.org/", "konghq.com/", "appgw.ingress.kubernetes.io/",
                  "kubernetes.io/ingress.", "networking.gke.io/", "ingress.gcp.kubernetes.io/")


def _risk(site: Site, annotations: dict[str, str], allow_snippets: bool, level: str,
          origin: str) -> Iterator[Finding]:
    limit = RISK_ORDER.get(level.capitalize(), 0)
    for key in sorted(annotations):
        name = key[len(PREFIX):] if key.startswith(PREFIX) else ""
        ann = NGINX_ANNOTATIONS.get(name)
        if ann is None:
            continue
        field = annotation_field(key)
        if name in SNIPPETS and not allow_snippets:
            yield site.finding("IE7003", field, (
                f"{key} annotation cannot be used. Snippet directives are disabled by the Ingress administrator: "
                "the controller refuses the whole Ingress (allow-snippet-annotations is false, from "
                f"{origin}; snippets are off by default since v1.9 after CVE-2021-25742)"),
                "use the annotation that does the same thing (docs/annotations.md); snippets need both "
                "allow-snippet-annotations: \"true\" and annotations-risk-level: Critical in the controller's "
                "ConfigMap, and let anyone who can write an Ingress configure nginx")
        elif RISK_ORDER[ann.risk] > limit:
            yield site.finding("IE7003", field, (
                f"annotation {key} is too risky for environment: its risk is {ann.risk} and "
                f"annotations-risk-level is {level} ({origin}); the controller refuses the whole Ingress"),
                "remove the annotation, or raise annotations-risk-level in the controller's ConfigMap")


def _regex_paths(site: Site, ingress: Ingress, annotations: dict[str, str]) -> Iterator[Finding]:
    regex = parse_bool(annotations.get(PREFIX + "use-regex", "")) is True
    target = annotations.get(PREFIX + "rewrite-target", "")
    if not regex and not target:
        return
    which = PREFIX + ("use-regex" if regex else "rewrite-target")
    for rule in ingress.rules:
        for hp in rule.paths or ():
            if hp.path_type != "Prefix" or not hp.path:
                continue
            compiled = _compiled(hp.path)
            if compiled is None:
                continue  # not a regex nginx can use: the router names that path as skipped
            groups = compiled.groups
            if target and "$" in target and groups == 0:
                yield site.finding("IE7004", f"{hp.field}.path", (
                    f"rewrite-target {target!r} uses capture groups but Prefix {hp.path} has none: nginx "
                    "substitutes nothing for them, so every request under the path reaches the same target"),
                    f"write the path as a regex with groups, e.g. {hp.path.rstrip('/')}(/|$)(.*), with "
                    "pathType ImplementationSpecific and rewrite-target /$2")
            elif target and "$" not in target and hp.path != "/":
                yield site.finding("IE7004", f"{hp.field}.path", (
                    f"rewrite-target {target!r} has no capture group: every request under Prefix {hp.path} "
                    f"(/{hp.path.strip('/')}/a, /{hp.path.strip('/')}/b/c) reaches the Pod as {target}"),
                    f"to keep the rest of the path, write {hp.path.rstrip('/')}(/|$)(.*) with rewrite-target "
                    "/$2 (pathType ImplementationSpecific)")
            elif not hp.path.endswith(("/", "$", ")")):
                yield site.finding("IE7005", f"{hp.field}.path", (
                    f"{which} turns Prefix {hp.path} into the case-insensitive regex ^{hp.path}: it also matches "
                    f"{hp.path}iary and {hp.path.upper()} (and every path of host {rule.host or '(any)'} becomes "
                    "a regex)"),
                    f"end the path with (/|$) ({hp.path}(/|$)) to stop at an element boundary")


def _compiled(pattern: str) -> "re.Pattern[str] | None":
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError, MemoryError):  # a hostile path must not crash lint
        return None


def _canary(site: Site, state: ClusterState, ingress: Ingress, annotations: dict[str, str]) -> Iterator[Finding]:
    if parse_bool(annotations.get(PREFIX + "canary", "")) is not True:
        return
    mainline = [other for other in state.ingresses if other is not ingress
                and parse_bool(other.meta.annotations.get(PREFIX + "canary", "")) is not True]
    for rule in ingress.rules:
        for hp in rule.paths or ():
            found = any(r.host == rule.host and any(p.path == hp.path and p.path_type == hp.path_type
                                                    for p in r.paths or ())
                        for other in mainline for r in other.rules)
            if not found:
                yield site.finding("IE7006", hp.field, (
                    f"canary {hp.path_type} {hp.path} on host {rule.host or '(any)'} has no mainline: no Ingress "
                    "without the canary annotation has the same host, path and pathType, so nginx deletes the "
                    "canary's upstream and the requests answer 404 (or go wherever the host already goes)"),
                    "create the mainline Ingress with the same host, path and pathType, or remove canary: \"true\"")


def _auth_secret(site: Site, state: ClusterState, ingress: Ingress, annotations: dict[str, str]) -> Iterator[Finding]:
    if "basic" not in annotations.get(PREFIX + "auth-type", ""):
        return
    name = annotations.get(PREFIX + "auth-secret", "")
    namespace, _, secret_name = name.rpartition("/")
    key = (namespace or ingress.meta.namespace, secret_name)
    field = annotation_field(PREFIX + "auth-secret")
    secret = state.secrets.get(key)
    if not name or secret is None:
        yield site.finding("IE7007", field, (
            f"auth-secret {'/'.join(key) if name else '(none)'} does not exist: nginx denies the location and "
            "every path of the Ingress answers 503"),
            "create it: kubectl create secret generic NAME --from-file=auth (an htpasswd file)")
        return
    if htpasswd_of(secret.meta.raw, annotations.get(PREFIX + "auth-secret-type") or "auth-file") is None \
            and "auth" not in secret.keys:
        yield site.finding("IE7007", field, (
            f"Secret {'/'.join(key)} has no key `auth`: nginx denies the location and every path of the Ingress "
            "answers 503"), "put the htpasswd file under the key auth (or set auth-secret-type: auth-map)")


def _error_backends(site: Site, state: ClusterState, ingress: Ingress, annotations: dict[str, str],
                    configured_errors: str) -> Iterator[Finding]:
    """default-backend that nginx cannot use (IE7009); custom-http-errors answered by the controller's 404 (IE7010).

    controller.go: the annotation's Service is used only when it exists and has endpoints ("custom backend is
    valid only if contains at least one endpoint"); nginx.tmpl CUSTOM_ERRORS: without it the intercepted
    codes go to upstream-default-backend, which answers 404.
    """
    from explorer.routing.endpoints import endpoints_of

    name = annotations.get(PREFIX + "default-backend", "").strip()
    if name:
        service = state.service(ingress.meta.namespace, name)
        found = endpoints_of(state, service) if service is not None and state.workloads else None
        why = ("does not exist" if service is None else "has no ports" if not service.ports
               else "has no ready Pods" if found is not None and not found.ready else "")
        if why:
            yield site.finding("IE7009", annotation_field(PREFIX + "default-backend"), (
                f"default-backend Service {ingress.meta.namespace}/{name} {why}: nginx ignores the annotation, so a "
                "backend of this Ingress without ready endpoints answers 503 instead"),
                "name a Service in the Ingress's namespace whose Pods are Ready")
    codes = annotations.get(PREFIX + "custom-http-errors", "")
    if codes and not name and parse_bool(annotations.get(PREFIX + "disable-proxy-intercept-errors", "")) is not True:
        yield site.finding("IE7010", annotation_field(PREFIX + "custom-http-errors"), (
            f"custom-http-errors {codes} without default-backend: when a Pod answers one of these, nginx sends the "
            "request to the controller's own default backend, and the client gets its 404 (whatever the code)"),
            "add nginx.ingress.kubernetes.io/default-backend naming the Service that renders your error pages")
