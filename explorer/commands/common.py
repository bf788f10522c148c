"""Options and output helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

from explorer.model import ClusterState, load
from explorer.model.location import Problem


def add_source_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("manifests")
    group.add_argument(
        "-f", "--filename", dest="files", action="append", default=[], metavar="PATH",
        help="a manifest file, a directory (read recursively) or - for stdin; repeatable, as kubectl's -f",
    )
    group.add_argument(
        "-n", "--namespace", default="default", metavar="NS",
        help="namespace for objects that name none (default: default)",
    )


def add_controller_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--controller", choices=("nginx", "gce"), default="nginx",
        help="whose behaviour to apply: ingress-nginx (nginx, the default) or GKE Ingress (gce)",
    )


def load_sources(args: argparse.Namespace, err: TextIO = sys.stderr) -> ClusterState | None:
    """Load -f sources, printing load problems to stderr. None when nothing could be read."""
    if not args.files:
        print("error: no manifests given: pass -f FILE, -f DIR or -f - (stdin)", file=err)
        return None
    state = load(args.files, namespace=args.namespace)
    report_problems(state.problems, err)
    if not state.objects:
        print(f"error: no objects loaded from {', '.join(args.files)}", file=err)
        return None
    if state.skipped:
        print(f"note: {state.skipped} document(s) skipped; the rest loaded ({state.summary()})", file=err)
    return state


def report_problems(problems: tuple[Problem, ...] | list[Problem], err: TextIO) -> None:
    for problem in problems:
        print(str(problem), file=err)


def use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


class Style:
    """ANSI styling that disappears when output is piped or NO_COLOR is set."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def green(self, text: str) -> str:
        return self._wrap("32", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)

    def red(self, text: str) -> str:
        return self._wrap("31", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)
