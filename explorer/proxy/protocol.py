"""A deadline for a request's headers, which aiohttp's server does not have.

nginx gives a client `client_header_timeout` (ingress-nginx: 60 s) to send a
request's headers and `keepalive_timeout` (75 s) to start its next request.
aiohttp's server has only the second: `keepalive_timeout` counts from the
connection's start or its last response and also ends a half-sent request, but
nothing bounds a client that keeps a request's headers coming one byte at a
time (slowloris) for less than that, and with aiohttp's default (3630 s) it
holds a connection and a parser for an hour.

`DeadlineServer` is a `web.Server` whose connections note when the first
byte of a request arrives and when the request's handler starts (its headers
are complete); one timer per connection checks the waiting request's deadline
(re-armed for a later request's own, never made and cancelled per request). When the timer fires the client gets 408
and the connection closes. nginx closes such a connection without writing
anything (its access log says 408, checked with nginx 1.22); we write the
408 first so that a client, and a learner with curl, can see why.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

from aiohttp import web

from explorer.proxy import pages

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


class HeaderDeadlineProtocol(web.RequestHandler):
    """aiohttp's connection protocol, plus a deadline from a request's first byte to its handler."""

    def __init__(self, manager: web.Server, *, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self.header_timeout = header_timeout
        self._deadline: asyncio.TimerHandle | None = None
        self._between_requests = True  # no handler is running: the next bytes start a request
        #: When the pending request's first byte came (loop time); None: no request is waiting for its headers.
        self._first_byte: float | None = None

    def data_received(self, data: bytes) -> None:
        if data and self._between_requests and self._first_byte is None:
            loop = asyncio.get_running_loop()
            self._first_byte = now = loop.time()
            if self._deadline is None:  # one timer per connection, not one per request (it is checked on firing)
                self._deadline = loop.call_at(now + self.header_timeout, self._check)
        super().data_received(data)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def request_started(self) -> None:
        """The headers are complete and the handler runs: the deadline is met (the timer finds nothing to do)."""
        self._between_requests = False
        self._first_byte = None

    def request_finished(self) -> None:
        self._between_requests = True

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _check(self) -> None:
        """The timer fired: expire the waiting request if its headers are late, else wait for its own deadline."""
        self._deadline = None
        if self._first_byte is None or not self._between_requests:
            return  # no request is waiting for its headers (the next first byte arms the timer again)
        due = self._first_byte + self.header_timeout
        loop = asyncio.get_running_loop()
        if due - loop.time() > 0.001:  # (a timer may run up to the clock's resolution early, as call_later's)
            self._deadline = loop.call_at(due, self._check)
            return
        self._expire()

    def _expire(self) -> None:
        self._first_byte = None
        transport = self.transport
        if not self._between_requests or transport is None or transport.is_closing():
            return
        body = pages.plain(408, f"the request headers did not arrive within {self.header_timeout:g}s").encode()
        transport.write(b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/plain; "
                        b"charset=utf-8\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        self.force_close()  # closing the transport still sends what was written


class DeadlineServer(web.Server):
    """A `web.Server` whose connections are `HeaderDeadlineProtocol`s."""

    def __init__(self, handler: Handler, *, header_timeout: float, handler_marks: bool = False,
                 **kwargs: Any) -> None:
        """`handler_marks`: the handler calls its protocol's `request_started()` first and `request_finished()`
        last itself (the proxy's does: one coroutine less per request than this wrapper)."""
        async def handle(request: web.BaseRequest) -> web.StreamResponse:
            protocol = request.protocol
            assert isinstance(protocol, HeaderDeadlineProtocol)
            protocol.request_started()
            try:
                return await handler(request)
            finally:
                protocol.request_finished()

        super().__init__(handler if handler_marks else handle, **kwargs)
        self.header_timeout = header_timeout
        self._protocol_kwargs = kwargs  # aiohttp keeps them privately; the protocol needs them

    def __call__(self) -> HeaderDeadlineProtocol:
        return HeaderDeadlineProtocol(self, loop=asyncio.get_running_loop(), header_timeout=self.header_timeout,
                                      **self._protocol_kwargs)
