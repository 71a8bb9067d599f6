"""Reading one large tab on several processor cores at once.

The reader (calamine) reads a sheet on one core, and lets other threads run meanwhile. A
large tab's sheet XML is cut at row boundaries into pieces (see :func:`piece_count`), read
by one thread per core: each piece is a complete worksheet (the sheet's own head, a run of
its rows, the sheet's own tail) in a private in-memory copy of the package, and the pieces
are read side by side. Each piece holds an empty list of merged cells before its cells,
which spares the reader a second pass over it (:mod:`.merge_pass`). The rows read are put
together so that the result is the same as reading the whole sheet: every row in its own
place, every row as wide as the widest.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

from ..cells import Cell, Rows
from . import merge_pass
from .piece_file import Gathered, PieceFile
from .sheet_xml import SHEET_DATA
from .zipraw import RawZipWriter, stored_bytes

#: A sheet part from this size on (inflated) is read in pieces when there is more than one
#: core: below it, cutting and packing cost about what reading side by side saves.
SPLIT_BYTES = 8 << 20
#: At most this many pieces, whatever the number of cores.
MAX_PIECES = 4
#: Pieces per core, when the workbook's shared strings are at most
#: :data:`SMALL_SHARED_STRINGS` bytes: with more pieces than cores, the first is read sooner
#: (a piece can be read only once it is inflated, which is done one piece after another) and
#: the cores are kept busy to the end, when the last pieces' rows are handed over. Each piece's
#: reader reads the shared strings again, so with many of them one piece per core is quicker.
PIECES_PER_CORE = 2
SMALL_SHARED_STRINGS = 1 << 20
_ROW_NUMBER = re.compile(rb'[^>]*?\sr="(\d+)"')
#: What may follow ``<row`` in a row's start tag.
_ROW_END = (b" ", b">", b"\t", b"\n", b"\r", b"/")
#: The sheet's root element, with its prefix (``x:worksheet``).
_ROOT = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?worksheet)[\s>]")


def usable_cores() -> int:
    """How many processor cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def piece_count(shared_strings: int = 0) -> int:
    """How many pieces a large tab is read in: one when this process may use one core only
    (nothing is gained by cutting), else one per core, or :data:`PIECES_PER_CORE` per core
    when the workbook's shared strings (``shared_strings`` bytes) are small; at most
    :data:`MAX_PIECES`."""
    cores = usable_cores()
    if cores < 2:
        return 1
    per_core = PIECES_PER_CORE if shared_strings <= SMALL_SHARED_STRINGS else 1
    return min(cores * per_core, MAX_PIECES)


@dataclass(frozen=True)
class Pieces:
    """A tab being read in pieces: each piece's rows, with the 0-based row and column of
    their first cell (when read), the XML of each piece's rows, the namespace prefix of
    the sheet's elements (``x:`` or none), and the reader's workbook of the first piece
    (whose other tabs are the package's own)."""

    blocks: list[Future[tuple[int, int, Rows]]]
    rows_xml: list[bytes]
    prefix: bytes
    first_book: Future[Any]


def start(zf: zipfile.ZipFile, raw: BinaryIO, info: zipfile.ZipInfo, tab: str,
          count: int) -> Pieces | None:
    """Start reading the sheet part ``info`` of ``zf`` (its file ``raw``) as ``tab`` in up to
    ``count`` pieces, on one thread per core, each piece as soon as its rows are inflated,
    while the next piece is inflated here; None when the part cannot be cut (not deflated, no cells,
    or its first cut falls on a row that does not say its number, as some writers leave
    it). Raises :class:`zipfile.BadZipFile` when the part fails its CRC-32 check."""
    if info.flag_bits & 0x1 or info.compress_type != zipfile.ZIP_DEFLATED:
        return None
    inflater = zlib.decompressobj(-15)
    rest = stored_bytes(info, raw)
    threads = min(count, usable_cores())
    targets = [int(info.file_size * share) + 1 for share in _shares(count, threads)]
    pending = b""
    while True:  # up to the start of the cells
        more = inflater.decompress(rest, targets[0])
        rest = inflater.unconsumed_tail
        pending += more
        found = SHEET_DATA.search(pending)
        if (found is not None and pending.find(b">", found.end() - 1) >= 0) or not rest:
            break
    crc = zlib.crc32(pending)
    if found is None or pending[found.end() - 1:found.end()] == b"/":
        return None
    prefix = found.group(1) + b":" if found.group(1) else b""
    body = pending.index(b">", found.end() - 1) + 1
    head = pending[:body]
    root = _ROOT.search(head)
    if root is None:
        return None
    head = head[:found.start()] + merge_pass.marker(prefix) + head[found.start():]
    ending = b"</" + prefix + b"sheetData></" + root.group(1) + b">"
    row = b"<" + prefix + b"row"
    pool = ThreadPoolExecutor(threads, "reader")
    first_book: Future[Any] = Future()
    pieces: list[Future[tuple[int, int, Rows]]] = []
    rows_xml: list[bytes] = []
    # the rows inflated and not yet in a piece: each chunk from its offset on, so no chunk
    # is copied but to put a piece's rows together once
    held: list[tuple[bytes, int]] = [(pending, body)]
    del pending
    try:
        goal = targets[0]
        while len(pieces) < count - 1 and rest:
            size = sum(len(chunk) - begin for chunk, begin in held)
            if size < goal:
                more = inflater.decompress(rest, goal - size)
                rest = inflater.unconsumed_tail
                crc = zlib.crc32(more, crc)
                held.append((more, 0))
            if len(held) > 1 and _last_row(*held[-1], row) is None:  # not in the last chunk
                held = [(b"".join(_views(held)), 0)]
            last, begin = held[-1]
            cut = _last_row(last, begin, row)
            if cut is None or (cut == begin and len(held) == 1):  # no row after the first
                goal += targets[len(pieces)]
                continue
            if _ROW_NUMBER.match(last, cut + len(row)) is None:
                if not pieces:
                    return None
                break  # the rest is read as one piece from the last cut
            goal = targets[len(pieces) + 1]
            rows_xml.append(b"".join([*_views(held[:-1]), memoryview(last)[begin:cut]]))
            pieces.append(pool.submit(_read, _package(zf, raw, info.filename,
                                                      [head, rows_xml[-1], ending]), tab,
                                      None if pieces else first_book))
            held = [(last, cut)]
        more = inflater.decompress(rest) + inflater.flush()
        crc = zlib.crc32(more, crc)
        held.append((more, 0))
        if crc != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
        rows_xml.append(b"".join(_views(held)))
        del held, more
        pieces.append(pool.submit(_read, _package(zf, raw, info.filename,
                                                  [head, rows_xml[-1]]), tab,
                                  None if pieces else first_book))
        return Pieces(pieces, rows_xml, prefix, first_book)
    finally:
        pool.shutdown(wait=False)


def _views(held: Sequence[tuple[bytes, int]]) -> list[memoryview]:
    """Each held chunk from its offset on, uncopied."""
    return [memoryview(chunk)[begin:] for chunk, begin in held]


#: With more pieces than threads, how much larger the first piece is than the last (the
#: sizes fall evenly in between).
TAPER = 0.5


def _shares(count: int, threads: int) -> list[float]:
    """The share of the part each of ``count`` pieces holds, read by ``threads`` threads.

    Pieces are inflated one after another, and with more pieces than threads a later piece
    waits for a thread besides: the later pieces are made smaller, so the last ones are not
    read alone while the other threads have nothing left to do.
    """
    taper = TAPER if count > threads else 0.0
    weights = [1 + taper * (count - 1 - i) / max(count - 1, 1) for i in range(count)]
    return [weight / sum(weights) for weight in weights]


def _last_row(text: bytes, begin: int, row: bytes) -> int | None:
    """Where the last ``<row`` start tag that ``text`` holds whole from ``begin`` on begins
    (a text cannot hold one: its ``<`` is written ``&lt;``); a tag cut off at the end of
    ``text`` is not taken, as its row's number may not be in it yet."""
    at = len(text)
    complete = text.rfind(b">", begin)
    while (at := text.rfind(row, begin, at)) >= 0:
        if text[at + len(row):at + len(row) + 1] in _ROW_END and at < complete:
            return at
    return None


def _package(zf: zipfile.ZipFile, raw: BinaryIO, part: str,
             sheet: Sequence[bytes]) -> PieceFile:
    """The package of ``zf`` (its file ``raw``) with ``part`` holding ``sheet`` (given in
    pieces), stored uncompressed: it never leaves memory."""
    gathered = Gathered()
    writer = RawZipWriter(cast(BinaryIO, gathered))
    for info in zf.infolist():
        if info.filename == part:
            writer.add_stored(part, sheet)
        else:
            writer.copy(zf, info, raw)
    writer.close()
    return PieceFile(gathered.chunks)


def _read(package: PieceFile, tab: str,
          first_book: Future[Any] | None) -> tuple[int, int, Rows]:
    """The rows of the sheet ``tab`` of a piece's package, with the 0-based row and column of
    their first cell: from A1 for the first piece, as the whole tab is read, and from its
    first cell that holds a value for the others (no rows when it holds none).

    The first piece's workbook is handed over in ``first_book`` once its sheet is read (the
    package's other tabs are read from it meanwhile), or the error that stopped it.
    """
    try:
        book = package.open_book()
        sheet = book.get_sheet_by_name(tab)
    except BaseException as exc:
        if first_book is not None:
            first_book.set_exception(exc)
        raise
    if first_book is not None:
        first_book.set_result(book)
    del book
    if first_book is not None:
        return 0, 0, cast(Rows, sheet.to_python(skip_empty_area=False))
    rows = cast(Rows, sheet.to_python(skip_empty_area=True))
    if not rows or not sheet.start:
        return 0, 0, []
    top, left = sheet.start
    return top, left, rows


class FirstPieceBook:
    """The workbook to read the other tabs from while a tab is read in pieces: the reader's
    workbook of the first piece, which holds the package's every other part as it is (so
    the shared strings are not read once more for them), or ``fallback()`` opened when that
    piece could not be read (its error is reported when the tab's rows are asked for)."""

    def __init__(self, pieces: Pieces, fallback: Callable[[], Any]) -> None:
        self._pieces = pieces
        self._fallback = fallback
        self._book: Any = None

    def _opened(self) -> Any:
        if self._book is None:
            failed = self._pieces.first_book.exception()
            self._book = self._fallback() if failed else self._pieces.first_book.result()
        return self._book

    @property
    def sheet_names(self) -> list[str]:
        return cast(list[str], self._opened().sheet_names)

    def get_sheet_by_name(self, name: str) -> Any:
        return self._opened().get_sheet_by_name(name)


def finish(pieces: Pieces) -> Rows:
    """The rows of the pieces started with :func:`start`, put together as the whole tab
    reads. Each piece's rows are taken out on its own thread as soon as it is read, and its
    sheet let go then."""
    blocks = [piece.result() for piece in pieces.blocks]
    pieces.blocks.clear()
    rows = _joined(blocks)
    _give_back()  # what the reader's threads held
    return rows


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


def _give_back() -> None:
    """Return the memory the reader's threads freed to the system (glibc keeps each thread's
    freed memory for that thread otherwise, so the process would stay as large as it was
    while the pieces were read). Nothing where the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
