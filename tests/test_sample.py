"""The sample pipeline and its week of work, as the demo uses them."""

from __future__ import annotations

import datetime as dt

from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.model import STATE_TAB
from sheets_funnel.refresh import refresh
from sheets_funnel.sample import a_week_later, sample_deals, sample_settings
from sheets_funnel.templates import build_workbook

WEEK_AGO, AS_OF = dt.date(2026, 6, 23), dt.date(2026, 6, 30)


def test_a_week_later_moves_a_few_deals_and_adds_two():
    before = sample_deals(60, "en", WEEK_AGO)
    after = a_week_later(before, "en", AS_OF)
    assert before == sample_deals(60, "en", WEEK_AGO)  # the input is left alone
    assert len(after) == 62 and [row[3:5] for row in after[60:]] == [["Opportunity", "Open"]] * 2
    changed = [(b[3], b[4], a[3], a[4]) for b, a in zip(before, after, strict=False) if b != a]
    stages = ["Opportunity", "First Appointment", "#1", "#2", "#3", "Closed"]
    moved = [c for c in changed if c[2] != c[0]]
    assert len(moved) == 5 and all(stages.index(new) == stages.index(old) + 1
                                   for old, _, new, _ in moved)
    assert sum(c[2:] == ("Closed", "Won") for c in changed) == 1
    assert sum(c[3] == "Lost" for c in changed) == 1


def test_the_second_refresh_lists_what_the_week_moved(tmp_path):
    path = build_workbook(tmp_path / "demo.xlsx", "en", sample_deals(60, "en", WEEK_AGO),
                          sample_settings(60, AS_OF))
    refresh(XlsxWorkbook(path), WEEK_AGO)
    kept = XlsxWorkbook(path).read([STATE_TAB, "History"])
    build_workbook(path, "en", a_week_later(sample_deals(60, "en", WEEK_AGO), "en", AS_OF),
                   sample_settings(60, AS_OF))
    XlsxWorkbook(path).write(kept)
    outcome = refresh(XlsxWorkbook(path), AS_OF)
    assert outcome.movement is not None and outcome.movement.since == WEEK_AGO
    counts = {k: v for k, v in outcome.movement.counts().items() if v}
    assert counts == {"advanced": 4, "won": 1, "lost": 1, "new": 2}
    # a Revenue Target of 20 deals × 15,000 gives a revenue plan
    assert outcome.result.revenue.revenue_target == 300000.0
    assert outcome.result.revenue.required["First Appointment"] is not None
    history = XlsxWorkbook(path).read(["History"])["History"]
    assert [row[0] for row in history[1:]] == [WEEK_AGO, AS_OF]
