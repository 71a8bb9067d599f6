"""Dates as workbooks really hold them: the 1904 date system, and dates no spreadsheet
shows the same way (before 1900-03-01), which are refused rather than written."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURES, HEADER, assert_same, issue_key, libreoffice_tabs, make_book

from sheets_funnel.backends import xlsx_package as pkg
from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.cells import parse_date, to_serial
from sheets_funnel.columns import dates
from sheets_funnel.errors import BadSetting
from sheets_funnel.parse import parse_pipeline, parse_settings

AS_OF = "2026-06-30"
MAC_EPOCH = dt.date(1904, 1, 1)


def mac_workbook(path: Path, plain_serials: bool = False) -> Path:
    """The worked example as Mac Excel keeps it in the 1904 date system: the workbook says
    ``date1904`` and every date cell holds days since 1904-01-01 (openpyxl writes it so).

    With ``plain_serials`` the date cells hold those day numbers with no date format, as
    after pasting values or clearing formats."""
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = openpyxl.load_workbook(FIXTURES / "worked-example.xlsx")
    book.epoch = CALENDAR_MAC_1904
    if plain_serials:
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, dt.datetime | dt.date):
                        day = cell.value.date() if isinstance(cell.value, dt.datetime) \
                            else cell.value
                        cell.value = (day - MAC_EPOCH).days
                        cell.number_format = "General"
    book.save(path)
    return path


def sheet_xml(path: Path, tab: str) -> str:
    book = XlsxWorkbook(path)
    part = {s.name: s.part for s in book._package_sheets()}[tab]
    with zipfile.ZipFile(path) as zf:
        return zf.read(part).decode()


def cell_value(xml: str, ref: str) -> str:
    match = re.search(rf'<c r="{ref}"[^>]*><v>([^<]*)</v></c>', xml)
    assert match, f"no number in {ref}"
    return match.group(1)


def test_mac_1904_workbook_reads_and_writes_its_own_dates(cli, tmp_path, expected_summary):
    path = mac_workbook(tmp_path / "mac.xlsx")
    with zipfile.ZipFile(path) as zf:
        assert 'date1904="1"' in zf.read("xl/workbook.xml").decode()
    for _ in range(2):  # the second refresh reads back what the first wrote
        result = cli("refresh", str(path), "--json", "--as-of", AS_OF)
        assert result.code == 0, result.err
    summary = result.json()
    summary.pop("written")
    summary["issues"].sort(key=issue_key)
    expected_summary["issues"].sort(key=issue_key)
    assert_same(summary, expected_summary)
    # 2026-06-30 is 44,741 days after 1904-01-01: the 122 years 1904–2025 hold 31 leap years
    # (1904, 1908, …, 2024), 122 × 365 + 31 = 44,561, plus 180 days from 1 January to 30 June
    assert (dt.date(2026, 6, 30) - MAC_EPOCH).days == 44741
    assert cell_value(sheet_xml(path, "Funnel"), "D1") == "44741"
    history = XlsxWorkbook(path).read(["History"])["History"]
    assert [row[0] for row in history[1:]] == [dt.date(2026, 6, 30)]  # one row, not two
    assert cell_value(sheet_xml(path, "History"), "A2") == "44741"


def test_plain_serial_numbers_in_a_1904_workbook_count_from_1904(cli, tmp_path,
                                                                 expected_summary):
    path = mac_workbook(tmp_path / "mac-plain.xlsx", plain_serials=True)
    raw = XlsxWorkbook(path).read(["Pipeline"])["Pipeline"]
    # D-01's First Appointment Date 2026-01-12 is stored as the bare number 44,572:
    # 2026-01-01 is 44,561 days after 1904-01-01 (see above), and 2026-01-12 eleven days later
    assert raw[1][0] == "D-01" and raw[1][7] == 44572
    summary = cli("refresh", str(path), "--json", "--as-of", AS_OF).json()
    summary.pop("written")
    summary["issues"].sort(key=issue_key)
    expected_summary["issues"].sort(key=issue_key)
    assert_same(summary, expected_summary)


@pytest.mark.libreoffice
def test_libreoffice_shows_the_dates_of_a_refreshed_1904_workbook(cli, tmp_path):
    path = mac_workbook(tmp_path / "mac.xlsx")
    assert cli("refresh", str(path), "--json", "--as-of", AS_OF).code == 0
    assert cli("refresh", str(path), "--json", "--as-of", AS_OF).code == 0
    tabs = libreoffice_tabs(path, tmp_path / "csv")
    assert tabs["Funnel"][0][:4] == ["Sales funnel", "", "As of", "2026-06-30"]
    assert tabs["Funnel"][1][:4] == ["Period", "2026-01-01", "to", "2026-12-31"]
    assert [row[0] for row in tabs["History"][1:]] == ["2026-06-30"]
    focus = {row[0]: row for row in tabs["Focus"][1:]}
    # the worked example's D-10: first appointment 2026-03-10, next step 2026-07-20
    assert focus["D-10"][7:9] == ["2026-07-20", "2026-03-10"]
    # cycle end = first appointment + 63-day cycle = 2026-05-12
    assert focus["D-10"][6] == "2026-05-12"


def test_a_1900_workbook_keeps_1900_serials(tmp_path, worked_example):
    assert not XlsxWorkbook(worked_example).date1904
    XlsxWorkbook(worked_example).write({"Funnel": [["As of", dt.date(2026, 6, 30)]]})
    # 2026-06-30 in the 1900 system: 44,741 + 1,462 days from 1899-12-30 to 1904-01-01
    assert cell_value(sheet_xml(worked_example, "Funnel"), "B1") == "46203"


@pytest.mark.parametrize("value", ["1850-01-01", "01.01.1850", "1900-02-28", 7, 60.5,
                                   dt.date(1850, 1, 1), dt.datetime(1899, 12, 31, 12)])
def test_dates_before_1900_03_01_are_not_dates(value):
    rows = [HEADER, ["D-1", "Acme", "Anna", "#1", "Open", 100, None, value, "Call",
                     "2026-07-01"]]
    deals, issues = parse_pipeline("Pipeline", rows, "en")
    assert deals.empty
    assert [(i.row, i.column, i.message) for i in issues] == [
        (2, "First Appointment Date", "not a date")]
    assert "1900-03-01" in issues[0].describe()


def test_the_first_day_every_spreadsheet_agrees_on_is_a_date():
    # 1900-03-01 is serial 61: 1899-12-30 + 2 days is 1900-01-01, + 59 days of January and
    # February 1900 (no 29 February: 1900 is not a leap year)
    assert parse_date("1900-03-01") == 61 == to_serial(dt.date(1900, 3, 1))
    assert parse_date(61) == 61 and parse_date(60) is None
    values, bad = dates(["1900-03-01", "1900-02-28", 61, 60, None, "  "])
    assert values[0] == 61.0 and values[2] == 61.0 and bad == [1, 3]


def test_a_small_number_in_a_1904_workbook_is_a_1904_date():
    # 7 in the 1904 system is 1904-01-08, a date every spreadsheet shows alike
    assert parse_date(7, date1904=True) == to_serial(dt.date(1904, 1, 8))
    values, bad = dates([7, "1850-01-01"], date1904=True)
    assert values[0] == to_serial(dt.date(1904, 1, 8)) and bad == [1]


def test_a_setting_before_1900_is_refused_naming_the_cell():
    with pytest.raises(BadSetting, match=r"Settings!B1: Period Start is '1850-01-01'"):
        parse_settings("Settings", [["Period Start", "1850-01-01"]], "en")


def test_a_pre_1900_date_in_the_pipeline_is_a_row_error_in_a_refresh(cli, tmp_path):
    path = make_book(tmp_path / "old.xlsx", [
        HEADER,
        ["D-1", "Acme", "Anna", "#1", "Open", 100, dt.date(1850, 1, 1), "2026-03-01", "Call",
         "2026-07-01"],
        ["D-2", "Beta", "Boris", "#1", "Open", 100, None, 7, "Call", "2026-07-01"],
        ["D-3", "Gamma", "Anna", "#1", "Open", 100, None, "2026-03-01", "Call", "2026-07-01"],
    ])
    summary = cli("refresh", str(path), "--json", "--as-of", AS_OF).json()
    assert summary["deals"] == 1
    assert sorted((i["row"], i["column"], i["message"]) for i in summary["issues"]) == [
        (2, "Created", "not a date"), (3, "First Appointment Date", "not a date")]
    for tab in ("Funnel", "Focus", "History"):  # no negative serial anywhere
        assert not [v for v in re.findall(r"<v>([^<]*)</v>", sheet_xml(path, tab))
                    if v.startswith("-")]


@pytest.mark.parametrize(("date1904", "day"), [(False, dt.date(1900, 2, 28)),
                                               (True, dt.date(1903, 12, 31))])
def test_a_day_the_date_system_cannot_hold_is_written_as_text(date1904, day):
    styles = pkg.Styles(date=1, date1904=date1904)
    assert pkg.cell_xml("A1", day, styles) == (
        f'<c r="A1" t="inlineStr"><is><t>{day.isoformat()}</t></is></c>')
    # the day after the last one it cannot hold is a date: serial 61 / serial 0
    next_day = day + dt.timedelta(days=1)
    assert pkg.cell_xml("A1", next_day, styles) == (
        f'<c r="A1" s="1"><v>{0 if date1904 else 61}</v></c>')


def test_a_column_of_mixed_date_cells_is_converted_in_one_go():
    cells = ["05.01.2026", "2026-01-05", "5.1.2026", "2026-1-5 00:00", " 05.01.2026 ",
             "29.02.2024", "29.02.2026", "2026-13-01", "2026/01/05", 46027, 46027.9,
             dt.date(2026, 1, 5), dt.datetime(2026, 1, 5, 17, 30), None, "", "   ", True,
             float("nan"), dt.time(9, 0)]
    values, bad = dates(cells)
    # 2026-01-05 is serial 46,027: 2026-06-30 is 46,203 (CONTRACT's worked example) and
    # 5 January is 176 days earlier (26 + 28 + 31 + 30 + 31 + 30 = 176)
    day = 46027.0
    # 2024-02-29 is 2024-03-01 − 1 day; 2024-03-01 is 2026-03-01 − 730 days (2024-03-01 to
    # 2026-03-01 spans no 29 February), and 2026-03-01 is 2026-01-05 + 55 days
    leap = day + 55 - 730 - 1
    assert values[:7] == [day, day, day, day, day, leap, values[6]]
    assert values[9:13] == [day, day, day, day]
    assert all(v != v for v in values[13:16]) and values[6] != values[6]
    assert bad == [6, 7, 8, 16, 17, 18]
    assert [v != v for v in values] == [n in bad or 13 <= n <= 15 for n in range(len(cells))]


def test_days_before_1900_03_01_reach_no_backend_as_dates(cli, tmp_path):
    """An --as-of before 1900-03-01 (and the default period of its year) is handed to the
    backend as ISO text, whatever the backend: a Google Sheet or live Excel would otherwise
    be told a negative serial number or a day it shows differently."""
    from sheets_funnel.backends.memory import MemoryWorkbook
    from sheets_funnel.refresh import refresh

    book = MemoryWorkbook({"Pipeline": [HEADER, ["D-1", "Acme", "Anna", "#1", "Open", 100,
                                                 None, "2026-03-01", "Call", "2026-07-01"]]})
    refresh(book, dt.date(1899, 6, 30))
    written = [c for name in ("Funnel", "History", "_funnel_state")
               for row in book.tabs[name] for c in row]
    assert not [c for c in written if isinstance(c, dt.date)
                and c < dt.date(1900, 3, 1)]
    assert "1899-06-30" in written and "1899-01-01" in written and "1899-12-31" in written
    # the xlsx file gets the same text, not a negative serial number
    path = make_book(tmp_path / "early.xlsx", book.tabs["Pipeline"])
    assert cli("refresh", str(path), "--as-of", "1899-06-30").code == 0
    assert '<c r="D1" t="inlineStr"><is><t>1899-06-30</t>' in sheet_xml(
        path, "Funnel")
