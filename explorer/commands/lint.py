"""`ingress-explorer lint`: every reason an Ingress does not work, like a compiler would say it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from explorer.commands.common import Style, add_cluster_options, add_source_options, is_live, open_source, use_colour

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

EPILOG = """\
examples:
  ingress-explorer lint -f sample-manifests/article-v1
  ingress-explorer lint -f k8s/ --controller gce -o json
  kubectl get ingress,svc,deploy,secret -n shop -o yaml | ingress-explorer lint -f - -n shop
  ingress-explorer lint -f k8s/ --severity warning     # CI: fail on warnings too

output:
  text: one line per finding, file:line: severity CODE object field: message (hint) [lesson: id],
        then a summary line; coloured on a terminal (NO_COLOR turns it off).
  json: {"findings": [{code, severity, message, object, field, file, line, hint, lesson}],
         "summary": {"errors": N, "warnings": N, "infos": N}}

severity:
  error    the apiserver would refuse it, or it can never route
  warning  accepted, but broken, risky or deprecated
  info     worth knowing; nothing to fix

exit status:
  0  no error (or, with --severity, nothing at or above that level)
  1  an error was found (or, with --severity, anything at or above that level)
  2  usage or input error: no -f given, or nothing could be loaded

Every code is listed in docs/findings.md.
"""


def add_parser(sub: argparse._SubParsersAction, help_text: str) -> None:
    parser = sub.add_parser(
        "lint", help=help_text,
        description="Check manifests for every reason an Ingress does not work: what the apiserver refuses, "
        "what the controller refuses or reads differently, and what does not connect (Ingress -> Service -> "
        "Pod, TLS Secrets). Each finding has a code, file:line, the field, a hint and the lesson that "
        "teaches it.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source_options(parser)
    add_cluster_options(parser)
    parser.add_argument(
        "--controller", choices=("auto", "nginx", "gce"), default="auto",
        help="auto (default): check each Ingress for the controller its class names, and an Ingress naming "
        "none for no controller in particular; nginx or gce: check every Ingress for that controller",
    )
    parser.add_argument("-o", "--output", choices=("text", "json"), default="text",
                        help="text for people (default), json for scripts")
    parser.add_argument(
        "--severity", choices=("error", "warning", "info"), default=None,
        help="report only findings at this level or above, and exit 1 when any is reported "
        "(default: report all, exit 1 on errors)",
    )


def run(args: argparse.Namespace) -> int:
    from explorer.diagnostics import check
    from explorer.model.source import SourceError
    from explorer.routing import get_profile

    try:
        with open_source(args) as source:  # -f files, or a live cluster with --context/--kubeconfig/-A
            state = source.snapshot()
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    choice = "auto" if args.controller == "auto" else get_profile(args.controller)
    findings = check(state, choice)
    if args.severity:
        findings = [f for f in findings if f.at_least(args.severity)]
        failed = bool(findings)
    else:
        failed = any(f.severity == "error" for f in findings)
    if args.output == "json":
        write_json(findings, sys.stdout)
    else:
        write_text(findings, sys.stdout, Style(use_colour(sys.stdout)), args.controller, len(state.objects))
    if not state.objects and not is_live(args):  # an empty namespace of a cluster is an answer
        print(f"error: no objects loaded from {', '.join(args.files)}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_FINDINGS if failed else EXIT_OK


def counts(findings) -> dict[str, int]:
    return {
        "errors": sum(f.severity == "error" for f in findings),
        "warnings": sum(f.severity == "warning" for f in findings),
        "infos": sum(f.severity == "info" for f in findings),
    }


def write_json(findings, out: TextIO) -> None:
    json.dump({"findings": [f.as_dict() for f in findings], "summary": counts(findings)}, out, indent=2,
              ensure_ascii=False)
    out.write("\n")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def write_text(findings, out: TextIO, style: Style, controller: str, objects: int) -> None:
    """Grouped by file, like a compiler: `file:line: severity CODE ...`, then the hint and lesson below."""
    paint = {"error": lambda t: style.bold(style.red(t)), "warning": style.yellow, "info": style.cyan}
    current = None
    for f in findings:  # check() sorts them by file and line
        if f.location.file != current:
            if current is not None:
                print(file=out)
            current = f.location.file
            print(style.bold(style.cyan(current)), file=out)
        what = " ".join(part for part in (f.object, f.field) if part)
        line = f"{style.bold(str(f.location))}: {paint[f.severity](f.severity)} {style.dim(f.code)} "
        line += f"{what + ': ' if what else ''}{f.message}"
        print(line, file=out)
        if f.hint:
            print(f"    hint: {f.hint}", file=out)
        if f.lesson:
            print(style.dim(f"    lesson: {f.lesson} (ingress-explorer lessons start {f.lesson})"), file=out)
    if findings:
        print(file=out)
    n = counts(findings)
    files = len({f.location.file for f in findings})
    summary = (f"{_plural(n['errors'], 'error')}, {_plural(n['warnings'], 'warning')}, "
               f"{_plural(n['infos'], 'info')}")
    where = f" in {_plural(files, 'file')}" if findings else ""
    tail = f" ({_plural(objects, 'object')} checked, controller: {controller})"
    colour = style.red if n["errors"] else style.yellow if n["warnings"] else style.green
    print(colour(summary + where) + style.dim(tail), file=out)
