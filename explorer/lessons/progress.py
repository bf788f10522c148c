"""Each learner's progress: step reached, steps solved, solutions seen, hints shown.

Kept in one JSON file under the XDG state directory
($XDG_STATE_HOME/ingress-explorer/progress.json, else
~/.local/state/ingress-explorer/progress.json). Writes are atomic (a
temporary file in the same directory, then os.replace), so a crash or a
second process never leaves half a file. Every change re-reads the file
first, so the TUI and a `lessons check` in another terminal do not undo
each other's steps. A file that cannot be read is moved aside with a
message and progress starts fresh: never a traceback.

Each lesson also keeps the manifests the simulated cluster has applied so
far (`applied`), because some lessons depend on history (attempt.py).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from explorer.fsio import write_atomic

VERSION = 1
FILE_NAME = "progress.json"


def state_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_STATE_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / "ingress-explorer"


@dataclass
class StepProgress:
    solved: bool = False
    seen_solution: bool = False  # the solution was shown before (or without) solving it
    hints: int = 0  # hints revealed so far


@dataclass
class LessonProgress:
    step: int = 0  # index of the current step
    done: bool = False  # every step solved
    dir: str | None = None  # where `lessons start` put the files
    steps: dict[str, StepProgress] = field(default_factory=dict)
    applied: list[dict[str, str]] = field(default_factory=list)

    def of(self, step_id: str) -> StepProgress:
        return self.steps.setdefault(step_id, StepProgress())

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step, "done": self.done, "dir": self.dir,
            "steps": {k: {"solved": v.solved, "seenSolution": v.seen_solution, "hints": v.hints}
                      for k, v in self.steps.items()},
            "applied": self.applied,
        }

    @classmethod
    def from_json(cls, data: Any) -> "LessonProgress":
        if not isinstance(data, dict):
            raise ValueError("a lesson's progress is not an object")
        steps = {}
        for key, value in (data.get("steps") or {}).items():
            if not isinstance(value, dict):
                raise ValueError(f"step {key!r} is not an object")
            steps[str(key)] = StepProgress(bool(value.get("solved")), bool(value.get("seenSolution")),
                                           _count(value.get("hints", 0)))
        applied = data.get("applied") or []
        if not isinstance(applied, list) or not all(
                isinstance(a, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in a.items())
                for a in applied):
            raise ValueError("applied is not a list of file -> text objects")
        directory = data.get("dir")
        return cls(_count(data.get("step", 0)), bool(data.get("done")),
                   directory if isinstance(directory, str) else None, steps, applied)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a count, got {value!r}")
    return value


@dataclass
class Progress:
    lessons: dict[str, LessonProgress] = field(default_factory=dict)

    def of(self, lesson_id: str) -> LessonProgress:
        return self.lessons.setdefault(lesson_id, LessonProgress())


class ProgressStore:
    """Reads and writes progress.json; `notice` holds what happened to a file that could not be read."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or state_dir() / FILE_NAME
        self.notice: str | None = None

    def load(self) -> Progress:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Progress()
        except (OSError, UnicodeDecodeError) as exc:
            return self._set_aside(f"cannot be read ({exc})")
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or not isinstance(data.get("lessons", {}), dict):
                raise ValueError("it is not an object with a lessons map")
            if data.get("version", VERSION) != VERSION:
                raise ValueError(f"version {data.get('version')!r}, this program writes {VERSION}")
            return Progress({str(k): LessonProgress.from_json(v) for k, v in data.get("lessons", {}).items()})
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            return self._set_aside(f"is not valid ({exc})")

    def save(self, progress: Progress) -> None:
        data = {"version": VERSION, "lessons": {k: v.to_json() for k, v in sorted(progress.lessons.items())}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1))

    def update(self, lesson_id: str, change: Callable[[LessonProgress], None]) -> LessonProgress:
        """Re-read the file, change one lesson's progress, write it back; returns that lesson's progress."""
        progress = self.load()
        lesson = progress.of(lesson_id)
        change(lesson)
        self.save(progress)
        return lesson

    def reset(self, lesson_id: str | None = None) -> None:
        """Forget one lesson's progress, or (None) every lesson's."""
        progress = self.load()
        if lesson_id is None:
            progress.lessons.clear()
        else:
            progress.lessons.pop(lesson_id, None)
        self.save(progress)

    def _set_aside(self, why: str) -> Progress:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
            where = f"moved to {aside}"
        except OSError as exc:
            where = f"could not be moved aside ({exc.strerror or exc}); it will be overwritten"
        self.notice = f"progress file {self.path} {why}; {where}. Starting with no progress."
        return Progress()
