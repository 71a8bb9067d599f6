"""Reading and writing cell values the way ``spreadsheets.values`` does.

Covers range resolution (``'My Tab'!A1:D4``, a bare sheet title, open ranges), rendering
(``FORMATTED_VALUE`` / ``UNFORMATTED_VALUE`` / ``FORMULA`` with ``SERIAL_NUMBER`` /
``FORMATTED_STRING`` dates), trimming of trailing blanks, and the update, clear and append
operations with their response documents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .a1 import A1Error, A1Range, column_letters, format_range, parse_cells, split_sheet
from .errors import ApiError, bad_request, protected
from .formula import ArrayRow, FormulaError, Tab, Unsupported, evaluate
from .model import Sheet, Spreadsheet
from .numfmt import (
    Scalar,
    format_number,
    is_date_format,
    json_number,
    parse_user_entered,
    to_serial,
)

VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATE_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")
INPUT_OPTIONS = ("RAW", "USER_ENTERED")
DIMENSIONS = ("ROWS", "COLUMNS")


# --- ranges ----------------------------------------------------------------------------------


def resolve_range(book: Spreadsheet, text: str) -> tuple[Sheet, A1Range]:
    """The sheet and bounds named by an A1 range; 400 "Unable to parse range" otherwise."""
    try:
        title, cells = split_sheet(text)
        if title is None:
            assert cells is not None
            whole = book.find_title(cells)
            if whole is not None:
                return whole, A1Range(None, None, None, None)
            return book.sheets[0], parse_cells(cells)
        sheet = book.find_title(title)
        if sheet is None:
            raise A1Error(text)
        if cells is None:
            return sheet, A1Range(None, None, None, None)
        return sheet, parse_cells(cells)
    except A1Error:
        raise bad_request(f"Unable to parse range: {text}") from None


def grid_limit_error(sheet: Sheet, bounds: tuple[int, int, int, int]) -> ApiError:
    """``Range ('Tab'!A1:Z2000) exceeds grid limits. Max rows: 1000, max columns: 26``."""
    text = format_range(sheet.title, *bounds)
    return bad_request(
        f"Range ({text}) exceeds grid limits. Max rows: {sheet.row_count}, "
        f"max columns: {sheet.column_count}"
    )


def clip(sheet: Sheet, rng: A1Range) -> tuple[int, int, int, int]:
    """Resolve open sides against the grid; a range reaching past the grid is refused."""
    bounds = rng.clip(sheet.row_count, sheet.column_count)
    r0, r1, c0, c1 = bounds
    if r1 > sheet.row_count or c1 > sheet.column_count or r0 >= r1 or c0 >= c1:
        raise grid_limit_error(sheet, bounds)
    return bounds


# --- effective values and rendering ----------------------------------------------------------


class Evaluator:
    """Computes effective values of one sheet's cells, remembering each result.

    With the spreadsheet (``book``) formulas may look into other tabs, and an
    ``=ARRAYFORMULA(...)`` fills the cells below it in its column, as Sheets shows it.
    """

    def __init__(self, sheet: Sheet, book: Spreadsheet | None = None,
                 others: dict[str, Evaluator] | None = None) -> None:
        self.sheet = sheet
        self.book = book
        self.memo: dict[tuple[int, int], Scalar | None] = {}
        self.active: set[tuple[int, int]] = set()
        self.others: dict[str, Evaluator] = others if others is not None else {}
        self.others.setdefault(sheet.title.casefold(), self)
        self._tab: Tab | None = None
        self._columns: dict[int, list[int]] | None = None
        self._anchors: dict[int, list[int]] | None = None

    def tab(self, title: str | None) -> Tab | None:
        """What a formula sees of the tab named ``title`` (None: this one)."""
        if title is None:
            evaluator: Evaluator = self
        else:
            found = self.others.get(title.casefold())
            if found is None:
                sheet = self.book.find_title(title) if self.book is not None else None
                if sheet is None:
                    return None
                found = Evaluator(sheet, self.book, self.others)
            evaluator = found
        if evaluator._tab is None:
            evaluator._tab = Tab(evaluator._lookup, evaluator.sheet.row_count, evaluator.filled)
        return evaluator._tab

    def filled(self, col: int) -> list[int]:
        """The rows of a column holding a cell, in order."""
        if self._columns is None:
            columns: dict[int, list[int]] = {}
            for row, column in self.sheet.cells:
                columns.setdefault(column, []).append(row)
            self._columns = {column: sorted(rows) for column, rows in columns.items()}
        return self._columns.get(col, [])

    def spills(self) -> dict[int, list[int]]:
        """Column → the rows holding an ``=ARRAYFORMULA(...)``."""
        if self._anchors is None:
            anchors: dict[int, list[int]] = {}
            for (row, col), cell in self.sheet.cells.items():
                entered = cell.data.get("userEnteredValue")
                if not isinstance(entered, dict) or "formulaValue" not in entered:
                    continue
                text = str(entered["formulaValue"])
                if text.replace(" ", "").upper().startswith("=ARRAYFORMULA("):
                    anchors.setdefault(col, []).append(row)
            self._anchors = {col: sorted(rows) for col, rows in sorted(anchors.items())}
        return self._anchors

    def _spilled(self, row: int, col: int) -> int | None:
        """The row of the array formula that fills the empty cell ``(row, col)``, if any."""
        above = [r for r in self.spills().get(col, ()) if r < row]
        return above[-1] if above else None

    def _formula(self, key: tuple[int, int], text: str, array: ArrayRow | None,
                 cached: Scalar | None) -> Scalar | None:
        if key in self.active or len(self.active) > 200:
            return "#REF!"
        self.active.add(key)
        try:
            return evaluate(text, self._lookup, self.tab, array)
        except (Unsupported, FormulaError, RecursionError):
            return cached if cached is not None else ""
        finally:
            self.active.discard(key)

    def value(self, row: int, col: int) -> Scalar | None:
        """The effective value at ``(row, col)``: what the cell shows, before formatting."""
        key = (row, col)
        if key in self.memo:
            return self.memo[key]
        cell = self.sheet.cell(row, col)
        entered = cell.entered if cell else None
        result: Scalar | None
        if cell is None or entered is None:
            anchor = self._spilled(row, col) if cell is None else None
            result = None
            if anchor is not None:
                formula = self.sheet.cells[(anchor, col)].entered or {}
                result = self._formula(key, str(formula["formulaValue"]),
                                       ArrayRow(anchor, row), None)
        elif "formulaValue" in entered:
            text = str(entered["formulaValue"])
            array = ArrayRow(row, row) if row in self.spills().get(col, ()) else None
            result = self._formula(key, text, array, cell.cached)
        elif "errorValue" in entered:
            result = "#ERROR!"
        else:
            result = next(iter(entered.values()))
        self.memo[key] = result
        return result

    def _lookup(self, row: int, col: int) -> str | float | bool | None:
        value = self.value(row, col)
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def render(self, row: int, col: int, value_render: str, date_render: str) -> object:
        """The cell as ``values.get`` returns it; None for a blank cell."""
        cell = self.sheet.cell(row, col)
        if cell is None and (value_render == "FORMULA" or self._spilled(row, col) is None):
            return None  # blank, unless an array formula above fills it
        entered = cell.entered if cell is not None else None
        if value_render == "FORMULA" and entered and "formulaValue" in entered:
            return entered["formulaValue"]
        value = self.value(row, col)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            if value_render == "FORMATTED_VALUE":
                return "TRUE" if value else "FALSE"
            return value
        if isinstance(value, str):
            return value
        number_format = cell.number_format if cell is not None else None
        if value_render == "FORMATTED_VALUE":
            return format_number(value, number_format)
        if date_render == "FORMATTED_STRING" and is_date_format(number_format):
            return format_number(value, number_format)
        return json_number(value)


def read_grid(
    sheet: Sheet,
    bounds: tuple[int, int, int, int],
    value_render: str = "FORMATTED_VALUE",
    date_render: str = "SERIAL_NUMBER",
    major: str = "ROWS",
    book: Spreadsheet | None = None,
) -> list[list[object]]:
    """The values inside ``bounds``, trimmed like the API: no trailing blank rows or cells.

    With ``book``, formulas may look into other tabs and array formulas fill their column.
    """
    r0, r1, c0, c1 = bounds
    evaluator = Evaluator(sheet, book)
    found: dict[int, dict[int, object]] = {}
    spilled = [(row, col) for col, anchors in evaluator.spills().items() if c0 <= col < c1
               for row in range(max(r0, anchors[0] + 1), r1) if (row, col) not in sheet.cells]
    for row, col in [*sheet.cells, *spilled]:
        if r0 <= row < r1 and c0 <= col < c1:
            value = evaluator.render(row, col, value_render, date_render)
            if value is not None:
                outer, inner = (row - r0, col - c0) if major == "ROWS" else (col - c0, row - r0)
                found.setdefault(outer, {})[inner] = value
    if not found:
        return []
    result: list[list[object]] = []
    for outer in range(max(found) + 1):
        line = found.get(outer)
        if not line:
            result.append([])
            continue
        result.append([line.get(i, "") for i in range(max(line) + 1)])
    return result


def get_values(
    book: Spreadsheet, text: str, value_render: str, date_render: str, major: str
) -> dict[str, Any]:
    """The ``ValueRange`` document ``values.get`` answers with."""
    sheet, rng = resolve_range(book, text)
    bounds = clip(sheet, rng)
    result: dict[str, Any] = {"range": format_range(sheet.title, *bounds), "majorDimension": major}
    rows = read_grid(sheet, bounds, value_render, date_render, major, book)
    if rows:
        result["values"] = rows
    return result


# --- writing ---------------------------------------------------------------------------------


Entered = tuple[dict[str, Any] | None, dict[str, Any] | None]


def entered_value(value: object, input_option: str) -> Entered | None:
    """``(userEnteredValue or None, implied numberFormat or None)``; None for a null value."""
    if value is None:
        return None
    if type(value) is str:  # the common case first; subclasses take the path below
        if value == "":
            return None, None
        if input_option == "USER_ENTERED":
            return parse_user_entered(value)
        return {"stringValue": value}, None
    if isinstance(value, bool):
        return {"boolValue": value}, None
    if isinstance(value, dt.datetime):
        return {"numberValue": to_serial(value)}, {
            "type": "DATE_TIME",
            "pattern": "yyyy-mm-dd H:mm:ss",
        }
    if isinstance(value, dt.date):
        return {"numberValue": json_number(to_serial(value))}, {
            "type": "DATE",
            "pattern": "yyyy-mm-dd",
        }
    if isinstance(value, dt.time):
        return {"numberValue": to_serial(value)}, {"type": "TIME", "pattern": "H:mm:ss"}
    if isinstance(value, int | float | Decimal):
        return {"numberValue": json_number(float(value))}, None
    if isinstance(value, str):
        if value == "":
            return None, None
        if input_option == "USER_ENTERED":
            return parse_user_entered(value)
        return {"stringValue": value}, None
    raise TypeError(type(value).__name__)


def write_cell(sheet: Sheet, row: int, col: int, value: object, input_option: str) -> bool:
    """Write one value like ``values.update``; False when the value is null (skipped)."""
    converted = entered_value(value, input_option)
    if converted is None:
        return False
    entered, number_format = converted
    cell = sheet.cell(row, col)
    data = dict(cell.data) if cell else {}
    if entered is None:
        data.pop("userEnteredValue", None)
    else:
        data["userEnteredValue"] = entered
    if number_format is not None and not (cell and cell.number_format):
        fmt = {**data.get("userEnteredFormat", {}), "numberFormat": number_format}
        data["userEnteredFormat"] = fmt
    sheet.put(row, col, data)
    return True


def _as_rows(values: object, major: str, where: str) -> list[list[object]]:
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
        raise bad_request(f"Invalid {where}: values must be a list of lists")
    rows: list[list[object]] = values
    for i, row in enumerate(rows):
        for j, item in enumerate(row):
            if isinstance(item, dict | list):
                kind = "struct_value" if isinstance(item, dict) else "list_value"
                raise bad_request(f"Invalid values[{i}][{j}]: {kind} {{\n}}\n")
    if major == "COLUMNS":
        height = max((len(col) for col in rows), default=0)
        rows = [[col[i] if i < len(col) else None for col in rows] for i in range(height)]
    return rows


def update_values(
    book: Spreadsheet,
    text: str,
    values: object,
    input_option: str,
    major: str = "ROWS",
    touched: set[tuple[str, int, int]] | None = None,
    caller: str = "",
) -> dict[str, Any]:
    """Apply ``values.update`` to ``book`` and return the ``UpdateValuesResponse``.

    ``touched`` collects ``("row", sheetId, row)`` and ``("col", sheetId, col)`` for the
    totals of ``values.batchUpdate``. A value (not null) for a cell in a range protected
    from ``caller`` is refused with Google's "protected cell or object" 400.
    """
    sheet, rng = resolve_range(book, text)
    rows = _as_rows(values, major, "value range")
    r0 = rng.start_row or 0
    c0 = rng.start_col or 0
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    if r0 >= sheet.row_count or c0 >= sheet.column_count:
        raise grid_limit_error(sheet, rng.clip(sheet.row_count, sheet.column_count))
    single_cell = rng.is_bounded and rng.end_row == r0 + 1 and rng.end_col == c0 + 1
    if not single_cell:
        if rng.end_row is not None and r0 + height > rng.end_row:
            raise bad_request(
                f"Requested writing within range [{text}], but tried writing to row "
                f"[{rng.end_row + 1}]"
            )
        if rng.end_col is not None and c0 + width > rng.end_col:
            raise bad_request(
                f"Requested writing within range [{text}], but tried writing to column "
                f"[{column_letters(rng.end_col)}]"
            )
    if r0 + height > sheet.row_count or c0 + width > sheet.column_count:
        sheet.set_grid(max(sheet.row_count, r0 + height), max(sheet.column_count, c0 + width))
        book.check_cell_limit()
    if sheet.protected_ranges:
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value is not None and sheet.protection(r0 + i, c0 + j, caller) is not None:
                    raise protected()
    cells = 0
    touched_rows: set[int] = set()
    touched_cols: set[int] = set()
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if write_cell(sheet, r0 + i, c0 + j, value, input_option):
                cells += 1
                touched_rows.add(i)
                touched_cols.add(j)
                if touched is not None:
                    touched.add(("row", sheet.sheet_id, r0 + i))
                    touched.add(("col", sheet.sheet_id, c0 + j))
    result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if cells:
        result["updatedRange"] = format_range(sheet.title, r0, r0 + height, c0, c0 + width)
        result["updatedRows"] = len(touched_rows)
        result["updatedColumns"] = len(touched_cols)
        result["updatedCells"] = cells
    else:
        bounds = rng.clip(sheet.row_count, sheet.column_count)
        result["updatedRange"] = format_range(sheet.title, *bounds)
    return result


def clear_values(book: Spreadsheet, text: str) -> str:
    """Remove the values (not the formats) inside a range; returns the cleared range."""
    sheet, rng = resolve_range(book, text)
    bounds = clip(sheet, rng)
    r0, r1, c0, c1 = bounds
    for row, col in list(sheet.cells):
        if r0 <= row < r1 and c0 <= col < c1:
            cell = sheet.cells[(row, col)]
            if "userEnteredValue" in cell.data:
                data = {k: v for k, v in cell.data.items() if k != "userEnteredValue"}
                sheet.put(row, col, data)
    return format_range(sheet.title, *bounds)


def append_values(
    book: Spreadsheet,
    text: str,
    values: object,
    input_option: str,
    insert_option: str,
    major: str = "ROWS",
    caller: str = "",
) -> dict[str, Any]:
    """Apply ``values.append``: write below the last row holding values inside the range."""
    sheet, rng = resolve_range(book, text)
    rows = _as_rows(values, major, "value range")
    r0, r1, c0, c1 = clip(sheet, rng)
    evaluator = Evaluator(sheet)
    used = [
        (row, col)
        for row, col in sheet.cells
        if r0 <= row < r1 and c0 <= col < c1 and evaluator.value(row, col) not in (None, "")
    ]
    result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    start = r0
    if used:
        last_row = max(r for r, _ in used)
        last_col = max(c for _, c in used)
        result["tableRange"] = format_range(sheet.title, r0, last_row + 1, c0, last_col + 1)
        start = last_row + 1
    if insert_option == "INSERT_ROWS" and start < sheet.row_count and rows:
        sheet.shift(True, start, len(rows))
        book.check_cell_limit()
    if start >= sheet.row_count:
        sheet.set_grid(start + 1, sheet.column_count)
    anchor = format_range(sheet.title, start, start + 1, c0, c0 + 1)
    result["updates"] = update_values(book, anchor, rows, input_option, caller=caller)
    return result


def set_rows(
    sheet: Sheet,
    start_row: int,
    start_col: int,
    rows: Sequence[Sequence[object]],
    input_option: str,
) -> None:
    """Write Python values (``None`` clears a cell); the grid grows to fit."""
    height = start_row + len(rows)
    width = start_col + max((len(r) for r in rows), default=0)
    if height > sheet.row_count or width > sheet.column_count:
        sheet.set_grid(max(sheet.row_count, height), max(sheet.column_count, width))
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            write_cell(
                sheet, start_row + i, start_col + j, "" if value is None else value, input_option
            )
