"""The ``Spreadsheet`` document ``spreadsheets.get`` answers with, optionally with grid data."""

from __future__ import annotations

import copy
from typing import Any

from .a1 import A1Range
from .model import Sheet, Spreadsheet
from .numfmt import json_number
from .values import Evaluator, clip, resolve_range


def _rgb(red: float, green: float, blue: float) -> dict[str, Any]:
    return {"red": red, "green": green, "blue": blue}


# The properties a new spreadsheet gets, as the real service reports them.
DEFAULT_FORMAT: dict[str, Any] = {
    "backgroundColor": _rgb(1, 1, 1),
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": _rgb(1, 1, 1)},
}
_THEME_COLORS = [
    ("TEXT", {}),
    ("BACKGROUND", _rgb(1, 1, 1)),
    ("ACCENT1", _rgb(0.25882354, 0.52156866, 0.95686275)),
    ("ACCENT2", _rgb(0.91764706, 0.2627451, 0.20784314)),
    ("ACCENT3", _rgb(0.9843137, 0.7372549, 0.015686275)),
    ("ACCENT4", _rgb(0.20392157, 0.65882355, 0.3254902)),
    ("ACCENT5", _rgb(1, 0.42745098, 0.003921569)),
    ("ACCENT6", _rgb(0.27450982, 0.7411765, 0.7764706)),
    ("LINK", _rgb(0.06666667, 0.33333334, 0.8)),
]
SPREADSHEET_THEME: dict[str, Any] = {
    "primaryFontFamily": "Arial",
    "themeColors": [{"colorType": t, "color": {"rgbColor": c}} for t, c in _THEME_COLORS],
}
ERROR_TYPES = {
    "#DIV/0!": "DIVIDE_BY_ZERO",
    "#REF!": "REF",
    "#VALUE!": "VALUE",
    "#NUM!": "NUM",
    "#N/A": "N_A",
    "#NAME?": "NAME",
    "#ERROR!": "ERROR",
}
DEFAULT_ROW_PIXELS = 21
DEFAULT_COLUMN_PIXELS = 100


def default_properties(title: str) -> dict[str, Any]:
    """Spreadsheet properties of a new file."""
    return {
        "title": title,
        "locale": "en_US",
        "autoRecalc": "ON_CHANGE",
        "timeZone": "Etc/GMT",
        "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
        "spreadsheetTheme": copy.deepcopy(SPREADSHEET_THEME),
    }


def sheet_properties(sheet_id: int, title: str, index: int, rows: int, cols: int) -> dict[str, Any]:
    """Properties of a new grid sheet, keys in the order the API writes them."""
    return {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": rows, "columnCount": cols},
    }


def spreadsheet_document(
    book: Spreadsheet,
    include_grid_data: bool = False,
    ranges: list[str] | None = None,
    caller: str = "",
) -> dict[str, Any]:
    """The full ``Spreadsheet`` resource, as ``caller`` (who may or may not edit each
    protected range) sees it."""
    wanted: dict[int, list[tuple[int, int, int, int]]] = {}
    for text in ranges or []:
        sheet, rng = resolve_range(book, text)
        wanted.setdefault(sheet.sheet_id, []).append(clip(sheet, rng))
    sheets = []
    for sheet in book.sheets:
        if ranges and sheet.sheet_id not in wanted:
            continue
        entry: dict[str, Any] = {"properties": copy.deepcopy(sheet.properties)}
        if include_grid_data:
            areas = wanted.get(sheet.sheet_id) or [clip(sheet, A1Range(None, None, None, None))]
            entry["data"] = [grid_data(sheet, area) for area in areas]
        if sheet.merges:
            entry["merges"] = copy.deepcopy(sheet.merges)
        if sheet.conditional_formats:
            entry["conditionalFormats"] = copy.deepcopy(sheet.conditional_formats)
        if sheet.basic_filter:
            entry["basicFilter"] = copy.deepcopy(sheet.basic_filter)
        if sheet.charts:
            entry["charts"] = copy.deepcopy(sheet.charts)
        if sheet.protected_ranges:
            entry["protectedRanges"] = [
                {**copy.deepcopy(p), "requestingUserCanEdit": bool(
                    p.get("warningOnly") or caller in p.get("editors", {}).get("users", []))}
                for p in sheet.protected_ranges
            ]
        sheets.append(entry)
    document = {
        "spreadsheetId": book.spreadsheet_id,
        "properties": copy.deepcopy(book.properties),
        "sheets": sheets,
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit",
    }
    if book.developer_metadata:
        document["developerMetadata"] = copy.deepcopy(book.developer_metadata)
    return document


def grid_data(sheet: Sheet, bounds: tuple[int, int, int, int]) -> dict[str, Any]:
    """One ``GridData`` block: cells with user-entered, effective and formatted values."""
    r0, r1, c0, c1 = bounds
    evaluator = Evaluator(sheet)
    rows: dict[int, dict[int, dict[str, Any]]] = {}
    for (row, col), cell in sheet.cells.items():
        if r0 <= row < r1 and c0 <= col < c1:
            data = copy.deepcopy(cell.data)
            value = evaluator.value(row, col)
            if value is not None and cell.entered is not None:
                data["effectiveValue"] = _extended(value)
                formatted = evaluator.render(row, col, "FORMATTED_VALUE", "SERIAL_NUMBER")
                data["formattedValue"] = formatted if isinstance(formatted, str) else ""
            rows.setdefault(row - r0, {})[col - c0] = data
    result: dict[str, Any] = {}
    if r0:
        result["startRow"] = r0
    if c0:
        result["startColumn"] = c0
    if rows:
        result["rowData"] = [
            {"values": [rows[i].get(j, {}) for j in range(max(rows[i]) + 1)]} if i in rows else {}
            for i in range(max(rows) + 1)
        ]
    result["rowMetadata"] = [
        {"pixelSize": DEFAULT_ROW_PIXELS, **sheet.row_metadata.get(i, {})} for i in range(r0, r1)
    ]
    result["columnMetadata"] = [
        {"pixelSize": DEFAULT_COLUMN_PIXELS, **sheet.column_metadata.get(i, {})}
        for i in range(c0, c1)
    ]
    return result


def _extended(value: object) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, str):
        if value in ERROR_TYPES:
            return {"errorValue": {"type": ERROR_TYPES[value], "message": value}}
        return {"stringValue": value}
    assert isinstance(value, int | float)
    return {"numberValue": json_number(value)}
