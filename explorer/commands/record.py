"""`ingress-explorer record`: save a live cluster's Ingress-related objects as YAML, to replay with -f."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from explorer.commands.common import CONTEXT_NAMESPACE, add_cluster_options, open_live_source, report_problems

if TYPE_CHECKING:
    from explorer.live.source import LiveSource

EXAMPLES = """\
examples:
  ingress-explorer record --context dev -n shop -o shop-recording
  ingress-explorer record -o now        (the kubeconfig's current-context and namespace)
  ingress-explorer record --context dev -A -o whole-cluster
  ingress-explorer route -f shop-recording http://shop.example.com/cart     (replay, no cluster needed)

What is written: Ingresses, IngressClasses, Services, EndpointSlices, Deployments, StatefulSets,
DaemonSets, Pods, Secrets (names, types and key names only: never their values) and GKE
BackendConfigs/FrontendConfigs where installed. Only get, list and watch are sent to the cluster.

exit status: 0 when written, 2 when the cluster cannot be read or the directory is not new.
"""


def add_parser(sub: argparse._SubParsersAction, help_text: str) -> None:
    parser = sub.add_parser(
        "record", help=help_text, description="Read a live cluster once and write its Ingress-related objects "
        "as YAML files, one per namespace and kind, that `-f DIR` replays without the cluster.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-n", "--namespace", default=CONTEXT_NAMESPACE, metavar="NS",
                        help="namespace to read (default: the context's namespace)")
    add_cluster_options(parser)
    parser.add_argument("-o", "--output", dest="output_dir", required=True, metavar="DIR",
                        help="a new (or empty) directory to write into")


def run(args: argparse.Namespace) -> int:
    from explorer.model.source import SourceError

    from explorer.live.record import write_recording

    try:
        with open_live_source(args) as source:
            state = source.snapshot()
            written = write_recording(source.raw_objects(), args.output_dir, _origin(source))
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report_problems(state.problems, sys.stderr)
    print(f"wrote {len(written)} file(s) to {args.output_dir}: {state.summary()}")
    return 0


def _origin(source: LiveSource) -> str:
    connection = source.connection
    assert connection is not None  # snapshot() connected
    return f"{source.name} ({connection.server}, {connection.scope})"
