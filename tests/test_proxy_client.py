"""The proxy's client to Pods (explorer/proxy/client.py), against real loopback servers that answer byte by byte.

Each server here writes exactly the bytes of an HTTP answer (RFC 9112 framings:
Content-Length, chunked, until close; interim 1xx; HEAD), so what the client
reads is checked against the wire, not against another client. The last tests go
through the whole proxy and show what a Pod receives.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from typing import AsyncIterator, Awaitable, Callable

import pytest

from explorer.profiles import get_profile
from explorer.proxy.client import ConnectTimeout, ReadTimeout, UpstreamClient, UpstreamFailure
from proxy_support import SAMPLES, raw_http, running

Answerer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def server(answer: Answerer) -> AsyncIterator[tuple[int, list[bytes]]]:
    """A loopback server running `answer` per connection; yields its port and the request heads it read."""
    heads: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await answer(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def recording(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await handle(_Recorder(reader, heads), writer)  # type: ignore[arg-type]

    srv = await asyncio.start_server(recording, "127.0.0.1", 0)
    try:
        yield srv.sockets[0].getsockname()[1], heads
    finally:
        srv.close()
        await srv.wait_closed()


class _Recorder:
    """A StreamReader that keeps every request head it reads."""

    def __init__(self, reader: asyncio.StreamReader, heads: list[bytes]) -> None:
        self.reader, self.heads = reader, heads

    async def head(self) -> bytes:
        head = await self.reader.readuntil(b"\r\n\r\n")
        self.heads.append(head)
        return head

    async def readexactly(self, n: int) -> bytes:
        return await self.reader.readexactly(n)


def _length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


async def test_content_length_answers_share_one_connection():
    connections = 0

    async def answer(reader, writer):
        nonlocal connections
        connections += 1
        while True:
            head = await reader.head()
            body = await reader.readexactly(_length(head))
            writer.write(b"HTTP/1.1 201 Made\r\nX-Seen: " + str(len(body)).encode() + b"\r\nSet-Cookie: a=1\r\n"
                         b"Set-Cookie: b=2\r\nContent-Length: 2\r\n\r\nok")

    client = UpstreamClient()
    async with server(answer) as (port, heads):
        first = await client.request("POST", "127.0.0.1", port, "/a?x=1", [("Host", "h.example")], b"12345")
        second = await client.request("GET", "127.0.0.1", port, "/b", [("Host", "h.example")])
    await client.close()
    assert (first.status, first.reason, first.body) == (201, "Made", b"ok")
    assert first.headers == [("X-Seen", "5"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Content-Length", "2")]
    assert second.headers[0] == ("X-Seen", "0")
    assert connections == 1  # kept alive
    # what went on the wire: the request line, the headers as given, the length; nothing added
    assert heads[0] == b"POST /a?x=1 HTTP/1.1\r\nHost: h.example\r\nContent-Length: 5\r\n\r\n"
    assert heads[1] == b"GET /b HTTP/1.1\r\nHost: h.example\r\n\r\n"


async def test_a_kept_connection_the_pod_closes_is_let_go():
    close = asyncio.Event()

    async def answer(reader, writer):
        await reader.head()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        await close.wait()  # then the Pod closes the idle connection (its keep-alive timeout, or it stopped)

    client = UpstreamClient()
    async with server(answer) as (port, _):
        await client.request("GET", "127.0.0.1", port, "/", [("Host", "x")])
        assert client.connections == 1  # kept for the next request
        close.set()
        for _ in range(100):
            if client.connections == 0:
                break
            await asyncio.sleep(0.01)
        assert client.connections == 0  # nothing is kept for a Pod that closed it
    await client.close()


async def test_chunked_and_until_close_bodies_are_read_whole():
    async def chunked(reader, writer):
        await reader.head()
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")

    async def until_close(reader, writer):
        await reader.head()
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it")
        await writer.drain()
        writer.close()

    client = UpstreamClient()
    async with server(chunked) as (port, _):
        answer = await client.request("GET", "127.0.0.1", port, "/", [("Host", "x")])
        assert answer.body == b"abcde"
    async with server(until_close) as (port, _):
        answer = await client.request("GET", "127.0.0.1", port, "/", [("Host", "x")])
        assert (answer.status, answer.body) == (200, b"all of it")
    await client.close()


async def test_interim_answers_are_skipped_and_head_ends_with_the_headers():
    async def answer(reader, writer):
        while True:
            head = await reader.head()
            if head.startswith(b"HEAD"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")  # no body follows a HEAD answer
            else:
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                             b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody")

    client = UpstreamClient()
    async with server(answer) as (port, _):
        head = await client.request("HEAD", "127.0.0.1", port, "/", [("Host", "x")], read_timeout=2)
        final = await client.request("GET", "127.0.0.1", port, "/", [("Host", "x")], read_timeout=2)
    await client.close()
    assert (head.status, head.body, head.headers) == (200, b"", [("Content-Length", "1000")])
    assert (final.status, final.body, final.headers) == (200, b"body", [("Content-Length", "4")])


async def test_failures_say_what_nginx_would_log():
    async def hang(reader, writer):
        await reader.head()
        await asyncio.sleep(5)

    async def close_at_once(reader, writer):
        await reader.head()

    async def cut_body(reader, writer):
        await reader.head()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
        await writer.drain()

    async def garbage(reader, writer):
        await reader.head()
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(1)

    client = UpstreamClient()
    async with server(hang) as (port, _):
        with pytest.raises(ReadTimeout):
            await client.request("GET", "127.0.0.1", port, "/", [("Host", "x")], read_timeout=0.2)
    async with server(close_at_once) as (port, heads):
        with pytest.raises(UpstreamFailure, match="closed the connection before sending a response"):
            await client.request("GET", "127.0.0.1", port, "/", [("Host", "x")])
        assert len(heads) == 2  # an idempotent request is tried once more, as aiohttp's client did
        with pytest.raises(UpstreamFailure, match="before sending a response"):
            await client.request("POST", "127.0.0.1", port, "/", [("Host", "x")], b"once")
        assert len(heads) == 3  # a POST is not sent twice
    async with server(cut_body) as (port, _):
        with pytest.raises(UpstreamFailure, match="in the middle of its response body"):
            await client.request("GET", "127.0.0.1", port, "/", [("Host", "x")])
    async with server(garbage) as (port, _):
        with pytest.raises(UpstreamFailure, match="answered something that is not HTTP"):
            await client.request("GET", "127.0.0.1", port, "/", [("Host", "x")])
    with pytest.raises(UpstreamFailure, match=r"did not answer: .* \(nothing listens on its port\)"):
        await client.request("GET", "127.0.0.1", port, "/", [("Host", "x")])
    await client.close()


async def test_a_pod_whose_listen_queue_is_full_times_out_connecting():
    # A listening socket that never accepts, its queue filled: the next SYN is dropped, as a Pod too busy to accept
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(0)
        port = listening.getsockname()[1]
        queued = [socket.socket() for _ in range(3)]
        for sock in queued:
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                sock.connect(("127.0.0.1", port))
        client = UpstreamClient()
        try:
            with pytest.raises(ConnectTimeout, match="did not accept the connection within 0.3s"):
                await client.request("GET", "127.0.0.1", port, "/", [("Host", "x")], connect_timeout=0.3)
        finally:
            await client.close()
            for sock in queued:
                sock.close()


async def test_a_control_character_in_a_header_is_never_sent():
    async def answer(reader, writer):
        await reader.head()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    client = UpstreamClient()
    async with server(answer) as (port, heads):
        for bad in ("a\r\nInjected: yes", "a\nb", "a\x00b"):
            with pytest.raises(ValueError, match="control character"):
                await client.request("GET", "127.0.0.1", port, "/", [("Host", "x"), ("X-Bad", bad)])
        ok = await client.request("GET", "127.0.0.1", port, "/", [("Host", "x"), ("X-Tab", "a\tb")])
    await client.close()
    assert ok.status == 200 and len(heads) == 1


async def test_a_pod_gets_the_body_as_the_client_sent_it_with_no_content_type_added():
    async with running(get_profile("nginx"), SAMPLES / "article-v1") as proxy:
        port = next(iter(proxy.listeners.values())).http_port
        assert port is not None
        answer = await raw_http(port, b"POST /foo HTTP/1.1\r\nHost: foo-bar.com\r\nContent-Length: 9\r\n"
                                      b"Connection: close\r\n\r\nraw bytes")
        assert answer.startswith(b"HTTP/1.1 200")
        echoed = json.loads(answer.split(b"\r\n\r\n", 1)[1])["headers"]
        assert echoed["Content-Length"] == "9"
        assert "Content-Type" not in echoed  # aiohttp's client added application/octet-stream; nginx adds nothing
        head = await raw_http(port, b"HEAD /foo HTTP/1.1\r\nHost: foo-bar.com\r\nConnection: close\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and head.endswith(b"\r\n\r\n")  # headers only, as for any HEAD
        assert b"X-Ingress-Explorer-Pod: site01-" in head
