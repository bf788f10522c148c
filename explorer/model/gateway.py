"""Gateway API objects (gateway.networking.k8s.io) as typed, read-only values.

GatewayClass, Gateway, HTTPRoute and ReferenceGrant are simulated; they are
held in one v1-shaped form whatever served version they were written in
(v1beta1 Gateway/HTTPRoute/GatewayClass/ReferenceGrant have the same fields),
with the API's defaults filled in (kubernetes-sigs/gateway-api apis/v1 @4564255):
a parentRef is a Gateway, a backendRef a Service of weight 1, a match with no
path matches PathPrefix `/`, a rule with no matches matches everything, a
listener with no allowedRoutes admits routes of its own namespace, a
redirect answers 302.

The other kinds of the group are recognised and listed, and the loader says
they are not simulated (NOT_SIMULATED).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

# The group's kinds and versions, importable without these classes (the loader asks before it decodes).
from explorer.model.gateway_kinds import (
    GROUP as GROUP, NOT_SIMULATED as NOT_SIMULATED, SERVED_GROUPS as SERVED_GROUPS,
    SIMULATED_VERSIONS as SIMULATED_VERSIONS, is_gateway_api as is_gateway_api,
)
from explorer.model.location import Location
from explorer.model.objects import ObjectMeta


@dataclass(frozen=True, slots=True)
class GatewayClass:
    meta: ObjectMeta
    controller_name: str
    description: str = ""


# ---------------------------------------------------------------- Gateway


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A listener's certificateRef: a Secret (core group), maybe in another namespace."""

    group: str
    kind: str
    name: str
    namespace: str  # defaulted to the Gateway's namespace


@dataclass(frozen=True, slots=True)
class LabelSelector:
    match_labels: Mapping[str, str] = field(default_factory=dict)
    #: (key, operator, values) as written; operators In, NotIn, Exists, DoesNotExist.
    match_expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """metav1.LabelSelector semantics; an empty selector selects everything."""
        if any(labels.get(k) != v for k, v in self.match_labels.items()):
            return False
        for key, op, values in self.match_expressions:
            present = key in labels
            if op == "In" and not (present and labels[key] in values):
                return False
            if op == "NotIn" and present and labels[key] in values:
                return False
            if op == "Exists" and not present:
                return False
            if op == "DoesNotExist" and present:
                return False
        return True


@dataclass(frozen=True, slots=True)
class RouteGroupKind:
    group: str
    kind: str


@dataclass(frozen=True, slots=True)
class Listener:
    name: str
    port: int
    protocol: str  # HTTP, HTTPS, TLS, TCP, UDP or a domain-prefixed protocol
    hostname: str | None
    tls_mode: str | None  # Terminate (default for HTTPS) or Passthrough; None without tls
    certificate_refs: tuple[SecretRef, ...]
    allowed_from: str  # Same (default), All, Selector
    allowed_selector: LabelSelector | None
    allowed_kinds: tuple[RouteGroupKind, ...]  # () = the kinds the protocol supports
    field: str
    location: Location


@dataclass(frozen=True, slots=True)
class Gateway:
    meta: ObjectMeta
    gateway_class_name: str
    listeners: tuple[Listener, ...]
    addresses: tuple[tuple[str, str], ...] = ()  # (type, value)
    #: status.addresses[0].value: what a real controller published.
    reported_address: str | None = None

    def listener(self, name: str) -> Listener | None:
        return next((li for li in self.listeners if li.name == name), None)


# ---------------------------------------------------------------- HTTPRoute


@dataclass(frozen=True, slots=True)
class ParentRef:
    group: str  # default gateway.networking.k8s.io
    kind: str  # default Gateway
    namespace: str  # defaulted to the route's namespace
    name: str
    section_name: str | None
    port: int | None
    field: str
    location: Location

    def __str__(self) -> str:
        text = f"{self.kind}/{self.namespace}/{self.name}"
        if self.section_name:
            text += f" sectionName={self.section_name}"
        if self.port is not None:
            text += f" port={self.port}"
        return text


@dataclass(frozen=True, slots=True)
class PathMatch:
    type: str  # Exact, PathPrefix (default), RegularExpression
    value: str  # default "/"


@dataclass(frozen=True, slots=True)
class ValueMatch:
    """A header or query parameter match."""

    type: str  # Exact (default) or RegularExpression
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class RouteMatch:
    path: PathMatch
    headers: tuple[ValueMatch, ...]
    query_params: tuple[ValueMatch, ...]
    method: str | None
    field: str  # "" for the match a rule without matches gets
    location: Location


@dataclass(frozen=True, slots=True)
class HeaderModifier:
    set: tuple[tuple[str, str], ...] = ()
    add: tuple[tuple[str, str], ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PathModifier:
    type: str  # ReplaceFullPath or ReplacePrefixMatch
    value: str


@dataclass(frozen=True, slots=True)
class RequestRedirect:
    scheme: str | None
    hostname: str | None
    path: PathModifier | None
    port: int | None
    status_code: int  # default 302


@dataclass(frozen=True, slots=True)
class URLRewrite:
    hostname: str | None
    path: PathModifier | None


@dataclass(frozen=True, slots=True)
class BackendObjectRef:
    group: str  # "" = core (Service)
    kind: str  # default Service
    name: str
    namespace: str  # defaulted to the route's namespace
    port: int | None

    @property
    def is_service(self) -> bool:
        return self.group == "" and self.kind == "Service"

    def __str__(self) -> str:
        kind = f"{self.group}/{self.kind}" if self.group else self.kind
        port = f":{self.port}" if self.port is not None else ""
        return f"{kind}/{self.namespace}/{self.name}{port}"


@dataclass(frozen=True, slots=True)
class RequestMirror:
    backend: BackendObjectRef
    percent: int | None
    fraction: tuple[int, int] | None  # (numerator, denominator)


@dataclass(frozen=True, slots=True)
class RouteFilter:
    type: str
    request_header_modifier: HeaderModifier | None = None
    response_header_modifier: HeaderModifier | None = None
    request_redirect: RequestRedirect | None = None
    url_rewrite: URLRewrite | None = None
    request_mirror: RequestMirror | None = None
    extension_ref: tuple[str, str, str] | None = None  # (group, kind, name)
    field: str = ""
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class HTTPBackendRef:
    ref: BackendObjectRef
    weight: int  # default 1; 0 takes no traffic
    filters: tuple[RouteFilter, ...]
    field: str
    location: Location


@dataclass(frozen=True, slots=True)
class HTTPRouteRule:
    name: str | None
    matches: tuple[RouteMatch, ...]  # never empty: defaulted to PathPrefix /
    filters: tuple[RouteFilter, ...]
    backend_refs: tuple[HTTPBackendRef, ...]
    field: str
    location: Location
    #: fields written but not simulated (timeouts, retry, sessionPersistence)
    unsimulated: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HTTPRoute:
    meta: ObjectMeta
    parent_refs: tuple[ParentRef, ...]
    hostnames: tuple[str, ...]
    rules: tuple[HTTPRouteRule, ...]


# ---------------------------------------------------------------- ReferenceGrant


@dataclass(frozen=True, slots=True)
class ReferenceGrant:
    meta: ObjectMeta
    #: (group, kind, namespace) allowed to refer
    from_: tuple[tuple[str, str, str], ...]
    #: (group, kind, name or None for any) that may be referred to, in this grant's namespace
    to: tuple[tuple[str, str, str | None], ...]

    def allows(self, group: str, kind: str, namespace: str, to_group: str, to_kind: str, to_name: str) -> bool:
        return (
            any(f == (group, kind, namespace) for f in self.from_)
            and any(g == to_group and k == to_kind and (n is None or n == to_name) for g, k, n in self.to)
        )
