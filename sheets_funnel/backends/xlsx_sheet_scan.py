"""What a worksheet part holds besides cell values: formulas that were never calculated and
merged cells. Read from the part's XML in chunks, so a large sheet never sits in memory whole;
only asked for when the values read look wrong (see :mod:`sheets_funnel.cell_checks`).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator

from ..cells import column_index

_CHUNK = 1 << 22
_P = r"(?:\w+:)?"  # any namespace prefix (x:c, c)
#: A formula cell with no calculated value: ``<f>…</f>`` (or a shared ``<f …/>``) followed by
#: nothing, ``<v/>`` or an empty ``<v></v>``, as openpyxl and scripts leave them.
_UNCALCULATED = re.compile(
    rf'<{_P}c\b[^>]*?\br="([A-Z]{{1,3}})(\d+)"[^>]*>'
    rf"(?:<{_P}f\b[^>]*/>|<{_P}f\b[^>]*>[^<]*</{_P}f>)"
    rf"(?:<{_P}v\s*/>|<{_P}v>\s*</{_P}v>)?</{_P}c>".encode())
_MERGED = re.compile(rf'<{_P}mergeCell\b[^>]*?\bref="([A-Z]{{1,3}})(\d+):([A-Z]{{1,3}})(\d+)"'
                     .encode())


def _pieces(zf: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The part's XML in pieces cut between rows, so a cell and its formula stay together."""
    carry = b""
    with zf.open(part) as stream:
        while block := stream.read(_CHUNK):
            data = carry + block
            cut = data.rfind(b"row>") + 4  # after a </row> (or <row>, <x:row>…)
            if cut < 4:
                carry = data
                continue
            carry = data[cut:]
            yield data[:cut]
    if carry:
        yield carry


def uncalculated(zf: zipfile.ZipFile, part: str) -> list[tuple[int, int]]:
    """0-based (row, column) of every formula cell of the part that holds no value."""
    found: list[tuple[int, int]] = []
    for piece in _pieces(zf, part):
        if b"f>" not in piece and b"f " not in piece:
            continue
        for match in _UNCALCULATED.finditer(piece):
            found.append((int(match.group(2)) - 1, column_index(match.group(1).decode())))
    return found


def merged(zf: zipfile.ZipFile, part: str) -> list[tuple[int, int, int, int]]:
    """The part's merged ranges as 0-based (first row, first column, last row, last column)."""
    found: list[tuple[int, int, int, int]] = []
    for piece in _pieces(zf, part):
        for match in _MERGED.finditer(piece):
            c0, r0, c1, r1 = match.groups()
            found.append((int(r0) - 1, column_index(c0.decode()), int(r1) - 1,
                          column_index(c1.decode())))
    return found
