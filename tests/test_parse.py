"""Reading the Pipeline and Settings tabs (CONTRACT §2–§3), including every bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import HEADER

from sheets_funnel.cells import parse_date, to_serial
from sheets_funnel.errors import BadHeader, BadSetting
from sheets_funnel.messages_ru import in_russian
from sheets_funnel.parse import parse_pipeline, parse_settings, resolve_tabs

RU_HEADER = ["ID сделки", "Клиент", "Менеджер", "Этап", "Статус", "Сумма", "Создана",
             "Дата первой встречи", "Следующий шаг", "Дата следующего шага", "Дата закрытия"]


def deal(deal_id="D-1", account="Acme", owner="Anna", stage="#1", status="Open", value=100,
         created=None, fa="2026-03-01", next_step="Call", nsd="2026-07-01", closed=None):
    return [deal_id, account, owner, stage, status, value, created, fa, next_step, nsd, closed]


def parse(*rows, header=HEADER):
    return parse_pipeline("Pipeline", [list(header), *map(list, rows)], "en")


def messages(issues):
    return [(i.row, i.column, i.message, i.severity) for i in issues]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-30", dt.date(2026, 6, 30)),
        ("30.06.2026", dt.date(2026, 6, 30)),
        (" 01.02.2026 ", dt.date(2026, 2, 1)),
        (46203, dt.date(2026, 6, 30)),  # serial: 46203 days after 1899-12-30
        (46203.75, dt.date(2026, 6, 30)),
        (dt.datetime(2026, 6, 30, 14, 5), dt.date(2026, 6, 30)),
    ],
)
def test_dates_in_every_accepted_form(text, expected):
    assert parse_date(text) == to_serial(expected)


@pytest.mark.parametrize("text", ["30/06/2026", "June 30", "2026-13-01", "31.02.2026", True, -5])
def test_anything_else_is_not_a_date(text):
    assert parse_date(text) is None


def test_stage_and_status_aliases_in_both_languages():
    deals, issues = parse(
        deal("A", stage="o"), deal("B", stage="ПВ"), deal("C", stage="No. 1"),
        deal("D", stage="№ 2"), deal("E", stage="3"), deal("F", stage="Сделка", status=""),
        deal("G", stage="Closed Won", status="Выиграна"), deal("H", stage="#2", status="проиграна"),
        deal("I", stage=2, status=None),
    )
    assert issues == []
    assert list(deals["stage"]) == [0, 1, 2, 3, 4, 5, 5, 3, 3]
    assert list(deals["status"]) == ["open"] * 5 + ["won", "won", "lost", "open"]


def test_lost_stage_counts_as_first_appointment_when_it_has_one():
    deals, issues = parse(deal("A", stage="Closed Lost", status="", fa="2026-03-05"),
                          deal("B", stage="Проиграна", status="Lost", fa=None))
    assert issues == []
    assert list(deals["stage"]) == [1, 0]
    assert list(deals["status"]) == ["lost", "lost"]


def test_lost_stage_with_won_status_is_an_error():
    deals, issues = parse(deal("A", stage="Lost", status="Won"))
    assert deals.empty
    assert messages(issues) == [(2, "Status", "stage Lost with a status other than Lost", "error")]


def test_closed_with_status_lost_is_an_error_and_the_row_left_out():
    deals, issues = parse(deal("A", stage="Closed", status="Lost"), deal("B"))
    assert list(deals["deal_id"]) == ["B"]
    assert messages(issues) == [(2, "Status", "stage Closed with status Lost", "error")]


def test_duplicate_ids_differing_by_case_and_spaces_are_all_errors():
    deals, issues = parse(deal("d-7"), deal("OK"), deal(" D-7 "))
    assert list(deals["deal_id"]) == ["OK"]
    assert sorted(messages(issues)) == [
        (2, "Deal ID", "duplicate Deal ID (also in row 4)", "error"),
        (4, "Deal ID", "duplicate Deal ID (also in row 2)", "error"),
    ]


def test_numeric_deal_id_is_text_without_decimal_part():
    deals, issues = parse(deal(101.0), deal(102))
    assert issues == []
    assert list(deals["deal_id"]) == ["101", "102"]


def test_unknown_stage_is_reported_with_its_cell():
    deals, issues = parse(deal("A", stage="Negotiation"))
    assert deals.empty
    (issue,) = issues
    assert (issue.tab, issue.row, issue.column, issue.value) == ("Pipeline", 2, "Stage",
                                                                 "Negotiation")
    assert issue.message == "unknown stage"
    assert "Opportunity, First Appointment, #1, #2, #3, Closed or Lost" in issue.describe()


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (deal(value="lots"), "Value", "not a number"),
        (deal(value=-5), "Value", "negative value"),
        (deal(fa="next week"), "First Appointment Date", "not a date"),
        (deal(nsd="31/12/2026"), "Next Step Date", "not a date"),
        (deal(created="soon"), "Created", "not a date"),
        (deal(account=""), "Account", "missing Account"),
        (deal(deal_id=None), "Deal ID", "missing Deal ID"),
        (deal(stage=""), "Stage", "missing Stage"),
        (deal(status="Maybe"), "Status", "unknown status"),
    ],
)
def test_bad_cells_are_errors_naming_row_and_column(row, column, message):
    deals, issues = parse(row)
    assert deals.empty
    assert messages(issues) == [(2, column, message, "error")]


def test_value_text_holding_a_number_is_accepted():
    deals, issues = parse(deal(value="12 000"), deal("B", value="7.5"))
    assert issues == []
    assert list(deals["value"]) == [12000.0, 7.5]


def test_blank_rows_inside_the_data_are_skipped_and_row_numbers_kept():
    deals, issues = parse(deal("A"), [None] * 11, ["", "  "], deal("B", stage="bogus"))
    assert list(deals["deal_id"]) == ["A"]
    assert messages(issues) == [(5, "Stage", "unknown stage", "error")]


def test_headers_in_any_case_any_order_with_unknown_columns_kept_out():
    header = ["notes", " STAGE ", "account", "deal id", "Region"]
    deals, issues = parse(["x", "#2", "Acme", "Z-1", "North"], header=header)
    assert messages(issues) == [(2, "First Appointment Date", "missing First Appointment Date",
                                 "warning")]
    assert deals.loc[0, "deal_id"] == "Z-1"
    assert deals.loc[0, "stage"] == 3
    assert deals.loc[0, "owner"] == "(none)"


def test_russian_headers():
    deals, issues = parse_pipeline(
        "Воронка", [RU_HEADER, ["1", "Клиент", "", "ПВ", "Открыта", 5, None, "01.06.2026", "",
                                "", None]], "ru")
    assert list(deals["stage"]) == [1]
    assert issues == []
    assert list(deals["first_appointment"]) == [to_serial(dt.date(2026, 6, 1))]


def test_missing_required_header_is_fatal_and_names_it():
    with pytest.raises(BadHeader, match="missing the required column\\(s\\) 'Stage'"):
        parse(["A", "Acme"], header=["Deal ID", "Account", "Owner"])


def test_duplicated_header_is_fatal_and_names_both_cells():
    with pytest.raises(BadHeader, match=r"Pipeline!A1 and Pipeline!D1 are both the 'Deal ID'"):
        parse(header=["Deal ID", "Account", "Stage", "deal id"])


def test_empty_pipeline_tab_is_fatal():
    with pytest.raises(BadHeader, match="row 1 has no headers"):
        parse_pipeline("Pipeline", [], "en")


def test_headers_only_gives_no_deals():
    deals, issues = parse()
    assert deals.empty and issues == []


def test_open_deal_past_opportunity_without_first_appointment_warns():
    deals, issues = parse(deal("A", stage="#2", fa=None), deal("B", stage="O", fa=None))
    assert len(deals) == 2
    assert messages(issues) == [(2, "First Appointment Date", "missing First Appointment Date",
                                 "warning")]


def test_won_deal_closed_before_its_first_appointment_is_an_error():
    deals, issues = parse(deal("A", stage="Closed", status="Won", fa="2026-03-01",
                               closed="2026-02-01"))
    assert deals.empty
    assert messages(issues) == [(2, "Closed Date", "Closed Date before First Appointment Date",
                                 "error")]


def test_settings_defaults_and_values():
    s = parse_settings("Settings", [["Setting", "Value"], ["sales target", 12],
                                    ["Period Start", "01.02.2026"], ["Cycle Tolerance", 1.5],
                                    ["Something else", "x"], ["Min Sample", None]], "en")
    assert s.sales_target == 12
    assert s.period_start == to_serial(dt.date(2026, 2, 1))
    assert s.cycle_tolerance == 1.5
    assert s.min_sample == 5 and s.lookback_days is None and s.cycle_days is None


def test_russian_settings_keys():
    s = parse_settings("Настройки", [["План продаж", 7], ["Цикл продаж, дней", 45]], "ru")
    assert (s.sales_target, s.cycle_days) == (7, 45)


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([["Sales Target", "ten"]], r"Settings!B1: Sales Target is 'ten'; expected a whole"),
        ([["x"], ["Period End", "end of year"]], r"Settings!B2: Period End is 'end of year'"),
        ([["Cycle Tolerance", 0]], r"Cycle Tolerance is 0; expected a number greater than 0"),
        ([["Min Sample", 2.5]], r"Min Sample is 2.5"),
        ([["Period Start", "2026-12-01"], ["Period End", "2026-01-31"]], r"is after Period End"),
    ],
)
def test_unreadable_setting_is_fatal_and_names_the_key(rows, match):
    with pytest.raises(BadSetting, match=match):
        parse_settings("Settings", rows, "en")


def test_tabs_resolved_in_russian_and_any_case():
    lang, tabs = resolve_tabs(["воронка", "Настройки", "Сводка"])
    assert lang == "ru"
    assert (tabs.pipeline, tabs.settings, tabs.funnel, tabs.focus) == (
        "воронка", "Настройки", "Сводка", "Фокус")


def test_a_duplicate_row_gets_only_its_duplicate_error():
    deals, issues = parse(deal("D-1", stage="#2", fa=None), deal("d-1"))
    assert deals.empty
    assert sorted(messages(issues)) == [
        (2, "Deal ID", "duplicate Deal ID (also in row 3)", "error"),
        (3, "Deal ID", "duplicate Deal ID (also in row 2)", "error"),
    ]


def test_a_deal_id_repeated_many_times_lists_ten_other_rows_and_counts_the_rest():
    _, issues = parse(*(deal("D-1") for _ in range(13)))  # rows 2–14
    first = next(i for i in issues if i.row == 2)
    assert first.message == ("duplicate Deal ID (also in row 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 "
                             "and 2 more)")
    assert in_russian(first.message) == (
        "повтор ID сделки (также в строке 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 и ещё 2)")
