"""A DataTable for thousands of rows: column widths are worked out once, from the cells' plain text.

Textual's DataTable draws only the rows on screen, but after rows are added
it measures every cell of every new row through Rich, on the event loop: for
the 10,000 rows of a cluster dump that held the screen for seconds after
each refill. Here every cell is a `Cell` (Rich Text that declares no
measurement), every column gets its width when the rows are made, and the
table skips the measuring pass.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class Cell(Text):
    """A table cell; its column's width comes from `column_widths`, so Rich is never asked to measure it.

    Text wider than its column ends in "…", so a cut is seen to be one.
    """

    __rich_measure__ = None  # type: ignore[assignment]

    def __init__(self, text: str = "", style: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("overflow", "ellipsis")
        kwargs.setdefault("no_wrap", True)
        super().__init__(text, style=style, **kwargs)


#: Cells of padding DataTable puts around each column (cell_padding 1 on each side).
COLUMN_PADDING = 2
#: The narrowest a column that takes the rest of the width may be; narrower, it is left out.
FLEXIBLE_MIN = 10


def column_widths(labels: Sequence[str], rows: Iterable[Sequence[Cell]]) -> tuple[int, ...]:
    """The width of each column: its widest cell, or its label."""
    widths = [cell_len(label) for label in labels]
    for row in rows:
        for index, cell in enumerate(row):
            width = cell_len(cell.plain)
            if width > widths[index]:
                widths[index] = width
    return tuple(widths)


class FixedWidthTable(DataTable):
    """A DataTable filled with `fill`: fixed column widths, one line per row, no measuring.

    When the columns do not all fit the table's width, those that matter most
    are shown (`PRIORITY`, in their own order on screen), the `FLEXIBLE` one
    takes what width is left, and the rest are left out (they are in the
    panels below), so nothing scrolls sideways unasked.
    """

    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    #: Column labels, most important first; None: every column, in order.
    PRIORITY: Sequence[str] | None = None
    #: The label of the column that takes the width left (cut with "…"), e.g. WHY.
    FLEXIBLE: str | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._kept: list[int] | None = None  # the indices of the columns shown, None: all
        self._filled_width = 0
        self._fitted = False

    def fill(self, labels: Sequence[str], rows: Sequence[Sequence[Cell]], widths: Sequence[int] | None = None) -> None:
        """Replace columns and rows in one go (`widths` when the caller knows them already)."""
        self.clear(columns=True)
        widths = tuple(widths if widths is not None else column_widths(labels, rows))
        room = self._room()
        self._filled_width = room
        kept, shown = self._fit(labels, widths, room)
        self._kept = None if len(kept) == len(labels) else kept
        self._fitted = shown != list(widths) or self._kept is not None  # no room to widen columns later
        for index in kept:  # (a label as Text: a str would be parsed as Rich markup, emoji codes and all)
            self.add_column(Text(labels[index]), width=shown[index])
        if self._kept is None:
            self.add_rows(rows)
        else:
            self.add_rows([[row[i] for i in kept] for row in rows])

    def _room(self) -> int:
        parent = self.parent
        width = self.size.width or (parent.size.width if isinstance(parent, Widget) else 0) or self.app.size.width
        return max(20, width - 2)  # (the vertical scrollbar)

    def _fit(self, labels: Sequence[str], widths: Sequence[int], room: int) -> tuple[list[int], list[int]]:
        """Which columns fit in `room` cells, by priority, and each one's width (the flexible one's cut)."""
        order = [labels.index(p) for p in self.PRIORITY if p in labels] if self.PRIORITY else list(range(len(labels)))
        order += [i for i in range(len(labels)) if i not in order]
        flexible = labels.index(self.FLEXIBLE) if self.FLEXIBLE in labels else None
        shown = list(widths)
        needed = sum(w + COLUMN_PADDING for w in widths)
        if needed <= room:
            return list(range(len(labels))), shown
        kept: list[int] = []
        used = 0
        reserved = 0  # the flexible column's least width, once it is reached in the order
        for index in order:
            if index == flexible:
                if used + FLEXIBLE_MIN + COLUMN_PADDING <= room:
                    reserved = FLEXIBLE_MIN + COLUMN_PADDING
                continue
            if used + reserved + widths[index] + COLUMN_PADDING <= room:
                kept.append(index)
                used += widths[index] + COLUMN_PADDING
        if flexible is not None and room - used - COLUMN_PADDING >= FLEXIBLE_MIN:
            kept.append(flexible)
            shown[flexible] = min(widths[flexible], room - used - COLUMN_PADDING)
        return sorted(kept), shown

    def on_resize(self) -> None:
        if self._room() != self._filled_width and self.row_count:
            self.refit()

    def refit(self) -> None:
        """Fill again for a new width (the widget that filled the table knows its rows)."""

    def replace_rows(self, rows: Mapping[int, Sequence[Cell]], widths: Sequence[int]) -> None:
        """Put new cells in the rows at these indices, in place (no refill); columns widen to `widths`.

        Refilling 10,000 rows to change the health of a few held the screen;
        this is DataTable.update_cell without its per-cell refresh and measuring.
        """
        columns = self.ordered_columns
        kept = self._kept
        if kept is not None:
            rows = {index: [cells[i] for i in kept] for index, cells in rows.items()}
            widths = [widths[i] for i in kept]
        for index, cells in rows.items():
            key = self._row_locations.get_key(index)
            if key is None:
                continue
            data = self._data[key]
            for column, cell in zip(columns, cells):
                data[column.key] = cell
        for column, width in zip(columns, widths):
            if width > column.width and not self._fitted:
                column.width = width
                self._require_update_dimensions = True
        self._update_count += 1  # the render caches are keyed by it
        self.refresh()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> Any:
        # DataTable measures the cells of `new_rows` here to size auto-width columns and
        # auto-height rows; this table has neither, so only the virtual size is left to update.
        return super()._update_dimensions(())
