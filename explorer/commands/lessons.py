"""`ingress-explorer lessons`: the interactive lessons from the command line, for workshops and own editors.

    lessons list [-o text|json]        every lesson with its progress
    lessons start ID [DIR] [--force]   copy the start manifests into DIR (never over your files)
    lessons show ID                    the current step again
    lessons check ID [DIR]             run the current step's checks on DIR: exit 0 pass, 1 fail
    lessons hint ID                    reveal the next hint
    lessons solution ID [DIR]          show the solution, after asking (--apply writes it)
    lessons reset [ID | --all]         forget progress
    lessons watch ID [DIR]             re-check on every save, rustlings-style (Ctrl-C stops)
    lessons report [--json]            solved, hints and solutions seen, per step (workshops)
    lessons examples [ID]              run each step's example attempts (lesson authors, CI)

ID is a lesson id (ingress-class) or its number (1). --lang en|ja, default from LANG.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from explorer.commands.common import Style, use_colour

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

EPILOG = """\
examples:
  ingress-explorer lessons list
  ingress-explorer lessons start 1 ~/lesson1        # copies the lesson's manifests into ~/lesson1
  $EDITOR ~/lesson1/ingress.yaml
  ingress-explorer lessons check 1                  # DIR defaults to where the lesson was started
  ingress-explorer lessons watch 1                  # check again on every save (Ctrl-C stops)
  ingress-explorer lessons hint 1
  ingress-explorer lessons report --json            # for the instructor: solved, hints, solutions seen
  ingress-explorer lessons --lang ja list           # or LANG=ja_JP.UTF-8

progress is kept in $XDG_STATE_HOME/ingress-explorer/progress.json
(default ~/.local/state/ingress-explorer/progress.json).

exit status: 0 success (check: the step passed), 1 check failed, 2 usage or input error.
"""


def add_parser(sub: argparse._SubParsersAction, help_text: str) -> None:
    parser = sub.add_parser("lessons", help=help_text, epilog=EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter,
                            description="Lessons on Kubernetes Ingress and Gateway API, in English and Japanese, checked "
                            "mechanically on your own manifests.")
    lang = argparse.ArgumentParser(add_help=False)
    lang.add_argument("--lang", choices=("en", "ja"), default=argparse.SUPPRESS,
                      help="language of the texts (default: from LC_ALL, LC_MESSAGES or LANG, else en)")
    parser.add_argument("--lang", choices=("en", "ja"), default=None, help=argparse.SUPPRESS)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = actions.add_parser("list", parents=[lang], help="every lesson with its progress")
    p.add_argument("-o", "--output", choices=("text", "json"), default="text",
                   help="text for people (default), json for scripts")
    p = actions.add_parser("start", parents=[lang], help="copy a lesson's start manifests into DIR and begin")
    p.add_argument("id", metavar="ID")
    p.add_argument("dir", metavar="DIR", nargs="?", help="where to put the manifests (default: ./ID)")
    p.add_argument("--force", action="store_true", help="replace the lesson's files in DIR if they exist")
    p = actions.add_parser("show", parents=[lang], help="print the current step again")
    p.add_argument("id", metavar="ID")
    p = actions.add_parser("check", parents=[lang], help="check the current step on the files in DIR")
    p.add_argument("id", metavar="ID")
    p.add_argument("dir", metavar="DIR", nargs="?", help="default: where the lesson was started")
    p = actions.add_parser("hint", parents=[lang], help="reveal the next hint of the current step")
    p.add_argument("id", metavar="ID")
    p = actions.add_parser("solution", parents=[lang], help="show the current step's solution (asks first)")
    p.add_argument("id", metavar="ID")
    p.add_argument("dir", metavar="DIR", nargs="?", help="default: where the lesson was started")
    p.add_argument("--yes", action="store_true", help="do not ask; show it")
    p.add_argument("--apply", action="store_true", help="also write the solution into the files in DIR")
    p = actions.add_parser("watch", parents=[lang], help="re-check the current step on every save (Ctrl-C stops)",
                           description="Check the current step now and again every time a file in DIR is saved: "
                           "the screen shows the goal against what your files do now, the first failing check "
                           "and how many hints you have seen. A solved step moves on to the next one.")
    p.add_argument("id", metavar="ID")
    p.add_argument("dir", metavar="DIR", nargs="?", help="default: where the lesson was started")
    p.add_argument("--until-solved", action="store_true", help="stop (exit 0) once the current step is solved")
    p = actions.add_parser("report", parents=[lang], help="every lesson and step: solved, hints, solution seen",
                           description="What an instructor asks of each machine in a workshop: per lesson and "
                           "step, solved or not, hints used, solution seen.")
    p.add_argument("--json", action="store_true", help="JSON for collecting many machines' reports")
    p = actions.add_parser("examples", parents=[lang], help="run every step's example attempts (for lesson authors)",
                           description="Run the wrong and right example attempts each step ships with "
                           "(lessons/*/examples.yaml, and each solution) through the step's checks; exit 1 when "
                           "one does not pass or fail as declared.")
    p.add_argument("id", metavar="ID", nargs="?", help="one lesson (default: all)")
    p.add_argument("-o", "--output", choices=("text", "json"), default="text")
    p.add_argument("-v", "--verbose", action="store_true", help="print every check of every example")
    p = actions.add_parser("reset", parents=[lang], help="forget the progress of one lesson, or of all")
    p.add_argument("id", metavar="ID", nargs="?")
    p.add_argument("--all", action="store_true", help="forget every lesson's progress")


def run(args: argparse.Namespace) -> int:
    from explorer.lessons.catalog import load_catalog
    from explorer.lessons.progress import ProgressStore
    from explorer.lessons.text import language_from_env

    lang = args.lang or language_from_env()
    out = Output(sys.stdout, sys.stderr, lang)
    catalog = load_catalog()
    for problem in catalog.problems:
        out.err(f"warning: {problem}")
    store = ProgressStore()
    try:
        if args.action == "list":
            return _list(out, catalog, store, args.output)
        if args.action == "reset":
            return _reset(out, catalog, store, args)
        if args.action == "examples":
            return _examples(out, catalog, args)
        if args.action == "report":
            return _report(out, catalog, store, args)
        lesson = catalog.find(args.id)
        if lesson is None:
            known = ", ".join(f"{le.order} {le.id}" for le in catalog.lessons) or "none are installed"
            out.err(f"error: no lesson {args.id!r}; the lessons are: {known}")
            return EXIT_USAGE
        return _ACTIONS[args.action](out, lesson, store, args)
    finally:
        if store.notice:
            out.err(f"warning: {store.notice}")


class Output:
    def __init__(self, stdout: TextIO, stderr: TextIO, lang: str) -> None:
        self.stdout, self.stderr, self.lang = stdout, stderr, lang
        self.style = Style(use_colour(stdout))

    def say(self, key: str, **values: object) -> str:
        from explorer.lessons.messages import say

        return say(key, self.lang, **values)

    def text(self, text) -> str:
        from explorer.lessons.text import pick

        return pick(text, self.lang)

    def prose(self, text) -> str:
        """A lesson text reflowed and folded to the terminal."""
        from explorer.lessons.text import reflow

        return self.fold(reflow(self.text(text), self.lang))

    def fold(self, line: str) -> str:
        """Folded to the terminal's width (at most 100 columns), Japanese by display width."""
        import shutil

        from explorer.lessons.text import wrap

        return wrap(line, min(shutil.get_terminal_size((100, 24)).columns, 100))

    def print(self, line: str = "") -> None:
        print(line, file=self.stdout)

    def err(self, line: str) -> None:
        print(line, file=self.stderr)


def proxy_port():
    """A fresh embedded proxy on 127.0.0.1: the port to real traffic the lesson runner is handed."""
    from explorer.proxy.server import Proxy, ProxyOptions

    return Proxy(ProxyOptions(listen="127.0.0.1"))


def _prog() -> str:
    return "ingress-explorer"


def _dir_arg(path: Path) -> str:
    """DIR as the learner would type it again: relative to here when that is shorter."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if len(rel) < len(str(path)) else str(path)


# ------------------------------------------------------------------ list and reset


def _progress_line(out: Output, lesson, mine) -> str:
    total = len(lesson.steps)
    solved = sum(1 for s in lesson.steps if mine.steps.get(s.id) and mine.steps[s.id].solved)
    seen = sum(1 for s in lesson.steps if mine.steps.get(s.id) and mine.steps[s.id].seen_solution
               and mine.steps[s.id].solved)
    if mine.done:
        state = out.say("progress.done")
    elif not mine.applied:
        state = out.say("progress.none")
    else:
        state = out.say("progress.step", n=min(mine.step, total - 1) + 1, total=total)
    text = f"{state}, {out.say('progress.solved', solved=solved, total=total)}"
    if seen:
        text += f" ({out.say('progress.seen', seen=seen)})"
    return text


def _list(out: Output, catalog, store, output: str) -> int:
    progress = store.load()
    if output == "json":
        rows = []
        for lesson in catalog.lessons:
            mine = progress.of(lesson.id)
            steps = [{"id": s.id, "title": out.text(s.title), "controller": s.profile,
                      "solved": mine.of(s.id).solved, "seenSolution": mine.of(s.id).seen_solution,
                      "hintsShown": mine.of(s.id).hints, "hints": len(s.hints)} for s in lesson.steps]
            rows.append({
                "id": lesson.id, "order": lesson.order, "title": out.text(lesson.title),
                "summary": out.text(lesson.summary), "controller": lesson.profile, "steps": steps,
                "progress": {"started": bool(mine.applied), "step": min(mine.step, len(lesson.steps) - 1) + 1,
                             "solved": sum(1 for s in steps if s["solved"]), "total": len(steps),
                             "done": mine.done, "dir": mine.dir},
            })
        json.dump(rows, out.stdout, indent=2, ensure_ascii=False)
        out.print()
        return EXIT_OK
    width = max((len(le.id) for le in catalog.lessons), default=0)
    for lesson in catalog.lessons:
        mine = progress.lessons.get(lesson.id) or progress.of(lesson.id)
        mark = out.style.green("✔") if mine.done else " "
        out.print(f"{mark} {lesson.order:>2}  {lesson.id:<{width}}  {out.text(lesson.title)}")
        out.print(f"       {' ' * width}  {out.style.dim(_progress_line(out, lesson, mine))}")
    return EXIT_OK


def _reset(out: Output, catalog, store, args) -> int:
    if args.all == bool(args.id):
        out.err("error: name one lesson (lessons reset ID) or --all")
        return EXIT_USAGE
    if args.all:
        store.reset()
        out.print(out.say("reset.all"))
        return EXIT_OK
    lesson = catalog.find(args.id)
    if lesson is None:
        out.err(f"error: no lesson {args.id!r}")
        return EXIT_USAGE
    store.reset(lesson.id)
    out.print(out.say("reset.one", id=lesson.id))
    return EXIT_OK


# ------------------------------------------------------------------ one lesson


def _print_step(out: Output, session) -> None:
    lesson, step = session.lesson, session.step
    total = len(lesson.steps)
    out.print(out.style.bold(out.say("step", n=session.index + 1, total=total, title=out.text(step.title)))
              + out.style.dim(f"  ({out.say('controller', controller=step.profile)})"))
    out.print()
    out.print(out.prose(step.text))
    out.print()
    out.print(out.style.cyan(out.fold(out.say("goal", goal=out.text(step.goal)))))
    if step.demo is not None:
        demo = step.demo
        where = _dir_arg(Path(session.progress.dir)) if session.progress.dir else lesson.id
        header = f" -H 'Host: {demo.host}'" if demo.host else ""
        out.print(out.say("try", command=f"{_prog()} route -f {where} --controller {demo.profile or step.profile}"
                                         f"{header} {demo.url}"))
    out.print(out.say("when_done", command=f"{_prog()} lessons check {lesson.id}"))
    out.print(out.say("stuck", command=f"{_prog()} lessons hint {lesson.id}"))


def _start(out: Output, lesson, store, args) -> int:
    from explorer.lessons.session import Session
    from explorer.lessons.workdir import WorkdirError, start

    directory = Path(args.dir or lesson.id)
    try:
        started = start(lesson, directory, force=args.force)
    except WorkdirError as exc:
        out.err(f"error: {exc}")
        return EXIT_USAGE
    session = Session(lesson, store)
    session.begin(str(directory.resolve()))
    out.print(out.style.bold(out.say("lesson", order=lesson.order, title=out.text(lesson.title))))
    out.print(out.prose(lesson.summary))
    out.print()
    out.print(out.say("copied", files=", ".join(p.name for p in started.written), dir=_dir_arg(directory)))
    if started.others:
        out.print(out.style.yellow(out.say("others", dir=_dir_arg(directory),
                                           files=", ".join(p.name for p in started.others))))
    out.print()
    _print_step(out, session)
    return EXIT_OK


def _show(out: Output, lesson, store, args) -> int:
    from explorer.lessons.session import Session

    session = Session(lesson, store)
    out.print(out.style.bold(out.say("lesson", order=lesson.order, title=out.text(lesson.title))))
    out.print()
    _print_step(out, session)
    for number, hint in enumerate(session.hints_shown(), start=1):
        out.print()
        out.print(out.say("hint", n=number, total=len(session.step.hints)))
        out.print(out.prose(hint))
    return EXIT_OK


def _directory(session, given: str | None) -> Path:
    if given:
        return Path(given)
    if session.progress.dir:
        return Path(session.progress.dir)
    return Path(session.lesson.id)


def _check(out: Output, lesson, store, args) -> int:
    from explorer.lessons.runner import run_step_sync
    from explorer.lessons.session import Session
    from explorer.lessons.workdir import WorkdirError, read

    session = Session(lesson, store)
    directory = _directory(session, args.dir)
    try:
        texts = read(directory)
    except WorkdirError as exc:
        out.err(f"error: {exc}")
        return EXIT_USAGE
    step, index, total = session.step, session.index, len(lesson.steps)
    prefix = "" if _dir_arg(directory) == "." else f"{_dir_arg(directory)}/"
    texts = {prefix + name: text for name, text in texts.items()}  # so messages say lesson1/ingress.yaml:6
    attempt = session.attempt(texts)
    result = run_step_sync(step, attempt, out.lang, proxy_port)
    session.record(attempt, result)
    out.print(out.style.bold(out.say("step", n=index + 1, total=total, title=out.text(step.title)))
              + out.style.dim(f"  ({_dir_arg(directory)}, {out.say('controller', controller=step.profile)})"))
    _print_results(out, result)
    out.print()
    if not result.passed:
        out.print(out.style.red(out.say("result.fail", failed=len(result.results) - sum(
            1 for r in result.results if r.passed), total=len(result.results))))
        out.print(out.say("stuck", command=f"{_prog()} lessons hint {lesson.id}"))
        return EXIT_FAIL
    key = "result.pass_seen" if session.mine.seen_solution else "result.pass"
    out.print(out.style.green(out.say(key, n=index + 1, total=total)))
    session.advance()
    if session.done:
        out.print(out.say("complete"))
        if lesson.outro is not None:
            out.print()
            out.print(out.prose(lesson.outro))
        return EXIT_OK
    out.print()
    out.print(out.say("next"))
    _print_step(out, session)
    return EXIT_OK


def _print_results(out: Output, result, indent: str = "  ") -> None:
    """One line per check; a failing one says what it is now, why, and where to look (the symptom, not the fix)."""
    for r in result.results:
        if r.passed:
            out.print(f"{indent}{out.style.green('✔')} {r.expected}")
            continue
        out.print(f"{indent}{out.style.red('✘')} {r.expected}")
        out.print(f"{indent}    {out.say('now')}: {r.actual}")
        if r.reason:
            lines = r.reason.splitlines()
            out.print(f"{indent}    {out.say('why', reason=lines[0])}")
            for line in lines[1:]:
                out.print(f"{indent}      {line}")
        if r.where:
            out.print(f"{indent}    {out.say('look', where=r.where)}")


def _examples(out: Output, catalog, args) -> int:
    """Every example attempt of the lessons through the checks `lessons check` runs; exit 1 on any surprise."""
    from explorer.lessons.catalog import LessonError
    from explorer.lessons.examples import attempts, load_examples
    from explorer.lessons.runner import run_step_sync

    chosen = catalog.lessons if args.id is None else [catalog.find(args.id)]
    if None in chosen:
        out.err(f"error: no lesson {args.id!r}")
        return EXIT_USAGE
    rows, surprises = [], 0
    for lesson in chosen:
        try:
            examples = load_examples(lesson)
        except LessonError as exc:
            out.err(f"error: {exc}")
            return EXIT_USAGE
        try:
            built = list(attempts(lesson, examples))
        except LessonError as exc:
            out.err(f"error: {exc}")
            return EXIT_USAGE
        for step, example, attempt in built:
            result = run_step_sync(step, attempt, out.lang, proxy_port)
            got = "pass" if result.passed else "fail"
            ok = got == example.expect
            surprises += not ok
            first = next((r for r in result.results if r.passed is False), None)
            rows.append({"lesson": lesson.id, "step": step.id, "example": example.name, "expect": example.expect,
                         "got": got, "ok": ok, "firstFailure": first.expected if first else None,
                         "reason": first.reason if first else None, "where": example.where})
            if args.output == "text":
                mark = out.style.green("✔") if ok else out.style.red("✘")
                out.print(f"{mark} {lesson.id}/{step.id}: {example.name}: expected {example.expect}, got {got}")
                if not ok or args.verbose:
                    _print_results(out, result, indent="    ")
    if args.output == "json":
        json.dump(rows, out.stdout, indent=2, ensure_ascii=False)
        out.print()
    else:
        out.print(f"{len(rows) - surprises} of {len(rows)} examples as declared")
    return EXIT_FAIL if surprises else EXIT_OK


def _hint(out: Output, lesson, store, args) -> int:
    from explorer.lessons.session import Session

    session = Session(lesson, store)
    step = session.step
    revealed = session.reveal_hint()
    total = len(step.hints)
    if revealed is None:
        for number, hint in enumerate(step.hints, start=1):
            out.print(out.say("hint", n=number, total=total))
            out.print(out.prose(hint))
            out.print()
        out.print(out.say("no_more_hints", command=f"{_prog()} lessons solution {lesson.id}"))
        return EXIT_OK
    number, hint = revealed
    out.print(out.style.bold(out.say("step", n=session.index + 1, total=len(lesson.steps), title=out.text(step.title))))
    out.print(out.say("hint", n=number, total=total))
    out.print(out.prose(hint))
    return EXIT_OK


def _solution(out: Output, lesson, store, args) -> int:
    from explorer.lessons.patch import PatchError, describe
    from explorer.lessons.session import Session
    from explorer.lessons.workdir import WorkdirError, read, write

    session = Session(lesson, store)
    index, total = session.index, len(lesson.steps)
    if not args.yes:
        if not sys.stdin.isatty():
            out.err("error: stdin is not a terminal, so I cannot ask before showing the solution; add --yes")
            return EXIT_USAGE
        answer = input(out.say("confirm_solution", n=index + 1))
        if answer.strip().lower() not in ("y", "yes", "はい"):
            return EXIT_OK
    directory = _directory(session, args.dir)
    out.print(out.style.bold(out.say("solution", n=index + 1, total=total)))
    for op in session.step.solution:
        out.print(describe(op))
    try:
        texts = read(directory)
        applied = session.preview_solution(texts)
    except (WorkdirError, PatchError) as exc:
        session.see_solution()
        out.err(f"note: cannot show it as a change to your files: {exc}")
        return EXIT_OK
    for name in sorted(applied.texts):
        before, after = texts.get(name, ""), applied.texts[name]
        if before != after:
            out.print("".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                                   f"a/{name}", f"b/{name}")))
    if not args.apply:
        session.see_solution()
        return EXIT_OK
    session.apply_solution(texts)
    try:
        written = write(directory, applied.texts, texts)
    except OSError as exc:
        out.err(f"error: cannot write into {directory}: {exc.strerror or exc}")
        return EXIT_USAGE
    names = ", ".join(p.name for p in written) or _dir_arg(directory)
    out.print(out.say("applied", files=names, command=f"{_prog()} lessons check {lesson.id}"))
    return EXIT_OK


def _report(out: Output, catalog, store, args) -> int:
    """Per lesson and step: solved, hints used of how many, solution seen; JSON adds who and where."""
    import getpass
    import socket

    progress = store.load()
    lessons = []
    for lesson in catalog.lessons:
        mine = progress.lessons.get(lesson.id)
        steps = []
        for number, step in enumerate(lesson.steps, start=1):
            got = mine.steps.get(step.id) if mine else None
            steps.append({"step": number, "id": step.id, "title": out.text(step.title),
                          "solved": bool(got and got.solved), "hints": got.hints if got else 0,
                          "hintsAvailable": len(step.hints), "sawSolution": bool(got and got.seen_solution)})
        lessons.append({"lesson": lesson.order, "id": lesson.id, "title": out.text(lesson.title),
                        "started": bool(mine and mine.applied), "done": bool(mine and mine.done), "steps": steps})
    if args.json:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = ""
        json.dump({"user": user, "machine": socket.gethostname(), "lessons": lessons}, out.stdout, indent=2,
                  ensure_ascii=False)
        out.print()
        return EXIT_OK
    for row in lessons:
        solved = sum(s["solved"] for s in row["steps"])
        out.print(out.style.bold(f"{row['lesson']:>2} {row['id']}") + f"  {solved}/{len(row['steps'])}")
        for s in row["steps"]:
            mark = out.style.green("✔") if s["solved"] else ("·" if not row["started"] else out.style.red("✘"))
            extra = [out.say("report.hints", n=s["hints"], total=s["hintsAvailable"])]
            if s["sawSolution"]:
                extra.append(out.say("report.solution"))
            out.print(f"   {mark} {s['step']}. {s['title']}  {out.style.dim(', '.join(extra))}")
    return EXIT_OK


def _traffic_rows(out: Output, result) -> list[str]:
    """The goal against now for every check about a request or a handshake: the watch screen's table."""
    from explorer.lessons.spec import HopsCheck, RequestCheck, RouteCheck, TLSCheck

    rows = []
    for r in result.results:
        if not isinstance(r.check, (RouteCheck, RequestCheck, HopsCheck, TLSCheck)):
            continue
        mark = out.style.green("✔") if r.passed else out.style.red("✘")
        target = f"TLS {r.check.sni}" if isinstance(r.check, TLSCheck) else f"GET {r.check.url}"
        rows.append(f"  {mark} {target}")
        rows.append(f"      {out.say('goal_short')}: {r.expected}")
        rows.append(f"      {out.say('now')}: {r.actual}")
    return rows


def _watch(out: Output, lesson, store, args) -> int:
    """Check now, then again after every save in DIR; a solved step moves on. Ctrl-C ends it (exit 0)."""
    import watchfiles

    from explorer.lessons.session import Session

    session = Session(lesson, store)
    directory = _directory(session, args.dir)
    if not directory.is_dir():
        out.err(f"error: {directory} is not a directory; start the lesson first: {_prog()} lessons start {lesson.id}")
        return EXIT_USAGE
    clear = "\x1b[2J\x1b[H" if out.stdout.isatty() else "─" * 40 + "\n"
    # One watcher for the whole session, so a save made while a check runs is not lost; it also wakes every
    # second, and the files are compared with what was checked (a save just before it started counts too).
    changes = watchfiles.watch(directory, debounce=200, step=50, raise_interrupt=True, yield_on_timeout=True,
                               rust_timeout=1000,
                               watch_filter=lambda _change, path: path.endswith((".yaml", ".yml")))
    try:
        while True:
            session = Session(lesson, store)  # another terminal may have moved on, or shown a hint
            out.stdout.write(clear)
            checked = _yaml_files(directory)
            code = _watch_once(out, session, directory)
            out.stdout.flush()
            if code == EXIT_USAGE or session.done or (code == EXIT_OK and args.until_solved):
                return code
            out.print(out.style.dim(out.say("watching", dir=_dir_arg(directory))))
            out.stdout.flush()
            for _ in changes:
                if _yaml_files(directory) != checked:
                    break
    except KeyboardInterrupt:
        out.print()
        return EXIT_OK


def _yaml_files(directory: Path) -> dict[str, bytes]:
    """What the learner's YAML files hold now (watch compares it with what it checked)."""
    found: dict[str, bytes] = {}
    for path in sorted(directory.rglob("*")):
        if path.suffix in (".yaml", ".yml") and path.is_file():
            try:
                found[str(path)] = path.read_bytes()
            except OSError:
                found[str(path)] = b""
    return found


def _watch_once(out: Output, session, directory: Path) -> int:
    from explorer.lessons.runner import run_step_sync
    from explorer.lessons.workdir import WorkdirError, read

    lesson = session.lesson
    try:
        texts = read(directory)
    except WorkdirError as exc:
        out.err(f"error: {exc}")
        return EXIT_USAGE
    step, index, total = session.step, session.index, len(lesson.steps)
    prefix = "" if _dir_arg(directory) == "." else f"{_dir_arg(directory)}/"
    attempt = session.attempt({prefix + name: text for name, text in texts.items()})
    result = run_step_sync(step, attempt, out.lang, proxy_port)
    session.record(attempt, result)
    out.print(out.style.bold(out.say("step", n=index + 1, total=total, title=out.text(step.title)))
              + out.style.dim(f"  ({_dir_arg(directory)}, {out.say('controller', controller=step.profile)})"))
    out.print(out.style.cyan(out.fold(out.say("goal", goal=out.text(step.goal)))))
    out.print()
    rows = _traffic_rows(out, result)
    if rows:
        out.print("\n".join(rows))
        out.print()
    passed = sum(1 for r in result.results if r.passed)
    first = next((r for r in result.results if r.passed is False), None)
    if first is not None:
        out.print(out.say("first_failure"))
        _print_results(out, type(result)(result.step, (first,)))
        out.print()
        out.print(out.style.red(out.say("result.fail", failed=len(result.results) - passed,
                                        total=len(result.results))))
        out.print(out.say("hints_seen", n=session.mine.hints, total=len(step.hints),
                          command=f"{_prog()} lessons hint {lesson.id}"))
        return EXIT_FAIL
    key = "result.pass_seen" if session.mine.seen_solution else "result.pass"
    out.print(out.style.green(out.say(key, n=index + 1, total=total)))
    session.advance()
    if session.done:
        out.print(out.say("complete"))
    return EXIT_OK


_ACTIONS = {"start": _start, "show": _show, "check": _check, "hint": _hint, "solution": _solution,
            "watch": _watch}
