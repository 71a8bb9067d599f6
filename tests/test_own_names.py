"""A team's own stage, status and column names, mapped in Settings (CONTRACT §7)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import fake_xlwings as fx
import pytest
from conftest import HEADER, WORKED_AS_OF, assert_same, issue_key, make_book

from sheets_funnel.backends.excel import ExcelBook
from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.errors import BadHeader, BadSetting
from sheets_funnel.own_names import read_own_names
from sheets_funnel.parse import parse_pipeline
from sheets_funnel.refresh import refresh

# The worked example as a team that kept its own words would have it: its own headers for
# Account, Owner, Stage, Status, Value and First Appointment Date, its own stage names for
# the five open stages and its own status names. "ПВ", "№ 2", "Closed Lost" and the unknown
# "Negotiation" are kept as they are: the built-in aliases still apply after the mapping.
OWN_HEADER = ["Deal ID", "Company", "Rep", "Deal Stage", "Outcome", "Amount", "Created",
              "First Meeting", "Next Step", "Next Step Date", "Closed Date"]
OWN_STAGES = {"Opportunity": "Lead", "First Appointment": "Discovery", "#1": "Demo",
              "#2": "Proposal", "#3": "Contract", "Closed": "Signed"}
OWN_STATUSES = {"Open": "Active", "Won": "Closed Won", "Lost": "Dead"}
MAPPING = [
    ["Column: Company", "Account"], ["Column: Rep", "Owner"], ["Column: Deal Stage", "Stage"],
    ["Column: Outcome", "Status"], ["Column: Amount", "Value"],
    ["column:  first meeting ", "First Appointment Date"],  # any case, spaces trimmed
    ["Stage: Lead", "Opportunity"], ["Stage: Discovery", "First Appointment"],
    ["Stage: Demo", "#1"], ["Stage: Proposal", "#2"], ["Stage: Contract", "№3"],
    ["Stage: Signed", "Closed Won"],  # an alias on the right-hand side is fine
    ["Status: Active", "Open"], ["Status: Closed Won", "won"], ["Status: Dead", "Проиграна"],
    ["Stage: Qualified", "Opportunity"],  # a mapping nothing uses is fine
    ["Stage: Evaluation", None],  # a row still to fill is ignored
]


def _own_rows(worked_example: Path) -> tuple[list[list[Any]], list[list[Any]]]:
    data = XlsxWorkbook(worked_example).read(["Pipeline", "Settings"])
    rows = [OWN_HEADER]
    for row in data["Pipeline"][1:]:
        row = list(row)
        row[3] = OWN_STAGES.get(row[3], row[3])
        row[4] = OWN_STATUSES.get(row[4], row[4])
        rows.append(row)
    return rows, [*data["Settings"], *MAPPING]


@pytest.fixture
def own_book(tmp_path: Path, worked_example: Path) -> Path:
    pipeline, settings = _own_rows(worked_example)
    return make_book(tmp_path / "own-names.xlsx", pipeline, settings)


def _comparable(summary: dict[str, Any]) -> dict[str, Any]:
    out = dict(summary)
    out.pop("written", None)
    out["issues"] = sorted(out["issues"], key=issue_key)
    return out


def _expected(expected_summary: dict[str, Any]) -> dict[str, Any]:
    expected_summary["issues"] = sorted(expected_summary["issues"], key=issue_key)
    return expected_summary


def test_own_names_give_the_worked_example_in_a_local_file(own_book, expected_summary):
    outcome = refresh(XlsxWorkbook(own_book), as_of=WORKED_AS_OF)
    # the JSON speaks the standard names: the issues name "Stage" and "First Appointment Date"
    assert_same(_comparable(outcome.summary()), _expected(expected_summary))
    funnel = XlsxWorkbook(own_book).read(["Funnel"])["Funnel"]
    assert [row[0] for row in funnel[4:10]] == ["Opportunity", "First Appointment", "#1", "#2",
                                                "#3", "Won"]


def test_own_names_give_the_worked_example_on_google_sheets(cli, fake, own_book, user_credentials,
                                                            expected_summary):
    sid = fake.load_xlsx(own_book)
    result = cli("refresh", f"https://docs.google.com/spreadsheets/d/{sid}/edit",
                 "--credentials", str(user_credentials), "--as-of", WORKED_AS_OF.isoformat(),
                 "--json")
    assert result.code == 0, result.err
    assert_same(_comparable(result.json()), _expected(expected_summary))


def test_own_names_give_the_worked_example_in_live_excel(own_book, expected_summary):
    book = fx.book_from_xlsx(own_book)
    summary = refresh(ExcelBook(book), as_of=WORKED_AS_OF).summary()
    assert_same(_comparable(summary), _expected(expected_summary))


def _parse(settings: list[list[Any]], header: list[str], *rows: list[Any]):
    names = read_own_names("Settings", settings)
    return parse_pipeline("Pipeline", [header, *rows], "en", names=names)


def test_a_mapping_is_looked_up_before_the_built_in_aliases():
    # "1" is an alias of #1; this team writes "1" for its first appointments
    deals, issues = _parse([["Stage: 1", "First Appointment"]], HEADER[:4],
                           ["D-1", "Acme", "Ann", "1"], ["D-2", "Beta", "Bob", "#1"])
    assert issues[0].message == "missing First Appointment Date"  # warnings only
    assert list(deals["stage"]) == [1, 2]


def test_a_status_mapping_and_a_stage_mapped_to_lost():
    deals, issues = _parse(
        [["Status: Closed Won", "Won"], ["Stage: Closed - Lost", "Lost"]], HEADER[:5],
        ["D-1", "Acme", "Ann", "#2", "Closed Won"], ["D-2", "Beta", "Bob", "Closed - Lost", ""])
    assert issues == []
    # D-1: won (status Won); D-2: lost with no First Appointment Date, so counted at Opportunity
    assert list(zip(deals["stage"], deals["status"], strict=True)) == [(5, "won"), (0, "lost")]


def test_russian_mapping_rows():
    names = read_own_names("Настройки", [["Этап: Знакомство", "Первая встреча"],
                                         ["Статус: В работе", "Открыта"],
                                         ["Колонка: Компания", "Клиент"]])
    header = ["ID сделки", "Компания", "Менеджер", "Этап", "Статус", "Дата первой встречи"]
    deals, issues = parse_pipeline("Воронка", [header, ["1", "Рога и копыта", "Анна",
                                                        "Знакомство", "В работе",
                                                        dt.date(2026, 5, 4)]], "ru", names=names)
    assert issues == []
    assert (deals["account"][0], deals["stage"][0], deals["status"][0]) == (
        "Рога и копыта", 1, "open")


@pytest.mark.parametrize(("settings", "message"), [
    ([["Sales Target", 5], ["Stage: Discovery", "Demo"]],
     "Settings!B2: 'Stage: Discovery' is 'Demo'; expected a stage: Opportunity, First "
     "Appointment, #1, #2, #3, Closed or Lost (or an alias of one)"),
    ([["Status: Signed", "Closed"]],
     "Settings!B1: 'Status: Signed' is 'Closed'; expected a status: Open, Won or Lost"),
    ([["Column: Company", "Customer"]],
     "Settings!B1: 'Column: Company' is 'Customer'; expected a standard column: Deal ID, "
     "Account, Owner, Stage, Status, Value, Created, First Appointment Date, Next Step, "
     "Next Step Date or Closed Date"),
    ([["Column: Company", "Account"], ["Column: Client", "account"]],
     "Settings!A2: 'Column: Client' and 'Column: Company' (row 1) both map to the 'Account' "
     "column; keep one of them"),
    ([["Stage: Demo", "#1"], ["Stage: demo", "#2"]],
     "Settings!A2: 'Stage: demo' is mapped again (first in row 1 as '#1'); keep one of them"),
    ([["Stage:", "#1"]],
     "Settings!A1: 'Stage:' names nothing after the colon; write the team's own stage name "
     "there"),
])
def test_a_bad_mapping_is_a_settings_error_naming_the_key(settings, message):
    with pytest.raises(BadSetting) as caught:
        read_own_names("Settings", settings)
    assert str(caught.value) == message


def test_a_mapped_header_beside_the_standard_one_is_a_header_error():
    with pytest.raises(BadHeader) as caught:
        _parse([["Column: Company", "Account"]], [*HEADER[:4], "Company"])
    assert str(caught.value) == ("Pipeline!B1 and Pipeline!E1 are both the 'Account' column "
                                 "(mapped by Settings 'Column: Company'); keep one of them")


def test_a_bad_mapping_stops_the_refresh_with_nothing_written(cli, tmp_path):
    book = make_book(tmp_path / "bad.xlsx", [HEADER[:4], ["D-1", "Acme", "Ann", "Discovery"]],
                     [["Stage: Discovery", "Meeting"]])
    before = book.read_bytes()
    result = cli("refresh", str(book), "--json")
    assert result.code == 2
    assert "Settings!B1: 'Stage: Discovery' is 'Meeting'" in result.err
    assert book.read_bytes() == before


def test_the_mapped_deal_id_column_is_followed_by_the_movement_state(tmp_path):
    book = make_book(tmp_path / "ids.xlsx",
                     [["Record ID", *HEADER[1:4]], ["R-1", "Acme", "Ann", "Opportunity"]],
                     [["Column: Record ID", "Deal ID"]])
    first = refresh(XlsxWorkbook(book), as_of=dt.date(2026, 6, 1))
    assert list(first.parsed.deals["deal_id"]) == ["R-1"]
    second = refresh(XlsxWorkbook(book), as_of=dt.date(2026, 6, 2))
    assert second.movement is not None and second.movement.moves == ()
