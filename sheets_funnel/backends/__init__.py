"""Workbook backends: a local file (default), a Google Sheet, a live Excel workbook.

:func:`open_workbook` picks the backend from the location: a Google Sheets
URL or spreadsheet id goes to the Google backend, anything else is a path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..cells import Cell, Percent, Rows
from .base import Backend

_GOOGLE_URL = re.compile(r"^https://docs\.google\.com/spreadsheets/d/([A-Za-z0-9_-]+)")
_GOOGLE_ID = re.compile(r"^[A-Za-z0-9_-]{25,}$")


def google_id(location: str) -> str | None:
    """The spreadsheet id of a Google Sheets URL or bare id, else None."""
    match = _GOOGLE_URL.match(location.strip())
    if match:
        return match.group(1)
    text = location.strip()
    if _GOOGLE_ID.match(text) and not Path(text).exists():
        return text
    return None


def open_workbook(location: str, **options: Any) -> Backend:
    """The backend for a workbook path, Google Sheets URL or spreadsheet id."""
    spreadsheet = google_id(location)
    if spreadsheet is not None:
        from .gsheets import GoogleSheet  # gspread itself is imported on first use

        return GoogleSheet(spreadsheet, **options)
    from .xlsx import XlsxWorkbook

    return XlsxWorkbook(location)


__all__ = ["Backend", "Cell", "Percent", "Rows", "google_id", "open_workbook"]
