"""The Focus tab's rows: each flagged deal's codes, sentences and dates, worked out by hand.

As of 2026-06-30; W1 (first appointment 2026-01-15, won 2026-03-01) makes the cycle
45 days, and the default tolerance of 1 makes the limit 45 days too.
"""

from __future__ import annotations

import datetime as dt

from test_funnel import AS_OF, W1, deals_of

from sheets_funnel.funnel import compute
from sheets_funnel.parse import Settings
from sheets_funnel.render import render_focus

# Deal ID, Account, Owner, Stage, Status, Value, Created, FA, Next Step, NSD, Closed
F3 = ["F3", "X", "Anna", "#1", "", 100, None, "2026-05-14", "", "2026-06-29", None]
# G3: F3's codes and next step date, another first appointment
G3 = ["G3", "Y", "Boris", "#1", "", 200, None, "2026-05-10", "", "2026-06-29", None]
# H3: F3's first appointment, another next step date (inside the cycle)
H3 = ["H3", "Z", "Anna", "#2", "", None, None, "2026-05-14", "", "2026-06-20", None]
# I3: H3's codes and first appointment, another next step date
I3 = ["I3", "Z", "Dana", "#3", "", 50, None, "2026-05-14", "", "2026-06-25", None]
K2 = ["K2", "X", "Chen", "FA", "", 300, None, "2026-05-01", "", None, None]
F2 = ["F2", "Y", "Chen", "FA", "", 400, None, "2026-06-01", "", None, None]


def test_rows_that_share_codes_or_a_date_each_get_their_own_sentences():
    result = compute(deals_of(W1, F3, G3, H3, I3, K2, F2), Settings(), AS_OF)
    rows = render_focus(result, "en")
    assert rows[0] == ["Deal ID", "Account", "Owner", "Stage", "Flags", "What it means",
                       "Cycle end", "Next step date", "First appointment", "Value"]
    day = dt.date.fromisoformat
    # Worst first: weights OUT_OF_CYCLE 8, NEXT_STEP_OUT_OF_CYCLE 4, NEXT_STEP_OVERDUE 2,
    # NO_NEXT_STEP 1 — G3 and F3 14 (G3's first appointment is older), I3 and H3 10 (the same
    # first appointment; I3 has a value, H3 none), K2 9, F2 1.
    # Cycle end = first appointment + 45 days.
    assert rows[1:] == [
        # next step 06-29 is 1 day overdue and 50 days after 05-10 (5 past the 45);
        # 05-10 was 51 days before 06-30
        ["G3", "Y", "Boris", "#1",
         "NEXT_STEP_OVERDUE, NEXT_STEP_OUT_OF_CYCLE, OUT_OF_CYCLE",
         "next step 2026-06-29 is 1 days overdue; next step 2026-06-29 is 5 days past the "
         "cycle end; first appointment 2026-05-10 was 51 days ago, past the 45-day cycle",
         day("2026-06-24"), day("2026-06-29"), day("2026-05-10"), 200],
        # 06-29 is 46 days after 05-14 (1 past the 45); 05-14 was 47 days before 06-30
        ["F3", "X", "Anna", "#1",
         "NEXT_STEP_OVERDUE, NEXT_STEP_OUT_OF_CYCLE, OUT_OF_CYCLE",
         "next step 2026-06-29 is 1 days overdue; next step 2026-06-29 is 1 days past the "
         "cycle end; first appointment 2026-05-14 was 47 days ago, past the 45-day cycle",
         day("2026-06-28"), day("2026-06-29"), day("2026-05-14"), 100],
        # 06-25 is 5 days before 06-30 and 42 days after 05-14 (inside the cycle)
        ["I3", "Z", "Dana", "#3", "NEXT_STEP_OVERDUE, OUT_OF_CYCLE",
         "next step 2026-06-25 is 5 days overdue; first appointment 2026-05-14 was 47 days "
         "ago, past the 45-day cycle",
         day("2026-06-28"), day("2026-06-25"), day("2026-05-14"), 50],
        # 06-20 is 10 days before 06-30 and 37 days after 05-14 (inside the cycle)
        ["H3", "Z", "Anna", "#2", "NEXT_STEP_OVERDUE, OUT_OF_CYCLE",
         "next step 2026-06-20 is 10 days overdue; first appointment 2026-05-14 was 47 days "
         "ago, past the 45-day cycle",
         day("2026-06-28"), day("2026-06-20"), day("2026-05-14"), None],
        # 05-01 was 60 days before 06-30
        ["K2", "X", "Chen", "First Appointment", "NO_NEXT_STEP, OUT_OF_CYCLE",
         "no next step date set; first appointment 2026-05-01 was 60 days ago, past the "
         "45-day cycle",
         day("2026-06-15"), None, day("2026-05-01"), 300],
        ["F2", "Y", "Chen", "First Appointment", "NO_NEXT_STEP", "no next step date set",
         day("2026-07-16"), None, day("2026-06-01"), 400],
    ]
