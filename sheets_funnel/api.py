"""The funnel of a pandas DataFrame, for scripts and notebooks.

``funnel_from_dataframe`` reads the DataFrame exactly as a refresh reads a
Pipeline tab (the same headers, aliases, own-name mappings and cell rules),
so it gives the same numbers as refreshing a workbook holding those rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .backends.memory import MemoryWorkbook
from .funnel import FunnelResult
from .model import TABS
from .refresh import refresh
from .vocabulary import Lang

if TYPE_CHECKING:
    import pandas as pd


def funnel_from_dataframe(df: pd.DataFrame, settings: Mapping[str, Any] | None = None,
                          as_of: dt.date | str | None = None,
                          lang: Lang = "en") -> FunnelResult:
    """The funnel of the deals in ``df``, one deal per row under the Pipeline's headers.

    ``df`` holds cells as a workbook would: numbers, dates or text (a CSV read
    with ``dtype=str`` works); blank cells may be NaN. ``settings`` maps
    Settings-tab keys to values, e.g. ``{"Sales Target": 10, "Period Start":
    "2026-01-01"}``, own-name rows included (``{"Stage: Demo": "#1"}``).
    ``as_of`` is a date or ``YYYY-MM-DD`` (default today); ``lang`` the
    language of the headers and keys when they are ambiguous ("en" or "ru").
    The row issues are in ``result.issues`` (rows numbered as on a sheet: the
    first record is row 2). Raises :class:`~sheets_funnel.errors.WorkbookUnusable`
    for a missing required column or an unreadable setting.
    """
    tabs = TABS[lang]
    settings_rows = [[key, value] for key, value in (settings or {}).items()]
    book = MemoryWorkbook({tabs.pipeline: df, tabs.settings: settings_rows}, label="DataFrame")
    day = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    return refresh(book, as_of=day, dry_run=True).result
