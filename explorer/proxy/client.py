"""The proxy's requests to Pods: one HTTP/1.1 exchange at a time on kept-alive connections, parsed by llhttp.

aiohttp's ClientSession does far more per request than a reverse proxy needs
(a request and a response object, a connector with its own bookkeeping,
header maps built and copied, a stream reader for a body that is read whole):
measured on the development machine, a bare aiohttp proxy and a hello Pod in
one process answer about 7,400 requests a second with a ClientSession and
16,000 with a client shaped like this one (benchmarks/proxy_bench.py prints
both). So the forwards to Pods go through `UpstreamClient`: the request is
written as the proxy built it, and the answer is parsed by llhttp (through
httptools, the parser aiohttp itself uses) and read whole, as before.

What the Pod receives is what ingress-nginx sends: the request line, the
headers in the order given (Host first), Content-Length when there is a body
or the method carries one; nothing is added (aiohttp's client added
`Content-Type: application/octet-stream` to a body sent without one, which
nginx never does). A header holding a control character is refused, as
aiohttp refuses it (header injection).

Failures are `UpstreamFailure`s whose text says what happened in the words of
nginx's error log. As aiohttp's client did (and as ingress-nginx's
proxy-next-upstream "error timeout" does, up to three tries), an idempotent
request is tried once more when the connection breaks before the answer.
The websocket upgrade and the side requests (auth-url, mirrors, custom error
pages, health checks) stay on aiohttp's client: they are not the hot path.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from typing import Callable, Iterable

import httptools

#: Methods aiohttp's client sends again after a broken connection (its IDEMPOTENT_METHODS).
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
#: Methods that carry a body: without one they say `Content-Length: 0`, as aiohttp's client sent them.
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: RFC 9110 5.5: no control character but HTAB in a field (aiohttp's own check); CR and LF are counted.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UpstreamFailure(Exception):
    """The Pod gave no answer; the text says why, as nginx's error log words it (users search for it)."""


class ConnectTimeout(UpstreamFailure):
    """The Pod did not accept the connection in time (nginx: proxy_connect_timeout, 504)."""


class ReadTimeout(UpstreamFailure):
    """The Pod accepted the request but was slower than the read timeout between two reads (proxy_read_timeout)."""


class _Broken(UpstreamFailure):
    """The connection broke before any answer: an idempotent request may be tried again."""


class Answer:
    """A Pod's whole answer: status, reason, headers as received (name, value), body."""

    __slots__ = ("status", "reason", "headers", "body")

    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body


_CLOSED_EARLY = ('closed the connection before sending a response (nginx: "upstream prematurely closed '
                 'connection while reading response header from upstream")')
_CUT_BODY = ('closed the connection in the middle of its response body (nginx: "upstream prematurely closed '
             'connection while reading upstream"; nginx has already passed the status line on by then, so its '
             'client gets a cut-off body instead of this 502)')


class _Connection(asyncio.Protocol):
    """One kept-alive connection to a Pod, with the exchange in flight on it (one at a time, never pipelined)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, forget: Callable[["_Connection"], None]) -> None:
        self.loop = loop
        self._forget = forget  # the client's: drop this connection from its idle lists
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._waiter: asyncio.Future[tuple[Answer, bool]] | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self._reason = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._head = False  # the request was HEAD: the answer ends with its headers
        self._headers_done = False
        self._timeout: float | None = None
        self._last_read = 0.0
        self._timer: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        if parser is None:  # bytes nobody asked for on an idle connection: it cannot be trusted any more
            self.abort()
            return
        if self._timeout is not None:
            self._last_read = self.loop.time()
        try:
            parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._complete()  # a 101 to a plain request: its headers are the answer, the connection is not reused
            self.abort()
        except httptools.HttpParserError as exc:
            first = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
            self._fail(UpstreamFailure(f'answered something that is not HTTP ({first}; nginx: "upstream sent no '
                                       'valid HTTP/1.0 header")'))
            self.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._forget(self)
        if self._waiter is None or self._waiter.done():
            return
        if self._headers_done and self._until_eof():
            self._complete()  # the connection's end is the body's end
        elif self._headers_done:
            self._fail(UpstreamFailure(_CUT_BODY))
        elif exc is not None:
            self._fail(_Broken(f"did not answer: {exc}"))
        else:
            self._fail(_Broken(_CLOSED_EARLY))

    # -- httptools callbacks

    def on_message_begin(self) -> None:  # also after an interim 1xx answer: the final one starts afresh
        self._reason = b""
        self._headers = []
        self._body = []

    def on_status(self, status: bytes) -> None:
        self._reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        status = self._parser.get_status_code()
        if status < 200 and status != 101:
            return  # 100 Continue, 103 Early Hints: the answer is still to come
        self._headers_done = True
        if self._head:
            self._complete()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._headers_done:  # (an interim answer completes too, without its headers counting)
            self._complete()

    # -- the exchange

    def exchange(self, message: bytes, head: bool, timeout: float | None) -> asyncio.Future[tuple[Answer, bool]]:
        """Send one request; the future gives the answer and whether the connection can take another."""
        assert self.transport is not None
        self._waiter = waiter = self.loop.create_future()
        self._parser = httptools.HttpResponseParser(self)
        self._head, self._headers_done = head, False
        self._reason, self._headers, self._body = b"", [], []
        self._timeout = timeout
        if timeout is not None:
            self._last_read = self.loop.time()
            self._timer = self.loop.call_at(self._last_read + timeout, self._check_timeout)
        self.transport.write(message)
        return waiter

    def _check_timeout(self) -> None:
        """The read timer fired: time out if nothing came for `timeout`, else wait for the rest of it."""
        self._timer = None
        if self._waiter is None or self._waiter.done() or self._timeout is None:
            return
        due = self._last_read + self._timeout
        if due - self.loop.time() > 0.001:  # bytes came since: one timer per exchange, moved on when it fires
            self._timer = self.loop.call_at(due, self._check_timeout)
            return
        self._fail(ReadTimeout(f"did not answer within {self._timeout:g}s"))
        self.abort()

    def _complete(self) -> None:
        waiter, parser = self._waiter, self._parser
        if waiter is None or waiter.done() or parser is None:
            return
        # (llhttp keeps no connection alive whose answer ends with it)
        reusable = parser.should_keep_alive() and parser.get_status_code() != 101
        self._end()
        answer = Answer(
            parser.get_status_code(), self._reason.decode("utf-8", "surrogateescape"),
            [(n.decode("utf-8", "surrogateescape"), v.decode("utf-8", "surrogateescape")) for n, v in self._headers],
            b"".join(self._body))
        waiter.set_result((answer, reusable))

    def _until_eof(self) -> bool:
        """Neither Content-Length nor chunked: the body ends when the connection does (RFC 9112 6.3)."""
        assert self._parser is not None
        names = {name.lower() for name, _ in self._headers}
        return (b"content-length" not in names and b"transfer-encoding" not in names
                and self._parser.get_status_code() not in (204, 304))

    def _fail(self, failure: UpstreamFailure) -> None:
        waiter = self._waiter
        self._end()
        if waiter is not None and not waiter.done():
            waiter.set_exception(failure)

    def _end(self) -> None:
        self._parser = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


class UpstreamClient:
    """Kept-alive HTTP/1.1 connections to Pods, one exchange at a time each, any number per Pod."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, int, bool], list[_Connection]] = {}
        self._open: dict[_Connection, tuple[str, int, bool]] = {}  # every connection, and where it goes
        self._tls: ssl.SSLContext | None = None

    async def request(self, method: str, host: str, port: int, target: str, headers: Iterable[tuple[str, str]],
                      body: bytes = b"", *, connect_timeout: float | None = None, read_timeout: float | None = None,
                      tls: bool = False) -> Answer:
        """Send `method target` with `headers` (Host among them) to host:port and read the whole answer.

        `tls`: proxy_pass https:// (backend-protocol HTTPS); the Pod's certificate is not verified, as
        ingress-nginx does not by default (proxy-ssl-verify off). Raises UpstreamFailure.
        """
        fields = [method, " ", target, " HTTP/1.1\r\n"]
        for name, value in headers:
            fields += (name, ": ", value, "\r\n")
        if body or method in _BODY_METHODS:
            fields += ("Content-Length: ", str(len(body)), "\r\n")
        fields.append("\r\n")
        text = "".join(fields)
        lines = len(fields) // 4 + 1  # the request line and each field (4 parts each), and the empty line
        if _FORBIDDEN.search(text) or text.count("\r") != lines or text.count("\n") != lines:
            raise ValueError("a control character in the request's line or headers (header injection): not sent")
        message = text.encode("utf-8", "surrogateescape")
        if body:
            message += body
        key = (host, port, tls)
        retry = method in IDEMPOTENT
        while True:
            connection = self._idle_connection(key) or await self._connect(key, connect_timeout)
            try:
                answer, reusable = await connection.exchange(message, method == "HEAD", read_timeout)
            except _Broken:
                if retry:
                    retry = False
                    continue
                raise
            except BaseException:  # a failure, or the caller gave up (cancelled): the exchange is cut
                connection.abort()
                raise
            if reusable and not connection.closed:
                self._idle.setdefault(key, []).append(connection)
            else:
                connection.abort()
            return answer

    def _idle_connection(self, key: tuple[str, int, bool]) -> _Connection | None:
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()  # the most recently used: the least likely to have been closed by the Pod
            if not connection.closed:
                return connection
        return None

    def _forget(self, connection: _Connection) -> None:
        """A connection closed (by either side): out of the idle lists, so a Pod gone leaves nothing behind."""
        key = self._open.pop(connection, None)
        if key is None:
            return
        idle = self._idle.get(key)
        if idle is not None and connection in idle:
            idle.remove(connection)
            if not idle:
                del self._idle[key]

    @property
    def connections(self) -> int:
        """Connections open now, busy or idle (the status page could show it; tests check none is left)."""
        return len(self._open)

    async def _connect(self, key: tuple[str, int, bool], timeout: float | None) -> _Connection:
        host, port, tls = key
        loop = asyncio.get_running_loop()
        context = None
        if tls:
            if self._tls is None:
                self._tls = ssl.create_default_context()
                self._tls.check_hostname, self._tls.verify_mode = False, ssl.CERT_NONE
            context = self._tls
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(lambda: _Connection(loop, self._forget), host, port, ssl=context), timeout)
        except asyncio.TimeoutError:
            raise ConnectTimeout(f"did not accept the connection within {timeout:g}s") from None
        except OSError as exc:
            raise UpstreamFailure(f"did not answer: {exc.strerror or exc} (nothing listens on its port)") from None
        if connection.closed:  # closed before it was handed over (the Pod stopped at once)
            raise _Broken(_CLOSED_EARLY)
        self._open[connection] = key
        return connection

    async def close(self) -> None:
        """Close every connection; an exchange still waiting fails at once."""
        for connection in list(self._open):
            connection.abort()  # (connection_lost forgets it)
        self._open.clear()
        self._idle.clear()
        await asyncio.sleep(0)  # let the transports run connection_lost
