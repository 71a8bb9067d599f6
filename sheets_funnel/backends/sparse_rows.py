"""Reading a worksheet at the cost of the rows that hold data, not of its farthest row.

The reader (calamine) builds a dense block from A1 to the last row that holds a cell, so one
stray note in ``A1048576`` below 2,000 deals makes it materialise a million rows of every
column. Before reading, the sheet's rows are listed; where a run of more than
:data:`SLACK` empty rows separates two rows that hold cells, the rows after it are renumbered
to follow on (in the private in-memory copy the reader gets), and after reading the run is
put back as empty rows, so every row keeps its own number for messages and lookups.
"""

from __future__ import annotations

import re

from ..cells import Rows
from .sheet_xml import PREFIX

#: Empty rows between rows that hold cells are read as blank rows up to this many in a run.
SLACK = 1_000

_ROW_TAG = re.compile(rb"<" + PREFIX + rb"row(?=[\s/>])([^>]*)>")
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
#: A row's number, or a cell reference's row (``r="AB123"``), with what comes before it.
_ROW_REFERENCE = re.compile(rb"(<" + PREFIX + rb'(?:row|c)\s(?:[^>]*?\s)?r="[A-Z]{0,3})(\d+)"')


def _row_numbers(xml: bytes, start: int) -> list[int] | None:
    """The 1-based number of each ``<row>`` of a sheet part, in order; None when a row does not
    say its number (the sheet is then read as it is)."""
    numbers = []
    for tag in _ROW_TAG.finditer(xml, start):
        found = _ROW_NUMBER.search(tag.group(1))
        if found is None:
            return None
        numbers.append(int(found.group(1)))
    return numbers


def plan(xml: bytes, start: int) -> list[tuple[int, int]] | None:
    """The runs of empty rows to leave out while reading, as ``(0-based row of the compacted
    sheet the run comes before, length of the run)``; None when the sheet can be read as it
    is. ``start`` is where the sheet's cells begin.

    A cheap look at the last row first: a sheet whose last row number is close to its count
    of rows has no long empty run, and is not scanned further.
    """
    last = xml.rfind(b"row ", start)
    rows_seen = xml.count(b"row ", start)  # at least one per row that has attributes
    if last < 0:
        return None
    tail = _ROW_NUMBER.search(xml, last, last + 400)
    if tail is not None and int(tail.group(1)) <= rows_seen + SLACK:
        return None
    numbers = _row_numbers(xml, start)
    if not numbers or numbers != sorted(numbers):
        return None
    gaps: list[tuple[int, int]] = []
    skipped = 0
    previous = 0
    for number in numbers:
        run = number - previous - 1
        if run > SLACK:
            gaps.append((previous - skipped, run))
            skipped += run
        previous = number
    return gaps or None


def compact(xml: bytes, start: int, gaps: list[tuple[int, int]]) -> bytes:
    """The sheet part with each row after a long empty run renumbered to follow on (its
    ``<row r=…>`` and its cells' ``r="A…"``)."""
    first = gaps[0][0]  # rows up to here keep their numbers
    head_end = start
    for tag in _ROW_TAG.finditer(xml, start):
        found = _ROW_NUMBER.search(tag.group(1))
        if found is not None and int(found.group(1)) > first:
            head_end = tag.start()
            break

    def shift(number: int) -> int:
        removed = 0
        for at, run in gaps:
            if number - removed - 1 >= at + run:
                removed += run
            else:
                break
        return number - removed

    def renumber(match: re.Match[bytes]) -> bytes:
        return match.group(1) + str(shift(int(match.group(2)))).encode() + b'"'

    return xml[:head_end] + _ROW_REFERENCE.sub(renumber, xml[head_end:])  # moved part only


class _EmptyRow(list):  # type: ignore[type-arg]
    """An empty row that cannot be changed, so one of it can stand for every row of a run."""

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("a blank row read from the workbook cannot be changed")

    append = extend = insert = pop = remove = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = _refuse
    __iadd__ = __imul__ = _refuse  # type: ignore[assignment]


#: The one empty row every left-out row is read as.
EMPTY_ROW = _EmptyRow()


def expand(rows: Rows, gaps: list[tuple[int, int]]) -> Rows:
    """Rows read from a compacted sheet with each left-out run back in place as empty rows
    (all the one unchangeable :data:`EMPTY_ROW`, so a million of them cost a list of
    pointers)."""
    out: Rows = []
    done = 0
    for at, run in gaps:
        out.extend(rows[done:at])
        out.extend([EMPTY_ROW] * run)
        done = at
    out.extend(rows[done:])
    return out
