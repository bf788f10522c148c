"""What a Gateway answers to one request, and the trace that explains it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from explorer.model.location import Location
from explorer.routing.request import Request

GatewayVerdict = Literal[
    "chosen",  # this listener, route match or backend answers
    "matched",  # it matches too, but loses in precedence (reason says why)
    "no-match",  # considered; does not match (reason says which condition)
    "other-host",  # its hostnames do not cover the request's host
    "other-listener",  # it listens on another port or protocol
    "not-attached",  # the route is not attached to this listener (status condition says why)
    "note",  # an assumption or something not simulated
]


@dataclass(frozen=True, slots=True)
class GatewayTraceEntry:
    verdict: GatewayVerdict
    reason: str
    route: str = ""  # namespace/name
    rule: int | None = None
    match: int | None = None
    listener: str = ""
    field: str = ""
    location: Location | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reason": self.reason, "route": self.route or None, "rule": self.rule,
                "match": self.match, "listener": self.listener or None, "field": self.field or None,
                "source": str(self.location) if self.location else None}


@dataclass(frozen=True, slots=True)
class BackendShare:
    namespace: str
    service: str
    port: int | None
    weight: int
    #: None when the share forwards; 500 when its backendRef does not resolve.
    status: int | None
    reason: str
    filters: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"namespace": self.namespace, "service": self.service, "port": self.port, "weight": self.weight,
                "status": self.status, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class MirrorShare:
    """A RequestMirror of the answering rule or backendRef: where a copy of the request goes, and how often."""

    namespace: str
    service: str
    port: int | None
    percent: float  # the share of requests copied (percent or fraction; 100 when neither is written)
    #: None when the copy is sent; else the ResolvedRefs reason (BackendNotFound, RefNotPermitted, InvalidKind).
    invalid: str | None
    reason: str

    @property
    def target(self) -> str:
        return f"{self.namespace}/{self.service}:{self.port or ''}"

    def as_dict(self) -> dict[str, Any]:
        return {"namespace": self.namespace, "service": self.service, "port": self.port, "percent": self.percent,
                "sent": self.invalid is None, "reason": self.reason}


@dataclass(eq=False)
class GatewayDecision:
    request: Request
    outcome: Literal["forward", "redirect", "answer", "refused"]
    reason: str
    gateway: str = ""  # namespace/name
    listener: str = ""
    listener_port: int | None = None
    route_namespace: str = ""
    route_name: str = ""
    rule_index: int | None = None
    rule_name: str | None = None
    match_index: int | None = None
    backend: BackendShare | None = None
    backends: list[BackendShare] = field(default_factory=list)
    status: int | None = None
    location: str | None = None
    upstream_path: str | None = None
    upstream_host: str | None = None
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    response_headers: dict[str, Any] = field(default_factory=dict)
    mirrors: list[str] = field(default_factory=list)
    mirror_backends: list[MirrorShare] = field(default_factory=list)
    implementation: str = "conformance"
    trace: list[GatewayTraceEntry] = field(default_factory=list)
    #: the route's source line, for the text output
    source: Location | None = None

    @property
    def forwards(self) -> bool:
        return self.outcome == "forward"

    @property
    def route(self) -> dict[str, Any] | None:
        if not self.route_name:
            return None
        return {"kind": "HTTPRoute", "namespace": self.route_namespace, "name": self.route_name,
                "rule": self.rule_index, "ruleName": self.rule_name, "match": self.match_index}

    def as_dict(self) -> dict[str, Any]:
        r = self.request
        return {
            "url": r.url,
            "method": r.method,
            "controller": "gateway",
            "implementation": self.implementation,
            "outcome": self.outcome,
            "gateway": self.gateway or None,
            "listener": self.listener or None,
            "route": self.route,
            "backend": ({"namespace": self.backend.namespace, "service": self.backend.service,
                         "port": self.backend.port} if self.backend else None),
            "backends": [b.as_dict() for b in self.backends],
            "status": self.status,
            "location": self.location,
            "upstreamPath": self.upstream_path,
            "upstreamHost": self.upstream_host,
            "requestHeaders": joined(self.request_headers) if self.outcome == "forward" else None,
            "responseHeaders": self.response_headers or None,
            "mirrors": self.mirrors,
            "mirrorBackends": [m.as_dict() for m in self.mirror_backends],
            "reason": self.reason,
            "trace": [e.as_dict() for e in self.trace],
        }


def joined(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Header name -> value, repeated headers joined with "," as an HTTP server sees them (RFC 9110 5.3)."""
    out: dict[str, str] = {}
    names: dict[str, str] = {}
    for name, value in headers:
        key = names.setdefault(name.lower(), name)
        out[key] = f"{out[key]},{value}" if key in out else value
    return out
