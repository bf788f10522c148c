"""Paths one controller refuses or reads differently, driven by profile fields.

GKE translates paths into a URL map (`routing.paths.url_map_paths` says
which it refuses); ingress-nginx's admission webhook allows only plain
characters in Exact/Prefix paths (`strict_path_pattern`) and reads regex
only when asked to (`regex_annotations`).
"""

from __future__ import annotations

import re
from typing import Iterator

from explorer.diagnostics.finding import Finding
from explorer.diagnostics.site import Site
from explorer.diagnostics.walk import paths
from explorer.model.objects import HTTPIngressPath, Ingress
from explorer.model.state import ClusterState
from explorer.routing.ingress.annotations import REWRITE_TARGET, USE_REGEX
from explorer.routing.paths import url_map_paths
from explorer.routing.profile import ControllerProfile

_REGEX_CHARS = re.compile(r"[*+?()\[\]{}|^$\\]")


def check(state: ClusterState, ingress: Ingress, profile: ControllerProfile) -> Iterator[Finding]:
    site = Site(ingress.meta)
    for rule, path in paths(ingress):
        if path.path_type not in ("Exact", "Prefix", "ImplementationSpecific"):
            continue  # refused by the apiserver already (IE2001/IE2002)
        if profile.path_matching == "url-map":
            yield from _url_map(site, path, profile)
        if profile.strict_path_pattern and path.path_type != "ImplementationSpecific":
            yield from _strict(site, path, profile.strict_path_pattern)
        if profile.regex_annotations and path.path_type == "ImplementationSpecific":
            yield from _literal_regex(state, site, rule.host, path, profile)


def _url_map(site: Site, path: HTTPIngressPath, profile: ControllerProfile) -> Iterator[Finding]:
    patterns, why = url_map_paths(path.path, path.path_type, profile.implementation_specific)
    if patterns:
        return
    if path.path_type == "ImplementationSpecific":
        hint = "end the path with /* (the only wildcard a URL map accepts), or use pathType Prefix without '*'"
    else:
        hint = (f"drop the '*' and keep {path.path_type} (Prefix {(path.path or '/').rstrip('/*') or '/'} already "
                "matches the paths below it), or use pathType ImplementationSpecific with a trailing /*")
    yield site.finding("IE6003", f"{path.field}.path", why.replace("prefix path", f"{path.path_type.lower()} path"),
                       hint)


def _strict(site: Site, path: HTTPIngressPath, pattern: str) -> Iterator[Finding]:
    value = path.path or ""
    if not value.startswith("/") or re.match(pattern, value):
        return  # a relative path is the apiserver's refusal (IE2003)
    yield site.finding(
        "IE6004", f"{path.field}.path", f"path {value} cannot be used with pathType {path.path_type}",
        "ingress-nginx allows only letters, digits, '/', '-', '_' and '.' in Exact and Prefix paths "
        "(strict-validate-path-type): drop the special characters (Prefix already matches everything below), "
        "or use pathType ImplementationSpecific with nginx.ingress.kubernetes.io/use-regex: \"true\"",
    )


def _regex_on(state: ClusterState, host: str) -> bool:
    """ingress-nginx turns on regex for a whole host when any of its Ingresses asks for it."""
    return any(
        (other.annotation(USE_REGEX) == "true" or other.annotation(REWRITE_TARGET))
        and any(rule.host == host for rule in other.rules)
        for other in state.ingresses
    )


def _literal_regex(state: ClusterState, site: Site, host: str, path: HTTPIngressPath,
                   profile: ControllerProfile) -> Iterator[Finding]:
    value = path.path or ""
    if not _REGEX_CHARS.search(value) or _regex_on(state, host):
        return
    yield site.finding(
        "IE6005", f"{path.field}.path",
        f"path {value} has regex or wildcard characters, but {profile.title} matches it as a plain prefix "
        f"without {USE_REGEX}: \"true\"",
        f'add the annotation {USE_REGEX}: "true" if it is a regex; for everything below a path, write '
        f"{_REGEX_CHARS.split(value)[0].rstrip('/.') or '/'} with pathType Prefix",
    )
