"""Owned-tab contents → one Sheets API ``spreadsheets.batchUpdate`` request body.

User text is sent as ``stringValue``, so the API never reads it as a
formula, number or date; dates go as serial numbers with a date format,
ratios with a percent format, headings in bold.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..cells import Cell, Heading, Percent, Rows, to_serial

#: Google Sheets' limit on cells in one spreadsheet.
MAX_CELLS = 10_000_000
_DATE = {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}
_PERCENT = {"numberFormat": {"type": "PERCENT", "pattern": "0.0%"}}
_BOLD = {"textFormat": {"bold": True}}
FIELDS = "userEnteredValue,userEnteredFormat"


@dataclass(frozen=True)
class SheetInfo:
    """A tab of the spreadsheet as its metadata describes it."""

    sheet_id: int
    title: str
    rows: int
    columns: int


def sheets_of(metadata: Mapping[str, Any]) -> list[SheetInfo]:
    """The tabs listed in a ``spreadsheets.get`` answer."""
    out = []
    for sheet in metadata.get("sheets", []):
        props = sheet.get("properties", {})
        grid = props.get("gridProperties", {})
        out.append(SheetInfo(int(props.get("sheetId", 0)), str(props.get("title", "")),
                             int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0))))
    return out


def cell_data(value: Cell) -> dict[str, Any]:
    """One ``CellData``: a value and, where needed, its format."""
    if value is None or value == "":
        return {}
    if isinstance(value, Heading):
        return {"userEnteredValue": {"stringValue": str(value)}, "userEnteredFormat": _BOLD}
    if isinstance(value, str):
        return {"userEnteredValue": {"stringValue": value}}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, dt.date):
        return {"userEnteredValue": {"numberValue": to_serial(value)}, "userEnteredFormat": _DATE}
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return {}
        data: dict[str, Any] = {"userEnteredValue": {"numberValue": value}}
        if isinstance(value, Percent):
            data["userEnteredFormat"] = _PERCENT
        return data
    return {"userEnteredValue": {"stringValue": str(value)}}


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
        requests.append({"updateCells": {"range": {"sheetId": info.sheet_id}, "fields": FIELDS}})
        requests.append({"updateCells": {
            "start": {"sheetId": info.sheet_id, "rowIndex": 0, "columnIndex": 0},
            "rows": [{"values": [cell_data(v) for v in row]} for row in rows],
            "fields": FIELDS}})
    total = sum(cells.values())
    if total > max_cells:
        raise TooManyCells(
            f"the refresh would take the spreadsheet to {total:,} cells, over Google Sheets' "
            f"limit of {max_cells:,}; delete unused rows and columns or old tabs"
        )
    return requests
