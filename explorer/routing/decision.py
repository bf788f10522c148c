"""The routing answer, and the trace that explains it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Literal

from explorer.model.location import Location
from explorer.model.objects import HTTPIngressPath, Ingress, IngressBackend
from explorer.routing.request import Request

if TYPE_CHECKING:
    from explorer.routing.table import Route, WeightedBackend

Verdict = Literal[
    "chosen",  # this path (or default backend) answers the request
    "matched",  # it matches too, but loses to the chosen one (reason says why)
    "no-match",  # host matched, path did not
    "other-host",  # its rule is for another host
    "other-load-balancer",  # it belongs to another Ingress's load balancer (gce)
    "skipped",  # the controller cannot use it (reason says why)
    "not-served",  # the Ingress is not served by this controller
    "note",  # an assumption the profile made
]

Outcome = Literal["forward", "redirect", "answer", "refused"]


@dataclass(frozen=True, slots=True)
class TraceEntry:
    verdict: Verdict
    reason: str
    ingress: str = ""  # namespace/name
    host: str | None = None  # the rule's host ("" for a host-less rule), None when not about a rule
    path: str | None = None
    path_type: str | None = None
    backend: str = ""
    field: str = ""
    location: Location | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "ingress": self.ingress or None,
            "host": self.host,
            "path": self.path,
            "pathType": self.path_type,
            "backend": self.backend or None,
            "field": self.field or None,
            "source": str(self.location) if self.location else None,
        }


@dataclass(frozen=True, slots=True)
class BackendRef:
    """A Service backend as the Ingress wrote it, with the namespace it lives in."""

    namespace: str
    service: str
    port: str  # number or name, as written
    backend: IngressBackend | None = None  # None for the controller's own default backend

    def __str__(self) -> str:
        return f"{self.namespace}/{self.service}:{self.port}"


@dataclass(eq=False, slots=True)
class Decision:
    request: Request
    profile: str
    outcome: Outcome
    reason: str
    ingress: Ingress | None = None
    path: HTTPIngressPath | None = None  # the winning path, when a path won
    rule_host: str | None = None  # host of the winning rule ("" host-less)
    backend: BackendRef | None = None
    status: int | None = None  # what the controller answers itself; None when it forwards
    location: str | None = None  # for redirects
    upstream_path: str | None = None
    used_default_backend: Literal["ingress", "controller"] | None = None
    load_balancer: str = ""  # which front end answered: "shared" or namespace/name
    body: str | None = None  # the controller's own body for status answers
    #: The RouteTable entry that answered (a rule, a fallback, the controller's own), when one did.
    route: "Route | None" = field(default=None, repr=False)
    #: Every backend of a weighted forward; `backend` is the one this request goes to.
    backends: "tuple[WeightedBackend, ...]" = ()
    #: The path the controller matched on (the request's, normalised as the profile says).
    matched_path: str = ""
    #: Headers the controller sends with its own answer (WWW-Authenticate), and that answer's type.
    response_headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "text/plain"
    #: Headers the controller sets on the request to the Pod (X-Forwarded-Prefix; Host from upstream-vhost).
    upstream_headers: tuple[tuple[str, str], ...] = ()
    #: The controller's body limit for this request (nginx client_max_body_size); None: none known.
    max_body: int | None = None
    #: Every annotation of the deciding Ingress(es), with its handling (explorer.profiles.nginx_annotations).
    annotations: tuple[Any, ...] = ()
    _explain: Callable[["Decision"], list[TraceEntry]] | None = field(default=None, repr=False)
    _trace: list[TraceEntry] | None = field(default=None, init=False, repr=False)

    @property
    def trace(self) -> list[TraceEntry]:
        """Every candidate considered and why; built on first use (explaining costs more than routing)."""
        if self._trace is None:
            self._trace = self._explain(self) if self._explain else []
        return self._trace

    @property
    def undecided(self) -> list[str]:
        """What the controller does here that depends on more than this request (other requests, time, what a
        Pod or an auth service answers): named for `route`, carried out by `serve` (nginx_upstream)."""
        policy = self.route.policy if self.route is not None else None
        return policy.undecided() if policy is not None else []

    @property
    def forwards(self) -> bool:
        return self.outcome == "forward"

    @property
    def rule(self) -> dict[str, Any] | None:
        if self.path is None:
            return None
        return {"host": self.rule_host or None, "path": self.path.path, "pathType": self.path.path_type}

    def as_dict(self) -> dict[str, Any]:
        r = self.request
        return {
            "url": r.url,
            "method": r.method,
            "controller": self.profile,
            "outcome": self.outcome,
            "loadBalancer": self.load_balancer or None,
            "ingress": self.ingress.meta.key if self.ingress else None,
            "rule": self.rule,
            "backend": (
                {"namespace": self.backend.namespace, "service": self.backend.service,
                 "port": _port_value(self.backend.port)}
                if self.backend else None
            ),
            "defaultBackend": self.used_default_backend,
            "status": self.status,
            "location": self.location,
            "upstreamPath": self.upstream_path,
            "backends": [
                {"namespace": b.ref.namespace, "service": b.ref.service, "port": _port_value(b.ref.port),
                 "weight": b.weight, "share": round(b.weight / total, 6) if total else 0}
                for total in [sum(b.weight for b in self.backends)] for b in self.backends
            ] if len(self.backends) > 1 else None,  # a split (canary weight): each backend and its share
            "responseHeaders": [list(h) for h in self.response_headers] or None,
            "upstreamHeaders": [list(h) for h in self.upstream_headers] or None,
            "maxBody": self.max_body,
            "annotations": [a.as_dict() for a in self.annotations],
            "undecided": self.undecided,
            "reason": self.reason,
            "trace": [entry.as_dict() for entry in self.trace],
        }


def _port_value(port: str) -> int | str:
    return int(port) if port.isdigit() else port
