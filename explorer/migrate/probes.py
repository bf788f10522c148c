"""Probe requests for a proof, read from the compiled RouteTables of both sides (pure).

Per virtual host of either side: its paths at, below, beside, with and without a
trailing slash and in upper case, over http and https; each header, cookie and
method a route's match names (a canary's `always` / `never`, a header value,
a Gateway API method match) once with the value it asks for and once with
another value. A host is probed with its own paths, the host-less ones and those
of the wildcards covering it (linear in the paths, not hosts x paths), plus one
host no rule names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from explorer.routing.paths import wildcard_covers
from explorer.routing.request import Request
from explorer.routing.table import EntryPoint, HeaderMatch, Route, VirtualHost

UNNAMED_HOST = "host-no-rule-names.invalid"
OTHER_VALUE = "probe-other-value"

#: (kind, name, value): a header, a cookie or a method a match names.
Guard = tuple[str, str, str]


@dataclass
class _Host:
    paths: set[str] = field(default_factory=set)
    guards: set[Guard] = field(default_factory=set)


def _literal_prefix(path: str) -> str:
    """A path's literal start: `/api(/|$)(.*)` -> `/api`, `/static/*` -> `/static/` (probes need real paths)."""
    for i, ch in enumerate(path):
        if ch in "*()[]{}|$^+?\\.":
            return path[:i] or "/"
    return path or "/"


def _guards(match_headers: Iterable[HeaderMatch], kind: str) -> Iterable[Guard]:
    for h in match_headers:
        if h.kind == "exact":
            yield (kind, h.name, h.value)
            yield (kind, h.name, OTHER_VALUE)
        elif h.kind == "present":
            yield (kind, h.name, "1")
        elif h.kind == "regex":
            literal = _regex_literal(h.value)
            if literal:
                yield (kind, h.name, literal)
            yield (kind, h.name, OTHER_VALUE)


def _regex_literal(pattern: str) -> str:
    """A value a simple pattern accepts (`(?s:.*?)(?:canary)(?s:.*)` -> `canary`), else ""."""
    inner = pattern.removeprefix("(?s:.*?)").removesuffix("(?s:.*)").removeprefix(".*").removesuffix(".*")
    if inner.startswith("(?:") and inner.endswith(")"):
        inner = inner[3:-1]
    return inner if inner and not any(ch in inner for ch in "*()[]{}|$^+?\\.") else ""


def _routes(vhost: VirtualHost) -> Iterable[Route]:
    yield from vhost.routes
    for index in (*vhost.exact.values(), *vhost.prefix.values(), *vhost.globs.values()):
        yield from index
    if vhost.regex is not None:
        yield from vhost.regex


def _collect(hosts: dict[str, _Host], entry_points: Iterable[EntryPoint]) -> None:
    for ep in entry_points:
        for listener in ep.listeners.values():
            for cert in listener.certificates:
                for host in cert.hosts:
                    hosts.setdefault(host, _Host())
            for vhost in listener.hosts.all():
                if not vhost.host and not listener.hosts.catch_all_used and not vhost.routes:
                    continue
                into = hosts.setdefault(vhost.host, _Host())
                seen: set[int] = set()
                for r in _routes(vhost):
                    if id(r) in seen:
                        continue
                    seen.add(id(r))
                    hp = r.origin.http_path
                    written = hp.path if hp is not None and hp.path is not None else r.match.path.value
                    into.paths.add(_literal_prefix(written or "/"))
                    m = r.match
                    if m.guarded:
                        into.guards.update(_guards(m.headers, "header"))
                        into.guards.update(_guards(m.cookies, "cookie"))
                        if m.method:
                            into.guards.add(("method", "", m.method))


def probe_requests(sides: Iterable[Iterable[EntryPoint]]) -> list[Request]:
    """The probes for the entry points of each side (one load balancer and the Gateway it became)."""
    hosts: dict[str, _Host] = {}
    for entry_points in sides:
        _collect(hosts, entry_points)
    anywhere = hosts.get("", _Host())
    wildcards = {h: v for h, v in hosts.items() if h.startswith("*.")}
    concrete: dict[str, list[_Host]] = {UNNAMED_HOST: [anywhere]}
    for host, info in hosts.items():
        if not host:
            continue
        name = host.replace("*", "probe", 1)
        parts = [info, anywhere] + [w for wh, w in wildcards.items() if wh != host and wildcard_covers(wh, name, "many")]
        concrete.setdefault(name, []).extend(parts)
    out: list[Request] = []
    for name in sorted(concrete):
        infos = concrete[name]
        paths = {"/"}.union(*(i.paths for i in infos))
        guards = sorted(set().union(*(i.guards for i in infos)))
        variants: set[str] = set()
        for p in paths:
            bare = p.rstrip("/") or "/"
            variants.update({p, bare, bare.rstrip("/") + "/", bare.rstrip("/") + "/below", bare + "x", p.upper()})
        ordered = sorted(variants)
        for scheme in ("http", "https"):
            for path in ordered:
                out.append(Request(name, path, "GET", scheme))
                for kind, gname, value in guards:
                    if kind == "method":
                        out.append(Request(name, path, value, scheme))
                    elif kind == "header":
                        out.append(Request(name, path, "GET", scheme, "", ((gname, value),)))
                    else:
                        out.append(Request(name, path, "GET", scheme, "", (("Cookie", f"{gname}={value}"),)))
    return out
