"""Every workbook the project writes opens in a real spreadsheet application.

LibreOffice headless opens the file, recalculates every formula and saves
each tab as CSV; the tests read what a user would see.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import HEADER, libreoffice_tabs, make_book

from sheets_funnel.templates import new_workbook

pytestmark = pytest.mark.libreoffice
AS_OF = dt.date(2026, 6, 30)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_refreshed_worked_example_opens_with_the_numbers(cli, worked_example, tmp_path):
    summary = cli("refresh", str(worked_example), "--json", "--as-of", "2026-06-30").json()
    tabs = libreoffice_tabs(worked_example, tmp_path / "csv")
    assert set(tabs) == {"Pipeline", "Settings", "Funnel", "Focus", "History", "_funnel_state"}
    funnel = tabs["Funnel"]
    assert funnel[0][:4] == ["Sales funnel", "", "As of", "2026-06-30"]
    stage_rows = {row[0]: row for row in funnel[4:9]}
    # the contract's worked example: Opportunity reached by all 15, 1 open, 13 advanced,
    # 1 dropped, 5 still needed, 19 for the whole plan
    assert stage_rows["Opportunity"][1:5] == ["15", "1", "13", "1"]
    assert stage_rows["Opportunity"][8:10] == ["5", "19"]
    assert stage_rows["#2"][1:5] == ["8", "2", "6", "0"]
    assert funnel[9][:3] == ["Won", "4", "4"] and funnel[10][:3] == ["Lost", "", "5"]
    assert [row[0] for row in tabs["Focus"][1:]] == ["D-10", "D-12", "D-11"]
    assert set(summary["flags"]) == {"D-10", "D-11", "D-12"}
    assert tabs["History"][1][:2] == ["2026-06-30", "15"]


def test_pipeline_flags_column_shows_focus_after_recalculation(cli, tmp_path):
    book = new_workbook(tmp_path / "demo.xlsx", sample=60, as_of=AS_OF)
    summary = cli("refresh", str(book), "--json", "--as-of", "2026-06-30").json()
    tabs = libreoffice_tabs(book, tmp_path / "csv")
    pipeline = tabs["Pipeline"]
    assert pipeline[0][-1] == "Flags"
    shown = {row[0]: row[11] for row in pipeline[1:] if row and row[0]}
    assert len(shown) == 60
    expected = {deal: ", ".join(codes) for deal, codes in summary["flags"].items()}
    assert expected, "the sample has flagged deals"
    assert {deal: flags for deal, flags in shown.items() if flags} == expected


def test_russian_sample_workbook_opens_with_russian_tabs(cli, tmp_path):
    book = new_workbook(tmp_path / "ru.xlsx", lang="ru", sample=30, as_of=AS_OF)
    summary = cli("refresh", str(book), "--json", "--as-of", "2026-06-30").json()
    tabs = libreoffice_tabs(book, tmp_path / "csv")
    assert set(tabs) == {"Воронка", "Настройки", "Сводка", "Фокус", "История", "_funnel_state"}
    assert tabs["Сводка"][0][0] == "Воронка продаж"
    assert tabs["Сводка"][3][0] == "Этап"
    shown = {row[0]: row[11] for row in tabs["Воронка"][1:] if row and row[0] and row[11]}
    assert shown == {deal: ", ".join(codes) for deal, codes in summary["flags"].items()}


@pytest.mark.parametrize("name", ["pipeline-en.xlsx", "pipeline-ru.xlsx"])
def test_committed_templates_open_and_refresh(cli, tmp_path, name):
    book = tmp_path / name
    shutil.copyfile(TEMPLATES / name, book)
    assert cli("refresh", str(book), "--as-of", "2026-06-30").code == 0
    tabs = libreoffice_tabs(book, tmp_path / "csv")
    assert len(tabs) == 6  # the five tabs and the hidden state tab
    settings = next(rows for tab, rows in tabs.items() if tab in ("Settings", "Настройки"))
    # a header, the nine keys of CONTRACT §3, a blank row and the commented own-name example
    assert len(settings) == 12
    assert settings[11][0] in ("# Stage: Discovery", "# Этап: Знакомство")


def test_formula_looking_names_show_as_typed(cli, tmp_path):
    names = ['=HYPERLINK("http://example.com","x")', "+1 555 0100", "@SUM(A1:A2)"]
    rows = [HEADER] + [[f"D{n}", name, "", "#1", "", 1, None, "2026-06-01"]
                       for n, name in enumerate(names)]
    book = make_book(tmp_path / "f.xlsx", rows)
    assert cli("refresh", str(book), "--as-of", "2026-06-30").code == 0
    tabs = libreoffice_tabs(book, tmp_path / "csv")
    assert sorted(row[1] for row in tabs["Focus"][1:]) == sorted(names)


