"""The request bar: method, URL and headers, sent through the embedded proxy."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Input, Select

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


def parse_headers(text: str) -> list[tuple[str, str]]:
    """`Host: a.com; X-Debug: 1` -> [("Host", "a.com"), ("X-Debug", "1")]; raises ValueError on a bad one."""
    headers = []
    for part in text.split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"header {part.strip()!r}: write headers as 'Name: value', separated by ';'")
        headers.append((name.strip(), value.strip()))
    return headers


class RequestBar(Horizontal):
    HELP = """\
## Request bar

Type a URL as a user would (`http://foo-bar.com/foo`): its host becomes the
Host header. Add headers as `Name: value; Other: value`. **enter** sends it
through the embedded proxy; the hops light up as the request reaches them,
then the response and the decision trace appear below. **y** copies it as curl.
"""

    DEFAULT_CSS = """
    RequestBar {
        height: auto;
        padding: 0 1;
    }
    RequestBar > Select {
        width: 14;
    }
    RequestBar > #request-url {
        width: 2fr;
    }
    RequestBar > #request-headers {
        width: 1fr;
    }
    RequestBar > Button {
        min-width: 8;
    }
    """

    @dataclass
    class Send(Message):
        method: str
        url: str
        headers: list[tuple[str, str]]

    def __init__(self, url: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self._url = url

    def compose(self) -> ComposeResult:
        yield Select([(m, m) for m in METHODS], value="GET", allow_blank=False, id="request-method",
                     tooltip="HTTP method (routing does not depend on it)")
        yield Input(self._url, placeholder="http://foo-bar.com/foo", id="request-url",
                    tooltip="The URL to send; its host is the Host header")
        yield Input(placeholder="Name: value; Other: value", id="request-headers",
                    tooltip="Extra headers; a Host header here overrides the URL's host")
        yield Button("Send", id="request-send", variant="primary", tooltip="Send through the embedded proxy (enter)")

    @property
    def method(self) -> str:
        return str(self.query_one("#request-method", Select).value)

    @property
    def url(self) -> str:
        return self.query_one("#request-url", Input).value.strip()

    @url.setter
    def url(self, value: str) -> None:
        self.query_one("#request-url", Input).value = value

    def suggest(self, method: str, headers: tuple[tuple[str, str], ...]) -> None:
        """The method and headers a selected rule asks for (a Gateway API match: method, header matches)."""
        if method in METHODS:
            self.query_one("#request-method", Select).value = method
        self.query_one("#request-headers", Input).value = "; ".join(f"{n}: {v}" for n, v in headers
                                                                   if n.lower() != "host")

    def headers(self) -> list[tuple[str, str]]:
        return parse_headers(self.query_one("#request-headers", Input).value)

    def submit(self) -> None:
        try:
            headers = self.headers()
        except ValueError as exc:
            self.app.notify(str(exc), title="Request", severity="error")
            return
        if not self.url:
            self.app.notify("type a URL first, e.g. http://foo-bar.com/foo", title="Request", severity="warning")
            return
        self.post_message(self.Send(self.method, self.url, headers))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.submit()
