"""The one small protocol every workbook backend implements.

A backend reads the tabs a refresh needs in one go and writes the owned tabs
in one atomic step. Cells travel as plain Python values:

* read: ``str``, ``int``, ``float``, ``bool``, ``datetime.date`` /
  ``datetime.datetime``; a blank cell is ``None`` or ``""``. A backend that cannot
  tell dates from numbers (Google with SERIAL_NUMBER rendering) hands over
  the serial number; the parser accepts both.
* write: the same types plus :class:`~sheets_funnel.cells.Percent` (a ratio
  shown as a percentage) and :class:`~sheets_funnel.cells.Heading` (text shown
  in bold). A ``str`` is always written as literal text, never parsed as a
  formula, a number or a date.

A backend may offer more, asked for with ``getattr`` where it exists: ``date1904``
(the workbook counts serial numbers from 1904-01-01), ``uncalculated(tab, columns=None)``
(0-based row and column of formula cells that hold no calculated value, in the given
0-based columns or all) and ``merged(tab)``
(merged ranges as 0-based first row, first column, last row, last column); see
:mod:`sheets_funnel.cell_checks`; ``totals_rows(tab)`` and ``filtered_rows(tab)`` (0-based
rows that are a table's totals row, or that a filter hides); see
:mod:`sheets_funnel.pipeline_rows`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from ..cells import Cell, Heading, Percent, Rows


@runtime_checkable
class Backend(Protocol):
    """A workbook a refresh reads from and writes to."""

    @property
    def label(self) -> str:
        """A short name of the workbook for messages (a file name or an id)."""
        ...

    def tab_names(self) -> list[str]:
        """The workbook's tab names in order (no cell data is read)."""
        ...

    def read(self, tabs: Sequence[str]) -> dict[str, Rows]:
        """Return the cells of each named tab that exists, as rows of values.

        Trailing blank rows and cells may be left out; rows may be ragged.
        """
        ...

    def write(self, tabs: Mapping[str, Rows]) -> None:
        """Replace the whole content of each named tab, creating missing ones.

        A created tab whose name starts with ``_`` is hidden where the backend can.

        All tabs are written in one atomic step: afterwards either every tab
        holds its new content or the workbook is unchanged.
        """
        ...


__all__ = ["Backend", "Cell", "Heading", "Percent", "Rows"]
