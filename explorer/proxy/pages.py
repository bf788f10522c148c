"""The bodies the proxy writes itself.

The controllers' own words (default-backend 404s, 502 "Server Error", 503)
come from the decision and the profile; these are for what only the proxy
can say: a limit hit, a Pod that did not answer, the page under a redirect.
"""

from __future__ import annotations

import html
from http import HTTPStatus


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def plain(status: int, why: str) -> str:
    """A proxy-level refusal (limits, timeouts, a Pod that did not answer), saying why."""
    return f"{status} {reason(status)}: {why}\n"


def moved(status: int, location: str) -> str:
    """The small page that goes with a redirect, for clients that do not follow it."""
    title = f"{status} {reason(status)}"
    link = html.escape(location, quote=True)
    return (f"<html>\n<head><title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n"
            f"<p>The document has moved <a href=\"{link}\">here</a>.</p>\n</body>\n</html>\n")
