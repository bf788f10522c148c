"""The bare reverse proxy proxy_bench.py measures the embedded proxy against.

    python benchmarks/bare_proxy.py UPSTREAM_HOST:PORT  -> prints "listening PORT", serves until killed

What any aiohttp reverse proxy must do and no more: one ClientSession, the
request body read whole, hop-by-hop headers stripped both ways, the answer
buffered and passed on. No routing, no events, no limits: the floor.
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


def proxy_to(base: str) -> Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]:
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


async def main(upstream: str) -> None:
    handle = proxy_to(f"http://{upstream}")
    runner = web.ServerRunner(web.Server(handle), handle_signals=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"listening {runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1]))
    except KeyboardInterrupt:
        pass
