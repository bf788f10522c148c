"""Read manifests from files, directories and stdin into a ClusterState.

Nothing here raises on bad input: every file or document that cannot be
read becomes a Problem with file:line, and the rest still loads.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Iterable, Iterator, Mapping

from explorer.model.location import Location, Problem
from explorer.model.normalize import normalize
from explorer.model.redact import seal
from explorer.model.state import ClusterState
from explorer.model.yamldoc import Document, YAMLError, parse_documents

if TYPE_CHECKING:
    from explorer.model.normalize import Model

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
MAX_FILE_BYTES = 512 * 1024 * 1024
STDIN = "-"


def load(
    sources: Iterable[str | os.PathLike[str]],
    namespace: str = "default",
    stdin_text: str | None = None,
) -> ClusterState:
    """Load every source (file, directory, or "-" for stdin) into one state.

    The garbage collector is the program's to tune, not the library's: see
    explorer/commands/collector.py and explorer.tui.gcpause.gc_paused.
    """
    return _load(sources, namespace, stdin_text)


def load_texts(texts: Mapping[str, str], namespace: str = "default",
               sources: Iterable[str] | None = None) -> ClusterState:
    """Load manifests held in memory, one text per file name, as `load` would read those files.

    The editor uses it: creation order runs across the files and an object
    defined in two of them is reported, exactly as when loading from disk.
    """
    names = list(texts) if sources is None else list(sources)
    return _build(((name, text, None) for name, text in texts.items()), namespace, names)


def _load(sources: Iterable[str | os.PathLike[str]], namespace: str, stdin_text: str | None) -> ClusterState:
    names = [os.fspath(source) for source in sources]
    files = (item for source in names for item in read_sources(source, stdin_text))
    return _build(files, namespace, names)


def _build(files: Iterable[tuple[str, str | None, Problem | None]], namespace: str,
           names: list[str]) -> ClusterState:
    objects: list[Model] = []
    problems: list[Problem] = []
    skipped = 0
    order = 0
    for name, text, problem in files:
        if problem is not None:
            problems.append(problem)
            if problem.skipped:
                skipped += 1
            continue
        assert text is not None
        for item in _documents(text, name):
            if isinstance(item, Problem):
                problems.append(item)
                skipped += 1
                continue
            raw, line = item
            result = normalize(raw, name, line, order, namespace)
            order += 1
            problems.extend(result.problems)
            if result.obj is None:
                skipped += 1
            else:
                objects.append(result.obj)
    return _finish(objects, problems, names, skipped)


def _finish(objects: list[Model], problems: list[Problem], names: list[str], skipped: int) -> ClusterState:
    """Later definitions of the same object replace earlier ones, as `kubectl apply` would."""
    seen: dict[tuple[str, str, str], int] = {}
    kept: list[Model | None] = []
    for obj in objects:
        m = obj.meta
        key = (m.kind, m.namespace, m.name)
        if key in seen:
            earlier = kept[seen[key]]
            assert earlier is not None
            problems.append(Problem(
                m.location, f"{m.kind} {m.key} is defined again; this definition replaces the one at "
                f"{earlier.meta.location}", "warning", object=m.ref,
            ))
            kept[seen[key]] = None
        seen[key] = len(kept)
        kept.append(obj)
    return ClusterState([o for o in kept if o is not None], problems, names, skipped)


def load_text(text: str, name: str = "<text>", namespace: str = "default") -> ClusterState:
    """Load manifests held in a string (tests, the editor pane); "-" reads it as stdin."""
    if name == STDIN:
        return load([STDIN], namespace, stdin_text=text)
    return load_texts({name: text}, namespace)


def read_sources(source: str, stdin_text: str | None) -> Iterator[tuple[str, str | None, Problem | None]]:
    """(name, text, None) for each readable file of a source, or (name, None, problem)."""
    if source == STDIN:
        if stdin_text is None:
            data = read_bounded(sys.stdin.buffer)
        else:
            data = stdin_text.encode()
        yield _decode("<stdin>", data)
        return
    path = Path(source)
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*")
            if p.suffix.lower() in MANIFEST_SUFFIXES and p.is_file() and not _hidden(p, path)
        )
        if not files:
            yield source, None, Problem(Location(source), "no *.yaml, *.yml or *.json files in this directory",
                                        "warning")
        for file in files:
            yield _read_file(file)
        return
    if not path.exists():
        yield source, None, Problem(Location(source), "no such file or directory",
                                    hint="check the path given with -f", skipped=True)
        return
    yield _read_file(path)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _read_file(path: Path) -> tuple[str, str | None, Problem | None]:
    name = str(path)
    try:
        mode = os.stat(path).st_mode  # a socket cannot even be opened: say what it is first
        if not stat.S_ISREG(mode):
            return name, None, _not_regular(name, mode)
        # O_NONBLOCK: should a FIFO replace the file meanwhile, opening it must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        return name, None, Problem(Location(name), f"cannot read: {exc.strerror or exc}", skipped=True)
    with open(fd, "rb", closefd=True) as handle:
        try:
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                return name, None, _not_regular(name, mode)
            size = os.fstat(fd).st_size
            if size > MAX_FILE_BYTES:
                return name, None, Problem(
                    Location(name), f"file is {size / 2**20:.0f} MiB, over the {MAX_FILE_BYTES // 2**20} MiB limit",
                    hint="split it, or load only the objects you need", skipped=True,
                )
            os.set_blocking(fd, True)
            data = read_bounded(handle, size)
        except OSError as exc:
            return name, None, Problem(Location(name), f"cannot read: {exc.strerror or exc}", skipped=True)
    return _decode(name, data)


def read_bounded(handle: BinaryIO, expected: int = 0, limit: int = MAX_FILE_BYTES) -> bytes:
    """At most `limit` + 1 bytes: bounded as it reads, since a file may grow (or lie about its size) meanwhile."""
    chunks = [handle.read(min(expected, limit) + 1)]
    total = len(chunks[0])
    while chunks[-1] and total <= limit:
        chunks.append(handle.read(min(1 << 20, limit + 1 - total)))
        total += len(chunks[-1])
    return b"".join(chunks)


def _not_regular(name: str, mode: int) -> Problem:
    return Problem(Location(name), f"is a {_file_kind(mode)}, not a regular file",
                   hint="-f reads files, directories and - (stdin): save the manifests to a file first",
                   skipped=True)


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "FIFO (named pipe)"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket"), (stat.S_ISDIR, "directory")):
        if test(mode):
            return kind
    return "special file"


def _decode(name: str, data: bytes) -> tuple[str, str | None, Problem | None]:
    if len(data) > MAX_FILE_BYTES:
        return name, None, Problem(Location(name), f"input is over the {MAX_FILE_BYTES // 2**20} MiB limit",
                                   hint="split it, or load only the objects you need", skipped=True)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return name, None, Problem(Location(name, 1), "file is UTF-16; manifests are read as UTF-8",
                                   hint="save the file as UTF-8", skipped=True)
    if b"\x00" in data[:8192]:
        return name, None, Problem(Location(name, 1), "file is binary, not YAML or JSON", skipped=True)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return name, None, Problem(Location(name, line, column),
                                   f"not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                                   hint="save the file as UTF-8", skipped=True)
    if not text.strip():
        return name, None, Problem(Location(name), "file is empty", "warning")
    return name, text, None


def _documents(text: str, name: str) -> Iterator[tuple[Any, int] | Problem]:
    """Documents of one file, with `List` kinds unpacked into their items."""
    for doc in parse_documents(text):
        if isinstance(doc, YAMLError) and doc.syntax and text.lstrip()[:1] in ("{", "["):
            # JSON is meant to be YAML, but not all of it is (surrogate-pair escapes, say):
            # read it as JSON then, without field positions.
            try:
                data = json.loads(text)
                json.dumps(data, ensure_ascii=False).encode()  # a lone surrogate (\\ud800) cannot be text
            except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
                pass
            else:
                yield from _unpack(Document(data, 1, 0), name)
                return
        if isinstance(doc, YAMLError):
            yield Problem(Location(name, doc.line, doc.column), f"YAML: {doc.message}",
                          hint=_syntax_hint(text, doc), skipped=True)
            continue
        yield from _unpack(doc, name)


def _syntax_hint(text: str, error: YAMLError) -> str:
    if not error.line or not error.syntax:
        return ""
    lines = text.splitlines()
    line = lines[error.line - 1] if error.line <= len(lines) else ""
    if "\t" in line[: max(error.column, 1)]:
        return "YAML does not allow tabs for indentation: indent with spaces"
    return "fix the YAML syntax here"


def _unpack(doc: Document, name: str) -> Iterator[tuple[Any, int] | Problem]:
    data = doc.data
    if data is None:
        return
    if isinstance(data, dict) and isinstance(data.get("kind"), str) and data["kind"].endswith("List") \
            and isinstance(data.get("items"), list):
        item_kind = data["kind"][: -len("List")]
        lines = getattr(data["items"], "item_lines", [])
        for index, item in enumerate(data["items"]):
            line = lines[index] if index < len(lines) else doc.line
            if isinstance(item, dict) and item_kind and item_kind != "":
                # typed lists (PodList from the API) leave kind off their items
                if "kind" not in item:
                    item["kind"] = item_kind
                if "apiVersion" not in item and data.get("apiVersion") and data["kind"] != "List":
                    item["apiVersion"] = data["apiVersion"]
            yield seal(item), line
        return
    yield seal(data), doc.line
