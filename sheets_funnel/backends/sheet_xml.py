"""Pieces of worksheet XML the readers look for, whatever namespace prefix the sheet uses."""

from __future__ import annotations

import re

#: An element name's optional namespace prefix (``x:`` in ``<x:row>``), as a regex.
PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
#: The start of a sheet's cell data; group 1 is its prefix without the colon (None: none).
SHEET_DATA = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?sheetData[\s/>]")
