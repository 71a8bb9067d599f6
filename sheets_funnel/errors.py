"""The errors sheets-funnel raises.

    SheetsFunnelError                 anything the product reports to the user (exit 1)
    └── WorkbookUnusable              the workbook cannot be used; nothing was written (exit 2)
        ├── NotAWorkbook              the file is not a spreadsheet at all
        ├── WorkbookLocked            the workbook is open in Excel (a ``~$`` lock file exists)
        ├── WorkbookReadOnly          the file is read-only, or its folder cannot be written
        ├── MissingTab                the Pipeline tab is missing
        ├── BadHeader                 a required Pipeline header is missing or duplicated
        ├── BadSetting                a Settings value cannot be read
        └── Uncalculated              cells it needs hold formulas never calculated
    BackendMissing (SheetsFunnelError) an optional extra is not installed

Row-level problems are not exceptions: they are listed as issues in the
result and the row is left out.
"""

from __future__ import annotations


class SheetsFunnelError(Exception):
    """A problem reported to the user with a plain message (exit code 1)."""

    exit_code = 1


class WorkbookUnusable(SheetsFunnelError):
    """The workbook cannot be used; nothing was written (exit code 2)."""

    exit_code = 2


class NotAWorkbook(WorkbookUnusable):
    """The file is not a spreadsheet sheets-funnel can read."""


class WorkbookLocked(WorkbookUnusable):
    """The workbook is open in Excel, so it must not be replaced now."""


class WorkbookReadOnly(WorkbookUnusable):
    """The workbook file is read-only, or the folder it is in cannot be written."""


class MissingTab(WorkbookUnusable):
    """A tab the refresh needs is missing."""


class BadHeader(WorkbookUnusable):
    """A required Pipeline header is missing or appears twice."""


class BadSetting(WorkbookUnusable):
    """A Settings value cannot be read."""


class Uncalculated(WorkbookUnusable):
    """Cells the refresh needs hold formulas that no spreadsheet has calculated yet."""


class BackendMissing(SheetsFunnelError):
    """An optional backend's packages are not installed."""


def error_message(exc: BaseException) -> str:
    """The one line shown for an error, the same in the terminal and in Excel's message box."""
    if isinstance(exc, SheetsFunnelError):
        return f"sheets-funnel: {exc}"
    return f"sheets-funnel: unexpected error: {type(exc).__name__}: {exc}"


__all__ = [
    "BackendMissing",
    "BadHeader",
    "BadSetting",
    "MissingTab",
    "NotAWorkbook",
    "SheetsFunnelError",
    "Uncalculated",
    "WorkbookLocked",
    "WorkbookReadOnly",
    "WorkbookUnusable",
    "error_message",
]
