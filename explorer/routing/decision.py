"""The routing answer, and the trace that explains it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from explorer.model.location import Location
from explorer.model.objects import HTTPIngressPath, Ingress, IngressBackend
from explorer.model.value import value
from explorer.routing.request import Request

if TYPE_CHECKING:
    from explorer.routing.table import Route, WeightedBackend

#: Type aliases are strings: importing the module builds no typing object (each costs the start ~0.1 ms).
Verdict: TypeAlias = """Literal[
    "chosen",  # this path (or default backend) answers the request
    "matched",  # it matches too, but loses to the chosen one (reason says why)
    "no-match",  # host matched, path did not
    "other-host",  # its rule is for another host
    "other-load-balancer",  # it belongs to another Ingress's load balancer (gce)
    "skipped",  # the controller cannot use it (reason says why)
    "not-served",  # the Ingress is not served by this controller
    "note",  # an assumption the profile made
]"""

Outcome: TypeAlias = 'Literal["forward", "redirect", "answer", "refused"]'


@value
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


@value
class BackendRef:
    """A Service backend as the Ingress wrote it, with the namespace it lives in."""

    namespace: str
    service: str
    port: str  # number or name, as written
    backend: IngressBackend | None = None  # None for the controller's own default backend

    def __str__(self) -> str:
        return f"{self.namespace}/{self.service}:{self.port}"


#: A Decision's answer fields, with their values when the answer does not set them.
ANSWER_DEFAULTS: dict[str, Any] = {
    "ingress": None, "path": None, "rule_host": None, "backend": None, "status": None, "location": None,
    "upstream_path": None, "used_default_backend": None, "body": None, "backends": (), "response_headers": (),
    "content_type": "text/plain", "upstream_headers": (), "max_body": None, "annotations": (),
}


class Decision:
    """The routing answer for one request.

    The evaluator makes one (`explorer.routing.evaluate.RouteResult`, which also keeps
    what the trace needs) from the route it found; what the route answers (outcome,
    reason, backend, headers: the fields below) is worked out on the first read of any
    of them, and the trace on the first read of `trace`, so a caller that only asks
    which route answered pays for neither. Reading is then plain attribute access.
    """

    # The answer fields live in the instance dict, set whole by `_fill` (one dict, not 17 attribute writes).
    __slots__ = ("request", "profile", "load_balancer", "route", "matched_path", "_trace", "__dict__")

    request: Request
    profile: str
    load_balancer: str  # which front end answered: "shared" or namespace/name
    #: The RouteTable entry that answered (a rule, a fallback, the controller's own), when one did.
    route: "Route | None"
    #: The path the controller matched on (the request's, normalised as the profile says).
    matched_path: str
    outcome: Outcome
    reason: str
    ingress: Ingress | None
    path: HTTPIngressPath | None  # the winning path, when a path won
    rule_host: str | None  # host of the winning rule ("" host-less)
    backend: BackendRef | None
    status: int | None  # what the controller answers itself; None when it forwards
    location: str | None  # for redirects
    upstream_path: str | None
    used_default_backend: Literal["ingress", "controller"] | None
    body: str | None  # the controller's own body for status answers
    #: Every backend of a weighted forward; `backend` is the one this request goes to.
    backends: "tuple[WeightedBackend, ...]"
    #: Headers the controller sends with its own answer (WWW-Authenticate), and that answer's type.
    response_headers: tuple[tuple[str, str], ...]
    content_type: str
    #: Headers the controller sets on the request to the Pod (X-Forwarded-Prefix; Host from upstream-vhost).
    upstream_headers: tuple[tuple[str, str], ...]
    #: The controller's body limit for this request (nginx client_max_body_size); None: none known.
    max_body: int | None
    #: Every annotation of the deciding Ingress(es), with its handling (explorer.profiles.nginx_annotations).
    annotations: tuple[Any, ...]
    _trace: list[TraceEntry] | None  # built on first read of `trace`

    def _answer(self) -> dict[str, Any]:
        """Every answer field (outcome, reason and each of ANSWER_DEFAULTS) by name: the evaluator words them."""
        raise NotImplementedError

    def _explain(self) -> list[TraceEntry]:
        """The trace: the evaluator builds it."""
        raise NotImplementedError

    def _fill(self) -> None:
        """Word the answer: every answer field at once, into the instance dict (where reads then find them)."""
        fields = self._answer()
        if self.__dict__:  # a field set before any was read stays as set
            fields.update(self.__dict__)
        self.__dict__ = fields

    def __repr__(self) -> str:
        return (f"Decision({self.request.url!r}, {self.profile!r}, outcome={self.outcome!r}, "
                f"reason={self.reason!r}, backend={self.backend!r})")

    @property
    def trace(self) -> list[TraceEntry]:
        """Every candidate considered and why; built on first use (explaining costs more than routing)."""
        if self._trace is None:
            self._trace = self._explain()
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

    def as_dict(self, trace: bool = True) -> dict[str, Any]:
        """`route -o json`'s object; `trace=False` leaves the trace out (and does not build it)."""
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
            **({"trace": [entry.as_dict() for entry in self.trace]} if trace else {}),
        }


class _Answered:
    """An answer field of Decision: its first read words the whole answer, after which the instance dict
    answers (a descriptor with only __get__ yields to it)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, decision: Decision | None, owner: type | None = None) -> Any:
        if decision is None:
            return self
        decision._fill()
        return decision.__dict__[self.name]


for _name in ("outcome", "reason", *ANSWER_DEFAULTS):
    setattr(Decision, _name, _Answered(_name))


def _port_value(port: str) -> int | str:
    return int(port) if port.isdigit() else port
