"""The demo workbook as a team has it: a sample pipeline refreshed once, then updated a week
later, so the next refresh has real movement to show.

    .venv/bin/python scripts/demo_workbook.py start out/demo.xlsx --as-of 2026-06-23
    .venv/bin/sheets-funnel refresh out/demo.xlsx --as-of 2026-06-23
    .venv/bin/python scripts/demo_workbook.py week out/demo.xlsx --as-of 2026-06-30
    .venv/bin/sheets-funnel refresh out/demo.xlsx --as-of 2026-06-30

``start`` writes a fresh workbook from the template with 60 sample deals (with a Sales
Target and a Revenue Target); ``week`` stands in for the team's week of work: the Pipeline
becomes the same deals a week on (a few moved a stage, one won, one lost, two new), and the
tabs sheets-funnel owns (its state and History) are carried over, as in a workbook the team
kept editing.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.model import STATE_TAB, TABS
from sheets_funnel.refresh import refresh
from sheets_funnel.sample import a_week_later, sample_deals, sample_settings
from sheets_funnel.templates import build_workbook

DEALS = 60
WEEK = dt.timedelta(days=7)


def start(path: Path, as_of: dt.date) -> Path:
    """The template with the sample deals of ``as_of`` and the plan of the week after."""
    return build_workbook(path, "en", sample_deals(DEALS, "en", as_of),
                          sample_settings(DEALS, as_of + WEEK))


def week(path: Path, as_of: dt.date) -> Path:
    """The workbook a week on: the sample deals moved on to ``as_of``; sheets-funnel's state
    and History kept."""
    kept = XlsxWorkbook(path).read([STATE_TAB, TABS["en"].history])
    deals = a_week_later(sample_deals(DEALS, "en", as_of - WEEK), "en", as_of)
    build_workbook(path, "en", deals, sample_settings(DEALS, as_of))
    XlsxWorkbook(path).write(kept)
    return path


def two_refreshes(path: Path, as_of: dt.date) -> Path:
    """The demo workbook refreshed a week before ``as_of`` and on ``as_of`` itself."""
    refresh(XlsxWorkbook(start(path, as_of - WEEK)), as_of - WEEK)
    refresh(XlsxWorkbook(week(path, as_of)), as_of)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("start", "week"))
    parser.add_argument("workbook", type=Path)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, required=True)
    args = parser.parse_args()
    args.workbook.parent.mkdir(parents=True, exist_ok=True)
    (start if args.step == "start" else week)(args.workbook, args.as_of)


if __name__ == "__main__":
    main()
