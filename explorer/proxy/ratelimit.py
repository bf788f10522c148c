"""ingress-nginx's limit-rps, limit-rpm and limit-connections, counted for real per client address.

nginx's limit_req (ngx_http_limit_req_module.c, ngx_http_limit_req_lookup) keeps, per key, an
"excess" in thousandths of a request: each request adds 1000 and time drains `rate` per second
(rps x 1000, or rpm x 1000 / 60); a request that would push it above burst x 1000 is refused
without being counted, and `nodelay` lets the others through at once. So a quiet client gets
burst + 1 requests through in one go, then about `rate` a second. limit_conn counts requests in
progress. ingress-nginx keys both by the client address ($binary_remote_addr), leaving out the
limit-allowlist, one zone per Ingress (every path shares it), and answers 503
(LimitReqStatusCode, LimitConnStatusCode). Rates are real seconds, as a client with curl
measures them (`--time-scale` does not speed them up).
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field

from explorer.routing.nginx_upstream import RateLimit


@dataclass
class _Bucket:
    excess: float = 0.0  # thousandths of a request
    last: float = 0.0  # monotonic seconds


@dataclass
class RateLimits:
    """Every zone's state for one proxy."""

    buckets: dict[tuple[str, str, str], _Bucket] = field(default_factory=dict)
    connections: dict[tuple[str, str], int] = field(default_factory=dict)

    def exempt(self, limit: RateLimit, client: str) -> bool:
        if not limit.allowlist:
            return False
        try:
            ip = ipaddress.ip_address(client)
        except ValueError:
            return False
        return any(ip in net for net in limit.allowlist)

    def refuse(self, limit: RateLimit, client: str, now: float | None = None) -> str | None:
        """Why this request is over a limit_req zone (nothing is counted then), else None (it is counted)."""
        if self.exempt(limit, client):
            return None
        now = time.monotonic() if now is None else now
        planned: list[tuple[tuple[str, str, str], float]] = []
        for kind, per_second, allowed in (("rps", limit.rps, limit.rps), ("rpm", limit.rpm / 60, limit.rpm)):
            if not allowed:
                continue
            key = (limit.zone, kind, client)
            bucket = self.buckets.get(key)  # a new key starts with no excess (its first request is free)
            excess = 0.0 if bucket is None else \
                max(bucket.excess - per_second * 1000 * (now - bucket.last) + 1000, 0.0)
            if excess > allowed * limit.burst_multiplier * 1000:
                return (f"limit-{kind} {allowed} on {limit.zone}: client {client} is over the rate and past its "
                        f"burst of {allowed * limit.burst_multiplier} (limit_req ... nodelay): nginx answers "
                        f"{limit.status}")
            planned.append((key, excess))
        for key, excess in planned:
            self.buckets[key] = _Bucket(excess, now)
        return None

    def enter(self, limit: RateLimit, client: str) -> str | None:
        """Count one request in progress (limit_conn); why it is refused, else None (call `leave` after)."""
        if not limit.connections or self.exempt(limit, client):
            return None
        key = (limit.zone, client)
        if self.connections.get(key, 0) >= limit.connections:
            return (f"limit-connections {limit.connections} on {limit.zone}: client {client} already has "
                    f"{limit.connections} request(s) in progress: nginx answers {limit.status}")
        self.connections[key] = self.connections.get(key, 0) + 1
        return None

    def leave(self, limit: RateLimit, client: str) -> None:
        key = (limit.zone, client)
        left = self.connections.get(key, 0) - 1
        if left > 0:
            self.connections[key] = left
        else:
            self.connections.pop(key, None)
