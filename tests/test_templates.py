"""The ready-made workbooks in templates/: what a team gets before its first refresh."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from conftest import make_book

from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.backends.xlsx_package import find_styles
from sheets_funnel.refresh import refresh
from sheets_funnel.templates import build_workbook

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TABS = {"en": ["Pipeline", "Settings", "Funnel", "Focus", "History", "_funnel_state"],
        "ru": ["Воронка", "Настройки", "Сводка", "Фокус", "История", "_funnel_state"]}


def xml(path: Path, part: str) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read(part).decode()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_committed_template_matches_a_fresh_build(tmp_path, lang):
    committed = TEMPLATES / f"pipeline-{lang}.xlsx"
    fresh = build_workbook(tmp_path / f"pipeline-{lang}.xlsx", lang)
    names = XlsxWorkbook(committed).tab_names()
    assert names == TABS[lang]
    assert XlsxWorkbook(committed).read(names) == XlsxWorkbook(fresh).read(names), (
        "templates/ is out of date: run scripts/build_templates.py")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_pipeline_has_dropdowns_date_checks_flags_lookup_and_colouring(lang):
    sheet = xml(TEMPLATES / f"pipeline-{lang}.xlsx", "xl/worksheets/sheet1.xml")
    stages = {"en": "Opportunity,First Appointment,#1,#2,#3,Closed,Lost",
              "ru": "Возможность,Первая встреча,№1,№2,№3,Сделка,Проиграна"}[lang]
    assert f'<formula1>"{stages}"</formula1>' in sheet
    assert 'type="date"' in sheet  # date columns reject text (as a warning)
    focus = TABS[lang][3]
    # the Flags cell of row 2 (L2): the deal's codes from Focus column E, blank without a deal
    assert (f"<f>IF($A2=\"\",\"\",IFERROR(VLOOKUP($A2&amp;\"\",'{focus}'!$A:$E,5,FALSE),"
            "\"\"))</f>") in sheet
    assert re.search(r'<conditionalFormatting sqref="A2:L\d+">', sheet)
    assert "<formula>LEN($L2)&gt;0</formula>" in sheet


SETTINGS_KEYS = {  # CONTRACT §3
    "en": ["Sales Target", "Period Start", "Period End", "Sales Cycle Days", "Cycle Tolerance",
           "Lookback Days", "Min Sample", "Revenue Target", "Average Deal Value"],
    "ru": ["План продаж", "Начало периода", "Конец периода", "Цикл продаж, дней", "Допуск цикла",
           "Глубина истории, дней", "Мин. выборка", "План выручки", "Средняя сумма сделки"],
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_settings_tab_lists_every_key_with_its_default(lang):
    book = XlsxWorkbook(TEMPLATES / f"pipeline-{lang}.xlsx")
    rows = book.read([TABS[lang][1]])[TABS[lang][1]]
    keys = [row[0] for row in rows[1:10]]
    assert keys == SETTINGS_KEYS[lang]
    assert all(row[2] for row in rows[1:10])  # every key says its default
    assert rows[7][2] == "5"  # Min Sample


@pytest.mark.parametrize(("lang", "example"), [
    ("en", ["# Stage: Discovery", "First Appointment"]),
    ("ru", ["# Этап: Знакомство", "Первая встреча"]),
])
def test_settings_tab_shows_one_commented_own_name_example(tmp_path, lang, example):
    settings = TABS[lang][1]
    rows = XlsxWorkbook(TEMPLATES / f"pipeline-{lang}.xlsx").read([settings])[settings]
    assert rows[11][:2] == example
    assert rows[11][2].startswith(("example: without the #", "пример: без #"))
    # commented out, it does nothing: a deal at "Discovery" is an unknown stage
    header = ["Deal ID", "Account", "Stage"] if lang == "en" else ["ID сделки", "Клиент", "Этап"]
    stage = example[0].split(": ")[1]
    pipeline = [header, ["D-1", "Acme", stage]]
    book = make_book(tmp_path / "b.xlsx", pipeline, [example], (TABS[lang][0], settings))
    summary = refresh(XlsxWorkbook(book), dry_run=True).summary()
    assert [i["message"] for i in summary["issues"]] == ["unknown stage"]
    # without the #, the same row maps the stage (the deal then lacks a first appointment date)
    active = [example[0].removeprefix("# "), example[1]]
    book = make_book(tmp_path / "c.xlsx", pipeline, [active], (TABS[lang][0], settings))
    summary = refresh(XlsxWorkbook(book), dry_run=True).summary()
    assert [i["message"] for i in summary["issues"]] == ["missing First Appointment Date"]
    assert summary["stage_counts"]["First Appointment"] == 1


def _chart_refs(path: Path) -> dict[str, list[str]]:
    """Each chart part's title and the ranges its series read (``<c:f>``, quotes dropped)."""
    with zipfile.ZipFile(path) as zf:
        parts = sorted(n for n in zf.namelist() if n.startswith("xl/charts/chart"))
        charts = {}
        for part in parts:
            text = zf.read(part).decode()
            title = "".join(re.findall(r"<a:t>([^<]*)</a:t>", text.split("</c:title>")[0]))
            charts[title] = [ref.replace("'", "") for ref in re.findall(r"<c:f>([^<]*)</c:f>",
                                                                          text)]
    return charts


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_funnel_charts_point_at_the_reached_and_open_columns(tmp_path, lang):
    path = TEMPLATES / f"pipeline-{lang}.xlsx"
    funnel_tab, history_tab = TABS[lang][2], TABS[lang][4]
    charts = _chart_refs(path)
    titles = {"en": ("The funnel: deals that reached each stage", "Open deals at each stage now",
                     "Expected closes and won in period"),
              "ru": ("Воронка: сколько сделок дошло до этапа", "Открытые сделки на этапах сейчас",
                     "Ожидаемые сделки и выигранные за период")}[lang]
    reached, open_now, trend = (charts[title] for title in titles)
    # the funnel: stages and Won (A5:A10) against the deals that reached them (B5:B10)
    assert reached == [f"{funnel_tab}!$A$5:$A$10",
                       f"{funnel_tab}!$B$5:$B$10"]
    assert open_now == [f"{funnel_tab}!$A$5:$A$9", f"{funnel_tab}!$C$5:$C$9"]
    # History: won in period (J) and expected closes (L) over the as-of dates (A)
    assert sorted(trend) == sorted([f"{history_tab}!$A$2:$A$2000"] * 2 + [
        f"{history_tab}!$L$2:$L$2000", f"{history_tab}!$J$2:$J$2000"])
    # after a refresh, the stage table holds the stages, Won and the reached counts
    book = tmp_path / "t.xlsx"
    book.write_bytes(path.read_bytes())
    refresh(XlsxWorkbook(book))
    funnel = XlsxWorkbook(book).read([funnel_tab])[funnel_tab]
    stages = {"en": ["Opportunity", "First Appointment", "#1", "#2", "#3"],
              "ru": ["Возможность", "Первая встреча", "№1", "№2", "№3"]}[lang]
    assert [row[0] for row in funnel[4:10]] == [*stages, funnel[9][0]]
    assert funnel[3][1:3] == ({"en": ["Reached", "Now"], "ru": ["Дошли", "Сейчас"]}[lang])
    history = XlsxWorkbook(book).read([history_tab])[history_tab]
    assert (history[0][9], history[0][11]) == {
        "en": ("Won in period", "Expected closes"),
        "ru": ("Выиграно за период", "Ожидаемые сделки")}[lang]


def test_headings_reuse_the_templates_bold_format(tmp_path):
    book = tmp_path / "t.xlsx"
    book.write_bytes((TEMPLATES / "pipeline-en.xlsx").read_bytes())
    refresh(XlsxWorkbook(book))
    styles = find_styles(xml(book, "xl/styles.xml").encode())
    assert styles.bold is not None and styles.date is not None and styles.percent is not None
    funnel = xml(book, "xl/worksheets/sheet3.xml")
    assert f'<c r="A1" s="{styles.bold}" t="inlineStr"><is><t>Sales funnel' \
        in funnel
    assert re.search(rf'<c r="D1" s="{styles.date}"><v>\d+</v></c>', funnel)
