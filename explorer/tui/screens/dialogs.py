"""Small modal screens: a yes/no question, and help for the focused widget and every key."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Ask before doing something that cannot be taken back (overwriting a file)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Yes, do it"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", tooltip="No, leave things as they are"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Static(self.question, id="confirm-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="confirm-yes", variant="warning")
                yield Button(f"{self.no} (n)", id="confirm-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class HelpScreen(ModalScreen[None]):
    """`?` / f1: what the focused widget is for, then every key that works here and what it does."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close", tooltip="Close help")]

    def __init__(self, focused: Widget | None, bindings: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.focused_help = getattr(focused, "HELP", None) if focused is not None else None
        if self.focused_help is None and focused is not None:
            parent = focused.parent
            while parent is not None and self.focused_help is None:
                self.focused_help = getattr(parent, "HELP", None)
                parent = parent.parent
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        from rich.markdown import Markdown  # markdown-it costs 30 ms: paid when help is first opened

        with VerticalScroll(id="help-box", classes="dialog"):
            if self.focused_help:
                yield Static(Markdown(self.focused_help), id="help-focused")
            table = Table("KEY", "ACTION", "WHAT IT DOES", box=None, expand=True, show_edge=False)
            for key, description, tooltip in self.bindings:
                table.add_row(Text(key, style="bold cyan"), description, tooltip)
            yield Static(Markdown("## Keys"), id="help-keys-title")
            yield Static(table, id="help-keys")
            yield Static(Text("Remap any key by its id in ~/.config/ingress-explorer/keymap.toml; "
                              "ctrl+p lists every action. esc closes this.", style="dim"))
