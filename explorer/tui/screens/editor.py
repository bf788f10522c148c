"""The editor pane: change a manifest, apply it (everything redraws), undo, and save only when asked."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual import work
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Static, TextArea

from explorer.tui.screens.dialogs import ConfirmScreen
from explorer.tui.workspace import SaveRefused

if TYPE_CHECKING:
    from explorer.tui.view import View
from explorer.tui.base import ExplorerApp
from explorer.tui.widgets.footer import KeysFooter


class EditorScreen(Screen):
    app = getters.app(ExplorerApp)

    HELP = """\
## Editor

Edit the manifest, then **f5** applies it: a new state is loaded from this
text and the table, the diagram, the findings and the proxy all follow it at
once. **f8** undoes the last apply. Nothing is written to the file until you
press **ctrl+s**, and you are asked first. **esc** closes the editor.
"""

    BINDINGS = [
        Binding("f5", "apply", "Apply", id="editor.apply",
                tooltip="Load this text as the new state: table, diagram, findings and proxy follow it"),
        Binding("f8", "undo_apply", "Undo apply", id="editor.undo",
                tooltip="Go back to the state before the last apply (the text stays as it is)"),
        Binding("ctrl+s", "save", "Save", id="editor.save",
                tooltip="Write this text to the file; you are asked before anything is written"),
        Binding("escape", "close", "Close", id="editor.close", priority=True,
                tooltip="Close the editor; applied changes stay, text not applied is dropped"),
    ]

    def __init__(self, file: str, text: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.file = file
        self.opened_text = text

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Editing {self.file}   f5 apply · f8 undo apply · ctrl+s save · esc close",
                     id="editor-title", classes="panel-title")
        yield TextArea(self.opened_text, id="editor", show_line_numbers=True, tab_behavior="indent",
                       soft_wrap=False)
        yield Static("Not applied yet.", id="editor-status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        self.watch(self.app, "view", self._view_changed, init=False)

    def _view_changed(self, view: View | None) -> None:
        """Say what the last f5 or f8 did, once the new state is on screen."""
        if view is None:
            return
        if view.why == f"applied your edit to {self.file}":
            problems = [p for p in view.state.problems if p.location.file == self.file and p.severity == "error"]
            when = time.strftime("%H:%M:%S")
            if problems:
                self.status(f"Applied at {when}, with {len(problems)} problem(s): {problems[0]}")
            else:
                self.status(f"Applied at {when}: the table, diagram, findings and proxy follow this text. "
                            "Not saved yet (ctrl+s).")
        elif view.why == "undid the last change":
            self.status(f"Undid the last apply at {time.strftime('%H:%M:%S')}: the state before it is shown "
                        "(the text here stays as it is; f5 applies it again).")

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def status(self, text: str) -> None:
        self.query_one("#editor-status", Static).update(text)

    def action_apply(self) -> None:
        if self.app.workspace.text_of(self.file) == self.text:
            self.status("Already applied: this text is the state shown (f5 again makes no new undo step).")
            return
        self.status("Applying…")
        self.app.apply_edit(self.file, self.text)

    def action_undo_apply(self) -> None:
        self.app.undo_apply()

    def action_close(self) -> None:
        self.dismiss()

    def file_changed(self, text: str) -> None:
        """The file changed on disk: take the new text when there are no edits here, else say so."""
        editor = self.query_one(TextArea)
        if editor.text == self.opened_text:
            self.opened_text = text
            editor.load_text(text)
            self.status(f"{self.file} changed on disk; the editor shows the new text.")
        else:
            self.notify(f"{self.file} changed on disk; your edits here are kept (saving will ask before "
                        "overwriting)", title="Editor", severity="warning")

    @work(exclusive=True, exit_on_error=False, group="save")
    async def action_save(self) -> None:
        text = self.text
        workspace = self.app.workspace
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        if not await self.app.push_screen_wait(ConfirmScreen(f"Write {lines} lines to {self.file}?", "Save",
                                                             "Cancel")):
            self.status("Not saved.")
            return
        try:
            workspace.save(self.file, text)
        except SaveRefused as refused:
            if "changed on disk" not in str(refused):
                self.notify(str(refused), title="Save", severity="error")
                return
            question = f"{refused}. Overwrite {self.file} anyway?"
            if not await self.app.push_screen_wait(ConfirmScreen(question, "Overwrite", "Cancel")):
                self.status("Not saved: the file on disk was left as it is.")
                return
            try:
                workspace.save(self.file, text, overwrite_changed=True)
            except SaveRefused as again:
                self.notify(str(again), title="Save", severity="error")
                return
        self.opened_text = text
        self.status(f"Saved {self.file}.")
        self.notify(f"saved {self.file}", title="Save")
