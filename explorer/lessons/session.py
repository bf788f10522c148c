"""One learner working through one lesson: current step, hints, solution, and what counts as applied.

Both the CLI and the TUI drive a lesson through this class, so a workshop
attendee can start in the terminal and continue in the app. It holds no I/O
of its own except through the ProgressStore it is given; checks are run by
the caller (pure ones with `checks.check_step`, proxy ones with the runner)
and their result handed to `record()`.
"""

from __future__ import annotations

from explorer.lessons.attempt import Attempt, remember
from explorer.lessons.checks import StepResult
from explorer.lessons.patch import Applied, apply_solution, without
from explorer.lessons.progress import LessonProgress, ProgressStore, StepProgress
from explorer.lessons.spec import Lesson, Step
from explorer.lessons.text import Text


class Session:
    def __init__(self, lesson: Lesson, store: ProgressStore) -> None:
        self.lesson = lesson
        self.store = store
        self.progress: LessonProgress = store.load().of(lesson.id)

    # ------------------------------------------------------------ where the learner is

    @property
    def index(self) -> int:
        return min(self.progress.step, len(self.lesson.steps) - 1)

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.index]

    @property
    def mine(self) -> StepProgress:
        return self.progress.steps.get(self.step.id) or StepProgress()

    @property
    def done(self) -> bool:
        return self.progress.done

    @property
    def started(self) -> bool:
        return bool(self.progress.applied)

    # ------------------------------------------------------------ changes (each one saved at once)

    def _change(self, change) -> None:
        self.progress = self.store.update(self.lesson.id, change)

    def begin(self, directory: str | None = None) -> None:
        """A fresh start: step 1, the start manifests as the only thing applied; earlier progress is forgotten."""
        start = self.lesson.start_texts()

        def change(p: LessonProgress) -> None:
            p.step, p.done, p.dir, p.steps, p.applied = 0, False, directory, {}, [start]

        self._change(change)

    def attempt(self, texts: dict[str, str]) -> Attempt:
        """What the checks look at: `texts` applied after everything applied before."""
        history = self.progress.applied or [self.lesson.start_texts()]
        return Attempt(texts, history, self.lesson.namespace)

    def record(self, attempt: Attempt, result: StepResult) -> None:
        """The learner applied the attempt's files and the current step's checks gave `result`.

        Files with documents that cannot be read are not remembered as applied: like
        `kubectl apply`, a broken file changes nothing in the cluster (it deletes nothing).
        """
        step_id = self.step.id

        def change(p: LessonProgress) -> None:
            if not attempt.state.skipped:
                p.applied = remember(p.applied or [self.lesson.start_texts()], attempt.texts)
            if result.passed and result.step.id == step_id:
                p.of(step_id).solved = True

        self._change(change)

    def advance(self) -> bool:
        """Move on after the current step is solved; False when it is not solved yet."""
        if not self.mine.solved:
            return False

        def change(p: LessonProgress) -> None:
            if p.step >= len(self.lesson.steps) - 1:
                p.done = all(p.of(s.id).solved for s in self.lesson.steps)
            else:
                p.step += 1

        self._change(change)
        return True

    # ------------------------------------------------------------ help

    def hints_shown(self) -> list[Text]:
        return list(self.step.hints[: self.mine.hints])

    def reveal_hint(self) -> tuple[int, Text] | None:
        """The next hint (1-based number and text), None when every hint is already shown."""
        shown = self.mine.hints
        if shown >= len(self.step.hints):
            return None
        step_id = self.step.id

        def change(p: LessonProgress) -> None:
            p.of(step_id).hints = shown + 1

        self._change(change)
        return shown + 1, self.step.hints[shown]

    def preview_solution(self, texts: dict[str, str]) -> Applied:
        """The files as the solution would leave them; raises PatchError when the learner removed a target."""
        return apply_solution(texts, self.step.solution)

    def see_solution(self) -> None:
        """The learner confirmed: the solution is shown. A step solved afterwards says so."""
        step_id = self.step.id

        def change(p: LessonProgress) -> None:
            mine = p.of(step_id)
            if not mine.solved:
                mine.seen_solution = True

        self._change(change)

    def apply_solution(self, texts: dict[str, str]) -> Applied:
        """Apply the solution; an object it re-creates is recorded as deleted once, as `kubectl delete` would."""
        applied = self.preview_solution(texts)
        self.see_solution()
        if applied.recreated:
            gone = applied.texts
            for target in applied.recreated:
                gone = without(gone, target)

            def change(p: LessonProgress) -> None:
                p.applied = remember(remember(p.applied or [self.lesson.start_texts()], texts), gone)

            self._change(change)
        return applied
