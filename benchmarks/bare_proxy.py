"""The bare reverse proxies proxy_bench.py measures the embedded proxy against.

    python benchmarks/bare_proxy.py UPSTREAM_HOST:PORT [--client aiohttp|explorer]
        -> prints "listening PORT", serves until killed

What any aiohttp reverse proxy must do and no more: the request body read
whole, hop-by-hop headers stripped both ways, the answer buffered and passed
on. No routing, no events, no limits: the floor. `--client aiohttp` (the
default) sends through one aiohttp ClientSession, the floor the issue names;
`--client explorer` through the embedded proxy's own client to Pods
(explorer/proxy/client.py), so that what the embedded proxy costs above it is
its routing and its features, not a different client.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Awaitable, Callable

import aiohttp
from aiohttp import web

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
    "trailer", "transfer-encoding", "upgrade",
})
Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


def proxy_to(base: str) -> Handler:
    """The bare proxy's handler: every request passed to `base` (http://host:port) through one ClientSession."""
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), auto_decompress=False,
                                    skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"))

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"}
        async with session.request(request.method, base + request.raw_path, headers=headers, data=body or None,
                                   allow_redirects=False) as answer:
            payload = await answer.read()
        response = web.Response(status=answer.status, reason=answer.reason, body=payload)
        for name, value in answer.headers.items():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                response.headers.add(name, value)
        return response

    return handle


def proxy_with_explorer_client(base: str) -> Handler:
    """The same handler, sending through the embedded proxy's client to Pods instead of a ClientSession."""
    from explorer.proxy.client import UpstreamClient

    client = UpstreamClient()
    host, _, port = base.removeprefix("http://").rpartition(":")

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        body = await request.read()
        headers = [(k, v) for k, v in request.headers.items()
                   if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
        answer = await client.request(request.method, host, int(port), request.raw_path, headers, body)
        response = web.Response(status=answer.status, reason=answer.reason, body=answer.body)
        for name, value in answer.headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                response.headers.add(name, value)
        return response

    return handle


async def main(upstream: str, client: str) -> None:
    handle = (proxy_with_explorer_client if client == "explorer" else proxy_to)(f"http://{upstream}")
    runner = web.ServerRunner(web.Server(handle), handle_signals=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"listening {runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1], sys.argv[3] if sys.argv[2:3] == ["--client"] else "aiohttp"))
    except KeyboardInterrupt:
        pass
