"""Movement end to end: refresh, change the Pipeline, refresh again, read the workbook."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from conftest import HEADER, make_book

from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.cells import as_text
from sheets_funnel.refresh import refresh

DAY1 = dt.date(2026, 6, 29)
DAY2 = dt.date(2026, 6, 30)
DEALS = [
    ["D-1", "Acme", "Anna", "#1", "Open", 100, None, "2026-06-01", "Call", "2026-07-10", None],
    ["D-2", "Beta", "Boris", "#3", "Open", 200, None, "2026-05-01", "Sign", "2026-07-01", None],
    ["D-3", "Coho", "Anna", "First Appointment", "Open", 50, None, "2026-06-20", "Demo",
     "2026-07-03", None],
    ["D-4", "Dune", "Boris", "Opportunity", "Open", 10, None, None, "Call", "2026-07-02", None],
]


def edit_pipeline(path: Path, changes: dict[str, dict[str, object]],
                  add: list[list[object]] = (), remove: tuple[str, ...] = ()) -> None:
    """Change the Pipeline as a user would in Excel, keeping every other tab."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book["Pipeline"]
    columns = {cell.value: cell.column for cell in sheet[1]}
    for row in range(sheet.max_row, 1, -1):
        deal_id = sheet.cell(row, 1).value
        if deal_id in remove:
            sheet.delete_rows(row)
        elif deal_id in changes:
            for header, value in changes[deal_id].items():
                sheet.cell(row, columns[header]).value = value
    for row in add:
        sheet.append(row)
    book.save(path)


def funnel_movement(path: Path) -> list[list[object]]:
    funnel = XlsxWorkbook(path).read(["Funnel"])["Funnel"]
    start = next(n for n, row in enumerate(funnel) if str(row[0]).startswith("Movement"))
    return [[c for c in row if c != ""] for row in funnel[start:]]


def test_second_refresh_shows_what_moved_and_updates_the_state_tab(tmp_path):
    path = make_book(tmp_path / "team.xlsx", [HEADER, *DEALS])
    first = refresh(XlsxWorkbook(path), DAY1)
    assert first.movement is not None and first.movement.first
    assert first.written == ["Funnel", "Focus", "History"]
    book = XlsxWorkbook(path)
    assert book.tab_names()[-1] == "_funnel_state"
    with zipfile.ZipFile(path) as zf:  # created hidden
        assert '<sheet name="_funnel_state" sheetId="5" state="hidden"' in zf.read(
            "xl/workbook.xml").decode()
    assert funnel_movement(path)[1] == [
        "first refresh: what moved is shown from the next refresh on"]

    edit_pipeline(path, {"D-1": {"Stage": "#2"},                          # advanced
                         "D-2": {"Stage": "Closed", "Status": "Won",      # won
                                 "Closed Date": "2026-06-30"},
                         "D-3": {"Stage": "Opportunity"}},                # slipped back
                  add=[["D-5", "Elm", "Anna", "Opportunity", "Open", 5]],  # new
                  remove=("D-4",))                                        # removed
    second = refresh(XlsxWorkbook(path), DAY2)
    assert second.movement is not None and second.movement.since == DAY1

    section = funnel_movement(path)
    assert section[0] == ["Movement since 2026-06-29 (5)"]
    assert [row[1] for row in section[2:9]] == [1, 1, 1, 0, 1, 1, 0]
    assert section[10:] == [
        ["Advanced", "D-1", "Acme", "Anna", "#1", "#2"],
        ["Slipped back", "D-3", "Coho", "Anna", "First Appointment", "Opportunity"],
        ["Won", "D-2", "Beta", "Boris", "#3", "Won"],
        ["New", "D-5", "Elm", "Anna", "Opportunity"],
        ["Removed", "D-4", "Dune", "Boris", "Opportunity"],
    ]
    state = XlsxWorkbook(path).read(["_funnel_state"])["_funnel_state"]
    assert [as_text(c) for c in state[0][:2]] == ["As of", "2026-06-30"]  # date or ISO text
    # one deal per line (Deal ID, Account, Owner, stage 0-5, lost), packed into one cell
    assert [row[0] for row in state[2:]] == [
        "D-1\tAcme\tAnna\t3\t\nD-2\tBeta\tBoris\t5\t\nD-3\tCoho\tAnna\t0\t\n"
        "D-5\tElm\tAnna\t0\t"]


def test_movement_goes_below_the_data_issues_and_the_top_layout_stays(tmp_path):
    rows = [HEADER, *DEALS, ["D-9", "Bad", "Anna", "Negotiation", "Open"]]
    path = make_book(tmp_path / "team.xlsx", rows)
    refresh(XlsxWorkbook(path), DAY1)
    before = XlsxWorkbook(path).read(["Funnel"])["Funnel"]
    refresh(XlsxWorkbook(path), DAY2)
    funnel = XlsxWorkbook(path).read(["Funnel"])["Funnel"]
    assert funnel[3][0] == "Stage" and [r[0] for r in funnel[4:11]] == [
        "Opportunity", "First Appointment", "#1", "#2", "#3", "Won", "Lost"]
    assert [r[0] for r in funnel[:11]] == [r[0] for r in before[:11]]
    issues = next(n for n, r in enumerate(funnel) if str(r[0]).startswith("Data issues"))
    movement = next(n for n, r in enumerate(funnel) if str(r[0]).startswith("Movement"))
    assert issues < movement
    assert all(str(r[0]) in ("", "Pipeline", "Tab") for r in funnel[issues + 1:movement])


def test_fixing_a_bad_row_is_neither_removed_nor_new(tmp_path):
    path = make_book(tmp_path / "team.xlsx", [HEADER, *DEALS])
    refresh(XlsxWorkbook(path), DAY1)
    edit_pipeline(path, {"D-1": {"Stage": "Negotiation"}})   # a typo: the row is left out
    refresh(XlsxWorkbook(path), DAY2)
    assert [row[1] for row in funnel_movement(path)[2:9]] == [0] * 7
    edit_pipeline(path, {"D-1": {"Stage": "#3"}})            # fixed, and moved on meanwhile
    outcome = refresh(XlsxWorkbook(path), DAY2 + dt.timedelta(days=1))
    assert outcome.movement is not None
    assert [(m.kind, m.deal.deal_id) for m in outcome.movement.moves] == [("advanced", "D-1")]


def test_dry_run_shows_movement_but_keeps_the_state(tmp_path):
    path = make_book(tmp_path / "team.xlsx", [HEADER, *DEALS])
    refresh(XlsxWorkbook(path), DAY1)
    edit_pipeline(path, {"D-1": {"Stage": "#2"}})
    state_before = XlsxWorkbook(path).read(["_funnel_state"])
    outcome = refresh(XlsxWorkbook(path), DAY2, dry_run=True)
    assert outcome.movement is not None and len(outcome.movement.moves) == 1
    assert XlsxWorkbook(path).read(["_funnel_state"]) == state_before


def test_history_keeps_one_row_per_day(tmp_path):
    path = make_book(tmp_path / "team.xlsx", [HEADER, *DEALS])
    refresh(XlsxWorkbook(path), DAY1)
    refresh(XlsxWorkbook(path), DAY1)
    refresh(XlsxWorkbook(path), DAY2)
    refresh(XlsxWorkbook(path), DAY2)
    history = XlsxWorkbook(path).read(["History"])["History"]
    assert [as_text(row[0]) for row in history[1:]] == ["2026-06-29", "2026-06-30"]


def test_deal_ids_with_line_breaks_and_tabs_are_not_new_at_every_refresh(tmp_path):
    # a Deal ID typed with Alt+Enter (a line break in the cell) and one pasted with a tab
    deals = [["ACME\n2026", *DEALS[0][1:]], ["BETA\t7", *DEALS[1][1:]], DEALS[2]]
    path = make_book(tmp_path / "breaks.xlsx", [HEADER, *deals])
    refresh(XlsxWorkbook(path), DAY1)
    second = refresh(XlsxWorkbook(path), DAY2)
    assert second.movement is not None and not second.movement.first
    assert second.movement.moves == ()
    edit_pipeline(path, {"ACME\n2026": {"Stage": "#2"}})
    third = refresh(XlsxWorkbook(path), DAY2)
    assert third.movement is not None
    assert [(m.kind, m.deal.deal_id) for m in third.movement.moves] == [
        ("advanced", "ACME\n2026")]


def test_no_cell_written_holds_more_than_a_cell_can(tmp_path):
    """Names as long as a cell allows, duplicated: the state tab and the Funnel's issue list
    quote them, and still every written cell fits in 32,767 characters."""
    account = "A" * 32_000
    long_id = "L" * 32_767  # as long as a cell allows
    deals = [[long_id, account, "Anna", "#1", "Open", 1, None, "2026-06-01", "Call",
              "2026-07-10"],
             [long_id.lower(), account, "Anna", "#1", "Open", 1],  # same ID in another case
             ["D-2", account, "B" * 32_000, "#2", "Open", 1, None, "2026-06-01", "Call",
              "2026-07-10"]]
    path = make_book(tmp_path / "long.xlsx", [HEADER, *deals])
    refresh(XlsxWorkbook(path), DAY1)
    outcome = refresh(XlsxWorkbook(path), DAY2)
    assert outcome.movement is not None and outcome.movement.moves == ()
    tabs = XlsxWorkbook(path).read(["Funnel", "Focus", "History", "_funnel_state"])
    longest = max(len(as_text(c)) for rows in tabs.values() for row in rows for c in row)
    assert 32_000 <= longest <= 32_767
    # the duplicate's expectation quotes the 32,767-character ID: cut to fit, marked "…"
    funnel_texts = [as_text(c) for row in tabs["Funnel"] for c in row]
    assert any(t.startswith("a Deal ID used by no other row ('lll") and t.endswith("…")
               and len(t) == 32_767 for t in funnel_texts)
