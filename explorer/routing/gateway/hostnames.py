"""Hostname matching as the Gateway API defines it (apis/v1 httproute_types.go, gateway_types.go).

Unlike Ingress, a wildcard `*.example.com` is a suffix match over one or more
labels: it matches `a.example.com` and `a.b.example.com`, never `example.com`.
"""

from __future__ import annotations


def matches(pattern: str | None, host: str) -> bool:
    """Does `host` (lower-case, no port) fall under `pattern` (None: any host)?"""
    if pattern is None:
        return True
    if pattern.startswith("*."):
        suffix = pattern[1:]  # ".example.com"
        return host.endswith(suffix) and len(host) > len(suffix)
    return host == pattern


def intersect(listener: str | None, route_hostnames: tuple[str, ...]) -> tuple[str | None, ...]:
    """The hostnames a route serves on a listener; () when none intersect (route not accepted there).

    A route without hostnames takes the listener's; a listener without one
    takes the route's. Otherwise a route hostname counts when it lies under
    the listener's (`a.example.com` under `*.example.com`), or the listener's
    lies under it (`*.example.com` route on an `a.example.com` listener gives
    `a.example.com`); any other route hostname is ignored, as the spec says.
    """
    if not route_hostnames:
        return (listener,)
    if listener is None:
        return route_hostnames
    out: list[str | None] = []
    for h in route_hostnames:
        if h == listener or (listener.startswith("*.") and _under(h, listener)):
            out.append(h)
        elif h.startswith("*.") and _under(listener, h):
            out.append(listener)
    return tuple(dict.fromkeys(out))


def _under(name: str, wildcard: str) -> bool:
    """`name` (itself maybe a wildcard) lies within `wildcard`'s suffix."""
    bare = name[2:] if name.startswith("*.") else name
    return matches(wildcard, bare) or (name.startswith("*.") and bare.endswith(wildcard[1:]))


def specificity(pattern: str | None) -> tuple[int, int]:
    """Sort key, larger first: characters of a non-wildcard hostname, then of any hostname (the spec's order)."""
    if pattern is None:
        return (0, 0)
    if pattern.startswith("*"):
        return (0, len(pattern))
    return (len(pattern), len(pattern))
