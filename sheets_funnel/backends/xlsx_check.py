"""The check a rewritten workbook passes before it takes the old file's place.

Every part the refresh wrote must be well-formed XML: it is checked before it is written.
Then the new package is opened again from the temporary file, as a spreadsheet would open
it: the zip must be readable, each rewritten part must read back whole as the very data that
was checked (its CRC-32), and every tab of the workbook must lead to a part that is in the
package and has a content type. A check that fails keeps the old file and says what is wrong.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Mapping
from xml.etree import ElementTree as ET
from xml.parsers import expat

from ..errors import SheetsFunnelError
from . import xlsx_package as pkg


class RewriteFailed(SheetsFunnelError):
    """The rewritten workbook did not pass its check; the old file is kept (exit code 1)."""


def check_parts(label: str, parts: Mapping[str, bytes]) -> None:
    """Raise RewriteFailed unless every part is well-formed XML.

    A part is read a megabyte at a time, so a thread deflating parts meanwhile is not held
    up for the whole of a large one.
    """
    for part, data in parts.items():
        parser = expat.ParserCreate()
        view = memoryview(data)
        try:
            for start in range(0, len(data), _STEP):
                parser.Parse(view[start:start + _STEP], False)
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise _failed(label, f"{part}: {exc}") from None


_STEP = 1 << 20


def check_package(path: str, label: str, rewritten: Mapping[str, int]) -> None:
    """Raise RewriteFailed unless the package at ``path`` opens with every tab resolvable and
    each rewritten part (name → CRC-32 of its checked data) reads back as that data."""
    try:
        _check(path, rewritten)
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError,
            ET.ParseError) as exc:
        raise _failed(label, str(exc)) from None


def _failed(label: str, problem: str) -> RewriteFailed:
    return RewriteFailed(f"{label}: the rewritten workbook did not pass its check ({problem}); "
                         "the file was not changed")


def _check(path: str, rewritten: Mapping[str, int]) -> None:
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        for part, crc in rewritten.items():
            if crc != zf.getinfo(part).CRC:
                raise ValueError(f"{part} is not the part that was checked")
            with zf.open(part) as entry:  # reading it whole checks its CRC against the data
                while entry.read(1 << 24):
                    pass
        types = ET.fromstring(zf.read("[Content_Types].xml"))
        overrides = {(e.get("PartName") or "").lstrip("/").lower() for e in types
                     if pkg.local_name(e.tag) == "Override"}
        defaults = {(e.get("Extension") or "").lower() for e in types
                    if pkg.local_name(e.tag) == "Default"}
        wb_path = pkg.workbook_part(zf.read("[Content_Types].xml"), zf.read("_rels/.rels"))
        sheets = pkg.list_sheets(zf.read(wb_path), zf.read(pkg.rels_path(wb_path)), wb_path)
        seen: set[str] = set()
        for sheet in sheets:
            if not sheet.part or sheet.part not in names:
                raise ValueError(f"tab {sheet.name!r} leads to no part")
            extension = posixpath.splitext(sheet.part)[1].lstrip(".").lower()
            if sheet.part.lower() not in overrides and extension not in defaults:
                raise ValueError(f"tab {sheet.name!r} has no content type")
            key = sheet.name.casefold()
            if key in seen:
                raise ValueError(f"two tabs are named {sheet.name!r}")
            seen.add(key)
