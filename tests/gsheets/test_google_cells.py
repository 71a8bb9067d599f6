"""The owned tabs go to Google compactly: values alone, formats once per rectangle."""

from __future__ import annotations

import datetime as dt
import json

from conftest import WORKED_AS_OF

from sheets_funnel.backends import google_cells
from sheets_funnel.backends.google_cells import BOLD, DATE, PERCENT, format_requests
from sheets_funnel.backends.gsheets import GoogleSheet
from sheets_funnel.cells import Heading, Percent
from sheets_funnel.refresh import refresh

DAY = dt.date(2026, 6, 1)


def rectangles(requests):
    """(first row, end row, first column, end column, format) of each repeatCell."""
    out = []
    for request in requests:
        body = request["repeatCell"]
        r = body["range"]
        out.append((r["startRowIndex"], r["endRowIndex"], r["startColumnIndex"],
                    r["endColumnIndex"], body["cell"]["userEnteredFormat"]))
    return sorted(out, key=lambda t: (t[2], t[0]))


def test_one_rectangle_per_run_of_equal_formats():
    rows = [[Heading("Deal"), Heading("Day"), Heading("Rate")],
            ["D-1", DAY, Percent(0.5)],
            ["D-2", None, Percent(0.25)],   # a blank joins the date run above and below
            ["D-3", DAY, 3],                # a plain number ends the percent run
            ["D-4", DAY]]
    assert rectangles(format_requests(7, rows)) == [
        (0, 1, 0, 3, BOLD),      # the heading row, three columns in one
        (1, 5, 1, 2, DATE),      # B2:B5
        (1, 3, 2, 3, PERCENT),   # C2:C3
    ]


def test_adjacent_columns_with_the_same_run_merge():
    rows = [[DAY, DAY, "x", DAY], [DAY, DAY, "y", DAY]]
    assert rectangles(format_requests(1, rows, first_row=10)) == [
        (10, 12, 0, 2, DATE), (10, 12, 3, 4, DATE)]


def test_values_travel_without_formats():
    (request,) = [google_cells.value_request(3, [["a", None, 2.0, DAY, Percent(0.5), True, None]])]
    assert request["updateCells"]["fields"] == "userEnteredValue"
    assert request["updateCells"]["rows"] == [{"values": [
        {"userEnteredValue": {"stringValue": "a"}}, {},
        {"userEnteredValue": {"numberValue": 2}},
        {"userEnteredValue": {"numberValue": (DAY - dt.date(1899, 12, 30)).days}},
        {"userEnteredValue": {"numberValue": 0.5}},
        {"userEnteredValue": {"boolValue": True}}]}]  # the trailing blank is left out


def test_a_refresh_sends_no_per_cell_format_and_the_tabs_show_them(fake, worked_example,
                                                                   user_credentials, monkeypatch):
    sid = fake.load_xlsx(worked_example)
    refresh(GoogleSheet(sid, user_credentials), WORKED_AS_OF)  # creates the tabs
    sent: list[dict] = []
    original = google_cells.write_requests

    def spy(*args, **kwargs):
        sent.extend(original(*args, **kwargs))
        return sent

    monkeypatch.setattr(google_cells, "write_requests", spy)
    refresh(GoogleSheet(sid, user_credentials), WORKED_AS_OF)
    text = json.dumps([r for r in sent if "updateCells" in r])
    assert "userEnteredFormat" not in text.replace('"fields": "userEnteredValue,userEnteredFormat"',
                                                   "")
    focus = fake.spreadsheet(sid).sheet("Focus")
    rows = fake.values(sid, "Focus")
    # Focus: header row bold; columns G-I (cycle end, next step, first appointment) dates
    assert all(focus.cell(0, c).data["userEnteredFormat"] == BOLD for c in range(10))
    for r in range(1, len(rows)):
        for c in (6, 8):  # every flagged deal has a cycle end and a first appointment
            assert focus.cell(r, c).data["userEnteredFormat"] == DATE
        assert "userEnteredFormat" not in focus.cell(r, 0).data
    funnel = fake.spreadsheet(sid).sheet("Funnel")
    assert funnel.cell(4, 5).data["userEnteredFormat"] == PERCENT  # F5, the first stage's rate
