"""The RouteTable: the one compiled form every front end routes through.

A front end (Ingress on a controller profile, Gateway API) compiles a
ClusterState into a RouteTable once per snapshot; `explorer.routing.evaluate.
route(table, request)` answers every request from it. The shape, outermost first:

    RouteTable      every EntryPoint a client can reach, and what answers when none does
    EntryPoint      a load balancer or a Gateway: its address name, the objects it serves,
                    conditions that answer before anything else (not programmed: refused)
    Listener        one port and scheme, with its hostnames and certificates by SNI, and
                    conditions of its own (plain HTTP switched off, redirected to HTTPS)
    HostIndex       the listener's virtual hosts: exact names, wildcards, the catch-all
    VirtualHost     one host's routes in origin order, indexed by path (exact, element-wise
                    prefix, URL-map glob, or an ordered regex list), and its fallback
    Route           a host predicate and a Match (path kind and value, headers, query,
                    method, cookie, client address); Conditions that answer before
                    forwarding (auth 401, allow/deny 403, body size 413, dropped, no
                    endpoints 503, HTTPS redirect); an Action
    Action          Forward (weighted backends, filters), Redirect (scheme, host, port,
                    path, code) or Respond (status, the controller's own body), or Refuse

How a front end compiles into it:

1. Make one EntryPoint per address the controller gives (one shared, or one per
   object), with an http and/or https Listener; put its Routes on VirtualHosts of
   the listener's HostIndex (listeners may share one HostIndex).
2. Append every Route to its VirtualHost's `routes` in origin order, usable or not
   (`skip` says why not: the trace lists it, never silence), then index the usable
   ones: `exact[path]`, `prefix[element key]`, `globs[dir/]` or `regex` (ordered).
   Each index list is ordered by the front end's precedence: the evaluator takes the
   first route of a list whose Match accepts the request, so a header-, query- or
   method-guarded route (a canary, a Gateway API match) sits before its fallback.
3. Give each VirtualHost a `fallback` Route (a defaultBackend, or the controller's
   own 404 Respond) and each EntryPoint a fallback for hosts no VirtualHost names.
4. Every Route, Listener and EntryPoint keeps an Origin (object, field path,
   file:line) and `notes`: what was recognised but is not simulated is a note.

Nothing here knows a controller: behaviour is data the compiler wrote down.
"""

from __future__ import annotations

import ipaddress
import re
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Literal, Protocol, TypeAlias, Union

from explorer.model.location import Location
from explorer.model.objects import HTTPIngressPath, Ingress
from explorer.model.value import field, record, value
from explorer.profiles import ControllerProfile
from explorer.routing.decision import BackendRef
from explorer.routing.paths import wildcard_covers

if TYPE_CHECKING:
    from explorer.routing.request import Request

#: Type aliases are strings: importing the module builds no typing object (each costs the start ~0.1 ms).
Network: TypeAlias = "Union[ipaddress.IPv4Network, ipaddress.IPv6Network]"
PathKind: TypeAlias = 'Literal["exact", "prefix", "regex", "url-map", "any"]'
ConditionKind: TypeAlias = """Literal[
    "not-programmed",  # the controller could not translate the object: nothing is programmed
    "listener",  # a listener answers everything itself (HTTP switched off, port closed)
    "https-redirect",  # plain HTTP is redirected to HTTPS
    "auth",  # 401 without credentials
    "allow",  # 403 unless the client address is in the list
    "deny",  # 403 when the client address is in the list
    "body-size",  # 413 above the limit
    "dropped",  # the object was dropped by the controller (a risky annotation)
    "no-endpoints",  # the backend cannot be used: 503
    "denied",  # the controller denied the location (an invalid annotation, a missing auth Secret): 503
    "redirect",  # the location redirects every request (nginx permanent-redirect / temporal-redirect)
    "preflight",  # a CORS preflight (OPTIONS) the controller answers itself (nginx enable-cors)
]"""


@value
class Origin:
    """Where an entry of the table comes from: the object, the field path and file:line."""

    kind: str  # "Ingress", "HTTPRoute", "Gateway", or "controller" for what the controller adds itself
    key: str  # namespace/name ("" for the controller's own)
    field: str = ""
    location: Location | None = None
    ingress: Ingress | None = None  # Ingress front end: the object itself
    http_path: HTTPIngressPath | None = None  # Ingress front end: the path, when the entry is one


# ---------------------------------------------------------------- matches


class Matcher(Protocol):
    """A compiled pattern: Python's `re` (nginx's PCRE-like regexes) or RE2 (Gateway API's)."""

    def match(self, value: str) -> object | None: ...


@value
class PathMatch:
    """How a route's path is compared. `value` is as written; index keys come from the compiler."""

    kind: PathKind
    value: str
    regex: Matcher | None = None  # kind "regex"
    patterns: tuple[str, ...] = ()  # kind "url-map": the URL-map paths (`/foo`, `/foo/*`)


@value
class HeaderMatch:
    name: str  # compared case-insensitively
    value: str
    kind: Literal["exact", "regex", "present", "absent"] = "exact"
    #: kind "regex": the front end's compiled full-match pattern (Gateway API: RE2); None: Python's re.fullmatch.
    pattern: Matcher | None = field(default=None, compare=False)
    #: A repeated header's values are matched as one comma-joined value (Gateway API, as Envoy does).
    join: bool = False

    def accepts(self, values: list[str]) -> bool:
        if self.kind == "present":
            return bool(values)
        if self.kind == "absent":
            return not values
        if self.join and len(values) > 1:
            values = [",".join(values)]
        if self.kind == "regex":
            if self.pattern is not None:
                return any(self.pattern.match(v) is not None for v in values)
            return any(re.fullmatch(self.value, v) for v in values)
        return self.value in values


@value
class Match:
    """Everything beyond host and path a route may ask of a request (Gateway API, nginx canary)."""

    path: PathMatch
    headers: tuple[HeaderMatch, ...] = ()
    query: tuple[HeaderMatch, ...] = ()  # query parameter name/value, names case-sensitive
    method: str | None = None
    cookies: tuple[HeaderMatch, ...] = ()  # cookie name/value
    clients: tuple[Network, ...] = ()  # the client address must be in one of these
    #: True when the route asks more than host and path (set from the fields above, read per request).
    guarded: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "guarded",
                           bool(self.headers or self.query or self.method or self.cookies or self.clients))

    def accepts(self, request: "Request") -> bool:
        """The non-path parts of the match (the index already matched host and path)."""
        if self.method is not None and request.method != self.method:
            return False
        if self.headers:
            for h in self.headers:
                name = h.name.lower()
                if not h.accepts([v for k, v in request.headers if k.lower() == name]):
                    return False
        if self.query:
            from urllib.parse import parse_qsl

            pairs = parse_qsl(request.query, keep_blank_values=True)
            for q in self.query:
                if not q.accepts([v for k, v in pairs if k == q.name]):
                    return False
        if self.cookies:
            jar = request.cookies
            for c in self.cookies:
                if not c.accepts([v for k, v in jar if k == c.name]):
                    return False
        if self.clients:
            if not _in_networks(request.client, self.clients):
                return False
        return True


def _in_networks(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


# ---------------------------------------------------------------- actions


@value
class WeightedBackend:
    ref: BackendRef
    weight: int = 1
    #: The share answers this itself instead of forwarding (Gateway API: a backendRef that does not resolve
    #: makes its share of the traffic answer 500; a backendRef's RequestRedirect filter redirects its share).
    answer: "Respond | Redirect | None" = None
    #: Filters of this backend only (Gateway API backendRef filters), applied after the route's.
    filters: "Filters | None" = None


@value
class RewritePath:
    """Upstream path: replace it whole, replace the matched prefix, or substitute a regex's groups ($1..)."""

    full: str | None = None
    prefix: str | None = None
    regex: re.Pattern[str] | None = None
    replacement: str = ""


@value
class HeaderEdit:
    """Set, add or remove headers (Gateway API RequestHeaderModifier / ResponseHeaderModifier)."""

    set: tuple[tuple[str, str], ...] = ()
    add: tuple[tuple[str, str], ...] = ()
    remove: tuple[str, ...] = ()


@value
class Filters:
    rewrite: RewritePath | None = None
    host: str | None = None  # the Host the backend sees (nginx upstream-vhost, Gateway URLRewrite hostname)
    request_headers: HeaderEdit | None = None
    response_headers: HeaderEdit | None = None
    mirror: tuple[BackendRef, ...] = ()


@value
class Forward:
    backends: tuple[WeightedBackend, ...]
    filters: Filters = Filters()


@value
class Redirect:
    """A redirect. None keeps the request's part: no scheme and no port keep its Host as sent; a new
    scheme with no port drops the port (the scheme's default, as Gateway API says)."""

    code: int
    scheme: str | None = None
    host: str | None = None
    port: int | None = None
    path: str | None = None  # the whole new path
    prefix: tuple[str, str] | None = None  # (matched prefix, replacement): Gateway ReplacePrefixMatch
    keep_root_slash: bool = True  # False: a bare `/` path is left out of the location (nginx's 308)
    keep_query: bool = True
    #: nginx lua: one trailing `/` of the request_uri (path and query) is dropped (the HTTPS and www redirects).
    drop_trailing_slash: bool = False
    #: nginx from-to-www: the port is written even when it is the scheme's default (`host:80`).
    explicit_port: bool = False


@value
class Respond:
    status: int
    body: str = ""
    why: str = ""
    #: Sent with the answer (WWW-Authenticate, CORS); a value `$http_<name>` is that request header (nginx's
    #: variable), e.g. Access-Control-Allow-Origin: $http_origin.
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "text/plain"


@value
class Refuse:
    """No HTTP answer at all: nothing listens, or the connection is closed."""

    why: str = ""


Action: TypeAlias = "Union[Forward, Redirect, Respond, Refuse]"


@value
class Condition:
    """Answers before the action when it applies; the trace says `why`.

    It applies when the request's scheme is in `schemes` (every scheme when empty)
    and, for the kinds that test something, the test fails.
    """

    kind: ConditionKind
    answer: Action
    why: str
    schemes: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()  # allow / deny
    max_body_bytes: int | None = None  # body-size
    header: str = ""  # auth: the header the credentials come in
    #: auth: True when the request's credentials are good (nginx checks them against an htpasswd Secret);
    #: None: only the header's presence is asked.
    check: "Callable[[Request], bool] | None" = None
    names_backend: bool = False  # the answer is about the route's backend (the decision keeps it)
    #: True: the decision reads "<the route's reason>, but <why>"; False: `why` alone is the reason.
    joins: bool = True
    origin: Origin | None = None

    def applies(self, request: "Request") -> bool:
        if self.schemes and (request.access_scheme or request.scheme if self.kind == "https-redirect"
                             else request.scheme) not in self.schemes:
            return False
        if self.kind == "allow":
            return not _in_networks(request.client, self.networks)
        if self.kind == "deny":
            return _in_networks(request.client, self.networks)
        if self.kind == "body-size":
            return self.max_body_bytes is not None and (request.content_length or 0) > self.max_body_bytes
        if self.kind == "preflight":
            return request.method == "OPTIONS" and (self.check is None or self.check(request))
        if self.kind == "auth":
            if self.check is not None:
                return not self.check(request)
            name = self.header.lower()
            return not any(k.lower() == name for k, _ in request.headers)
        return True


#: The kinds `Condition.applies` tests nothing of the request for but its scheme: the evaluator shares one
#: answer between the requests of a route whose deciding conditions are of these kinds (or body-size).
UNTESTED_CONDITIONS: frozenset[str] = frozenset(
    {"not-programmed", "listener", "https-redirect", "dropped", "no-endpoints", "denied", "redirect"})


# ---------------------------------------------------------------- routes and hosts


@record(eq=False, slots=True)
class Route:
    """One ordered entry: a host predicate, a match, conditions, an action."""

    #: The answer it gives every request whose body is at most the answer's bound, if its conditions test
    #: nothing else (explorer.routing.evaluate._shared): made on first use (None), False when there is none.
    #: First, so the evaluator's read of it and the route's reference count share a cache line.
    shared: Any = field(default=None, init=False, repr=False)
    origin: Origin
    host: str  # the host predicate as written: "" any host, "*.foo.com" a wildcard
    match: Match
    action: Action
    conditions: tuple[Condition, ...] = ()
    notes: tuple[str, ...] = ()
    skip: str = ""  # why the controller cannot use it ("" when usable)
    how: str = ""  # how the controller turned it into a match
    age: int = 0  # creation order of its object: 0 = oldest
    slash: bool = False  # a prefix written with a trailing slash
    #: Which default backend this is ("ingress" defaultBackend, the "controller"'s own), None for a rule.
    default: Literal["ingress", "controller"] | None = None
    #: The controller's own route (an nginx slash redirect): the decision names no object for it.
    implicit: bool = False
    #: Why the route answers, when it is not a path match (fallbacks, implicit routes).
    why: str = ""
    #: Every annotation of its object(s), with its handling (nginx_annotations.AnnotationReport).
    annotations: tuple[Any, ...] = ()
    #: What the controller does around the forward that one request cannot decide (rate limits, affinity,
    #: mirror, external auth, custom errors: explorer.routing.nginx_upstream.UpstreamPolicy); serve carries it out.
    policy: Any = None
    #: The evaluator's answers of this route that depend on the request only through its path, by the id of
    #: the condition that answers (of None when none does): made on first use (None: the request matters more).
    answers: dict[int, Any] = field(default_factory=dict, init=False, repr=False)

    @property
    def matches_text(self) -> str:
        """The start of the reason a path match gives: "host H and Prefix /foo in ns/name matches " (then the path)."""
        text = f"{self.label} in {self.origin.key} matches "
        return f"host {self.host} and {text}" if self.host else text

    @property
    def body_limit(self) -> "Condition | None":
        """Its body-size condition, if any (the decision's max_body)."""
        return next((c for c in self.conditions if c.kind == "body-size"), None)

    @property
    def label(self) -> str:
        """`Prefix /foo` as written (the kind the user wrote, not the one matched)."""
        hp = self.origin.http_path
        if hp is not None:
            return f"{hp.path_type} {hp.shown_path}"
        return f"{self.match.path.kind} {self.match.path.value}"


@value
class Remark:
    """A note at its place among the routes, in origin order (a rule with no http section)."""

    text: str
    origin: Origin
    host: str | None = None


@record(eq=False, slots=True)
class VirtualHost:
    """An nginx server block, a URL-map host rule, a Gateway listener hostname: one host's routes."""

    #: The evaluator's flattened index, made on first use (None before; False: walked as compiled): the
    #: exact and prefix keys in one dict (explorer.routing.evaluate._flatten). First, so the evaluator's reads
    #: and the reference count share a cache line.
    flat: "dict[str, Any] | Literal[False] | None" = field(default=None, init=False, repr=False)
    #: ... and its fallback's shared answer (or the fallback itself, when it has none), made with it.
    flat_fallback: Any = field(default=None, init=False, repr=False)
    host: str  # "" is the catch-all (nginx `_`, GCE `*`)
    routes: list[Route] = field(default_factory=list)  # origin order, usable or not
    exact: dict[str, list[Route]] = field(default_factory=dict)
    prefix: dict[str, list[Route]] = field(default_factory=dict)  # element-wise key (`/foo`, `` for `/`)
    globs: dict[str, list[Route]] = field(default_factory=dict)  # URL-map `/foo/*` under `/foo/`
    regex: list[Route] | None = None  # when set, the only index: tried in order
    regex_because: str = ""
    fallback: Route | None = None  # what answers when no route matches
    notes: list[str] = field(default_factory=list)


@record(eq=False)
class HostIndex:
    hosts: dict[str, VirtualHost] = field(default_factory=dict)
    wildcards: dict[str, VirtualHost] = field(default_factory=dict)  # "*.foo.com" -> host
    catch_all: VirtualHost = field(default_factory=lambda: VirtualHost(""))
    #: `*.foo.com` covers exactly one label ("one") or any number ("many").
    wildcard_labels: Literal["one", "many"] = "one"
    #: The catch-all answers hosts no rule names only when it has routes or a fallback of its own.
    catch_all_used: bool = False
    #: The evaluator's memo: a Host header as sent (port, capitals) -> its virtual host (False: none).
    by_header: "dict[str, VirtualHost | Literal[False]]" = field(default_factory=dict, init=False, repr=False)

    def virtual_host(self, host: str) -> tuple[VirtualHost | None, str]:
        """The virtual host answering `host`, and how it was picked."""
        found = self.hosts.get(host)
        if found is not None:
            return found, f"host {host} matches a rule for {host}"
        best: tuple[int, str] | None = None
        for wildcard in self.wildcards:
            if wildcard_covers(wildcard, host, self.wildcard_labels) and (best is None or len(wildcard) > best[0]):
                best = (len(wildcard), wildcard)
        if best is not None:
            return self.wildcards[best[1]], f"host {host} matches the wildcard rule {best[1]}"
        if self.catch_all_used:
            return self.catch_all, f"host {host or '(none)'} matches no rule host, so host-less rules apply"
        return None, f"host {host or '(none)'} matches no rule host"

    def all(self) -> list[VirtualHost]:
        """Every virtual host once (an nginx server-alias names one host under a second key)."""
        unique = {id(v): v for v in (*self.hosts.values(), *self.wildcards.values(), self.catch_all)}
        return list(unique.values())


@value
class Certificate:
    hosts: tuple[str, ...]
    secret: str  # namespace/name, or the name of a cloud certificate
    origin: Origin


@record(eq=False)
class Listener:
    scheme: Literal["http", "https"]
    port: int
    hosts: HostIndex
    hostnames: tuple[str, ...] = ()  # Gateway listener hostnames ("" or empty: any)
    certificates: tuple[Certificate, ...] = ()  # chosen by SNI (https)
    conditions: tuple[Condition, ...] = ()  # answer before any host is looked at
    origin: Origin | None = None

    @property
    def enabled(self) -> bool:
        """False when the listener answers nothing itself (no front end for this scheme)."""
        return not any(c.kind == "listener" and not c.schemes for c in self.conditions)


@record(eq=False)
class EntryPoint:
    """A load balancer or a Gateway: one address."""

    name: str  # "shared", or namespace/name of its object
    origin: Origin
    listeners: dict[str, Listener] = field(default_factory=dict)  # by scheme
    ingresses: list[Ingress] = field(default_factory=list)  # the Ingresses it serves (Ingress front end)
    conditions: tuple[Condition, ...] = ()  # answer before any listener (not programmed)
    #: The controller's translation errors for this entry point's objects (GKE): it is not programmed.
    translation_errors: tuple[str, ...] = ()
    #: Every route and remark of its objects in origin order, usable or not: what the trace walks.
    listing: list[Route | Remark] = field(default_factory=list)
    fallback: Route | None = None  # what answers a host no virtual host names
    notes: list[str] = field(default_factory=list)

    @property
    def hosts(self) -> HostIndex | None:
        """The host index of its first listener (the Ingress front end shares one between listeners)."""
        return next((listener.hosts for listener in self.listeners.values()), None)

    def listener(self, scheme: str) -> Listener | None:
        return self.listeners.get(scheme)

    @property
    def http_enabled(self) -> bool:
        listener = self.listeners.get("http")
        return listener is not None and listener.enabled

    @property
    def https_enabled(self) -> bool:
        listener = self.listeners.get("https")
        return listener is not None and listener.enabled

    @property
    def https_redirect(self) -> int | None:
        """The status of a listener-wide HTTP to HTTPS redirect (GKE FrontendConfig), if any."""
        listener = self.listeners.get("http")
        for c in listener.conditions if listener else ():
            if c.kind == "https-redirect" and isinstance(c.answer, Redirect):
                return c.answer.code
        return None


@value
class Served:
    """Whether the front end serves one object, and why (the trace's class notes)."""

    ingress: Ingress
    served: bool
    why: str


@record(eq=False)
class RouteTable:
    """Everything one front end answers, for one snapshot."""

    front_end: str  # "ingress", "gateway"
    profile: ControllerProfile
    entry_points: dict[str, EntryPoint] = field(default_factory=dict)
    #: True: one address serves every object, so asking for one names no other entry point.
    shared: bool = True
    #: What answers when there is no entry point at all.
    nothing: Route | None = None
    served: list[Served] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # table-wide notes for every trace
    #: Request path normalisation before matching (nginx decodes %XX and merges slashes).
    decode_percent: bool = False
    merge_slashes: bool = False
    #: ingress-nginx use-forwarded-headers: the client address and scheme come from X-Forwarded-For/-Proto.
    forwarded_headers: bool = False
    #: The evaluator's way in, made on first use: scheme -> (the one entry point, its listener's host index,
    #: "") where nothing answers before the hosts are looked at (no condition of the entry point or listener).
    plain: "dict[str, tuple[EntryPoint, HostIndex, str]] | None" = field(default=None, init=False, repr=False)

    @property
    def title(self) -> str:
        return self.profile.title

    @cached_property
    def single(self) -> EntryPoint | None:
        """The one entry point of a shared table, which every request reaches (read once compiled)."""
        if self.shared and len(self.entry_points) == 1:
            return next(iter(self.entry_points.values()))
        return None
