"""What a worksheet part holds besides cell values: formulas that were never calculated,
merged cells, hidden rows and the Excel tables (ListObjects) on it. Read from the part's XML
in chunks, so a large sheet never sits in memory whole; the costly scans run only when
something asks for them (see :mod:`sheets_funnel.cell_checks` and
:mod:`sheets_funnel.pipeline_rows`), or, for the columns of a large sheet that hold formulas
never calculated, on another core while the reader reads it (see
:class:`~sheets_funnel.backends.xlsx.XlsxWorkbook`).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from xml.etree import ElementTree as ET

import numpy as np
import numpy.typing as npt

from ..cells import column_index, column_letter
from .sheet_xml import SHEET_DATA, any_of_columns

_CHUNK = 1 << 22
_SMALL_CHUNK = 1 << 18
_P = r"(?:\w+:)?"  # any namespace prefix (x:c, c)
#: A formula with no calculated value: ``<f>…</f>`` (or a shared ``<f …/>``) followed by
#: nothing, ``<v/>`` or an empty ``<v></v>`` up to the end of its cell, as openpyxl and scripts
#: leave them. Matched from its ``<f`` (a literal the regex engine finds fast, so a sheet's
#: cells without formulas cost nothing); ``{p}`` is the sheet's namespace prefix.
_UNCALCULATED = (r"<{p}f\b[^>]*(?:/>|>[^<]*</{p}f>)"
                 r"(?:<{p}v\s*/>|<{p}v>\s*</{p}v>)?</{p}c>")
#: The reference of a cell, in the start tag just before its formula.
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_MERGED = re.compile(rf'<{_P}mergeCell\b[^>]*?\bref="([A-Z]{{1,3}})(\d+):([A-Z]{{1,3}})(\d+)"'
                     .encode())


def _pieces(zf: zipfile.ZipFile, part: str, size: int = _CHUNK) -> Iterator[bytes]:
    """The part's XML in pieces cut between rows, so a cell and its formula stay together."""
    carry = b""
    with zf.open(part) as stream:
        while block := stream.read(size):
            data = carry + block
            cut = data.rfind(b"row>") + 4  # after a </row> (or <row>, <x:row>…)
            if cut < 4:
                carry = data
                continue
            carry = data[cut:]
            yield data[:cut]
    if carry:
        yield carry


def uncalculated(zf: zipfile.ZipFile, part: str,
                 columns: Collection[int] | None = None) -> list[tuple[int, int]]:
    """0-based (row, column) of the part's formula cells that hold no value (only in
    ``columns`` when given)."""
    wanted = None if columns is None else {column_letter(c).encode() for c in columns}
    if wanted is not None and not wanted:
        return []
    return [(int(reference[2]) - 1, column_index(reference[1].decode()))
            for reference in _references(_pieces(zf, part))
            if wanted is None or reference[1] in wanted]


def uncalculated_columns(zf: zipfile.ZipFile, part: str) -> set[int]:
    """The 0-based columns of the cells :func:`uncalculated` finds, read in small pieces (so
    a search on another thread gives way between them)."""
    letters = {reference[1] for reference in _references(_pieces(zf, part, _SMALL_CHUNK))}
    return {column_index(name.decode()) for name in letters}


def _references(pieces: Iterator[bytes]) -> Iterator[re.Match[bytes]]:
    """The reference (column letters, row number) of each formula cell with no value."""
    patterns: list[re.Pattern[bytes]] = [_uncalculated(b"")]
    prefix: bytes | None = None
    for piece in pieces:
        if prefix is None and b"sheetData" in piece:
            sheet_data = SHEET_DATA.search(piece)  # its prefix: x: in <x:sheetData>
            prefix = None if sheet_data is None else (
                sheet_data[1] + b":" if sheet_data[1] else b"")
            if prefix:
                patterns.append(_uncalculated(prefix))
        for pattern in patterns:
            for match in pattern.finditer(piece):
                start = match.start()
                if piece[start - 1:start] != b">":  # not right after its cell's start tag
                    continue
                reference = _REFERENCE.search(piece[piece.rfind(b"<", 0, start):start])
                if reference is not None:
                    yield reference


def _uncalculated(prefix: bytes) -> re.Pattern[bytes]:
    return re.compile(_UNCALCULATED.format(p=re.escape(prefix.decode())).encode())


def uncalculated_in(texts: Iterable[bytes], prefix: bytes,
                    columns: Collection[int] | None = None,
                    found: Iterable[Formulas] | None = None) -> list[tuple[int, int]]:
    """:func:`uncalculated` of a sheet's rows already in memory (whole rows in each text, the
    sheet's elements with namespace ``prefix``, e.g. ``x:``).

    Only the formula cells are looked at (``found``: each text's :func:`formulas`, found
    here when not given), and of those only the ones whose column is asked for or not known:
    each is matched from its cell's start tag, the last ``<`` before its formula.
    """
    wanted = None if columns is None else {column_letter(c).encode() for c in columns}
    if wanted is not None and not wanted:
        return []
    texts = list(texts)
    pattern = _cell_uncalculated(prefix, wanted)
    asked = None if columns is None else np.array(sorted(columns), dtype=np.int64)
    out: list[tuple[int, int]] = []
    for text, (at, column) in zip(texts, found if found is not None else
                                  (formulas(text, prefix) for text in texts), strict=True):
        if asked is not None:
            at = at[(column < 0) | np.isin(column, asked)]
        for position in at.tolist():
            match = pattern.match(text, text.rfind(b"<", 0, position))
            if match is not None:
                letters, row = match.group(1, 2) if match.group(1) else match.group(3, 4)
                if wanted is None or letters in wanted:
                    out.append((int(row) - 1, column_index(letters.decode())))
    return out


Formulas = tuple["npt.NDArray[np.int64]", "npt.NDArray[np.int64]"]
#: How far before a formula its cell's start tag is looked for (``<c r="XFD1048576" s="9"
#: t="str">`` fits); a longer start tag leaves the formula's column unknown.
_TAG_WINDOW = 40
#: How many bytes of a text are compared in one step (bounds the memory a search takes).
_STEP = 1 << 23
_WORD = np.zeros(256, dtype=bool)
_WORD[[*b"0123456789_", *range(65, 91), *range(97, 123)]] = True


def formulas(text: bytes, prefix: bytes) -> Formulas:
    """Where each formula element (``<f``, ``<x:f``…, right after a start tag) of ``text``
    begins, and the 0-based column of its cell: known where the cell's start tag is the
    usual ``<c r="B12"…>``, -1 where it is not (another attribute first, a long tag).

    Worked out with numpy, which lets other threads run meanwhile, so it can be done on
    another core while the interpreter is busy: a sheet with a formula in every row costs no
    pass of Python per formula.
    """
    data = np.frombuffer(text, dtype=np.uint8)
    needle = b"<" + prefix + b"f"
    at = _found(data, needle)
    if len(at):  # right after a start tag's ">", and "f" is the whole name
        after = at + len(needle)
        ok = (at > 0) & (after < len(data))
        at, after = at[ok], after[ok]
        at = at[(data[at - 1] == ord(">")) & ~_WORD[data[after]]]
    return at, _columns(data, at, prefix)


def _found(data: npt.NDArray[np.uint8], needle: bytes) -> npt.NDArray[np.int64]:
    """Where ``needle`` (two bytes or more) starts in ``data``, in order: its last two bytes
    are compared as 16-bit words, at even and at odd offsets, a step at a time."""
    pair = needle[-2] | needle[-1] << 8
    hits: list[npt.NDArray[np.int64]] = []
    for start in range(0, max(len(data) - 1, 0), _STEP):
        for odd in (0, 1):
            first = start + odd
            stop = min(start + _STEP + odd, len(data))
            words = data[first:first + (stop - first) // 2 * 2].view("<u2")
            hits.append(np.flatnonzero(words == pair).astype(np.int64) * 2 + first)
    ends = np.sort(np.concatenate(hits)) if hits else np.zeros(0, dtype=np.int64)
    at = ends - (len(needle) - 2)
    at = at[at >= 0]
    for k, byte in enumerate(needle[:-2]):
        at = at[data[at + k] == byte]
    return at


def _columns(data: npt.NDArray[np.uint8], at: npt.NDArray[np.int64],
             prefix: bytes) -> npt.NDArray[np.int64]:
    """The 0-based column of each formula's cell read from its start tag, where that is
    ``<c r="`` followed by one to three capital letters and a digit; -1 elsewhere."""
    columns = np.full(len(at), -1, dtype=np.int64)
    inside = np.flatnonzero(at >= _TAG_WINDOW)
    if not len(inside):
        return columns
    window = data[at[inside, None] + np.arange(-_TAG_WINDOW, 0)]
    opens = window == ord("<")
    has = opens.any(axis=1)
    first = _TAG_WINDOW - 1 - np.argmax(opens[:, ::-1], axis=1)  # the tag's "<"
    tag = b"<" + prefix + b'c r="'
    fits = has & (first + len(tag) + 4 <= _TAG_WINDOW)
    rows = np.flatnonzero(fits)
    start = first[rows]
    ok = np.ones(len(rows), dtype=bool)
    for k, byte in enumerate(tag):
        ok &= window[rows, start + k] == byte
    rows, start = rows[ok], start[ok] + len(tag)
    c = [window[rows, start + k].astype(np.int64) for k in range(4)]
    upper = [(x >= ord("A")) & (x <= ord("Z")) for x in c]
    digit = [(x >= ord("0")) & (x <= ord("9")) for x in c]
    value = np.full(len(rows), -1, dtype=np.int64)
    one = upper[0] & digit[1]
    two = upper[0] & upper[1] & digit[2]
    three = upper[0] & upper[1] & upper[2] & digit[3]
    value[one] = c[0][one] - 65
    value[two] = (c[0][two] - 64) * 26 + c[1][two] - 65
    value[three] = ((c[0][three] - 64) * 26 + c[1][three] - 64) * 26 + c[2][three] - 65
    columns[inside[rows]] = value
    return columns


def _cell_uncalculated(prefix: bytes, wanted: Collection[bytes] | None) -> re.Pattern[bytes]:
    """A cell whose formula holds no value, in the ``wanted`` columns (any when None).

    A cell whose reference comes first (``<c r="D3" …>``, as every common writer puts it)
    is matched only in the wanted columns, so the engine passes over the cells of other
    columns, formulas or not, at C speed; a cell whose reference comes later among its
    attributes is matched in any column (groups 3 and 4), and its column checked after.
    """
    p = re.escape(prefix)
    letters = rb"[A-Z]{1,3}" if wanted is None else any_of_columns(wanted)
    start = (rb"<" + p + rb'c(?: r="(' + letters + rb')(\d+)"'
             + rb'|\s+(?!r=")[^>]*?\br="([A-Z]{1,3})(\d+)")[^>]*>')
    return re.compile(start + _UNCALCULATED.format(p=p.decode()).encode())


def merged(zf: zipfile.ZipFile, part: str) -> list[tuple[int, int, int, int]]:
    """The part's merged ranges as 0-based (first row, first column, last row, last column)."""
    found: list[tuple[int, int, int, int]] = []
    for piece in _pieces(zf, part):
        for match in _MERGED.finditer(piece):
            c0, r0, c1, r1 = match.groups()
            found.append((int(r0) - 1, column_index(c0.decode()), int(r1) - 1,
                          column_index(c1.decode())))
    return found


_ROW_TAG = re.compile(rf"<{_P}row\b([^>]*)>".encode())
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_FILTERING = re.compile(rf'<{_P}sheetPr\b[^>]*\bfilterMode="(?:1|true)"'.encode())
_HEAD = 8192


def filtering(zf: zipfile.ZipFile, part: str) -> bool:
    """True when a filter hides rows of the sheet (``<sheetPr filterMode="1">``, which Excel
    and LibreOffice write while a filter of the sheet or of a table on it is on)."""
    with zf.open(part) as stream:
        return _FILTERING.search(stream.read(_HEAD)) is not None


def hidden_rows(zf: zipfile.ZipFile, part: str) -> list[int]:
    """0-based numbers of the part's hidden rows."""
    found: list[int] = []
    for piece in _pieces(zf, part):
        if b'hidden="' not in piece:
            continue
        for match in _ROW_TAG.finditer(piece):
            attributes = match.group(1)
            if _HIDDEN.search(attributes) and (number := _ROW_NUMBER.search(attributes)):
                found.append(int(number.group(1)) - 1)
    return found


@dataclass(frozen=True)
class Table:
    """An Excel table (ListObject) on a sheet: its range, 0-based, and its totals rows."""

    first_row: int
    last_row: int
    totals_rows: int
    filtered: bool


def tables(zf: zipfile.ZipFile, part: str) -> list[Table]:
    """The tables on the sheet stored in ``part``, from its ``xl/tables/tableN.xml`` parts."""
    rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    try:
        rels_xml = zf.read(rels)
    except KeyError:
        return []
    found: list[Table] = []
    for rel in ET.fromstring(rels_xml):
        target = rel.get("Target", "")
        if not rel.get("Type", "").endswith("/table") or rel.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(posixpath.dirname(part), target))
        try:
            root = ET.fromstring(zf.read(path))
        except (KeyError, ET.ParseError):
            continue
        match = re.fullmatch(r"\$?[A-Z]{1,3}\$?(\d+):\$?[A-Z]{1,3}\$?(\d+)", root.get("ref", ""))
        if match is None:
            continue
        filtered = any(e.tag.rpartition("}")[2] == "filterColumn" for e in root.iter())
        found.append(Table(int(match.group(1)) - 1, int(match.group(2)) - 1,
                           int(root.get("totalsRowCount", "0") or 0), filtered))
    return found


def filtered_rows(zf: zipfile.ZipFile, part: str) -> list[int]:
    """0-based rows hidden while a filter is on (none when no filter is on: rows hidden by
    hand are not looked for, so an ordinary refresh reads only the sheet's first bytes)."""
    if not filtering(zf, part) and not any(t.filtered for t in tables(zf, part)):
        return []
    return hidden_rows(zf, part)


def totals_rows(zf: zipfile.ZipFile, part: str) -> list[int]:
    """0-based rows that are the totals row of a table on the sheet."""
    return [row for table in tables(zf, part)
            for row in range(table.last_row - table.totals_rows + 1, table.last_row + 1)]
