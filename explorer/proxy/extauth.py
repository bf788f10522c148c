"""ingress-nginx's auth-url: nginx's auth_request, sent for real to a Pod of the Service the URL names.

nginx.tmpl's auth location: the sub-request has no body (proxy_pass_request_body off,
Content-Length ""), the client's headers, and Host (the URL's host), X-Original-URL,
X-Original-Method, X-Sent-From: nginx-ingress-controller, X-Real-IP, X-Forwarded-For,
X-Auth-Request-Redirect (the request URI); with auth-method also X-Original-URI and X-Scheme.
ngx_http_auth_request_module: a 2xx answer lets the request go on (auth-response-headers are copied
from it onto the request to the Pod), 401 and 403 are the client's answer (401 with the auth
service's WWW-Authenticate; with auth-signin, a 302 to it with `rd=<the original URL>`, template.go
buildAuthSignURL), any other status is 500. A URL outside the snapshot, or a Service with no
ready Pod, cannot be reached: the sub-request fails and nginx answers 500. The auth service's
Set-Cookie reaches the client with the answer (`auth_request_set $auth_cookie $upstream_http_set_cookie;
add_header Set-Cookie $auth_cookie`: add_header, so only on 200, 201, 204, 206, 301-304, 307 and 308).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import aiohttp
from aiohttp import web
from yarl import URL

from explorer.routing.nginx_upstream import ExternalAuth, nginx_variable, service_url
from explorer.routing.request import Request

if TYPE_CHECKING:
    from explorer.proxy.server import Proxy

_SKIP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer"}


@dataclass
class Verdict:
    answer: tuple[int, str, list[tuple[str, str]]] | None = None  # status, why, headers for the client
    headers: list[tuple[str, str]] = field(default_factory=list)  # onto the request to the Pod
    cookie: str = ""  # the auth service's Set-Cookie: nginx.tmpl `add_header Set-Cookie $auth_cookie`


async def check(proxy: "Proxy", auth: ExternalAuth, request: web.BaseRequest, routed: Request, scheme: str,
                host: str) -> Verdict:
    target = auth.target
    if target.ref is None:
        return Verdict((500, f"auth-url {target.url} names no Service of the snapshot: the auth sub-request "
                             "cannot be sent, and nginx answers 500", []))
    await proxy.pool.prepare_ref(target.ref)
    choice = proxy.pool.choose_ref(target.ref)
    upstream = await proxy.pool.open(choice) if choice.pod is not None else None
    if upstream is None:
        return Verdict((500, f"auth-url {target.url}: {choice.why or 'no Pod'}; the auth sub-request fails and "
                             "nginx answers 500", []))
    uri = routed.path + (f"?{routed.query}" if routed.query else "")
    headers = {k: v for k, v in request.headers.items()
               if k.lower() not in _SKIP and not k.lower().startswith("x-ingress-explorer-")}
    headers.update({
        "Host": target.host, "X-Original-URL": f"{scheme}://{host}{uri}", "X-Original-Method": request.method,
        "X-Sent-From": "nginx-ingress-controller", "X-Real-IP": routed.client, "X-Forwarded-For": routed.client,
        "X-Auth-Request-Redirect": uri,
    })
    if auth.method != "GET":
        headers.update({"X-Original-URI": uri, "X-Scheme": routed.access_scheme or scheme})
    expanded = nginx_variable(target.url, routed, routed.path)  # auth-url may carry nginx variables
    path, _, query = target.path.partition("?") if expanded == target.url else \
        service_url(expanded, target.ref.namespace, proxy.snapshot.state).path.partition("?")
    url = URL.build(scheme="http", host=upstream.host, port=upstream.port, path=path or "/", query_string=query)
    try:
        async with proxy.session.request(auth.method, url, headers=headers, allow_redirects=False,
                                         timeout=aiohttp.ClientTimeout(total=60 * proxy.options.time_scale)) as answer:
            await answer.read()
            status, answer_headers = answer.status, answer.headers.copy()
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        return Verdict((500, f"auth-url {target.url}: the auth Pod {upstream.name} failed ({exc!r}): nginx "
                             "answers 500", []))
    said = f"the auth service (auth-url {target.url}, Pod {upstream.name}) answered {status}"
    if 200 <= status < 300:
        copied = [(name, answer_headers[name]) for name in auth.response_headers if name in answer_headers]
        return Verdict(headers=copied, cookie=answer_headers.get("Set-Cookie", ""))
    if status == 401 and auth.signin:
        original = f"{routed.access_scheme or scheme}://{host}{quote(uri, safe='-_.~')}"
        signin = nginx_variable(auth.signin, routed, routed.path)  # e.g. http://$host/auth/start
        try:
            query = urlsplit(signin).query
        except ValueError:
            query = ""
        if query and f"{auth.signin_param}=" in query:
            location = signin
        else:
            location = f"{signin}{'&' if query else '?'}{auth.signin_param}={original}"
        return Verdict((302, f"{said}: auth-signin sends the client to sign in", [("Location", location)]))
    if status in (401, 403):
        extra = [("WWW-Authenticate", answer_headers["WWW-Authenticate"])] \
            if status == 401 and "WWW-Authenticate" in answer_headers else []
        return Verdict((status, f"{said}: nginx returns it to the client", extra))
    return Verdict((500, f"{said}, neither 2xx nor 401/403: nginx answers 500", []))
