"""The `ingress-explorer` command: the TUI by default, and subcommands for CI.

Each subcommand lives in `explorer/commands/<name>.py` with `add_parser()`
and `run()`; only the one asked for is imported, so `route --help` never
pays for textual, aiohttp or kubernetes.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any, Sequence, TextIO

from explorer import __version__
from explorer.commands import collector
from explorer.printable import bug_message

#: name -> one-line help. Order is the order `--help` lists them.
COMMANDS: dict[str, str] = {
    "route": "show which backend a URL reaches, and why",
    "record": "save a live cluster's Ingress-related objects as YAML, to replay with -f",
    "lint": "report every reason an Ingress does not work",
    "serve": "run the proxy: send real HTTP through the Ingress rules",
    "tui": "open the terminal explorer (the default when no command is given)",
    "convert": "rewrite removed Ingress apiVersions as networking.k8s.io/v1",
    "migrate": "write Gateway API manifests for the Ingresses and prove they route alike",
    "diagram": "draw the traffic flow as text, Mermaid, DOT or SVG",
    "web": "serve the TUI to a browser for workshops",
    "lessons": "list, start and check the interactive lessons",
}

#: Commands that read one snapshot, answer and exit; the others (tui, serve, web) run until stopped.
ONE_SHOT = frozenset({"route", "record", "lint", "convert", "migrate", "diagram", "lessons"})

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
#: sysexits.h's EX_SOFTWARE: an error in this program, told apart from "lint found errors" (1) and bad input (2).
EXIT_BUG = 70


def _command_module(name: str):
    return importlib.import_module(f"explorer.commands.{name}")


class _Parser(argparse.ArgumentParser):
    """argparse's parser, its formatters given the terminal's width as `shutil.get_terminal_size` finds it.

    argparse makes a formatter for every `add_argument` (a metavar check) and its default width imports
    shutil, which imports zlib, bz2 and lzma: 2 ms of every start for a width only `--help` reads.
    The sub-commands' parsers are of this class too (argparse makes them of their parent's).
    """

    def _get_formatter(self) -> argparse.HelpFormatter:
        return self.formatter_class(prog=self.prog, width=_columns() - 2)  # type: ignore[call-arg]


def _columns() -> int:
    """`shutil.get_terminal_size().columns`: $COLUMNS, else stdout's terminal, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


def build_parser(command: str | None = None, listing_only: bool = False) -> argparse.ArgumentParser:
    """The parser for `command` (None: the TUI's options and every command).

    `listing_only`, with no command: the other commands get a name and a help line each, enough to list
    them and to reject a misspelt one, without importing their modules (the TUI starts sooner).
    """
    parser = _Parser(
        prog="ingress-explorer",
        description="Teach and debug Kubernetes Ingress: see how a request travels "
        "client -> load balancer -> Ingress -> Service -> Pod, as ingress-nginx or GKE would route it.",
        epilog="Run a command with --help for its options, e.g. `ingress-explorer route --help`.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    if command is None and "tui" in COMMANDS:
        _command_module("tui").add_arguments(parser)  # `ingress-explorer -f x` opens the TUI
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        # Without a command, `--help` lists them all; with one, only its parser is made (each parser costs
        # argparse about 0.4 ms of gettext look-ups, and the command's module its imports).
        if listing_only and command is None and name != "tui":
            sub.add_parser(name, help=help_text, add_help=False)
        elif command is None or name == command:
            _command_module(name).add_parser(sub, help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; `argv` None: the process's own (`sys.argv`), which ends when main returns."""
    whole_process = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    if command not in COMMANDS:
        command = None
    if command in ONE_SHOT:  # the process ends with the answer (commands/collector.py)
        with collector.off_until_exit() if whole_process else collector.off():
            return _run(argv, command)
    return _run(argv, command)


def _run(argv: list[str], command: str | None) -> int:
    parser = build_parser(command, listing_only=not {"-h", "--help"} & set(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if args.command is None:
        if "tui" in COMMANDS:
            return _command_module("tui").run(args)
        parser.print_help()
        return EXIT_OK
    streams = sys.stdout, sys.stderr
    if args.command not in ("tui", "web"):  # the TUI owns its terminal and escapes through Textual
        sys.stdout, sys.stderr = _escaping(sys.stdout), _escaping(sys.stderr)
    try:
        return _command_module(args.command).run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a bug, never a traceback on bad input
        print(bug_message(exc), file=sys.stderr)
        return EXIT_BUG
    finally:
        sys.stdout, sys.stderr = streams


def _escaping(stream: TextIO) -> Any:  # an EscapingStream, standing in for sys.stdout/stderr
    """Control characters from manifests and clients are shown escaped in every line a command prints."""
    from explorer.commands.common import use_colour
    from explorer.printable import EscapingStream

    return EscapingStream(stream, keep_colour=use_colour(stream))
