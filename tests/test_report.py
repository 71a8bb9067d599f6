"""The terminal summary: aligned columns explained once, N : 1, the worst flagged deals."""

from __future__ import annotations

import dataclasses
import datetime as dt

from conftest import HEADER

from sheets_funnel.funnel import compute
from sheets_funnel.parse import Settings, parse_pipeline
from sheets_funnel.report import text_report

AS_OF = dt.date(2026, 6, 30)


def _result(rows):
    deals, issues = parse_pipeline("Pipeline", [HEADER, *rows], "en")
    return compute(deals, Settings(), AS_OF), issues


def _flagged(n: int) -> list[list[object]]:
    # open deals at #1 without a next step date: each is flagged NO_NEXT_STEP; the first
    # appointment dates run from 2026-01-01 on, so the worst (oldest) is F-000
    return [[f"F-{k:03d}", f"Account {k}", f"Rep {k % 3}", "#1", "Open", 1000, None,
             (dt.date(2026, 1, 1) + dt.timedelta(days=k)).isoformat(), "", None, None]
            for k in range(n)]


def test_the_flagged_list_shows_the_worst_20_with_account_and_owner():
    result, issues = _result(_flagged(45))
    text = text_report(result, issues, "team.xlsx", ["Funnel"])
    listed = [line for line in text.splitlines() if line.startswith("  F-")]
    assert len(listed) == 20
    assert listed[0] == "  F-000: NO_NEXT_STEP — Account 0 (Rep 0)"
    assert "Flagged deals (45), worst first:" in text
    assert "  … and 25 more — see the Focus tab" in text


def test_a_short_flagged_list_is_shown_whole():
    result, issues = _result(_flagged(3))
    text = text_report(result, issues, "team.xlsx", [])
    assert "more — see the Focus tab" not in text
    assert sum(line.startswith("  F-") for line in text.splitlines()) == 3


def test_columns_keep_their_place_with_seven_digit_numbers():
    result, issues = _result(_flagged(3))
    big = dataclasses.replace(
        result,
        reached={**result.reached, "Opportunity": 1_234_567, "Closed": 987_654},
        stage_counts={**result.stage_counts, "#1": 2_345_678},
        won=1_000_000,
    )
    lines = text_report(big, issues, "team.xlsx", []).splitlines()
    header = next(line for line in lines if line.startswith("Stage "))
    table = lines[lines.index(header) + 1: lines.index(header) + 8]
    # every column's numbers end where its heading ends
    for heading in ("Reached", "Open", "Advanced", "Per sale"):
        end = header.index(heading) + len(heading)
        for line in table:
            cell = line.ljust(len(header))[end - 11:end]
            assert cell == cell.strip().rjust(11), (heading, line)
    assert "1,234,567" in table[0] and "2,345,678" in table[2] and "1,000,000" in table[5]


def test_headings_are_explained_under_the_table_and_per_sale_reads_n_to_1():
    # two won deals out of three decided at #1: close rate 2/3 at #1, 1.5 deals per sale
    rows = [["W1", "A", "Anna", "Closed", "Won", 1, None, "2026-01-10", "", None, "2026-02-01"],
            ["W2", "B", "Anna", "Closed", "Won", 1, None, "2026-01-10", "", None, "2026-02-01"],
            ["L1", "C", "Anna", "#1", "Lost", 1, None, "2026-01-10", "", None, "2026-02-01"]]
    result, issues = _result(rows)
    text = text_report(result, issues, "team.xlsx", [])
    line = next(x for x in text.splitlines() if x.startswith("#1 "))
    assert "66.7%" in line and "1.5 : 1" in line
    assert "Per sale: deals at the stage for one sale" in text
    assert "Stage rate: advanced ÷ (advanced + dropped)" in text


def test_owners_show_their_own_ratio_and_weekly_share():
    # W1, W2 won and L1 lost at #1, all Anna's; O1 open at #1 is Boris's. Min Sample 5:
    # nobody has 5 decided deals, so both use the team's rates: close rate at First
    # Appointment 2/3, 1.5 first appointments per sale
    rows = [["W1", "A", "Anna", "Closed", "Won", 1, None, "2026-01-10", "", None, "2026-02-01"],
            ["W2", "B", "Anna", "Closed", "Won", 1, None, "2026-01-10", "", None, "2026-02-01"],
            ["L1", "C", "Anna", "#1", "Lost", 1, None, "2026-01-10", "", None, "2026-02-01"],
            ["O1", "D", "Boris", "#1", "Open", 1, None, "2026-06-20", "", "2026-07-05", None]]
    deals, issues = parse_pipeline("Pipeline", [HEADER, *rows], "en")
    # Sales Target 3, 2 won: 1 remaining; a week pace of at least 1
    result = compute(deals, Settings(sales_target=3), AS_OF)
    assert result.first_appointments_per_week == 1
    lines = text_report(result, issues, "team.xlsx", []).splitlines()
    boris = next(line for line in lines if line.startswith("Boris "))
    # Boris holds the only open deal (in cycle: first appointment 10 days ago, cycle 22 days),
    # expected to close at #1's close rate 2/3 = 0.7; the team's 1 a week is all his
    assert boris.split()[1:7] == ["1", "0", "0", "0.7", "1.5", ":"]
    assert "1.0  team rate at Opportunity, First Appointment, #1, #2, #3" in boris
    assert any(line.startswith("FA a week: their share of the team's 1 first appointment(s)")
               for line in lines)


def test_many_owners_are_cut_at_20():
    rows = [[f"D{k}", "A", f"Rep {k:02d}", "#1", "Open", 1, None, "2026-06-01", "", "2026-07-05",
             None] for k in range(23)]
    result, issues = _result(rows)
    text = text_report(result, issues, "team.xlsx", [])
    assert sum(line.startswith("Rep ") for line in text.splitlines()) == 20
    assert "  … and 3 more — see the Funnel tab" in text
