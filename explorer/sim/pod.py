"""One simulated Pod: a real aiohttp server on its own loopback port.

It answers as its Pod template's `ingress-explorer/app` annotation declares
(see `explorer.topology.app`), and with the echo app everywhere else. The
app can be swapped while the server runs, so a new snapshot changes what a
Pod answers without moving it to another port.

A Pod's `delay` (see the annotation) is slept before answering. Stopping a
Pod gives requests in flight a short grace, then cuts their connections, as
the kubelet's SIGKILL does after terminationGracePeriodSeconds: the proxy then
answers 502 for them, which is what a real controller's clients see.

The proxy tells the echo app which Ingress, rule and backend routed the
request in `X-Ingress-Explorer-*` request headers; the app takes them out of
the headers it echoes, so the echo shows what a real app would receive. The
proxy's Ingress front end sends one short `X-Ingress-Explorer-Route` token
for the three to a Pod of its own process (`route_token`), each header
costing the proxy and the Pod a write and a parse per request; to Pods in a
process of their own (explorer/sim/host.py, `serve`) it sends the three
headers, as the Gateway front end does and any client may.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from aiohttp import web
from multidict import CIMultiDictProxy

from explorer.topology.app import ECHO_APP, AppResponse, AppSpec, echo_body
from explorer.traffic import BACKEND_HEADER, INGRESS_HEADER

#: Request header the proxy uses to hand the echo app the winning rule (JSON), removed before echoing.
RULE_HEADER = "X-Ingress-Explorer-Rule"
#: Request header naming, by a token of `route_token`, the Ingress, backend and rule (JSON) in one.
ROUTE_HEADER = "X-Ingress-Explorer-Route"
_INTERNAL = {INGRESS_HEADER.lower(), BACKEND_HEADER.lower(), RULE_HEADER.lower(), ROUTE_HEADER.lower()}
#: token -> (ingress, backend, rule JSON); one token per distinct three, kept for the process (a few per rule).
_ROUTES: dict[str, tuple[str, str, str | None]] = {}
_TOKENS: dict[tuple[str, str, str | None], str] = {}


def route_token(ingress: str, backend: str, rule: str | None) -> str:
    """The ROUTE_HEADER value that names these three to a simulated Pod of this process."""
    key = (ingress, backend, rule)
    token = _TOKENS.get(key)
    if token is None:
        token = _TOKENS[key] = str(len(_ROUTES))
        _ROUTES[token] = key
    return token


#: Seconds a stopping Pod lets requests in flight finish (aiohttp reads 0 as "wait forever", so keep it > 0).
STOP_GRACE = 0.5


@dataclass(frozen=True, slots=True)
class PodIdentity:
    namespace: str
    name: str
    workload: str  # Kind/name of what made it, e.g. Deployment/site01

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


class SimPod:
    """A running simulated Pod. `app` may be replaced at any time."""

    def __init__(self, identity: PodIdentity, app: AppSpec = ECHO_APP) -> None:
        self.identity = identity
        self._app = app
        #: A declared body's answer as aiohttp words it (headers as sent, body encoded), made once per
        #: AppResponse of the current app rather than per request (its charset read from Content-Type each time).
        self._fixed: dict[int, tuple[AppResponse, CIMultiDictProxy[str], bytes]] = {}
        self.host = ""
        self.port = 0
        self.requests = 0  # every request it answered, probes included
        self._runner: web.ServerRunner | None = None

    @property
    def app(self) -> AppSpec:
        return self._app

    @app.setter
    def app(self, app: AppSpec) -> None:
        self._app = app
        self._fixed = {}

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    async def start(self, host: str = "127.0.0.1") -> None:
        server = web.Server(self._handle, access_log=None)
        self._runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=STOP_GRACE)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, 0, reuse_address=True)
        await site.start()
        sockets = self._runner.addresses
        self.host, self.port = sockets[0][0], sockets[0][1]

    async def stop(self) -> None:
        """Close the port; requests still running after STOP_GRACE seconds lose their connection."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        self.requests += 1
        upgrade = request.headers.get("Upgrade")
        if upgrade is not None and upgrade.lower() == "websocket":
            return await self._websocket(request)
        if request.body_exists:
            async for _ in request.content.iter_any():  # read whole, at any size: the limit is the controller's
                pass
        path = request.raw_path.split("?", 1)[0]
        answer = self._app.answer(path)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.body is not None and request.method != "HEAD":
            fixed = self._fixed.get(id(answer))
            if fixed is None or fixed[0] is not answer:
                fixed = self._fixed[id(answer)] = self._word(answer)
            return web.Response(status=answer.status, headers=fixed[1], body=fixed[2])
        headers = dict(answer.headers)
        if answer.body is not None:
            body = answer.body
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        else:
            body = self._echo(request, path)
            headers.setdefault("Content-Type", "application/json")
        if request.method == "HEAD":
            return web.Response(status=answer.status, headers=headers)
        return web.Response(status=answer.status, headers=headers, text=body)

    @staticmethod
    def _word(answer: AppResponse) -> tuple[AppResponse, CIMultiDictProxy[str], bytes]:
        """A declared answer as `_handle` words it per request (the same Response, its text encoded by aiohttp)."""
        assert answer.body is not None
        headers = dict(answer.headers)
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        worded = web.Response(status=answer.status, headers=headers, text=answer.body)
        assert isinstance(worded.body, bytes)
        return answer, CIMultiDictProxy(worded.headers), worded.body

    async def _websocket(self, request: web.BaseRequest) -> web.StreamResponse:
        """A websocket echo: each message comes back prefixed with the Pod's name, so a client sees who answered."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async for message in socket:
            if message.type == web.WSMsgType.TEXT:
                await socket.send_str(f"{self.name}: {message.data}")
            elif message.type == web.WSMsgType.BINARY:
                await socket.send_bytes(message.data)
        return socket

    def _echo(self, request: web.BaseRequest, path: str) -> str:
        token = request.headers.get(ROUTE_HEADER)
        routed = _ROUTES.get(token) if token is not None else None
        ingress: str | None
        if routed is not None:
            ingress, backend, rule_text = routed
        else:
            backend = request.headers.get(BACKEND_HEADER, "")
            ingress, rule_text = request.headers.get(INGRESS_HEADER), request.headers.get(RULE_HEADER)
        service = backend.split("/", 1)[-1].split(":", 1)[0] if backend else ""
        try:
            rule = json.loads(rule_text) if rule_text else None
        except ValueError:
            rule = None
        return echo_body(
            pod=self.identity.name, namespace=self.identity.namespace, service=service,
            method=request.method, path=path,
            headers=tuple((k, v) for k, v in request.headers.items() if k.lower() not in _INTERNAL),
            ingress=ingress, rule=rule,
        )
