"""The embedded proxy: listeners per load balancer, simulated or live Pods, health checks, events.

`Proxy` implements `explorer.traffic.TrafficPort`. Start it from any asyncio
program:

    proxy = await start_proxy(state, NGINX, ProxyOptions(time_scale=0.05))
    try:
        print(proxy.listeners["shared"].base_url("http"))
        summary = await proxy.send("GET", "http://foo-bar.com/foo")
    finally:
        await proxy.stop()

nginx has one shared HTTP and HTTPS listener pair; GKE one pair per Ingress,
standing for each load balancer's own address. A new snapshot (`apply`)
changes routes, Pods and certificates for new requests; listeners of load
balancers that still exist keep their ports.

Requests reach simulated Pods, or, with `ProxyOptions(forward=...)`, a live
cluster's Pods through the port-forwards that callable opens (upstreams.py).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import subprocess
import time
from dataclasses import dataclass, field
from typing import Iterable
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from yarl import URL

from explorer.model.state import ClusterState
from explorer.proxy.client import UpstreamClient
from explorer.proxy.handler import Outcome, RequestHandler
from explorer.proxy.limits import Limits
from explorer.proxy.pool import Pool
from explorer.proxy.protocol import DeadlineServer
from explorer.proxy.tls import CertificateStore, SNISelector
from explorer.proxy.upstreams import Forward, ForwardedUpstreams, SimulatedUpstreams, Upstreams
from explorer.routing.decision import Decision
from explorer.profiles import ControllerProfile
from explorer.routing.request import host_of
from explorer.routing.evaluate import entry_point_for
from explorer.routing.route import table_for
from explorer.sim.host import PodHost
from explorer.sim.pods import SimPods
from explorer.topology.controller import ControllerState
from explorer.topology.flow import Flow, resolve
from explorer.traffic import (
    ANSWER_HEADER, BACKEND_HEADER, INGRESS_HEADER, POD_HEADER, REQUEST_ID_HEADER, EventHub, ListenerInfo, ResponseSummary,
    Subscription,
)

log = logging.getLogger("explorer.proxy")

#: Simulated Pods up to which all of them run (see pool.py); a lesson has a handful, a cluster dump 20,000.
EAGER_LIMIT = 500
#: Seconds requests in flight get to finish when the proxy stops (aiohttp's own default is 60 s,
#: which kept Ctrl-C waiting for a Pod that hangs); then their connections are closed.
STOP_GRACE = 1.0


class ProxyError(Exception):
    """A proxy that cannot start or cannot do what was asked; the message says what to do."""


@dataclass(frozen=True, slots=True)
class ProxyOptions:
    listen: str = "127.0.0.1"
    http_port: int = 0  # 0: any free port; with several load balancers (gce) the next ones count up
    https_port: int = 0
    status_port: int | None = None  # None: no status endpoint; 0: any free port
    time_scale: float = 1.0  # 0.05 runs health-check intervals 20 times faster
    limits: Limits = field(default_factory=Limits)
    #: None: simulated Pods. Else the Pods are a live cluster's, reached through the port-forward this
    #: opens for (namespace, Pod, container port), e.g. LiveSource.forward; its `.last_error` explains a 502.
    forward: Forward | None = None
    #: Simulated Pods up to which every Pod starts with the snapshot and every health check runs; above it
    #: Pods start on their first request and a backend's checks with its first request (pool.py).
    eager_limit: int = EAGER_LIMIT
    #: Simulated Pods in a process of their own (explorer/sim/host.py), as `serve` runs them: proxy and Pods
    #: on two cores under load. False: in the proxy's process (the TUI, lessons and tests reach into them).
    pods_process: bool = False
    #: That process, already started (explorer.sim.host.spawn): `serve` starts it before reading the manifests.
    pods_spawned: "subprocess.Popen[bytes] | None" = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What new requests are routed by; replaced whole on apply, never changed."""

    state: ClusterState
    profile: ControllerProfile
    _flows: dict[tuple[object, ...], Flow] = field(default_factory=dict, compare=False, repr=False)
    _flows_for: list[ControllerState | None] = field(default_factory=lambda: [None], compare=False, repr=False)
    _rules: dict[tuple[int, str | None], str] = field(default_factory=dict, compare=False, repr=False)

    def rule_header(self, decision: Decision) -> str:
        """The winning rule as JSON (the simulated Pod echoes it): made once per rule path of this snapshot."""
        key = (id(decision.path), decision.rule_host)  # the paths live as long as the snapshot's state
        found = self._rules.get(key)
        if found is None:
            found = self._rules[key] = json.dumps(decision.rule, separators=(",", ":"))
        return found

    def flow(self, decision: Decision, controller: ControllerState | None) -> Flow:
        """The topology flow of a decision, shared by every request decided alike.

        resolve() costs more than routing; the flow depends only on the decision's
        outcome and target and on the health state, so it is kept until either changes.
        """
        if self._flows_for[0] is not controller or len(self._flows) > 1000:
            self._flows.clear()  # a new health state (or too many shapes): start afresh
            self._flows_for[0] = controller
        key = (decision.outcome, decision.load_balancer, id(decision.ingress), id(decision.path),
               str(decision.backend), decision.status, decision.location, decision.used_default_backend)
        found = self._flows.get(key)
        if found is None:
            found = self._flows[key] = resolve(self.state, self.profile, decision, controller)
        return found


class Listener:
    """The front end of one load balancer: an HTTP site and, when it has one, an HTTPS site."""

    def __init__(self, proxy: "Proxy", name: str, host: str, index: int) -> None:
        self.proxy = proxy
        self.name = name
        self.host = host
        self.index = index  # fixed base ports count up by it
        self.http: web.ServerRunner | None = None
        self.https: web.ServerRunner | None = None
        self.http_port: int | None = None
        self.https_port: int | None = None
        self.sni: SNISelector | None = None
        self.gateway = ""  # Gateway API front end: the Gateway (namespace/name) this listener is a port of
        self.listener_port: int | None = None  # ... and the listener port its local port stands for

    def info(self) -> ListenerInfo:
        certs = tuple(c.describe() for c in self.sni.certificates) if self.sni and self.https else ()
        return ListenerInfo(self.name, self.host, self.http_port, self.https_port, certs)

    async def start_http(self, port: int) -> None:
        self.http, self.http_port = await self._serve("http", port, None)

    async def start_https(self, port: int, sni: SNISelector) -> None:
        self.sni = sni
        self.https, self.https_port = await self._serve("https", port, sni)

    async def stop_https(self) -> None:
        if self.https is not None:
            await self.https.cleanup()
        self.https, self.https_port = None, None

    async def stop(self) -> None:
        await self.stop_https()
        if self.http is not None:
            await self.http.cleanup()
        self.http, self.http_port = None, None

    async def _serve(self, scheme: str, port: int, sni: SNISelector | None) -> tuple[web.ServerRunner, int]:
        limits = self.proxy.options.limits
        server = DeadlineServer(
            RequestHandler(self.proxy, self.name, scheme), header_timeout=limits.client_header_timeout,
            handler_marks=True, access_log=None, keepalive_timeout=limits.keepalive_timeout,
            max_line_size=limits.parser_line_limit, max_field_size=limits.parser_line_limit,
            max_headers=limits.parser_max_headers, lingering_time=limits.lingering_time,
        )
        runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=STOP_GRACE)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, port, ssl_context=sni.context if sni else None,
                              reuse_address=True).start()
        except OSError as exc:
            await runner.cleanup()
            raise ProxyError(f"cannot listen on {self.host}:{port} for {scheme.upper()} ({self.name}): "
                             f"{exc.strerror or exc}; choose another port (--{scheme}-port) or 0 for any") from None
        return runner, runner.addresses[0][1]


class Proxy:
    """The embedded proxy; see the module docstring for how to drive it."""

    def __init__(self, options: ProxyOptions | None = None) -> None:
        self.options = options or ProxyOptions()
        self.hub = EventHub()
        self.sims: SimPods | PodHost | None = None  # the simulated Pods, when the Pods are simulated
        self.upstreams: Upstreams
        if self.options.forward is None:
            # Pods are only ever reached by the proxy, whatever --listen says: on loopback
            self.sims = PodHost(self.options.pods_spawned) if self.options.pods_process else SimPods("127.0.0.1")
            self.upstreams = SimulatedUpstreams(self.sims)
        else:
            self.upstreams = ForwardedUpstreams(self.options.forward)
        self.pool = Pool(self)
        self._listeners: dict[str, Listener] = {}
        self._opened = 0  # listeners opened so far: fixed base ports count up from here
        self._snapshot: Snapshot | None = None
        self._certs: CertificateStore | None = None
        self._status: web.AppRunner | None = None
        self.reload: dict[str, object] = {}  # the last reload of `serve --watch`, for the status page
        self.status_port: int | None = None
        self._session: aiohttp.ClientSession | None = None  # websockets and side requests (auth-url, mirrors)
        self._client: aiohttp.ClientSession | None = None
        self.upstream = UpstreamClient()  # the forwards to Pods (proxy/client.py)
        self._lock = asyncio.Lock()
        self._request_ids = 0
        self.gateway_draws = 0  # Gateway API: requests that drew a weighted backendRef share (proxy/gateway.py)
        self.mirror_draws: dict[str, int] = {}  # Gateway API: requests that drew a RequestMirror percent, per mirror
        self.mirror_tasks: set[asyncio.Task[None]] = set()  # RequestMirror copies in flight (proxy/gateway.py)
        self._sent = 0  # requests send() made
        self._answers: dict[str, Outcome | None] = {}  # send()'s requests in flight: token -> the answer
        self.started_at = 0.0

    # ------------------------------------------------------------ TrafficPort

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            raise ProxyError("the proxy is not started: await start(state, profile) first")
        return self._snapshot

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None
        return self._session

    @property
    def listeners(self) -> dict[str, ListenerInfo]:
        return {name: listener.info() for name, listener in self._listeners.items()}

    def subscribe(self, kinds: Iterable[type] | None = None) -> Subscription:
        return self.hub.subscribe(kinds=kinds)

    async def start(self, state: ClusterState, profile: ControllerProfile) -> None:
        if self._session is not None:
            raise ProxyError("the proxy is already started; use apply() for a new snapshot")
        self.started_at = time.time()
        self._certs = CertificateStore()
        # No cookie jar: a proxy passes the Pods' cookies on, it never keeps them (aiohttp's own jar refused
        # them anyway, every upstream being a loopback address, but filtered its empty self on every request).
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=False), cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False, skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
        )
        try:
            await self.apply(state, profile)
            if self.options.status_port is not None:
                await self._start_status()
        except BaseException:
            await self.stop()
            raise

    async def apply(self, state: ClusterState, profile: ControllerProfile) -> None:
        if self._session is None:
            raise ProxyError("the proxy is not started: await start(state, profile) first")
        async with self._lock:
            await self.pool.sync(state, profile)
            self._snapshot = Snapshot(state, profile)
            await self._sync_listeners(state, profile)
        await self.pool.health.first_round()

    async def stop(self) -> None:
        async with self._lock:
            for listener in list(self._listeners.values()):
                await listener.stop()
            self._listeners.clear()
            for task in list(self.mirror_tasks):  # copies nobody waits for
                task.cancel()
            await asyncio.gather(*self.mirror_tasks, return_exceptions=True)
            if self._status is not None:
                await self._status.cleanup()
                self._status, self.status_port = None, None
            await self.pool.stop()
            await self.upstream.close()
            for session in (self._session, self._client):
                if session is not None:
                    await session.close()
            self._session = self._client = None
            if self._certs is not None:
                self._certs.close()
                self._certs = None
            self.hub.close()

    async def send(self, method: str, url: str, headers: dict[str, str] | None = None, body: bytes = b"",
                   load_balancer: str | None = None) -> ResponseSummary:
        target, headers, server_hostname = self._target_for(method, url, dict(headers or {}), load_balancer)
        if self._client is None:
            self._client = aiohttp.ClientSession(auto_decompress=True)
        self._sent += 1
        token = f"{id(self):x}-{self._sent}"
        headers[ANSWER_HEADER] = token
        self._answers[token] = None
        started = time.perf_counter()
        try:
            async with self._client.request(method.upper(), URL(target, encoded=True), headers=headers,
                                            data=body or None, allow_redirects=False, ssl=False,
                                            server_hostname=server_hostname) as response:
                payload = await response.read()
        finally:
            answer = self._answers.pop(token, None)
        elapsed = (time.perf_counter() - started) * 1000
        rid = response.headers.get(REQUEST_ID_HEADER)
        return ResponseSummary(
            response.status, response.reason or "", tuple(response.headers.items()),
            payload[:16384].decode("utf-8", "replace"), elapsed,
            response.headers.get(INGRESS_HEADER, "-"), response.headers.get(BACKEND_HEADER, "-"),
            response.headers.get(POD_HEADER, "-"), int(rid) if rid and rid.isdigit() else None, target,
            answer.decision if answer else None, answer.flow if answer else None,
            answer.answered_by if answer else "", answer.gateway if answer else None,
        )

    async def terminate_pod(self, pod: str, stop_after: float, leave_after: float) -> None:
        if self.sims is None:
            raise ProxyError("a live cluster's Pods are not stopped by the proxy: terminate_pod is for simulated Pods")
        if self.sims.pods.get(pod) is None:
            raise ProxyError(f"no simulated Pod {pod} is running")
        self.pool.terminate(pod, stop_after, leave_after)

    def answered(self, token: str, outcome: Outcome) -> None:
        """The handler's answer to one of send()'s own requests (same process: no second route)."""
        if token in self._answers:  # a token nobody is waiting for (a client sent the header) is ignored
            self._answers[token] = outcome

    # ------------------------------------------------------------ for the handler and the status page

    def listener(self, load_balancer: str) -> Listener | None:
        return self._listeners.get(load_balancer)

    def next_request_id(self) -> int:
        self._request_ids += 1
        return self._request_ids

    def log_error(self, message: str) -> None:
        log.error(message)

    def status(self) -> dict[str, object]:
        snap = self._snapshot
        return {
            "controller": snap.profile.name if snap else None,
            "listen": self.options.listen,
            "timeScale": self.options.time_scale,
            "listeners": [info.as_dict() for info in self.listeners.values()],
            **self.pool.status(),
            **({"reload": self.reload} if self.reload else {}),
        }

    # ------------------------------------------------------------ internals

    async def _sync_listeners(self, state: ClusterState, profile: ControllerProfile) -> None:
        assert self._certs is not None
        if profile.front_end == "gateway":
            await self._sync_gateway_listeners(state)
            return
        lbs = table_for(state, profile).entry_points
        for name in [n for n in self._listeners if n not in lbs]:
            await self._listeners.pop(name).stop()
        for name, lb in lbs.items():
            listener = self._listeners.get(name)
            if listener is None:
                listener = Listener(self, name, self.options.listen, self._opened)
                self._opened += 1
                listener.sni = SNISelector(self._certs.fallback)
                await listener.start_http(_port(self.options.http_port, listener.index))
                self._listeners[name] = listener
            assert listener.sni is not None
            listener.sni.update(self._certs.for_ingresses(state, lb.ingresses), profile.wildcard_host_labels,
                                profile.unknown_sni_certificate)
            if lb.https_enabled and listener.https is None:
                await listener.start_https(_port(self.options.https_port, listener.index), listener.sni)
            elif not lb.https_enabled and listener.https is not None:
                await listener.stop_https()

    async def _sync_gateway_listeners(self, state: ClusterState) -> None:
        """Gateway API: one proxy listener per Gateway and listener port (entry point `ns/name:port`).

        Its local port stands for the listener port (`Listener.listener_port`): an HTTP site for HTTP
        listeners, an HTTPS site for HTTPS ones, its certificates by SNI from the listeners'
        certificateRefs (a listener without hostname: its certificate for any name, our choice).
        """
        from explorer.routing.gateway import routing_for

        assert self._certs is not None
        routing = routing_for(state)
        eps = routing.routes.entry_points
        for name in [n for n in self._listeners if n not in eps]:
            await self._listeners.pop(name).stop()
        refused = {(c.object, c.parent): c.message for c in routing.gateways.conditions
                   if c.type == "ResolvedRefs" and c.status == "False"}
        for name, ep in eps.items():
            listener = self._listeners.get(name)
            if listener is None:
                listener = Listener(self, name, self.options.listen, self._opened)
                listener.gateway, _, port = name.rpartition(":")
                listener.listener_port = int(port)
                listener.sni = SNISelector(self._certs.fallback)
                self._opened += 1
                self._listeners[name] = listener
            gateway = next(g for g in routing.gateways.gateways if g.meta.key == listener.gateway)
            certs = []
            for lt in routing.gateways.listeners_of(gateway):
                li = lt.listener
                if lt.scheme == "https" and li.port == listener.listener_port:
                    why = refused.get((f"Gateway/{gateway.meta.key}", li.name))
                    certs += self._certs.for_gateway_listener(
                        state, li.hostname, ((r.namespace, r.name) for r in li.certificate_refs), why)
            assert listener.sni is not None
            listener.sni.update(certs, "many", "first")
            if "http" in ep.listeners and listener.http is None:
                await listener.start_http(_port(self.options.http_port, listener.index))
            if "https" in ep.listeners and listener.https is None:
                await listener.start_https(_port(self.options.https_port, listener.index), listener.sni)

    async def _start_status(self) -> None:
        app = web.Application()

        async def status(_: web.Request) -> web.Response:
            await self.upstreams.refresh()
            return web.json_response(self.status(), dumps=_dumps)

        app.router.add_get("/", status)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=STOP_GRACE)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.options.listen, self.options.status_port or 0).start()
        except OSError as exc:
            await runner.cleanup()
            raise ProxyError(f"cannot listen on {self.options.listen}:{self.options.status_port} for the status "
                             f"page: {exc.strerror or exc}; choose another --status-port") from None
        self._status = runner
        self.status_port = runner.addresses[0][1]

    def _target_for(self, method: str, url: str, headers: dict[str, str],
                    load_balancer: str | None) -> tuple[str, dict[str, str], str | None]:
        """Where `send` really sends: a listener URL, the Host header, and the SNI name."""
        if "://" not in url:
            url = "http://" + url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ProxyError(f"unsupported scheme {parts.scheme!r} in {url!r}: use http:// or https://")
        host_header = next((v for k, v in headers.items() if k.lower() == "host"), None)
        for info in self.listeners.values():
            if parts.hostname == info.host and parts.port in (info.http_port, info.https_port):
                sni = host_of(host_header) if host_header else None
                return url, headers, sni if sni and not _is_ip(sni) else None
        if host_header is None:
            host_header = parts.netloc.rsplit("@", 1)[-1]
            headers["Host"] = host_header
        if load_balancer is None and self.snapshot.profile.front_end == "gateway":
            load_balancer = self._gateway_listener_for(parts.scheme, parts.port, host_header)
        if load_balancer is None and len(self._listeners) > 1:
            # Which address the host resolves to (each Ingress its own): the table's entry point, not a route.
            snap = self.snapshot
            load_balancer = entry_point_for(table_for(snap.state, snap.profile), host_of(host_header))
        found = self.listeners.get(load_balancer or "") or next(iter(self.listeners.values()), None)
        if found is None:
            raise ProxyError("no load balancer is listening: no Ingress in the snapshot is served by this controller")
        base = found.base_url(parts.scheme)
        if base is None:
            raise ProxyError(f"the load balancer {found.load_balancer} has no {parts.scheme.upper()} front end "
                             "(GKE makes one only for an Ingress with a certificate)")
        path = parts.path or "/"
        query = f"?{parts.query}" if parts.query else ""
        sni = host_of(host_header)
        return f"{base}{path}{query}", headers, sni if sni and not _is_ip(sni) else None


    def _gateway_listener_for(self, scheme: str, port: int | None, host_header: str) -> str | None:
        """Gateway API: the listener whose Gateway takes the URL (choose_gateway) on the URL's port."""
        from explorer.routing.gateway import GatewaySelectionError, choose_gateway, routing_for
        from explorer.routing.request import Request

        wanted = port or (443 if scheme == "https" else 80)
        try:
            gateway = choose_gateway(routing_for(self.snapshot.state).gateways, Request(
                host_of(host_header) + ("" if port is None else f":{port}"), scheme=scheme))
        except GatewaySelectionError as exc:
            raise ProxyError(str(exc)) from None
        name = f"{gateway}:{wanted}"
        if name not in self._listeners:
            raise ProxyError(f"Gateway {gateway} has no listener on port {wanted}: connection refused")
        return name


async def start_proxy(state: ClusterState, profile: ControllerProfile, options: ProxyOptions | None = None) -> Proxy:
    """Start a proxy for this snapshot; the caller must `await proxy.stop()`."""
    proxy = Proxy(options)
    await proxy.start(state, profile)
    return proxy


def _port(base: int, index: int) -> int:
    return base + index if base else 0


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _dumps(data: object) -> str:
    return json.dumps(data, indent=2)
