"""One request through an ingress-nginx location whose annotations act around the forward.

The routing decision is `route`'s; its `UpstreamPolicy` (explorer.routing.nginx_upstream) says what
nginx does that one request cannot decide, and this module does it for real, in nginx's phase order:

1. preaccess: limit_req (limit-rps, limit-rpm) and limit_conn (limit-connections): 503 past them
   (explorer.proxy.ratelimit), before the access phase's 401/403 as in nginx;
2. access: auth_request to auth-url, a real sub-request to a Pod of the Service it names
   (explorer.proxy.extauth);
3. content: the Pod chosen by the affinity cookie or upstream-hash-by (explorer.proxy.affinity),
   reached over backend-protocol (HTTPS, GRPC and FCGI are really tried: a plain-HTTP Pod fails them,
   502), within proxy-connect-timeout / proxy-read-timeout (504, scaled by --time-scale); a copy to
   mirror-target; a Pod status listed in custom-http-errors answered by the default-backend Service
   (or the controller's 404); with no ready Pod, the default-backend Service (X-Code 503); the CORS
   headers of enable-cors and the affinity Set-Cookie on the answer.

Only requests whose route carries a policy come here: the proxy's ordinary path stays as it was.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import weakref
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from yarl import URL

from explorer.proxy import affinity, extauth, pages
from explorer.proxy.client import ConnectTimeout, ReadTimeout, UpstreamFailure
from explorer.proxy.ratelimit import RateLimits
from explorer.routing.decision import BackendRef, Decision
from explorer.routing.nginx import nginx_page
from explorer.routing.nginx_upstream import ERROR_HEADERS, UpstreamPolicy, nginx_variable, service_url
from explorer.traffic import REASON_HEADER, UpstreamResponse

if TYPE_CHECKING:
    from explorer.proxy.handler import Outcome, RequestHandler
    from explorer.proxy.server import Proxy
    from explorer.topology.flow import Flow

_LIMITS: "weakref.WeakKeyDictionary[Proxy, RateLimits]" = weakref.WeakKeyDictionary()
_MIRRORS: set[asyncio.Task[None]] = set()  # copies in flight (a reference each, or asyncio may drop them)
_BODY_EXCERPT = 2048
#: nginx add_header (without `always`) adds its header to answers with these statuses only.
_ADD_HEADER_STATUSES = frozenset({200, 201, 204, 206, 301, 302, 303, 304, 307, 308})
_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # + empty SETTINGS
_FCGI_BEGIN = bytes([1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])  # FCGI_BEGIN_REQUEST, role responder


def limits_of(proxy: "Proxy") -> RateLimits:
    found = _LIMITS.get(proxy)
    if found is None:
        found = _LIMITS[proxy] = RateLimits()
    return found


async def handle(h: "RequestHandler", request: web.BaseRequest, rid: int, host: str, decision: Decision,
                 policy: UpstreamPolicy, flow: "Flow | None", done: "Outcome") -> web.StreamResponse:
    client = decision.request.client  # after use-forwarded-headers, as nginx's realip module sees it
    # limit_req and limit_conn run in the preaccess phase: after the rewrite phase's redirects and returns,
    # before allow/deny, auth_basic and auth_request
    access = decision.outcome == "forward" or (decision.outcome == "answer" and decision.status in (401, 403))
    rate = policy.rate if access else None
    entered = False
    if rate is not None:
        limits = limits_of(h.proxy)
        why = limits.refuse(rate, client) or limits.enter(rate, client)
        if why is not None:
            return _nginx(h, rate.status, why, done)
        entered = bool(rate.connections) and not limits.exempt(rate, client)
    try:
        if decision.outcome != "forward":
            return await h._respond(request, rid, host, decision, flow, done)
        return await _forward(h, request, rid, host, decision, policy, flow, done)
    finally:
        if entered and rate is not None:
            limits_of(h.proxy).leave(rate, client)


async def _forward(h: "RequestHandler", request: web.BaseRequest, rid: int, host: str, decision: Decision,
                   policy: UpstreamPolicy, flow: "Flow | None", done: "Outcome") -> web.StreamResponse:
    from explorer.proxy.handler import HOP_BY_HOP, _upstream_headers, _upstream_path, _wants_websocket

    proxy = h.proxy
    snap = proxy.snapshot
    routed = decision.request
    extra: list[tuple[str, str]] = []
    auth_cookie = ""
    if policy.auth is not None and not (policy.satisfied is not None and policy.satisfied(routed)):
        verdict = await extauth.check(proxy, policy.auth, request, routed, h.scheme, host)
        if verdict.answer is not None:
            status, why, headers = verdict.answer
            response = _nginx(h, status, why, done)
            for name, value in headers:
                response.headers[name] = value
            return response
        extra += verdict.headers
        auth_cookie = verdict.cookie
    if _wants_websocket(request):  # the upgrade goes the proxy's usual way (limits and auth were applied)
        return await h._respond(request, rid, host, decision, flow, done)
    body = await h._read_body(request, decision.max_body)
    if isinstance(body, web.Response):
        return h._own(body.status, body.text or "", done)
    assert decision.backend is not None
    ref = decision.backend
    key, new_cookie = None, False
    if policy.affinity is not None:
        key = affinity.cookie_key(policy.affinity, routed)
        if key is None:
            key, new_cookie = affinity.new_key(), True
    elif policy.hash_by:
        key = nginx_variable(policy.hash_by, routed, decision.matched_path)
    await proxy.pool.prepare(decision)
    choice = proxy.pool.choose_ref(ref, key)
    error_headers: list[tuple[str, str]] = []
    if choice.pod is None and policy.default_backend is not None:
        # no ready endpoint now: controller.go hands the location to the default-backend Service (X-Code 503)
        error_headers = _error_headers(503, policy, ref, routed)
        done.backend = str(policy.default_backend)
        ref = policy.default_backend
        await proxy.pool.prepare_ref(ref)
        choice = proxy.pool.choose_ref(ref)
        new_cookie = False
    upstream = await proxy.pool.open(choice) if choice.pod is not None else None
    if upstream is None:
        done.outcome = "answer"
        why = choice.why or f"Pod {choice.pod} is gone"
        if policy.service_upstream:  # kube-proxy refuses a connection to a ClusterIP with no endpoints
            response = _nginx(h, 502, f"service-upstream: {why}; kube-proxy refuses the connection", done)
        else:
            response = h._own(snap.profile.no_healthy_backend_status, snap.profile.no_healthy_backend_body + "\n",
                              done)
        response.headers[REASON_HEADER] = why
        return response
    done.pod = upstream.name
    sent = _upstream_headers(request, host, h.scheme, decision, upstream, snap)
    for name, value in extra + error_headers:
        sent[name] = value
    path = _upstream_path(request, decision, snap)
    if policy.mirror is not None:
        _mirror(proxy, policy, request, routed, body, decision)
    scale = proxy.options.time_scale  # the timeouts an annotation or the ConfigMap sets run scaled; others as usual
    limits = proxy.options.limits
    connect = policy.connect_timeout * scale if policy.sets("proxy-connect-timeout") else limits.upstream_connect_timeout
    read = policy.read_timeout * scale if policy.sets("proxy-read-timeout") else (
        limits.upstream_read_timeout or snap.profile.upstream_timeout)
    if policy.protocol != "HTTP":
        failure = await _speaks(upstream.host, upstream.port, policy.protocol, connect)
        if failure:
            return _nginx(h, 502, f"backend-protocol {policy.protocol}: Pod {upstream.name} {failure}", done)
    https = policy.protocol == "HTTPS"  # proxy_pass https://: the Pod's certificate is not verified (default)
    query = request.rel_url.raw_query_string
    started = time.perf_counter()
    try:
        answer = await proxy.upstream.request(request.method, upstream.host, upstream.port,
                                              f"{path}?{query}" if query else path, sent.items(), body,
                                              connect_timeout=connect, read_timeout=read, tls=https)
    except ConnectTimeout:
        return _nginx(h, 504, f"Pod {upstream.name} did not accept the connection within {connect:g}s "
                              f"(proxy-connect-timeout {policy.connect_timeout:g}s)", done)
    except ReadTimeout:
        return _nginx(h, 504, f"Pod {upstream.name} did not answer within {read:g}s (proxy-read-timeout "
                              f"{policy.read_timeout:g}s, x{scale:g} time scale when set): nginx answers 504", done)
    except UpstreamFailure as exc:
        return _nginx(h, 502, f"Pod {upstream.name} {exc}", done)
    if flow is not None:
        h._reach_pod(rid, flow, upstream.name)
    done.answered_by = upstream.name
    payload = answer.body
    if proxy.hub.wants(UpstreamResponse):
        proxy.hub.publish(UpstreamResponse(rid, answer.status, tuple(answer.headers),
                                           payload[:_BODY_EXCERPT].decode("utf-8", "replace"),
                                           (time.perf_counter() - started) * 1000, upstream.name))
    status, reason, answer_headers = answer.status, answer.reason, answer.headers
    if status in policy.custom_errors:
        intercepted = await _error_page(h, request, policy, ref, routed, status, done)
        if intercepted is not None:
            return intercepted
    response = web.Response(status=status, reason=reason, body=payload)
    for name, value in answer_headers:
        if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
            response.headers.add(name, value)
    _finish(response, policy, decision, ref, key if new_cookie else None, h.scheme)
    if auth_cookie and status in _ADD_HEADER_STATUSES:
        response.headers.add("Set-Cookie", auth_cookie)
    h._tag(response, done)
    return response


def _finish(response: web.StreamResponse, policy: UpstreamPolicy, decision: Decision, ref: BackendRef,
            new_key: str | None, scheme: str) -> None:
    """What nginx adds to the answer: the CORS headers (more_set_headers) and a new affinity cookie."""
    for name, value in decision.response_headers:
        response.headers[name] = value
    if new_key is not None and policy.affinity is not None:
        agent = next((v for k, v in decision.request.headers if k.lower() == "user-agent"), "")
        response.headers.add("Set-Cookie", affinity.set_cookie(policy.affinity, new_key, ref, policy.location_path,
                                                               scheme == "https", agent))


def _error_headers(code: int, policy: UpstreamPolicy, ref: BackendRef, routed: "object") -> list[tuple[str, str]]:
    from explorer.routing.request import Request

    assert isinstance(routed, Request)
    accept = next((v for k, v in routed.headers if k.lower() == "accept"), "")
    query = f"?{routed.query}" if routed.query else ""
    values = (str(code), accept, routed.path + query, ref.namespace, policy.ingress_name, ref.service, ref.port, "")
    return [(name, value) for name, value in zip(ERROR_HEADERS, values) if value]


async def _error_page(h: "RequestHandler", request: web.BaseRequest, policy: UpstreamPolicy, ref: BackendRef,
                      routed: "object", status: int, done: "Outcome") -> web.Response | None:
    """nginx.tmpl CUSTOM_ERRORS: `error_page <code> = @custom_<upstream>_<code>`; that location sends the
    request (path `/`, X-Code ...) to the default-backend Service, or to the controller's own (404)."""
    from explorer.proxy.handler import HOP_BY_HOP

    proxy = h.proxy
    target = policy.default_backend
    if target is None:
        snap = proxy.snapshot
        response = h._own(404, snap.profile.default_backend_body + "\n", done)
        response.headers[REASON_HEADER] = (f"the Pod answered {status}, which custom-http-errors intercepts; "
                                           "without default-backend the controller's default backend answers 404")
        return response
    await proxy.pool.prepare_ref(target)
    choice = proxy.pool.choose_ref(target)
    upstream = await proxy.pool.open(choice) if choice.pod is not None else None
    if upstream is None:
        return None  # nothing to send it to: the Pod's own answer goes out
    headers = {k: v for k, v in request.headers.items()
               if k.lower() not in HOP_BY_HOP and k.lower() not in ("content-length",)
               and not k.lower().startswith("x-ingress-explorer-")}
    headers.update(_error_headers(status, policy, ref, routed))
    headers["Host"] = request.headers.get("Host", "")
    headers["X-Forwarded-For"] = request.remote or ""
    url = URL.build(scheme="http", host=upstream.host, port=upstream.port, path="/")
    try:
        async with proxy.session.request(request.method, url, headers=headers, allow_redirects=False,
                                         timeout=aiohttp.ClientTimeout(total=30)) as answer:
            payload = await answer.read()
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        return _nginx(h, 502, f"the default-backend Pod {upstream.name} failed: {exc!r}", done)
    done.pod = done.answered_by = upstream.name
    done.backend = str(target)
    response = web.Response(status=answer.status, reason=answer.reason, body=payload)
    for name, value in answer.headers.items():
        if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
            response.headers.add(name, value)
    response.headers[REASON_HEADER] = (f"the Pod answered {status}, which custom-http-errors intercepts: the "
                                       f"default-backend Service {target} answered instead")
    h._tag(response, done)
    return response


def _mirror(proxy: "Proxy", policy: UpstreamPolicy, request: web.BaseRequest, routed: "object", body: bytes,
            decision: Decision) -> None:
    """nginx `mirror`: a copy to mirror-target, its answer thrown away; sent only to a Service of the snapshot."""
    from explorer.routing.request import Request

    mirror = policy.mirror
    assert mirror is not None and isinstance(routed, Request)
    expanded = nginx_variable(mirror.target.url, routed, decision.matched_path)
    target = service_url(expanded, policy.namespace, proxy.snapshot.state)
    ref = mirror.target.ref
    if ref is None:
        return

    async def send() -> None:
        await proxy.pool.prepare_ref(ref)
        choice = proxy.pool.choose_ref(ref)
        upstream = await proxy.pool.open(choice) if choice.pod is not None else None
        if upstream is None:
            return
        path, _, query = target.path.partition("?")
        url = URL.build(scheme="http", host=upstream.host, port=upstream.port, path=path or "/", query_string=query)
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("host", "content-length", "transfer-encoding", "connection")}
        headers["Host"] = mirror.host
        headers["X-Original-URI"] = routed.path + (f"?{routed.query}" if routed.query else "")
        try:
            async with proxy.session.request(request.method, url, headers=headers,
                                             data=(body or None) if mirror.body else None,
                                             timeout=aiohttp.ClientTimeout(total=30)) as answer:
                await answer.read()
        except (aiohttp.ClientError, asyncio.TimeoutError):
            pass  # nginx ignores the mirror's fate too

    task = asyncio.ensure_future(send())
    _MIRRORS.add(task)
    task.add_done_callback(_MIRRORS.discard)


async def _speaks(host: str, port: int, protocol: str, timeout: float) -> str:
    """Does the Pod speak `protocol`? "" when it does, else what nginx would have met (then 502)."""
    try:
        if protocol in ("HTTPS", "GRPCS"):
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # proxy-ssl-verify off (default)
            if protocol == "GRPCS":
                context.set_alpn_protocols(["h2"])
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port, ssl=context), timeout)
            if protocol == "HTTPS":
                writer.close()
                return ""
            writer.write(_HTTP2_PREFACE)
        else:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
            writer.write(_HTTP2_PREFACE if protocol == "GRPC" else _FCGI_BEGIN)
        await writer.drain()
        first = await asyncio.wait_for(reader.read(9), max(timeout, 1.0))
        writer.close()
    except ssl.SSLError as exc:
        return (f"does not speak TLS on its port (the TLS handshake failed: {exc.reason or exc}; nginx: \"SSL_do_"
                "handshake() failed ... while SSL handshaking to upstream\")")
    except (OSError, asyncio.TimeoutError) as exc:
        return f"did not answer the {protocol} connection ({exc!r})"
    if protocol in ("GRPC", "GRPCS"):
        if len(first) >= 4 and first[3] == 4:  # an HTTP/2 SETTINGS frame: it speaks HTTP/2
            return "speaks HTTP/2, but serve does not relay gRPC: no answer to pass on"
        return (f"answered the HTTP/2 preface with {first[:16]!r}, not an HTTP/2 frame (a plain HTTP/1.1 server; "
                "nginx: \"upstream sent invalid http2 table\" or \"prematurely closed\")")
    if first[:1] == b"\x01":
        return "speaks FastCGI, but serve does not relay FastCGI: no answer to pass on"
    return (f"answered a FastCGI request with {first[:16]!r} (nginx: \"upstream sent unsupported FastCGI protocol "
            "version\")")


def _nginx(h: "RequestHandler", status: int, why: str, done: "Outcome") -> web.Response:
    """nginx's own error page for `status`, the reason in a header (the body is nginx's, word for word)."""
    done.outcome = "answer"
    response = h._own(status, nginx_page(status), done, "text/html")
    response.headers[REASON_HEADER] = why.replace("\r", " ").replace("\n", " ")[:900]
    return response


__all__ = ["handle", "limits_of", "pages"]
