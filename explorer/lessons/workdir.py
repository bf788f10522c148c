"""The learner's lesson directory: start manifests copied in, current manifests read back.

Starting a lesson never overwrites a file the learner may have edited:
when any start file already exists, nothing is copied unless asked to.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from explorer import fsio
from explorer.lessons.spec import Lesson
from explorer.model.load import MANIFEST_SUFFIXES


class WorkdirError(Exception):
    """The directory cannot be used; the message says what to do."""


@dataclass
class Started:
    directory: Path
    written: list[Path]
    others: list[Path]  # manifests already there that the lesson did not put there (they are checked too)


def start(lesson: Lesson, directory: Path, force: bool = False) -> Started:
    """Copy the lesson's start manifests into `directory` (created when missing)."""
    if directory.exists() and not directory.is_dir():
        raise WorkdirError(f"{directory} is a file, not a directory; name a directory for the lesson's files")
    texts = lesson.start_texts()
    existing = [directory / name for name in texts if (directory / name).exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise WorkdirError(f"{names} already exist{'s' if len(existing) == 1 else ''}; nothing was copied, so your "
                           "edits are safe. Use another directory, or --force to replace these files with the "
                           "lesson's start manifests")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        others = [p for p in manifest_files(directory) if p.name not in texts]
        written = []
        for name, text in texts.items():
            write_atomic(directory / name, text)
            written.append(directory / name)
    except OSError as exc:
        raise WorkdirError(f"cannot write into {directory}: {exc.strerror or exc}") from None
    return Started(directory, written, others)


def manifest_files(directory: Path) -> list[Path]:
    """Manifests in `directory` as the loader reads a directory: recursive, hidden paths left out."""
    return sorted(
        p for p in directory.rglob("*")
        if p.suffix.lower() in MANIFEST_SUFFIXES and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )


def read(directory: Path) -> dict[str, str]:
    """File name inside `directory` (ingress.yaml, sub/x.yaml) -> text, for every manifest in it."""
    if not directory.is_dir():
        raise WorkdirError(f"{directory} is not a directory; start the lesson first (ingress-explorer lessons start "
                           "ID DIR), or name the directory you started it in")
    texts = {}
    for path in manifest_files(directory):
        try:
            texts[path.relative_to(directory).as_posix()] = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise WorkdirError(f"cannot read {path}: {exc}") from None
    return texts


def write(directory: Path, texts: dict[str, str], before: dict[str, str]) -> list[Path]:
    """Write the files whose text differs from `before` (a solution applied); returns what was written."""
    written = []
    for name, text in texts.items():
        if before.get(name) != text:
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text)
            written.append(path)
    return written


def write_atomic(path: Path, text: str) -> None:
    fsio.write_atomic(path, text)
