"""The Python library: funnel_from_dataframe, FunnelResult's tables, MemoryWorkbook, the README."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, WORKED_AS_OF, assert_same, issue_key

import sheets_funnel
from sheets_funnel import MemoryWorkbook, funnel_from_dataframe
from sheets_funnel.backends.base import Backend
from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.errors import BadHeader, BadSetting

README = Path(__file__).resolve().parent.parent / "README.md"
# the worked example's Settings tab (CONTRACT §6)
WORKED_SETTINGS = {"Sales Target": 10, "Period Start": "2026-01-01", "Period End": "2026-12-31",
                   "Min Sample": 6}


def _summary(result: sheets_funnel.FunnelResult) -> dict[str, Any]:
    summary = result.to_summary()
    assert summary.pop("written") == []
    summary["issues"] = sorted(summary["issues"], key=issue_key)
    return summary


@pytest.fixture
def expected(expected_summary: dict[str, Any]) -> dict[str, Any]:
    expected_summary["issues"] = sorted(expected_summary["issues"], key=issue_key)
    return expected_summary


def test_worked_example_rows_as_a_dataframe_give_the_worked_example(expected):
    rows = XlsxWorkbook(FIXTURES / "worked-example.xlsx").read(["Pipeline"])["Pipeline"]
    df = pd.DataFrame(rows[1:], columns=rows[0])
    result = funnel_from_dataframe(df, WORKED_SETTINGS, as_of=WORKED_AS_OF)
    assert_same(_summary(result), expected)


def test_worked_example_csv_read_as_text_gives_the_worked_example(expected):
    df = pd.read_csv(FIXTURES / "worked-example.csv", dtype=str)
    assert df["Value"].iloc[7] != df["Value"].iloc[7]  # a blank cell is NaN here
    result = funnel_from_dataframe(df, WORKED_SETTINGS, as_of="2026-06-30")
    assert_same(_summary(result), expected)


def test_stage_table_holds_the_contract_figures(expected):
    df = pd.read_csv(FIXTURES / "worked-example.csv", dtype=str)
    table = funnel_from_dataframe(df, WORKED_SETTINGS, as_of=WORKED_AS_OF).stage_table()
    assert list(table.index) == ["Opportunity", "First Appointment", "#1", "#2", "#3"]
    for stage in table.index:
        conv = expected["conversion"][stage]
        assert table.loc[stage, "open"] == expected["stage_counts"][stage]
        assert (table.loc[stage, "advanced"], table.loc[stage, "dropped"]) == (
            conv["advanced"], conv["dropped"])
        assert table.loc[stage, "close_rate"] == pytest.approx(expected["close_rate"][stage])
        assert table.loc[stage, "required"] == expected["required"][stage]
        assert table.loc[stage, "reached"] == expected["reached"][stage]


def test_focus_table_has_real_dates_worst_deal_first():
    df = pd.read_csv(FIXTURES / "worked-example.csv", dtype=str)
    focus = funnel_from_dataframe(df, WORKED_SETTINGS, as_of=WORKED_AS_OF).focus_table()
    # D-10 is the only deal past the cycle (CONTRACT §6): it comes first
    first = focus.iloc[0]
    assert (first["deal_id"], first["stage"], first["flags"]) == (
        "D-10", "#2", ["NEXT_STEP_OUT_OF_CYCLE", "OUT_OF_CYCLE"])
    assert first["next_step_date"] == pd.Timestamp("2026-07-20")
    assert first["first_appointment"] == pd.Timestamp("2026-03-10")
    # the cycle is 63 days: 2026-03-10 + 63 days = 2026-05-12
    assert first["cycle_end"] == pd.Timestamp("2026-05-12")
    assert focus["next_step_date"].dtype.kind == "M"
    d11 = focus.set_index("deal_id").loc["D-11"]  # no next step: NaT, not 1899-12-30
    assert d11["flags"] == ["NO_NEXT_STEP"]
    assert d11["next_step_date"] is pd.NaT


def test_owners_table():
    df = pd.read_csv(FIXTURES / "worked-example.csv", dtype=str)
    owners = funnel_from_dataframe(df, WORKED_SETTINGS, as_of=WORKED_AS_OF).owners_table()
    assert list(owners.index) == ["Anna", "Boris"]
    # Anna: D-01 and D-03 won; D-05, D-07 lost; open D-09 (#3), D-11 (#1), D-13 (Opportunity);
    # D-15's stage is unknown, so it is left out
    assert owners.loc["Anna", ["Opportunity", "#1", "#3", "won", "lost"]].tolist() == [
        1, 1, 1, 2, 2]


def test_own_names_and_russian_headers_in_a_dataframe():
    df = pd.DataFrame({"ID сделки": ["1", "2"], "Компания": ["А", "Б"],
                       "Этап": ["Знакомство", "Сделка"],
                       "Дата первой встречи": [dt.date(2026, 5, 1), dt.date(2026, 5, 2)],
                       "Дата закрытия": [None, dt.date(2026, 6, 1)]})
    result = funnel_from_dataframe(df, {"Колонка: Компания": "Клиент",
                                        "Этап: Знакомство": "Первая встреча"},
                                   as_of=dt.date(2026, 6, 30), lang="ru")
    assert (result.stage_counts["First Appointment"], result.won) == (1, 1)
    assert result.cycle_days_measured == 30  # 2026-05-02 to 2026-06-01


def test_unusable_dataframes_raise_the_workbook_errors():
    with pytest.raises(BadHeader, match="missing the required column"):
        funnel_from_dataframe(pd.DataFrame({"Deal ID": ["1"], "Account": ["A"]}))
    df = pd.DataFrame({"Deal ID": ["1"], "Account": ["A"], "Stage": ["#1"]})
    with pytest.raises(BadSetting, match="Sales Target is 'ten'"):
        funnel_from_dataframe(df, {"Sales Target": "ten"})


def test_memory_workbook_is_a_backend_a_refresh_writes_into():
    df = pd.read_csv(FIXTURES / "worked-example.csv", dtype=str)
    book = MemoryWorkbook({"Pipeline": df, "Settings": [[k, v] for k, v in
                                                         WORKED_SETTINGS.items()]})
    assert isinstance(book, Backend)
    outcome = sheets_funnel.refresh(book, as_of=WORKED_AS_OF)
    assert outcome.written == ["Funnel", "Focus", "History"]
    assert book.tab_names() == ["Pipeline", "Settings", "Funnel", "Focus", "History",
                                "_funnel_state"]
    assert book.hidden == {"_funnel_state"}
    assert book.tabs["Focus"][1][0] == "D-10"
    assert book.frame("History")["Deals"].tolist() == [15]
    sheets_funnel.refresh(book, as_of=dt.date(2026, 7, 1))  # History is read back and extended
    assert len(book.tabs["History"]) == 3


def test_memory_workbook_cells_are_as_a_workbook_holds_them():
    df = pd.DataFrame({"a": [1, np.nan], "b": [pd.Timestamp("2026-01-02"), pd.NaT],
                       "c": ["x", None], "d": [pd.Timestamp("2026-01-02 10:30"), pd.NaT]})
    assert MemoryWorkbook({"T": df}).tabs["T"] == [
        ["a", "b", "c", "d"],
        [1.0, dt.date(2026, 1, 2), "x", dt.datetime(2026, 1, 2, 10, 30)],
        [None, None, None, None]]


def test_readme_python_api_example_runs_and_prints_what_the_readme_shows():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    shown = re.search(r"```text\n(.*?)```", section, re.S)
    assert code is not None and shown is not None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code.group(1), "README.md", "exec"), {})
    assert out.getvalue() == shown.group(1)
