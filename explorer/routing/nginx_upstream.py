"""What ingress-nginx does between choosing a location and the Pod's answer, as data for `serve`.

Rate limits, timeouts, sticky sessions, consistent hashing, mirroring, external auth, the protocol
to the Pod, service-upstream, custom error pages and the CORS headers of ordinary answers: each
depends on other requests (a burst, a cookie the controller set earlier), on time, or on what a Pod
or another service answers, so `route` cannot decide it for one request. It names each one
(`UpstreamPolicy.undecided`, in the trace and in JSON) and `serve` carries it out for real
(explorer.proxy.nginx_policy). Read from kubernetes/ingress-nginx@dbb11b9:

- ratelimit/main.go and template.go buildRateLimit: `limit_req zone=<ingress>_rps burst=<rps x
  limit-burst-multiplier (5)> nodelay`, the same for rpm, `limit_conn <ingress>_conn <n>`, keyed by the
  client address unless it is in limit-allowlist; config.go LimitReqStatusCode / LimitConnStatusCode 503;
- proxy/main.go: proxy-connect-timeout 5 s, proxy-send-timeout and proxy-read-timeout 60 s (ConfigMap
  defaults, config.go); nginx answers 504 when one runs out;
- sessionaffinity/main.go and lua/balancer/sticky.lua: cookie INGRESSCOOKIE by default, value
  `<key>|<md5(md5(upstream)..upstream)>`, Path the location's path, HttpOnly, Secure on HTTPS;
- upstreamhashby: the nginx variable's value picks the Pod by consistent hashing (resty.chash);
- mirror/main.go and nginx.tmpl: `mirror /_mirror-<uid>`, whose location proxies to mirror-target
  (Host mirror-host, else the target's host); its answer is thrown away;
- authreq/main.go and nginx.tmpl: `auth_request` to auth-url (method auth-method, else GET, without
  the body); 2xx lets the request through with auth-response-headers copied, 401 and 403 are the
  client's answer (401 becomes a 302 to auth-signin when set), anything else is 500;
- backendprotocol: HTTP by default; HTTPS and GRPC(S) to a Pod that speaks plain HTTP/1.1 fail: 502;
- serviceupstream: the upstream is the Service's ClusterIP (kube-proxy picks the Pod);
- customhttperrors + defaultbackend, controller.go shouldCreateUpstreamForLocationDefaultBackend and
  nginx.tmpl CUSTOM_ERRORS: those Pod statuses are answered by the default-backend annotation's Service
  (its Pods must be ready) with X-Code and friends and the path `/`, else by the controller's own
  default backend (404);
- nginx.tmpl CORS: with enable-cors, `$cors = "true"` adds the Access-Control-* headers to every answer.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Callable, Union
from urllib.parse import urlsplit

from explorer.model.value import field, value
from explorer.profiles.nginx_annotations import PREFIX, parse_bool, parse_cidrs, parse_int
from explorer.routing.decision import BackendRef
from explorer.routing.upstream_keys import TIMEOUT_DEFAULTS, has_policy

if TYPE_CHECKING:
    from explorer.model.objects import Ingress
    from explorer.model.state import ClusterState
    from explorer.routing.request import Request

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
#: The callables the compiler hands in: a ConfigMap key's value, an annotation's value, and whether a
#: default-backend Service (namespace, name) has ready Pods (its ref, else why not).
ConfigGet = Callable[[str], str]
ConfigGetName = Callable[[str], str]
ReadyCheck = Callable[[str, str], "tuple[BackendRef | None, str]"]

DEFAULT_BURST_MULTIPLIER = 5  # ratelimit/main.go defBurst
DEFAULT_COOKIE = "INGRESSCOOKIE"  # sessionaffinity/main.go defaultAffinityCookieName
#: Headers nginx sets on the request to a custom default backend (nginx.tmpl CUSTOM_ERRORS and the location).
ERROR_HEADERS = ("X-Code", "X-Format", "X-Original-URI", "X-Namespace", "X-Ingress-Name", "X-Service-Name",
                 "X-Service-Port", "X-Request-ID")


@value
class RateLimit:
    zone: str  # namespace/name of the Ingress: every path of it shares the zones
    rps: int = 0
    rpm: int = 0
    connections: int = 0
    burst_multiplier: int = DEFAULT_BURST_MULTIPLIER
    allowlist: tuple[Network, ...] = ()
    status: int = 503


@value
class Affinity:
    name: str = DEFAULT_COOKIE
    path: str | None = None  # None: the location's path
    domain: str = ""
    samesite: str = ""
    conditional_samesite_none: bool = False
    secure: bool | None = None  # None: Secure on HTTPS only
    max_age: str = ""
    expires: str = ""
    mode: str = "balanced"
    change_on_failure: bool = False


@value
class ServiceURL:
    """A URL that names a Service of the snapshot (http://svc.ns.svc.cluster.local:port/path)."""

    url: str
    ref: BackendRef | None  # None: not a Service of the snapshot
    host: str
    path: str


@value
class ExternalAuth:
    target: ServiceURL
    method: str = "GET"
    response_headers: tuple[str, ...] = ()
    signin: str = ""
    signin_param: str = "rd"


@value
class Mirror:
    target: ServiceURL
    host: str
    body: bool = True


@value
class UpstreamPolicy:
    """One location's upstream behaviour that serve carries out and route names (see the module docstring)."""

    owner: str  # namespace/name of the Ingress
    namespace: str
    ingress_name: str
    location_path: str
    rate: RateLimit | None = None
    connect_timeout: float = 5.0
    send_timeout: float = 60.0
    read_timeout: float = 60.0
    timeouts_set: tuple[str, ...] = ()  # the annotations that changed them
    affinity: Affinity | None = None
    hash_by: str = ""
    mirror: Mirror | None = None
    auth: ExternalAuth | None = None
    protocol: str = "HTTP"
    service_upstream: bool = False
    custom_errors: tuple[int, ...] = ()
    custom_errors_from: str = ""
    default_backend: BackendRef | None = None  # the default-backend annotation's Service, when it has ready Pods
    default_backend_note: str = ""
    cors: tuple[tuple[str, str], ...] = ()
    cors_origins: tuple[re.Pattern[str], ...] = ()  # empty: any origin
    notes: tuple[str, ...] = field(default=())
    #: satisfy any with auth-url: True when the allow list or the password already let the request in, so nginx
    #: never asks the auth service (None: satisfy all, the default)
    satisfied: "Callable[[Request], bool] | None" = None

    @property
    def acts_in_serve(self) -> bool:
        """True when serve has something to do beyond an ordinary forward."""
        return bool(self.rate or self.timeouts_set or self.affinity or self.hash_by or self.mirror or self.auth
                    or self.protocol != "HTTP" or self.service_upstream or self.custom_errors or self.cors)

    def response_headers(self, request: "Request") -> tuple[tuple[str, str], ...]:
        """The CORS headers nginx adds to an answer that is not a preflight (`$cors = "true"`)."""
        if not self.cors:
            return ()
        origin = next((v for k, v in request.headers if k.lower() == "origin"), "")
        if self.cors_origins and not any(p.match(origin) for p in self.cors_origins):
            return ()
        return tuple((name, origin if value == "$http_origin" else value) for name, value in self.cors)

    def sets(self, key: str) -> bool:
        """True when an annotation or the ConfigMap set this timeout (serve then applies it, time-scaled)."""
        return any(t.startswith(key + " ") for t in self.timeouts_set)

    def undecided(self) -> list[str]:
        """What route cannot decide for one request, one sentence each (trace notes and JSON)."""
        out = list(self.notes)
        r = self.rate
        if r is not None:
            if r.rps:
                out.append(f"limit-rps {r.rps}: a client address sending more than {r.rps} requests a second, past "
                           f"a burst of {r.rps * r.burst_multiplier} (limit-burst-multiplier {r.burst_multiplier}), "
                           f"gets {r.status} (limit_req ... nodelay); serve counts, route sees one request")
            if r.rpm:
                out.append(f"limit-rpm {r.rpm}: more than {r.rpm} requests a minute from one client address, past a "
                           f"burst of {r.rpm * r.burst_multiplier}, get {r.status}; serve counts, route sees one request")
            if r.connections:
                out.append(f"limit-connections {r.connections}: more than {r.connections} requests at once from one "
                           f"client address get {r.status}; serve counts them")
        if self.timeouts_set:
            out.append(f"{', '.join(self.timeouts_set)}: nginx answers 504 when the Pod takes longer (connect "
                       f"{self.connect_timeout:g}s, send {self.send_timeout:g}s, read {self.read_timeout:g}s); it "
                       "depends on the Pod's speed, which serve meets (scaled by --time-scale)")
        if self.affinity is not None:
            out.append(f"affinity cookie: the first answer sets cookie {self.affinity.name} and later requests "
                       "bringing it reach the same Pod; which Pod depends on earlier requests (serve sets it)")
        if self.hash_by:
            out.append(f"upstream-hash-by {self.hash_by}: the same value always reaches the same Pod (consistent "
                       "hashing); which Pod is serve's")
        if self.mirror is not None:
            where = f"Service {self.mirror.target.ref}" if self.mirror.target.ref else "outside the snapshot"
            out.append(f"mirror-target {self.mirror.target.url}: a copy of each request also goes to {where} "
                       f"(Host {self.mirror.host}); its answer is thrown away (serve sends it)")
        if self.auth is not None and self.satisfied is not None:
            out.append("satisfy any: when neither the allow list nor the password lets the request in, the auth "
                       "service decides (and its refusal is the answer); when one does, it is never asked")
        if self.auth is not None:
            t = self.auth.target
            where = f"Service {t.ref}" if t.ref else "a service outside the snapshot (serve answers 500, as nginx " \
                                                   "does when the auth request fails)"
            out.append(f"auth-url {t.url}: the answer depends on the auth service ({where}): 2xx lets the request "
                       f"through, 401/403 are returned{', 401 redirects to ' + self.auth.signin if self.auth.signin else ''}"
                       ", anything else is 500 (serve sends the sub-request)")
        if self.protocol != "HTTP":
            out.append(f"backend-protocol {self.protocol}: nginx speaks {self.protocol} to the Pod; a Pod that "
                       "speaks plain HTTP answers nothing nginx can read and the client gets 502 (serve tries)")
        if self.service_upstream:
            out.append("service-upstream: nginx sends to the Service's ClusterIP and kube-proxy picks the Pod (no "
                       "nginx balancing, retries or affinity per Pod); with no ready Pods kube-proxy refuses the "
                       "connection: 502, not 503")
        if self.custom_errors:
            who = f"the default-backend Service {self.default_backend}" if self.default_backend else \
                "the controller's default backend (404)"
            out.append(f"custom-http-errors {','.join(map(str, self.custom_errors))} ({self.custom_errors_from}): if "
                       f"the Pod answers one of these, {who} answers instead, with path / and X-Code (serve does)")
        return out


def upstream_policy(ingress: "Ingress", path: str, state: "ClusterState", config_get: ConfigGet,
                    default_backend_ready: ReadyCheck) -> UpstreamPolicy | None:
    """The policy of one location of `ingress` (None when none of its annotations asks for one)."""
    if not has_policy(ingress, config_get):
        return None  # most Ingresses: nothing for serve to do around the forward
    ann = {k[len(PREFIX):]: v for k, v in ingress.meta.annotations.items() if k.startswith(PREFIX)}

    def get(name: str) -> str:
        return ann.get(name, "")

    ns, name = ingress.meta.namespace, ingress.meta.name
    kw: dict[str, object] = {}
    notes: list[str] = []
    rps, rpm, conn = (parse_int(get(n)) or 0 for n in ("limit-rps", "limit-rpm", "limit-connections"))
    if rps > 0 or rpm > 0 or conn > 0:
        mult = parse_int(get("limit-burst-multiplier"))
        allow = parse_cidrs(get("limit-allowlist") or get("limit-whitelist")) or []
        kw["rate"] = RateLimit(ingress.meta.key, max(rps, 0), max(rpm, 0), max(conn, 0),
                               mult if mult is not None else DEFAULT_BURST_MULTIPLIER, tuple(allow))
    timeouts_set = []
    for key, attr in (("proxy-connect-timeout", "connect_timeout"), ("proxy-send-timeout", "send_timeout"),
                      ("proxy-read-timeout", "read_timeout")):
        value = parse_int(get(key)) if get(key) else None
        if value is not None and value > 0:
            kw[attr] = float(value)
            timeouts_set.append(f"{key} {value}")
        else:
            configured = parse_int(config_get(key))
            if configured is not None and configured > 0 and config_get(key) != TIMEOUT_DEFAULTS[key]:
                kw[attr] = float(configured)
                timeouts_set.append(f"{key} {configured} (the ConfigMap's)")
    kw["timeouts_set"] = tuple(timeouts_set)
    if get("affinity").strip() == "cookie":
        kw["affinity"] = Affinity(
            name=get("session-cookie-name") or DEFAULT_COOKIE, path=get("session-cookie-path") or None,
            domain=get("session-cookie-domain"), samesite=_samesite(get("session-cookie-samesite")),
            conditional_samesite_none=parse_bool(get("session-cookie-conditional-samesite-none")) is True,
            secure=parse_bool(get("session-cookie-secure")) if get("session-cookie-secure") else None,
            max_age=get("session-cookie-max-age"), expires=get("session-cookie-expires"),
            mode=get("affinity-mode") or "balanced",
            change_on_failure=parse_bool(get("session-cookie-change-on-failure")) is True)
    elif get("upstream-hash-by"):
        kw["hash_by"] = get("upstream-hash-by")
    if get("mirror-target"):
        target = service_url(get("mirror-target"), ns, state)
        kw["mirror"] = Mirror(target, get("mirror-host") or target.host, get("mirror-request-body") != "off")
    if get("auth-url"):
        target = service_url(get("auth-url"), ns, state)
        method = get("auth-method").strip().upper() or "GET"
        headers = tuple(h.strip() for h in get("auth-response-headers").split(",") if h.strip())
        kw["auth"] = ExternalAuth(target, method, headers, get("auth-signin"),
                                  get("auth-signin-redirect-param") or "rd")
    protocol = get("backend-protocol").strip().upper()
    if protocol in ("HTTPS", "GRPC", "GRPCS", "FCGI", "AUTO_HTTP"):
        kw["protocol"] = "HTTP" if protocol == "AUTO_HTTP" else protocol
    if parse_bool(get("service-upstream")) is True:
        kw["service_upstream"] = True
    codes_text, codes_from = get("custom-http-errors"), f"{PREFIX}custom-http-errors"
    if not codes_text:
        codes_text, codes_from = config_get("custom-http-errors"), "the ConfigMap's custom-http-errors"
    codes = tuple(sorted({int(c) for c in re.split(r"[,\s]+", codes_text) if c.isdigit()}))
    if codes and parse_bool(get("disable-proxy-intercept-errors")) is not True:
        kw["custom_errors"], kw["custom_errors_from"] = codes, codes_from
    if get("default-backend"):
        ref, why = default_backend_ready(ns, get("default-backend"))
        kw["default_backend"], kw["default_backend_note"] = ref, why
        if ref is None:
            notes.append(why)
    if parse_bool(get("enable-cors")) is True:
        kw["cors"], kw["cors_origins"] = _cors(get)
    policy = UpstreamPolicy(ingress.meta.key, ns, name, path, notes=tuple(notes), **kw)  # type: ignore[arg-type]
    return policy if policy.acts_in_serve or policy.default_backend or policy.notes else None


def _samesite(value: str) -> str:
    return {"none": "None", "lax": "Lax", "strict": "Strict"}.get(value.strip().lower(), "")


def _cors(get: ConfigGetName) -> tuple[tuple[tuple[str, str], ...], tuple[re.Pattern[str], ...]]:
    """nginx.tmpl CORS, `$cors = "true"`: the preflight's headers but Content-Type (cors/main.go defaults)."""
    origins = [o.strip() for o in (get("cors-allow-origin") or "*").split(",") if o.strip()]
    any_origin = origins == ["*"] or not origins
    credentials = parse_bool(get("cors-allow-credentials")) if get("cors-allow-credentials") else True
    max_age = parse_int(get("cors-max-age"))
    headers = [("Access-Control-Allow-Origin", "*" if any_origin else "$http_origin")]
    if credentials is not False:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    headers.append(("Access-Control-Allow-Methods", get("cors-allow-methods") or "GET, PUT, POST, DELETE, PATCH, OPTIONS"))
    headers.append(("Access-Control-Allow-Headers", get("cors-allow-headers") or (
        "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization")))
    if get("cors-expose-headers"):
        headers.append(("Access-Control-Expose-Headers", get("cors-expose-headers")))
    headers.append(("Access-Control-Max-Age", str(max_age if max_age is not None else 1728000)))
    patterns = () if any_origin else tuple(
        re.compile("^" + re.escape(o).replace(r"\*", "[A-Za-z0-9-]+") + "$", re.IGNORECASE) for o in origins)
    return tuple(headers), patterns


def service_url(url: str, namespace: str, state: "ClusterState") -> ServiceURL:
    """The Service a URL names (`svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`), if in the snapshot."""
    plain = re.sub(r"\$\{?\w+\}?", "", url)  # `http://svc$request_uri`: the variables are not the host
    try:
        parts = urlsplit(plain if "://" in plain else "http://" + plain)
        host = parts.hostname or ""
    except ValueError:  # "http://[::1": not a URL nginx could send to either
        return ServiceURL(url, None, "", "/")
    labels = host.split(".")
    name, ns = labels[0], namespace
    if len(labels) >= 2 and (len(labels) == 2 or labels[2] == "svc"):
        ns = labels[1]
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port out of range: nothing to connect to
        return ServiceURL(url, None, parts.netloc, parts.path or "/")
    service = state.service(ns, name) if host and ("." not in host or len(labels) == 2 or labels[2] == "svc") \
        else None
    ref = None
    if service is not None and any(p.port == port for p in service.ports):
        ref = BackendRef(ns, name, str(port))
    return ServiceURL(url, ref, parts.netloc or host, (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))


def annotation_services(ingress: "Ingress", state: "ClusterState") -> list[tuple[str, str, int]]:
    """The Services (namespace, name, port) nginx sends to because of annotations: auth-url, mirror-target,
    default-backend (its first port). The controller makes upstreams for them, as for rule backends."""
    ann = ingress.meta.annotations
    out = []
    for key in ("auth-url", "mirror-target"):
        if ann.get(PREFIX + key):
            ref = service_url(ann[PREFIX + key], ingress.meta.namespace, state).ref
            if ref is not None:
                out.append((ref.namespace, ref.service, int(ref.port)))
    name = ann.get(PREFIX + "default-backend", "").strip()
    service = state.service(ingress.meta.namespace, name) if name else None
    if service is not None and service.ports:
        out.append((ingress.meta.namespace, name, service.ports[0].port))
    return out


def nginx_variable(expression: str, request: "Request", path: str) -> str:
    """The value of an nginx expression like `$request_uri` or `$http_x_user$arg_id` for one request."""
    def one(m: re.Match[str]) -> str:
        var = (m.group(1) or m.group(2)).lower()
        query = f"?{request.query}" if request.query else ""
        simple = {"request_uri": request.path + query, "uri": path, "host": request.hostname,
                  "remote_addr": request.client, "binary_remote_addr": request.client, "scheme": request.scheme,
                  "args": request.query, "query_string": request.query, "request_method": request.method}
        if var in simple:
            return simple[var]
        if var.startswith("http_"):
            wanted = var[5:]
            return next((v for k, v in request.headers if k.lower().replace("-", "_") == wanted), "")
        if var.startswith("arg_"):
            from urllib.parse import parse_qsl

            return next((v for k, v in parse_qsl(request.query, keep_blank_values=True) if k == var[4:]), "")
        if var.startswith("cookie_"):
            return next((v for k, v in request.cookies if k == var[7:]), "")
        return ""
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", one, expression)

