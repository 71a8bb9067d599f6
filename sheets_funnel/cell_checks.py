"""Cells whose values were read as blank but are not: formulas a program wrote and no
spreadsheet ever calculated, and Pipeline headers hidden under merged cells.

Either would make a refresh quietly wrong (a zeroed funnel, a dropped column), so each stops
it with exit code 2 naming the cells. A backend that can tell offers two optional methods,
``uncalculated(tab)`` and ``merged(tab)`` (see :mod:`sheets_funnel.backends.base`); they are
asked only when the values read look like it — a required cell or a whole known column blank,
a known column missing while a header cell with data below it is blank — so an ordinary
refresh pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .cells import Rows, column_letter, is_blank
from .errors import BadHeader, Uncalculated
from .model import COLUMNS, Lang, TabNames, lookup_setting
from .own_names import read_own_names
from .parse import ParsedWorkbook, map_headers, parse_workbook
from .pipeline_rows import without_totals

Cells = Callable[..., Sequence[tuple[int, int]]]  # (tab, columns=None) → (row, column)
Ranges = Callable[[str], Sequence[tuple[int, int, int, int]]]
#: How many cells a message names before it says how many more there are.
SHOWN = 5
RECALCULATE = ("they hold formulas that were never calculated (the file was written by a "
               "program and never opened in a spreadsheet): open and save it in Excel or "
               "LibreOffice, then refresh again")


def parse_checked(backend: object, lang: Lang, tabs: TabNames, data: dict[str, Rows],
                  date1904: bool) -> ParsedWorkbook:
    """:func:`~sheets_funnel.parse.parse_workbook` without the totals row of an Excel table,
    stopping when cells it needs are formulas never calculated or headers hidden under merged
    cells (where the backend can tell)."""
    uncalculated: Cells | None = _optional(backend, "uncalculated")
    merged: Ranges | None = _optional(backend, "merged")
    if uncalculated is not None and data.get(tabs.settings):
        _check_settings(tabs.settings, data[tabs.settings], uncalculated(tabs.settings))
    if tabs.pipeline in data:  # a table's totals row is not a deal
        data[tabs.pipeline] = without_totals(backend, tabs.pipeline, data[tabs.pipeline])
    rows = data.get(tabs.pipeline, [])
    try:
        parsed = parse_workbook(lang, tabs, data, date1904)
    except BadHeader:
        if uncalculated is not None:
            _refuse(tabs.pipeline, [c for c in uncalculated(tabs.pipeline) if c[0] == 0])
        if merged is not None and rows:
            names = read_own_names(tabs.settings, data.get(tabs.settings, []))
            found = {col.field: n for n, cell in enumerate(rows[0]) if isinstance(cell, str)
                     and (col := names.header(cell)) is not None}
            _check_merged(tabs.pipeline, rows, merged(tabs.pipeline), found, lang)
        raise
    header = map_headers(tabs.pipeline, list(rows[0]), lang, parsed.names)
    if uncalculated is not None and _looks_uncalculated(rows, header, parsed):
        _refuse(tabs.pipeline, uncalculated(tabs.pipeline, set(header.values())))
    if merged is not None and _header_may_be_hidden(rows, header):
        _check_merged(tabs.pipeline, rows, merged(tabs.pipeline), header, lang)
    return parsed


def _optional(backend: object, name: str) -> Any:
    method = getattr(backend, name, None)
    return method if callable(method) else None


def _ref(tab: str, row: int, column: int) -> str:
    return f"{tab}!{column_letter(column)}{row + 1}"


def _refuse(tab: str, cells: Sequence[tuple[int, int]]) -> None:
    if not cells:
        return
    cells = sorted(cells)
    shown = ", ".join(_ref(tab, r, c) for r, c in cells[:SHOWN])
    more = f" and {len(cells) - SHOWN} more cells" if len(cells) > SHOWN else ""
    raise Uncalculated(f"{shown}{more}: {RECALCULATE}")


def _check_settings(tab: str, rows: Rows, cells: Sequence[tuple[int, int]]) -> None:
    """Refuse when a known setting's value (column B) is a formula never calculated."""
    def known(row: int) -> bool:
        key = rows[row][0] if row < len(rows) and rows[row] else None
        return isinstance(key, str) and lookup_setting(key) is not None

    _refuse(tab, [(r, c) for r, c in cells if c == 1 and known(r)])


def _column_blank(rows: Rows, column: int) -> bool:
    return all(len(row) <= column or is_blank(row[column]) for row in rows[1:])


def _looks_uncalculated(rows: Rows, header: dict[str, int], parsed: ParsedWorkbook) -> bool:
    """True when a required cell is blank, or a known column is blank in every row."""
    if any(i.severity == "error" and i.message.startswith("missing ") for i in parsed.issues):
        return True
    return len(rows) > 1 and any(_column_blank(rows, c) for c in header.values())


def _header_may_be_hidden(rows: Rows, header: dict[str, int]) -> bool:
    """True when a known column is missing and a blank header cell has data below it."""
    if len(header) == len(COLUMNS) or not rows:
        return False
    first = rows[0]
    width = max(map(len, rows), default=0)
    return any(is_blank(first[c] if c < len(first) else None) and not _column_blank(rows, c)
               for c in range(width))


def _check_merged(tab: str, rows: Rows, ranges: Sequence[tuple[int, int, int, int]],
                  header: dict[str, int], lang: Lang) -> None:
    """Refuse when a merged header cell hides columns that hold data while known columns are
    missing from the header: the data is most likely one of them."""
    missing = [c.ru if lang == "ru" else c.en for c in COLUMNS if c.field not in header]
    if not missing:
        return
    for r0, c0, _r1, c1 in sorted(ranges):
        if r0 != 0 or c1 <= c0:
            continue
        hidden = [c for c in range(c0 + 1, c1 + 1) if not _column_blank(rows, c)]
        if not hidden:
            continue
        area = f"{tab}!{column_letter(c0)}1:{column_letter(c1)}1"
        letters = ", ".join(column_letter(c) for c in hidden)
        raise BadHeader(
            f"{area} is one merged cell: it hides the header of column {letters}, which holds "
            f"data, and no column is headed {', '.join(map(repr, missing))}; unmerge {area} "
            f"and give column {letters} its own header")
