"""The source watchers: manifest files through `watchfiles` (inotify, no polling), a live cluster's changes.

Each runs in a daemon thread and posts news; neither touches the app. No textual.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from explorer.model.source import ClusterSource
from explorer.tui.services.news import ClusterChanged, FilesChanged, Post, WorkFailed

#: Milliseconds watchfiles gathers changes before it reports them (an editor's save is several events).
DEBOUNCE_MS = 150


class FileWatcher:
    """Tells which manifest files changed on disk; `changed()` is the workspace's check of their stamps.

    Folders given with -f are watched recursively (a new file in them is read);
    for a file, its folder alone (an editor often replaces the file it saves,
    which would end a watch on the file itself), never a whole home directory.
    """

    def __init__(self, post: Post, paths: list[str], changed: Callable[[], list[str]],
                 debounce_ms: int = DEBOUNCE_MS) -> None:
        self._post = post
        self._changed = changed
        self._debounce = debounce_ms
        self._stop = threading.Event()
        folders, parents = _watch_roots(paths)
        self._threads = [threading.Thread(target=self._run, args=(roots, recursive), daemon=True,
                                          name="ingress-explorer files")
                         for roots, recursive in ((folders, True), (parents, False)) if roots]

    def start(self) -> "FileWatcher":
        for thread in self._threads:
            thread.start()
        return self

    def close(self) -> None:
        self._stop.set()

    def _run(self, roots: list[str], recursive: bool) -> None:
        import watchfiles  # (a Rust extension: not needed for the first frame)

        try:
            for _ in watchfiles.watch(*roots, stop_event=self._stop, debounce=self._debounce, recursive=recursive,
                                      rust_timeout=500, yield_on_timeout=False, raise_interrupt=False):
                names = self._changed()
                if names and not self._stop.is_set():
                    self._post(FilesChanged(tuple(names)))
        except Exception as exc:  # a folder removed, too many watches: said, never a dead app
            if not self._stop.is_set():
                self._post(WorkFailed("watching files", exc))


def _watch_roots(paths: list[str]) -> tuple[list[str], list[str]]:
    """The folders to watch recursively (those given), and those to watch alone (each file's folder)."""
    folders: list[str] = []
    parents: list[str] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            folders.append(str(path))
        elif path.parent.is_dir():
            parents.append(str(path.parent))
    folders = list(dict.fromkeys(folders))
    inside = lambda p: any(Path(p).is_relative_to(f) for f in folders)  # noqa: E731
    return folders, [p for p in dict.fromkeys(parents) if not inside(p)]


class ClusterWatcher:
    """Each snapshot the cluster's watches make (`source.changes()`) becomes news; ends when the source closes."""

    def __init__(self, post: Post, source: ClusterSource) -> None:
        self._post = post
        self.source = source
        self._thread = threading.Thread(target=self._run, name="ingress-explorer cluster", daemon=True)

    def start(self) -> "ClusterWatcher":
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            for state in self.source.changes():
                self._post(ClusterChanged(self.source, state))
        except Exception as exc:
            self._post(WorkFailed("watching the cluster", exc))
