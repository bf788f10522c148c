"""The manifest view: the YAML of the selected object, highlighted, with finding lines marked."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from explorer.tui.shown import shown_path

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
SEVERITY_MARK = {"error": "✘", "warning": "!", "info": "i"}


@dataclass(frozen=True)
class Mark:
    """A line to point at: a finding (severity + message) or the selected rule itself."""

    line: int
    severity: str  # error, warning, info, or "here" for the selected line
    text: str


class ManifestView(VerticalScroll, can_focus=True):
    HELP = """\
## Manifest

The YAML of the selected object as it is written in its file, with the file
and line it starts on. Lines with findings are highlighted and listed under
the code with what is wrong. Press **e** to edit the file.
"""

    DEFAULT_CSS = """
    ManifestView {
        height: 1fr;
    }
    ManifestView > #manifest-where {
        color: $text-muted;
        padding: 0 1;
    }
    """

    def compose(self):
        yield Static("Select a row to see its manifest.", id="manifest-where")
        yield Static("", id="manifest-code")

    def show(self, file: str, document: str | None, first: int, marks: list[Mark]) -> None:
        """Show `document`, the lines of one object, which start at line `first` of `file`.

        Only the object's own lines are handed over (and highlighted): the file
        can be a cluster dump of tens of MiB.
        """
        where = self.query_one("#manifest-where", Static)
        code = self.query_one("#manifest-code", Static)
        here = next((m.line for m in marks if m.severity == "here"), first)
        where.update(f"{shown_path(file)}:{here}")
        if document is None:
            code.update(Text(f"{file} is not open as text (it could not be read)", style="red"))
            return
        from rich.syntax import Syntax  # pygments: not needed before a manifest is shown

        syntax = Syntax(
            document, "yaml", line_numbers=True, start_line=first, word_wrap=False,
            highlight_lines={m.line for m in marks}, theme="ansi_dark", background_color="default",
        )
        notes = Text()
        for mark in sorted(marks, key=lambda m: m.line):
            if mark.severity == "here":
                continue
            notes.append(f"\n{SEVERITY_MARK.get(mark.severity, '•')} line {mark.line}: ",
                         style=SEVERITY_STYLE.get(mark.severity, ""))
            notes.append(mark.text)
        code.update(Group(syntax, notes) if notes else syntax)
        self.scroll_home(animate=False)
