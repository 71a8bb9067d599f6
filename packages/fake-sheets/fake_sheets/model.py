"""The state of a spreadsheet: sheets, cells, charts, conditional formats and validations.

A :class:`Cell` holds the writable part of a Sheets ``CellData`` (``userEnteredValue``,
``userEnteredFormat``, ``note``, ``dataValidation``). Cells are never changed in place: an
update stores a new ``Cell``. That keeps :meth:`Spreadsheet.clone` cheap, and every change is
made on a clone that replaces the original only when the whole request succeeded.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .a1 import column_index, column_letters
from .errors import ApiError, cell_limit
from .numfmt import Scalar

DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26
MAX_CELLS = 10_000_000


def now_rfc3339() -> str:
    """The current time as Drive writes it: ``2023-08-17T10:52:36.993Z``."""
    moment = dt.datetime.now(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


_FORMULA_REF_RE = re.compile(
    r'"(?:[^"]|"")*"|(?<![A-Za-z0-9_!\'.$])(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?![A-Za-z0-9_(!])'
)


def shift_formula(formula: str, rows: bool, moved: Callable[[int], int | None]) -> str:
    """Rewrite the same-sheet cell references of a formula after rows or columns moved.

    ``moved`` maps an old zero-based index to the new one, or None when it was deleted (the
    reference becomes ``#REF!``). References to other sheets are left alone.
    """

    def rewrite(match: re.Match[str]) -> str:
        if match.group(2) is None:
            return match.group(0)
        col_abs, letters, row_abs, digits = match.groups()
        row, col = int(digits) - 1, column_index(letters)
        new = moved(row if rows else col)
        if new is None:
            return "#REF!"
        if rows:
            row = new
        else:
            col = new
        return f"{col_abs}{column_letters(col)}{row_abs}{row + 1}"

    return _FORMULA_REF_RE.sub(rewrite, formula)


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell: its ``CellData`` fields and, for a formula, the last value known for it."""

    data: dict[str, Any]
    cached: Scalar | None = None

    @property
    def entered(self) -> dict[str, Any] | None:
        """The ``userEnteredValue`` (``{"stringValue": ...}`` etc.), or None."""
        value = self.data.get("userEnteredValue")
        return value if isinstance(value, dict) and value else None

    @property
    def number_format(self) -> dict[str, Any] | None:
        """The ``userEnteredFormat.numberFormat``, or None."""
        fmt = self.data.get("userEnteredFormat")
        number_format = fmt.get("numberFormat") if isinstance(fmt, dict) else None
        return number_format if isinstance(number_format, dict) else None

    @property
    def data_validation(self) -> dict[str, Any] | None:
        """The ``dataValidation`` rule of the cell, or None."""
        rule = self.data.get("dataValidation")
        return rule if isinstance(rule, dict) else None


@dataclass
class Sheet:
    """One tab: its properties, its cells by ``(row, column)`` and the objects placed on it."""

    properties: dict[str, Any]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    charts: list[dict[str, Any]] = field(default_factory=list)
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    row_metadata: dict[int, dict[str, Any]] = field(default_factory=dict)
    column_metadata: dict[int, dict[str, Any]] = field(default_factory=dict)
    basic_filter: dict[str, Any] | None = None
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sheet_id(self) -> int:
        """The ``sheetId``."""
        return int(self.properties["sheetId"])

    @property
    def title(self) -> str:
        """The tab's title."""
        return str(self.properties["title"])

    @property
    def row_count(self) -> int:
        """Rows in the grid."""
        return int(self.properties["gridProperties"]["rowCount"])

    @property
    def column_count(self) -> int:
        """Columns in the grid."""
        return int(self.properties["gridProperties"]["columnCount"])

    def protection(self, row: int | None, col: int | None, caller: str) -> dict[str, Any] | None:
        """The protected range that keeps ``caller`` from editing cell (row, col) — or, with
        None for both, from changing the sheet itself (a protection of the whole sheet)."""
        for protected in self.protected_ranges:
            if protected.get("warningOnly") or caller in protected.get("editors", {}).get(
                "users", []
            ):
                continue
            grid = protected.get("range") or {}
            if row is None or col is None:
                whole = not ({"startRowIndex", "endRowIndex", "startColumnIndex",
                              "endColumnIndex"} & set(grid))
                if whole:
                    return protected
                continue
            if (
                grid.get("startRowIndex", 0) <= row < grid.get("endRowIndex", self.row_count)
                and grid.get("startColumnIndex", 0)
                <= col
                < grid.get("endColumnIndex", self.column_count)
            ):
                return protected
        return None

    def set_grid(self, rows: int, columns: int) -> None:
        """Resize the grid; cells, row and column settings outside it are dropped."""
        grid = self.properties["gridProperties"]
        grid["rowCount"], grid["columnCount"] = rows, columns
        self.cells = {k: v for k, v in self.cells.items() if k[0] < rows and k[1] < columns}
        self.row_metadata = {k: v for k, v in self.row_metadata.items() if k < rows}
        self.column_metadata = {k: v for k, v in self.column_metadata.items() if k < columns}

    def cell(self, row: int, col: int) -> Cell | None:
        """The cell at zero-based ``(row, col)``, None when it was never written."""
        return self.cells.get((row, col))

    def put(self, row: int, col: int, data: dict[str, Any], cached: Scalar | None = None) -> None:
        """Store new cell data (an empty dict removes the cell)."""
        if data:
            self.cells[(row, col)] = Cell(data, cached)
        else:
            self.cells.pop((row, col), None)

    def shift(self, rows: bool, at: int, delta: int) -> None:
        """Insert (``delta`` > 0) or delete (``delta`` < 0) rows or columns at index ``at``.

        Cells, row/column settings, conditional format ranges, merges and the basic filter
        move along; the grid grows or shrinks by ``delta``.
        """
        axis = 0 if rows else 1

        def moved(index: int) -> int | None:
            if index < at:
                return index
            if delta < 0 and index < at - delta:
                return None
            return index + delta

        cells: dict[tuple[int, int], Cell] = {}
        for key, cell in self.cells.items():
            new = moved(key[axis])
            if new is not None:
                entered = cell.entered
                if entered and "formulaValue" in entered:
                    formula = shift_formula(str(entered["formulaValue"]), rows, moved)
                    data = {**cell.data, "userEnteredValue": {"formulaValue": formula}}
                    cell = Cell(data, cell.cached)
                cells[(new, key[1]) if rows else (key[0], new)] = cell
        self.cells = cells
        meta = self.row_metadata if rows else self.column_metadata
        shifted = {moved(k): v for k, v in meta.items()}
        meta.clear()
        meta.update({k: v for k, v in shifted.items() if k is not None})
        self.properties["gridProperties"]["rowCount" if rows else "columnCount"] += delta
        start_key, end_key = (
            ("startRowIndex", "endRowIndex") if rows else ("startColumnIndex", "endColumnIndex")
        )

        def adjust(gr: dict[str, Any]) -> bool:
            """Move a grid range along; False when it disappeared."""
            if gr.get("sheetId", 0) != self.sheet_id:
                return True
            for key in (start_key, end_key):
                if key in gr:
                    value = int(gr[key])
                    if delta > 0 and (value > at or (value == at and key == start_key)):
                        gr[key] = value + delta
                    elif delta < 0 and value > at:
                        gr[key] = max(at, value + delta)
            return not (start_key in gr and end_key in gr and gr[start_key] >= gr[end_key])

        for rule in self.conditional_formats:
            rule["ranges"] = [gr for gr in rule.get("ranges", []) if adjust(gr)]
        self.conditional_formats = [r for r in self.conditional_formats if r["ranges"]]
        self.merges = [m for m in self.merges if adjust(m)]
        if self.basic_filter and not adjust(self.basic_filter.get("range", {})):
            self.basic_filter = None

    def clone(self) -> Sheet:
        """A copy that can be changed without touching this sheet."""
        return Sheet(
            properties=copy.deepcopy(self.properties),
            cells=dict(self.cells),
            charts=copy.deepcopy(self.charts),
            conditional_formats=copy.deepcopy(self.conditional_formats),
            merges=copy.deepcopy(self.merges),
            row_metadata=copy.deepcopy(self.row_metadata),
            column_metadata=copy.deepcopy(self.column_metadata),
            basic_filter=copy.deepcopy(self.basic_filter),
            protected_ranges=copy.deepcopy(self.protected_ranges),
        )


@dataclass
class Spreadsheet:
    """A whole spreadsheet (a Drive file of the Google Sheets type)."""

    spreadsheet_id: str
    properties: dict[str, Any]
    sheets: list[Sheet]
    created_time: str = field(default_factory=now_rfc3339)
    modified_time: str = field(default_factory=now_rfc3339)
    max_cells: int = MAX_CELLS
    developer_metadata: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The spreadsheet's title (the Drive file name)."""
        return str(self.properties["title"])

    def sheet(self, title: str) -> Sheet:
        """The sheet with this title (case-insensitive); KeyError when there is none."""
        found = self.find_title(title)
        if found is None:
            raise KeyError(title)
        return found

    def find_title(self, title: str) -> Sheet | None:
        """The sheet with this title (case-insensitive), or None."""
        wanted = title.casefold()
        return next((s for s in self.sheets if s.title.casefold() == wanted), None)

    def find_id(self, sheet_id: int) -> Sheet | None:
        """The sheet with this ``sheetId``, or None."""
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)

    def reindex(self) -> None:
        """Write every sheet's position into its ``index`` property."""
        for index, sheet in enumerate(self.sheets):
            sheet.properties["index"] = index

    def cell_count(self) -> int:
        """Cells in all grids together (what the cell limit counts)."""
        return sum(s.row_count * s.column_count for s in self.sheets)

    def check_cell_limit(self) -> None:
        """Refuse a workbook grown past :attr:`max_cells` with the real API's message."""
        if self.cell_count() > self.max_cells:
            raise ApiError(400, cell_limit(self.max_cells))

    def clone(self) -> Spreadsheet:
        """A copy that can be changed without touching this spreadsheet."""
        return Spreadsheet(
            spreadsheet_id=self.spreadsheet_id,
            properties=copy.deepcopy(self.properties),
            sheets=[s.clone() for s in self.sheets],
            created_time=self.created_time,
            modified_time=self.modified_time,
            max_cells=self.max_cells,
            developer_metadata=copy.deepcopy(self.developer_metadata),
        )

    def snapshot(self) -> Spreadsheet:
        """A deep copy for inspection by a test."""
        return copy.deepcopy(self)
