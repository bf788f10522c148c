"""Lessons mode: the lesson list with progress, the step beside its flow, the manifests in an editor.

After every edit the step's checks run again (pure ones at once, on the
editor's text) and the goal and the current state are shown side by side:
each check as "goal | now", and the flow of the step's request as it would
be once solved above the flow as it is now (Learn Git Branching's "show
goal"). f5 applies: the files are saved into the lesson's folder, the
simulated cluster takes them, and every check runs, real HTTP and TLS
through the embedded proxy included. `h` reveals a hint, `v` the solution
(after asking), `n` opens the next step once this one is solved. A file
saved from another editor is read back and checked at once (watchfiles),
unless the lesson screen holds unsaved edits of it, which are never
overwritten.

The lesson's files live in the folder `lessons start` chose, or under the
state directory (…/ingress-explorer/work/ID), so a learner can switch
between the command line and the app, and progress survives a restart.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, OptionList, Static, TabbedContent, TabPane, TextArea
from textual.widgets.option_list import Option

from explorer.lessons.attempt import Attempt, remember
from explorer.lessons.catalog import load_catalog
from explorer.lessons.checks import CheckResult, StepResult, check_step
from explorer.lessons.messages import say
from explorer.lessons.patch import PatchError, apply_solution, describe, without
from explorer.lessons.progress import ProgressStore, state_dir
from explorer.lessons.session import Session
from explorer.lessons.spec import Catalog, Lesson, RequestCheck, RouteCheck, HopsCheck, Step, TLSCheck
from explorer.lessons.text import LANGS, language_from_env, pick, reflow
from explorer.lessons import workdir
from explorer.lessons.controllers import lesson_profile
from explorer.routing import Request, route
from explorer.export.flowboxes import DrawnFlow, diagram_for
from explorer.tui.screens.dialogs import ConfirmScreen
from explorer.tui.widgets.flow import FlowDiagram, hop_seconds
from explorer.traffic import TrafficPort
from explorer.lessons.runner import PortFactory

#: Seconds of quiet typing before the checks run again on the editor's text.
PREVIEW_DELAY = 0.4
#: Seconds each hop stays lit while the demo request travels.
HOP_SECONDS = 0.15

_TEXTS = {
    "goal_flow": {"en": "Goal: once solved", "ja": "ゴール: 解けたとき"},
    "now_flow": {"en": "Now: your manifests", "ja": "現在: あなたのマニフェスト"},
    "checks": {"en": "Goal | now, for every check (f5 applies and runs them all)",
               "ja": "チェックごとのゴールと現在（f5 で適用してすべて実行）"},
    "goal": {"en": "goal", "ja": "ゴール"},
    "now": {"en": "now", "ja": "現在"},
    "pick": {"en": "Pick a lesson on the left and press enter.", "ja": "左でレッスンを選んで enter を押してください。"},
    "solved": {"en": "Solved! Press n for the next step.", "ja": "解けました！ n で次のステップへ。"},
    "solved_seen": {"en": "Solved, after seeing the solution. Press n for the next step.",
                    "ja": "解答を見た後に解けました。n で次のステップへ。"},
    "editing": {"en": "Edit the manifests below; f5 applies and checks. esc leaves the editor (h hint, v solution).",
                "ja": "下のマニフェストを編集し、f5 で適用してチェックします。esc でエディターを離れます（h ヒント、v 解答）。"},
    "outside": {"en": "{files} saved outside: read back and checked.",
                "ja": "{files} が外部で保存されたので読み込んでチェックしました。"},
    "outside_kept": {"en": "{files} changed on disk; your unsaved edits here are kept (f5 saves them over it).",
                     "ja": "{files} がディスク上で変わりましたが、ここでの未保存の編集はそのままです（f5 で上書き保存）。"},
    "hint_more": {"en": "h: next hint · esc: back to the lesson", "ja": "h: 次のヒント · esc: レッスンに戻る"},
    "hint_last": {"en": "That was the last hint; v shows the solution. esc: back to the lesson",
                  "ja": "ヒントはこれで全部です。v で解答を表示します。esc: レッスンに戻る"},
    "not_yet": {"en": "Not solved yet: f5 applies your edits and checks them.",
                "ja": "まだ解けていません。f5 で編集を適用してチェックします。"},
    "unsaved": {"en": "Edited: the table shows your text; f5 applies it.",
                "ja": "編集中: 表はこのテキストの結果です。f5 で適用します。"},
    "checking": {"en": "Checking (real requests through the embedded proxy)…",
                 "ja": "チェック中（組み込みプロキシ経由で実際にリクエストしています）…"},
    "no_more_hints": {"en": "That was the last hint; v shows the solution.",
                      "ja": "ヒントはこれで全部です。v で解答を表示します。"},
    "solve_first": {"en": "Solve this step first: f5 checks it.", "ja": "先にこのステップを解いてください（f5 でチェック）。"},
    "confirm": {"en": "Show the solution of step {n} and apply it to your files? The step will count as solved "
                      "with the solution.",
                "ja": "ステップ {n} の解答を表示して、ファイルに適用しますか？ このステップは解答を見て解いたものとして記録されます。"},
    "applied_solution": {"en": "The solution is applied to your files:", "ja": "解答をファイルに適用しました:"},
    "hints": {"en": "Hints", "ja": "ヒント"},
    "no_request": {"en": "This step sends no request.", "ja": "このステップはリクエストを送りません。"},
    "gateway_flow": {"en": "No Gateway takes this step's request, so there is no flow to draw: the checks below "
                           "say what was sent and what answered.",
                     "ja": "このステップのリクエストを受ける Gateway がないため、経路図は描けません。送ったものと"
                           "応答したものは下のチェックに表示されます。"},
    "demo_failed": {"en": "Demo GET {url}: no answer yet ({error}). That is what this step is about.",
                    "ja": "デモ GET {url}: まだ応答がありません（{error}）。このステップで直すところです。"},
}


def _t(key: str, lang: str, **values: object) -> str:
    return pick(_TEXTS[key], lang).format(**values)


class LessonsScreen(Screen):
    HELP = """\
## Lessons

Ten lessons on Kubernetes Ingress, in English and Japanese, checked on your
own manifests. Pick a lesson on the left (**enter**). Read the step, edit the
manifests in the editor below: after every edit the table shows each check's
goal beside what your manifests do now, and the two flow diagrams show the
way the step's request would go once solved and the way it goes now.

**f5** applies your edits (they are saved in the lesson's folder) and runs
every check, real requests through the embedded proxy included. **h** shows
the next hint, **v** the solution (you are asked first), **n** the next step
once this one is solved, **d** sends the step's demo request and lights the
hops it reaches, **L** switches between English and Japanese. **esc** leaves
the editor so these keys work. Progress is kept: `ingress-explorer lessons
list` shows it too.
"""

    BINDINGS = [
        Binding("f5", "apply", "Apply & check", id="lessons.apply", priority=True,
                tooltip="Save your edits into the lesson's folder and run every check of the step"),
        Binding("h", "hint", "Hint", id="lessons.hint", tooltip="Reveal the next hint of this step"),
        Binding("v", "solution", "Solution", id="lessons.solution",
                tooltip="Show the solution and apply it to your files (you are asked first)"),
        Binding("n", "next", "Next", id="lessons.next", tooltip="Go to the next step once this one is solved"),
        Binding("d", "demo", "Demo", id="lessons.demo",
                tooltip="Send the step's request through the embedded proxy and light the hops it reaches"),
        Binding("L", "switch_language", "Language", id="lessons.language",
                tooltip="Switch the lesson texts between English and Japanese"),
        Binding("l", "lessons", "Lessons", id="lessons.list",
                tooltip="Show or hide the list of lessons with your progress"),
        Binding("escape", "leave_editor", "Leave editor", id="lessons.leave", show=False,
                tooltip="Leave the editor so single keys (h, v, n, d, L) work"),
    ]

    def __init__(self, store: ProgressStore | None = None, catalog: Catalog | None = None, lang: str | None = None,
                 work_root: Path | None = None, ports: PortFactory | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ports: PortFactory = ports or _embedded_proxy
        self.store = store or ProgressStore()
        self.catalog = catalog or load_catalog()
        self.lang = lang or language_from_env()
        self.work_root = work_root or state_dir() / "work"
        self.session: Session | None = None
        self.directory: Path | None = None
        self.files: list[str] = []  # the lesson's file names, in tab order
        self.texts: dict[str, str] = {}  # what the editor holds
        self.applied: dict[str, str] = {}  # what was last applied (saved and checked)
        self.result: StepResult | None = None  # the last full check (f5) of the current step
        self.shown: tuple[CheckResult, ...] = ()  # the results the table shows
        self.now_drawn: DrawnFlow | None = None  # the current flow, to light its hops during a demo
        self._preview_timer: Timer | None = None
        self._demo_pending = False
        self._pick_tab = False

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="lessons-main"):
            yield OptionList(id="lesson-list")
            with Vertical(id="lesson-body"):
                yield Static(_t("pick", self.lang), id="step-title", classes="panel-title")
                with Horizontal(id="lesson-top"):
                    with VerticalScroll(id="step-text-wrap"):
                        yield Static("", id="step-text")
                        yield Static("", id="step-hints")
                    with VerticalScroll(id="flows-wrap"):  # one scroll area for both flows, side by side
                        with Horizontal(id="flows"):
                            with Vertical(classes="lesson-flow"):
                                yield Static("", id="goal-flow-title", classes="flow-title")
                                yield FlowDiagram(empty="", id="goal-flow")
                            with Vertical(classes="lesson-flow"):
                                yield Static("", id="now-flow-title", classes="flow-title")
                                yield FlowDiagram(empty="", id="now-flow")
                with VerticalScroll(id="lesson-checks-wrap"):
                    yield Static("", id="lesson-checks")
                yield TabbedContent(id="lesson-files")
                yield Static("", id="lesson-status")
        yield Footer()

    DEFAULT_CSS = """
    LessonsScreen #lesson-list { width: 36; height: 1fr; }
    LessonsScreen.-lesson-open #lesson-list { display: none; }
    LessonsScreen.-lesson-open #lesson-list.-shown { display: block; }
    LessonsScreen #lesson-body { width: 1fr; }
    LessonsScreen #lesson-top { height: 1fr; }
    LessonsScreen #step-text-wrap { width: 1fr; padding: 0 1; }
    LessonsScreen #step-hints { color: $warning; margin-top: 1; }
    LessonsScreen #flows-wrap { width: 2fr; }
    LessonsScreen #flows { height: auto; }
    LessonsScreen .lesson-flow { width: 1fr; height: auto; }
    LessonsScreen.-narrow #flows-wrap { display: none; }
    LessonsScreen .flow-title { color: $text-muted; text-style: bold; padding: 0 1; }
    LessonsScreen #lesson-checks-wrap { height: auto; max-height: 9; }
    LessonsScreen.-short #lesson-checks-wrap { max-height: 4; }
    LessonsScreen #lesson-checks { padding: 0 1; }
    LessonsScreen #lesson-files { height: 1fr; min-height: 13; }  /* 8 lines of YAML, tabs, borders, scrollbar */
    LessonsScreen #lesson-files TextArea { height: 1fr; }
    LessonsScreen #lesson-status { height: 1; padding: 0 1; }
    """

    def on_resize(self) -> None:
        """On a small terminal the editor keeps its lines: the checks table shrinks and the flows step aside."""
        self.set_class(self.size.height < 32, "-short")
        self.set_class(self.size.width < 100, "-narrow")

    def on_mount(self) -> None:
        self.on_resize()
        self._fill_list()
        for problem in self.catalog.problems:
            self.notify(problem, title="Lessons", severity="warning", timeout=10)
        if self.store.notice:
            self.notify(self.store.notice, title="Progress", severity="warning", timeout=10)
        self.query_one("#lesson-list", OptionList).focus()

    def _fill_list(self) -> None:
        progress = self.store.load()
        options = []
        for lesson in self.catalog.lessons:
            mine = progress.lessons.get(lesson.id)
            total = len(lesson.steps)
            solved = sum(1 for s in lesson.steps if mine and mine.steps.get(s.id) and mine.steps[s.id].solved)
            mark = "✔" if mine and mine.done else ("▸" if mine and mine.applied else " ")
            prompt = Text.assemble(f"{mark} {lesson.order:>2} ", (pick(lesson.title, self.lang), "bold"),
                                   (f"\n     {solved}/{total}", "dim"))
            options.append(Option(prompt, id=lesson.id))
        listing = self.query_one("#lesson-list", OptionList)
        highlighted = listing.highlighted
        listing.clear_options()
        listing.add_options(options)
        if self.session is not None:
            listing.highlighted = self.catalog.lessons.index(self.session.lesson)
        elif options:
            listing.highlighted = highlighted or 0

    # ------------------------------------------------------------ opening a lesson

    @on(OptionList.OptionSelected, "#lesson-list")
    async def _picked(self, event: OptionList.OptionSelected) -> None:
        lesson = self.catalog.get(event.option.id or "")
        if lesson is not None:
            await self.open_lesson(lesson)

    async def open_lesson(self, lesson: Lesson) -> None:
        session = Session(lesson, self.store)
        directory = Path(session.progress.dir) if session.progress.dir else self.work_root / lesson.id
        try:
            if not session.started or not directory.is_dir() or not workdir.manifest_files(directory):
                workdir.start(lesson, directory, force=True)
                session.begin(str(directory))
            texts = workdir.read(directory)
        except (workdir.WorkdirError, OSError) as exc:
            self.notify(str(exc), title="Lessons", severity="error", timeout=10)
            return
        self.session, self.directory = session, directory
        self.add_class("-lesson-open")
        self.query_one("#lesson-list", OptionList).remove_class("-shown")
        self.texts, self.applied, self.result = dict(texts), dict(texts), None
        await self._build_editors()
        self.show_step()
        self._fill_list()
        self.watch_folder(directory)

    @work(exclusive=True, exit_on_error=False, name="watching the lesson's folder", group="lesson-watch")
    async def watch_folder(self, directory: Path) -> None:
        """Read back what another editor saves into the lesson's folder, and check it."""
        import watchfiles

        async for _ in watchfiles.awatch(directory, debounce=200, step=50,
                                         watch_filter=lambda _c, path: path.endswith((".yaml", ".yml"))):
            if self.directory != directory:
                return
            await self.outside_save()

    async def outside_save(self) -> None:
        """The folder changed: take the files nobody edits here, keep the learner's unsaved edits, check."""
        if self.directory is None or self.session is None:
            return
        try:
            disk = workdir.read(self.directory)
        except (workdir.WorkdirError, OSError):
            return
        changed = sorted(name for name in set(disk) | set(self.applied) if disk.get(name) != self.applied.get(name))
        if not changed:
            return  # our own save
        kept = [name for name in changed if self.texts.get(name) != self.applied.get(name)]
        if kept:
            self.notify(_t("outside_kept", self.lang, files=", ".join(kept)), title="Lessons", severity="warning")
            return
        self.texts, self.applied = dict(disk), dict(disk)
        if sorted(disk) != self.files:
            await self._build_editors()
        else:
            for name in changed:
                self.editor(name).load_text(disk[name])
        self._status(_t("outside", self.lang, files=", ".join(changed)), "yellow")
        self.run_checks()

    async def _build_editors(self) -> None:
        tabs = self.query_one("#lesson-files", TabbedContent)
        await tabs.clear_panes()
        self.files = sorted(self.texts)
        for index, name in enumerate(self.files):
            await tabs.add_pane(TabPane(name, TextArea(self.texts[name], show_line_numbers=True, tab_behavior="indent",
                                                       soft_wrap=False, id=f"lesson-editor-{index}"),
                                        id=f"lesson-file-{index}"))

    def editor(self, name: str) -> TextArea:
        """The editor of one of the lesson's files (tests type into it as a learner would)."""
        return self.query_one(f"#lesson-editor-{self.files.index(name)}", TextArea)

    # ------------------------------------------------------------ the step

    def show_step(self) -> None:
        session = self.session
        if session is None:
            return
        lesson, step, lang = session.lesson, session.step, self.lang
        title = say("step", lang, n=session.index + 1, total=len(lesson.steps), title=pick(step.title, lang))
        self.query_one("#step-title", Static).update(
            f"{say('lesson', lang, order=lesson.order, title=pick(lesson.title, lang))} · {title} · "
            f"{say('controller', lang, controller=step.profile)}")
        body = Text(reflow(pick(step.text, lang), lang))
        body.append("\n\n" + say("goal", lang, goal=reflow(pick(step.goal, lang), lang)), style="bold cyan")
        if session.done:
            body.append("\n\n" + say("complete", lang), style="bold green")
            if lesson.outro is not None:
                body.append("\n\n" + reflow(pick(lesson.outro, lang), lang))
        self.query_one("#step-text", Static).update(body)
        self._show_hints()
        self.query_one("#goal-flow-title", Static).update(_t("goal_flow", lang))
        self.query_one("#now-flow-title", Static).update(_t("now_flow", lang))
        self._demo_pending = step.demo is not None  # sent once the current flow is drawn
        self._pick_tab = True
        self.preview()

    def _show_hints(self) -> None:
        session = self.session
        assert session is not None
        shown = session.hints_shown()
        text = Text()
        for number, hint in enumerate(shown, start=1):
            text.append(say("hint", self.lang, n=number, total=len(session.step.hints)) + "\n", style="bold")
            text.append(reflow(pick(hint, self.lang), self.lang) + "\n")
        self.query_one("#step-hints", Static).update(text)

    def _status(self, text: str, style: str = "") -> None:
        self.query_one("#lesson-status", Static).update(Text(text, style=style))

    # ------------------------------------------------------------ checks after every edit

    @on(TextArea.Changed)
    def _edited(self, event: TextArea.Changed) -> None:
        area = event.text_area
        if not (area.id or "").startswith("lesson-editor-") or self.session is None:
            return
        name = self.files[int((area.id or "").rsplit("-", 1)[1])]
        if self.texts.get(name) == area.text:
            return
        self.texts[name] = area.text
        self._status(_t("unsaved", self.lang), "yellow")
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(PREVIEW_DELAY, self.preview)

    @work(thread=True, exclusive=True, exit_on_error=False, name="checking the step", group="lesson-preview")
    def preview(self) -> None:
        """The pure checks and both flows, on the editor's text (nothing applied yet)."""
        session = self.session
        if session is None:
            return
        step, texts = session.step, dict(self.texts)
        attempt = session.attempt(texts)
        result = check_step(step, attempt, self.lang)
        goal = self._goal_attempt(session, attempt)
        flows = (self._drawn(step, goal), self._drawn(step, attempt))
        self.app.call_from_thread(self._show_preview, step, result, flows)

    def _goal_attempt(self, session: Session, attempt: Attempt) -> Attempt:
        """The learner's files with this step's solution applied (or the solutions so far, on the start files)."""
        try:
            applied = apply_solution(attempt.texts, session.step.solution)
        except PatchError:
            texts = session.lesson.start_texts()
            for step in session.lesson.steps[: session.index + 1]:
                texts = apply_solution(texts, step.solution).texts
            return Attempt(texts, attempt.history, attempt.namespace)
        history = list(attempt.history)
        for target in applied.recreated:
            history = remember(remember(history, attempt.texts), without(applied.texts, target))
        return Attempt(applied.texts, history, attempt.namespace)

    def _drawn(self, step: Step, attempt: Attempt):
        request = _step_request(step)
        if request is None:
            return None
        url, host, profile_name = request
        profile = lesson_profile(profile_name)
        if profile.front_end == "gateway":
            return _gateway_drawn(attempt, url, host)
        try:
            decision = route(attempt.state, profile, Request.from_url(url, headers=(("Host", host),) if host else ()))
        except ValueError:
            return None
        return diagram_for(attempt.state, profile, decision, attempt.controller(profile))

    def _show_preview(self, step: Step, result: StepResult, flows) -> None:
        if self.session is None or self.session.step is not step:
            return
        if self.result is None or self.result.step is not step or self.texts != self.applied:
            self._show_results(result)
        if self._pick_tab:  # a step opens on the file its first failing check points at
            self._pick_tab = False
            where = next((r.where for r in result.results if r.passed is False and r.where), "")
            name = next((n for n in self.files if where.startswith(f"{n}:")), None)
            if name is not None:
                self.query_one("#lesson-files", TabbedContent).active = f"lesson-file-{self.files.index(name)}"
        goal, now = flows
        if goal is None:  # said before show(), which repaints: `empty` is not reactive
            gateway = lesson_profile(step.profile).front_end == "gateway"
            now_flow = self.query_one("#now-flow", FlowDiagram)
            now_flow.empty = _t("gateway_flow" if gateway else "no_request", self.lang)
            now_flow.refresh(layout=True)
        self.query_one("#goal-flow", FlowDiagram).show(goal.diagram if goal else None)
        self.query_one("#now-flow", FlowDiagram).show(now.diagram if now else None)
        self.now_drawn = now
        if self._demo_pending and now is not None:
            self._demo_pending = False
            self.action_demo()

    def _show_results(self, result: StepResult) -> None:
        """Goal beside now, one row per check; a failing row says why and where to look."""
        self.shown = result.results
        table = Table(box=None, expand=True, show_edge=False, pad_edge=False, title=_t("checks", self.lang),
                      title_justify="left", title_style="bold")
        table.add_column("", width=1, no_wrap=True)
        table.add_column(_t("goal", self.lang), ratio=1)
        table.add_column(_t("now", self.lang), ratio=1)
        order = {False: 0, None: 1, True: 2}  # what fails first (a loading error first of all), then the rest
        for r in sorted(result.results, key=lambda r: order[r.passed]):
            mark = Text("✔", style="green") if r.passed else Text("…", style="yellow") if r.passed is None \
                else Text("✘", style="bold red")
            now = Text(r.actual, style="green" if r.passed else "")
            if r.passed is False and r.reason:
                now.append("\n" + say("why", self.lang, reason=r.reason), style="dim")
            if r.passed is False and r.where:
                now.append("\n" + say("look", self.lang, where=r.where), style="bold")
            table.add_row(mark, r.expected, now)
        self.query_one("#lesson-checks", Static).update(table)

    # ------------------------------------------------------------ apply and check

    def action_apply(self) -> None:
        if self.session is None or self.directory is None:
            return
        self.texts.update({name: self.editor(name).text for name in self.files})  # typed just now, too
        try:
            workdir.write(self.directory, self.texts, self.applied)
        except OSError as exc:
            self.notify(f"cannot save into {self.directory}: {exc.strerror or exc}", title="Lessons",
                        severity="error")
            return
        self.applied = dict(self.texts)
        self._status(_t("checking", self.lang), "yellow")
        self.run_checks()

    @work(exclusive=True, exit_on_error=False, name="running the checks", group="lesson-check")
    async def run_checks(self) -> None:
        from explorer.lessons.runner import run_step  # starts the proxy: imported when first needed

        session = self.session
        if session is None:
            return
        step = session.step
        attempt = session.attempt(dict(self.applied))
        result = await run_step(step, attempt, self.lang, self.ports)
        session.record(attempt, result)
        if session.step is not step:
            return
        self.result = result
        self._show_results(result)
        if result.passed:
            solved = _t("solved_seen" if session.mine.seen_solution else "solved", self.lang)
            self._status(solved, "bold green")
            self.query_one("#lesson-checks-wrap").focus()  # so the `n` the learner types next is not typed into YAML
            self.notify(solved, title="Lessons", timeout=6)
        else:
            self._status(say("result.fail", self.lang, failed=len(result.failures), total=len(result.results)),
                         "bold red")
        self._fill_list()
        self.preview()

    # ------------------------------------------------------------ hint, solution, next

    @work(exclusive=True, exit_on_error=False, group="lesson-hint")
    async def action_hint(self) -> None:
        """The next hint, in a box in the middle of the screen (and kept under the step's text)."""
        session = self.session
        if session is None:
            return
        while True:
            session.reveal_hint()
            self._show_hints()
            shown = session.hints_shown()
            last = len(shown) >= len(session.step.hints)
            title = say("hint", self.lang, n=len(shown), total=len(session.step.hints))
            more = await self.app.push_screen_wait(
                HintScreen(title, reflow(pick(shown[-1], self.lang), self.lang),
                           _t("hint_last" if last else "hint_more", self.lang), last))
            if not more:
                return

    @work(exclusive=True, exit_on_error=False, group="lesson-solution")
    async def action_solution(self) -> None:
        session = self.session
        if session is None:
            return
        question = _t("confirm", self.lang, n=session.index + 1)
        if not await self.app.push_screen_wait(ConfirmScreen(question)):
            return
        try:
            applied = session.apply_solution(dict(self.texts))
        except PatchError as exc:
            session.see_solution()
            self.notify(str(exc), title="Lessons", severity="warning", timeout=10)
            return
        added = any(name not in self.files for name in applied.texts)
        changed = [name for name, text in applied.texts.items() if self.texts.get(name) != text]
        self.texts.update(applied.texts)
        if added:
            await self._build_editors()
        else:
            for name in changed:
                self.editor(name).load_text(self.texts[name])
        shown = Text(_t("applied_solution", self.lang) + "\n", style="bold")
        shown.append("\n".join(describe(op) for op in session.step.solution))
        self.query_one("#step-hints", Static).update(shown)
        self.action_apply()

    def action_next(self) -> None:
        session = self.session
        if session is None:
            return
        if not session.advance():
            self.notify(_t("solve_first", self.lang), title="Lessons")
            return
        self.result = None
        self._fill_list()
        self.show_step()
        if session.done:
            self._status(say("complete", self.lang), "bold green")
        else:
            self._status(_t("editing", self.lang), "dim")
            active = self.query_one("#lesson-files", TabbedContent).active or "lesson-file-0"
            if self.files:
                self.query_one(f"#lesson-editor-{active.rsplit('-', 1)[1]}", TextArea).focus()

    def action_switch_language(self) -> None:
        self.lang = LANGS[(LANGS.index(self.lang) + 1) % len(LANGS)]
        self._fill_list()
        if self.session is None:
            self.query_one("#step-title", Static).update(_t("pick", self.lang))
        else:
            self.result = None
            self.show_step()

    def action_leave_editor(self) -> None:
        self.query_one("#lesson-checks-wrap").focus()

    def action_lessons(self) -> None:
        """Show or hide the lesson list (it hides while a lesson is open, to leave room for the flows)."""
        listing = self.query_one("#lesson-list", OptionList)
        listing.set_class(not listing.has_class("-shown"), "-shown")
        if listing.has_class("-shown") or not self.has_class("-lesson-open"):
            listing.focus()

    # ------------------------------------------------------------ the demo

    @work(exclusive=True, exit_on_error=False, name="demo request", group="lesson-demo")
    async def action_demo(self) -> None:
        from explorer.lessons.runner import send_demo

        session = self.session
        request = _step_request(session.step) if session is not None else None
        drawn = self.now_drawn
        if session is None or request is None:
            return
        url, host, profile = request
        if drawn is None and lesson_profile(profile).front_end != "gateway":  # a Gateway's flow is not drawn: sent
            return
        run = await send_demo(session.attempt(dict(self.applied)), url, host, lesson_profile(profile), self.ports)
        if run.summary is None:  # the step's start state often answers nothing: that is the lesson, not a crash
            self._status(_t("demo_failed", self.lang, url=url, error=run.error), "dim")
            return
        flow = self.query_one("#now-flow", FlowDiagram)
        boxes = [b for b in (drawn.box_for_hop(kind) for kind in run.hops) if b is not None] if drawn else []
        for box in boxes:
            flow.lit = box
            await asyncio.sleep(hop_seconds(self.app, HOP_SECONDS))
        flow.lit = None
        flow.passed = max(boxes, default=-1)
        s = run.summary
        self._status(f"GET {url}{f' (Host: {host})' if host else ''} → {s.status} {s.reason} · Pod {s.pod}",
                     "green" if s.status < 400 else "red")


def _gateway_drawn(attempt: Attempt, url: str, host: str | None) -> DrawnFlow | None:
    """The request's way through the Gateway (client, listener, HTTPRoute rule, what answered); None when no
    Gateway takes it (the panel then says so)."""
    from explorer.export.gatewayboxes import request_diagram
    from explorer.routing.gateway import routing_for

    try:
        request = Request.from_url(url, headers=(("Host", host),) if host else ())
        diagram = request_diagram(attempt.state, routing_for(attempt.state), request)
    except ValueError:  # no Gateway, or none whose listeners take the URL (GatewaySelectionError)
        return None
    return DrawnFlow(diagram, {"client": 0})


class HintScreen(ModalScreen[bool]):
    """One hint, where the eye is: `h` shows the next one (True), esc or enter goes back (False)."""

    DEFAULT_CSS = """
    HintScreen { align: center middle; }
    HintScreen #hint-box { width: 70%; max-width: 90; height: auto; max-height: 80%; border: round $warning;
                           background: $panel; padding: 1 2; }
    HintScreen #hint-title { text-style: bold; color: $warning; }
    HintScreen #hint-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("h", "more", "Next hint", id="hint.more", tooltip="Show the next hint"),
        Binding("escape,enter,space,q", "back", "Back", id="hint.back", tooltip="Back to the lesson"),
    ]

    def __init__(self, title: str, text: str, keys: str, last: bool) -> None:
        super().__init__()
        self.hint_title, self.text, self.keys, self.last = title, text, keys, last

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="hint-box"):
            yield Static(self.hint_title, id="hint-title")
            yield Static(self.text, id="hint-text")
            yield Static(self.keys, id="hint-keys")

    def action_more(self) -> None:
        self.dismiss(not self.last)

    def action_back(self) -> None:
        self.dismiss(False)


def _embedded_proxy() -> TrafficPort:
    """The embedded proxy on 127.0.0.1 (imported when the first check needs it: aiohttp is heavy)."""
    from explorer.proxy.server import Proxy, ProxyOptions

    return Proxy(ProxyOptions(listen="127.0.0.1"))


def _step_request(step: Step) -> tuple[str, str | None, str] | None:
    """The request a step is about: its demo, else the first check that sends one."""
    if step.demo is not None:
        return step.demo.url, step.demo.host, step.demo.profile or step.profile
    for check in step.checks:
        if isinstance(check, (RouteCheck, RequestCheck, HopsCheck)):
            return check.url, check.host, check.profile or step.profile
        if isinstance(check, TLSCheck):
            return f"https://{check.sni}/", None, check.profile or step.profile
    return None
