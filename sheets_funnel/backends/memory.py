"""A workbook held in memory: a dict of tab name → rows (or pandas DataFrames).

For tests and notebooks, the way httpx's MockTransport stands in for a
server: :class:`MemoryWorkbook` implements the backend protocol, so a refresh
reads its tabs and writes the owned tabs into it like into any workbook.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..cells import Cell, Rows

if TYPE_CHECKING:
    import pandas as pd


class MemoryWorkbook:
    """Tabs in a dict; a DataFrame becomes a header row (its columns) and one row per record.

    DataFrame cells are handed over as a workbook would hold them: NaN, NaT and None are
    blank, timestamps are dates (or date-times when they have a time), numpy numbers are
    plain numbers and text stays text.
    """

    def __init__(self, tabs: Mapping[str, Rows | pd.DataFrame] | None = None,
                 label: str = "memory") -> None:
        self._label = label
        self.tabs: dict[str, Rows] = {name: _rows(value) for name, value in (tabs or {}).items()}
        self.hidden: set[str] = set()

    @property
    def label(self) -> str:
        """The name given to the workbook ("memory" unless told)."""
        return self._label

    def tab_names(self) -> list[str]:
        """The tabs in the order they were given or created."""
        return list(self.tabs)

    def read(self, tabs: Sequence[str]) -> dict[str, Rows]:
        """A copy of each named tab that exists."""
        return {name: [list(row) for row in self.tabs[name]] for name in tabs if name in self.tabs}

    def write(self, tabs: Mapping[str, Rows]) -> None:
        """Replace each named tab (creating missing ones, hidden when named ``_…``) at once."""
        written = {name: [list(row) for row in rows] for name, rows in tabs.items()}
        for name in written:
            if name not in self.tabs and name.startswith("_"):
                self.hidden.add(name)
        self.tabs.update(written)

    def frame(self, tab: str) -> pd.DataFrame:
        """A tab as a DataFrame: its first row as the header, the rest as records."""
        import pandas as pd

        rows = self.tabs[tab]
        if not rows:
            return pd.DataFrame()
        width = max(len(row) for row in rows)
        header = [str(c) if c is not None else f"column {i + 1}"
                  for i, c in enumerate([*rows[0], *[None] * (width - len(rows[0]))])]
        body = [[*row, *[None] * (width - len(row))] for row in rows[1:]]
        return pd.DataFrame(body, columns=header)


def _rows(value: Rows | pd.DataFrame) -> Rows:
    if isinstance(value, list):
        return [list(row) for row in value]
    header: list[Cell] = [_cell(c) for c in value.columns]
    return [header, *([_cell(c) for c in record] for record in value.itertuples(index=False))]


def _cell(value: Any) -> Cell:
    """A DataFrame cell as a workbook cell value."""
    if value is None:
        return None
    if isinstance(value, str | bool):
        return value
    if isinstance(value, dt.datetime):  # pandas Timestamp too
        if value != value:  # NaT
            return None
        moment = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
        return moment.date() if moment.time() == dt.time() else moment.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, int | bool):
        return value
    text = str(value)
    return None if text in ("<NA>", "NaT", "nan") else text
