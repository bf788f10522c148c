"""`ingress-explorer lint`: every reason an Ingress does not work, like a compiler would say it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Sequence, TextIO

from explorer.commands.common import Style, add_cluster_options, add_source_options, is_live, open_source, use_colour

if TYPE_CHECKING:  # the diagnostics are imported when lint runs, not when the CLI builds its parsers
    from explorer.diagnostics.classes import Choice
    from explorer.diagnostics.finding import Finding
    from explorer.model.location import Severity

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github")
SEVERITIES = ("error", "warning", "info")  # as explorer.diagnostics.finding.SEVERITIES (a test keeps them equal)

EPILOG = """\
examples:
  ingress-explorer lint -f sample-manifests/article-v1
  ingress-explorer lint -f k8s/ --controller gce -o json
  kubectl get ingress,svc,deploy,secret -n shop -o yaml | ingress-explorer lint -f - -n shop
  ingress-explorer lint -f k8s/ --fail-on warning        # CI: fail on warnings too
  ingress-explorer lint -f k8s/ -o sarif > lint.sarif    # GitHub code scanning, GitLab, IDEs
  ingress-explorer lint -f k8s/ -o github                # annotations on the pull request's lines
  ingress-explorer lint -f k8s/ --kube-version 1.30      # the apiserver of Kubernetes 1.30
  kubectl ingress-explorer lint -f .                     # as a kubectl plugin
  ingress-explorer lint k8s/ingress.yaml k8s/app.yaml    # files as arguments (pre-commit's way)

output:
  text:   one line per finding, file:line: severity CODE [stage] object field: message, then the hint
          and the lesson, then a summary line; coloured on a terminal (NO_COLOR turns it off).
  json:   {"findings": [{code, severity, stage, message, object, field, file, line, column, hint, lesson}],
           "summary": {"errors": N, "warnings": N, "infos": N}, "kubernetesVersion": "1.37"};
          its JSON Schema: explorer/diagnostics/lint-output.schema.json
  sarif:  SARIF 2.1.0, one rule per code, help linking docs/findings.md (--docs-url for an absolute link)
  github: GitHub Actions workflow commands (::error file=F,line=L::message), one per finding

severity (how bad):
  error    the apiserver would refuse it, or it can never route
  warning  accepted, but broken, risky or deprecated
  info     worth knowing; nothing to fix

stage (when it bites):
  rejected    the apiserver or an admission webhook refuses it: kubectl apply fails
  ignored     it applies, but no controller serves it (or this part of it)
  broken      served, and traffic fails
  risky       works today, may fail or differ
  deprecated  works, but goes away

exit status:
  0  nothing at or above --fail-on (default: error)
  1  a finding at or above --fail-on
  2  usage or input error: no -f given, or nothing could be loaded

Every code is listed in docs/findings.md.
"""


def add_parser(sub: argparse._SubParsersAction, help_text: str) -> None:
    parser = sub.add_parser(
        "lint", help=help_text,
        description="Check manifests for every reason an Ingress does not work: what the apiserver refuses, "
        "what the controller refuses or reads differently, and what does not connect (Ingress -> Service -> "
        "Pod, TLS Secrets). Each finding has a code, a stage, file:line, the field, a hint and the lesson "
        "that teaches it.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source_options(parser)
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="more manifests, as with -f (how pre-commit and kubeconform pass files)")
    add_cluster_options(parser)
    parser.add_argument(
        "--controller", choices=("auto", "nginx", "gce"), default="auto",
        help="auto (default): check each Ingress for the controller its class names, and an Ingress naming "
        "none for no controller in particular; nginx or gce: check every Ingress for that controller",
    )
    parser.add_argument("-o", "--output", choices=FORMATS, default="text",
                        help="text for people (default), json for scripts, sarif for code scanning, github "
                        "for GitHub Actions annotations")
    parser.add_argument(
        "--severity", choices=SEVERITIES, default=None,
        help="report only findings at this level or above (default: all); without --fail-on, exit 1 "
        "when any is reported",
    )
    parser.add_argument(
        "--fail-on", choices=SEVERITIES, default=None, metavar="{error,warning,info}",
        help="exit 1 when a finding at this level or above is found (default: error)",
    )
    parser.add_argument(
        "--kube-version", "--kubernetes-version", dest="kube_version", default=None, metavar="VERSION",
        help="check fields and types as this Kubernetes release's apiserver does, e.g. 1.30 (as kubeconform's "
        f"--kubernetes-version; default: the newest installed, {_newest() or 'none'})",
    )
    parser.add_argument("--docs-url", default=None, metavar="URL",
                        help="SARIF: absolute URL of docs/findings.md, for each rule's helpUri")


def _newest() -> str:
    from explorer.model.schema import current_version

    return current_version()


def run(args: argparse.Namespace) -> int:
    from explorer.diagnostics import check, report
    from explorer.model.schema import kubernetes_version
    from explorer.model.source import SourceError
    from explorer.routing import get_profile

    args.files = [*args.files, *args.paths]
    try:
        with kubernetes_version(args.kube_version) as version:
            with open_source(args) as source:  # -f files, or a live cluster with --context/--kubeconfig/-A
                state = source.snapshot()
    except ValueError as exc:  # --kube-version names a release with no schemas
        print(f"error: --kube-version: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    choice: Choice = "auto" if args.controller == "auto" else get_profile(args.controller)
    findings = check(state, choice)
    if args.severity:
        findings = [f for f in findings if f.at_least(args.severity)]
    fail_on: Severity = args.fail_on or args.severity or "error"
    failed = any(f.at_least(fail_on) for f in findings)
    if args.output == "json":
        _dump(report.as_json(findings, version), sys.stdout)
    elif args.output == "sarif":
        _dump(report.as_sarif(findings, version, args.docs_url), sys.stdout)
    elif args.output == "github":
        for line in report.github_annotations(findings):
            print(line)
        print(_summary(findings, args.controller, len(state.objects)))
    else:
        write_text(findings, sys.stdout, Style(use_colour(sys.stdout)), args.controller, len(state.objects))
    if not state.objects and not is_live(args):  # an empty namespace of a cluster is an answer
        print(f"error: no objects loaded from {', '.join(args.files)}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_FINDINGS if failed else EXIT_OK


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    from explorer.diagnostics.report import counts as tally

    return tally(findings)


def _dump(document: dict[str, object], out: TextIO) -> None:
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(findings: Sequence[Finding], controller: str, objects: int) -> str:
    n = counts(findings)
    files = len({f.location.file for f in findings})
    summary = (f"{_plural(n['errors'], 'error')}, {_plural(n['warnings'], 'warning')}, "
               f"{_plural(n['infos'], 'info')}")
    where = f" in {_plural(files, 'file')}" if findings else ""
    return summary + where + f" ({_plural(objects, 'object')} checked, controller: {controller})"


def write_text(findings: Sequence[Finding], out: TextIO, style: Style, controller: str, objects: int) -> None:
    """Grouped by file, like a compiler: `file:line: severity CODE [stage] ...`, then the hint and lesson below."""
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
        line += f"{style.dim(f'[{f.stage}]')} {what + ': ' if what else ''}{f.message}"
        print(line, file=out)
        if f.hint:
            print(f"    hint: {f.hint}", file=out)
        if f.lesson:
            print(style.dim(f"    lesson: {f.lesson} (ingress-explorer lessons start {f.lesson})"), file=out)
    if findings:
        print(file=out)
    n = counts(findings)
    colour = style.red if n["errors"] else style.yellow if n["warnings"] else style.green
    summary, _, tail = _summary(findings, controller, objects).partition(" (")
    print(colour(summary) + style.dim(" (" + tail), file=out)
