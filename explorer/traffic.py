"""What the embedded proxy tells the rest of the tool, and the port it is driven through.

The TUI and tests talk to the proxy only through `TrafficPort` and the
events below, so they never import aiohttp or the proxy's internals. This
module imports neither: a screen can type against it, and a test can hand
the TUI a fake port built on `EventHub`.

Events are small frozen dataclasses published in order for one request:
RequestReceived, DecisionMade, HopReached (once per hop of the flow, so a
diagram can light the hops one by one), UpstreamResponse (only when a
simulated Pod answered), RequestCompleted (always, with what the client got).
Health checks publish HealthChecked for every probe and HealthChanged when a
backend's state for one Pod flips. On a large snapshot the proxy says it runs
its Pods on demand (PodsOnDemand) and when a backend's checks start
(HealthChecksStarted).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Protocol, Union

if TYPE_CHECKING:
    from explorer.model.state import ClusterState
    from explorer.profiles import ControllerProfile
    from explorer.routing.decision import Decision
    from explorer.routing.gateway import GatewayDecision
    from explorer.topology.flow import Flow

#: Header names every proxied response carries ('-' when there is none).
INGRESS_HEADER = "X-Ingress-Explorer-Ingress"  # namespace/name
BACKEND_HEADER = "X-Ingress-Explorer-Backend"  # namespace/service:port as written
POD_HEADER = "X-Ingress-Explorer-Pod"  # the simulated Pod that answered
REQUEST_ID_HEADER = "X-Ingress-Explorer-Request"  # the request_id of the events about it
REASON_HEADER = "X-Ingress-Explorer-Reason"  # on answers for lack of a healthy Pod: why
CERTIFICATE_HEADER = "X-Ingress-Explorer-Certificate"  # HTTPS: the certificate SNI chose, and its source
#: Set by `TrafficPort.send` on its own requests: the proxy hands that request's answer back in-process.
ANSWER_HEADER = "X-Ingress-Explorer-Answer"


@dataclass(frozen=True, slots=True)
class ListenerInfo:
    """One front end: nginx has one shared; gce one per Ingress (its own address)."""

    load_balancer: str  # "shared" or namespace/name, as Decision.load_balancer names it
    host: str  # the address it listens on, e.g. 127.0.0.1
    http_port: int | None  # None: no HTTP front end (gce, allow-http "false")
    https_port: int | None  # None: no HTTPS front end (gce without a certificate)
    certificates: tuple[str, ...] = ()  # one line per certificate served by SNI: "host: source"

    def base_url(self, scheme: str = "http") -> str | None:
        port = self.http_port if scheme == "http" else self.https_port
        if port is None:
            return None
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{port}"

    def as_dict(self) -> dict[str, object]:
        return {
            "loadBalancer": self.load_balancer,
            "host": self.host,
            "http": self.base_url("http"),
            "https": self.base_url("https"),
            "certificates": list(self.certificates),
        }


@dataclass(frozen=True, slots=True)
class RequestReceived:
    request_id: int
    method: str
    url: str  # as the client asked, with the Host header as host: http://foo.bar.com/foo
    listener: str  # load balancer name of the listener that took it
    client: str  # peer address
    time: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class DecisionMade:
    request_id: int
    decision: "Decision"


@dataclass(frozen=True, slots=True)
class HopReached:
    """The request reached one hop of its flow (`explorer.topology.resolve(...)`).

    `index` is the hop's position in `Flow.all_hops()`: the path hops first
    (client, load balancer, ..., Service, node), then two per Pod (the Pod and
    its container port). Only the Pod that answered is reached.
    """

    request_id: int
    index: int
    hop: str  # the hop's label, as the flow shows it
    kind: str = ""  # Hop.kind: client, load-balancer, controller, ingress, answer, service, node, pod, container-port


@dataclass(frozen=True, slots=True)
class UpstreamResponse:
    request_id: int
    status: int
    headers: tuple[tuple[str, str], ...]
    body_excerpt: str
    elapsed_ms: float
    pod: str


@dataclass(frozen=True, slots=True)
class RequestCompleted:
    """The access-log line: what the client got, end to end."""

    request_id: int
    method: str
    host: str
    path: str
    status: int
    elapsed_ms: float
    ingress: str  # namespace/name or "-"
    backend: str  # namespace/service:port or "-"
    pod: str  # Pod name or "-"
    rule: str  # "host path (pathType)" or "-"
    outcome: str  # forward / redirect / answer / refused / error
    time: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class MirrorSent:
    """A Gateway API RequestMirror copy of request `request_id` reached a Pod; its answer was discarded."""

    request_id: int
    method: str
    host: str  # the Host the copy carried
    path: str
    target: str  # namespace/service:port of the mirror's backendRef
    pod: str  # the Pod that got the copy, or "-"
    status: int  # the Pod's status, 0 when the copy failed (reason says why)
    reason: str = ""
    time: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class HealthChecked:
    """One real HTTP probe from the proxy to a simulated Pod."""

    backend: str  # the backend id the controller simulation uses
    pod: str  # the probed target: a Pod name, or a node name when GKE checks instance groups
    path: str
    status: int | None  # None: no answer (refused, timeout)
    healthy: bool  # did this probe pass (gce: 200 only; nginx readiness: 200-399)
    elapsed_ms: float
    time: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class HealthChanged:
    """A target's state flipped after the check's threshold of results in a row."""

    backend: str
    pod: str  # as in HealthChecked
    state: str  # "HEALTHY" | "UNHEALTHY" | "Unknown" (nginx uses them for readiness: HEALTHY = Ready)
    time: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class PodsOnDemand:
    """How the proxy runs a snapshot's simulated Pods, published when that changes (never for a small one).

    Up to `limit` Pods, every Pod's server starts with the snapshot and every
    health check runs. Above it (`on_demand`), a Pod's server starts on its
    first request or check, and a backend's health checks start with the first
    request routed to it; until then its health is Unknown, as it is for a
    controller that has not checked yet.
    """

    pods: int  # simulated Pods in the snapshot
    limit: int
    on_demand: bool
    time: float = field(default_factory=time.time)

    def describe(self) -> str:
        if not self.on_demand:
            return f"{self.pods:,} simulated Pods: every Pod runs and every health check runs"
        return (f"{self.pods:,} simulated Pods (more than {self.limit:,}): a Pod starts on its first request, and a "
                "backend's health checks start with the first request routed to it; until then its health is "
                "Unknown")


@dataclass(frozen=True, slots=True)
class HealthChecksStarted:
    """On demand: the first request routed to a backend started its health checks (`targets` of them)."""

    backend: str
    targets: int
    time: float = field(default_factory=time.time)


TrafficEvent = Union[
    RequestReceived, DecisionMade, HopReached, UpstreamResponse, RequestCompleted, HealthChecked, HealthChanged,
    PodsOnDemand, HealthChecksStarted, MirrorSent,
]


@dataclass(frozen=True, slots=True)
class ResponseSummary:
    """What `TrafficPort.send` got back, for a request bar."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: str  # decoded text, cut to a few KiB
    elapsed_ms: float
    ingress: str  # from X-Ingress-Explorer-Ingress ("-" when none)
    backend: str
    pod: str
    request_id: int | None  # matches the events of this request
    sent_to: str  # the listener URL the request really went to
    #: The proxy's own routing answer for this request (one request, one route): draw from it.
    decision: "Decision | None" = None
    #: The flow the proxy resolved for it, when it resolved one for its event subscribers; else None.
    flow: "Flow | None" = None
    #: The Pod whose answer the client got ("" when no Pod answered: the controller, a 502, a 503).
    answered_by: str = ""
    #: With the Gateway API front end: the proxy's GatewayDecision for it (as `decision` for Ingress).
    gateway_decision: "GatewayDecision | None" = None


class Subscription:
    """An event queue for one subscriber; iterate it, and close it when done.

    A slow subscriber never blocks the proxy: when its queue is full the
    oldest event is dropped and `dropped` counts it.
    """

    def __init__(self, hub: "EventHub", maxsize: int, kinds: frozenset[type] | None = None) -> None:
        self._hub = hub
        self.queue: asyncio.Queue[TrafficEvent | None] = asyncio.Queue(maxsize)
        self.dropped = 0
        #: The event types it gets (None: every one); the proxy builds nothing only others would read.
        self.kinds = kinds

    def put(self, event: TrafficEvent | None) -> None:
        while True:
            try:
                self.queue.put_nowait(event)
                return
            except asyncio.QueueFull:
                self.queue.get_nowait()
                self.dropped += 1

    def close(self) -> None:
        """Stop receiving; a pending iteration ends."""
        self._hub.unsubscribe(self)
        self.put(None)

    def __aiter__(self) -> "Subscription":
        return self

    async def __anext__(self) -> TrafficEvent:
        event = await self.queue.get()
        if event is None:
            raise StopAsyncIteration
        return event

    async def __aenter__(self) -> "Subscription":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class EventHub:
    """Fan-out of traffic events to every subscriber (one event loop)."""

    def __init__(self) -> None:
        self._subscribers: list[Subscription] = []
        self._wanted: frozenset[type] | None = frozenset()  # what some subscriber reads; None: everything

    def _recount(self) -> None:
        kinds: set[type] = set()
        for sub in self._subscribers:
            if sub.kinds is None:
                self._wanted = None
                return
            kinds |= sub.kinds
        self._wanted = frozenset(kinds)

    def subscribe(self, maxsize: int = 1000, kinds: Iterable[type] | None = None) -> Subscription:
        """A new subscriber; `kinds` limits it to those event types (an access log needs no hops)."""
        sub = Subscription(self, maxsize, frozenset(kinds) if kinds is not None else None)
        self._subscribers.append(sub)
        self._recount()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subscribers:
            self._subscribers.remove(sub)
            self._recount()

    @property
    def active(self) -> bool:
        """Is anyone listening? (the proxy skips building events nobody reads)"""
        return bool(self._subscribers)

    def wants(self, kind: type) -> bool:
        """Does any subscriber read events of this type? (HopReached needs a resolved flow: costly)"""
        return self._wanted is None or kind in self._wanted

    def publish(self, event: TrafficEvent) -> None:
        kind = type(event)
        for sub in list(self._subscribers):
            if sub.kinds is None or kind in sub.kinds:
                sub.put(event)

    def close(self) -> None:
        for sub in list(self._subscribers):
            sub.close()


class TrafficPort(Protocol):
    """How another asyncio program drives the proxy (the TUI runs it in a worker's loop)."""

    async def start(self, state: "ClusterState", profile: "ControllerProfile") -> None:
        """Start the simulated Pods, the health checks and the listeners."""

    async def apply(self, state: "ClusterState", profile: "ControllerProfile") -> None:
        """A new snapshot: routes and simulated Pods change for new requests; listeners stay
        where they are unless a load balancer appeared or went (gce) or the profile changed."""

    async def stop(self) -> None:
        """Close listeners, Pods and health checks; end every subscription."""

    @property
    def listeners(self) -> dict[str, ListenerInfo]:
        """Load balancer name -> its listener."""

    def subscribe(self, kinds: "Iterable[type] | None" = None) -> Subscription:
        """A new event stream: `async for event in port.subscribe(): ...`; `.close()` it when done.

        `kinds`: only these event types (None: all of them)."""

    async def terminate_pod(self, pod: str, stop_after: float, leave_after: float) -> None:
        """Pod namespace/name is being deleted (a rollout): after `stop_after` real seconds it stops serving
        (its port closes, connections are refused), and the load balancer keeps sending it new requests
        until `leave_after` seconds, as a NEG does until the endpoint is detached. Simulated Pods only."""

    async def send(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        load_balancer: str | None = None,
    ) -> ResponseSummary:
        """Send real HTTP to the proxy's own listener.

        `url` is what a user types: `http://foo.bar.com/foo` sends Host foo.bar.com to the
        listener of the load balancer that serves that host (or `load_balancer`, when given);
        a URL that already names a listener (`http://127.0.0.1:PORT/...`) is sent as it is.
        """


__all__ = [
    "ANSWER_HEADER", "BACKEND_HEADER", "CERTIFICATE_HEADER", "DecisionMade", "EventHub", "HealthChanged", "HealthChecked",
    "HealthChecksStarted", "HopReached", "INGRESS_HEADER", "ListenerInfo", "POD_HEADER", "PodsOnDemand", "REASON_HEADER", "REQUEST_ID_HEADER", "RequestCompleted", "RequestReceived",
    "ResponseSummary", "Subscription", "TrafficEvent", "TrafficPort", "UpstreamResponse",
]

