"""Read the cell values of an .xlsx workbook (through python-calamine) for the stand-in."""

from __future__ import annotations

import datetime as dt
import os


def read_workbook(path: str | os.PathLike[str]) -> dict[str, list[list[object]]]:
    """Each tab's rows of values, positioned from A1; blank cells are ``None``.

    Numbers come back as ``int`` when integral, dates and times as ``datetime`` objects, so
    the stand-in can store them as serial numbers with a date number format.
    """
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(os.fspath(path))
    tabs: dict[str, list[list[object]]] = {}
    try:
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            tabs[str(name)] = [[_value(v) for v in row] for row in rows]
    finally:
        workbook.close()
    return tabs


def _value(value: object) -> object:
    if value == "" or value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400
    return value
