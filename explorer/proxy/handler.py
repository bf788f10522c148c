"""One request through the proxy: limits, the routing decision, then an answer or a Pod.

Every request goes through `explorer.routing.route()` (nothing here matches
paths or hosts), then through the health the controller simulation keeps:
a forward reaches one Pod chosen round-robin among those allowed to take
traffic, or the controller's own "no healthy backend" answer. The upstream
address is always a loopback port (a simulated Pod's, or a port-forward to a
live Pod), so an absolute-form request (`GET http://other.example/`) is
routed by its host like any other and never leaves the machine.

A Pod that fails gets the answers nginx gives (checked against nginx 1.22):
502 when it refuses the connection, closes it, or answers something that is
not HTTP; the profile's `upstream_timeout_status` (nginx 504, GKE 502) when it
is slower than the timeout. A port-forward that could not be opened (no
right to create pods/portforward, the Pod gone) closes the connection: 502,
with the port-forward's own error in the body. The client (proxy/client.py) tries an idempotent
request once more when its connection breaks before the answer (ingress-nginx, with
proxy-next-upstream "error timeout", tries up to three times), so a GET to a
Pod that died says what the second try met. The whole answer is read before
it is passed on, so a Pod that dies mid-body gives 502 here, where nginx has
already sent the status line and its client gets a cut-off body.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from explorer.proxy import gateway, nginx_policy, pages
from explorer.proxy.client import ConnectTimeout, ReadTimeout, UpstreamFailure
from explorer.proxy.limits import header_problem
from explorer.proxy.protocol import HeaderDeadlineProtocol
from explorer.proxy.tls import FALLBACK_NAME
from explorer.proxy.upstreams import Upstream
from explorer.routing.decision import Decision
from explorer.routing.request import Request, normalize_path
from explorer.routing.route import route
from explorer.sim.pod import ROUTE_HEADER, RULE_HEADER, route_token
from explorer.topology.flow import Flow
from explorer.traffic import (
    ANSWER_HEADER, BACKEND_HEADER, CERTIFICATE_HEADER, INGRESS_HEADER, POD_HEADER, REASON_HEADER, REQUEST_ID_HEADER, DecisionMade, HopReached, RequestCompleted,
    RequestReceived, UpstreamResponse,
)

if TYPE_CHECKING:
    from explorer.proxy.server import Proxy, Snapshot
    from explorer.routing.gateway import GatewayDecision

#: RFC 7230 6.1: meaningful for one connection only, never forwarded.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
    "trailer", "transfer-encoding", "upgrade",
})
_BODY_EXCERPT = 2048
#: Request headers the Pod never gets from the client: hop-by-hop, and those the proxy sets itself.
_NOT_PASSED = HOP_BY_HOP | {"host", "content-length"}
#: Response headers the client never gets from the Pod: hop-by-hop, and the length (the proxy's own framing).
_NOT_RETURNED = HOP_BY_HOP | {"content-length"}
#: Request headers the proxy sets for the Pod (a client's own are replaced where they stand).
_SET_HERE = frozenset({"x-forwarded-for", "x-real-ip", "x-original-forwarded-for", "x-forwarded-proto",
                       "x-forwarded-host"})


class Outcome:
    """What the client got, collected for the access-log event and for the sender's answer."""

    def __init__(self) -> None:
        self.ingress = "-"
        self.backend = "-"
        self.pod = "-"
        self._rule: str | None = None  # worded from the decision when read (the access log, the sender)
        self.outcome = "error"
        self.decision: Decision | None = None
        self.gateway: GatewayDecision | None = None  # the Gateway API front end's answer (proxy/gateway.py)
        self.flow: Flow | None = None
        self.answered_by = ""  # the Pod whose answer was passed on

    @property
    def rule(self) -> str:
        """The winning rule as the access log shows it, `host path (pathType)`, or "-"."""
        if self._rule is None:
            rule = self.decision.rule if self.decision is not None else None
            self._rule = f"{rule['host'] or '*'} {rule['path']} ({rule['pathType']})" if rule else "-"
        return self._rule

    @rule.setter
    def rule(self, value: str) -> None:
        self._rule = value


class RequestHandler:
    """The aiohttp handler of one listener (one load balancer, one scheme)."""

    def __init__(self, proxy: "Proxy", load_balancer: str, scheme: str) -> None:
        self.proxy = proxy
        self.load_balancer = load_balancer
        self.scheme = scheme

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        # The listener's DeadlineServer leaves marking the request's start and end to this handler
        # (handler_marks): one coroutine per request less than its wrapper.
        protocol = request.protocol
        assert isinstance(protocol, HeaderDeadlineProtocol)
        protocol.request_started()
        try:
            proxy = self.proxy
            rid = proxy.next_request_id()
            started = time.perf_counter()
            host = _host_of(request)
            target = request.rel_url
            hub = proxy.hub
            if hub.wants(RequestReceived):  # events nobody reads are not even made (serve's log reads few)
                hub.publish(RequestReceived(rid, request.method, self._url(host, target), self.load_balancer,
                                            request.remote or ""))
            done = Outcome()
            try:
                response = await self._handle(request, rid, host, done)
            except Exception as exc:  # never a traceback to the client: a 502 that says what broke
                proxy.log_error(f"request {rid} {self._url(host, target)}: {exc!r}")
                response = self._own(500, pages.plain(500, f"the proxy failed on this request: {exc!r}"), done)
            if not response.prepared:  # a websocket's headers went with its 101
                response.headers[REQUEST_ID_HEADER] = str(rid)
                if self.scheme == "https":
                    response.headers[CERTIFICATE_HEADER] = self._certificate(request)
            if request.body_exists and not request.content.at_eof():
                response.force_close()  # an unread body must not be taken for the next request
            if hub.wants(RequestCompleted):
                elapsed = (time.perf_counter() - started) * 1000
                hub.publish(RequestCompleted(
                    rid, request.method, host, target.raw_path, response.status, elapsed, done.ingress,
                    done.backend, done.pod, done.rule, done.outcome))
            token = request.headers.get(ANSWER_HEADER)
            if token is not None:
                proxy.answered(token, done)
            return response
        finally:
            protocol.request_finished()

    def _url(self, host: str, target: URL) -> str:
        query = target.raw_query_string
        return f"{self.scheme}://{host or '-'}{target.raw_path}{'?' + query if query else ''}"

    async def _handle(self, request: web.BaseRequest, rid: int, host: str, done: Outcome) -> web.StreamResponse:
        proxy = self.proxy
        limits = proxy.options.limits
        snap = proxy.snapshot
        if request.method == "CONNECT":
            # A load balancer is not a forward proxy: nginx answers 400 and never opens a tunnel. aiohttp
            # hands the rest of the connection over as the "body", so it must be closed, not read.
            response = self._own(400, pages.plain(400, "CONNECT is not served: an Ingress controller routes "
                                                       "requests to Services, it does not open tunnels"), done)
            response.force_close()
            return response
        method, refused = request.method, None
        for refused_method, status in snap.profile.refused_methods:  # TRACE: one pair, no dict per request
            if refused_method == method:
                refused = status
        if refused is not None:  # nginx answers TRACE itself, before any location (and so any rule) is chosen
            return self._own(refused, pages.plain(refused, f"{request.method} is refused by "
                                                           f"{snap.profile.title} itself"), done)
        if len(request.raw_path) > limits.max_request_target:
            return self._own(414, pages.plain(414, f"the request-target is {len(request.raw_path)} bytes; "
                                                   f"the limit is {limits.max_request_target}"), done)
        problem = header_problem(request.raw_headers, limits)
        if problem:
            return self._own(431, pages.plain(431, problem), done)
        if limits.max_body is not None and request.content_length is not None \
                and request.content_length > limits.max_body:
            return self._own(413, pages.plain(413, f"the body is {request.content_length} bytes; "
                                                   f"the limit is {limits.max_body}"), done)

        if snap.profile.front_end == "gateway":  # a Gateway listener: Gateway API routing and filters
            return await gateway.handle(self, request, rid, host, done)

        target = request.rel_url
        # client address for allow/deny lists, Content-Length for body limits, and a draw for weighted backends
        routed = Request(host, target.raw_path or "/", request.method, self.scheme, target.raw_query_string,
                         tuple(request.headers.items()), request.remote or "", request.content_length,
                         random.random())
        wanted = self.load_balancer if snap.profile.load_balancer_per_ingress else None
        decision = route(snap.state, snap.profile, routed, wanted)
        if proxy.hub.wants(DecisionMade):
            proxy.hub.publish(DecisionMade(rid, decision))
        done.decision = decision
        done.outcome = decision.outcome
        done.ingress = decision.ingress.meta.key if decision.ingress else "-"
        done.backend = str(decision.backend) if decision.backend else "-"
        flow = snap.flow(decision, proxy.pool.health.controller) if proxy.hub.wants(HopReached) else None
        done.flow = flow
        if flow is not None:
            # the client hop names this request; the rest of the flow is shared by requests alike
            proxy.hub.publish(HopReached(rid, 0, f"client {routed.method} {routed.url}", "client"))
            for index, hop in enumerate(flow.hops[1:], 1):
                proxy.hub.publish(HopReached(rid, index, hop.label, hop.kind))

        policy = decision.route.policy if decision.route is not None else None
        if policy is not None:  # ingress-nginx limits, affinity, mirror, auth-url, custom errors: their own module
            return await nginx_policy.handle(self, request, rid, host, decision, policy, flow, done)
        return await self._respond(request, rid, host, decision, flow, done)

    async def _respond(self, request: web.BaseRequest, rid: int, host: str, decision: Decision, flow: Flow | None,
                       done: Outcome) -> web.StreamResponse:
        """The decision carried out: no answer, a redirect, the controller's own answer, or a Pod's."""
        proxy = self.proxy
        snap = proxy.snapshot
        if decision.outcome == "refused":
            # The port would be closed: drop the connection without an answer.
            if request.transport is not None:
                request.transport.close()
            return self._own(421, decision.reason, done)
        if decision.outcome == "redirect":
            assert decision.status is not None and decision.location is not None
            response = self._own(decision.status, pages.moved(decision.status, decision.location), done,
                                 "text/html")
            response.headers["Location"] = decision.location
            return response
        if decision.outcome == "answer":
            text = "" if decision.status == 204 else (decision.body or "") + "\n"  # 204: no body (a CORS preflight)
            response = self._own(decision.status or 404, text, done, decision.content_type)
            for name, value in decision.response_headers:
                response.headers[name] = value
            return response

        body = await self._read_body(request, decision.max_body) if request.body_exists else b""
        if isinstance(body, web.Response):
            return self._own(body.status, body.text or "", done)
        pool = proxy.pool
        if pool.on_demand:
            await pool.prepare(decision)  # on demand, the backend's first request starts its checks
        choice = pool.choose(decision)
        why = choice.why
        upstream = None
        if choice.pod is not None:
            try:
                upstream = pool.at_hand(choice) or await pool.open(choice)
            except Exception as exc:  # the port-forward could not even listen: say so, as a 502
                done.pod = choice.pod.partition("/")[2]
                return self._own(502, pages.plain(502, f"no port-forward to Pod {choice.pod}: {exc}"), done)
            why = why or f"Pod {choice.pod} is gone"
        if upstream is None:
            done.outcome = "answer"
            response = self._own(snap.profile.no_healthy_backend_status,
                                 snap.profile.no_healthy_backend_body + "\n", done)
            response.headers[REASON_HEADER] = why
            return response
        done.pod = upstream.name
        return await self._forward(request, rid, host, decision, upstream, body, flow, done)

    async def _read_body(self, request: web.BaseRequest, controller_limit: int | None) -> bytes | web.Response:
        limits = self.proxy.options.limits
        if not request.body_exists:
            return b""
        caps = [limit for limit in (limits.max_body, controller_limit) if limit]
        cap = min(caps) if caps else None

        async def read() -> bytes | web.Response:
            chunks, size = [], 0
            async for chunk in request.content.iter_any():
                size += len(chunk)
                if cap is not None and size > cap:  # a chunked body: nginx counts it as it reads, as here
                    return web.Response(status=413, text=pages.plain(413, f"the body is over {cap} bytes"))
                chunks.append(chunk)
            return b"".join(chunks)

        try:
            return await asyncio.wait_for(read(), limits.client_body_timeout)
        except asyncio.TimeoutError:
            return web.Response(status=408, text=pages.plain(
                408, f"the body did not arrive within {limits.client_body_timeout:g}s"))

    async def _forward(self, request: web.BaseRequest, rid: int, host: str, decision: Decision, upstream: Upstream,
                       body: bytes, flow: Flow | None, done: Outcome) -> web.StreamResponse:
        proxy = self.proxy
        snap = proxy.snapshot
        limits = proxy.options.limits
        pod = upstream.name
        headers = _upstream_headers(request, host, self.scheme, decision, upstream, snap, (done.ingress, done.backend))
        path = _upstream_path(request, decision, snap)
        query = request.rel_url.raw_query_string
        if _wants_websocket(request):
            url = URL.build(scheme="http", host=upstream.host, port=upstream.port, encoded=True, path=path,
                            query_string=query)
            return await self._websocket(request, rid, url, headers, pod, flow, done)
        started = time.perf_counter()
        read_timeout = limits.upstream_read_timeout
        if read_timeout is None:
            read_timeout = snap.profile.upstream_timeout
        try:
            answer = await proxy.upstream.request(
                request.method, upstream.host, upstream.port, f"{path}?{query}" if query else path, headers.items(),
                body, connect_timeout=limits.upstream_connect_timeout, read_timeout=read_timeout)
        except ConnectTimeout:
            return self._own(504, pages.plain(504, f"Pod {pod} did not accept the connection within "
                                                   f"{limits.upstream_connect_timeout:g}s"), done)
        except ReadTimeout:
            status = snap.profile.upstream_timeout_status
            return self._own(status, pages.plain(status, f"Pod {pod} did not answer within {read_timeout:g}s "
                                                         f"({snap.profile.title} answers {status} to a backend that is "
                                                         "slower than its timeout)"), done)
        except UpstreamFailure as exc:
            failure = upstream.failure()
            if failure:  # the port-forward said why before it closed the connection
                return self._own(502, pages.plain(502, f"Pod {pod}: {failure}"), done)
            return self._own(502, pages.plain(502, f"Pod {pod} {exc}"), done)
        elapsed = (time.perf_counter() - started) * 1000
        if flow is not None:
            self._reach_pod(rid, flow, pod)
        done.answered_by = pod
        payload = answer.body
        if proxy.hub.wants(UpstreamResponse):
            proxy.hub.publish(UpstreamResponse(
                rid, answer.status, tuple(answer.headers), payload[:_BODY_EXCERPT].decode("utf-8", "replace"),
                elapsed, pod))
        response = web.Response(status=answer.status, reason=answer.reason, body=payload)
        add = response.headers.add
        for name, value in answer.headers:
            if name.lower() not in _NOT_RETURNED:
                add(name, value)
        self._tag(response, done)
        return response

    async def _websocket(self, request: web.BaseRequest, rid: int, url: URL, headers: CIMultiDict[str], pod: str,
                         flow: Flow | None, done: Outcome) -> web.StreamResponse:
        """Upgrade: websocket, proxied as ingress-nginx does (nginx.tmpl passes Upgrade and Connection on).

        The Pod's handshake comes first: a Pod that does not switch protocols answers the client
        itself. Then frames are relayed both ways until either side closes.
        """
        protocols = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
        for name in [n for n in headers if n.lower().startswith("sec-websocket-")]:
            del headers[name]  # the proxy's own handshake with the Pod makes its own key
        try:
            upstream = await self.proxy.session.ws_connect(
                url, headers=headers, protocols=protocols, autoping=False,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5.0))
        except aiohttp.WSServerHandshakeError as exc:
            return self._own(exc.status if exc.status >= 400 else 502, pages.plain(
                exc.status if exc.status >= 400 else 502,
                f"Pod {pod} did not accept the websocket upgrade (it answered {exc.status})"), done)
        except aiohttp.ClientError as exc:
            return self._own(502, pages.plain(502, f"Pod {pod} {_upstream_failure(exc)}"), done)
        if flow is not None:
            self._reach_pod(rid, flow, pod)
        self.proxy.hub.publish(UpstreamResponse(rid, 101, (), "", 0.0, pod))
        client = web.WebSocketResponse(protocols=[upstream.protocol] if upstream.protocol else (), autoping=False)
        self._tag(client, done)  # type: ignore[arg-type]
        client.headers[REQUEST_ID_HEADER] = str(rid)
        await client.prepare(request)

        async def relay(source: Any, sink: Any) -> None:
            async for message in source:
                if message.type == aiohttp.WSMsgType.TEXT:
                    await sink.send_str(message.data)
                elif message.type == aiohttp.WSMsgType.BINARY:
                    await sink.send_bytes(message.data)
                elif message.type == aiohttp.WSMsgType.PING:
                    await sink.ping(message.data)
                elif message.type == aiohttp.WSMsgType.PONG:
                    await sink.pong(message.data)
            await sink.close()

        try:
            tasks = [asyncio.ensure_future(relay(client, upstream)), asyncio.ensure_future(relay(upstream, client))]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            await upstream.close()
            await client.close()
        return client

    def _certificate(self, request: web.BaseRequest) -> str:
        """Which certificate this connection got (chosen by SNI), and where it came from."""
        sslobj = request.transport.get_extra_info("ssl_object") if request.transport else None
        listener = self.proxy.listener(self.load_balancer)
        if sslobj is None or listener is None or listener.sni is None:
            return "-"
        cert = listener.sni.served(sslobj)
        if cert is None:
            return f"{FALLBACK_NAME} (no tls entry names the host the client asked for by SNI)"
        return f"{', '.join(cert.hosts)}: {cert.source}"

    def _reach_pod(self, rid: int, flow: Flow, pod: str) -> None:
        index = len(flow.hops)
        for pod_hop in flow.pods:
            if pod_hop.view is not None and pod_hop.view.name == pod:
                self.proxy.hub.publish(HopReached(rid, index, pod_hop.pod.label, pod_hop.pod.kind))
                self.proxy.hub.publish(HopReached(rid, index + 1, pod_hop.port.label, pod_hop.port.kind))
                return
            index += 2

    def _own(self, status: int, text: str, done: Outcome, content_type: str = "text/plain") -> web.Response:
        response = web.Response(status=status, text=text, content_type=content_type)
        self._tag(response, done)
        return response

    @staticmethod
    def _tag(response: web.Response, done: Outcome) -> None:
        response.headers[INGRESS_HEADER] = done.ingress
        response.headers[BACKEND_HEADER] = done.backend
        response.headers[POD_HEADER] = done.pod


def _wants_websocket(request: web.BaseRequest) -> bool:
    upgrade = request.headers.get("Upgrade")
    if upgrade is None or upgrade.lower() != "websocket":  # most requests: no Upgrade header at all
        return False
    return "upgrade" in {token.strip().lower() for token in request.headers.get("Connection", "").split(",")}


def _upstream_failure(exc: aiohttp.ClientError) -> str:
    """What went wrong with a Pod's answer, in the words nginx's error log uses for it (users search for them)."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"did not answer: {exc.os_error.strerror or exc.os_error} (nothing listens on its port)"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return ("closed the connection before sending a response (nginx: \"upstream prematurely closed "
                "connection while reading response header from upstream\")")
    if isinstance(exc, aiohttp.ClientPayloadError):
        return ("closed the connection in the middle of its response body (nginx: \"upstream prematurely closed "
                "connection while reading upstream\"; nginx has already passed the status line on by then, so its "
                "client gets a cut-off body instead of this 502)")
    if isinstance(exc, aiohttp.ClientResponseError):
        return (f"answered something that is not HTTP ({exc.message.splitlines()[0][:80]}; nginx: \"upstream sent "
                "no valid HTTP/1.0 header\")")
    return f"did not answer: {exc}"


def _host_of(request: web.BaseRequest) -> str:
    """The host the request is for: the authority of an absolute-form target, else the Host header."""
    raw = request.raw_path
    if "://" in raw and "://" in raw.split("?", 1)[0]:
        return request.host
    return request.headers.get("Host", "")


def _upstream_path(request: web.BaseRequest, decision: Decision, snap: "Snapshot") -> str:
    """The path as the Pod receives it: the client's own bytes unless rewrite-target changed it."""
    raw = request.rel_url.raw_path or "/"
    upstream = decision.upstream_path or raw
    p = snap.profile
    if upstream == decision.matched_path or upstream == normalize_path(raw, p.decode_percent, p.merge_slashes):
        return raw
    return quote(upstream, safe="/%:@!$&'()*+,;=-._~")


def _upstream_headers(request: web.BaseRequest, host: str, scheme: str, decision: Decision,
                      upstream: Upstream, snap: "Snapshot", named: tuple[str, str] | None = None) -> CIMultiDict[str]:
    """What the Pod receives: the client's headers and X-Forwarded-*, as ingress-nginx sends them.

    A simulated Pod also gets which Ingress, backend and rule routed the request (its echo
    shows them): in one token when it runs in the proxy's process (sim/pod.py), else in three
    headers; a live Pod's app gets nothing nginx would not send.
    `named`: the decision's Ingress and backend as the handler already wrote them (not worded twice).
    """
    headers: CIMultiDict[str] = CIMultiDict(Host=host)  # Host first, as aiohttp sends it (proxy/client.py)
    forwarded = False  # the client sent one of the headers set below: set them in its place, as before
    for name, value in request.headers.items():
        lower = name.lower()
        if lower in _NOT_PASSED or lower.startswith("x-ingress-explorer-"):
            continue
        if lower in _SET_HERE:
            forwarded = True
        headers.add(name, value)
    client = request.remote or ""
    earlier = request.headers.get("X-Forwarded-For")
    if snap.profile.forwarded_for == "replace":  # ingress-nginx: the client cannot choose the address the Pod sees
        added = [("X-Forwarded-For", client), ("X-Real-IP", client)]
        if earlier:
            added.append(("X-Original-Forwarded-For", earlier))
    else:
        added = [("X-Forwarded-For", f"{earlier}, {client}" if earlier else client)]
    added += (("X-Forwarded-Proto", scheme), ("X-Forwarded-Host", host))
    _put(headers, added, forwarded)
    for name, value in decision.upstream_headers:  # upstream-vhost (Host), x-forwarded-prefix
        headers[name] = value
    if not upstream.simulated:
        return headers
    if named is None:
        named = (decision.ingress.meta.key if decision.ingress else "-",
                 str(decision.backend) if decision.backend else "-")
    rule = snap.rule_header(decision) if decision.path is not None else None
    if upstream.in_process:
        _put(headers, [(ROUTE_HEADER, route_token(*named, rule))], bool(decision.upstream_headers))
    else:
        added = [(INGRESS_HEADER, named[0]), (BACKEND_HEADER, named[1])]
        if rule is not None:
            added.append((RULE_HEADER, rule))
        _put(headers, added, bool(decision.upstream_headers))
    return headers


def _put(headers: CIMultiDict[str], added: list[tuple[str, str]], present: bool) -> None:
    """Set each header; `present`: some may be there already (replaced where they stand), else one call adds all."""
    if present:
        for name, value in added:
            headers[name] = value
    else:
        headers.extend(added)  # none of them is there yet: no search for an earlier value
