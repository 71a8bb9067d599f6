"""Column-wise conversion of Pipeline cells: fast paths for the usual cell types.

Each converter takes the raw cells of one column and returns the converted
values plus the positions of cells that could not be read. Blank cells
(None or spaces) become NaN or "".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from .cells import EPOCH, as_text, is_blank, parse_date, parse_number

_EPOCH_ORDINAL = EPOCH.toordinal()
_NAN = math.nan


def texts(cells: Sequence[Any]) -> list[str]:
    """Each cell as trimmed text ("" for blank)."""
    out: list[str] = []
    append = out.append
    for v in cells:
        if v is None:
            append("")
        elif type(v) is str:
            append(v.strip())
        else:
            append(as_text(v))
    return out


def dates(cells: Sequence[Any]) -> tuple[list[float], list[int]]:
    """Serial day numbers (NaN for blank) and the positions of cells that are not dates."""
    out: list[float] = []
    bad: list[int] = []
    append = out.append
    for i, v in enumerate(cells):
        kind = type(v)
        if v is None or (kind is str and not v):
            append(_NAN)
        elif kind is dt.datetime or kind is dt.date:
            append(float(v.toordinal() - _EPOCH_ORDINAL))
        else:
            serial = parse_date(v)
            if serial is not None:
                append(float(serial))
            else:
                append(_NAN)
                if not is_blank(v):
                    bad.append(i)
    return out, bad


def numbers(cells: Sequence[Any]) -> tuple[list[float], list[int], list[int]]:
    """Numbers (NaN for blank), positions that are not numbers, and positions below zero."""
    out: list[float] = []
    bad: list[int] = []
    negative: list[int] = []
    append = out.append
    for i, v in enumerate(cells):
        kind = type(v)
        if v is None or (kind is str and not v):
            append(_NAN)
            continue
        number = float(v) if kind is float or kind is int else parse_number(v)
        if number is None or not math.isfinite(number):
            append(_NAN)
            if not is_blank(v):
                bad.append(i)
        elif number < 0:
            append(_NAN)
            negative.append(i)
        else:
            append(number)
    return out, bad, negative
