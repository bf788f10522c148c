"""Every ingress-nginx annotation, as data: its name, what nginx accepts, its risk, and what we do with it.

Transcribed from kubernetes/ingress-nginx@dbb11b9: the names, validators, risk levels and
aliases from `internal/ingress/annotations/*/main.go` (each parser's `parser.AnnotationFields`),
the validators from `internal/ingress/annotations/parser/validators.go`, and the list the docs
print in `docs/user-guide/nginx-configuration/annotations.md` (which forgets eight of them).

Why the values matter: the controller runs every annotation's validator when it reads an
Ingress (`annotations.Extractor.Extract`). One invalid value, or one annotation above the
controller's `annotations-risk-level` (default High, so every `*-snippet` is refused), and
the *whole Ingress* is skipped (`store.syncIngress` returns early): its hosts answer 404, or
the admission webhook refuses it at `kubectl apply`. So a bad value is not a style problem,
it is the reason a site is down.

`handling` says what ingress-explorer does with each one:
  simulated        the routing answer (route, serve, lessons) follows it;
  recognised       known and named in the trace with what it would change, but not simulated;
Other prefixes are answered by `classify`: for another controller, or unknown (did-you-mean).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Callable, Literal, TypeAlias, cast

from explorer.model.value import value

PREFIX = "nginx.ingress.kubernetes.io/"

#: Type aliases are strings: importing the module builds no typing object (each costs the start ~0.1 ms).
Risk: TypeAlias = 'Literal["Low", "Medium", "High", "Critical"]'
RISK_ORDER: dict[str, int] = {"Low": 0, "Medium": 1, "High": 2, "Critical": 3}
#: The controller ConfigMap's annotations-risk-level default (internal/ingress/controller/config/config.go).
DEFAULT_RISK_LEVEL: Risk = "High"

Handling: TypeAlias = 'Literal["simulated", "recognised", "other-controller", "unknown"]'

#: A validator returns None when nginx accepts the value, else why it refuses it.
Validator: TypeAlias = "Callable[[str], str | None]"


# ------------------------------------------------------------------ validators (parser/validators.go)

_ALNUM = r"\-\.\_\~a-zA-Z0-9\/:"
_EXTENDED = _ALNUM + ", "
_REGEX_CHARS = re.escape(r"^$[](){}*+?|&=\\")
_URL_CHARS = re.escape(",:?&=")
class _Lazy:
    """A validator's pattern, compiled on its first use: the catalog names some forty, most never run.

    (Compiling them all at import was about a tenth of the route command's start.)
    """

    __slots__ = ("_source", "_flags", "_compiled")

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source, self._flags = source, flags
        self._compiled: re.Pattern[str] | None = None

    def _pattern(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self._source, self._flags)
        return self._compiled

    def search(self, value: str) -> re.Match[str] | None:
        return self._pattern().search(value)

    def match(self, value: str) -> re.Match[str] | None:
        return self._pattern().match(value)


_MALICIOUS = _Lazy(r"\r|\n")

IS_VALID_REGEX = _Lazy("^[/" + _ALNUM + _REGEX_CHARS + "]*$")
SIZE = _Lazy(r"^\d+[bkmg]?$", re.IGNORECASE)
URL_IS_VALID = _Lazy("^[" + _ALNUM + _URL_CHARS + "]*$")
BASIC_CHARS = _Lazy("^[/" + _ALNUM + "]*$")
EXTENDED_CHARS = _Lazy("^[/" + _EXTENDED + "]*$")
CHARS_WITH_SPACE = _Lazy("^[/" + _ALNUM + " ]*$")
NGINX_VARIABLE = _Lazy(r"^[A-Za-z0-9\-\_\$\{\}]*$")
REGEX_PATH_WITH_CAPTURE = _Lazy(r"^/?[" + _ALNUM + r"\/\$]*$")
HEADERS_VARIABLE = _Lazy(r"^[A-Za-z0-9-_, ]*$")
URL_WITH_NGINX_VARIABLE = _Lazy("^[" + _EXTENDED + _URL_CHARS + "$]*$")
# the parsers' own patterns
AUTH_TYPE = _Lazy(r"basic|digest")  # unanchored in auth/main.go: "xbasicx" passes
AUTH_SECRET_TYPE = _Lazy(r"auth-file|auth-map")
AUTH_METHODS = _Lazy(r"^(GET|HEAD|POST|PUT|PATCH|DELETE|CONNECT|OPTIONS|TRACE)$")
AUTH_VERIFY_CLIENT = _Lazy(r"^(on|off|optional|optional_no_ca)$")
AUTH_TLS_ERROR_PAGE = _Lazy(r"^(@[A-Za-z0-9_-]+|((https?://)?[A-Za-z0-9\-.]+(:\d+)?)?(/[A-Za-z0-9\-_.]+)*/?)$")
CONNECTION_HEADER = _Lazy(r"^(close|keep-alive)$")
CORS_ORIGIN = _Lazy(r"^((((([a-z]+://)?(\*\.)?[A-Za-z0-9\-.]*(:\d+)?,?)|null)+)|\*)?$")
CORS_METHODS = _Lazy(r"^([A-Za-z]+,?\s?)+$")
CORS_EXPOSE_HEADERS = _Lazy(r"^(([A-Za-z0-9\-\_]+|\*),?\s?)+$")
HTTP_ERRORS = _Lazy(r"^(?:[4,5]\d{2},?)*$")
FASTCGI_INDEX = _Lazy(r"^[A-Za-z0-9.\-\_]+$")
ON_OFF = _Lazy(r"^(on|off)$")
UPSTREAM_NEXT = _Lazy(
    r"^((error|timeout|invalid_header|http_500|http_502|http_503|http_504|http_403|http_404|http_429"
    r"|non_idempotent|off)\s?)+$"
)
COOKIE_DOMAIN = _Lazy(r"^(off|[" + _ALNUM + r"]+\s+[" + _ALNUM + r"]+)$")
PROXY_SSL_PROTOCOLS = _Lazy(r"^(TLSv1\.2|TLSv1\.3| )*$")
PROXY_SSL_CIPHERS = _Lazy(r"^[A-Za-z0-9\+:\_\-!]*$")
COOKIE_EXPIRES = _Lazy(r"(^0|-?[1-9]\d*$)")
SSL_CIPHER = _Lazy(r"^(?:(?:[A-Za-z0-9!:+\-_])*(?:@STRENGTH)*(?:@SECLEVEL=[0-5])*(?:@STRENGTH)*)*$")
OPERATION_NAME = _Lazy(r"^[A-Za-z0-9_\-]*$")
HASH_BY = _Lazy(r"^[A-Za-z0-9\-" + re.escape("_${}") + "]*$")
DNS1035 = _Lazy(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")

_GO_BOOLS = {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"}


def parse_bool(value: str) -> bool | None:
    """Go's strconv.ParseBool: `"True"` and `"1"` are true, `"yes"` is an error (None)."""
    if value not in _GO_BOOLS:
        return None
    return value in ("1", "t", "T", "TRUE", "true", "True")


def parse_int(value: str) -> int | None:
    """Go's strconv.Atoi: an optional sign and decimal digits, nothing else (no spaces, no `10k`)."""
    if not re.fullmatch(r"[+-]?\d+", value):
        return None
    number = int(value)
    return number if -(2**63) <= number < 2**63 else None


def parse_cidrs(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None:
    """internal/net ParseCIDRs: comma-separated CIDRs or bare IPs, host bits allowed (Go's ParseCIDR)."""
    if value == "":
        return []
    nets = []
    for spec in value.split(","):
        spec = spec.strip()
        try:
            if "/" in spec:
                address, _, bits = spec.partition("/")
                if not bits.isdigit():
                    return None
                nets.append(ipaddress.ip_network(f"{ipaddress.ip_address(address)}/{int(bits)}", strict=False))
            else:
                nets.append(ipaddress.ip_network(ipaddress.ip_address(spec)))
        except ValueError:
            return None
    return nets


def parse_size(value: str) -> int | None:
    """An nginx size (`1m`, `512k`, `100`, `2g`) in bytes; `0` means no limit. None when nginx refuses it."""
    value = value.replace(" ", "")
    if not SIZE.match(value):
        return None
    unit = value[-1].lower()
    if unit.isdigit():
        return int(value)
    return int(value[:-1]) * {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]


def _bool(value: str) -> str | None:
    return None if parse_bool(value) is not None else f"{value!r} is not a boolean (Go strconv.ParseBool)"


def _int(value: str) -> str | None:
    return None if parse_int(value) is not None else f"{value!r} is not an integer (Go strconv.Atoi)"


def _cidrs(value: str) -> str | None:
    return None if parse_cidrs(value) is not None else f"{value!r} is not a list of CIDRs or IP addresses"


def _null(value: str) -> str | None:
    return None


def _regex(pattern: _Lazy, remove_space: bool, what: str = "") -> Validator:
    def check(value: str) -> str | None:
        if remove_space:
            value = value.replace(" ", "")
        if not pattern.search(value):  # Go's MatchString is unanchored; the patterns anchor themselves
            return f"{value!r} is invalid{': ' + what if what else ''}"
        if _MALICIOUS.search(value):
            return f"{value!r} contains a line break"
        return None
    return check


def _options(options: tuple[str, ...], case_sensitive: bool, trim_space: bool) -> Validator:
    def check(value: str) -> str | None:
        if trim_space:
            value = value.strip()
        if not case_sensitive:
            value = value.lower()
        return None if value in options else f"{value!r} is not one of {', '.join(options)}"
    return check


def _server_name(value: str) -> str | None:
    value = value.strip()
    return None if IS_VALID_REGEX.match(value) else f"{value!r} is an invalid server name"


def _server_names(value: str) -> str | None:
    for name in value.split(","):
        problem = _server_name(name)
        if problem:
            return problem
    return None


def _service_name(value: str) -> str | None:
    if len(value) <= 63 and DNS1035.match(value):
        return None
    return f"{value!r} is not a valid Service name (a DNS-1035 label)"


def _common_name(value: str) -> str | None:
    if not value.startswith("CN="):
        return f"{value!r} is not a valid Common Name annotation: missing prefix 'CN='"
    try:
        re.compile(value[3:])
    except re.error as exc:
        return f"{value!r} is not a valid regex: {exc}"
    return None


def _app_root(value: str) -> str | None:
    """rewrite/main.go: the path regex, then url.ParseRequestURI (a path must start with /) and no absolute URL."""
    problem = _regex(REGEX_PATH_WITH_CAPTURE, False)(value)
    if problem is None and not value.startswith("/"):
        problem = f"{value!r} is not a path starting with / (url.ParseRequestURI refuses it)"
    return problem


BOOL, INT, CIDRS, NULL = _bool, _int, _cidrs, _null

OnInvalid: TypeAlias = 'Literal["refuse", "deny", "default"]'
#: What an invalid value does, read from each parser's Parse (the other annotations fall back to their default
#: and the controller logs "<name> is invalid, defaulting to ..."):
#:   refuse: Parse returns the validation error, Extract fails, the whole Ingress is skipped (webhook: refused);
#:   deny:   Parse returns a LocationDeniedError: every location of the Ingress answers 503.
ON_INVALID: dict[str, OnInvalid] = {
    **{name: "refuse" for name in (
        "auth-method", "auth-response-headers", "auth-url", "custom-http-errors", "default-backend",
        "from-to-www-redirect", "limit-allowlist", "limit-connections", "limit-rpm", "limit-rps",
        "opentelemetry-operation-name", "opentelemetry-trust-incoming-span", "permanent-redirect",
        "permanent-redirect-code", "relative-redirects", "temporal-redirect", "temporal-redirect-code",
        "upstream-hash-by", "upstream-hash-by-subset", "upstream-hash-by-subset-size")},
    **{name: "deny" for name in (
        "allowlist-source-range", "denylist-source-range", "auth-type", "auth-secret", "auth-secret-type")},
}
SIZE_VALUE = _regex(SIZE, True, "a size is digits with an optional b, k, m or g")


# ------------------------------------------------------------------ the catalog


@value
class NginxAnnotation:
    name: str  # without the prefix
    group: str  # the parser directory in internal/ingress/annotations
    risk: Risk
    validator: Validator
    handling: Kept
    effect: str  # what nginx does with it (for "recognised": what it would change)
    aliases: tuple[str, ...] = ()
    in_docs: bool = True  # named in annotations.md (eight are not; two of them only by their alias)

    @property
    def on_invalid(self) -> "OnInvalid":
        """What the controller does with a value its validator refuses (see ON_INVALID)."""
        return ON_INVALID.get(self.name, "default")

    @property
    def key(self) -> str:
        return PREFIX + self.name

    @property
    def source(self) -> str:
        return f"internal/ingress/annotations/{self.group}"

    def validate(self, value: str) -> str | None:
        """Why nginx refuses `value`, or None. Empty values are never validated (parser.checkAnnotation)."""
        return None if value == "" else self.validator(value)


Kept: TypeAlias = 'Literal["simulated", "recognised"]'
#: Appended to what an annotation does when serve carries it out and route can only name it.
_SERVE = " (simulated in serve; route names it as depending on more than this one request)"
S: Kept = "simulated"
R: Kept = "recognised"
_N: list[NginxAnnotation] = []


def _a(name: str, group: str, risk: str, validator: Validator, handling: Kept,
       effect: str, aliases: tuple[str, ...] = (), in_docs: bool = True) -> None:
    assert risk in RISK_ORDER, risk
    _N.append(NginxAnnotation(name, group, cast(Risk, risk), validator, handling, effect, aliases, in_docs))


# alias
_a("server-alias", "alias", "High", _server_names, S,
   "adds more server_name values (hosts) to the rule's server block; requests for them are routed as for the rule's host")
# auth (basic/digest)
_a("auth-type", "auth", "Low", _regex(AUTH_TYPE, True), S,
   "basic or digest authentication on every path of the Ingress: 401 with WWW-Authenticate without valid credentials")
_a("auth-secret", "auth", "Medium", _regex(BASIC_CHARS, True), S,
   "the Secret ([namespace/]name) holding the htpasswd file (key `auth`); missing Secret or key: 503")
_a("auth-secret-type", "auth", "Low", _regex(AUTH_SECRET_TYPE, True), S,
   "auth-file (default: an htpasswd file under key `auth`) or auth-map (one key per user)")
_a("auth-realm", "auth", "Medium", _regex(CHARS_WITH_SPACE, False), S,
   "the realm named in the WWW-Authenticate header of the 401")
# authreq (external auth)
for _name, _risk, _validator, _effect in (
    ("auth-url", "High", _regex(URL_WITH_NGINX_VARIABLE, True),
     "external authentication: each request is first sent to this URL; 2xx lets it through, 401/403 are returned"),
    ("auth-method", "Low", _regex(AUTH_METHODS, True), "the HTTP method of the auth sub-request"),
    ("auth-signin", "High", _regex(URL_WITH_NGINX_VARIABLE, True),
     "where a 401 from the auth service is redirected (302 to a sign-in page)"),
    ("auth-signin-redirect-param", "Medium", _regex(URL_IS_VALID, True),
     "the query parameter of auth-signin carrying the original URL (default rd)"),
    ("auth-response-headers", "Medium", _regex(HEADERS_VARIABLE, True),
     "headers copied from the auth service's answer to the request sent to the backend"),
    ("auth-proxy-set-headers", "Medium", _regex(BASIC_CHARS, True),
     "a ConfigMap of headers added to the auth sub-request"),
    ("auth-request-redirect", "Medium", _regex(URL_IS_VALID, True), "the X-Auth-Request-Redirect header sent to the auth service"),
    ("auth-cache-key", "Medium", _regex(NGINX_VARIABLE, True), "caches the auth service's answers under this key"),
    ("auth-cache-duration", "Medium", _regex(EXTENDED_CHARS, False), "how long auth answers are cached, per status"),
    ("auth-keepalive", "Low", INT, "keep-alive connections to the auth service"),
    ("auth-keepalive-share-vars", "Low", BOOL, "share nginx variables between the auth sub-request and the request"),
    ("auth-keepalive-requests", "Low", INT, "requests per keep-alive connection to the auth service"),
    ("auth-keepalive-timeout", "Low", INT, "idle timeout of keep-alive connections to the auth service"),
    ("auth-always-set-cookie", "Low", BOOL, "Set-Cookie from the auth service also on answers other than 2xx"),
    ("auth-snippet", "Critical", NULL, "raw nginx configuration inside the auth location (a snippet)"),
):
    _kept = S if _name in ("auth-url", "auth-method", "auth-response-headers", "auth-signin",
                           "auth-signin-redirect-param") else R
    _a(_name, "authreq", _risk, _validator, _kept, _effect + (_SERVE if _kept == S else ""))
_a("enable-global-auth", "authreqglobal", "Low", BOOL, R,
   "\"false\" exempts this Ingress from the ConfigMap's global-auth-url")
# authtls
for _name, _risk, _validator, _effect in (
    ("auth-tls-secret", "Medium", _regex(BASIC_CHARS, True), "client certificates are verified against this CA Secret"),
    ("auth-tls-verify-client", "Medium", _regex(AUTH_VERIFY_CLIENT, True),
     "on / off / optional / optional_no_ca: whether HTTPS clients must present a certificate (400 without one)"),
    ("auth-tls-verify-depth", "Low", INT, "verification depth of the client certificate chain"),
    ("auth-tls-error-page", "High", _regex(AUTH_TLS_ERROR_PAGE, True), "where a failed client certificate check is redirected"),
    ("auth-tls-pass-certificate-to-upstream", "Low", BOOL, "the client certificate is passed to the backend in ssl-client-cert"),
    ("auth-tls-match-cn", "High", _common_name, "the client certificate's CN must match this regex (403 otherwise)"),
):
    _a(_name, "authtls", _risk, _validator, R, _effect)
_a("backend-protocol", "backendprotocol", "Low",
   _options(("auto_http", "http", "https", "grpc", "grpcs", "fcgi"), False, True), S,
   "how nginx talks to the Pod (HTTP, HTTPS, GRPC, GRPCS, FCGI); HTTPS or GRPC to a plain-HTTP Pod gives 502" + _SERVE)
# canary
for _name, _risk, _validator, _effect in (
    ("canary", "Low", BOOL, "this Ingress is a canary of the Ingress with the same host and path (the mainline)"),
    ("canary-by-header", "Medium", _regex(BASIC_CHARS, True),
     "a request with this header set to `always` goes to the canary, `never` to the mainline"),
    ("canary-by-header-value", "Medium", _regex(BASIC_CHARS, True), "the header value that routes to the canary"),
    ("canary-by-header-pattern", "Medium", _regex(IS_VALID_REGEX, False), "a regex on the header value that routes to the canary"),
    ("canary-by-cookie", "Medium", _regex(BASIC_CHARS, True), "a cookie set to `always` routes to the canary, `never` to the mainline"),
    ("canary-weight", "Low", INT, "the share of requests (of canary-weight-total) sent to the canary"),
    ("canary-weight-total", "Low", INT, "the total canary-weight is a share of (default 100)"),
):
    _a(_name, "canary", _risk, _validator, S, _effect)
_a("client-body-buffer-size", "clientbodybuffersize", "Low", SIZE_VALUE, R,
   "nginx's buffer for request bodies (bodies past it go to a temporary file); the answer is unchanged")
_a("configuration-snippet", "snippet", "Critical", NULL, R,
   "raw nginx configuration in each location of the Ingress; refused unless allow-snippet-annotations is true and "
   "annotations-risk-level is Critical (CVE-2021-25742)")
_a("connection-proxy-header", "connection", "Low", _regex(CONNECTION_HEADER, True), R,
   "the Connection header nginx sends to the Pod (close or keep-alive)")
# cors
for _name, _risk, _validator, _effect in (
    ("enable-cors", "Low", BOOL, "nginx answers the CORS preflight (OPTIONS) itself with 204 and its headers, and "
     "adds the Access-Control-* headers to every other answer of an allowed origin"),
    ("cors-allow-origin", "Medium", _regex(CORS_ORIGIN, True), "Access-Control-Allow-Origin (default *)"),
    ("cors-allow-methods", "Medium", _regex(CORS_METHODS, True), "Access-Control-Allow-Methods"),
    ("cors-allow-headers", "Medium", _regex(HEADERS_VARIABLE, True), "Access-Control-Allow-Headers"),
    ("cors-expose-headers", "Medium", _regex(CORS_EXPOSE_HEADERS, True), "Access-Control-Expose-Headers"),
    ("cors-allow-credentials", "Low", BOOL, "Access-Control-Allow-Credentials"),
    ("cors-max-age", "Low", INT, "Access-Control-Max-Age of the preflight answer"),
):
    _a(_name, "cors", _risk, _validator, S, _effect)
_a("custom-headers", "customheaders", "Medium", _regex(BASIC_CHARS, True), R,
   "a ConfigMap of headers nginx adds to every answer")
_a("custom-http-errors", "customhttperrors", "Low", _regex(HTTP_ERRORS, True), S,
   "these upstream status codes are answered by the default backend instead of the Pod" + _SERVE)
_a("default-backend", "defaultbackend", "Low", _service_name, S,
   "a Service answering when the Ingress's backend has no ready endpoints (X-Code 503; for paths no rule matches, "
   "when the Ingress's spec.defaultBackend has none), and for custom-http-errors")
_a("disable-proxy-intercept-errors", "disableproxyintercepterrors", "Low", BOOL, S,
   "\"true\": custom-http-errors are not intercepted for this Ingress", in_docs=False)
_a("fastcgi-index", "fastcgi", "Medium", _regex(FASTCGI_INDEX, True), R, "fastcgi_index for backend-protocol FCGI",
   in_docs=False)
_a("fastcgi-params-configmap", "fastcgi", "Medium", _regex(BASIC_CHARS, True), R,
   "a ConfigMap of fastcgi_param values for backend-protocol FCGI", in_docs=False)
_a("http2-push-preload", "http2pushpreload", "Low", BOOL, R,
   "HTTP/2 server push of Link preload headers (removed from nginx; no effect on routing)")
_a("allowlist-source-range", "ipallowlist", "Medium", CIDRS, S,
   "only client addresses in these CIDRs are served; others get 403", aliases=("whitelist-source-range",),
   in_docs=False)
_a("denylist-source-range", "ipdenylist", "Medium", CIDRS, S, "client addresses in these CIDRs get 403")
_a("load-balance", "loadbalancing", "Low",
   _options(("round_robin", "chash", "chashsubset", "sticky_balanced", "sticky_persistent", "ewma"), True, True), R,
   "the algorithm choosing a Pod (round_robin or ewma); which Pod answers, not whether")
_a("enable-access-log", "log", "Low", BOOL, R, "\"false\" turns off the access log for these paths")
_a("enable-rewrite-log", "log", "Low", BOOL, R, "rewrite decisions are logged at notice level")
_a("mirror-target", "mirror", "High", _server_name, S,
   "a copy of each request is sent to this URL too; its answer is thrown away" + _SERVE)
_a("mirror-host", "mirror", "High", _server_name, S, "the Host header of the mirrored request" + _SERVE)
_a("mirror-request-body", "mirror", "Low", _regex(ON_OFF, True), S,
   "whether the mirrored request carries the body" + _SERVE)
_a("enable-modsecurity", "modsecurity", "Low", BOOL, R, "the ModSecurity web application firewall (may answer 403)")
_a("enable-owasp-core-rules", "modsecurity", "Low", BOOL, R, "the OWASP core rule set in ModSecurity (may answer 403)")
_a("modsecurity-transaction-id", "modsecurity", "High", _regex(NGINX_VARIABLE, True), R, "ModSecurity's transaction id")
_a("modsecurity-snippet", "modsecurity", "Critical", NULL, R, "raw ModSecurity rules (a snippet)")
_a("enable-opentelemetry", "opentelemetry", "Low", BOOL, R, "OpenTelemetry tracing of the requests")
_a("opentelemetry-trust-incoming-span", "opentelemetry", "Low", BOOL, R, "trust the incoming trace context")
_a("opentelemetry-operation-name", "opentelemetry", "Medium", _regex(OPERATION_NAME, True), R,
   "the span name", in_docs=False)
_a("use-port-in-redirects", "portinredirect", "Low", BOOL, R,
   "nginx's own redirects (e.g. the trailing-slash 301) keep the port", in_docs=False)
# proxy
for _name, _risk, _validator, _effect in (
    ("proxy-body-size", "Medium", SIZE_VALUE, "requests with a body larger than this get 413 (default 1m; 0: no limit)"),
    ("proxy-connect-timeout", "Low", INT, "seconds to connect to the Pod (then 504; a simulated Pod on loopback "
     "accepts at once, so only a live Pod can be slower)"),
    ("proxy-send-timeout", "Low", INT, "seconds between two writes to the Pod (then 504); not simulated: serve "
     "writes the buffered body at once and its client has no write timeout"),
    ("proxy-read-timeout", "Low", INT, "seconds between two reads from the Pod (then 504)"),
    ("proxy-next-upstream", "Medium", _regex(UPSTREAM_NEXT, False), "which failures retry the request on another Pod"),
    ("proxy-next-upstream-timeout", "Low", INT, "time limit of those retries"),
    ("proxy-next-upstream-tries", "Low", INT, "how many Pods are tried"),
    ("proxy-request-buffering", "Low", _options(("on", "off"), True, True), "buffer the request body before sending it"),
    ("proxy-redirect-from", "Medium", _regex(URL_IS_VALID, True), "rewrites Location headers from the Pod (proxy_redirect)"),
    ("proxy-redirect-to", "Medium", _regex(URL_IS_VALID, True), "the replacement of proxy-redirect-from"),
    ("proxy-http-version", "Low", _options(("1.0", "1.1"), True, True), "the HTTP version nginx speaks to the Pod"),
    ("proxy-cookie-domain", "Medium", _regex(COOKIE_DOMAIN, False), "rewrites the Domain of the Pod's Set-Cookie"),
    ("proxy-cookie-path", "Medium", _regex(URL_IS_VALID, True), "rewrites the Path of the Pod's Set-Cookie"),
    ("proxy-buffering", "Low", _options(("on", "off"), True, True), "buffer the Pod's answer"),
    ("proxy-buffers-number", "Low", INT, "number of buffers for the Pod's answer"),
    ("proxy-buffer-size", "Low", SIZE_VALUE, "size of the buffer for the answer's headers (too small: 502)"),
    ("proxy-busy-buffers-size", "Low", SIZE_VALUE, "buffers busy sending to the client"),
    ("proxy-max-temp-file-size", "Low", SIZE_VALUE, "largest temporary file for a buffered answer"),
):
    _kept = S if _name in ("proxy-body-size", "proxy-connect-timeout", "proxy-read-timeout") else R
    _a(_name, "proxy", _risk, _validator, _kept,
       _effect + (_SERVE if _name in ("proxy-connect-timeout", "proxy-read-timeout") else ""))
for _name, _risk, _validator, _effect in (
    ("proxy-ssl-secret", "Medium", _regex(BASIC_CHARS, True), "client certificate and CA for HTTPS to the Pod"),
    ("proxy-ssl-ciphers", "Medium", _regex(PROXY_SSL_CIPHERS, True), "ciphers for HTTPS to the Pod"),
    ("proxy-ssl-name", "High", _server_name, "the name checked on the Pod's certificate"),
    ("proxy-ssl-protocols", "Low", _regex(PROXY_SSL_PROTOCOLS, True), "TLS versions for HTTPS to the Pod"),
    ("proxy-ssl-verify", "Low", _regex(ON_OFF, True), "verify the Pod's certificate"),
    ("proxy-ssl-verify-depth", "Low", INT, "verification depth of the Pod's certificate"),
    ("proxy-ssl-server-name", "Low", _regex(ON_OFF, True), "send SNI to the Pod"),
):
    _a(_name, "proxyssl", _risk, _validator, R, _effect)
# rate limits
for _name, _validator, _effect in (
    ("limit-rps", INT, "requests per second per client address; past limit × limit-burst-multiplier nginx answers 503"),
    ("limit-rpm", INT, "requests per minute per client address; past it nginx answers 503"),
    ("limit-connections", INT, "concurrent connections per client address; past it nginx answers 503"),
    ("limit-burst-multiplier", INT, "the burst allowed above limit-rps/limit-rpm (default 5)"),
    ("limit-rate", INT, "bytes per second of each answer to the client (slower, not different)"),
    ("limit-rate-after", INT, "bytes sent before limit-rate applies"),
):
    _a(_name, "ratelimit", "Low", _validator, R if _name.startswith("limit-rate") else S,
       _effect if _name.startswith("limit-rate") else _effect + _SERVE)
_a("limit-allowlist", "ratelimit", "Low", CIDRS, S, "client CIDRs exempt from the rate limits" + _SERVE,
   aliases=("limit-whitelist",), in_docs=False)
# redirect
_a("permanent-redirect", "redirect", "Medium", _regex(URL_IS_VALID, False), S,
   "every request is redirected to this URL (301, or permanent-redirect-code)")
_a("permanent-redirect-code", "redirect", "Low", INT, S, "the status of permanent-redirect (300-308, default 301)")
_a("temporal-redirect", "redirect", "Medium", _regex(URL_IS_VALID, False), S,
   "every request is redirected to this URL (302, or temporal-redirect-code); wins over permanent-redirect")
_a("temporal-redirect-code", "redirect", "Low", INT, S, "the status of temporal-redirect (300-308, default 302)")
_a("from-to-www-redirect", "redirect", "Low", BOOL, S,
   "requests for www.HOST are redirected to HOST (or the reverse) with 308")
_a("relative-redirects", "redirect", "Low", BOOL, R, "nginx's own redirects use a relative Location",
   in_docs=False)
# rewrite
_a("rewrite-target", "rewrite", "Medium", _regex(REGEX_PATH_WITH_CAPTURE, False), S,
   "the path sent to the Pod, with $1.. from the path's regex capture groups; turns the host's paths into regexes")
_a("ssl-redirect", "rewrite", "Low", BOOL, S, "\"false\" stops the 308 to HTTPS of a host with TLS")
_a("force-ssl-redirect", "rewrite", "Medium", BOOL, S, "redirects plain HTTP to HTTPS with 308 even without TLS")
_a("preserve-trailing-slash", "rewrite", "Medium", BOOL, S, "the HTTPS redirect keeps the trailing slash")
_a("app-root", "rewrite", "Medium", _app_root, S,
   "a request for / is redirected (302) to this path")
_a("use-regex", "rewrite", "Low", BOOL, S,
   "every path of the host becomes a case-insensitive regex anchored at the start")
_a("satisfy", "satisfy", "Low", _options(("any", "all"), True, True), S,
   "with auth and an allow-list (or auth-url): any (one passing suffices; 401 wins when all fail) or all (each must)")
_a("server-snippet", "serversnippet", "Critical", NULL, R,
   "raw nginx configuration in the server block (a snippet); refused by the default risk level")
_a("service-upstream", "serviceupstream", "Low", BOOL, S,
   "nginx sends to the Service's ClusterIP instead of the Pod addresses (kube-proxy picks the Pod; no ready Pod: 502)")
# session affinity
for _name, _risk, _validator, _effect in (
    ("affinity", "Low", _options(("cookie",), True, True), "sticky sessions: a cookie pins a client to one Pod"),
    ("affinity-mode", "Medium", _options(("balanced", "persistent"), True, True), "whether sticky clients move when Pods scale"),
    ("affinity-canary-behavior", "Low", _options(("sticky", "legacy"), True, True), "whether sticky clients stay on a canary"),
    ("session-cookie-name", "Medium", _regex(BASIC_CHARS, True), "the affinity cookie's name (default INGRESSCOOKIE)"),
    ("session-cookie-secure", "Low", BOOL, "the affinity cookie's Secure flag"),
    ("session-cookie-path", "Medium", _regex(URL_IS_VALID, True), "the affinity cookie's Path"),
    ("session-cookie-domain", "Medium", _regex(BASIC_CHARS, True), "the affinity cookie's Domain"),
    ("session-cookie-samesite", "Low", _options(("none", "lax", "strict"), False, True), "the affinity cookie's SameSite"),
    ("session-cookie-conditional-samesite-none", "Low", BOOL, "omit SameSite=None for clients that mishandle it"),
    ("session-cookie-max-age", "Medium", _regex(COOKIE_EXPIRES, False), "the affinity cookie's Max-Age"),
    ("session-cookie-expires", "Medium", _regex(COOKIE_EXPIRES, True), "the affinity cookie's Expires"),
    ("session-cookie-change-on-failure", "Low", BOOL, "a new Pod (and cookie) when the pinned one fails"),
):
    _kept = R if _name in ("affinity-mode", "affinity-canary-behavior", "session-cookie-change-on-failure") else S
    _a(_name, "sessionaffinity", _risk, _validator, _kept, _effect + (_SERVE if _kept == S else ""))
_a("ssl-ciphers", "sslcipher", "Low", _regex(SSL_CIPHER, True), R, "TLS ciphers of the server block")
_a("ssl-prefer-server-ciphers", "sslcipher", "Low", BOOL, R, "prefer the server's cipher order")
_a("ssl-passthrough", "sslpassthrough", "Low", BOOL, R,
   "TLS is not terminated: nginx forwards the TCP stream by SNI (needs --enable-ssl-passthrough); paths are ignored")
_a("stream-snippet", "streamsnippet", "Critical", NULL, R, "raw nginx stream configuration (a snippet)")
_a("upstream-hash-by", "upstreamhashby", "High", _regex(HASH_BY, True), S,
   "consistent hashing of this nginx variable picks the Pod (the same key always reaches the same Pod)" + _SERVE)
_a("upstream-hash-by-subset", "upstreamhashby", "Low", BOOL, R, "hash to a subset of Pods")
_a("upstream-hash-by-subset-size", "upstreamhashby", "Low", INT, R, "size of that subset")
_a("upstream-vhost", "upstreamvhost", "Low", _server_name, S, "the Host header the Pod sees")
_a("x-forwarded-prefix", "xforwardedprefix", "Medium", _regex(REGEX_PATH_WITH_CAPTURE, True), S,
   "nginx sends an X-Forwarded-Prefix header with this value to the Pod")

#: name (no prefix) -> annotation, aliases included.
NGINX_ANNOTATIONS: dict[str, NginxAnnotation] = {}
for _ann in _N:
    NGINX_ANNOTATIONS[_ann.name] = _ann
    for _alias in _ann.aliases:
        NGINX_ANNOTATIONS[_alias] = _ann

#: Annotations the controller refuses unless allow-snippet-annotations is "true" (controller.go: the `-snippet` suffix).
SNIPPETS = tuple(a.name for a in _N if a.name.endswith("-snippet"))


# ------------------------------------------------------------------ other controllers' prefixes

#: Annotation prefixes ingress-nginx ignores, and whose they are. Order matters: the first match names the owner.
OTHER_PREFIXES: tuple[tuple[str, str], ...] = (
    ("nginx.org/", "F5 NGINX Ingress Controller (nginxinc/kubernetes-ingress), not ingress-nginx"),
    ("nginx.com/", "F5 NGINX Ingress Controller (NGINX Plus), not ingress-nginx"),
    ("alb.ingress.kubernetes.io/", "AWS Load Balancer Controller"),
    ("service.beta.kubernetes.io/", "a cloud provider's Service load balancer (it belongs on a Service)"),
    ("ingress.gcp.kubernetes.io/", "GKE Ingress (ingress-gce)"),
    ("networking.gke.io/", "GKE Ingress (ingress-gce)"),
    ("cloud.google.com/", "GKE (ingress-gce; Service annotations belong on the Service)"),
    ("kubernetes.io/ingress.global-static-ip-name", "GKE Ingress (ingress-gce)"),
    ("kubernetes.io/ingress.regional-static-ip-name", "GKE Ingress (ingress-gce)"),
    ("kubernetes.io/ingress.allow-http", "GKE Ingress (ingress-gce); ingress-nginx keeps port 80 open"),
    ("kubernetes.io/ingress.pre-shared-cert", "GKE Ingress (ingress-gce)"),
    ("ingress.kubernetes.io/", "the legacy prefix of ingress-nginx before 0.9 (and of other controllers); "
                               "today's ingress-nginx reads only nginx.ingress.kubernetes.io/"),
    ("traefik.ingress.kubernetes.io/", "Traefik"),
    ("haproxy.org/", "HAProxy Kubernetes Ingress Controller"),
    ("haproxy.router.openshift.io/", "OpenShift router"),
    ("konghq.com/", "Kong Ingress Controller"),
    ("appgw.ingress.kubernetes.io/", "Azure Application Gateway Ingress Controller"),
    ("projectcontour.io/", "Contour"),
    ("ingress.citrix.com/", "Citrix Ingress Controller"),
    ("getambassador.io/", "Emissary-ingress"),
    ("zalando.org/", "Skipper"),
)

#: Annotations read by tools that do not route: named, never counted as unknown.
NOT_ROUTING_PREFIXES: tuple[tuple[str, str], ...] = (
    ("kubectl.kubernetes.io/", "kubectl's bookkeeping"),
    ("cert-manager.io/", "cert-manager: it issues the TLS Secret; routing is unchanged"),
    ("acme.cert-manager.io/", "cert-manager: it issues the TLS Secret; routing is unchanged"),
    ("external-dns.alpha.kubernetes.io/", "external-dns: it writes DNS records; routing is unchanged"),
    ("meta.helm.sh/", "Helm's bookkeeping"),
    ("argocd.argoproj.io/", "Argo CD's bookkeeping"),
    ("deployment.kubernetes.io/", "Kubernetes bookkeeping"),
)

#: Read by the controller's class selection (explorer.routing.classes), not by an annotation parser.
CLASS_ANNOTATION = "kubernetes.io/ingress.class"


@value
class AnnotationReport:
    """One annotation of one Ingress, as the trace, JSON and lint report it."""

    key: str
    value: str
    handling: Handling
    note: str  # what it does, would do, or whose it is
    error: str = ""  # why nginx refuses the value ("" when it accepts it)
    suggestion: str = ""  # did-you-mean for an unknown nginx annotation
    risk: str = ""

    def as_dict(self) -> dict[str, str | None]:
        return {
            "name": self.key,
            "value": self.value,
            "handling": self.handling,
            "note": self.note,
            "error": self.error or None,
            "didYouMean": self.suggestion or None,
            "risk": self.risk or None,
        }


def classify(key: str, value: str) -> AnnotationReport:
    """What ingress-nginx makes of one annotation: never silent, whatever the key."""
    if key.startswith(PREFIX):
        name = key[len(PREFIX):]
        ann = NGINX_ANNOTATIONS.get(name)
        if ann is None:
            import difflib  # only for a misspelt annotation: the route command's start skips it

            close = difflib.get_close_matches(name, list(NGINX_ANNOTATIONS), n=1, cutoff=0.6)
            suggestion = PREFIX + close[0] if close else ""
            hint = f"; did you mean {suggestion}?" if suggestion else ""
            return AnnotationReport(key, value, "unknown",
                                    f"ingress-nginx has no annotation {name!r}: it ignores it{hint}",
                                    suggestion=suggestion)
        alias = f" (an alias of {ann.name})" if name != ann.name else ""
        return AnnotationReport(key, value, ann.handling, ann.effect + alias, ann.validate(value) or "", risk=ann.risk)
    if key == CLASS_ANNOTATION:
        return AnnotationReport(key, value, "simulated", "chooses the controller that serves the Ingress")
    for prefix, owner in OTHER_PREFIXES:
        if key.startswith(prefix):
            return AnnotationReport(key, value, "other-controller", f"for {owner}: ingress-nginx ignores it")
    for prefix, owner in NOT_ROUTING_PREFIXES:
        if key.startswith(prefix):
            return AnnotationReport(key, value, "other-controller", f"for {owner}: not a routing annotation")
    return AnnotationReport(key, value, "other-controller",
                            "not an ingress-nginx annotation (no known owner): ingress-nginx ignores it")


def classify_all(annotations: dict[str, str]) -> list[AnnotationReport]:
    return [classify(key, value) for key, value in sorted(annotations.items())]


def refusal(annotations: dict[str, str], allow_snippets: bool = False,
            risk_level: str = DEFAULT_RISK_LEVEL) -> str | None:
    """Why ingress-nginx refuses the whole Ingress (webhook at apply, or skipped at sync), or None.

    Order as the controller checks: snippets while allow-snippet-annotations is false
    (controller.go CheckIngress), then each annotation's risk against annotations-risk-level
    (parser.CheckAnnotationRisk), then each value's validator (parser.checkAnnotation).
    """
    limit = RISK_ORDER.get(risk_level.capitalize(), 0)  # StringRiskToRisk: anything unknown is Low
    for key in sorted(annotations):
        if not key.startswith(PREFIX):
            continue
        name = key[len(PREFIX):]
        if not allow_snippets and name.endswith("-snippet"):
            return (f"{key} annotation cannot be used. Snippet directives are disabled by the Ingress "
                    "administrator (allow-snippet-annotations is false)")
    for key in sorted(annotations):
        ann = NGINX_ANNOTATIONS.get(key[len(PREFIX):]) if key.startswith(PREFIX) else None
        if ann is not None and RISK_ORDER[ann.risk] > limit:
            return (f"annotation {key} is too risky for environment (its risk is {ann.risk}, "
                    f"annotations-risk-level is {risk_level})")
    for key in sorted(annotations):
        ann = NGINX_ANNOTATIONS.get(key[len(PREFIX):]) if key.startswith(PREFIX) else None
        if ann is not None and ann.on_invalid == "refuse":
            problem = ann.validate(annotations[key])
            if problem:
                return f"annotation {key} contains invalid value: {problem}"
    return None


def denial(annotations: dict[str, str]) -> str | None:
    """Why every location of the Ingress answers 503 (a LocationDeniedError from a parser), or None."""
    for key in sorted(annotations):
        ann = NGINX_ANNOTATIONS.get(key[len(PREFIX):]) if key.startswith(PREFIX) else None
        if ann is not None and ann.on_invalid == "deny":
            problem = ann.validate(annotations[key])
            if problem:
                return f"{key}: {problem}; the location is denied"
    return None


def invalid_but_ignored(key: str, value: str) -> str | None:
    """For an annotation whose invalid value nginx just ignores: why, or None."""
    ann = NGINX_ANNOTATIONS.get(key[len(PREFIX):]) if key.startswith(PREFIX) else None
    if ann is None or ann.on_invalid != "default":
        return None
    return ann.validate(value)


def catalog_markdown() -> str:
    """The table of docs/annotations.md (`python -m explorer.profiles.nginx_annotations` prints it)."""
    rows = ["| Annotation | Handling here | Risk | What nginx does | An invalid value | Source |",
            "|---|---|---|---|---|---|"]
    for ann in sorted(_N, key=lambda a: a.name):
        names = f"`{ann.name}`" + "".join(f" (alias `{alias}`)" for alias in ann.aliases)
        docs = "" if ann.in_docs else " (not in the docs)"
        effect = ann.effect.replace("|", "\\|")
        invalid = {"refuse": "Ingress refused", "deny": "503 (location denied)", "default": "ignored"}[ann.on_invalid]
        rows.append(f"| {names} | {ann.handling} | {ann.risk} | {effect} | {invalid} | `{ann.source}`{docs} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(catalog_markdown(), end="")
