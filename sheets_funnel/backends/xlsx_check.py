"""The check a rewritten workbook passes before it takes the old file's place.

Every part the refresh wrote must be well-formed XML: it is checked before it is written,
and its compressed data must inflate back to exactly that XML. Then the new package is opened
again from the temporary file, as a spreadsheet would open it: the zip must be readable, each
rewritten part must lie in it as that very compressed data (byte for byte, with its CRC-32
and sizes), and every tab of the workbook must lead to a part that is in the package and has
a content type. A check that fails keeps the old file and says what is wrong.
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
from .zipraw import Deflated, inflates_to, stored_bytes


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


def check_inflates(label: str, part: str, entry: Deflated, data: bytes) -> None:
    """Raise RewriteFailed unless the part's deflated entry inflates back to its data."""
    if not inflates_to(entry, data):
        raise _failed(label, f"{part} does not inflate back to the data that was checked")


def check_package(path: str, label: str, rewritten: Mapping[str, Deflated]) -> None:
    """Raise RewriteFailed unless the package at ``path`` opens with every tab resolvable and
    each rewritten part (name → its checked data deflated) lies in it as that entry."""
    try:
        _check(path, rewritten)
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError,
            ET.ParseError) as exc:
        raise _failed(label, str(exc)) from None


def _failed(label: str, problem: str) -> RewriteFailed:
    return RewriteFailed(f"{label}: the rewritten workbook did not pass its check ({problem}); "
                         "the file was not changed")


def _check(path: str, rewritten: Mapping[str, Deflated]) -> None:
    with zipfile.ZipFile(path) as zf, open(path, "rb") as raw:
        names = set(zf.namelist())
        for part, entry in rewritten.items():
            info = zf.getinfo(part)
            if ((info.CRC, info.file_size, info.compress_type) != (
                    entry.crc, entry.size, zipfile.ZIP_DEFLATED)
                    or stored_bytes(info, raw) != entry.packed):
                raise ValueError(f"{part} is not the part that was checked")
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
