"""Pipeline rows a spreadsheet treats specially: the totals row of an Excel table, which is
not a deal, and rows a filter hides, which are deals like any other and are counted.

A backend that can tell offers ``totals_rows(tab)`` and ``filtered_rows(tab)`` (0-based row
numbers; see :mod:`sheets_funnel.backends.base`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .cells import Rows

#: How many hidden rows the warning names.
SHOWN = 10


def without_totals(backend: object, tab: str, rows: Rows) -> Rows:
    """The rows with each table totals row emptied, so it is skipped like a blank row."""
    totals = getattr(backend, "totals_rows", None)
    drop = set(totals(tab)) if callable(totals) else set()
    if not drop:
        return rows
    return [[] if n in drop else row for n, row in enumerate(rows)]


def hidden_warnings(backend: object, tab: str, deal_rows: Iterable[Any]) -> list[str]:
    """The warning saying how many counted deals sit in rows a filter hides (or none)."""
    filtered = getattr(backend, "filtered_rows", None)
    hidden = {n + 1 for n in filtered(tab)} if callable(filtered) else set()  # sheet numbering
    counted = sorted(r for r in map(int, deal_rows) if r in hidden) if hidden else []
    if not counted:
        return []
    shown = ", ".join(map(str, counted[:SHOWN])) + (", …" if len(counted) > SHOWN else "")
    return [f"{len(counted)} deal(s) in rows of {tab} hidden by a filter are counted like "
            f"the others (rows {shown})"]
