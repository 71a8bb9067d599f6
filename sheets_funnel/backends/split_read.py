"""Reading one large tab on several processor cores at once.

The reader (calamine) reads a sheet on one core, and lets other threads run meanwhile. A
large tab's sheet XML is cut at row boundaries into pieces, one per core: each piece is a
complete worksheet (the sheet's own head, a run of its rows, the sheet's own tail) in a
private in-memory copy of the package, and the pieces are read side by side. The rows read
are put together so that the result is the same as reading the whole sheet: every row in
its own place, every row as wide as the widest.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

from ..cells import Cell, Rows
from .sheet_xml import SHEET_DATA
from .zipraw import RawZipWriter

#: A sheet part from this size on (inflated) is read in pieces when there is more than one
#: core: below it, cutting and packing cost about what reading side by side saves.
SPLIT_BYTES = 8 << 20
#: At most this many pieces, whatever the number of cores.
MAX_PIECES = 4
_ROW_NUMBER = re.compile(rb'[^>]*?\sr="(\d+)"')


def piece_count() -> int:
    """How many pieces a large tab is read in: one per core this process may use."""
    affinity = getattr(os, "sched_getaffinity", None)
    cores = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    return max(1, min(cores, MAX_PIECES))


@dataclass(frozen=True)
class Cut:
    """A piece of a sheet part: where its rows lie in the XML, and the 1-based number of its
    first row."""

    start: int
    end: int
    first_row: int


def cuts(xml: bytes, count: int) -> list[Cut] | None:
    """Where to cut a sheet part into ``count`` pieces of about equal size, each beginning at
    a ``<row>`` that says its number; None when it cannot be cut (no cells, or a row at a cut
    that does not say its number, as some writers leave it)."""
    found = SHEET_DATA.search(xml)
    if found is None or xml[found.end() - 1:found.end()] == b"/":
        return None
    prefix = found.group(1) + b":" if found.group(1) else b""
    start = xml.index(b">", found.end() - 1) + 1
    end = xml.rfind(b"</" + prefix + b"sheetData>")
    if end < start:
        return None
    row = b"<" + prefix + b"row"
    bounds = [start]
    numbers = [1]
    for k in range(1, count):
        at = _next_row(xml, row, start + (end - start) * k // count, end)
        if at is None or at <= bounds[-1]:
            break
        number = _ROW_NUMBER.match(xml, at + len(row))
        if number is None:
            return None
        bounds.append(at)
        numbers.append(int(number.group(1)))
    if len(bounds) < 2:
        return None
    bounds.append(end)
    return [Cut(bounds[k], bounds[k + 1], numbers[k]) for k in range(len(numbers))]


def _next_row(xml: bytes, row: bytes, at: int, end: int) -> int | None:
    """The position of the first ``<row`` tag from ``at`` on (a text cannot hold one: its
    ``<`` is written ``&lt;``)."""
    while True:
        at = xml.find(row, at, end)
        if at < 0:
            return None
        if xml[at + len(row):at + len(row) + 1] in (b" ", b">", b"\t", b"\n", b"\r", b"/"):
            return at
        at += len(row)


def packages(zf: zipfile.ZipFile, raw: BinaryIO, part: str, xml: bytes,
             pieces: Sequence[Cut]) -> list[io.BytesIO]:
    """One package per piece: the package of ``zf`` (its file ``raw``) with the sheet part
    holding only that piece's rows, stored uncompressed (it never leaves memory)."""
    head = memoryview(xml)[:pieces[0].start]
    tail = memoryview(xml)[pieces[-1].end:]
    out = []
    for piece in pieces:
        buffer = io.BytesIO()
        writer = RawZipWriter(buffer)
        for info in zf.infolist():
            if info.filename == part:
                writer.add_stored(part, [head, memoryview(xml)[piece.start:piece.end], tail])
            else:
                writer.copy(zf, info, raw)
        writer.close()
        buffer.seek(0)
        out.append(buffer)
    return out


def start(packages_: Sequence[io.BytesIO], tab: str) -> list[Future[Any]]:
    """Start reading ``tab`` from each piece's package, each on a thread of its own; the
    reader lets other threads run meanwhile, the caller's among them."""
    from python_calamine import CalamineWorkbook

    books = []
    for package in packages_:  # opening holds the interpreter: one after another, here
        books.append(CalamineWorkbook.from_filelike(package))
        package.close()  # the reader holds its own copy: this one's memory is let go at once
    pool = ThreadPoolExecutor(len(books), "reader")
    try:
        return [pool.submit(book.get_sheet_by_name, tab) for book in books]
    finally:
        pool.shutdown(wait=False)


def finish(sheets: Sequence[Future[Any]]) -> Rows:
    """The rows of the pieces started with :func:`start`, put together as the whole tab
    reads."""
    first = sheets[0].result()
    blocks: list[tuple[int, int, Rows]] = [
        (0, 0, cast(Rows, first.to_python(skip_empty_area=False)))]  # first row and column
    del first
    for future in sheets[1:]:
        piece = future.result()
        block = cast(Rows, piece.to_python(skip_empty_area=True))
        if block and piece.start is not None:
            top, left = piece.start
            blocks.append((top, left, block))
    return _joined(blocks)


def _joined(blocks: list[tuple[int, int, Rows]]) -> Rows:
    """The blocks of rows (each with the 0-based row and column of its first cell, in order
    of rows) as one sheet from A1: every row as wide as the widest block reaches, the rows
    between blocks empty."""
    width = max((left + len(block[0]) for _, left, block in blocks if block), default=0)
    out: Rows = []
    for top, left, block in blocks:
        if not block:
            continue
        while len(out) < top:
            out.append([""] * width)
        after: list[Cell] = [""] * (width - left - len(block[0]))
        for row in block if left or after else ():  # in place: the rows are not copied
            row[:0] = [""] * left
            row.extend(after)
        out.extend(block)
    return out
