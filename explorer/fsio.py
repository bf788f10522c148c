"""The one way this tool writes a file: whole or not at all, and never turned against its user.

Every writer (convert, the TUI's save, diagram -o, record, lesson folders,
progress, screenshots) calls `write_atomic`. It writes a temporary file with
a random name created with O_EXCL|O_NOFOLLOW in the target's own directory
(so nobody can plant a symlink where it writes, and the rename stays on one
file system), fsyncs it and renames it over the target. The target keeps its
mode, and its owner when root writes it; a symlinked target is written
through to the file it points at, so the link stays a link; a read-only
target is refused. On any failure the temporary file is removed and the
target is as it was.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Iterable


class WriteRefused(OSError):
    """A write this module will not do; `strerror` says why, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.EPERM, message)


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, mode: int | None = None,
                 encoding: str = "utf-8") -> Path:
    """Replace `path` with `data` in one rename; returns the file written (a symlink's target).

    `mode` is for a new file only (e.g. 0o600 for a key); an existing file keeps its own.
    Text is written as given: no newline translation.
    """
    target = Path(os.path.realpath(path))
    try:
        before: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        before = None
    if before is not None:
        if not stat.S_ISREG(before.st_mode):
            raise WriteRefused(f"{path} is not a regular file; nothing written")
        if not before.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise WriteRefused(f"{path} is read-only; nothing written (make it writable first if you mean it)")
    payload = data.encode(encoding) if isinstance(data, str) else data
    tmp = target.with_name(f".{target.name}.{os.urandom(6).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    # a new file gets what open() would give it (0o666 less the umask); an existing one its own mode, below
    fd = os.open(tmp, flags, 0o600 if before is not None else (0o666 if mode is None else mode))
    try:
        try:
            if before is not None:
                os.fchmod(fd, stat.S_IMODE(before.st_mode))
                if hasattr(os, "fchown") and os.geteuid() == 0:
                    os.fchown(fd, before.st_uid, before.st_gid)  # root editing a user's file leaves it theirs
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _sync_directory(target.parent)
    return target


def _sync_directory(directory: Path) -> None:
    """The rename itself survives a power cut only once the directory is synced (best effort)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Do two paths name one file (through symlinks and hard links)? False when either does not exist."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def refuse_overwriting_input(output: str | os.PathLike[str], sources: Iterable[str | os.PathLike[str]],
                             suffixes: tuple[str, ...] = (".yaml", ".yml", ".json")) -> None:
    """Raise WriteRefused when `output` is one of the files `sources` (files or directories) were read from."""
    if not os.path.exists(output):
        return
    real = os.path.realpath(output)
    for source in sources:
        if os.fspath(source) == "-":
            continue
        if same_file(output, source):
            raise WriteRefused(f"{output} is the input file {source}; nothing written (choose another -o)")
        if os.path.isdir(source) and real.lower().endswith(suffixes) \
                and real.startswith(os.path.realpath(source).rstrip(os.sep) + os.sep):
            raise WriteRefused(f"{output} is one of the manifests read from {source}; nothing written "
                               "(choose another -o)")
