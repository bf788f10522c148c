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
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class Cell(Text):
    """A table cell; its column's width comes from `column_widths`, so Rich is never asked to measure it."""

    __rich_measure__ = None  # type: ignore[assignment]


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
    """A DataTable filled with `fill`: fixed column widths, one line per row, no measuring."""

    def fill(self, labels: Sequence[str], rows: Sequence[Sequence[Cell]], widths: Sequence[int] | None = None) -> None:
        """Replace columns and rows in one go (`widths` when the caller knows them already)."""
        self.clear(columns=True)
        for label, width in zip(labels, widths if widths is not None else column_widths(labels, rows)):
            self.add_column(label, width=width)
        self.add_rows(rows)

    def replace_rows(self, rows: Mapping[int, Sequence[Cell]], widths: Sequence[int]) -> None:
        """Put new cells in the rows at these indices, in place (no refill); columns widen to `widths`.

        Refilling 10,000 rows to change the health of a few held the screen;
        this is DataTable.update_cell without its per-cell refresh and measuring.
        """
        columns = self.ordered_columns
        for index, cells in rows.items():
            key = self._row_locations.get_key(index)
            if key is None:
                continue
            data = self._data[key]
            for column, cell in zip(columns, cells):
                data[column.key] = cell
        for column, width in zip(columns, widths):
            if width > column.width:
                column.width = width
                self._require_update_dimensions = True
        self._update_count += 1  # the render caches are keyed by it
        self.refresh()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> Any:
        # DataTable measures the cells of `new_rows` here to size auto-width columns and
        # auto-height rows; this table has neither, so only the virtual size is left to update.
        return super()._update_dimensions(())
