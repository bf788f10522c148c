"""The manifests the TUI has open: their text, the snapshot made from them, and the undo history.

An edit in the editor pane is applied to a copy of the file's text and
produces a new `ClusterState`; nothing is written to disk until the user
asks to save. Edits made outside (in the user's own editor) arrive through
`reload_changed()`. No textual here: the screens call this, tests can too.

A live cluster has no files: `adopt()` takes each snapshot the cluster
source makes, and the manifest of an object is its YAML as the API server
sent it, written out only when it is shown.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping, NamedTuple

import yaml

from explorer.fsio import write_atomic
from explorer.model import ClusterState, load, load_texts
from explorer.model.load import MANIFEST_SUFFIXES, STDIN

if TYPE_CHECKING:  # an annotation only: `Model` names the Gateway API classes, imported on first use
    from explorer.model.normalize import Model

#: How many applied snapshots `undo()` can step back through.
UNDO_DEPTH = 50
#: ... and how many objects they may hold together: a cluster dump's snapshot
#: is a gigabyte or more, so there only the last edit can be undone.
UNDO_OBJECTS = 200_000


class Snapshot(NamedTuple):
    """One state of the workspace: the texts it was made from, and why it exists.

    (Named tuples, not frozen dataclasses, here: this module is imported before the first frame.)
    """

    state: ClusterState
    texts: Mapping[str, str]  # file name (as the loader names it) -> text
    why: str  # "loaded", "applied your edit to x.yaml", "x.yaml changed on disk"


class FileStamp(NamedTuple):
    mtime_ns: int
    size: int


class SaveRefused(Exception):
    """Saving would overwrite a file that changed on disk since it was read, or cannot be saved."""


class Workspace:
    def __init__(self, sources: Iterable[str], namespace: str = "default") -> None:
        self.sources = list(sources)
        self.namespace = namespace
        self.history: list[Snapshot] = []
        self._stamps: dict[str, FileStamp] = {}
        self._on_disk: dict[str, str] = {}  # each file's text as last read from disk or saved to it

    # ------------------------------------------------------------ reading

    @property
    def current(self) -> Snapshot | None:
        return self.history[-1] if self.history else None

    def load(self) -> Snapshot:
        """Read every source from disk (the first load, or a full reload)."""
        state = load(self.sources, namespace=self.namespace)
        texts: dict[str, str] = {}
        for name in self.files(state):
            text = _read_text(name)
            if text is not None:
                texts[name] = text
                self._on_disk[name] = text
                self._stamps[name] = _stamp(name) or FileStamp(0, 0)
        return self._push(Snapshot(state, texts, "loaded"))

    def adopt(self, state: ClusterState, why: str) -> Snapshot:
        """A snapshot a cluster made: it replaces the history (there is nothing to undo or save)."""
        self.history = [Snapshot(state, ObjectTexts(state.objects), why)]
        return self.history[0]

    def files(self, state: ClusterState | None = None) -> list[str]:
        """Manifest files behind the sources, in load order (directories expanded as the loader does)."""
        names: list[str] = []
        for source in self.sources:
            path = Path(source)
            if source == STDIN:
                continue
            if path.is_dir():
                found = sorted(
                    p for p in path.rglob("*")
                    if p.suffix.lower() in MANIFEST_SUFFIXES and p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
                names.extend(str(p) for p in found)
            elif path.is_file():
                names.append(str(path))
        if state is not None:  # files the loader read that the expansion above missed
            for obj in state.objects:
                if obj.meta.location.file not in names and obj.meta.location.file != "<stdin>":
                    names.append(obj.meta.location.file)
        return list(dict.fromkeys(names))

    def text_of(self, name: str) -> str | None:
        current = self.current
        return current.texts.get(name) if current else None

    # ------------------------------------------------------------ changing

    def unsaved(self) -> list[str]:
        """Files whose applied text differs from what is on disk: what quitting now would lose."""
        current = self.current
        if current is None or isinstance(current.texts, ObjectTexts):
            return []
        return [name for name, text in current.texts.items() if name in self._on_disk and self._on_disk[name] != text]

    def apply(self, name: str, text: str, why: str | None = None) -> Snapshot | None:
        """A new snapshot with `name` read from `text` instead of its current text; None when that is its text now.

        Applying the same text twice makes no second undo step.
        """
        current = self.current
        if current is not None and current.texts.get(name) == text:
            return None
        texts = dict(current.texts) if current else {}
        texts[name] = text
        return self._push(Snapshot(self._state_from(texts), texts, why or f"applied your edit to {name}"))

    def undo(self) -> Snapshot | None:
        """Step back to the snapshot before the last apply; None when there is nothing to undo."""
        if len(self.history) < 2:
            return None
        self.history.pop()
        return self.history[-1]

    def changed_on_disk(self) -> list[str]:
        """Files whose modification time or size differs from when they were last read or saved."""
        changed = []
        for name in self.files():
            stamp = _stamp(name)
            if stamp is not None and stamp != self._stamps.get(name):
                changed.append(name)
        return changed

    def reload_changed(self, names: list[str]) -> Snapshot | None:
        """Take in files edited outside the app; None when none of them could be read."""
        current = self.current
        texts = dict(current.texts) if current else {}
        read = []
        for name in names:
            text = _read_text(name)
            stamp = _stamp(name)
            if stamp is not None:
                self._stamps[name] = stamp
            if text is not None:
                self._on_disk[name] = text
            if text is not None and texts.get(name) != text:
                texts[name] = text
                read.append(name)
        if not read:
            return None
        return self._push(Snapshot(self._state_from(texts), texts, f"{', '.join(read)} changed on disk"))

    def save(self, name: str, text: str, overwrite_changed: bool = False) -> None:
        """Write `text` to `name`. Refuses when the file changed on disk since it was read, unless told."""
        if name not in self._stamps:
            raise SaveRefused(f"{name} was not read from a file, so it cannot be saved back")
        if not overwrite_changed and _stamp(name) != self._stamps[name]:
            raise SaveRefused(f"{name} changed on disk since it was read; saving would overwrite that change")
        try:
            write_atomic(name, text)  # the user's file is untouched on failure, and nothing is left beside it
        except OSError as exc:
            raise SaveRefused(f"cannot write {name}: {exc.strerror or exc}") from None
        self._stamps[name] = _stamp(name) or FileStamp(0, 0)
        self._on_disk[name] = text

    def _push(self, snapshot: Snapshot) -> Snapshot:
        self.history.append(snapshot)
        del self.history[:-UNDO_DEPTH]
        held = sum(len(s.state.objects) for s in self.history)
        while len(self.history) > 2 and held > UNDO_OBJECTS:
            held -= len(self.history.pop(0).state.objects)
        return snapshot

    def _state_from(self, texts: dict[str, str]) -> ClusterState:
        """Load every file from its text, as loading the files from disk would."""
        state = load_texts(texts, self.namespace, self.sources)
        current = self.current
        if current is None:
            return state
        # files the loader could not read keep their problems
        kept = [p for p in current.state.problems if p.location.file not in texts]
        return ClusterState(state.objects, [*state.problems, *kept], self.sources, state.skipped)


class ObjectTexts(Mapping[str, str]):
    """The YAML of objects read from a cluster, by their location (`cluster:dev/Ingress/shop/web`).

    Made when asked for: a watch event makes a new snapshot of thousands of
    objects, and only the one on screen is ever shown.
    """

    def __init__(self, objects: Iterable[Model]) -> None:
        self._objects = {obj.meta.location.file: obj for obj in objects}

    def __getitem__(self, name: str) -> str:
        raw = self._objects[name].meta.raw
        return yaml.safe_dump(raw, sort_keys=False, default_flow_style=False, allow_unicode=True)

    def __iter__(self) -> Iterator[str]:
        return iter(self._objects)

    def __len__(self) -> int:
        return len(self._objects)


def _read_text(name: str) -> str | None:
    try:
        return Path(name).read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _stamp(name: str) -> FileStamp | None:
    try:
        st = os.stat(name)
    except OSError:
        return None
    return FileStamp(st.st_mtime_ns, st.st_size)
