"""Pieces of worksheet XML the readers look for, whatever namespace prefix the sheet uses."""

from __future__ import annotations

import re
from collections.abc import Iterable

#: An element name's optional namespace prefix (``x:`` in ``<x:row>``), as a regex.
PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
#: The start of a sheet's cell data; group 1 is its prefix without the colon (None: none).
SHEET_DATA = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?sheetData[\s/>]")


def any_of_columns(names: Iterable[bytes]) -> bytes:
    """A regex group matching any of the column names (``A``, ``AB``…), grouped by all but
    the last letter (``(?:[ABC]|A[BX])``), which the regex engine tries faster than one
    alternative per name."""
    by_head: dict[bytes, set[int]] = {}
    for name in names:
        by_head.setdefault(name[:-1], set()).add(name[-1])
    parts = [head + b"[" + bytes(sorted(tails)) + b"]" for head, tails in by_head.items()]
    return b"(?:" + b"|".join(parts) + b")"
