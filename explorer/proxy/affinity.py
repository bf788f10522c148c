"""ingress-nginx's sticky sessions (affinity: cookie) and upstream-hash-by: which Pod a key pins.

lua/balancer/sticky.lua: a request bringing the cookie (`<key>|<backend key>`) goes to the Pod its
key hashes to; one without it gets a new random key (`<now+1>.<pid>.<random>`, sticky_balanced.lua)
and the answer sets the cookie, as lua-resty-cookie bakes it:
`NAME=<key>|<md5(md5(upstream) .. upstream)>[; Expires=..][; Max-Age=..][; Domain=..]; Path=<path>
[; Secure]; HttpOnly[; SameSite=..]`, the path being session-cookie-path or the location's path, Secure
on HTTPS unless session-cookie-secure says otherwise. The upstream's name is
`<namespace>-<service>-<port>` (controller.go upstreamName). nginx hashes with resty.chash; the pool
hashes by rendezvous (explorer.proxy.pool): another Pod than nginx would pick, the same stickiness.
"""

from __future__ import annotations

import hashlib
import os
import random
import time

from explorer.routing.decision import BackendRef
from explorer.routing.nginx_upstream import Affinity
from explorer.routing.request import Request


def upstream_name(ref: BackendRef) -> str:
    return f"{ref.namespace}-{ref.service}-{ref.port}"


def backend_key(ref: BackendRef) -> str:
    """sticky.lua: `ngx.md5(ngx.md5(backend.name) .. backend.name)`."""
    name = upstream_name(ref)
    return hashlib.md5((hashlib.md5(name.encode()).hexdigest() + name).encode()).hexdigest()  # noqa: S324


def cookie_key(affinity: Affinity, request: Request) -> str | None:
    """The upstream key the request's affinity cookie carries (its part before `|`), or None."""
    for name, value in request.cookies:
        if name == affinity.name and value:
            return value.split("|", 1)[0] or None
    return None


def new_key() -> str:
    """sticky_balanced.lua pick_new_upstream: `string.format("%s.%s.%s", ngx.now() + i, pid, math.random(999999))`."""
    return f"{time.time() + 1:.3f}.{os.getpid()}.{random.randint(1, 999999)}"


def set_cookie(affinity: Affinity, key: str, ref: BackendRef, location_path: str, https: bool,
               user_agent: str = "") -> str:
    """The Set-Cookie value nginx sends with the answer that pinned the Pod."""
    parts = [f"{affinity.name}={key}|{backend_key(ref)}"]
    if affinity.expires.strip().lstrip("-").isdigit():
        parts.append(f"Expires={cookie_time(time.time() + int(affinity.expires))}")
    if affinity.max_age.strip():
        parts.append(f"Max-Age={affinity.max_age.strip()}")
    if affinity.domain:
        parts.append(f"Domain={affinity.domain}")
    parts.append(f"Path={affinity.path or location_path}")
    if affinity.secure if affinity.secure is not None else https:
        parts.append("Secure")
    parts.append("HttpOnly")
    samesite = affinity.samesite
    if samesite == "None" and affinity.conditional_samesite_none and _mishandles_none(user_agent):
        samesite = ""
    if samesite:
        parts.append(f"SameSite={samesite}")
    return "; ".join(parts)


def cookie_time(when: float) -> str:
    """ngx.cookie_time (ngx_http_cookie_time): `Thu, 18-Nov-10 11:27:35 GMT`, a 2-digit year up to 2037."""
    stamp = time.gmtime(when)
    year = f"{stamp.tm_year % 100:02d}" if stamp.tm_year <= 2037 else str(stamp.tm_year)
    return time.strftime(f"%a, %d-%b-{year} %H:%M:%S GMT", stamp)


def _mishandles_none(user_agent: str) -> bool:
    """util/same_site.lua same_site_none_compatible, its main cases: iOS 12 and Chrome 51-66."""
    import re

    if re.search(r"\(iP.+; CPU .*OS 12[_\d]*.*\) AppleWebKit/", user_agent):
        return True
    match = re.search(r"Chrom[^ /]+/(\d+)", user_agent)
    return bool(match and 51 <= int(match.group(1)) <= 66)
