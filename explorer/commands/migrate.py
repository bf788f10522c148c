"""`ingress-explorer migrate`: Ingress -> Gateway API manifests, proven request by request.

Writes the manifests into a new (or empty) directory, lists every annotation
with how it was handled, and routes probe requests through both sides
(explorer/migrate/proof.py); exit 0 when they answer alike, 1 on differences.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from explorer.commands.common import Style, add_controller_option, report_problems, use_colour

#: The text report shows this many requests of each cause; `--report json` lists every one.
SHOWN_PER_CAUSE = 3

EXAMPLES = """\
examples:
  ingress-explorer migrate -f sample-manifests/article --controller gce -o gateway-api/
  ingress-explorer migrate -f manifests/ -o out/ --gateway-class nginx --report json
  ingress-explorer migrate -f gke/ --controller gce --emitter gke -o out/

The proof compares, for every probe request: the backend service:port a request is forwarded to (with
the weighted split, the Host and the headers the backend gets, the protocol to it; the upstream path
with --upstream-paths), or the status (and Location) the front end answers itself. Bodies are not
compared; what neither engine simulates (timeouts, health checks, GKE policies) is listed instead.

exit status: 0 equivalent, 1 differences found, 2 for usage or input errors and refused writes.
"""


def add_parser(sub: argparse._SubParsersAction, help_text: str) -> None:
    parser = sub.add_parser(
        "migrate", help=help_text,
        description="Write Gateway API manifests (Gateway, HTTPRoutes, ReferenceGrants) for the Ingresses "
        "a controller serves, list what could not be converted, and prove the result answers like the "
        "Ingress, request by request.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-f", "--filename", dest="files", action="append", default=[], metavar="PATH",
                        help="a manifest file or a directory (read recursively); repeatable")
    add_controller_option(parser)
    parser.add_argument("-o", "--output-dir", metavar="DIR", required=True,
                        help="where to write the Gateway API manifests: a new or empty directory")
    parser.add_argument("--gateway-class", metavar="NAME",
                        help="gatewayClassName of the Gateways (default: the Ingress class for nginx; for gce "
                        "GKE's mapping: gce -> gke-l7-global-external-managed, gce-internal -> gke-l7-rilb)")
    parser.add_argument("--emitter", choices=("standard", "gke"), default="standard",
                        help="standard: Gateway API objects only; gke: also GKE Gateway's policies "
                        "(HealthCheckPolicy, GCPBackendPolicy from BackendConfig, GCPGatewayPolicy from a "
                        "FrontendConfig sslPolicy) and a GKE gateway class")
    parser.add_argument("--upstream-paths", action="store_true",
                        help="also compare the path each backend is asked for (a rewrite-target with capture "
                        "groups, which Gateway API cannot say, then differs on every request it rewrites)")
    parser.add_argument("--report", choices=("text", "json"), default="text", help="report format (stdout)")
    parser.add_argument("--force", action="store_true", help="write into DIR even when it is not empty")
    parser.add_argument("-n", "--namespace", default="default",
                        help="namespace for objects that name none (default: default)")


def run(args: argparse.Namespace) -> int:
    from explorer.migrate.proof import migrate_and_prove
    from explorer.model.load import STDIN, load
    from explorer.routing import get_profile

    if not args.files:
        print("error: no manifests given: pass -f FILE or -f DIR", file=sys.stderr)
        return 2
    if STDIN in args.files:
        print("error: migrate reads files (-f FILE or -f DIR), not stdin", file=sys.stderr)
        return 2
    state = load(args.files, namespace=args.namespace)
    report_problems(state.problems, sys.stderr)
    if any(p.severity == "error" for p in state.problems) or state.skipped:
        print("error: fix the manifests above first; nothing written", file=sys.stderr)
        return 2
    if not state.ingresses:
        print(f"error: no Ingress in {', '.join(args.files)}: nothing to migrate", file=sys.stderr)
        return 2
    profile = get_profile(args.controller)
    result = migrate_and_prove(state, profile, args.gateway_class, args.emitter, args.upstream_paths)
    written = _write(Path(args.output_dir), result.files, args)
    if written is None:
        return 2
    m, proof = result.migration, result.proof
    if args.report == "json":
        report: dict[str, Any] = {
            "gateways": m.gateways, "files": written,
            "annotations": [a.as_dict() for a in m.annotations], "notes": m.notes,
            "notSimulated": m.not_simulated,
            "probes": proof.probes, "differences": [d.as_dict() for d in proof.differences],
            "equivalent": proof.equivalent,
        }
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(_text(result, written, Style(use_colour(sys.stdout))))
    return 0 if proof.equivalent else 1


def _write(out: Path, files: dict[str, str], args: argparse.Namespace) -> list[str] | None:
    from explorer.fsio import WriteRefused, refuse_overwriting_input, write_atomic

    if out.exists() and not out.is_dir():
        print(f"error: {out} is not a directory; nothing written", file=sys.stderr)
        return None
    if out.is_dir() and any(out.iterdir()) and not args.force:
        print(f"error: {out} is not empty; nothing written (choose a new directory, or add --force)",
              file=sys.stderr)
        return None
    targets = [out / name for name in files]
    for target in targets:
        try:
            refuse_overwriting_input(target, args.files)
        except WriteRefused as exc:
            print(f"error: {exc}", file=sys.stderr)
            return None
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for target, text in zip(targets, files.values()):
            write_atomic(target, text)
            written.append(os.fspath(target))
    except OSError as exc:
        print(f"error: cannot write into {out}: {exc.strerror or exc}", file=sys.stderr)
        return None
    return written


def _text(result: Any, written: list[str], style: Style) -> str:
    m, proof = result.migration, result.proof
    not_converted = [a for a in m.annotations if a.handling != "converted"]
    verdict = style.green("equivalent") if proof.equivalent else style.red(f"{len(proof.differences)} difference(s)")
    lines = [f"{len(m.gateways)} Gateway(s), {len(written)} file(s) written; {proof.probes} probes: {verdict}; "
             f"{len(not_converted)} annotation(s) not converted or unknown"]
    for path in written:
        lines.append(f"  wrote {path}")
    for note in m.notes:
        lines.append(f"  note: {note}")
    for a in m.annotations:
        mark = {"converted": style.green, "not-converted": style.red, "unknown": style.yellow}[a.handling]
        lines.append(f"  {mark(a.handling):<13} {a.ingress} {a.annotation}: {a.why}")
    groups: dict[str, list[Any]] = {}
    for d in proof.differences:
        groups.setdefault(d.cause, []).append(d)
    for note in m.not_simulated:
        lines.append(f"  not simulated: {note} (written; the proof compares routing answers only)")
    for cause, diffs in groups.items():
        lines.append("")
        lines.append(style.bold(f"{len(diffs)} difference(s): {cause}"))
        for d in diffs[:SHOWN_PER_CAUSE]:
            sent = "".join(f" ({name}: {value})" for name, value in d.headers.items())
            lines.append(f"  {d.method} {d.url}{sent}")
            lines.append(f"    before: {d.before_text}")
            lines.append(f"    after:  {d.after_text}")
        if len(diffs) > SHOWN_PER_CAUSE:
            lines.append(f"  ... and {len(diffs) - SHOWN_PER_CAUSE} more with this cause (--report json lists each)")
    return "\n".join(lines) + "\n"
