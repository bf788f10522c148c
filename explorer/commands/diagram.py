"""`ingress-explorer diagram`: the traffic flow of each Ingress path, for a terminal, slides or docs."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from explorer.commands.common import add_controller_option, add_source_options, chosen_controller, load_sources, use_colour
from explorer.fsio import refuse_overwriting_input, write_atomic

if TYPE_CHECKING:
    from explorer.export.boxes import Diagram
    from explorer.model import ClusterState

FORMATS = ("text", "mermaid", "dot", "svg")
SUFFIXES = {".txt": "text", ".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot", ".svg": "svg"}

EXAMPLES = """\
examples:
  ingress-explorer diagram -f sample-manifests/article-v1                      # boxes, as the TUI draws them
  ingress-explorer diagram -f sample-manifests/article-v1 --controller gce -o flow.svg
  ingress-explorer diagram -f manifests/ --ingress shop/web --format mermaid  # paste into Markdown
  ingress-explorer diagram -f manifests/ --format dot | dot -Tpng -o flow.png
  ingress-explorer diagram -f sample-manifests/gateway-api --controller gateway   # Gateway → HTTPRoute rule → Service

text and svg draw one flow per path (svg is the terminal picture); mermaid and dot draw one graph
in which the paths share their load balancer, Services and Pods.
exit status: 0 drawn, 2 for usage or input errors (no Ingress, unknown --ingress).
"""


def add_parser(sub: argparse._SubParsersAction, help_text: str) -> None:
    parser = sub.add_parser(
        "diagram", help=help_text,
        description="Draw the way a request travels for each path of an Ingress (or of all Ingresses): "
        "client, load balancer, controller, rule, Service, node, Pods, with what is broken and why.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source_options(parser)
    add_controller_option(parser, gateway=True)
    parser.add_argument("--ingress", metavar="NS/NAME", help="draw only this Ingress (default: every Ingress)")
    parser.add_argument("--gateway", metavar="NS/NAME",
                        help="--controller gateway: draw only this Gateway (default: every Gateway)")
    parser.add_argument("--format", choices=FORMATS,
                        help="text (default), mermaid, dot or svg; with -o, taken from the file's suffix "
                             "(.mmd, .dot, .svg) when not given")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument("--width", type=int, metavar="COLUMNS",
                        help="text and svg: lay the boxes out for this many columns "
                             "(default: the terminal's width, 120 when not a terminal)")


def run(args: argparse.Namespace) -> int:
    from explorer.export.boxes import render
    from explorer.export.flowboxes import diagram_for_row
    from explorer.export.graph import merge
    from explorer.routing import get_profile
    from explorer.topology import ingress_rows

    fmt = args.format or (SUFFIXES.get(Path(args.output).suffix.lower(), "text") if args.output else "text")
    if args.width is not None and args.width < 40:
        print("error: --width must be at least 40 columns", file=sys.stderr)
        return 2
    state = load_sources(args, sys.stderr)  # the stream of now, not of import time (tests swap it)
    if state is None:
        return 2
    args.controller = chosen_controller(args.controller, state, sys.stderr)
    if args.controller == "gateway":
        found = _gateway_drawn(state, args)
        if found is None:
            return 2
        drawn, title = found
    else:
        found = None
    profile = get_profile("nginx" if args.controller == "gateway" else args.controller)
    keys = [ingress.meta.key for ingress in state.ingresses]
    if found is None:
        if not keys:
            print(f"error: no Ingress in {', '.join(args.files)}: nothing to draw", file=sys.stderr)
            return 2
        if args.ingress and args.ingress not in keys:
            print(f"error: no Ingress {args.ingress}; the Ingresses are {', '.join(keys)} (write NAMESPACE/NAME)",
                  file=sys.stderr)
            return 2
        rows = [row for row in ingress_rows(state, profile) if not args.ingress or row.ingress == args.ingress]
        drawn = [(row.ingress, diagram_for_row(profile, row).diagram) for row in rows]
        title = f"{args.ingress or ', '.join(keys)} on {profile.title}"
    colour = fmt == "text" and not args.output and use_colour(sys.stdout)

    if fmt in ("mermaid", "dot"):
        graph = merge([diagram for _, diagram in drawn], title)
        if fmt == "mermaid":
            from explorer.export.mermaid import to_mermaid
            output = to_mermaid(graph)
        else:
            from explorer.export.dot import to_dot
            output = to_dot(graph)
    else:
        from rich.text import Text

        width = args.width or (shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() and not args.output
                               else 120)
        if fmt == "svg" and args.width is None:  # a picture has no columns to keep to: no box cuts its text
            from explorer.export.svg import uncut_width
            width = uncut_width([diagram for _, diagram in drawn], width)
        picture = Text(no_wrap=True, end="")
        shown = None
        for ingress, diagram in drawn:
            if picture:
                picture.append("\n\n")
            if ingress != shown:
                heading = f"Gateway {ingress} (Gateway API)" if found is not None else f"Ingress {ingress} on {profile.title}"
                picture.append(heading + "\n", style="bold underline")
                shown = ingress
            picture.append_text(render(diagram, width, whole_names=fmt == "svg"))
        if fmt == "svg":
            from explorer.export.svg import to_svg
            output = to_svg(picture, title)
        elif colour:
            from rich.console import Console
            Console(file=sys.stdout, force_terminal=True, width=width, soft_wrap=True).print(picture, crop=False)
            return 0
        else:
            output = picture.plain + "\n"
    if args.output:
        try:
            refuse_overwriting_input(args.output, state.sources)
            write_atomic(args.output, output)
        except OSError as exc:
            print(f"error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"wrote {fmt} diagram of {len(drawn)} path(s) to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(output)
    return 0


def _gateway_drawn(state: "ClusterState", args: argparse.Namespace) -> "tuple[list[tuple[str, Diagram]], str] | None":
    """(drawn, title) for --controller gateway, or None after saying why there is nothing to draw."""
    from explorer.export.gatewayboxes import gateway_diagrams
    from explorer.routing.gateway import routing_for

    keys = [g.meta.key for g in state.gateways]
    if not keys:
        print(f"error: no Gateway in {', '.join(args.files)}: nothing to draw", file=sys.stderr)
        return None
    if args.gateway and args.gateway not in keys:
        print(f"error: no Gateway {args.gateway}; the Gateways are {', '.join(keys)} (write NAMESPACE/NAME)",
              file=sys.stderr)
        return None
    return gateway_diagrams(state, routing_for(state), args.gateway), f"{args.gateway or ', '.join(keys)} (Gateway API)"
