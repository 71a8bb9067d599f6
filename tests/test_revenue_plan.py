"""The revenue plan of CONTRACT §4.9 on the worked example, worked by hand in CONTRACT §6."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import WORKED_AS_OF


def _with_settings(book: Path, **extra: float) -> Path:
    """The worked example with rows added to its Settings tab, as a user would type them."""
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["Settings"]
    for key, value in extra.items():
        sheet.append([key.replace("_", " "), value])
    workbook.save(book)
    return book


def _revenue(cli, book: Path) -> dict:
    result = cli("refresh", str(book), "--json", "--dry-run", "--as-of", WORKED_AS_OF.isoformat())
    assert result.code == 0, result.err
    return result.json()["revenue"]


def test_revenue_target_150000_needs_15_first_appointments(cli, worked_example):
    revenue = _revenue(cli, _with_settings(worked_example, Revenue_Target=150000))
    # mean Value of the 4 won deals (12000, 8000, 15000, 5000) = 10,000; all 4 closed in 2026
    assert revenue["average_deal_value_measured"] == revenue["average_deal_value"] == 10000.0
    assert revenue["won_value_in_period"] == 40000.0
    assert revenue["revenue_target"] == 150000.0
    assert revenue["remaining_value"] == 110000.0
    # gap = 110,000 - expected value 24,588.36 (the worked example's forecast)
    assert revenue["gap_value"] == pytest.approx(85411.64, abs=0.01)
    # required[S1] = ceil(85,411.64 / (10,000 × 0.592593)) = ceil(14.41) = 15
    assert revenue["required"]["First Appointment"] == 15
    # required_full[S1] = ceil(150,000 / 5,925.93) = ceil(25.31) = 26
    assert revenue["required_full"]["First Appointment"] == 26
    # 121 days (17.3 weeks) to 2026-10-29: ceil(15 / 17.3) = 1 a week
    assert revenue["first_appointments_per_week"] == 1


def test_average_deal_value_12500_brings_it_down_to_12(cli, worked_example):
    book = _with_settings(worked_example, Revenue_Target=150000, Average_Deal_Value=12500)
    revenue = _revenue(cli, book)
    assert revenue["average_deal_value"] == 12500.0
    assert revenue["average_deal_value_measured"] == 10000.0
    # ceil(85,411.64 / (12,500 × 0.592593)) = ceil(11.53) = 12
    assert revenue["required"]["First Appointment"] == 12
    # ceil(150,000 / 7,407.41) = ceil(20.25) = 21
    assert revenue["required_full"]["First Appointment"] == 21


def test_russian_setting_names_are_read(cli, worked_example):
    workbook = openpyxl.load_workbook(worked_example)
    sheet = workbook["Settings"]
    sheet.append(["План выручки", 150000])
    sheet.append(["Средняя сумма сделки", 12500])
    workbook.save(worked_example)
    assert _revenue(cli, worked_example)["required"]["First Appointment"] == 12


def test_an_unreadable_revenue_target_names_the_key(cli, worked_example):
    result = cli("refresh", str(_with_settings(worked_example, Revenue_Target=-5)), "--json")
    assert result.code == 2
    assert "Revenue Target" in result.err and "greater than 0" in result.err
