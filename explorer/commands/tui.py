"""`ingress-explorer` with no command (or `ingress-explorer tui`): the terminal explorer.

Only argparse work happens at import; textual is imported in `run()`, so
`ingress-explorer route --help` never pays for it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from explorer import data
from explorer.commands.common import add_cluster_options, add_controller_option, add_source_options, is_live

#: The scenario opened when no -f is given: the article's setup written for networking.k8s.io/v1.
BUNDLED_SCENARIO = "article-v1"

EXAMPLES = """\
examples:
  ingress-explorer                                   the article's setup, as ingress-nginx routes it
  ingress-explorer --controller gce                  the same, as GKE routes it
  ingress-explorer -f gateway/ --controller gateway  Gateways and HTTPRoutes: requests go through them
  ingress-explorer -f k8s/ -n shop                   your own manifests
  ingress-explorer -f ingress.yaml -f services.yaml  several files
  ingress-explorer --context dev -n shop             a live cluster, kept current as it changes (read-only)

keys: ? help, : command bar (:ns, :lesson N), / filter, c switch controller, r send request, s screenshot
(to $INGRESS_EXPLORER_SCREENSHOTS, else your pictures or data folder), q quit (ctrl+c at once).
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The TUI's options, shared by the top-level parser and the `tui` subcommand."""
    add_source_options(parser)
    add_cluster_options(parser)
    add_controller_option(parser, gateway=True)
    parser.add_argument(
        "--no-proxy", action="store_true",
        help="do not start the embedded proxy: requests are routed and explained, but not sent",
    )


def add_parser(sub: argparse._SubParsersAction, help_text: str) -> None:
    parser = sub.add_parser(
        "tui", help=help_text, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Explore Ingresses, see how a request travels, and send requests through an embedded proxy.",
    )
    add_arguments(parser)


def bundled_scenario() -> Path:
    """The article's setup, from the sample manifests shipped with the tool (package data)."""
    return data.folder(f"{data.SAMPLES}/{BUNDLED_SCENARIO}")


def run(args: argparse.Namespace) -> int:
    if is_live(args):
        return run_live(args)
    sources: list[str] = list(args.files)
    if not sources:
        sources = [str(bundled_scenario())]
    missing = [s for s in sources if s != "-" and not Path(s).exists()]
    if missing:
        for source in missing:
            print(f"error: {source}: no such file or directory (check the path given with -f)", file=sys.stderr)
        return 2
    if "-" in sources:
        print("error: -f - (stdin) cannot be used with the TUI, which needs the terminal; "
              "save the manifests to a file and pass -f FILE", file=sys.stderr)
        return 2

    from explorer.tui.gcpause import start_paused

    start_paused()  # no garbage collection until the first frame is on screen (the app ends the pause then)
    from explorer.tui import create_app

    app = create_app(sources, namespace=str(args.namespace), controller=args.controller,
                     start_proxy=not args.no_proxy)
    app.run()
    return app.return_code or 0


def run_live(args: argparse.Namespace) -> int:
    """The TUI on a cluster: read it fully before the first frame, so a failure is one line and nothing drawn."""
    from explorer.commands.common import open_live

    opened = open_live(args)
    if opened is None:
        return 2
    source, state = opened

    from explorer.tui import create_app

    app = create_app([], controller=args.controller, start_proxy=not args.no_proxy, source=source,
                     first_state=state, kubeconfig=args.kubeconfig)
    try:
        app.run()
    finally:
        source.close()  # the app closes it when it ends; this covers an app that never started
    return app.return_code or 0
