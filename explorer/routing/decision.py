"""The routing answer, and the trace that explains it."""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias

from explorer.model.location import Location
from explorer.model.objects import HTTPIngressPath, Ingress, IngressBackend
from explorer.model.value import value
from explorer.routing.request import Request

if TYPE_CHECKING:
    from explorer.routing.table import Condition, EntryPoint, Route, RouteTable, WeightedBackend

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


class AnswerFields:
    """The answer fields an Answer holds and a Decision reads through it (read-only): declared once for both."""

    __slots__ = ()

    outcome: Outcome
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
    #: The condition that answered (of the route, its listener or entry point), if one did.
    condition: "Condition | None"


class Answer(AnswerFields):
    """What a route answers a request: the Decision's answer fields, read through the Decision.

    The evaluator makes one per request, or one per route (and condition) when the answer depends on the
    request only through its path: that one is shared by every Decision it answers, so it is never changed
    once made, and its reason is then `around[0] + path + around[1]` (None: `reason` is whole) and its
    upstream path the request's matched path when `upstream_is_path`. Its fields are one dict, set whole.
    """

    #: Whole, or None when `around` words it with the request's path.
    reason: str | None
    around: tuple[str, str] | None
    upstream_is_path: bool

    #: What an Answer holds beyond ANSWER_DEFAULTS (and outcome and reason, which every answer sets).
    EXTRAS: ClassVar[dict[str, Any]] = {"condition": None, "around": None, "upstream_is_path": False}

    def __init__(self, fields: dict[str, Any]) -> None:
        self.__dict__ = fields  # every field (ANSWER_DEFAULTS, EXTRAS, outcome, reason): the evaluator's dict

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__dict__!r})"


class SharedAnswer(Answer):
    """A route's answer to every request that reaches it through its path only, and whose body is at most
    `within` bytes: made once, read by every Decision it answers (its fields are slots, the first ones those
    a request reads, so a read touches one object and few cache lines on a large table)."""

    __slots__ = ("within", "backend", "route", "outcome", "reason", "around", "upstream_is_path", "status",
                 "condition", *(name for name in ANSWER_DEFAULTS if name not in ("backend", "status")))

    #: The body size (bytes) up to which it answers: a body-size condition answers a larger one.
    within: int
    #: The route it is the answer of.
    route: "Route"

    def __init__(self, fields: dict[str, Any], within: int, route: "Route") -> None:
        for name, value in fields.items():
            setattr(self, name, value)
        self.within = within
        self.route = route

    def __repr__(self) -> str:
        return f"SharedAnswer({ {name: getattr(self, name) for name in self.__slots__}!r})"


#: Decision._route when the Decision's route is its shared Answer's (one reference fewer to take per request).
VIA_ANSWER: Any = object()


class Decision(AnswerFields):
    """The routing answer for one request.

    The evaluator makes one (`explorer.routing.evaluate.RouteResult`, which also keeps
    what the trace needs) from the route it found. What the route answers (outcome,
    reason, backend, headers: AnswerFields) is an Answer the route made once when
    it depends on the request only through its path (most routes: the Decision then
    points at it, nothing is copied), else worded on the first read of any field; the
    trace is built on the first read of `trace`. The answer fields are read-only.
    """

    # `_a` is unset until the answer is known (route() sets it when the route's shared answer applies).
    __slots__ = ("request", "table", "entry_point", "_route", "matched_path", "_a", "__dict__")

    request: Request
    #: The RouteTable that answered, and the entry point (load balancer, Gateway listener) the request reached.
    table: "RouteTable"
    entry_point: "EntryPoint | None"
    _route: "Route | None | Any"  # the route, or VIA_ANSWER: the route of the shared Answer `_a`
    #: The path the controller matched on (the request's, normalised as the profile says).
    matched_path: str
    _a: Answer
    reason: str
    _trace: list[TraceEntry] | None = None  # built on first read of `trace` (then in the instance dict)

    def _answer(self) -> Answer:
        """The answer of this request (outcome, reason and each of ANSWER_DEFAULTS): the evaluator words it."""
        raise NotImplementedError

    def _explain(self) -> list[TraceEntry]:
        """The trace: the evaluator builds it."""
        raise NotImplementedError

    if not TYPE_CHECKING:  # (hidden from mypy, which would otherwise accept any attribute name on a Decision)
        def __getattr__(self, name: str) -> Any:
            """An answer field read before the answer is known: `_a` is unset, so the field's property raised
            AttributeError and Python asks here. Word the answer once, then read the field again."""
            if name in _ANSWERED:
                try:
                    _ANSWER_SLOT.__get__(self, Decision)
                except AttributeError:
                    self._a = self._answer()
                    return getattr(self, name)
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def route(self) -> "Route | None":
        """The RouteTable entry that answered (a rule, a fallback, the controller's own), when one did."""
        found = self._route
        return self._a.route if found is VIA_ANSWER else found  # type: ignore[attr-defined]

    @property
    def profile(self) -> str:
        """The controller profile's name ("nginx", "gce", the Gateway's implementation)."""
        return self.table.profile.name

    @property
    def load_balancer(self) -> str:
        """Which front end answered: "shared" or namespace/name ("" when none did)."""
        return self.entry_point.name if self.entry_point is not None else ""

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


def _reason(decision: Decision) -> str:
    answer = decision._a
    around = answer.around
    if around is None:
        assert answer.reason is not None
        return answer.reason
    return around[0] + decision.matched_path + around[1]


def _upstream_path(decision: Decision) -> str | None:
    answer = decision._a
    return decision.matched_path if answer.upstream_is_path else answer.upstream_path


# Each answer field reads the Decision's Answer (one C-level attribute chain for most, no setter: read-only);
# reason and upstream_path join the request's path where the Answer is the route's shared one.
_ANSWERED = frozenset(("outcome", "reason", "condition", *ANSWER_DEFAULTS))
_ANSWER_SLOT: Any = Decision.__dict__["_a"]
for _name in _ANSWERED - {"reason", "upstream_path"}:
    setattr(Decision, _name, property(attrgetter("_a." + _name)))
setattr(Decision, "reason", property(_reason))
setattr(Decision, "upstream_path", property(_upstream_path))


def _port_value(port: str) -> int | str:
    return int(port) if port.isdigit() else port
