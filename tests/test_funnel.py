"""The numbers of CONTRACT §4 on small pipelines worked out by hand.

Each expected value is derived in the comments next to it from the rows of
the test (as-of 2026-06-30 unless said otherwise).
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import HEADER

from sheets_funnel.funnel import ceil, compute
from sheets_funnel.parse import Settings, parse_pipeline

AS_OF = dt.date(2026, 6, 30)
STAGES = ["Opportunity", "First Appointment", "#1", "#2", "#3"]


def deals_of(*rows):
    deals, issues = parse_pipeline("Pipeline", [HEADER, *rows], "en")
    assert [i for i in issues if i.severity == "error"] == []
    return deals


# Deal ID, Account, Owner, Stage, Status, Value, Created, FA, Next Step, NSD, Closed
W1 = ["W1", "A", "Anna", "Closed", "Won", 9000, "2026-01-10", "2026-01-15", "", None, "2026-03-01"]
W2 = ["W2", "B", "Boris", "Closed", "", 4000, "2025-06-01", "2025-06-10", "", None, "2025-09-08"]
L1 = ["L1", "C", "Anna", "#1", "Lost", 1000, "2026-02-01", "2026-02-05", "", None, "2026-03-01"]
O1 = ["O1", "D", "Boris", "#2", "Open", 5000, "2026-04-20", "2026-05-01", "Demo", "2026-07-10",
      None]
O2 = ["O2", "E", None, "Opportunity", "", 3000, "2026-06-01", None, "", None, None]
WINDOWED = Settings(sales_target=5, lookback_days=180, cycle_tolerance=1.5)


@pytest.fixture
def windowed():
    return compute(deals_of(W1, W2, L1, O1, O2), WINDOWED, AS_OF)


def test_lookback_window_limits_conversion_to_recent_deals(windowed):
    # Window starts 2026-06-30 - 180 days = 2026-01-01, so W2 (created 2025-06-01) is out.
    # In the window: W1 (won, S5), L1 (lost at #1), O1 (open at #2), O2 (open at Opportunity).
    c = windowed.conversion
    assert (c["Opportunity"].advanced, c["Opportunity"].dropped) == (3, 0)  # W1, L1, O1
    assert (c["First Appointment"].advanced, c["First Appointment"].dropped) == (3, 0)
    assert (c["#1"].advanced, c["#1"].dropped) == (2, 1)  # W1, O1 past #1; L1 lost at #1
    assert (c["#2"].advanced, c["#2"].dropped) == (1, 0)  # W1 only; O1 undecided at #2
    assert (c["#3"].advanced, c["#3"].dropped) == (1, 0)
    assert c["#1"].rate == pytest.approx(2 / 3, abs=1e-12)
    # close_rate(s) = product of the rates from s to #3: 1 * 1 * 2/3 * 1 * 1
    assert windowed.close_rate == pytest.approx(
        {"Opportunity": 2 / 3, "First Appointment": 2 / 3, "#1": 2 / 3, "#2": 1.0, "#3": 1.0})
    # every stage has fewer than Min Sample (5) decided deals
    assert windowed.low_sample == STAGES


def test_counts_use_all_deals_not_just_the_window(windowed):
    assert windowed.deals == 5
    assert windowed.stage_counts == {"Opportunity": 1, "First Appointment": 0, "#1": 0, "#2": 1,
                                     "#3": 0}
    assert (windowed.won, windowed.lost) == (2, 1)
    # only W1 closed inside 2026 (W2 closed 2025-09-08)
    assert windowed.won_in_period == 1


def test_cycle_is_the_median_over_won_deals_in_the_window(windowed):
    # W1: 2026-03-01 - 2026-01-15 = 45 days; W2 is outside the window
    assert windowed.cycle_days_measured == 45.0
    assert windowed.cycle_days == 45.0
    assert windowed.cycle_sample == 1
    assert windowed.cycle_limit == 67.5  # 45 x tolerance 1.5


def test_flags_and_forecast_with_tolerance(windowed):
    # O1: next step 2026-07-10 - first appointment 2026-05-01 = 70 days > 67.5;
    # as-of - first appointment = 60 days <= 67.5, so only the next step is out of cycle.
    assert windowed.flags == {"O1": ["NEXT_STEP_OUT_OF_CYCLE"]}
    # in-cycle open deals: O2 only, close rate 2/3, value 3000
    assert windowed.expected_closes == pytest.approx(2 / 3, abs=1e-12)
    assert windowed.expected_value == pytest.approx(2000.0, abs=1e-9)


def test_reverse_funnel_with_target(windowed):
    # remaining = 5 - 1 = 4; gap = 4 - 2/3 = 10/3
    assert windowed.remaining == 4
    assert windowed.gap == pytest.approx(10 / 3, abs=1e-12)
    # required = ceil((10/3) / (2/3)) = ceil(5.0) = 5: float noise must not make it 6
    assert windowed.required == {"Opportunity": 5, "First Appointment": 5, "#1": 5, "#2": 4,
                                 "#3": 4}
    # required_full = ceil(5 / (2/3)) = ceil(7.5) = 8, and ceil(5 / 1) = 5
    assert windowed.required_full == {"Opportunity": 8, "First Appointment": 8, "#1": 8, "#2": 5,
                                      "#3": 5}
    # last useful first appointment = 2026-12-31 - 45 days = 2026-11-16
    assert windowed.last_useful_first_appointment == dt.date(2026, 11, 16)
    # weeks left = (2026-11-16 - 2026-06-30) = 139 days / 7 = 19.857; ceil(5 / 19.857) = 1
    assert windowed.weeks_left == pytest.approx(139 / 7)
    assert windowed.first_appointments_per_week == 1


def test_owner_table_uses_the_team_close_rates(windowed):
    anna, boris, none = (windowed.owners[k] for k in ("Anna", "Boris", "(none)"))
    assert (anna.won, anna.lost, anna.won_in_period, anna.flagged) == (1, 1, 1, 0)
    assert (boris.won, boris.won_in_period, boris.flagged) == (1, 0, 1)
    assert boris.stage_counts["#2"] == 1
    assert boris.expected_closes == 0.0  # O1 is out of cycle
    assert none.expected_closes == pytest.approx(2 / 3)  # O2 has no owner


def test_sales_cycle_days_setting_overrides_the_measured_median():
    result = compute(deals_of(W1, O1), Settings(cycle_days=30), AS_OF)
    assert (result.cycle_days, result.cycle_days_measured) == (30, 45.0)
    # O1: as-of - FA = 60 > 30 and next step - FA = 70 > 30
    assert result.flags == {"O1": ["NEXT_STEP_OUT_OF_CYCLE", "OUT_OF_CYCLE"]}


def test_without_target_the_reverse_funnel_is_empty():
    result = compute(deals_of(W1, L1, O1), Settings(), AS_OF)
    assert result.sales_target is None and result.remaining is None and result.gap is None
    assert set(result.required.values()) == {None}
    assert set(result.required_full.values()) == {None}
    assert result.won_in_period == 1
    assert result.first_appointments_per_week is None
    # the last useful first appointment depends only on the cycle (45 days) and the period
    assert result.last_useful_first_appointment == dt.date(2026, 11, 16)
    assert result.warnings == []


def test_period_that_can_no_longer_be_reached_warns():
    # cycle 45 days: last useful first appointment 2026-11-16, before the as-of date
    result = compute(deals_of(W1, L1, O2), Settings(sales_target=3), dt.date(2026, 12, 1))
    assert result.last_useful_first_appointment == dt.date(2026, 11, 16)
    assert result.first_appointments_per_week is None
    assert any("can no longer be reached" in w for w in result.warnings)


def test_flag_boundaries_are_strict_and_every_code_can_hold():
    # cycle from W1 = 45 days. F1 first appointment 2026-05-16 is exactly 45 days before
    # the as-of date: not out of cycle. F2 has no next step; F3's is one day overdue and
    # also 46 days after its first appointment.
    f1 = ["F1", "X", "", "#3", "", 1, None, "2026-05-16", "", "2026-06-30", None]
    f2 = ["F2", "X", "", "FA", "", 1, None, "2026-06-01", "", None, None]
    f3 = ["F3", "X", "", "#1", "", 1, None, "2026-05-14", "", "2026-06-29", None]
    result = compute(deals_of(W1, f1, f2, f3), Settings(), AS_OF)
    assert result.flags == {
        "F3": ["NEXT_STEP_OVERDUE", "NEXT_STEP_OUT_OF_CYCLE", "OUT_OF_CYCLE"],
        "F2": ["NO_NEXT_STEP"],
    }
    assert list(result.focus["deal_id"]) == ["F3", "F2"]  # worst first


def test_opportunity_deals_are_never_flagged():
    o = ["O9", "X", "", "Opportunity", "", 1, None, None, "", "2026-01-01", None]
    assert compute(deals_of(W1, o), Settings(), AS_OF).flags == {}


def test_empty_pipeline_gives_nulls_not_errors():
    result = compute(deals_of(), Settings(sales_target=4), AS_OF)
    assert result.deals == 0
    assert set(result.close_rate.values()) == {None}
    assert result.cycle_days is None and result.cycle_sample == 0
    assert result.expected_closes == 0.0
    assert result.remaining == 4 and result.gap == 4
    assert set(result.required.values()) == {None}
    assert result.owners == {}
    assert any("sales cycle is unknown" in w for w in result.warnings)


def test_period_defaults_to_the_as_of_year():
    result = compute(deals_of(W1), Settings(), dt.date(2027, 3, 3))
    assert (result.period_start, result.period_end) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))


@pytest.mark.parametrize(("x", "expected"), [(5.0000000000001, 5), (5.01, 6), (4.0, 4), (0.0, 0)])
def test_ceil_ignores_float_noise(x, expected):
    assert ceil(x) == expected


def test_reached_only_narrows_from_opportunity_to_closed(windowed):
    # window (Created on or after 2026-01-01): W1 won (S5), L1 lost at #1, O1 open at #2,
    # O2 open at Opportunity; W2 (created 2025-06-01) is outside.
    # reached[s] = deals at s or later: S0 all 4; S1 W1, L1, O1; #1 the same 3;
    # #2 W1, O1; #3 W1; Closed W1.
    assert windowed.reached == {"Opportunity": 4, "First Appointment": 3, "#1": 3, "#2": 2,
                                "#3": 1, "Closed": 1}


def test_per_sale_is_one_over_the_close_rate(windowed):
    # close rates: 2/3 from Opportunity to #1 (L1 dropped at #1, W1 and O1 advanced), 1 after
    assert windowed.per_sale == pytest.approx({"Opportunity": 1.5, "First Appointment": 1.5,
                                               "#1": 1.5, "#2": 1.0, "#3": 1.0}, abs=1e-12)


def test_per_sale_is_none_where_the_close_rate_is_unknown():
    # only an open Opportunity: no decided deal anywhere, every close rate is null
    result = compute(deals_of(O2), Settings(), AS_OF)
    assert set(result.per_sale.values()) == {None}
    assert result.reached == {"Opportunity": 1, "First Appointment": 0, "#1": 0, "#2": 0,
                              "#3": 0, "Closed": 0}


def test_owners_own_ratios_fall_back_to_the_team_below_min_sample(windowed):
    # Min Sample 5: nobody has 5 decided deals at any stage, so every working rate is the
    # team's and Anna's first appointments per sale are the team's 1 / (2/3) = 1.5
    anna = windowed.owners["Anna"]
    assert anna.team_rate_used == STAGES
    assert anna.first_appointments_per_sale == pytest.approx(1.5)
    # Anna's own conversion in the window (W1 won, L1 lost at #1): 2 advanced at S0 and S1;
    # at #1 1 advanced (W1) and 1 dropped (L1): 0.5
    assert (anna.conversion["#1"].advanced, anna.conversion["#1"].dropped) == (1, 1)
    assert anna.conversion["#1"].rate == 0.5
    assert anna.close_rate == windowed.close_rate


def test_owners_own_rate_is_used_from_min_sample_decided_deals():
    settings = Settings(lookback_days=180, cycle_tolerance=1.5, min_sample=2)
    result = compute(deals_of(W1, W2, L1, O1, O2), settings, AS_OF)
    anna = result.owners["Anna"]
    # Anna decided 2 deals at S0, S1 and #1 (own rates 1, 1, 1/2) and 1 at #2 and #3
    # (under 2: the team's 1 and 1). close_rate(S1) = 1 × 1/2 × 1 × 1 = 0.5: 2 per sale
    assert anna.team_rate_used == ["#2", "#3"]
    assert anna.close_rate == {"Opportunity": 0.5, "First Appointment": 0.5, "#1": 0.5,
                               "#2": 1.0, "#3": 1.0}
    assert anna.first_appointments_per_sale == 2.0
    # Boris has only O1 (open at #2) in the window: 1 decided at S0–#1, none after
    boris = result.owners["Boris"]
    assert boris.team_rate_used == STAGES
    assert boris.conversion["#2"].rate is None
    assert boris.first_appointments_per_sale == pytest.approx(1.5)
    # expected closes keep the team's close rates (O1 is out of cycle: 0)
    assert boris.expected_closes == 0.0


REVENUE = Settings(sales_target=5, lookback_days=180, cycle_tolerance=1.5,
                   revenue_target=20000)


def test_revenue_plan_by_hand():
    result = compute(deals_of(W1, W2, L1, O1, O2), REVENUE, AS_OF)
    plan = result.revenue
    # the only won deal in the window with a Value is W1 (9000): average 9000;
    # won in the period (2026): W1 only, 9000; remaining 20000 - 9000 = 11000;
    # expected value 2000 (O2: 3000 × 2/3); gap 11000 - 2000 = 9000
    assert plan.average_deal_value_measured == plan.average_deal_value == 9000.0
    assert plan.won_value_in_period == 9000.0
    assert plan.remaining_value == 11000.0
    assert plan.gap_value == pytest.approx(9000.0, abs=1e-9)
    # required[s] = ceil(9000 / (9000 × close_rate)): 1/(2/3) = 1.5 → 2 up to #1, 1 after
    assert plan.required == {"Opportunity": 2, "First Appointment": 2, "#1": 2, "#2": 1,
                             "#3": 1}
    # required_full[s] = ceil(20000 / (9000 × rate)): 3.33 → 4 up to #1, 2.22 → 3 after
    assert plan.required_full == {"Opportunity": 4, "First Appointment": 4, "#1": 4, "#2": 3,
                                  "#3": 3}
    # 139 days (19.86 weeks) to the last useful first appointment: ceil(2 / 19.86) = 1
    assert plan.first_appointments_per_week == 1


def test_a_higher_average_deal_value_needs_fewer_meetings():
    higher = Settings(**{**REVENUE.__dict__, "average_deal_value": 18000})
    plan = compute(deals_of(W1, W2, L1, O1, O2), higher, AS_OF).revenue
    # 9000 / (18000 × 2/3) = 0.75 → 1; 20000 / 12000 = 1.67 → 2; the measured mean stays
    assert plan.average_deal_value == 18000.0
    assert plan.average_deal_value_measured == 9000.0
    assert plan.required["First Appointment"] == 1
    assert plan.required_full["First Appointment"] == 2


def test_without_revenue_target_only_the_averages_and_won_value_are_set(windowed):
    plan = windowed.revenue
    assert (plan.average_deal_value, plan.average_deal_value_measured) == (9000.0, 9000.0)
    assert plan.won_value_in_period == 9000.0
    assert (plan.revenue_target, plan.remaining_value, plan.gap_value) == (None, None, None)
    assert set(plan.required.values()) == set(plan.required_full.values()) == {None}
    assert plan.first_appointments_per_week is None


def test_revenue_plan_without_any_won_value_is_empty():
    # no won deal: no measured average and no Average Deal Value, so no meeting count
    result = compute(deals_of(L1, O1, O2), Settings(revenue_target=1000), AS_OF)
    assert result.revenue.average_deal_value is None
    assert result.revenue.remaining_value == 1000.0
    assert set(result.revenue.required.values()) == {None}


def test_focus_order_with_ties_and_blank_dates_and_values():
    # worst first: the heaviest codes, then the oldest first appointment, then the highest
    # value, a blank first appointment or value after the others, then the Pipeline row.
    # All are #1 deals with no next step (NO_NEXT_STEP, weight 1) except F, whose next step
    # is overdue (NEXT_STEP_OVERDUE, weight 2); no deal is won, so no cycle is measured and
    # no deal is out of cycle.
    rows = [
        ["A", "X", "", "#1", "", 500, None, "2026-05-01", "", None, None],
        ["B", "X", "", "#1", "", None, None, "2026-05-01", "", None, None],  # no value: after A
        ["C", "X", "", "#1", "", 900, None, "2026-05-01", "", None, None],  # highest: first
        ["D", "X", "", "#1", "", 900, None, None, "", None, None],  # no first appointment
        ["E", "X", "", "#1", "", 500, None, "2026-04-01", "", None, None],  # oldest
        ["F", "X", "", "#1", "", 1, None, "2026-06-01", "", "2026-06-01", None],
        ["G", "X", "", "#1", "", 500, None, "2026-05-01", "", None, None],  # ties A: row order
        ["H", "X", "", "#1", "", None, None, None, "", None, None],  # blank both: last
    ]
    result = compute(deals_of(*rows), Settings(), AS_OF)
    assert list(result.focus["deal_id"]) == ["F", "E", "C", "A", "G", "B", "D", "H"]
    assert list(result.focus["score"]) == [2, 1, 1, 1, 1, 1, 1, 1]
    assert result.focus.index.tolist() == list(range(8))
