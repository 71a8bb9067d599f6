"""Reading a worksheet at the cost of the cells that hold data, not of its farthest column.

The reader (calamine) builds a dense block from A1 to the last column and row that hold a
cell, so one stray note in ``XFD1`` above 30,000 deals makes it materialise 30,000 × 16,384
cells. Before reading, each sheet's XML is scanned for the columns its cells actually use;
when those lie far apart, the far columns are renumbered next to the others (``XFD`` becomes
``M``) in a private in-memory copy of the package, and after reading every row is put back in
its own columns — each row only as long as its own last cell. Long runs of empty rows are
left out of the copy the same way (:mod:`.sparse_rows`). A sheet whose declared dimension
(``<dimension ref="A1:L100001"/>``, as Excel, LibreOffice and most writers keep it) spans a
block no bigger than its data is read directly without that scan: the block then costs what
the data costs.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from ..cells import Rows, column_index, column_letter
from . import sparse_rows, split_read
from .sheet_xml import PREFIX, SHEET_DATA, any_of_columns
from .zipraw import RawZipWriter, read_entry

#: Columns that hold no cell are read as blank as long as there are at most this many of them.
SLACK = 16



def _cell_start(xml: bytes) -> tuple[bytes, int] | None:
    """The start of a cell tag as this sheet writes it (``<c r="`` or ``<x:c r="``) and where
    the cells begin; None for a sheet without cells."""
    found = SHEET_DATA.search(xml)
    if found is None:
        return None
    prefix = found.group(1) + b":" if found.group(1) else b""
    return b"<" + prefix + b'c r="', found.end()


def used_columns(xml: bytes) -> list[int]:
    """The 0-based columns that hold at least one cell of a worksheet part, in order.

    Each pass of the search skips the columns found so far, so the sheet is read about once
    whatever its width.
    """
    start = _cell_start(xml)
    if start is None:
        return []
    head, pos = start
    found: set[bytes] = set()
    while True:
        skip = b"(?!" + any_of_columns(found) + b"[0-9])" if found else b""
        match = re.compile(re.escape(head) + skip + rb"([A-Z]{1,3})[0-9]").search(xml, pos)
        if match is None:
            return sorted(column_index(name.decode()) for name in found)
        found.add(match.group(1))
        pos = match.start()


def plan(xml: bytes) -> list[int] | None:
    """The original column of each column of the compacted sheet, or None when the sheet
    can be read as it is (its cells leave at most :data:`SLACK` columns empty)."""
    columns = used_columns(xml)
    if not columns or columns[-1] + 1 <= len(columns) + SLACK:
        return None
    return columns


def compact(xml: bytes, columns: list[int]) -> bytes:
    """The worksheet with its used ``columns`` renumbered A, B, C, … in order."""
    start = _cell_start(xml)
    assert start is not None
    head = start[0]
    moved = {column_letter(old).encode(): column_letter(new).encode()
             for new, old in enumerate(columns) if new != old}
    longest_first: list[bytes] = sorted(moved, key=len, reverse=True)
    names = b"|".join(longest_first)
    pattern = re.compile(re.escape(head) + b"(" + names + b")(?=[0-9])")
    return pattern.sub(lambda m: head + moved[m.group(1)], xml)


def expand(rows: Rows, columns: list[int]) -> Rows:
    """Rows read from a compacted sheet, each cell back in its original column.

    A row ends at its own last cell that holds something, so a far column costs only the
    rows that have a value in it.
    """
    same = 0
    while same < len(columns) and columns[same] == same:
        same += 1
    far = list(enumerate(columns))[same:]
    for row in rows:  # in place: the rows read are not copied
        values = [(old, row[new]) for new, old in far
                  if new < len(row) and row[new] is not None and row[new] != ""]
        del row[same:]
        if values:
            row.extend([""] * (values[-1][0] + 1 - same))
            for old, value in values:
                row[old] = value
    return rows


@dataclass(frozen=True)
class Plan:
    """How a tab was compacted for reading: the original column of each column read (see
    :func:`expand`) and the runs of empty rows left out (see :func:`.sparse_rows.expand`);
    and, for a large tab, the pieces being read side by side (see :mod:`.split_read`)."""

    columns: list[int] | None
    row_gaps: list[tuple[int, int]] | None
    pieces: split_read.Pieces | None = None


#: A sheet's declared block (rows × columns of its ``<dimension>``) is read as it is when the
#: part holds at least this many bytes of XML per cell of the block: the block then costs
#: memory in proportion to the data, and the part is not scanned for far cells first.
BYTES_PER_CELL = 4
_DIMENSION = re.compile(rb"<" + PREFIX + rb'dimension\s+ref="\$?([A-Z]{1,3})\$?([0-9]+):'
                        rb'\$?([A-Z]{1,3})\$?([0-9]+)"')


def _declared_block_is_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """True when the sheet's ``<dimension>`` declares a block small for the part's size.

    Only the first kilobytes of the part are inflated to find it. A part without a
    dimension, or with a single-cell one (``A1``, as streaming writers leave it whatever
    the data), is scanned for its far cells as usual.
    """
    try:
        with zf.open(info) as stream:
            head = stream.read(4096)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError):
        return False  # the full read says what is wrong
    found = _DIMENSION.search(head)
    if found is None:
        return False
    _, _, last_col, last_row = found.groups()
    rows = int(last_row)  # the reader's block starts at A1 whatever the dimension's start
    columns = column_index(last_col.decode()) + 1
    return rows * columns * BYTES_PER_CELL <= info.file_size


def open_book(path: Path, parts: Mapping[str, str],
              package: bytes | None = None) -> tuple[Any, dict[str, Plan]]:
    """The calamine workbook to read ``parts`` (tab name → sheet part) from, and the plan of
    each tab read from a compacted copy.

    ``package`` is the workbook's package to read instead of the file at ``path`` (a copy
    already changed in memory).
    """
    from python_calamine import CalamineWorkbook

    def source() -> Any:
        return io.BytesIO(package) if package is not None else open(path, "rb")

    plans: dict[str, Plan] = {}
    compacted: dict[str, bytes] = {}
    with source() as raw, zipfile.ZipFile(raw) as zf:
        names = set(zf.namelist())
        count = split_read.piece_count(sum(
            info.file_size for info in zf.infolist()
            if info.filename.lower().endswith("sharedstrings.xml")))
        for tab, part in parts.items():
            if part not in names:
                continue
            info = zf.getinfo(part)
            if _declared_block_is_small(zf, info):
                if count > 1 and info.file_size >= split_read.SPLIT_BYTES:
                    pieces = split_read.start(zf, raw, info, tab, count)
                    if pieces is not None:  # being read from here on, beside what follows
                        plans[tab] = Plan(None, None, pieces)
                continue
            xml = read_entry(zf, info, raw)
            start = _cell_start(xml)
            gaps = None if start is None else sparse_rows.plan(xml, start[1])
            if gaps is not None and start is not None:
                xml = sparse_rows.compact(xml, start[1], gaps)
            columns = plan(xml)
            if columns is not None:
                xml = compact(xml, columns)
            if columns is not None or gaps is not None:
                plans[tab] = Plan(columns, gaps)
                compacted[part] = xml
            del xml
        if not compacted:
            def whole() -> Any:
                if package is not None:
                    return CalamineWorkbook.from_filelike(io.BytesIO(package))
                return CalamineWorkbook.from_path(str(path))

            split = [plan.pieces for plan in plans.values() if plan.pieces is not None]
            return (split_read.FirstPieceBook(split[0], whole) if split else whole()), plans
        buffer = io.BytesIO()
        writer = RawZipWriter(buffer)
        now = dt.datetime.now().timetuple()[:6]
        for info in zf.infolist():
            if info.filename in compacted:  # kept small: the copy stays in memory
                writer.add(info.filename, compacted.pop(info.filename), now, level=1)
            else:
                writer.copy(zf, info, raw)
        writer.close()
    buffer.seek(0)
    return CalamineWorkbook.from_filelike(buffer), plans


def read_rows(book: Any, tab: str, plans: Mapping[str, Plan]) -> Rows:
    """The rows of one tab of a workbook opened with :func:`open_book` (blank cells are
    empty strings)."""
    layout = plans.get(tab)
    if layout is not None and layout.pieces is not None:
        values = split_read.finish(layout.pieces)
    else:
        values = cast(Rows, book.get_sheet_by_name(tab).to_python(skip_empty_area=False))
    if layout is None:
        return values
    if layout.columns is not None:
        values = expand(values, layout.columns)
    if layout.row_gaps is not None:
        values = sparse_rows.expand(values, layout.row_gaps)
    return values
