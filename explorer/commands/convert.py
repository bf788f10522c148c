"""`ingress-explorer convert`: rewrite removed Ingress apiVersions as networking.k8s.io/v1.

Prints a unified diff and what each change means; files change only with
--write, and -o DIR writes a full converted copy of the manifests there.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.commands.common import Style, add_controller_option, report_problems, use_colour
from explorer.fsio import refuse_overwriting_input, write_atomic
from explorer.model.redact import MARKER

EXAMPLES = """\
examples:
  ingress-explorer convert -f sample-manifests/article                 # show the diff, change nothing
  ingress-explorer convert -f ingress.yaml --controller gce --write      # rewrite ingress.yaml in place
  ingress-explorer convert -f manifests/ -o manifests-v1/                # a converted copy of every file
  kubectl get ingress my-ingress -o yaml | ingress-explorer convert -f -  # converted manifest on stdout

pathType: a v1beta1 path without pathType meant ImplementationSpecific, which ingress-nginx reads
as a prefix and GKE as an exact path (or a /* glob). The pathType written keeps the routing of the
--controller given; paths the other controller now routes differently are listed as warnings.

The proof: the same probe requests (every host, every path at, below and beside it, http and https)
are routed through the manifests as read and as converted, by the --controller given; every request
answered differently is printed on stderr with both answers and the rule behind each.

exit status: 0 converted and equivalent (or nothing to convert), 1 when an Ingress could not be
converted or the proof found a difference, 2 for usage or input errors and refused writes.
"""


def add_parser(sub: argparse._SubParsersAction, help_text: str) -> None:
    parser = sub.add_parser(
        "convert", help=help_text,
        description="Rewrite extensions/v1beta1 and networking.k8s.io/v1beta1 Ingresses as "
        "networking.k8s.io/v1, field by field, keeping comments and key order, and print the diff.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-f", "--filename", dest="files", action="append", default=[], metavar="PATH",
        help="a manifest file, a directory (read recursively) or - for stdin; repeatable",
    )
    add_controller_option(parser)
    parser.add_argument("-o", "--output-dir", metavar="DIR",
                        help="write every manifest read (converted or not) into DIR; existing files there "
                        "are overwritten only with --write")
    parser.add_argument("--write", action="store_true",
                        help="rewrite the files in place (or, with -o, overwrite files in DIR)")


@dataclass
class _File:
    name: str  # as read (and shown in messages)
    target: str  # where -o DIR writes it, relative to DIR
    text: str
    converted: str
    shown_before: str = ""  # Secret values blanked
    shown_after: str = ""
    line_changes: tuple[tuple[int, int, int, int], ...] = ()


def run(args: argparse.Namespace) -> int:
    from explorer.migrate.convert import convert_text
    from explorer.model.load import STDIN, read_sources
    from explorer.routing import get_profile

    if not args.files:
        print("error: no manifests given: pass -f FILE, -f DIR or -f - (stdin)", file=sys.stderr)
        return 2
    if STDIN in args.files and (len(args.files) > 1 or args.output_dir or args.write):
        print("error: -f - prints the converted manifest on stdout; it cannot be combined with other -f, "
              "-o or --write (redirect stdout to a file instead)", file=sys.stderr)
        return 2
    profile = get_profile(args.controller)
    files: list[_File] = []
    unreadable = failed = 0
    for source in args.files:
        for name, text, problem in read_sources(source, None):
            if problem is not None:
                report_problems([problem], sys.stderr)
                unreadable += problem.skipped
                continue
            assert text is not None
            result = convert_text(text, profile, name)
            report_problems(result.notes, sys.stderr)
            failed += result.failed
            files.append(_File(name, _target(source, name), text, result.text, result.shown_before,
                               result.shown_after, result.line_changes))
    if STDIN in args.files:
        for file in files:
            shown = file.shown_after
            if shown != file.converted:
                print(f"warning: {file.name}: Secret values are never printed: they are written as {MARKER}; "
                      "convert a file with --write or -o DIR to keep them", file=sys.stderr)
            sys.stdout.write(shown)
        differs = any(f.converted != f.text for f in files) and not _prove(files, profile, Style(use_colour(sys.stderr)))
        return 2 if unreadable else 1 if failed or differs else 0
    style = Style(use_colour(sys.stdout))
    changed = [f for f in files if f.converted != f.text]
    for file in changed:
        sys.stdout.write(_diff(file, style))
    status = _write(args, files, changed)
    if status:
        return status
    if not changed and not unreadable and not failed:
        print("nothing to convert: no extensions/v1beta1 or networking.k8s.io/v1beta1 Ingress found",
              file=sys.stderr)
    differs = bool(changed) and not _prove(files, profile, Style(use_colour(sys.stderr)))
    return 2 if unreadable else 1 if failed or differs else 0


def _prove(files: list[_File], profile: Any, style: Style) -> bool:
    """Route the same probes through the manifests as read and as converted (stderr); True when alike."""
    from explorer.migrate.proof import prove_conversion
    from explorer.model.load import load_texts

    before = load_texts({f.name: f.text for f in files})
    after = load_texts({f.name: f.converted for f in files})
    proof = prove_conversion(before, after, profile)
    verdict = style.green("equivalent") if proof.equivalent else style.red(f"{len(proof.differences)} difference(s)")
    print(f"proof: {proof.probes} probes through {profile.title}, before and after: {verdict}", file=sys.stderr)
    groups: dict[str, list[Any]] = {}
    for d in proof.differences:
        groups.setdefault(d.cause, []).append(d)
    for cause, diffs in groups.items():
        print(style.bold(f"{len(diffs)} difference(s): {cause}"), file=sys.stderr)
        for d in diffs[:3]:
            print(f"  {d.method} {d.url}\n    before: {d.before_text}\n    after:  {d.after_text}", file=sys.stderr)
        if len(diffs) > 3:
            print(f"  ... and {len(diffs) - 3} more with this cause", file=sys.stderr)
    return proof.equivalent


def _target(source: str, name: str) -> str:
    """A file's path under -o DIR: relative to the directory given, or its own name."""
    if Path(source).is_dir():
        return os.path.relpath(name, source)
    return Path(name).name


def _write(args: argparse.Namespace, files: list[_File], changed: list[_File]) -> int:
    if args.output_dir:
        out = Path(args.output_dir)
        targets = [out / f.target for f in files]
        duplicates = {str(t) for t in targets if targets.count(t) > 1}
        if duplicates:
            print(f"error: several files would be written to {', '.join(sorted(duplicates))}; "
                  "convert them into separate directories", file=sys.stderr)
            return 2
        for target in targets:
            try:
                refuse_overwriting_input(target, args.files)
            except OSError as exc:
                print(f"error: {exc.strerror}; to rewrite the files in place, use --write without -o",
                      file=sys.stderr)
                return 2
        existing = [str(t) for t in targets if t.exists()]
        if existing and not args.write:
            print(f"error: {', '.join(existing)} already exist(s); nothing written (add --write to overwrite)",
                  file=sys.stderr)
            return 2
        for file, target in zip(files, targets):
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                _save(target, file.converted)
            except OSError as exc:
                print(f"error: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
                return 2
        print(f"wrote {len(files)} file(s) to {out} ({len(changed)} converted)", file=sys.stderr)
    elif args.write:
        for file in changed:
            try:
                _save(Path(file.name), file.converted)
            except OSError as exc:
                print(f"error: cannot write {file.name}: {exc.strerror or exc}", file=sys.stderr)
                return 2
        if changed:
            print(f"rewrote {len(changed)} file(s) in place", file=sys.stderr)
    elif changed:
        print("(nothing written: add --write to rewrite the files, or -o DIR for a converted copy)",
              file=sys.stderr)
    return 0


def _save(path: Path, text: str) -> None:
    """Whole or not at all, mode and owner kept (explorer.fsio)."""
    write_atomic(path, text)


def _diff(file: _File, style: Style) -> str:
    colour = {"+++": style.bold, "---": style.bold, "@@": style.cyan, "+": style.green, "-": style.red}
    out = []
    # Context lines are the user's text: a Secret beside the Ingress must not reach the terminal (or CI's log).
    for chunk in _unified(_lines(file.shown_before), _lines(file.shown_after), file.name, file.line_changes):
        for line in chunk.splitlines():
            paint = next((colour[mark] for mark in colour if line.startswith(mark)), str)
            out.append(paint(line) + "\n")
    return "".join(out)


class _KnownChanges(difflib.SequenceMatcher):
    """A matcher told which lines changed, so grouping into hunks costs nothing like a search."""

    def __init__(self, opcodes: list[tuple[str, int, int, int, int]]) -> None:
        super().__init__(None, [], [])
        self._known = opcodes

    def get_opcodes(self) -> list[tuple[str, int, int, int, int]]:  # type: ignore[override]
        return self._known


def _unified(a: list[str], b: list[str], name: str, changes: tuple[tuple[int, int, int, int], ...]) -> list[str]:
    """A unified diff (3 lines of context), linear in the file: each changed region is diffed alone."""
    opcodes: list[Any] = []  # (tag, i1, i2, j1, j2), as difflib's
    i = j = 0
    for a1, a2, b1, b2 in changes:
        if a1 > i:
            opcodes.append(("equal", i, a1, j, b1))
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a[a1:a2], b[b1:b2], autojunk=False).get_opcodes():
            opcodes.append((op, a1 + i1, a1 + i2, b1 + j1, b1 + j2))
        i, j = a2, b2
    if i < len(a) or j < len(b):
        opcodes.append(("equal", i, len(a), j, len(b)))
    merged: list[Any] = []
    for op in opcodes:
        if merged and op[0] == merged[-1][0] == "equal":
            merged[-1] = ("equal", merged[-1][1], op[2], merged[-1][3], op[4])
        elif op[1] != op[2] or op[3] != op[4]:
            merged.append(op)
    out: list[str] = []
    for group in _KnownChanges(merged or [("equal", 0, 0, 0, 0)]).get_grouped_opcodes(3):
        if not out:
            out += [f"--- a/{name}\n", f"+++ b/{name}\n"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for kind, i1, i2, j1, j2 in group:
            if kind == "equal":
                out += [" " + line for line in a[i1:i2]]
                continue
            out += ["-" + line for line in a[i1:i2]]
            out += ["+" + line for line in b[j1:j2]]
    return out


def _range(start: int, stop: int) -> str:
    """difflib's unified range: `start,length`, 1-based; an empty range names the line before it."""
    length = stop - start
    beginning = start + 1 if length else start
    return f"{beginning}" if length == 1 else f"{beginning},{length}"


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
