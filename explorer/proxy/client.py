"""The proxy's requests to Pods: aiohttp's ClientRequest, minus the header work a proxy does not need.

aiohttp's client copies the headers it is given into a fresh map (after the session has
already merged them into one), and on every request turns the session's skipped
auto headers into a sorted map, copies the headers again to look them up, and checks
each default header. The proxy's session skips every auto header aiohttp has
(User-Agent, Accept, Accept-Encoding) and hands over a map with Host first, which is
what aiohttp's own copy would produce: this class takes that map as it is and the
skipped set made once. What goes on the wire is unchanged (tests/test_proxy.py shows
the Pod's view of the headers); anything else (a websocket handshake's extra
headers, another skip set) goes through aiohttp's own code.
"""

from __future__ import annotations

from typing import Iterable

import aiohttp
from aiohttp import hdrs
from multidict import CIMultiDict, istr

from aiohttp.typedefs import LooseHeaders

#: Every header aiohttp's client would add by itself; the proxy sends only what the client and ingress-nginx send.
SKIPPED = frozenset(istr(name) for name in ("User-Agent", "Accept", "Accept-Encoding"))
_SKIPPED_MAP: CIMultiDict[None] = CIMultiDict((name, None) for name in sorted(SKIPPED))
_COVERED = {istr(name) for name in aiohttp.ClientRequest.DEFAULT_HEADERS} | {istr(hdrs.USER_AGENT)}
assert _COVERED <= SKIPPED, "aiohttp adds a default header the proxy does not skip"


class UpstreamRequest(aiohttp.ClientRequest):
    """A ClientRequest that adopts the session's merged header map when it already has Host first."""

    def update_headers(self, headers: LooseHeaders | None) -> None:
        # The session's _prepare_headers made this map for this request alone; aiohttp's own method
        # would build the same map again (Host from the URL first, replaced in place by ours).
        if type(headers) is CIMultiDict and headers and next(iter(headers)) == hdrs.HOST:
            self.headers = headers
            return
        super().update_headers(headers)

    def update_auto_headers(self, skip_auto_headers: Iterable[str] | None) -> None:
        if skip_auto_headers == SKIPPED:  # the session's own set: nothing to add, the map made once
            self._skip_auto_headers = _SKIPPED_MAP.copy()
            return
        super().update_auto_headers(skip_auto_headers)
