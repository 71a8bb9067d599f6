"""A workbook open in Excel, reached through xlwings: the backend behind the Refresh button.

Reads take one bulk ``range.value`` per input tab, from A1 to the last used
cell, so row numbers stay the sheet's own even when the first rows are blank.
Writes take, per owned tab, one ``clear_contents``, a few number-format calls
and one bulk ``range.value``:

* a ``str`` cell gets the Text number format ``"@"`` *before* the value is
  written, so Excel stores it as typed: ``"=HYPERLINK(..)"``, ``"+1 555"``,
  ``"@SUM"`` or ``"2026-01-01"`` stay text and never become a formula, a
  number or a date;
* dates are written as dates with the ``yyyy-mm-dd`` format, ratios
  (:class:`~sheets_funnel.cells.Percent`) as numbers with ``0.0%``, money
  with ``#,##0``, deals per sale with ``0.0" : 1"``, fractional counts with
  ``0.0``, other numbers with the General format; :class:`~sheets_funnel.cells.Heading`
  text is bold.

Atomicity, as far as Excel allows: every tab is rendered and checked (cell
types, text length, sheet size) before the first cell changes, so bad output
never reaches the workbook. Excel has no transactions, though: if Excel
itself fails half-way (a protected sheet, Excel closed mid-write), the tabs
written until then keep their new content and the rest their old content;
refreshing again repairs that. Screen updating and automatic calculation are
paused during the write and always restored, even after an error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ..cells import Heading, Rows, number_format
from ..errors import BackendMissing, SheetsFunnelError

log = logging.getLogger("sheets_funnel")

TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
GENERAL_FORMAT = "General"
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_TEXT = 32_767
#: Owned tabs whose name starts with this are bookkeeping, created hidden.
HIDDEN_PREFIX = "_"


def import_xlwings() -> ModuleType:
    """The xlwings module, or BackendMissing naming the extra to install."""
    try:
        import xlwings
    except ImportError as exc:
        raise BackendMissing(
            "the Excel backend needs xlwings; run: pip install 'sheets-funnel[excel]'"
        ) from exc
    return xlwings


@dataclass
class _TabPlan:
    """One owned tab, rendered and checked, ready to be written."""

    name: str
    values: list[list[Any]]
    formats: list[tuple[str, int, int, int, int]] = field(default_factory=list)
    bold: list[tuple[str, int, int, int, int]] = field(default_factory=list)


class ExcelBook:
    """A workbook open in Excel, as an xlwings ``Book`` (or any object with the same API)."""

    def __init__(self, book: Any) -> None:
        self.book = book

    @classmethod
    def caller(cls) -> ExcelBook:
        """The workbook whose macro called Python (``xw.Book.caller()``)."""
        return cls(import_xlwings().Book.caller())

    @property
    def label(self) -> str:
        """The workbook's name as Excel shows it."""
        return str(self.book.name)

    def tab_names(self) -> list[str]:
        """The tab names in workbook order."""
        return [str(sheet.name) for sheet in self.book.sheets]

    @property
    def date1904(self) -> bool:
        """True when the workbook uses the 1904 date system (Excel's ``Workbook.Date1904``).

        Excel hands date cells over as dates either way; this tells how to read a plain
        serial number in a date column. Asked through the object model of Windows
        (``Date1904``) or of the Mac (``date_1904``); False when neither answers.
        """
        api = getattr(self.book, "api", None)
        if api is None:
            return False
        try:
            return bool(api.Date1904)  # Windows
        except Exception:  # the Mac's object model has no such attribute
            pass
        try:
            return bool(api.date_1904.get())  # Mac
        except Exception:  # neither platform's object model answers
            return False

    def read(self, tabs: Sequence[str]) -> dict[str, Rows]:
        """The cells of each named tab that exists, from A1 to the last used cell."""
        sheets = {str(sheet.name): sheet for sheet in self.book.sheets}
        out: dict[str, Rows] = {}
        for name in tabs:
            sheet = sheets.get(name)
            if sheet is None:
                continue
            last = sheet.used_range.last_cell
            block = sheet.range((1, 1), (last.row, last.column))
            values = block.options(ndim=2, err_to_str=True).value
            rows = [[_cell(v) for v in row] for row in values]
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            out[name] = rows
        return out

    def write(self, tabs: Mapping[str, Rows]) -> None:
        """Replace the owned tabs' cells, creating missing tabs after the last one.

        A created tab whose name starts with ``_`` (bookkeeping such as the state
        tab) is hidden.
        """
        plans = [_plan(name, rows) for name, rows in tabs.items()]
        with paused(self.book.app):
            for plan in plans:
                self._write_tab(plan)

    def _write_tab(self, plan: _TabPlan) -> None:
        names = {str(s.name).casefold(): s for s in self.book.sheets}
        sheet = names.get(plan.name.casefold())
        if sheet is None:
            sheet = self.book.sheets.add(name=plan.name, after=self.book.sheets[-1])
            if plan.name.startswith(HIDDEN_PREFIX):
                sheet.visible = False
        sheet.clear_contents()
        if not plan.values:
            return
        height, width = len(plan.values), len(plan.values[0])
        block = sheet.range((1, 1), (height, width))
        block.number_format = GENERAL_FORMAT
        for fmt, r1, c1, r2, c2 in plan.formats:
            sheet.range((r1, c1), (r2, c2)).number_format = fmt
        block.font.bold = False
        for _, r1, c1, r2, c2 in plan.bold:
            sheet.range((r1, c1), (r2, c2)).font.bold = True
        block.value = plan.values


@contextlib.contextmanager
def paused(app: Any) -> Iterator[None]:
    """Turn screen updating and automatic calculation off, and always restore them.

    A setting this Excel cannot report (xlwings Lite cannot read screen
    updating) is left alone.
    """
    saved: list[tuple[str, Any]] = []
    try:
        for attr, off in (("screen_updating", False), ("calculation", "manual")):
            try:
                before = getattr(app, attr)
            except Exception:  # not readable on this engine
                continue
            saved.append((attr, before))
            setattr(app, attr, off)
        yield
    finally:
        for attr, before in reversed(saved):
            try:
                setattr(app, attr, before)
            except Exception as exc:  # never hide the error that got us here
                log.warning("could not restore Excel's %s: %s", attr, exc)


def _cell(value: Any) -> Any:
    """A value as read by xlwings, in the form every backend hands over."""
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return value


def _plan(name: str, rows: Rows) -> _TabPlan:
    """Render one tab: a rectangular block of xlwings values plus its number formats."""
    width = max((len(row) for row in rows), default=0)
    if len(rows) > MAX_ROWS or width > MAX_COLUMNS:
        raise SheetsFunnelError(f"{name}: {len(rows)} rows x {width} columns do not fit a sheet")
    values: list[list[Any]] = []
    kinds: list[list[str | None]] = []
    bold: list[list[str | None]] = []
    for r, row in enumerate(rows, start=1):
        padded = [*row, *([None] * (width - len(row)))]
        values.append([_out(name, r, c, v) for c, v in enumerate(padded, start=1)])
        kinds.append([_format(v) for v in padded])
        bold.append([None if v is None else "bold" if isinstance(v, Heading) else ""
                     for v in padded])
    if not width:
        values = []
    return _TabPlan(name, values, _format_blocks(kinds), _format_blocks(bold))


def _out(tab: str, row: int, column: int, value: Any) -> Any:
    where = f"{tab} row {row}, column {column}"
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise SheetsFunnelError(f"{where}: text longer than {MAX_TEXT} characters")
        return str(value)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise SheetsFunnelError(f"{where}: {value} is not a number Excel can hold")
        return float(value) if number_format(value) is not None else value
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    raise SheetsFunnelError(f"{where}: cannot write a {type(value).__name__}")


def _format(value: Any) -> str | None:
    """The number format a value needs; "" for General; None for a blank cell."""
    if value is None:
        return None
    if isinstance(value, str):
        return TEXT_FORMAT
    code = number_format(value)
    if code is not None:
        return code
    if isinstance(value, dt.date):
        return DATE_FORMAT
    return ""


def _format_blocks(kinds: list[list[str | None]]) -> list[tuple[str, int, int, int, int]]:
    """Cover the cells of each non-empty kind with few rectangles: (kind, row1, col1, row2, col2).

    Runs down each column (blank cells do not break a run), then side-by-side
    columns with the same run are merged.
    """
    runs: dict[tuple[str, int, int], list[int]] = {}
    width = len(kinds[0]) if kinds else 0
    for c in range(width):
        current: list[Any] | None = None
        for r, row in enumerate(kinds, start=1):
            fmt = row[c]
            if fmt is None:
                continue
            if current is not None and current[0] == fmt:
                current[2] = r
                continue
            if current is not None:
                runs.setdefault((current[0], current[1], current[2]), []).append(c + 1)
            current = [fmt, r, r] if fmt else None
        if current is not None:
            runs.setdefault((current[0], current[1], current[2]), []).append(c + 1)
    blocks: list[tuple[str, int, int, int, int]] = []
    for (fmt, r1, r2), columns in sorted(runs.items()):
        start = prev = columns[0]
        for col in [*columns[1:], None]:
            if col is not None and col == prev + 1:
                prev = col
                continue
            blocks.append((fmt, r1, start, r2, prev))
            if col is not None:
                start = prev = col
    return blocks
