"""`ingress-explorer route --controller gateway`: the Gateway API front end of `route`."""

from __future__ import annotations

import argparse
import json
import sys

from explorer.commands.common import Style, use_colour
from explorer.model import ClusterState
from explorer.routing import Request
from explorer.routing.gateway import GatewayDecision, GatewaySelectionError, route_gateway, routing_for

_MARK = {"chosen": "✔", "matched": "~", "no-match": "✘", "other-host": "·", "other-listener": "·",
         "not-attached": "!", "note": "i"}


def run_gateway(args: argparse.Namespace, state: ClusterState, requests: list[Request]) -> int:
    if not state.gateways:
        print("error: no Gateway in the manifests: --controller gateway routes through Gateways and the "
              "HTTPRoutes attached to them (apiVersion: gateway.networking.k8s.io/v1)", file=sys.stderr)
        return 2
    routing = routing_for(state)
    decisions = []
    for request in requests:
        try:
            decisions.append(route_gateway(routing, request, args.gateway))
        except GatewaySelectionError as exc:
            print(f"error: {request.url}: {exc}", file=sys.stderr)
            return 2
    if args.output == "json":
        json.dump([d.as_dict() for d in decisions], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    style = Style(use_colour(sys.stdout))
    for decision in decisions:
        print(render_text(decision, style, args.trace))
    return 0


def render_text(d: GatewayDecision, style: Style, full_trace: bool) -> str:
    head = f"{style.bold(d.request.method)} {d.request.url}"
    if d.outcome == "forward" and d.backend:
        answer = style.green(f"→ {d.backend.namespace}/{d.backend.service}:{d.backend.port}")
    elif d.outcome == "redirect":
        answer = style.yellow(f"→ {d.status} redirect to {d.location}")
    elif d.outcome == "refused":
        answer = style.red("→ connection refused")
    else:
        answer = style.red(f"→ {d.status} from the Gateway")
    lines = [f"{head}  {answer}", f"  gateway: {d.gateway}" + (f" listener {d.listener}" if d.listener else "")]
    if d.route_name:
        lines.append(f"  route: HTTPRoute {d.route_namespace}/{d.route_name} rule {d.rule_index} match "
                     f"{d.match_index}" + (f"  ({d.source})" if d.source else ""))
    if len(d.backends) > 1:
        total = sum(b.weight for b in d.backends)
        lines.append("  backends: " + ", ".join(f"{b.service}:{b.port} {b.weight}/{total}"
                                                 + (" (500)" if b.status else "") for b in d.backends))
    if d.outcome == "forward":
        if d.upstream_path and d.upstream_path != d.request.path:
            lines.append(f"  upstream path: {d.upstream_path}")
        if d.upstream_host and d.upstream_host != d.request.host:
            lines.append(f"  upstream host: {d.upstream_host}")
    lines.append(f"  why: {d.reason}")
    for entry in d.trace if full_trace else [e for e in d.trace if e.verdict == "note"]:
        where = f"  {style.dim(str(entry.location))}" if entry.location else ""
        text = f"    {_MARK.get(entry.verdict, '?')} {entry.verdict:<14} {entry.reason}{where}"
        lines.append(style.green(text) if entry.verdict == "chosen" else
                     style.yellow(text) if entry.verdict in ("not-attached", "note") else text)
    return "\n".join(lines)
