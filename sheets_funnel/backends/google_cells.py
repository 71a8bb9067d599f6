"""Owned-tab contents → Sheets API ``spreadsheets.batchUpdate`` requests, sent compactly.

Values go in one ``updateCells`` per tab that sets only ``userEnteredValue``;
formats go separately, once per rectangle of cells that share one
(``repeatCell``), so a column of ten thousand dates costs one request, not
ten thousand copies of the date format. User text is sent as
``stringValue``, so the API never reads it as a formula, number or date;
dates go as serial numbers with a date format, ratios with a percent
format, money with thousands separators (``#,##0``, no currency symbol),
deals per sale as ``1.7 : 1``, fractional counts with one decimal, headings
in bold (right-aligned over columns of numbers) (:func:`cell_format` says which cell gets which).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..cells import NUMBER_FORMATS, Cell, Heading, NumberHeading, Percent, Rows, to_serial

#: Google Sheets' limit on cells in one spreadsheet.
MAX_CELLS = 10_000_000
DATE = {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}
#: The format of each formatted number type (PERCENT for percentages, NUMBER otherwise).
NUMBER = {kind: {"numberFormat": {"type": "PERCENT" if kind is Percent else "NUMBER",
                                  "pattern": code}}
          for kind, code in NUMBER_FORMATS.items()}
PERCENT = NUMBER[Percent]
BOLD = {"textFormat": {"bold": True}}
BOLD_RIGHT = {"textFormat": {"bold": True}, "horizontalAlignment": "RIGHT"}
FIELDS = "userEnteredValue,userEnteredFormat"
Format = Mapping[str, Any]


@dataclass(frozen=True)
class SheetInfo:
    """A tab of the spreadsheet as its metadata describes it."""

    sheet_id: int
    title: str
    rows: int
    columns: int


def quote_tab(title: str) -> str:
    """A tab name as an A1 range covering the whole tab ('It''s' for It's)."""
    return "'" + title.replace("'", "''") + "'"


def sheets_of(metadata: Mapping[str, Any]) -> list[SheetInfo]:
    """The tabs listed in a ``spreadsheets.get`` answer."""
    out = []
    for sheet in metadata.get("sheets", []):
        props = sheet.get("properties", {})
        grid = props.get("gridProperties", {})
        out.append(SheetInfo(int(props.get("sheetId", 0)), str(props.get("title", "")),
                             int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0))))
    return out


def cell_value(value: Cell) -> dict[str, Any] | None:
    """A cell's ``ExtendedValue`` (None for a blank cell)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return {"stringValue": str(value)}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, dt.date):
        return {"numberValue": to_serial(value)}
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return None
        number = float(value)
        return {"numberValue": int(number) if number.is_integer() else number}
    return {"stringValue": str(value)}


def cell_format(value: Cell) -> Format | None:
    """The ``userEnteredFormat`` a cell is shown with (None: the sheet's default)."""
    if isinstance(value, NumberHeading):
        return BOLD_RIGHT
    if isinstance(value, Heading):
        return BOLD
    if isinstance(value, dt.date):
        return DATE
    for kind, fmt in NUMBER.items():
        if isinstance(value, kind):
            return fmt
    return None


def cell_data(value: Cell) -> dict[str, Any]:
    """One ``CellData`` with the value and its format, for a single cell."""
    data: dict[str, Any] = {}
    entered = cell_value(value)
    if entered is not None:
        data["userEnteredValue"] = entered
        fmt = cell_format(value)
        if fmt is not None:
            data["userEnteredFormat"] = fmt
    return data


def row_data(row: Sequence[Cell]) -> dict[str, Any]:
    """One ``RowData`` with the values (only) of ``row``; trailing blanks are left out."""
    values = [cell_value(v) for v in row]
    while values and values[-1] is None:
        values.pop()
    return {"values": [{} if v is None else {"userEnteredValue": v} for v in values]}


def value_request(sheet_id: int, rows: Rows, first_row: int = 0) -> dict[str, Any]:
    """One ``updateCells`` that sets the values (only) of ``rows`` from row ``first_row``."""
    return {"updateCells": {
        "start": {"sheetId": sheet_id, "rowIndex": first_row, "columnIndex": 0},
        "rows": [row_data(r) for r in rows], "fields": "userEnteredValue"}}


def _column_runs(rows: Rows, col: int) -> list[tuple[int, int, str]]:
    """Runs ``(first row, end row, format key)`` of a column; blank cells join any run."""
    runs: list[tuple[int, int, str]] = []
    key: str | None = None
    first = last = 0
    for r, row in enumerate(rows):
        value = row[col] if col < len(row) else None
        if cell_value(value) is None:
            continue
        fmt = cell_format(value)
        this = "" if fmt is None else json.dumps(fmt, sort_keys=True)
        if this != key:
            if key:
                runs.append((first, last + 1, key))
            key, first = this, r
        last = r
    if key:
        runs.append((first, last + 1, key))
    return runs


def format_requests(sheet_id: int, rows: Rows, first_row: int = 0) -> list[dict[str, Any]]:
    """``repeatCell`` requests giving ``rows``' cells their formats, one per rectangle.

    Blank cells take whatever format their neighbours in the column have, so
    a date column with gaps is still one rectangle; equal runs in adjacent
    columns merge into one.
    """
    width = max((len(r) for r in rows), default=0)
    spans: dict[tuple[int, int, str], list[int]] = {}
    for col in range(width):
        for run in _column_runs(rows, col):
            spans.setdefault(run, []).append(col)
    requests = []
    for (r0, r1, key), cols in spans.items():
        start = cols[0]
        for i, col in enumerate(cols):
            if i + 1 < len(cols) and cols[i + 1] == col + 1:
                continue
            requests.append({"repeatCell": {
                "range": {"sheetId": sheet_id, "startRowIndex": first_row + r0,
                          "endRowIndex": first_row + r1, "startColumnIndex": start,
                          "endColumnIndex": col + 1},
                "cell": {"userEnteredFormat": json.loads(key)},
                "fields": "userEnteredFormat"}})
            if i + 1 < len(cols):
                start = cols[i + 1]
    return requests


def content_requests(sheet_id: int, rows: Rows) -> list[dict[str, Any]]:
    """Clear a tab (values and formats) and write ``rows`` from A1: values, then formats."""
    return [{"updateCells": {"range": {"sheetId": sheet_id}, "fields": FIELDS}},
            value_request(sheet_id, rows), *format_requests(sheet_id, rows)]


class TooManyCells(ValueError):
    """The write would take the spreadsheet over Google's cell limit."""


def write_requests(tabs: Mapping[str, Rows], sheets: list[SheetInfo],
                   max_cells: int = MAX_CELLS) -> list[dict[str, Any]]:
    """The batchUpdate requests that replace the tabs' contents, creating missing tabs.

    Each tab is cleared (values and formats) and rewritten from A1; its grid
    grows when the new content does not fit. A created tab whose name starts
    with ``_`` (bookkeeping of sheets-funnel's own) is hidden. Raises TooManyCells when the
    spreadsheet would exceed ``max_cells``.
    """
    by_title = {s.title: s for s in sheets}
    cells = {s.sheet_id: s.rows * s.columns for s in sheets}
    next_id = max((s.sheet_id for s in sheets), default=0) + 1
    requests: list[dict[str, Any]] = []
    for title, rows in tabs.items():
        height = max(len(rows), 1)
        width = max((len(r) for r in rows), default=1) or 1
        info = by_title.get(title)
        if info is None:
            info = SheetInfo(next_id, title, max(height, 100), max(width, 26))
            next_id += 1
            requests.append({"addSheet": {"properties": {
                "sheetId": info.sheet_id, "title": title, "hidden": title.startswith("_"),
                "gridProperties": {"rowCount": info.rows, "columnCount": info.columns}}}})
        elif height > info.rows or width > info.columns:
            info = SheetInfo(info.sheet_id, title, max(height, info.rows),
                             max(width, info.columns))
            requests.append({"updateSheetProperties": {
                "properties": {"sheetId": info.sheet_id, "gridProperties": {
                    "rowCount": info.rows, "columnCount": info.columns}},
                "fields": "gridProperties(rowCount,columnCount)"}})
        cells[info.sheet_id] = info.rows * info.columns
        requests += content_requests(info.sheet_id, rows)
    total = sum(cells.values())
    if total > max_cells:
        raise TooManyCells(
            f"the refresh would take the spreadsheet to {total:,} cells, over Google Sheets' "
            f"limit of {max_cells:,}; delete unused rows and columns or old tabs"
        )
    return requests
