"""sheets-funnel: Schiffman's sales funnel for pipelines kept in Excel or Google Sheets.

The library does the work; the ``sheets-funnel`` command is a thin layer over it::

    from sheets_funnel import open_workbook, refresh

    outcome = refresh(open_workbook("pipeline.xlsx"))
    print(outcome.summary()["forecast"])
"""

from .api import funnel_from_dataframe
from .backends import Backend, open_workbook
from .backends.memory import MemoryWorkbook
from .errors import (
    BackendMissing,
    BadHeader,
    BadSetting,
    MissingTab,
    NotAWorkbook,
    SheetsFunnelError,
    WorkbookLocked,
    WorkbookUnusable,
)
from .funnel import FunnelResult, compute
from .parse import Issue, Settings, parse_workbook
from .refresh import RefreshOutcome, refresh
from .templates import build_workbook, new_workbook

__version__ = "0.1.0"

__all__ = [
    "Backend",
    "BackendMissing",
    "BadHeader",
    "BadSetting",
    "FunnelResult",
    "Issue",
    "MemoryWorkbook",
    "MissingTab",
    "NotAWorkbook",
    "RefreshOutcome",
    "Settings",
    "SheetsFunnelError",
    "WorkbookLocked",
    "WorkbookUnusable",
    "build_workbook",
    "compute",
    "funnel_from_dataframe",
    "new_workbook",
    "open_workbook",
    "parse_workbook",
    "refresh",
]
