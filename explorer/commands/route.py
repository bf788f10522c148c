"""`ingress-explorer route`: which backend each URL reaches, and why."""

from __future__ import annotations

import argparse
import json
import sys

from explorer.commands.common import (
    Style, add_cluster_options, add_controller_option, chosen_controller, add_nginx_config_option, add_source_options, load_state,
    use_colour,
)

EXAMPLES = """\
examples:
  ingress-explorer route -f sample-manifests/article http://foo-bar.com/foo
  ingress-explorer route -f ingress.yaml --controller gce -o json http://shop.example.com/cart
  kubectl get ingress,svc -A -o yaml | ingress-explorer route -f - http://shop.example.com/
  ingress-explorer route -f . -H 'Host: shop.example.com' http://127.0.0.1/cart
  ingress-explorer route -f sample-manifests/nginx-annotations --client-ip 203.0.113.7 http://shop.example.com/admin
  ingress-explorer route -f shop.yaml -X POST -H 'Content-Length: 20000000' http://shop.example.com/upload
  ingress-explorer route -f shop.yaml --nginx-config controller-configmap.yaml http://shop.example.com/
  ingress-explorer route -f sample-manifests/gateway-api --controller gateway -o json http://foo-bar.com/foo
  ingress-explorer route -f gw.yaml --controller gateway --gateway infra/web -H 'version: two' http://example.com/

exit status: 0 when every URL was answered (whatever the answer), 2 for usage or input errors.
"""


def add_parser(sub: argparse._SubParsersAction, help_text: str) -> None:
    parser = sub.add_parser(
        "route", help=help_text, description="Route each URL through the Ingress rules as the chosen "
        "controller would, and say which Ingress, path and backend answer it, and why.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source_options(parser)
    add_cluster_options(parser)
    add_controller_option(parser, gateway=True)
    add_nginx_config_option(parser)
    parser.add_argument("--gateway", metavar="NS/NAME",
                        help="--controller gateway: send the request to this Gateway (default: the only one, or the "
                             "only one with a listener for the URL's port and host)")
    parser.add_argument("--ingress", metavar="NS/NAME",
                        help="send the request to this Ingress's load balancer (gce: each Ingress has its own)")
    parser.add_argument("-X", "--request", dest="method", default="GET", metavar="METHOD",
                        help="HTTP method (default GET; routing does not depend on it)")
    parser.add_argument("-H", "--header", dest="headers", action="append", default=[], metavar="'Name: value'",
                        help="a request header; 'Host: x' overrides the URL's host")
    parser.add_argument("--client-ip", default="127.0.0.1", metavar="ADDR",
                        help="the client address the controller sees, for allow/deny lists (default 127.0.0.1, "
                             "what serve sees from a local curl)")
    parser.add_argument("-o", "--output", choices=("text", "json"), default="text",
                        help="text for people (default), json for scripts")
    parser.add_argument("--trace", action="store_true", help="text output: list every candidate considered")
    parser.add_argument("urls", nargs="+", metavar="URL", help="http:// or https:// URL to route")


def run(args: argparse.Namespace) -> int:
    from explorer.routing import Request, get_profile, route

    headers = []
    for header in args.headers:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            print(f"error: -H {header!r}: write a header as 'Name: value'", file=sys.stderr)
            return 2
        headers.append((name.strip(), value.strip()))
    requests = []
    for url in args.urls:
        try:
            requests.append(Request.from_url(url, args.method, tuple(headers), args.client_ip))
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    state = load_state(args)
    if state is None:
        return 2
    args.controller = chosen_controller(args.controller, state, sys.stderr)
    if args.controller == "gateway":
        from explorer.commands.route_gateway import run_gateway

        return run_gateway(args, state, requests)
    profile = get_profile(args.controller)
    decisions = [route(state, profile, request, args.ingress) for request in requests]
    if args.output == "json":
        json.dump([d.as_dict() for d in decisions], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    style = Style(use_colour(sys.stdout))
    for decision in decisions:
        print(render_text(decision, style, args.trace))
    return 0


_VERDICT_MARK = {"chosen": "✔", "matched": "~", "no-match": "✘", "other-host": "·", "other-load-balancer": "·",
                 "skipped": "!", "not-served": "!", "note": "i"}


def render_text(decision, style: Style, full_trace: bool) -> str:
    d = decision
    head = f"{style.bold(d.request.method)} {d.request.url}"
    if d.outcome == "forward":
        answer = style.green(f"→ {d.backend}")
        if d.used_default_backend == "ingress":
            answer += style.dim(" (defaultBackend)")
    elif d.outcome == "redirect":
        answer = style.yellow(f"→ {d.status} redirect to {d.location}")
    elif d.outcome == "refused":
        answer = style.red("→ connection refused")
    else:
        answer = style.red(f"→ {d.status} from the controller")
    lines = [f"{head}  {answer}"]
    if d.ingress is not None:
        rule = f" rule {d.rule_host or '*'} {d.path.path_type} {d.path.shown_path}" if d.path else ""
        lines.append(f"  ingress: {d.ingress.meta.key}{rule}" + (f"  ({d.path.location})" if d.path else ""))
    if d.outcome == "forward" and d.upstream_path and d.upstream_path != d.request.path:
        lines.append(f"  upstream path: {d.upstream_path}")
    lines.append(f"  why: {d.reason}")
    if len(d.backends) > 1:
        shares = ", ".join(f"{ref} {share:.0%}" for ref, share in d.backends)
        lines.append(f"  backends: {shares} (chosen per request)")
    for report in () if full_trace else d.annotations:  # --trace lists them among its notes
        value = report.value if len(report.value) <= 60 else report.value[:57] + "..."
        note = report.error and f"invalid: {report.error}" or report.suggestion and f"did you mean {report.suggestion}?" \
            or report.note
        lines.append(f"  annotation {report.key}={value!r}: {report.handling}; {note}")
    for line in () if full_trace else d.undecided:  # --trace lists them among its notes
        lines.append(f"  not decided by one request: {line}")
    if full_trace:
        for entry in d.trace:
            mark = _VERDICT_MARK.get(entry.verdict, "?")
            where = f"  {style.dim(str(entry.location))}" if entry.location else ""
            text = f"    {mark} {entry.verdict:<10} {entry.reason}{where}"
            if entry.verdict == "chosen":
                text = style.green(text)
            elif entry.verdict in ("skipped", "not-served"):
                text = style.yellow(text)
            lines.append(text)
    return "\n".join(lines)
