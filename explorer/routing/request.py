"""An HTTP request as the router sees it."""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

from explorer.model.value import field, value


@value
class Request:
    host: str  # the Host header as sent (may carry a port or capitals)
    path: str = "/"
    method: str = "GET"
    scheme: str = "http"
    query: str = ""
    headers: tuple[tuple[str, str], ...] = field(default=())
    client: str = "127.0.0.1"  # the client's address, for allow/deny lists and client matches
    content_length: int | None = None  # the body's size, for body-size limits
    sample: float | None = None  # 0 <= x < 1: which of weighted backends this request draws (None: the heaviest)
    #: The scheme the client says it used before a proxy in front (nginx use-forwarded-headers: X-Forwarded-Proto).
    access_scheme: str | None = None
    #: ... and the host it asked for (X-Forwarded-Host's first value): nginx's $best_http_host.
    forwarded_host: str | None = None

    @classmethod
    def from_url(
        cls, url: str, method: str = "GET", headers: tuple[tuple[str, str], ...] = (), client: str = "127.0.0.1"
    ) -> "Request":
        """`http://foo.com/bar?x=1`; a Host header in `headers` overrides the URL's host."""
        if "://" not in url:
            url = "http://" + url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"unsupported scheme {parts.scheme!r} in {url!r}: use http:// or https://")
        host = parts.netloc.rsplit("@", 1)[-1]
        for name, value in headers:
            if name.lower() == "host":
                host = value
        length = next((int(v.strip()) for k, v in headers if k.lower() == "content-length" and v.strip().isdigit()),
                      None)
        return cls(host, parts.path or "/", method.upper(), parts.scheme, parts.query, tuple(headers), client,
                   length)

    @property
    def hostname(self) -> str:
        """Host header without port, lower-cased: routing ignores both (RFC 7230 5.4, RFC 3986 3.2.2)."""
        return host_of(self.host)

    @property
    def cookies(self) -> list[tuple[str, str]]:
        """(name, value) of every cookie in the Cookie headers, in order."""
        jar: list[tuple[str, str]] = []
        for name, value in self.headers:
            if name.lower() == "cookie":
                for part in value.split(";"):
                    key, sep, val = part.strip().partition("=")
                    if sep:
                        jar.append((key, val))
        return jar

    @property
    def url(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{self.scheme}://{self.host}{self.path}{query}"


def host_of(header: str) -> str:
    """The host of a Host header, as routing compares it (memoised: a proxy sees the same few hosts)."""
    host = HOST_MEMO.get(header)
    if host is None:
        if len(HOST_MEMO) >= 4096:  # a bound, so a client sending random hosts cannot grow it
            HOST_MEMO.clear()
        host = HOST_MEMO[header] = _host_of(header)
    return host


#: host_of's memo, Host header -> host (the evaluator reads it first, saving a call per request).
HOST_MEMO: dict[str, str] = {}


def _host_of(header: str) -> str:
    host = header.strip()
    if host.startswith("["):  # IPv6 literal
        end = host.find("]")
        return host[: end + 1].lower() if end != -1 else host.lower()
    if ":" in host:
        host = host.rsplit(":", 1)[0]
    return host.rstrip(".").lower()


def normalize_path(path: str, decode: bool, merge: bool) -> str:
    """The path a controller matches on.

    nginx decodes %XX and merges `//` before matching locations; both remove
    dot-segments (RFC 3986 5.2.4). What GCLB does is not documented: only
    dot-segments are removed there (our choice, named in the trace).
    """
    if path[:1] == "/" and "%" not in path and "//" not in path and "/." not in path:
        return path  # nothing to decode, merge or remove: most requests
    if not path.startswith("/"):
        path = "/" + path
    if decode:
        path = unquote(path, errors="surrogateescape")
    if merge:
        while "//" in path:
            path = path.replace("//", "/")
    if "/." in path:
        trailing = path.endswith(("/", "/.", "/.."))
        path = posixpath.normpath(path)
        if path.startswith("//"):
            path = path[1:]
        if trailing and path != "/":
            path += "/"
    return path
