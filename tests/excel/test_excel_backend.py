"""The Excel backend (xlwings) against a faithful fake of Excel: same numbers, one read and
one write per tab, text kept as text, Excel's settings always restored."""

from __future__ import annotations

import datetime as dt
from typing import Any

import fake_xlwings as fx
import pytest
from conftest import WORKED_AS_OF, assert_same, issue_key

from sheets_funnel.backends.base import Backend, Percent
from sheets_funnel.backends.excel import ExcelBook
from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.refresh import refresh


def _comparable(summary: dict[str, Any]) -> dict[str, Any]:
    out = dict(summary)
    out.pop("written")
    out["issues"] = sorted(out["issues"], key=issue_key)
    return out


@pytest.fixture
def book(worked_example) -> fx.Book:
    """The worked example, open in (fake) Excel."""
    return fx.book_from_xlsx(worked_example)


def test_excel_book_is_a_backend(book):
    assert isinstance(ExcelBook(book), Backend)
    assert ExcelBook(book).label == "worked-example.xlsx"
    assert ExcelBook(book).tab_names() == ["Pipeline", "Settings"]


def test_worked_example_in_excel_gives_the_contract_summary(book, worked_example,
                                                            expected_summary):
    summary = refresh(ExcelBook(book), as_of=WORKED_AS_OF).summary()
    assert summary["written"][:3] == ["Funnel", "Focus", "History"]
    expected_summary["issues"] = sorted(expected_summary["issues"], key=issue_key)
    assert_same(_comparable(summary), expected_summary)
    from_file = refresh(XlsxWorkbook(worked_example), as_of=WORKED_AS_OF, dry_run=True)
    assert_same(_comparable(summary), _comparable(from_file.summary()))


def test_one_read_per_input_tab_and_one_write_per_owned_tab(book):
    refresh(ExcelBook(book), as_of=WORKED_AS_OF)
    counts = {s.name: (s.reads, s.writes) for s in book.sheets}
    assert counts.pop("Pipeline") == counts.pop("Settings") == (1, 0)
    assert set(counts.values()) == {(0, 1)}  # the owned tabs, created and written once
    refresh(ExcelBook(book), as_of=WORKED_AS_OF)  # now the owned tabs exist; History is read
    counts = {s.name: (s.reads, s.writes) for s in book.sheets}
    assert counts.pop("Pipeline") == counts.pop("Settings") == (2, 0)
    assert counts.pop("History") == (1, 2)
    assert all(reads <= 1 and writes == 2 for reads, writes in counts.values())


def test_missing_owned_tabs_are_added_after_the_last_sheet(book):
    outcome = refresh(ExcelBook(book), as_of=WORKED_AS_OF)
    names = [s.name for s in book.sheets]
    assert names[:5] == ["Pipeline", "Settings", "Funnel", "Focus", "History"]
    assert set(outcome.written) <= set(names[2:])
    assert all(s.visible != s.name.startswith("_") for s in book.sheets)


def test_results_land_as_numbers_dates_and_percentages(book):
    refresh(ExcelBook(book), as_of=WORKED_AS_OF)
    funnel = book.sheets["Funnel"]
    assert funnel["A1"].value == "Sales funnel" and funnel["A1"].font.bold
    assert funnel["A4"].value == "Stage" and funnel["A4"].font.bold
    assert not funnel["A5"].font.bold
    assert funnel["D1"].value == dt.datetime(2026, 6, 30)
    assert funnel["D1"].number_format == "yyyy-mm-dd"
    assert funnel["A5"].value == "Opportunity"
    # reached 15 (every deal), open now 1
    assert funnel["B5"].value == 15 and funnel["B5"].number_format == "General"
    assert funnel["C5"].value == 1
    assert funnel["F5"].value == pytest.approx(13 / 14)
    assert funnel["F5"].number_format == "0.0%"
    # meetings per sale at First Appointment: 1 / (16/27) = 1.6875, shown "1.7 : 1"
    assert funnel["H6"].value == pytest.approx(1.6875)
    assert funnel["H6"].number_format == '0.0" : 1"'
    rows = {funnel.range((r, 1)).value: r for r in range(1, 60)}
    expected = rows["Forecast: in-cycle open deals × close rate"]
    assert funnel.range((expected, 2)).number_format == "0.0"
    assert funnel.range((expected, 3)).value == pytest.approx(24588.35978835979)
    assert funnel.range((expected, 3)).number_format == "#,##0"
    history = book.sheets["History"]
    assert history["A2"].value == dt.datetime(2026, 6, 30)
    assert history["S2"].number_format == '0.0" : 1"'


FORMULA_LIKE = ["=HYPERLINK(\"http://x\")", "+1 555 0100", "@SUM(A1)", "2026-01-01", "-x",
                "00042", "50%", "TRUE"]


def test_formula_looking_text_stays_text():
    """Account names a user typed as text come back on the Focus tab as the same text."""
    book = fx.Book("pipeline.xlsx")
    pipeline = book.sheets.add("Pipeline")
    header = ["Deal ID", "Account", "Stage", "First Appointment Date", "Next Step Date"]
    rows = [[f"D-{n}", account, "#1", dt.datetime(2026, 1, 5), None]
            for n, account in enumerate(FORMULA_LIKE, start=1)]
    for r, row in enumerate([header, *rows], start=1):
        for c, value in enumerate(row, start=1):
            pipeline.cell(r, c).value = value  # stored as Excel holds typed-in text
    refresh(ExcelBook(book), as_of=WORKED_AS_OF)
    focus = book.sheets["Focus"]
    accounts = {focus.range((r, 1)).value: focus.range((r, 2)) for r in range(2, 10)}
    for n, account in enumerate(FORMULA_LIKE, start=1):
        cell = accounts[f"D-{n}"]
        assert cell.value == account and cell.formula == account
        assert cell.number_format == "@"


def test_the_fake_turns_text_into_formulas_and_dates_like_excel():
    """Why the backend sets the Text format: in a General cell Excel reinterprets text."""
    sheet = fx.Book().sheets.add("S")
    sheet["A1"].value = [["=HYPERLINK(\"x\")", "+1 555", "2026-01-01", "@SUM(A1)", "'x"]]
    assert sheet["A1"].formula == "=HYPERLINK(\"x\")"
    assert sheet["B1"].formula == "=+1 555"
    assert sheet["C1"].value == dt.datetime(2026, 1, 1)
    assert sheet["D1"].formula == "=@SUM(A1)"
    assert sheet["E1"].value == "x"


def test_reads_start_at_a1_even_when_the_used_range_does_not(book):
    pipeline = book.sheets["Pipeline"]
    for (r, c), cell in sorted(pipeline.cells_by_pos.items(), reverse=True):
        pipeline.cells_by_pos[(r + 2, c + 1)] = cell
        del pipeline.cells_by_pos[(r, c)]
    assert pipeline.used_range.address == "$B$3:$L$19"
    rows = ExcelBook(book).read(["Pipeline"])["Pipeline"]
    assert len(rows) == 19 and rows[0] == [None] * 12 and rows[2][:2] == [None, "Deal ID"]


def test_issue_rows_match_the_sheet_when_data_starts_below_blank_rows(book):
    pipeline = book.sheets["Pipeline"]
    for (r, c), cell in sorted(pipeline.cells_by_pos.items(), reverse=True):
        if r > 1:
            pipeline.cells_by_pos[(r + 3, c)] = cell
            del pipeline.cells_by_pos[(r, c)]
    summary = refresh(ExcelBook(book), as_of=WORKED_AS_OF).summary()
    assert [i["row"] for i in summary["issues"] if i["column"] == "Stage"] == [19]


def test_excel_settings_are_restored_after_an_error_in_the_write(book):
    app = book.app
    refresh(ExcelBook(book), as_of=WORKED_AS_OF)
    book.sheets["Focus"].fail_on_write = OSError("Excel stopped responding")
    with pytest.raises(OSError):
        refresh(ExcelBook(book), as_of=WORKED_AS_OF)
    assert app.screen_updating is True and app.calculation == "automatic"


def test_settings_are_paused_during_the_write_and_restored_to_the_users_choice(
        book, monkeypatch):
    app = book.app
    app.calculation = "semiautomatic"
    seen = []
    original = fx.Range.value

    def spy(rng: fx.Range, data: Any) -> None:
        seen.append((app.screen_updating, app.calculation))
        original.fset(rng, data)

    monkeypatch.setattr(fx.Range, "value", property(original.fget, spy))
    refresh(ExcelBook(book), as_of=WORKED_AS_OF)
    assert seen == [(False, "manual")] * (len(book.sheets) - 2)
    assert (app.screen_updating, app.calculation) == (True, "semiautomatic")


def test_bad_output_is_refused_before_any_cell_changes(book):
    before = {s.name: dict(s.cells_by_pos) for s in book.sheets}
    with pytest.raises(Exception, match="Focus row 1, column 1: cannot write a set"):
        ExcelBook(book).write({"Funnel": [["ok"]], "Focus": [[{"no"}]]})
    assert {s.name: dict(s.cells_by_pos) for s in book.sheets} == before
    assert [s.name for s in book.sheets] == ["Pipeline", "Settings"]


def test_a_shorter_result_clears_the_old_cells(book):
    backend = ExcelBook(book)
    backend.write({"Focus": [["a", 1, Percent(0.5)], ["b", dt.date(2026, 1, 2)]]})
    backend.write({"Focus": [["only"]]})
    rows = backend.read(["Focus"])["Focus"]
    assert [[v for v in row if v is not None] for row in rows] == [["only"]]


def test_a_1904_workbook_reads_plain_serials_from_1904(book):
    """A Mac workbook in the 1904 date system: Excel hands date cells over as dates, and a
    First Appointment Date typed as a bare number counts from 1904-01-01."""
    book.api = type("WorkbookApi", (), {"Date1904": True})()
    pipeline = book.sheets["Pipeline"]
    # D-11 (row 12): First Appointment 2026-06-01 is 44,712 days after 1904-01-01
    # (2026-01-01 is day 44,561; 1 January → 1 June is 31 + 28 + 31 + 30 + 31 = 151 days)
    assert pipeline.range((12, 1)).value == "D-11"
    assert pipeline.range((12, 8)).value == dt.datetime(2026, 6, 1)
    pipeline.range((12, 8)).value = 44712
    assert ExcelBook(book).date1904
    summary = refresh(ExcelBook(book), as_of=WORKED_AS_OF).summary()
    assert summary["flags"]["D-11"] == ["NO_NEXT_STEP"]
    assert all(i["row"] != 12 for i in summary["issues"])
    # read as a 1900 serial, 44,712 would be 2022-05-31: D-11 would be out of the cycle
    book.api = type("WorkbookApi", (), {"Date1904": False})()
    summary_1900 = refresh(ExcelBook(book), as_of=WORKED_AS_OF).summary()
    assert "OUT_OF_CYCLE" in summary_1900["flags"]["D-11"]
