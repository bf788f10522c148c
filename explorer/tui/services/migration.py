"""What the Migrate view needs beside the core: one request through both sides, YAML to show, files to write.

No textual here. The migration and its proof are `explorer.migrate` (the view
runs them step by step, `explorer.migrate.stepwise`); this pairs a request's
two answers the way the proof pairs them (the Gateway made for the load
balancer that answered), cuts the YAML shown to what fits on a screen, and
writes the files as `ingress-explorer migrate -o DIR` does: a new or empty
directory (a non-empty one only when the user said so), never over an input.
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import explorer
from explorer.fsio import WriteRefused, refuse_overwriting_input, write_atomic
from explorer.migrate.proof import Result, gateway_outcome, outcome_of
from explorer.model.redact import redact_text
from explorer.model.state import ClusterState
from explorer.routing import ControllerProfile, Decision, Request, route
from explorer.routing.gateway import GatewayDecision, GatewaySelectionError, route_gateway, routing_for

#: A pane shows every document while they are this many lines at most; past it, only those the request used.
WHOLE_LINES = 1000
#: A document longer than this (a shared Gateway with 2,000 HTTPS listeners) is cut to its start and the lines
#: around those the request used: highlighting is done on the event loop, and 400,000 characters held it a minute.
DOCUMENT_LINES = 300
#: Lines kept above and below each line the request used, in a cut document.
AROUND = 12
#: The name the written folder gets, after the input's own: `manifests/` -> `manifests-gateway-api/`.
OUTPUT_SUFFIX = "-gateway-api"


# ---------------------------------------------------------------- one request, both sides

@dataclass
class Both:
    """One request as the Ingress answers it on its controller, and as the generated Gateway API does."""

    request: Request
    before: Decision
    after: GatewayDecision | None  # None: no Gateway takes it (`after_why` says why)
    after_why: str
    gateway: str  # the Gateway it was sent to ("" when none could be chosen)
    before_outcome: tuple[Any, ...]
    after_outcome: tuple[Any, ...]

    @property
    def same(self) -> bool:
        """Alike as the proof compares them: backend service:port, or status (and Location)."""
        return self.before_outcome == self.after_outcome


def route_both(state: ClusterState, profile: ControllerProfile, result: Result, request: Request) -> Both:
    """Route `request` through the Ingresses and through the Gateway made for the load balancer that answered."""
    before = route(state, profile, request)
    migration = result.migration
    gateway = ""
    if before.load_balancer in migration.gateway_of:  # GKE: each Ingress is its own load balancer and Gateway
        gateway = migration.gateway_of[before.load_balancer]
    elif before.ingress is not None and before.ingress.meta.key in migration.gateway_of:
        gateway = migration.gateway_of[before.ingress.meta.key]
    elif len(set(migration.gateway_of.values())) == 1:
        gateway = next(iter(migration.gateway_of.values()))
    after: GatewayDecision | None
    why = ""
    try:
        after = route_gateway(routing_for(result.generated), request, gateway or None)
        gateway = after.gateway
    except GatewaySelectionError as exc:
        after, why = None, str(exc)
    return Both(request, before, after, why or (after.reason if after else ""), gateway,
                outcome_of(before, state), gateway_outcome(after))


def outcome_text(outcome: tuple[Any, ...]) -> str:
    """An outcome of the proof in a few words: "forward to default/web:80", "308 redirect to https://a/"."""
    if outcome[0] == "forward":
        return f"forward to {outcome[1]}"
    if outcome[0] == "redirect":
        return f"{outcome[1]} redirect to {outcome[2]}"
    if outcome[0] == "refused":
        return "connection refused"
    return f"{outcome[1]} from the front end"


def chosen_lines(entries: Iterable[Any], file: str | None = None) -> set[tuple[str, int]]:
    """(file, line) of the trace entries that were chosen: the lines the request used."""
    out: set[tuple[str, int]] = set()
    for entry in entries:
        location = getattr(entry, "location", None)
        if entry.verdict == "chosen" and location is not None and location.line and \
                (file is None or location.file == file):
            out.add((location.file, location.line))
    return out


def before_lines(before: Decision) -> set[tuple[str, int]]:
    lines = chosen_lines(before.trace)
    path = before.path
    if path is not None and path.location is not None and path.location.line:
        lines.add((path.location.file, path.location.line))
    return lines


def after_lines(after: GatewayDecision | None) -> set[tuple[str, int]]:
    return chosen_lines(after.trace) if after is not None else set()


# ---------------------------------------------------------------- YAML to show

@dataclass
class Section:
    """Lines of one file to show: `text` starts at line `first` of `file`; `marked` lines are highlighted."""

    file: str
    text: str
    first: int
    marked: set[int] = field(default_factory=set)


@dataclass
class Shown:
    sections: list[Section]
    note: str = ""  # what was left out, and how to see it


def ingress_sections(state: ClusterState, text_of: Callable[[str], str | None],
                     marked: set[tuple[str, int]], whole_lines: int = WHOLE_LINES) -> Shown:
    """The Ingress documents as written (Secret values blanked): all of them, or those the request used."""
    starts: dict[str, list[int]] = {}
    for obj in state.objects:
        starts.setdefault(obj.meta.location.file, []).append(obj.meta.location.line)
    for found in starts.values():
        found.sort()
    texts: dict[str, list[str]] = {}
    docs: list[tuple[str, int, list[str]]] = []
    for ingress in state.ingresses:
        file, first = ingress.meta.location.file, ingress.meta.location.line or 1
        if file not in texts:
            text = text_of(file)
            texts[file] = redact_text(text).splitlines() if text is not None else []
        lines = texts[file]
        later = starts.get(file, [])
        at = bisect.bisect_right(later, first)
        end = later[at] - 1 if at < len(later) else len(lines)
        body = _document(lines[first - 1:end])
        if body:
            docs.append((file, first, body))
    total = sum(len(body) for _, _, body in docs)
    if total <= whole_lines:
        chosen = docs
        note = ""
    else:
        used = {f for f, _ in marked}
        chosen = [d for d in docs if d[0] in used and any(d[1] <= line < d[1] + len(d[2])
                                                         for f, line in marked if f == d[0])]
        chosen = chosen or docs[:1]
        note = (f"showing {len(chosen)} of {len(docs):,} Ingresses ({total:,} lines): the one the request "
                "used; route another request to see its own")
    sections: list[Section] = []
    for file, first, body in chosen:
        last = sections[-1] if sections else None
        end = last.first + last.text.count("\n") if last is not None else 0
        between = texts[file][end:first - 1] if last is not None and last.file == file and end < first else None
        if last is not None and between is not None and all(not line.strip() or line.startswith("---")
                                                             for line in between):
            last.text += "\n" + "\n".join([*between, *body])  # the next document in the file: one block
        else:
            sections.append(Section(file, "\n".join(body), first))
    sections, cut = _cut_long(sections, marked) if note else (sections, "")  # (whole: at most WHOLE_LINES)
    _mark(sections, marked)
    return Shown(sections, _joined(note, cut))


def generated_sections(files: Mapping[str, str], marked: set[tuple[str, int]],
                       whole_lines: int = WHOLE_LINES) -> Shown:
    """The files to write: whole, or (past `whole_lines`) the documents the request used."""
    total = sum(text.count("\n") + 1 for text in files.values())
    if total <= whole_lines:
        sections = [Section(name, text.rstrip("\n"), 1) for name, text in files.items()]
        _mark(sections, marked)
        return Shown(sections)
    sections = []
    documents = 0
    for name, text in files.items():
        lines = text.splitlines()
        bounds = [0] + [i + 1 for i, line in enumerate(lines) if line == "---"] + [len(lines) + 1]
        documents += len(bounds) - 1
        lines_used = sorted(line for f, line in marked if f == name)
        for start, end in zip(bounds, bounds[1:]):
            if any(start < line <= end for line in lines_used) or (not marked and not sections):
                body = lines[start:end - 1] if end <= len(lines) else lines[start:]
                sections.append(Section(name, "\n".join(body), start + 1))
    shown = len(sections)
    sections, cut = _cut_long(sections, marked)
    _mark(sections, marked)
    return Shown(sections, _joined(f"showing {shown} of {documents:,} documents ({total:,} lines): those the "
                                   "request used; w writes them all", cut))


def _cut_long(sections: list[Section], marked: set[tuple[str, int]]) -> tuple[list[Section], str]:
    """Sections past DOCUMENT_LINES cut to their first lines and those around the lines the request used."""
    out: list[Section] = []
    cut = 0
    for section in sections:
        lines = section.text.split("\n")
        if len(lines) <= DOCUMENT_LINES:
            out.append(section)
            continue
        cut += 1
        keep = set(range(min(AROUND, len(lines))))
        for f, line in marked:
            at = line - section.first
            if f == section.file and 0 <= at < len(lines):
                keep.update(range(max(0, at - AROUND), min(len(lines), at + AROUND + 1)))
        start = None
        for i in range(len(lines) + 1):
            if i in keep and start is None:
                start = i
            elif i not in keep and start is not None:
                out.append(Section(section.file, "\n".join(lines[start:i]), section.first + start))
                start = None
    return out, (f"{cut} long document(s) cut to their start and the lines around those the request used"
                 if cut else "")


def _joined(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _document(lines: list[str]) -> list[str]:
    """One document's own lines: up to the next `---`, without trailing blank lines."""
    for i, line in enumerate(lines[1:], start=1):
        if line.rstrip() == "---" or line.startswith("--- "):
            lines = lines[:i]
            break
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _mark(sections: list[Section], marked: set[tuple[str, int]]) -> None:
    for section in sections:
        last = section.first + section.text.count("\n")
        section.marked = {line for f, line in marked if f == section.file and section.first <= line <= last}


# ---------------------------------------------------------------- writing

def default_output_dir(sources: Iterable[str], cwd: Path | None = None) -> Path:
    """A new folder next to the (first) input: `manifests/` -> `manifests-gateway-api/` (then -2, -3, ...).

    The bundled scenarios live inside the installed package (and a folder may
    not be writable): then the new folder goes in the working directory.
    """
    base = cwd or Path.cwd()
    first = next((Path(s) for s in sources if s != "-"), None)
    if first is None:
        stem, parent = "gateway-api", base
    else:
        path = first if first.is_absolute() else base / first
        path = Path(os.path.normpath(path))
        stem = (path.name if path.is_dir() else path.stem) + OUTPUT_SUFFIX
        parent = path.parent
        package = os.path.realpath(Path(explorer.__file__).parent)
        if os.path.realpath(parent).startswith(package + os.sep) or not os.access(parent, os.W_OK):
            parent = base
    candidate = parent / stem
    n = 2
    while candidate.exists():
        candidate = parent / f"{stem}-{n}"
        n += 1
    return candidate


@dataclass(frozen=True)
class OutputCheck:
    """What writing into a directory would do: refused (`error`), or into `entries` things already there."""

    path: Path
    error: str = ""
    entries: int = 0


def check_output_dir(text: str, sources: Iterable[str], names: Iterable[str], cwd: Path | None = None) -> OutputCheck:
    """Can the files `names` be written into the directory `text`? Never into an input, nor over one."""
    text = text.strip()
    if not text:
        return OutputCheck(Path(), "type the directory to write into")
    path = Path(os.path.expanduser(text))
    if not path.is_absolute():
        path = (cwd or Path.cwd()) / path
    path = Path(os.path.normpath(path))
    if path.exists() and not path.is_dir():
        return OutputCheck(path, f"{path} is a file, not a directory: choose a directory (a new one is made)")
    real = os.path.realpath(path)
    for source in sources:
        if source == "-" or not os.path.exists(source):
            continue
        if os.path.isdir(source):
            inside = os.path.realpath(source).rstrip(os.sep)
            if real == inside or real.startswith(inside + os.sep):
                return OutputCheck(path, f"{path} is inside the input {source}: the Gateway API files would be read "
                                         "as input next time; choose a directory outside it")
    for name in names:
        try:
            refuse_overwriting_input(path / name, sources)
        except WriteRefused as exc:
            return OutputCheck(path, exc.strerror or str(exc))
    entries = sum(1 for _ in path.iterdir()) if path.is_dir() else 0
    return OutputCheck(path, "", entries)


def write_files(path: Path, files: Mapping[str, str]) -> list[Path]:
    """Write each file into `path` (made if new), whole or not at all (`write_atomic`); the paths written."""
    path.mkdir(parents=True, exist_ok=True)
    return [write_atomic(path / name, text) for name, text in files.items()]

