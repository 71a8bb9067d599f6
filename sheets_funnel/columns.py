"""Column-wise conversion of Pipeline cells.

Each converter takes the raw cells of one column and returns the converted
values plus the positions of cells that could not be read. Blank cells
(None or spaces) become NaN or "". Dates and numbers are converted a whole
column at a time with numpy: cells are sorted by their Python type once, and
each kind (numbers, date cells, date texts) is converted in one array step;
only unusual cell types fall back to the single-cell readers of
:mod:`sheets_funnel.cells`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .cells import (
    DATE_TEXTS,
    DAYS_1904,
    EPOCH,
    FIRST_SERIAL,
    MAX_SERIAL,
    NUMBER_TEXT,
    as_text,
    is_blank,
    parse_date,
    parse_number,
)

_EPOCH64 = np.datetime64(EPOCH, "D")
_EPOCH_ORDINAL = EPOCH.toordinal()
Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


def texts(cells: Sequence[Any]) -> list[str]:
    """Each cell as trimmed text ("" for blank)."""
    try:  # the usual column: every cell is text (a blank one is "")
        return list(map(str.strip, cells))
    except TypeError:  # a number, date or None among them
        return [v.strip() if type(v) is str else "" if v is None else as_text(v) for v in cells]


_NUMBER, _TEXT, _DAY, _NONE, _OTHER = range(5)
#: Python type of a cell → its kind; a type not listed is added as "other" when first met.
_KINDS: defaultdict[type, int] = defaultdict(lambda: _OTHER, {
    float: _NUMBER, int: _NUMBER, str: _TEXT, dt.date: _DAY, dt.datetime: _DAY,
    type(None): _NONE})


class _Column:
    """One column's cells as an object array, sorted by kind."""

    def __init__(self, cells: Sequence[Any]) -> None:
        self.cells = cells
        kinds = np.fromiter(map(_KINDS.__getitem__, map(type, cells)), dtype=np.int8,
                            count=len(cells))
        self.number: Mask = kinds == _NUMBER
        self.text: Mask = kinds == _TEXT
        self.day: Mask = kinds == _DAY
        self.other: Mask = kinds == _OTHER

    def pick(self, where: npt.NDArray[np.intp]) -> list[Any]:
        """The cells at these positions."""
        cells = self.cells
        return [cells[i] for i in where.tolist()]

    def stripped(self) -> tuple[npt.NDArray[np.intp], list[str]]:
        """The positions of non-blank text cells and their trimmed text."""
        where = np.flatnonzero(self.text)
        text = [v.strip() for v in self.pick(where)]
        filled = np.fromiter(map(bool, text), dtype=bool, count=len(text))
        return where[filled], [t for t in text if t]


def dates(cells: Sequence[Any], date1904: bool = False) -> tuple[list[float], list[int]]:
    """Serial day numbers (NaN for blank) and the positions of cells that are not dates.

    Serial numbers count from 1904-01-01 when ``date1904``; a date before 1900-03-01 or
    after 9999-12-31 is not a date (CONTRACT §2).
    """
    col = _Column(cells)
    out = np.full(len(cells), np.nan)
    if col.number.any():
        values = np.array(col.pick(np.flatnonzero(col.number)), dtype=np.float64)
        with np.errstate(invalid="ignore"):
            out[col.number] = np.floor(values) + (DAYS_1904 if date1904 else 0)
    if col.day.any():
        days = col.pick(np.flatnonzero(col.day))
        ordinals = np.fromiter(map(dt.date.toordinal, days), dtype=np.int64, count=len(days))
        out[col.day] = ordinals - _EPOCH_ORDINAL
    bad = np.zeros(len(cells), dtype=bool)
    if col.text.any():
        where, text = col.stripped()
        serials = _date_texts(text)
        out[where] = serials
        bad[where] = np.isnan(serials)
    for i in np.flatnonzero(col.other).tolist():
        serial = parse_date(cells[i], date1904)
        if serial is not None:
            out[i] = serial
        else:
            bad[i] = not is_blank(cells[i])
    known = ~np.isnan(out)
    outside = known & ((out < FIRST_SERIAL) | (out > MAX_SERIAL))
    out[outside] = np.nan
    bad |= outside | (col.number & ~known)
    return out.tolist(), np.flatnonzero(bad).tolist()


#: The usual date texts, ``DD.MM.YYYY`` and ``YYYY-MM-DD``: where their separators and their
#: year, month and day digits stand.
_FIXED_DATES = (
    (((2, "."), (5, ".")), (6, 7, 8, 9), (3, 4), (0, 1)),
    (((4, "-"), (7, "-")), (0, 1, 2, 3), (5, 6), (8, 9)),
)
_WIDTH = 10


def _date_texts(text: list[str]) -> Floats:
    """Serial day numbers of ``YYYY-MM-DD`` / ``DD.MM.YYYY`` texts (NaN for anything else).

    Texts of exactly that shape are read as digit arrays in one step; the rest (a one-digit
    day, a time of 00:00 after the date) go through the patterns of :data:`DATE_TEXTS`.
    """
    out = np.full(len(text), np.nan)
    lengths = np.fromiter(map(len, text), dtype=np.int64, count=len(text))
    fixed = np.flatnonzero(lengths == _WIDTH)
    done = np.zeros(len(text), dtype=bool)
    if len(fixed):
        chars = np.array([text[i] for i in fixed], dtype=f"U{_WIDTH}")
        codes = chars.view(np.uint32).reshape(-1, _WIDTH).astype(np.int64)
        digits = codes - ord("0")
        is_digit = (digits >= 0) & (digits <= 9)
        for separators, year, month, day in _FIXED_DATES:
            match = np.all(is_digit[:, [*year, *month, *day]], axis=1)
            for at, sep in separators:
                match &= codes[:, at] == ord(sep)
            if match.any():
                rows = digits[match]
                out[fixed[match]] = _civil_serials(_number(rows, year), _number(rows, month),
                                                   _number(rows, day))
                done[fixed[match]] = True
    found: list[int] = []
    parts: list[tuple[int, int, int]] = []
    for i in np.flatnonzero(~done).tolist():
        for pattern, (y, m, d) in DATE_TEXTS:
            match_ = pattern.match(text[i])
            if match_:
                groups = match_.groups()
                found.append(i)
                parts.append((int(groups[y]), int(groups[m]), int(groups[d])))
                break
    if found:
        ymd = np.array(parts, dtype=np.int64)
        out[found] = _civil_serials(ymd[:, 0], ymd[:, 1], ymd[:, 2])
    return out


def _number(digits: npt.NDArray[np.int64], positions: tuple[int, ...]) -> npt.NDArray[np.int64]:
    """The decimal number written by the digits at these positions of each row."""
    value = np.zeros(len(digits), dtype=np.int64)
    for at in positions:
        value = value * 10 + digits[:, at]
    return value


def _civil_serials(year: npt.NDArray[np.int64], month: npt.NDArray[np.int64],
                   day: npt.NDArray[np.int64]) -> Floats:
    """Serial day numbers of calendar dates; NaN where there is no such day (31.02)."""
    out = np.full(len(year), np.nan)
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (year <= 9999)
    first = ((year[ok] - 1970) * 12 + month[ok] - 1).astype("datetime64[M]")
    length = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(int)
    fits = day[ok] <= length
    serial = (first.astype("datetime64[D]") - _EPOCH64).astype(np.int64) + day[ok] - 1
    out[np.flatnonzero(ok)[fits]] = serial[fits]
    return out


def numbers(cells: Sequence[Any]) -> tuple[list[float], list[int], list[int]]:
    """Numbers (NaN for blank), positions that are not numbers, and positions below zero."""
    col = _Column(cells)
    out = np.full(len(cells), np.nan)
    if col.number.any():
        out[col.number] = col.pick(np.flatnonzero(col.number))
    filled = col.number | col.day  # a date cell is not a number
    if col.text.any():
        where, text = col.stripped()
        filled[where] = True
        plain = [t.replace("\u00a0", "").replace(" ", "") for t in text]
        ok = [n for n, t in enumerate(plain) if NUMBER_TEXT.match(t)]
        out[where[ok]] = [float(plain[n]) for n in ok]
    for i in np.flatnonzero(col.other).tolist():
        number = parse_number(cells[i])
        filled[i] = not is_blank(cells[i])
        if number is not None:
            out[i] = number
    finite = np.isfinite(out)
    bad = filled & ~finite  # not a number, NaN or infinite
    out[~finite] = np.nan
    negative = out < 0
    out[negative] = np.nan
    return out.tolist(), np.flatnonzero(bad).tolist(), np.flatnonzero(negative).tolist()
