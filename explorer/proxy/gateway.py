"""One request through a Gateway listener: the Gateway API decision applied to real traffic.

The answer is `route_gateway`'s (nothing here matches paths or hosts); this module
only carries it out: the Gateway's own answers (404 no match, 500 for a rule or a
share whose backendRef does not resolve, a RequestRedirect's status and Location),
or a forward to a Pod of the chosen backendRef's Service with what the filters made
of the request (URLRewrite path and Host, RequestHeaderModifier) and of the answer
(ResponseHeaderModifier).

The local port stands for a listener port: the host the request is routed by
carries the listener's port (80 and 443 left out, as a client writes them), so a
redirect's Location names the Gateway's address as a real client would see it.

Weighted backendRefs split real traffic: each request draws a point of a
low-discrepancy sequence (the golden ratio's multiples mod 1), so 10 requests to a
90/10 split give 9 and 1, where Envoy-based Gateways draw at random; the shares
over many requests are the same. The Pod gets X-Forwarded-For appended and
X-Forwarded-Proto, as Envoy sends them (our choice; the Gateway API spec is silent).
RequestMirror sends a copy for real, as Envoy's request mirror policy does: the same
method, path (after URLRewrite), headers (after RequestHeaderModifier) and body to a
Pod of the mirror's Service, its Host with `-shadow` appended (Envoy's default), started
before the forward and never waited for; its answer is discarded and published as a
MirrorSent event (the `serve` log prints it). A percent or fraction copies that share of
the requests, drawn per mirror from the same low-discrepancy sequence as the weights.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING
from urllib.parse import quote

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from explorer.proxy import pages
from explorer.proxy.client import ConnectTimeout, ReadTimeout, UpstreamFailure
from explorer.routing.decision import BackendRef
from explorer.routing.gateway import GatewayDecision, GatewaySelectionError, route_gateway, routing_for
from explorer.routing.gateway.decision import MirrorShare
from explorer.routing.request import Request, host_of
from explorer.traffic import BACKEND_HEADER, INGRESS_HEADER, REASON_HEADER, MirrorSent, UpstreamResponse

if TYPE_CHECKING:
    from explorer.proxy.handler import Outcome, RequestHandler
    from explorer.proxy.server import Proxy

#: The golden ratio's fractional part: n * it mod 1 spreads draws evenly over [0, 1) for any n.
_GOLDEN = 0.6180339887498949
_DEFAULT_PORTS = {"http": 80, "https": 443}
_BODY_EXCERPT = 2048


async def handle(handler: "RequestHandler", request: web.BaseRequest, rid: int, host: str,
                 done: "Outcome") -> web.StreamResponse:
    """Route by the Gateway listener this handler's port stands for, then answer or forward."""
    from explorer.proxy.handler import HOP_BY_HOP

    proxy = handler.proxy
    snap = proxy.snapshot
    listener = proxy.listener(handler.load_balancer)
    assert listener is not None and listener.listener_port is not None
    port = listener.listener_port
    name = host_of(host) if host else ""
    routed_host = name if port == _DEFAULT_PORTS[handler.scheme] else f"{name}:{port}"
    proxy.gateway_draws += 1
    target = request.rel_url
    routed = Request(routed_host, target.raw_path or "/", request.method, handler.scheme, target.raw_query_string,
                     tuple(request.headers.items()), request.remote or "127.0.0.1", request.content_length,
                     sample=(proxy.gateway_draws * _GOLDEN) % 1.0)
    try:
        d = route_gateway(routing_for(snap.state), routed, listener.gateway)
    except GatewaySelectionError as exc:  # the Gateway went away between snapshot and listener sync
        return handler._own(500, pages.plain(500, str(exc)), done)
    done.outcome = d.outcome
    done.gateway = d  # one request, one route: the sender draws this answer (the share that took it)
    done.ingress = f"HTTPRoute {d.route_namespace}/{d.route_name}" if d.route_name else f"Gateway {d.gateway}"
    done.backend = f"{d.backend.namespace}/{d.backend.service}:{d.backend.port}" if d.backend else "-"
    if d.rule_index is not None:
        done.rule = f"rule {d.rule_index} match {d.match_index}"
    if d.outcome == "refused":
        if request.transport is not None:
            request.transport.close()
        return handler._own(421, d.reason, done)
    if d.outcome == "redirect":
        assert d.status is not None and d.location is not None
        response = handler._own(d.status, pages.moved(d.status, d.location), done, "text/html")
        response.headers["Location"] = d.location
        return response
    if d.outcome != "forward" or d.backend is None:
        response = handler._own(d.status or 500, pages.plain(d.status or 500, d.reason), done)
        response.headers[REASON_HEADER] = d.reason
        return response

    body = await handler._read_body(request, None)  # no per-route body limit in Gateway API
    if isinstance(body, web.Response):
        return handler._own(body.status, body.text or "", done)
    ref = BackendRef(d.backend.namespace, d.backend.service, str(d.backend.port or ""))
    await proxy.pool.prepare_ref(ref)
    choice = proxy.pool.choose_ref(ref)
    upstream = await proxy.pool.open(choice) if choice.pod is not None else None
    if upstream is None:
        why = choice.why or f"Pod {choice.pod} is gone"
        response = handler._own(503, pages.plain(503, f"no healthy upstream: {why}"), done)
        response.headers[REASON_HEADER] = why
        return response
    done.pod = upstream.name

    headers: CIMultiDict[str] = CIMultiDict()
    for key, value in d.request_headers:
        lower = key.lower()
        if lower in HOP_BY_HOP or lower == "content-length" or lower.startswith("x-ingress-explorer-"):
            continue
        if key in headers:  # one line per name, values joined (RFC 9110 5.3), as `route` shows requestHeaders
            headers[key] = f"{headers[key]}{'; ' if lower == 'cookie' else ','}{value}"
        else:
            headers[key] = value
    client = request.remote or ""
    earlier = request.headers.get("X-Forwarded-For")
    headers["X-Forwarded-For"] = f"{earlier}, {client}" if earlier else client
    headers["X-Forwarded-Proto"] = handler.scheme
    if upstream.simulated:
        headers[INGRESS_HEADER] = done.ingress
        headers[BACKEND_HEADER] = done.backend
    path, _, query = (d.upstream_path or target.raw_path or "/").partition("?")
    for mirror in d.mirror_backends:
        if mirror.invalid is None and _drawn(proxy, d, mirror):
            task = asyncio.create_task(_mirror(handler, rid, request.method, mirror, headers, path, query, body,
                                               d.upstream_host or routed_host))
            proxy.mirror_tasks.add(task)
            task.add_done_callback(proxy.mirror_tasks.discard)
    target_path = quote(path, safe="/%:@!$&'()*+,;=-._~")
    limits = proxy.options.limits
    read_timeout = limits.upstream_read_timeout or snap.profile.upstream_timeout
    started = time.perf_counter()
    try:
        answer = await proxy.upstream.request(
            request.method, upstream.host, upstream.port, f"{target_path}?{query}" if query else target_path,
            headers.items(), body, connect_timeout=limits.upstream_connect_timeout, read_timeout=read_timeout)
    except ConnectTimeout:
        return handler._own(504, pages.plain(504, f"Pod {upstream.name} did not accept the connection within "
                                                  f"{limits.upstream_connect_timeout:g}s"), done)
    except ReadTimeout:
        return handler._own(504, pages.plain(504, f"Pod {upstream.name} did not answer within {read_timeout:g}s"),
                            done)
    except UpstreamFailure as exc:
        return handler._own(502, pages.plain(502, f"Pod {upstream.name} {exc}"), done)
    done.answered_by = upstream.name
    payload = answer.body
    if proxy.hub.wants(UpstreamResponse):
        proxy.hub.publish(UpstreamResponse(
            rid, answer.status, tuple(answer.headers), payload[:_BODY_EXCERPT].decode("utf-8", "replace"),
            (time.perf_counter() - started) * 1000, upstream.name))
    response = web.Response(status=answer.status, reason=answer.reason, body=payload)
    for key, value in answer.headers:
        if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
            response.headers.add(key, value)
    _modify_response(response, d)
    handler._tag(response, done)
    return response


def _drawn(proxy: "Proxy", d: GatewayDecision, mirror: MirrorShare) -> bool:
    """Whether this request is one of the mirror's percent (every one at 100)."""
    if mirror.percent >= 100:
        return True
    key = f"{d.route_namespace}/{d.route_name}/{d.rule_index}/{mirror.target}"
    n = proxy.mirror_draws.get(key, 0) + 1
    proxy.mirror_draws[key] = n
    return (n * _GOLDEN) % 1.0 < mirror.percent / 100


async def _mirror(handler: "RequestHandler", rid: int, method: str, mirror: MirrorShare, sent: CIMultiDict[str],
                  path: str, query: str, body: bytes, host: str) -> None:
    """Send the copy to a Pod of the mirror's Service; publish what happened, discard the answer."""
    proxy = handler.proxy
    name = host_of(host)
    shadow = f"{name}-shadow{host[len(name):]}" if host.startswith(name) else f"{host}-shadow"
    pod, status, why = "-", 0, ""
    ref = BackendRef(mirror.namespace, mirror.service, str(mirror.port or ""))
    try:
        await proxy.pool.prepare_ref(ref)
        choice = proxy.pool.choose_ref(ref)
        upstream = await proxy.pool.open(choice) if choice.pod is not None else None
        if upstream is None:
            why = f"no healthy Pod for the mirror: {choice.why or 'its Pod is gone'}"
        else:
            pod = upstream.name
            headers = CIMultiDict(sent)
            headers["Host"] = shadow
            url = URL.build(scheme="http", host=upstream.host, port=upstream.port, encoded=True,
                            path=quote(path, safe="/%:@!$&'()*+,;=-._~"), query_string=query)
            timeout = aiohttp.ClientTimeout(sock_connect=proxy.options.limits.upstream_connect_timeout,
                                            sock_read=proxy.options.limits.upstream_read_timeout
                                            or proxy.snapshot.profile.upstream_timeout)
            async with proxy.session.request(method, url, headers=headers, data=body or None,
                                             allow_redirects=False, timeout=timeout) as answer:
                await answer.read()  # discarded, as the Gateway discards a mirror's answer
                status = answer.status
    except asyncio.TimeoutError:
        why = f"Pod {pod} did not answer the mirrored copy in time"
    except aiohttp.ClientError as exc:
        why = f"the mirrored copy failed: {exc.__class__.__name__}"
    if proxy.hub.wants(MirrorSent):
        proxy.hub.publish(MirrorSent(rid, method, shadow, path + (f"?{query}" if query else ""), mirror.target, pod,
                                     status, why))


def _modify_response(response: web.Response, d: GatewayDecision) -> None:
    """ResponseHeaderModifier: set replaces, add appends, remove drops (names case-insensitive)."""
    edit = d.response_headers
    if not edit:
        return
    for key, value in dict(edit.get("set") or {}).items():
        response.headers[key] = value
    for key, value in dict(edit.get("add") or {}).items():
        response.headers.add(key, value)
    for key in list(edit.get("remove") or []):
        response.headers.popall(key, None)
