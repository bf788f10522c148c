"""Size limits and timeouts of the proxy, with the status each one answers.

The defaults are ingress-nginx's: `large_client_header_buffers 4 8k` (a request
line over 8 KiB is 414, a header line over 8 KiB is refused), `client-header-timeout` and `client-body-timeout` 60s (408),
`keep-alive` 75s (an idle connection is closed), `proxy-connect-timeout` 5s
(504). How long a Pod may take to answer, and what the client then gets, is
the controller's (`ControllerProfile.upstream_timeout`: nginx 60s and 504,
GKE 30s and 502) unless `upstream_read_timeout` says otherwise.

nginx closes the connection of a client that is too slow with its headers or
body without writing anything (its access log says 408; checked with nginx
1.22); we write the 408 before closing, so the client can see why. nginx answers an oversized header with 400
"Request Header Or Cookie Too Large"; we answer 431, the status HTTP defines
for it (RFC 6585), so a client can tell it from other bad requests.

aiohttp's own parser refuses lines beyond `parser_line_limit` with a plain 400
before we see the request; it is set well above ours, so our statuses are
what clients meet in practice.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_request_target: int = 8192  # bytes of the request-target -> 414
    max_header_line: int = 8192  # bytes of one "Name: value" line -> 431
    max_header_total: int = 32768  # bytes of all header lines -> 431
    #: bytes -> 413. None: the controller decides (ingress-nginx's proxy-body-size, 1m by default, in the
    #: Decision; GKE's load balancer has no such limit). A number caps every request on top of that.
    max_body: int | None = None
    client_header_timeout: float = 60.0  # seconds from a request's first byte to its last header -> 408
    client_body_timeout: float = 60.0  # seconds to receive the body -> 408
    keepalive_timeout: float = 75.0  # seconds a connection may wait for its next request (or its first)
    upstream_connect_timeout: float = 5.0  # seconds -> 504
    upstream_read_timeout: float | None = None  # seconds for the Pod to answer; None: the profile's
    parser_line_limit: int = 65536  # aiohttp's limit for any line: beyond it, its own 400
    parser_max_headers: int = 256
    lingering_time: float = 1.0  # seconds to drain an unread body before closing (nginx lingering_close)


def header_problem(raw_headers: tuple[tuple[bytes, bytes], ...] | list[tuple[bytes, bytes]],
                   limits: Limits) -> str | None:
    """Why the headers are too large (431), or None."""
    total = 0
    for name, value in raw_headers:
        size = len(name) + 2 + len(value)
        if size > limits.max_header_line:
            return f"header {name.decode('latin-1')[:40]} is {size} bytes; the limit is {limits.max_header_line}"
        total += size + 2
    if total > limits.max_header_total:
        return f"the headers are {total} bytes together; the limit is {limits.max_header_total}"
    return None
