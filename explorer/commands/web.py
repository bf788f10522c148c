"""`ingress-explorer web`: the TUI in a browser, for workshops (textual-serve, on loopback only).

Each browser tab gets its own TUI process (and its own embedded proxy on
free loopback ports). The server listens on 127.0.0.1 only: to reach it from
other machines, put the instructor's own reverse proxy in front and pass its
address with --public-url, so the page's websocket goes through it too.
"""

from __future__ import annotations

import argparse
import re
import shlex
import socket
import sys
from pathlib import Path
from typing import Any

from explorer.commands.common import add_controller_option, add_source_options

HOST = "127.0.0.1"
DEFAULT_PORT = 8000

EXAMPLES = """\
examples:
  ingress-explorer web                                  the article's setup on http://127.0.0.1:8000
  ingress-explorer web -f workshop/ --controller gce --port 9000
  ingress-explorer web --public-url https://workshop.example.org   behind your own HTTPS reverse proxy

Every browser tab runs its own TUI; Ctrl+C stops the server and every session.
"""

#: textual-serve's page asks Google Fonts for Roboto Mono; the same font ships in its static files.
_REMOTE_FONT_LINK = re.compile(r'<link[^>]*href="https?://fonts\.googleapis\.com[^"]*"[^>]*/?>', re.DOTALL)
_LOCAL_FONT = """<style>
      @font-face { font-family: "Roboto Mono"; font-style: normal;
        src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype"); }
    </style>"""


def add_parser(sub: argparse._SubParsersAction, help_text: str) -> None:
    parser = sub.add_parser(
        "web", help=help_text, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Serve the terminal explorer to web browsers (textual-serve), listening on 127.0.0.1 only.",
    )
    add_source_options(parser)
    add_controller_option(parser)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N",
                        help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--public-url", metavar="URL",
                        help="the address browsers use when a reverse proxy stands in front "
                             "(default http://127.0.0.1:PORT)")
    parser.add_argument("--no-proxy", action="store_true",
                        help="the TUIs start no embedded proxy: requests are routed and explained, not sent")


def tui_command(args: argparse.Namespace) -> str:
    """The shell command each browser session runs: this Python, the TUI, the same manifests."""
    parts = [sys.executable, "-m", "explorer", "tui", "-n", args.namespace, "--controller", args.controller]
    for source in args.files:
        parts += ["-f", str(Path(source).resolve())]
    if args.no_proxy:
        parts.append("--no-proxy")
    return shlex.join(parts)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def run(args: argparse.Namespace) -> int:
    try:
        import aiohttp_jinja2
        import jinja2
        from textual_serve.server import Server
    except ImportError:
        print("error: `web` needs the textual-serve package: pip install textual-serve", file=sys.stderr)
        return 2
    missing = [source for source in args.files if source != "-" and not Path(source).exists()]
    if "-" in args.files or missing:
        what = "-f - (stdin) cannot be served" if "-" in args.files else f"{missing[0]}: no such file or directory"
        print(f"error: {what}; pass -f FILE or -f DIR", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(f"error: --port {args.port}: a port is 0 to 65535", file=sys.stderr)
        return 2
    port = args.port or free_port()

    class WorkshopServer(Server):
        """textual-serve with its page served without anything fetched from outside."""

        async def _make_app(self) -> Any:
            app = await super()._make_app()
            page = (Path(self.templates_path) / "app_index.html").read_text(encoding="utf-8")
            page = _REMOTE_FONT_LINK.sub(lambda _: _LOCAL_FONT, page)
            aiohttp_jinja2.setup(app, loader=jinja2.DictLoader({"app_index.html": page}))
            return app

    server = WorkshopServer(tui_command(args), host=HOST, port=port, title="ingress-explorer",
                            public_url=args.public_url)
    try:
        server.serve()
    except OSError as exc:
        print(f"error: cannot listen on {HOST}:{port}: {exc.strerror or exc} (try --port 0 for a free port)",
              file=sys.stderr)
        return 2
    return 0
