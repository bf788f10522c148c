"""Helpers for the proxy tests: a running proxy over fixture manifests, and raw HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import AsyncIterator

import aiohttp

from explorer.model import load
from explorer.proxy import Proxy, ProxyOptions, start_proxy
from explorer.profiles import ControllerProfile

PROXY_DATA = Path(__file__).resolve().parent / "data" / "proxy"
SAMPLES = Path(__file__).resolve().parent.parent / "explorer" / "data" / "sample-manifests"


def load_clean(*paths: Path | str):
    state = load([str(p) for p in paths])
    assert not state.problems, [str(p) for p in state.problems]
    return state


@contextlib.asynccontextmanager
async def running(profile: ControllerProfile, *paths: Path | str, **options) -> AsyncIterator[Proxy]:
    """A started proxy (time 20x faster unless told), stopped when the block ends."""
    options.setdefault("time_scale", 0.05)
    proxy = await start_proxy(load_clean(*paths), profile, ProxyOptions(**options))
    try:
        yield proxy
    finally:
        await proxy.stop()


async def get(proxy: Proxy, host: str, path: str = "/", *, lb: str | None = None, scheme: str = "http",
              method: str = "GET", headers: dict[str, str] | None = None, data: bytes | None = None
              ) -> tuple[aiohttp.ClientResponse, str]:
    """Send a request to a listener with aiohttp's client, Host set as curl -H would."""
    listeners = proxy.listeners
    info = listeners[lb] if lb else next(iter(listeners.values()))
    base = info.base_url(scheme)
    assert base, f"{info.load_balancer} has no {scheme} listener"
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        async with session.request(method, base + path, headers={"Host": host, **(headers or {})}, data=data,
                                   allow_redirects=False, ssl=False) as response:
            return response, await response.text()


async def raw_http(port: int, request: bytes, host: str = "127.0.0.1") -> bytes:
    """Write bytes to a socket and read the answer until the server closes (send Connection: close)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()
        await writer.wait_closed()
