"""One cell: the value types that travel between backends and the core, and reading
single cell values (blanks, text, numbers and dates).

Dates are carried as spreadsheet serial day numbers (days since 1899-12-30,
as float) so the calculation can work on plain arrays. A workbook in the 1904
date system (Mac Excel's old default) counts its serial numbers from 1904-01-01
instead; :data:`DAYS_1904` converts between the two.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TypeAlias


class Percent(float):
    """A ratio (0.5 is 50 %) that the backend formats as a percentage."""


class Money(float):
    """An amount of money: shown with thousands separators, no decimals, no currency symbol."""


class Ratio(float):
    """How many deals at a stage make one sale: shown as ``1.7 : 1``."""


class OneDecimal(float):
    """A fractional count (expected closes, weeks) shown with one decimal."""


#: How each formatted number type is shown, as a number format code (Excel's and Google's
#: pattern syntax agree on these).
NUMBER_FORMATS: dict[type[float], str] = {
    Percent: "0.0%", Money: "#,##0", Ratio: '0.0" : 1"', OneDecimal: "0.0"}


def number_format(value: object) -> str | None:
    """The number format code a formatted number is shown with; None for any other value."""
    for kind, code in NUMBER_FORMATS.items():
        if isinstance(value, kind):
            return code
    return None


class Heading(str):
    """Text shown in bold where the backend can: a title or a table header."""

    __slots__ = ()


class NumberHeading(Heading):
    """The heading of a column of numbers: bold and, where the backend can, right-aligned
    so it stands over its numbers."""

    __slots__ = ()


Cell: TypeAlias = str | int | float | bool | dt.date | dt.datetime | None
Rows: TypeAlias = list[list[Cell]]


EPOCH = dt.date(1899, 12, 30)
#: The first day every spreadsheet shows the same way (1900-03-01): earlier serial numbers
#: differ between Excel (which counts a 29 February 1900), LibreOffice and Google Sheets.
FIRST_SERIAL = 61
#: The last day a spreadsheet can show (9999-12-31).
MAX_SERIAL = 2958465
#: Serial 0 of the 1904 date system (1904-01-01) in the 1900 system.
DAYS_1904 = 1462

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
#: The date texts accepted, each with the positions of year, month and day in its groups.
DATE_TEXTS: tuple[tuple[re.Pattern[str], tuple[int, int, int]], ...] = (
    (_ISO, (0, 1, 2)), (_DMY, (2, 1, 0)))
#: A plain number written as text (spaces allowed as thousands separators).
NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def column_letter(index: int) -> str:
    """A 0-based column index as the spreadsheet's letters (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """The 0-based column index of the spreadsheet's letters (A → 0, AB → 27)."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def is_blank(value: object) -> bool:
    """True for an empty cell: None or text of spaces only."""
    return value is None or (isinstance(value, str) and not value.strip())


def to_serial(day: dt.date) -> int:
    """The spreadsheet serial number of a date."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return (day - EPOCH).days


def from_serial(serial: float) -> dt.date:
    """The date of a spreadsheet serial number (any time of day is dropped)."""
    return EPOCH + dt.timedelta(days=math.floor(serial))


def is_spreadsheet_day(serial: float) -> bool:
    """True for a serial day number from 1900-03-01 to 9999-12-31 (CONTRACT §2)."""
    return FIRST_SERIAL <= serial <= MAX_SERIAL


def parse_date(value: object, date1904: bool = False) -> int | None:
    """The serial day number of a date cell, or None when it is not a date.

    Accepts a real date cell, a serial number (counted from 1904-01-01 when
    ``date1904``), ``YYYY-MM-DD`` or ``DD.MM.YYYY``, from 1900-03-01 to 9999-12-31.
    """
    serial = _any_serial(value, date1904)
    return serial if serial is not None and is_spreadsheet_day(serial) else None


def _any_serial(value: object, date1904: bool) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, dt.date):
        return to_serial(value)
    if isinstance(value, int | float):
        if math.isfinite(value) and abs(value) <= MAX_SERIAL:
            return math.floor(value) + (DAYS_1904 if date1904 else 0)
        return None
    if isinstance(value, str):
        text = value.strip()
        for pattern, order in DATE_TEXTS:
            match = pattern.match(text)
            if match:
                parts = match.groups()
                try:
                    day = dt.date(*(int(parts[i]) for i in order))
                except ValueError:
                    return None
                return to_serial(day)
    return None


def parse_number(value: object) -> float | None:
    """A number cell (or text holding a plain number) as float, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if NUMBER_TEXT.match(text):
            return float(text)
    return None


#: The most text a spreadsheet cell holds (Excel's limit, in UTF-16 units).
MAX_CELL_TEXT = 32_767


def fit_text(text: str) -> str:
    """Text cut to what one cell holds, ending in "…" when cut."""
    if len(text) <= MAX_CELL_TEXT // 2:
        return text
    units = text.encode("utf-16-le")
    if len(units) // 2 <= MAX_CELL_TEXT:
        return text
    cut = units[: (MAX_CELL_TEXT - 1) * 2].decode("utf-16-le", errors="ignore")
    return cut + "…"


def as_text(value: object) -> str:
    """A cell as trimmed text; whole numbers lose their decimal part (101.0 → "101")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def json_value(value: object) -> str | int | float | bool | None:
    """A raw cell value as it appears in the JSON summary (dates as ISO text)."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)
