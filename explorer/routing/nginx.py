"""What ingress-nginx's annotations and ConfigMap make it answer before (and instead of) forwarding.

Pure functions over one Ingress's annotations, the controller's ConfigMap and one request.
The order of the checks is nginx's order of request phases, read from
rootfs/etc/nginx/template/nginx.tmpl and rootfs/etc/nginx/lua (kubernetes/ingress-nginx@dbb11b9):

1. server: `from-to-www-redirect` (a server block of its own: `return 308 $redirect_to`),
   `app-root` (`if ($uri = /) { return 302 $scheme://$http_host<app-root>; }` in the server block);
2. find-config, once the location is chosen: `client_max_body_size` (`proxy-body-size`) against
   the request's Content-Length -> 413;
3. location rewrite: a denied location (`return 503`), the CORS preflight (`return 204`),
   `permanent-redirect` / `temporal-redirect` (`return <code> <url>`), then lua_ingress.rewrite:
   the HTTPS redirect (308, ConfigMap `http-redirect-code`);
4. access: `deny` / `allow` (403), then `auth_basic` (401);
5. content: the balancer picks the canary or the mainline (balancer.lua), then the Pods.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from typing import Any, Callable
from urllib.parse import urlsplit

from explorer.model.objects import Ingress
from explorer.model.redact import reveal
from explorer.model.state import ClusterState
from explorer.model.value import field, record, replace, value
from explorer.profiles.nginx_annotations import (
    DEFAULT_RISK_LEVEL, NGINX_ANNOTATIONS, PREFIX, AnnotationReport, classify_all, denial, parse_bool, parse_cidrs, parse_int,
    parse_size, refusal,
)
from explorer.routing.request import Request
from explorer.routing.table import Condition, HeaderMatch, Match, Redirect, Respond, WeightedBackend

CONFIGMAP_NAME = "ingress-nginx-controller"
#: The ConfigMap keys that change answers, with ingress-nginx's defaults (internal/ingress/controller/config).
CONFIG_DEFAULTS: dict[str, str] = {
    "ssl-redirect": "true",
    "force-ssl-redirect": "false",
    "proxy-body-size": "1m",
    "allow-snippet-annotations": "false",
    "annotations-risk-level": DEFAULT_RISK_LEVEL,
    "use-forwarded-headers": "false",
    "custom-http-errors": "",
    "whitelist-source-range": "",
    "denylist-source-range": "",
    "http-redirect-code": "308",
    "preserve-trailing-slash": "false",
    "proxy-connect-timeout": "5",
    "proxy-read-timeout": "60",
    "proxy-send-timeout": "60",
    "enable-underscores-in-headers": "false",
}

#: nginx's own error pages (ngx_http_special_response.c), which ingress-nginx serves for its own answers.
REASONS = {
    301: "Moved Permanently", 302: "Found", 303: "See Other", 307: "Temporary Redirect", 308: "Permanent Redirect",
    401: "Authorization Required", 403: "Forbidden", 404: "Not Found", 413: "Request Entity Too Large",
    503: "Service Temporarily Unavailable", 204: "No Content", 500: "Internal Server Error", 502: "Bad Gateway",
    504: "Gateway Time-out",
}


def nginx_page(status: int) -> str:
    title = f"{status} {REASONS.get(status, '')}".strip()
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


# ------------------------------------------------------------------ the controller's ConfigMap


@value(slots=False)
class ControllerConfig:
    """The ingress-nginx-controller ConfigMap's keys that change answers, each with where it came from."""

    values: dict[str, str] = field(default_factory=dict)
    origin: str = ""  # "ConfigMap ingress-nginx/ingress-nginx-controller (file:line)" or "--nginx-config FILE"

    def get(self, key: str) -> str:
        return self.values.get(key, CONFIG_DEFAULTS[key])

    def source(self, key: str) -> str:
        if key in self.values:
            return f"{key}: {self.values[key]!r} from {self.origin}"
        return f"{key}: {CONFIG_DEFAULTS[key]!r} (ingress-nginx's default; no ConfigMap sets it)"

    def flag(self, key: str) -> bool:
        return parse_bool(self.get(key)) is True

    @property
    def body_size(self) -> int | None:
        return parse_size(self.get("proxy-body-size"))

    @property
    def redirect_code(self) -> int:
        code = parse_int(self.get("http-redirect-code"))
        return code if code in (301, 302, 307, 308) else 308

    def as_dict(self) -> dict[str, Any]:
        return {key: {"value": self.get(key), "source": self.origin if key in self.values else "default"}
                for key in CONFIG_DEFAULTS}


def config_from_state(state: ClusterState) -> ControllerConfig:
    """The controller's ConfigMap among the manifests (ingress-nginx's own namespace first)."""
    found = [o for o in state.others if o.meta.kind == "ConfigMap" and o.meta.name == CONFIGMAP_NAME]
    if not found:
        return ControllerConfig()
    found.sort(key=lambda o: (o.meta.namespace != "ingress-nginx", o.meta.order))
    cm = found[0]
    return config_from_data((cm.meta.raw or {}).get("data"), f"ConfigMap {cm.meta.key} ({cm.meta.location})")


def config_from_data(data: Any, origin: str) -> ControllerConfig:
    values = {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return ControllerConfig(values, origin)


# ------------------------------------------------------------------ one Ingress's annotations, parsed once


@value(slots=False)
class Canary:
    header: str = ""
    header_value: str = ""
    header_pattern: str = ""
    cookie: str = ""
    weight: int = 0
    weight_total: int = 100


@value(slots=False)
class BasicAuth:
    realm: str
    secret: str  # namespace/name
    secret_type: str  # auth-file | auth-map


@record
class IngressAnnotations:
    """What one Ingress's annotations make nginx do (internal/ingress/annotations/*, Parse)."""

    reports: list[AnnotationReport]
    refused: str | None = None  # the controller skips the whole Ingress
    denied: str | None = None  # every location answers 503
    redirect: tuple[int, str, str] | None = None  # code, URL, the annotation
    app_root: str = ""
    from_to_www: bool = False
    allow: list[Any] = field(default_factory=list)
    deny: list[Any] = field(default_factory=list)
    allow_from: str = ""
    deny_from: str = ""
    auth: BasicAuth | None = None
    auth_note: str = ""
    body_size: int | None = 1 << 20
    body_size_from: str = ""
    canary: Canary | None = None
    x_forwarded_prefix: str = ""
    server_alias: tuple[str, ...] = ()
    cors: dict[str, str] | None = None  # enable-cors and its cors-* values, defaults filled in
    upstream_vhost: str = ""
    ssl_redirect: bool = True
    force_ssl_redirect: bool = False
    preserve_trailing_slash: bool = False
    satisfy_any: bool = False  # satisfy: any (nginx's satisfy directive: one access check passing is enough)
    #: With satisfy any and auth-url: whether the allow list or the password already let the request in (then
    #: nginx never asks the auth service); serve reads it (nginx_upstream.UpstreamPolicy.satisfied).
    satisfied: Callable[[Request], bool] | None = None

    def has(self, name: str) -> bool:
        return any(r.key == PREFIX + name for r in self.reports)


def parse_ingress(ingress: Ingress, config: ControllerConfig) -> IngressAnnotations:
    ann = dict(ingress.meta.annotations)

    def get(name: str) -> str:
        return ann.get(PREFIX + name, "")

    def flag(name: str, default: bool) -> bool:
        value = parse_bool(get(name)) if get(name) else None
        return default if value is None else value

    parsed = IngressAnnotations(classify_all(ann))
    parsed.refused = refusal(ann, config.flag("allow-snippet-annotations"), config.get("annotations-risk-level"))
    parsed.denied = denial(ann)
    # redirect/redirect.go: temporal first (codes 300-307, default 302), then permanent (300-308, default 301)
    for name, low, high, default in (("temporal-redirect", 300, 307, 302), ("permanent-redirect", 300, 308, 301)):
        url = get(name)
        if url and re.match(r"https?", url.split(":", 1)[0] if ":" in url else ""):
            code = parse_int(get(name + "-code")) or 0
            parsed.redirect = (code if low <= code <= high else default, url, PREFIX + name)
            break
    # rewrite/main.go: an app-root that is not a path ("shop", a URL) is logged and ignored: / is not redirected
    parsed.app_root = get("app-root") if NGINX_ANNOTATIONS["app-root"].validate(get("app-root")) is None else ""
    parsed.from_to_www = flag("from-to-www-redirect", False)
    # ipallowlist / ipdenylist: the annotation (allowlist-source-range, or its alias), else the ConfigMap's list
    for attr, names, key in (("allow", ("allowlist-source-range", "whitelist-source-range"), "whitelist-source-range"),
                             ("deny", ("denylist-source-range",), "denylist-source-range")):
        own = next((name for name in names if get(name)), None)
        if own is not None:
            setattr(parsed, attr, parse_cidrs(get(own)) or [])
            setattr(parsed, attr + "_from", f"{PREFIX}{own}: {get(own)!r}")
        elif config.get(key):
            setattr(parsed, attr, parse_cidrs(config.get(key)) or [])
            setattr(parsed, attr + "_from", config.source(key))
    # auth/main.go
    if get("auth-type"):
        if re.search(r"basic|digest", get("auth-type")) and "basic" in get("auth-type"):
            secret = get("auth-secret")
            namespace, _, name = secret.rpartition("/")
            parsed.auth = BasicAuth(get("auth-realm"), f"{namespace or ingress.meta.namespace}/{name}",
                                    get("auth-secret-type") or "auth-file")
        else:
            parsed.auth_note = f"auth-type {get('auth-type')!r}: digest authentication is not simulated"
    # proxy/main.go: BodySize, else the ConfigMap's proxy-body-size
    size = parse_size(get("proxy-body-size")) if get("proxy-body-size") else None
    if size is not None:
        parsed.body_size, parsed.body_size_from = size, f"{PREFIX}proxy-body-size: {get('proxy-body-size')!r}"
    else:
        parsed.body_size = config.body_size
        parsed.body_size_from = config.source("proxy-body-size")
        if get("proxy-body-size"):
            parsed.body_size_from += f" ({PREFIX}proxy-body-size {get('proxy-body-size')!r} is invalid, so ignored)"
    # canary/main.go
    if flag("canary", False):
        weight = parse_int(get("canary-weight")) or 0
        total = parse_int(get("canary-weight-total")) or 100
        parsed.canary = Canary(get("canary-by-header"), get("canary-by-header-value"),
                               get("canary-by-header-pattern"), get("canary-by-cookie"), weight, total)
    parsed.x_forwarded_prefix = get("x-forwarded-prefix")
    if flag("enable-cors", False):  # cors/main.go defaults
        parsed.cors = {
            "origin": get("cors-allow-origin") or "*",
            "methods": get("cors-allow-methods") or "GET, PUT, POST, DELETE, PATCH, OPTIONS",
            "headers": get("cors-allow-headers") or ("DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,"
                                                     "Cache-Control,Content-Type,Range,Authorization"),
            "expose": get("cors-expose-headers"),
            "credentials": "true" if flag("cors-allow-credentials", True) else "",
            "max_age": str(parse_int(get("cors-max-age")) if parse_int(get("cors-max-age")) is not None else 1728000),
        }
    parsed.server_alias = tuple(a.strip().lower() for a in get("server-alias").split(",") if a.strip())
    parsed.upstream_vhost = get("upstream-vhost").strip()
    parsed.ssl_redirect = flag("ssl-redirect", config.flag("ssl-redirect"))
    parsed.force_ssl_redirect = flag("force-ssl-redirect", config.flag("force-ssl-redirect"))
    parsed.preserve_trailing_slash = flag("preserve-trailing-slash", config.flag("preserve-trailing-slash"))
    parsed.satisfy_any = get("satisfy").strip() == "any"
    return parsed


# ------------------------------------------------------------------ conditions, in nginx's phase order


def conditions_before(parsed: IngressAnnotations, owner: str, state: ClusterState) -> tuple[list[Condition],
                                                                                             list[Condition]]:
    """The route's conditions around the HTTPS redirect: (before it, after it), in nginx's order.

    Before: 413 (find-config), the denied location's 503 and the redirect annotations (location `return`s).
    After: the access phase: deny, allow (403), basic auth (401, or 503 without its Secret).
    """
    before: list[Condition] = []
    after: list[Condition] = []
    if parsed.body_size:
        before.append(Condition("body-size", Respond(413, nginx_page(413), content_type="text/html"),
                                f"the request's body is over client_max_body_size {parsed.body_size} bytes "
                                f"({parsed.body_size_from}): nginx answers 413 before anything else of the "
                                "location", max_body_bytes=parsed.body_size))
    if parsed.denied:
        before.append(Condition("denied", Respond(503, nginx_page(503), content_type="text/html"),
                                f"the location is denied ({parsed.denied}): nginx answers 503 for every path of "
                                f"{owner}"))
    if parsed.cors is not None:
        before.append(_preflight(parsed.cors, owner))
    if parsed.redirect is not None:
        code, url, name = parsed.redirect
        before.append(Condition("redirect", Redirect(code, **_url_parts(url)),
                                f"{name} on {owner}: nginx answers `return {code} {url}` (before the HTTPS "
                                "redirect and the backend)", joins=True))
    if parsed.deny:
        after.append(Condition("deny", Respond(403, nginx_page(403), content_type="text/html"),
                               f"the client is in the deny list ({parsed.deny_from}): 403",
                               networks=tuple(parsed.deny)))
    if parsed.allow:
        listed = ", ".join(str(n) for n in parsed.allow)
        after.append(Condition("allow", Respond(403, nginx_page(403), content_type="text/html"),
                               f"the client is not in the allow list {listed} ({parsed.allow_from}): nginx's "
                               "`deny all` answers 403 (route --client-ip ADDR sets the address)",
                               networks=tuple(parsed.allow)))
    if parsed.auth is not None:
        after.append(_auth_condition(parsed.auth, owner, state))
    if parsed.satisfy_any:
        after = _satisfy_any(parsed, after, owner)
    return before, after


def _satisfy_any(parsed: IngressAnnotations, access: list[Condition], owner: str) -> list[Condition]:
    """nginx `satisfy any` (ngx_http_core_access_phase): the first access check that passes lets the request in
    (allow/deny, then auth_basic, then auth_request); when all fail, 401 wins over 403."""
    checks = [c for c in access if c.kind in ("allow", "deny", "auth")]
    others = [c for c in access if c not in checks]
    if parsed.has("auth-url"):  # the auth service is the last check: serve asks it only when these fail
        if checks:
            parsed.satisfied = lambda request: any(not c.applies(request) for c in _groups(checks))
        return others
    if len(_groups(checks)) < 2:
        return access
    auth = next((c for c in checks if c.kind == "auth"), None)
    answer = auth.answer if auth is not None else checks[0].answer
    granted = _groups(checks)
    names = " or ".join("the password" if isinstance(c, Condition) else "the allow/deny list" for c in granted)
    return others + [Condition("auth", answer, (
        f"satisfy any on {owner}: neither {names} lets the request in, so nginx answers "
        f"{answer.status if isinstance(answer, Respond) else 403}"), check=lambda request: any(
            not c.applies(request) for c in granted))]


class _AccessList:
    """allow and deny together: nginx's one access module (`deny ...; allow ...; deny all;`)."""

    def __init__(self, conditions: list[Condition]) -> None:
        self.conditions = conditions

    def applies(self, request: Request) -> bool:
        return any(c.applies(request) for c in self.conditions)


def _groups(checks: list[Condition]) -> list[Any]:
    listed = [c for c in checks if c.kind in ("allow", "deny")]
    return ([_AccessList(listed)] if listed else []) + [c for c in checks if c.kind == "auth"]


def _preflight(cors: dict[str, str], owner: str) -> Condition:
    """nginx.tmpl's CORS template: `if ($cors = "trueoptions") { more_set_headers ...; return 204; }`."""
    origins = [o.strip() for o in cors["origin"].split(",") if o.strip()]
    any_origin = origins == ["*"]
    headers = [("Access-Control-Allow-Origin", "*" if any_origin else "$http_origin")]
    if cors["credentials"]:
        headers.append(("Access-Control-Allow-Credentials", cors["credentials"]))
    headers += [("Access-Control-Allow-Methods", cors["methods"]), ("Access-Control-Allow-Headers", cors["headers"])]
    if cors["expose"]:
        headers.append(("Access-Control-Expose-Headers", cors["expose"]))
    headers += [("Access-Control-Max-Age", cors["max_age"]), ("Content-Type", "text/plain charset=UTF-8")]
    patterns = [re.compile("^" + re.escape(o).replace(r"\*", "[A-Za-z0-9-]+") + "$", re.IGNORECASE)
                for o in origins]

    def allowed(request: Request) -> bool:
        if any_origin:
            return True
        origin = next((v for k, v in request.headers if k.lower() == "origin"), "")
        return any(p.match(origin) for p in patterns)

    listed = "any origin" if any_origin else f"origins {', '.join(origins)}"
    return Condition("preflight", Respond(204, "", headers=tuple(headers)),
                     f"enable-cors on {owner} ({listed}): nginx answers the CORS preflight (OPTIONS) itself with 204",
                     check=allowed)


def _url_parts(url: str) -> dict[str, Any]:
    """The redirect annotation's URL as written, whole: Redirect fields that rebuild exactly it."""
    parts = urlsplit(url)
    port = parts.port
    return {"scheme": parts.scheme, "host": parts.hostname or "", "port": port, "path": parts.path or "",
            "keep_query": False, "keep_root_slash": True}


def _auth_condition(auth: BasicAuth, owner: str, state: ClusterState) -> Condition:
    namespace, _, name = auth.secret.partition("/")
    secret = state.secrets.get((namespace, name))
    page = nginx_page(503)
    if secret is None:
        return Condition("denied", Respond(503, page, content_type="text/html"),
                         f"auth-secret {auth.secret} does not exist: the location is denied and nginx answers 503")
    entries = htpasswd_of(secret.meta.raw, auth.secret_type)
    if entries is None:
        return Condition("denied", Respond(503, page, content_type="text/html"),
                         f"Secret {auth.secret} has no key `auth` (auth-secret-type {auth.secret_type}): the "
                         "location is denied and nginx answers 503")
    realm = (("WWW-Authenticate", f'Basic realm="{auth.realm}"'),)

    def good(request: Request) -> bool:
        user, password = basic_credentials(request)
        return user is not None and check_password(entries, user, password or "")

    return Condition("auth", Respond(401, nginx_page(401), headers=realm, content_type="text/html"),
                     f"auth-type basic on {owner} (Secret {auth.secret}) and the request brings no user and "
                     "password in it: 401", header="Authorization", check=good)


def basic_credentials(request: Request) -> tuple[str | None, str | None]:
    for name, value in request.headers:
        if name.lower() == "authorization":
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() != "basic":
                return None, None
            try:
                user, _, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None, None
            return user, password
    return None, None


def htpasswd_of(raw: Any, secret_type: str) -> str | None:
    """The htpasswd lines of an auth Secret: its values are revealed here only, to check a password, and
    never shown (explorer.model.redact seals them at load)."""
    if not isinstance(raw, dict):
        return None

    def value(v: Any) -> str:
        revealed = reveal(v)
        return revealed if revealed is not None else str(v)

    values: dict[str, str] = {}
    for key, v in (raw.get("data") or {}).items():
        try:
            values[str(key)] = base64.b64decode(value(v)).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            values[str(key)] = ""
    for key, v in (raw.get("stringData") or {}).items():
        values[str(key)] = value(v)
    if secret_type == "auth-map":
        return "\n".join(f"{user}:{hashed.strip()}" for user, hashed in values.items()) if values else None
    return values.get("auth")


def check_password(htpasswd: str, user: str, password: str) -> bool:
    """nginx auth_basic_user_file: bcrypt, apr1, {SHA} and crypt(3) hashes, through passlib (libpass)."""
    from passlib.apache import HtpasswdFile  # type: ignore[import-untyped]  # imported when first needed (~30 ms)

    try:
        users = HtpasswdFile.from_string(htpasswd)
        return bool(users.check_password(user, password))
    except (ValueError, TypeError):
        return False




# ------------------------------------------------------------------ canary


def canary_routes(canary: Canary, main: WeightedBackend, alt: WeightedBackend, path: Any,
                  why: str) -> tuple[list[tuple[Match, WeightedBackend, str]], tuple[WeightedBackend, ...]]:
    """balancer.lua route_to_alternative_balancer, as ordered guarded routes and a weighted last one.

    Returns [(match, backend, why)] tried in order, then the backends of the unguarded route:
    header (value, pattern, or always/never), then cookie (always/never), then weight.
    """
    out: list[tuple[Match, WeightedBackend, str]] = []
    if canary.header:
        # balancer.lua reads ngx.var["http_" .. header with "-" made "_"]: nginx's $http_ variables name a header
        # lower-cased with "-" as "_", so X_Canary and x-canary both read the request header X-Canary; a request
        # header spelled with "_" never arrives (underscores_in_headers off: nginx drops it)
        canary = replace(canary, header=canary.header.replace("_", "-"))
        if canary.header_value:
            out.append((Match(path, headers=(HeaderMatch(canary.header, canary.header_value),)), alt,
                        f"header {canary.header}: {canary.header_value} (canary-by-header-value): the canary"))
        elif canary.header_pattern:
            try:
                re.compile(f"(?s:.*?)(?:{canary.header_pattern})(?s:.*)")
            except (re.error, RecursionError, OverflowError) as exc:
                out.append((Match(path, headers=(HeaderMatch(canary.header, "", "present"),)), main,
                            f"canary-by-header-pattern {canary.header_pattern!r} is not a valid regex ({exc}): "
                            "with the header present balancer.lua stops at the error and keeps the mainline"))
            else:
                search = f"(?s:.*?)(?:{canary.header_pattern})(?s:.*)"  # ngx.re.match is unanchored
                out.append((Match(path, headers=(HeaderMatch(canary.header, search, "regex"),)), alt,
                            f"header {canary.header} matches canary-by-header-pattern {canary.header_pattern}: "
                            "the canary"))
        else:
            out.append((Match(path, headers=(HeaderMatch(canary.header, "always"),)), alt,
                        f"header {canary.header}: always: the canary"))
            out.append((Match(path, headers=(HeaderMatch(canary.header, "never"),)), main,
                        f"header {canary.header}: never: the mainline"))
    if canary.cookie:
        out.append((Match(path, cookies=(HeaderMatch(canary.cookie, "always"),)), alt,
                    f"cookie {canary.cookie}=always: the canary"))
        out.append((Match(path, cookies=(HeaderMatch(canary.cookie, "never"),)), main,
                    f"cookie {canary.cookie}=never: the mainline"))
    total = canary.weight_total if canary.weight_total > 100 else 100  # balancer.lua ignores totals <= 100
    if canary.weight <= 0:
        weighted: tuple[WeightedBackend, ...] = (main,)
    elif canary.weight >= total:
        weighted = (alt,)
    else:
        weighted = (WeightedBackend(main.ref, total - canary.weight), WeightedBackend(alt.ref, canary.weight))
    return out, weighted
