"""What the workbook's "Refresh funnel" button runs, in Excel (xlwings) or xlwings Lite.

The VBA macro of the template calls::

    RunPython "import sheets_funnel.excel_macro as m; m.refresh_button()"

A refresh that succeeds puts a one-line summary in Excel's status bar (on
macOS, where xlwings resets the status bar as soon as Python exits, in a
message box too); row problems do not stop it (they are listed on the Funnel tab). When the
workbook cannot be used, or anything else goes wrong, nothing is written and
a message box shows the same text the command line prints
(``sheets-funnel: <message>``), without a stack trace.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any

from .backends.excel import ExcelBook, import_xlwings
from .errors import SheetsFunnelError, error_message
from .refresh import RefreshOutcome, refresh

log = logging.getLogger("sheets_funnel")
TITLE = "sheets-funnel"


def summary_line(outcome: RefreshOutcome) -> str:
    """One line for the status bar: date, deals, flagged deals, row problems, tabs written."""
    result, issues = outcome.result, outcome.parsed.issues
    if outcome.parsed.lang == "ru":
        text = (f"Воронка обновлена на {result.as_of}: сделок {result.deals}, "
                f"с флагами {len(result.flags)}, проблем в строках {len(issues)}")
        return text + (" (см. лист «Сводка»)." if issues else ".")
    text = (f"Funnel refreshed as of {result.as_of}: {result.deals} deals, "
            f"{len(result.flags)} flagged, {len(issues)} row issue(s)")
    return text + (" (listed on the Funnel tab)." if issues else ".")


def refresh_book(book: Any, as_of: dt.date | None = None) -> RefreshOutcome | None:
    """Refresh an open workbook (an xlwings ``Book``) and tell the user how it went.

    Returns the outcome, or None after showing the error in a message box.
    """
    try:
        outcome = refresh(ExcelBook(book), as_of=as_of)
    except Exception as exc:  # every failure becomes a message box, never a traceback
        log.debug("refresh failed", exc_info=True)
        show_error(book.app, error_message(exc))
        return None
    summary = summary_line(outcome)
    try:
        book.app.status_bar = summary
    except Exception:  # no status bar on this engine (xlwings Lite)
        log.info("%s", summary)
    if sys.platform == "darwin":  # xlwings resets the status bar when Python exits on macOS
        show_message(book.app, summary)
    return outcome


def refresh_button() -> RefreshOutcome | None:
    """Entry point of the VBA macro: refresh the workbook that called Python."""
    try:
        xw = import_xlwings()
    except SheetsFunnelError as exc:
        print(error_message(exc))  # xlwings shows what Python printed
        return None
    try:
        book = xw.Book.caller()
    except Exception as exc:
        show_error(xw.apps.active, error_message(exc))
        return None
    return refresh_book(book)


def show_message(app: Any, message: str) -> None:
    """Show how the refresh went in a message box (where the status bar does not keep it)."""
    try:
        app.alert(message, title=TITLE, mode="info")
    except Exception:  # no message box on this engine: the status bar line remains
        log.debug("no message box", exc_info=True)


def show_error(app: Any, message: str) -> None:
    """Print ``message`` (xlwings Lite shows it in its Output pane) and show it in a box."""
    print(message)
    try:
        app.alert(message, title=TITLE, mode="critical")
    except Exception:  # no message box on this engine: the printed line remains
        log.debug("no message box", exc_info=True)
