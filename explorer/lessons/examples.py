"""The example attempts each step ships with, that keep its check honest.

Beside `lesson.yaml`, `examples.yaml` holds, per step id, attempts a learner
might make: wrong ones that must fail (at least one deletes or sidesteps
what the step teaches) and other right answers that must pass. Each is
written as operations (the solutions' patch/add/remove/recreate, or `edit`
for mistakes a merge patch cannot make, such as YAML syntax errors) applied
to the step's files as the learner finds them: the start manifests with
the earlier steps' solutions applied (`from: start`, the default), or with
this step's solution applied too (`from: solution`).

    nginx-class:
      - name: no class at all
        expect: fail
        ops:
          - patch: Ingress/web
            merge: {metadata: {annotations: null}}

The step's own solution is an example that must pass too. `lessons
examples` runs them all through the same checks as `lessons check`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Literal

from explorer.lessons.attempt import Attempt, Texts, remember
from explorer.lessons.catalog import LessonError, _Reader
from explorer.lessons.patch import PatchError, apply_solution, without
from explorer.lessons.spec import Lesson, SolutionOp, Step
from explorer.model.yamldoc import YAMLError, parse_documents

EXAMPLES_FILE = "examples.yaml"


@dataclass(frozen=True)
class Example:
    step: str
    name: str
    expect: Literal["pass", "fail"]
    ops: tuple[SolutionOp, ...]
    base: Literal["start", "solution"] = "start"
    where: str = ""  # examples.yaml:line


def load_examples(lesson: Lesson) -> list[Example]:
    """The lesson's examples, the solutions first; LessonError with file:line on a mistake."""
    path = lesson.folder / EXAMPLES_FILE
    found = [Example(s.id, "the solution", "pass", s.solution, where=f"{lesson.folder / 'lesson.yaml'}")
             for s in lesson.steps]
    if not path.is_file():
        return found
    docs = list(parse_documents(path.read_text(encoding="utf-8")))
    if len(docs) != 1 or isinstance(docs[0], YAMLError):
        err = docs[0] if docs and isinstance(docs[0], YAMLError) else None
        raise LessonError(f"{path}{f':{err.line}' if err and err.line else ''}: "
                          f"{err.message if err else 'expected one YAML document'}")
    reader = _Reader(path)
    node = reader.mapping(docs[0].data, "examples", tuple(s.id for s in lesson.steps))
    for step_id, items in node.items():
        if not isinstance(items, list):
            raise reader.fail(node, step_id, "expected a list of attempts", step_id)
        for i, item in enumerate(items):
            field = f"{step_id}[{i}]"
            reader.mapping(item, field, ("name", "expect", "from", "ops"), ("name", "expect"))
            item.setdefault("ops", [])
            if item["expect"] not in ("pass", "fail"):
                raise reader.fail(item, f"{field}.expect", "pass or fail", "expect")
            if item.get("from", "start") not in ("start", "solution"):
                raise reader.fail(item, f"{field}.from", "start or solution", "from")
            if not isinstance(item["ops"], list):
                raise reader.fail(item, f"{field}.ops", "expected a list", "ops")
            ops = tuple(reader.solution(op, f"{field}.ops[{j}]") for j, op in enumerate(item["ops"]))
            found.append(Example(step_id, str(item["name"]), item["expect"], ops, item.get("from", "start"),
                                 f"{path}:{getattr(item, 'line', 0)}"))
    return found


def _solve(texts: Texts, history: list[Texts], ops: tuple[SolutionOp, ...]) -> tuple[Texts, list[Texts]]:
    """Apply `ops` the way `Session.apply_solution` does: a re-created object is seen gone once."""
    applied = apply_solution(texts, ops)
    for target in applied.recreated:
        history = remember(remember(history, texts), without(applied.texts, target))
    return applied.texts, history


def before_each_step(lesson: Lesson) -> Iterator[tuple[Step, Texts, list[Texts]]]:
    """Each step with the files and the applied history a learner has on reaching it by the solutions."""
    texts = lesson.start_texts()
    history = [dict(texts)]
    for step in lesson.steps:
        yield step, texts, history
        texts, history = _solve(texts, history, step.solution)
        history = remember(history, texts)


def attempts(lesson: Lesson, examples: list[Example]) -> Iterator[tuple[Step, Example, Attempt]]:
    """Every example as the Attempt `lessons check` would judge."""
    for step, texts, history in before_each_step(lesson):
        for example in (e for e in examples if e.step == step.id):
            base, past = texts, history
            if example.base == "solution":
                base, past = _solve(texts, history, step.solution)
            try:
                files, past = _solve(base, past, example.ops)
            except PatchError as exc:
                raise LessonError(f"{example.where}: {step.id}: {example.name}: {exc}") from None
            yield step, example, Attempt(files, past, lesson.namespace)


def example_dir(root: Path, lesson: Lesson, example: Example) -> Path:
    return root / lesson.id / example.step / "".join(c if c.isalnum() else "-" for c in example.name)
