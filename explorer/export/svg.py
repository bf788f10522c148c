"""The box drawing (the TUI's) as an SVG picture (rich's terminal export), with local fonts only.

rich's template loads Fira Code from a CDN when a browser opens the file;
slides are shown offline and the tool never sends traffic anywhere, so the
font is asked of the machine instead. Renderers that ignore `textLength`
(librsvg) place glyphs by the font's own advance, so the cell width is set
to DejaVu Sans Mono's (Menlo has the same metrics), and `xml:space` keeps
the spaces that indent a row of boxes: the boxes stay closed and aligned.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Sequence

from rich._export_format import CONSOLE_SVG_FORMAT
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from explorer.export.boxes import Diagram

_REMOTE_FONT = re.compile(r',\s*url\("https?://[^"]*"\) format\("[^"]*"\)')
FONTS = '"DejaVu Sans Mono", Menlo, "Fira Code", monospace'
FONT_ASPECT_RATIO = 0.602  # DejaVu Sans Mono and Menlo: advance width / font size
SVG_FORMAT = (_REMOTE_FONT.sub("", CONSOLE_SVG_FORMAT)
              .replace("font-family: Fira Code, monospace;", f"font-family: {FONTS};")
              .replace('<svg class="rich-terminal"', '<svg xml:space="preserve" class="rich-terminal"', 1))


#: The widest an SVG diagram is laid out for, looking for a width at which no box cuts its text.
WIDEST = 400


def uncut_width(diagrams: Sequence[Diagram], least: int) -> int:
    """The narrowest width from `least` up at which no box of `diagrams` cuts a line ("…"); an SVG has room.

    A terminal has its columns; a picture does not, and a Pod name cut in it
    cannot be read anywhere else.
    """
    from explorer.export.boxes import render

    width = least
    while width < WIDEST and any(_cuts_a_name(render(d, width, whole_names=True).plain) for d in diagrams):
        width += 20
    return width


def _cuts_a_name(drawn: str) -> bool:
    """A box line ending in "…" before its border (a cut name; wrapped explanations are not cut)."""
    return "…│" in drawn or "…\u00a0" in drawn


def to_svg(picture: Text, title: str) -> str:
    """`picture` is the text the TUI draws (explorer.export.boxes.render), colours included."""
    width = max((cell_len(line) for line in picture.plain.split("\n")), default=20)
    # Printed into a throwaway buffer: only the recording is wanted.
    console = Console(record=True, width=width, file=io.StringIO(), color_system="truecolor", force_terminal=True)
    console.print(picture, crop=False, soft_wrap=True)
    return console.export_svg(title=title, code_format=SVG_FORMAT, font_aspect_ratio=FONT_ASPECT_RATIO)
