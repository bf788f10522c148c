"""Drawing a flow (client → load balancer → ... → Pod) with box characters.

The layout is plain Python over rich `Text`, so it is tested without a
terminal, and the TUI, `ingress-explorer diagram` and the SVG export draw
the same picture (no textual here). Boxes go left to right and wrap onto
the next row when the width runs out; narrower than STACK_BELOW cells they
stack top to bottom instead, each as wide as the drawing (an 80-column
terminal cut the third box of a row). Every box says its state in words as
well as in colour, and the reason of each broken link is written under the
drawing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

HopState = Literal["ok", "broken", "unknown"]

STATE_STYLE: dict[str, Style] = {
    "ok": Style(color="green"),
    "broken": Style(color="red", bold=True),
    "unknown": Style(color="yellow"),
}
STATE_MARK = {"ok": "✔", "broken": "✘", "unknown": "?"}
LIT = Style(color="black", bgcolor="bright_cyan", bold=True)
PASSED = Style(color="bright_cyan", bold=True)
DIM = Style(dim=True)

ARROW = "──▶"
MIN_BOX = 12  # narrowest box worth drawing (content width)
COMFORTABLE_BOX = 18  # wrap onto another row rather than cut boxes narrower than this
WIDE_BOX = 34  # details longer than this wrap inside the box
PARAGRAPH_LINES = 2  # lines one detail may take in a box
EXTRA_WIDTH = 30  # boxes narrower than this leave out their explanations
STACK_BELOW = 100  # narrower drawings stack their boxes vertically, one per row
DOWN = "▼"


@dataclass(frozen=True)
class Box:
    """One hop. `title` names what it is; `lines` carry its real names and ports."""

    title: str
    lines: tuple[str, ...]
    state: HopState = "ok"
    status: str = ""  # the state in words ("2/2 ready", "UNHEALTHY"); "" where health does not apply
    extra: tuple[str, ...] = ()  # explanations, drawn only when the box is at least EXTRA_WIDTH wide
    cut_middle: bool = False  # names whose ends matter (Pods: site01-…-7l7zt) lose their middle when cut


@dataclass(frozen=True)
class Link:
    """The way from one box to the next: broken links carry the reason."""

    state: HopState = "ok"
    reason: str = ""


@dataclass
class Diagram:
    boxes: list[Box]
    links: list[Link] = field(default_factory=list)  # links[i] joins boxes[i] and boxes[i + 1]
    caption: str = ""  # one line over the drawing: what request or rule this is
    notes: list[tuple[HopState, str]] = field(default_factory=list)  # lines under it
    stop: int | None = None  # the box that answers a request (None: it travels to the last box)

    @property
    def reached(self) -> int:
        """Index of the last box a request gets to."""
        return self.stop if self.stop is not None else len(self.boxes) - 1

    def link(self, index: int) -> Link:
        return self.links[index] if index < len(self.links) else Link()


def render(diagram: Diagram, width: int, lit: int | None = None, passed: int = -1,
           whole_names: bool = False, max_lines: int | None = None) -> Text:
    """The diagram laid out for `width` cells.

    `lit` is the hop a request is at now (drawn highlighted); hops up to
    `passed` are drawn as already travelled. `whole_names`: a box is as wide
    as its longest name (a Pod's, a Service's), not cut at WIDE_BOX; for a
    picture (SVG), which has no columns to keep to. `max_lines`: the most a
    screen shows at once; stacked boxes that would be taller leave out their
    explanations (the names, ports and states stay).
    """
    width = max(width, MIN_BOX + 4)
    out = Text(no_wrap=True, overflow="ellipsis", end="")
    if diagram.caption:
        out.append(_fit(diagram.caption, width), style="bold")
    if width < STACK_BELOW and not whole_names:
        if diagram.caption:
            out.append("\n")
        stacked = Text(no_wrap=True, overflow="ellipsis", end="")
        _draw_stacked(stacked, diagram, width, lit, passed, explain=True)
        if max_lines is not None and len(out.plain.split("\n")) + len(stacked.plain.split("\n")) - 1 > max_lines:
            stacked = Text(no_wrap=True, overflow="ellipsis", end="")
            _draw_stacked(stacked, diagram, width, lit, passed, explain=False)
        out.append_text(stacked)
        rows = []
    else:
        if diagram.caption:
            out.append("\n")
        rows = _pack(diagram.boxes, width, whole_names)
    first = True
    for row in rows:
        if not first:
            out.append("\n")
        _draw_row(out, diagram, row, lit, passed, continued=not first)
        first = False
    for index, box in enumerate(diagram.boxes[:-1]):
        link = diagram.link(index)
        if link.state != "ok" and link.reason:
            nxt = diagram.boxes[index + 1].title
            _note(out, link.state, f"{box.title} → {nxt}: {link.reason}", width)
    for state, note in diagram.notes:
        _note(out, state, note, width)
    return out


def _note(out: Text, state: HopState, text: str, width: int) -> None:
    """A reason under the drawing, wrapped (never cut: it is what the learner needs to read)."""
    for number, line in enumerate(_wrap(text, width - 2, cut=False)):
        out.append("\n")
        out.append(f"{STATE_MARK[state] if number == 0 else ' '} {line}", style=STATE_STYLE[state])


# ------------------------------------------------------------------ layout


@dataclass
class _Placed:
    index: int
    box: Box
    width: int  # inner width


def _natural(box: Box, whole_names: bool = False) -> int:
    """The width a box asks for: its longest line, but long details wrap rather than widen it past WIDE_BOX."""
    heads = [box.title, *([_status_text(box)] if box.status else []), *(box.lines if whole_names else ())]
    details = (*(() if whole_names else box.lines), *box.extra)
    return max(MIN_BOX, *(cell_len(w) for w in heads), *(min(cell_len(w), WIDE_BOX) for w in details))


def _pack(boxes: list[Box], width: int, whole_names: bool = False) -> list[list[_Placed]]:
    """Fewest rows in which no box is cut narrower than comfortable; rows after the first start with an arrow."""
    arrow = cell_len(ARROW)
    count = len(boxes)
    natural = [_natural(box, whole_names) for box in boxes]
    chunks: list[list[int]] = []
    for rows in range(1, count + 1):
        per = -(-count // rows)
        chunks = [list(range(start, min(start + per, count))) for start in range(0, count, per)]
        room = width - (per - 1) * arrow - (arrow if rows > 1 else 0) - 2 * per
        widths = [_trim([natural[i] for i in chunk], room) for chunk in chunks]
        if per == 1 or all(w >= min(COMFORTABLE_BOX, natural[i])
                           for chunk, ws in zip(chunks, widths) for i, w in zip(chunk, ws)):
            break
    return [[_Placed(i, boxes[i], w) for i, w in zip(chunk, ws)] for chunk, ws in zip(chunks, widths)]


def _trim(widths: list[int], room: int) -> list[int]:
    """Take cells from the widest box first until the row fits (names stay as whole as they can)."""
    widths = list(widths)
    while sum(widths) > room:
        widest = max(range(len(widths)), key=widths.__getitem__)
        if widths[widest] <= MIN_BOX:
            break
        widths[widest] -= 1
    return widths


def _draw_row(out: Text, diagram: Diagram, row: list[_Placed], lit: int | None, passed: int,
              continued: bool) -> None:
    contents = [_content(placed) for placed in row]
    height = max(len(content) for content in contents)
    lines = [Text(no_wrap=True, end="") for _ in range(height + 2)]
    for position, (placed, content) in enumerate(zip(row, contents)):
        if position > 0 or continued:
            _arrow(lines, diagram.link(placed.index - 1), placed.index - 1, lit, passed)
        _box(lines, placed, content, height, lit, passed)
    for number, line in enumerate(lines):
        if number:
            out.append("\n")
        out.append_text(line)


def _draw_stacked(out: Text, diagram: Diagram, width: int, lit: int | None, passed: int, explain: bool) -> None:
    """One box per row, as wide as the drawing: the title and state in its top border, its lines inside."""
    inner = width - 2
    last = len(diagram.boxes) - 1
    for index, box in enumerate(diagram.boxes):
        border = _border(index, box, lit, passed)
        title = f" {_fit(box.title, inner - 4)} "
        status = f"{_status_text(box)} " if box.status else ""
        if cell_len(title) + cell_len(status) > inner - 1:
            status = ""
        if index:
            out.append("\n")
        out.append("╭─", style=border)
        out.append(title, style=Style(bold=True))
        out.append(status, style=STATE_STYLE[box.state])
        out.append("─" * (inner - 1 - cell_len(title) - cell_len(status)) + "╮", style=border)
        for line in _stacked_lines(box, inner - 2, explain):
            out.append("\n")
            out.append("│ ", style=border)
            out.append(line + " " * (inner - 2 - cell_len(line)))
            out.append(" │", style=border)
        out.append("\n")
        if index == last:
            out.append("╰" + "─" * inner + "╯", style=border)
            continue
        link = diagram.link(index)  # the way down to the next box, in the bottom border
        style = STATE_STYLE[link.state] if link.state != "ok" else Style()
        if index < passed or (lit is not None and index < lit):
            style = PASSED
        glyph = DOWN if link.state == "ok" else f"{STATE_MARK[link.state]}{DOWN}"
        out.append("╰──", style=border)
        out.append(glyph, style=style)
        out.append("─" * (inner - 2 - cell_len(glyph)) + "╯", style=border)


def _stacked_lines(box: Box, inner: int, explain: bool = True) -> list[str]:
    """A stacked box's lines: its details joined by " · " while they fit, then its explanations."""
    lines: list[str] = []
    for detail in filter(None, box.lines):  # a blank detail spaces a box out; here it would be a stray " · "
        piece = _fit_middle(detail, inner) if box.cut_middle else detail
        if lines and cell_len(lines[-1]) + 3 + cell_len(piece) <= inner:
            lines[-1] += " · " + piece
        elif cell_len(piece) <= inner:
            lines.append(piece)
        else:
            lines.extend(_paragraph(piece, inner))
    for paragraph in box.extra if explain else ():
        lines.extend(_paragraph(paragraph, inner))
    return lines


def _border(index: int, box: Box, lit: int | None, passed: int) -> Style:
    if index == lit:
        return LIT
    if index <= passed:
        return PASSED
    return STATE_STYLE[box.state] if box.state != "ok" else Style()


def _content(placed: _Placed) -> list[tuple[str, Style]]:
    """Title, state in words, then each detail wrapped to the box (at most PARAGRAPH_LINES lines each)."""
    box, inner = placed.box, placed.width
    content: list[tuple[str, Style]] = [(box.title, Style(bold=True))]
    if box.status:
        content.append((_status_text(box), STATE_STYLE[box.state]))
    for paragraph in box.lines + (box.extra if inner >= EXTRA_WIDTH else ()):
        if box.cut_middle:
            content.append((_fit_middle(paragraph, inner), Style()))
            continue
        content.extend((line, Style()) for line in _paragraph(paragraph, inner))
    return content


def _paragraph(text: str, inner: int) -> list[str]:
    """`text` wrapped to `inner` cells in at most PARAGRAPH_LINES lines, the last cut with "…" if need be."""
    wrapped = _wrap(text, inner)
    if len(wrapped) > PARAGRAPH_LINES:
        wrapped = wrapped[: PARAGRAPH_LINES - 1] + [_fit(" ".join(wrapped[PARAGRAPH_LINES - 1:]), inner)]
    return wrapped


def _wrap(text: str, width: int, cut: bool = True) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if cell_len(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return [_fit(line, width) for line in lines] if cut else [
        piece for line in lines for piece in (
            [line[i:i + width] for i in range(0, len(line), width)] if cell_len(line) > width else [line])]


def _arrow(lines: list[Text], link: Link, index: int, lit: int | None, passed: int) -> None:
    style = STATE_STYLE[link.state] if link.state != "ok" else DIM
    if index < passed or (lit is not None and index < lit):
        style = PASSED
    middle = 1  # the row of the box title
    glyph = ARROW if link.state == "ok" else f"─{STATE_MARK[link.state]}▶"
    for number, line in enumerate(lines):
        line.append(glyph if number == middle else " " * cell_len(ARROW), style=style if number == middle else "")


def _box(lines: list[Text], placed: _Placed, content: list[tuple[str, Style]], height: int, lit: int | None,
         passed: int) -> None:
    box, inner = placed.box, placed.width
    border = _border(placed.index, box, lit, passed)
    lines[0].append("╭" + "─" * inner + "╮", style=border)
    for number in range(height):
        text, style = content[number] if number < len(content) else ("", Style())
        fitted = _fit(text, inner)
        lines[number + 1].append("│", style=border)
        lines[number + 1].append(fitted + " " * (inner - cell_len(fitted)), style=style)
        lines[number + 1].append("│", style=border)
    lines[height + 1].append("╰" + "─" * inner + "╯", style=border)


def _status_text(box: Box) -> str:
    return f"{STATE_MARK[box.state]} {box.status}"


def _fit_middle(text: str, width: int) -> str:
    """Cut from the middle: `✔ site01-mwkt697lkk-7l7zt` -> `✔ site01-m…-7l7zt`."""
    if cell_len(text) <= width:
        return text
    tail = max(width // 3, 1)
    return text[: max(width - tail - 1, 0)] + "…" + text[-tail:]


def _fit(text: str, width: int) -> str:
    """Cut to `width` cells with an ellipsis, so a long name never breaks a box."""
    if cell_len(text) <= width:
        return text
    cut = text
    while cut and cell_len(cut) > width - 1:
        cut = cut[:-1]
    return cut + "…"
