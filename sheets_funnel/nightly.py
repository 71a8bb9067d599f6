"""Refresh many workbooks: the nightly job behind ``sheets-funnel nightly``.

Several workbooks are refreshed at once (``workers``), each under its lock
(:mod:`sheets_funnel.locks`); one that fails or is busy is reported and the job goes on
with the others. The Google Sheets of one Google identity share one rate limiter
(:mod:`sheets_funnel.backends.google_quota`), so together they stay under that account's
and its project's per-minute quotas; local files are not limited. :func:`run_nightly`
returns one :class:`WorkbookReport` per workbook, in the order of the configuration file.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Literal

from .backends import open_workbook
from .backends.google_quota import QuotaPool, RateLimiter
from .errors import SheetsFunnelError
from .locks import DEFAULT_WAIT, WorkbookBusy
from .movement import describe
from .nightly_config import NightlyConfig, WorkbookEntry
from .progress import Progress
from .refresh import Opener, RefreshOutcome, refresh_location

#: Workbooks refreshed at once by default: enough to keep one Google account at its quota
#: (a refresh spends most of its time waiting for Google), few enough for a small machine.
DEFAULT_WORKERS = 4
Status = Literal["ok", "failed", "busy"]


@dataclass
class WorkbookReport:
    """How the refresh of one workbook went (``seconds``: wall time, lock wait included)."""

    workbook: str
    status: Status
    exit_code: int
    message: str
    deals: int | None = None
    flagged: int | None = None
    expected_closes: float | None = None
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The report as one item of ``sheets-funnel nightly --json``."""
        return asdict(self)


def headline(outcome: RefreshOutcome) -> str:
    """One line saying what a refresh found: deals, flags, forecast and what moved."""
    result = outcome.result
    text = (f"{result.deals} deals, {len(result.flags)} flagged, "
            f"{result.expected_closes:.2f} expected closes")
    moved = describe(outcome.movement)
    if moved:
        text += f"; {moved}"
    if not outcome.written:
        text += " (nothing written)"
    return text


def refresh_entry(entry: WorkbookEntry, *, as_of: dt.date | None = None,
                  lock_wait: float = DEFAULT_WAIT, opener: Opener = open_workbook,
                  limiter: RateLimiter | None = None,
                  max_request_bytes: int | None = None) -> WorkbookReport:
    """Refresh one configured workbook and report how it went; never raises an Exception."""
    started = time.monotonic()
    try:
        _, outcome = refresh_location(entry.location, as_of=as_of, credentials=entry.credentials,
                                      lang=entry.lang, lock_wait=lock_wait, label=entry.name,
                                      opener=opener, limiter=limiter,
                                      max_request_bytes=max_request_bytes)
    except WorkbookBusy as exc:
        return WorkbookReport(entry.name, "busy", exc.exit_code, str(exc),
                              seconds=_since(started))
    except SheetsFunnelError as exc:
        return WorkbookReport(entry.name, "failed", exc.exit_code, str(exc),
                              seconds=_since(started))
    except Exception as exc:  # one workbook's surprise must not stop the others
        return WorkbookReport(entry.name, "failed", 1,
                              f"unexpected error: {type(exc).__name__}: {exc}",
                              seconds=_since(started))
    result = outcome.result
    return WorkbookReport(entry.name, "ok", 0, headline(outcome), result.deals,
                          len(result.flags), round(result.expected_closes, 4),
                          _since(started))


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


def run_nightly(config: NightlyConfig, *, as_of: dt.date | None = None,
                progress: Progress | None = None, opener: Opener = open_workbook,
                workers: int = DEFAULT_WORKERS,
                quotas: QuotaPool | None = None) -> list[WorkbookReport]:
    """Refresh every workbook of ``config``, ``workers`` at a time; one report per workbook,
    in the order of the file.

    Google Sheets are paced by ``quotas`` (default: a pool with the file's ``[quota]``), one
    limiter per Google identity.
    """
    pool = quotas or QuotaPool(config.quota)

    def one(n: int, entry: WorkbookEntry) -> WorkbookReport:
        if progress is not None:
            progress.start(n, entry.name)
        limiter = pool.limiter_for(entry.credentials) if entry.spreadsheet_id else None
        report = refresh_entry(entry, as_of=as_of, lock_wait=config.lock_wait, opener=opener,
                               limiter=limiter, max_request_bytes=config.max_request_bytes)
        if progress is not None:
            progress.done(n, report.workbook, report.status, report.message, report.seconds)
        return report

    numbered = list(enumerate(config.workbooks, start=1))
    with ThreadPoolExecutor(max_workers=max(1, workers),
                            thread_name_prefix="nightly") as executor:
        reports = list(executor.map(lambda item: one(*item), numbered))
    if progress is not None:
        progress.close()
    return reports


def nightly_exit_code(reports: Sequence[WorkbookReport]) -> int:
    """0 when every workbook was refreshed (or none was to be: an empty shard), else 1."""
    return 0 if all(r.status == "ok" for r in reports) else 1


def summary_table(reports: Sequence[WorkbookReport]) -> str:
    """A plain-text table of the reports, and a closing line with the totals."""
    header = ("workbook", "status", "deals", "flagged", "exp. closes", "seconds", "message")
    rows = [header] + [
        (r.workbook, r.status, _cell(r.deals), _cell(r.flagged),
         "-" if r.expected_closes is None else f"{r.expected_closes:.2f}",
         f"{r.seconds:.1f}", r.message)
        for r in reports
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    numeric = {2, 3, 4, 5}
    lines = []
    for row in rows:
        cells = [c.rjust(w) if i in numeric else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=False))]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    counts = {s: sum(r.status == s for r in reports) for s in ("ok", "failed", "busy")}
    lines.append(f"{len(reports)} workbook(s): {counts['ok']} ok, {counts['failed']} failed, "
                 f"{counts['busy']} busy")
    return "\n".join(lines)


def _cell(value: int | None) -> str:
    return "-" if value is None else str(value)
