"""A1 notation: parse ranges such as ``'My Tab'!A1:D4``, ``A:C`` or ``A2:Z`` and format them back.

Indices are zero-based and end-exclusive, like a Sheets ``GridRange``. An open side of a range
is ``None`` until :meth:`A1Range.clip` resolves it against a grid's size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL_RE = re.compile(r"^\$?([A-Za-z]{0,3})\$?(\d{0,7})$")
_PLAIN_TITLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_REF_RE = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d+[Cc]\d+|[A-Za-z]{1,3}|\d+)$")


class A1Error(ValueError):
    """The text is not a range in A1 notation."""


def column_letters(index: int) -> str:
    """Column letters for a zero-based column index (0 -> ``A``, 26 -> ``AA``)."""
    letters = ""
    index += 1
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """Zero-based column index for column letters (``A`` -> 0)."""
    index = 0
    for char in letters.upper():
        index = index * 26 + (ord(char) - ord("A") + 1)
    return index - 1


def quote_title(title: str) -> str:
    """A sheet title as the API writes it in a range: quoted unless it is a plain word."""
    if _PLAIN_TITLE_RE.match(title) and not _LOOKS_LIKE_REF_RE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split ``'Tab'!A1:B2`` into ``("Tab", "A1:B2")``.

    Returns ``(None, text)`` when there is no sheet part and ``(title, None)`` for a quoted
    title alone. An unquoted text without ``!`` is returned as ``(None, text)``: the caller
    decides whether it names a sheet or a range on the first sheet.
    """
    if text.startswith("'"):
        i = 1
        title_chars: list[str] = []
        while i < len(text):
            if text[i] == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    title_chars.append("'")
                    i += 2
                    continue
                break
            title_chars.append(text[i])
            i += 1
        else:
            raise A1Error(text)
        rest = text[i + 1 :]
        if rest == "":
            return "".join(title_chars), None
        if not rest.startswith("!"):
            raise A1Error(text)
        return "".join(title_chars), rest[1:]
    if "!" in text:
        title, _, cells = text.rpartition("!")
        return title, cells
    return None, text


@dataclass(frozen=True)
class A1Range:
    """Cell bounds of a range; ``None`` means open on that side."""

    start_row: int | None
    end_row: int | None
    start_col: int | None
    end_col: int | None

    @property
    def is_bounded(self) -> bool:
        """True when every side of the range is given."""
        return None not in (self.start_row, self.end_row, self.start_col, self.end_col)

    def clip(self, row_count: int, col_count: int) -> tuple[int, int, int, int]:
        """Resolve open sides against a grid: ``(start_row, end_row, start_col, end_col)``."""
        return (
            self.start_row if self.start_row is not None else 0,
            self.end_row if self.end_row is not None else row_count,
            self.start_col if self.start_col is not None else 0,
            self.end_col if self.end_col is not None else col_count,
        )


WHOLE_SHEET = A1Range(None, None, None, None)


def _parse_cell(text: str) -> tuple[int | None, int | None]:
    match = _CELL_RE.match(text)
    if not match or (not match.group(1) and not match.group(2)):
        raise A1Error(text)
    letters, digits = match.groups()
    col = column_index(letters) if letters else None
    row = int(digits) - 1 if digits else None
    if row is not None and row < 0:
        raise A1Error(text)
    return row, col


def parse_cells(text: str) -> A1Range:
    """Parse the cell part of a range: ``A1``, ``A1:B2``, ``A:C``, ``2:3`` or ``A2:Z``."""
    if text.count(":") > 1 or text == "":
        raise A1Error(text)
    first, sep, second = text.partition(":")
    row1, col1 = _parse_cell(first)
    if not sep:
        if row1 is None or col1 is None:
            # A lone column ("A") or row ("3") is not a range.
            raise A1Error(text)
        return A1Range(row1, row1 + 1, col1, col1 + 1)
    row2, col2 = _parse_cell(second)
    if (col1 is None) != (col2 is None) and (row1 is None or row2 is None):
        # "A:3" mixes a column with a row.
        raise A1Error(text)
    rows = _ordered(row1, row2)
    cols = _ordered(col1, col2)
    return A1Range(rows[0], rows[1], cols[0], cols[1])


def _ordered(a: int | None, b: int | None) -> tuple[int | None, int | None]:
    """Bounds of one dimension: a missing side is open (start 0 / end of grid)."""
    if a is not None and b is not None:
        low, high = min(a, b), max(a, b)
        return low, high + 1
    if a is None and b is None:
        return None, None
    if a is None:
        assert b is not None
        return None, b + 1
    return a, None


def format_cells(start_row: int, end_row: int, start_col: int, end_col: int) -> str:
    """``A1`` for one cell, ``A1:D4`` otherwise (bounds are zero-based, end-exclusive)."""
    first = f"{column_letters(start_col)}{start_row + 1}"
    if end_row - start_row == 1 and end_col - start_col == 1:
        return first
    return f"{first}:{column_letters(end_col - 1)}{end_row}"


def format_range(title: str, start_row: int, end_row: int, start_col: int, end_col: int) -> str:
    """A full range as the API reports it, e.g. ``Sheet1!A1:D4`` or ``'My Tab'!A1``."""
    return f"{quote_title(title)}!{format_cells(start_row, end_row, start_col, end_col)}"
