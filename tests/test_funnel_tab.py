"""The Funnel and History tabs as a person sees them: the worked example (CONTRACT §6) with
Revenue Target 150000, refreshed into a template workbook and opened in LibreOffice, and
refreshed into a Google spreadsheet laid out like the template (the stand-in).

The figures come from the contract's worked example and its revenue plan worked by hand in
CONTRACT §6 (required first appointments 15 for the revenue gap, 26 for the whole plan).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, libreoffice_tabs
from fake_sheets.values import read_grid

from sheets_funnel.cells import parse_date, parse_number
from sheets_funnel.templates import build_workbook

AS_OF = "2026-06-30"
SETTINGS = {"sales_target": 10, "period_start": dt.date(2026, 1, 1),
            "period_end": dt.date(2026, 12, 31), "min_sample": 6, "revenue_target": 150000}


def worked_rows() -> list[list[Any]]:
    """The worked example's deals as a user types them: numbers as numbers, ISO dates as
    dates, everything else (``10.06.2026``, ``ПВ``) as typed text."""
    with (FIXTURES / "worked-example.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    out = []
    for row in rows:
        typed: list[Any] = []
        for n, text in enumerate(row):
            if not text:
                typed.append(None)
            elif n == 5:
                typed.append(parse_number(text))
            elif n in (6, 7, 9, 10) and text[:4].isdigit():
                typed.append(dt.date.fromisoformat(text))
            else:
                typed.append(text)
        out.append(typed)
    return out


def block(rows: list[list[str]], heading: str) -> dict[str, list[str]]:
    """The rows under a heading in column A, keyed by their column-A label, to a blank row."""
    start = next(n for n, row in enumerate(rows) if row and row[0] == heading)
    out: dict[str, list[str]] = {}
    for row in rows[start + 1:]:
        if not any(row):
            break
        out[row[0]] = row
    return out


def check_funnel(funnel: list[list[str]]) -> None:
    """The Funnel tab as shown (text of each cell), against the worked example."""
    assert funnel[3][:8] == ["Stage", "Reached", "Now", "Advanced", "Dropped", "Stage rate",
                             "Close rate", "Per sale"]
    stages = {row[0]: row for row in funnel[4:11]}
    # reached (CONTRACT §6 JSON): 15, 13, 10, 8, 6 and 4 won — the funnel only narrows
    assert [stages[s][1] for s in ("Opportunity", "First Appointment", "#1", "#2", "#3",
                                   "Won")] == ["15", "13", "10", "8", "6", "4"]
    # now: open deals at each stage; Won and Lost show the totals (4 won, 5 lost)
    assert [stages[s][2] for s in ("Opportunity", "First Appointment", "#1", "#2", "#3",
                                   "Won", "Lost")] == ["1", "1", "1", "2", "1", "4", "5"]
    # close rate at First Appointment 16/27 = 59.3 %; 1 / (16/27) = 1.6875 → "1.7 : 1"
    assert stages["First Appointment"][6:8] == ["59.3%", "1.7 : 1"]
    assert stages["Opportunity"][7] == "1.8 : 1"  # 1 / 0.550265 = 1.817
    # sales plan (target 10): 5 still needed, 17 for the whole period at First Appointment;
    # revenue plan: 15 still needed, 26 for the whole period (CONTRACT §6, by hand)
    assert stages["First Appointment"][8:12] == ["5", "17", "15", "26"]
    plan = block(funnel, "Forecast and plan")
    assert plan["Target"][1:3] == ["10", "150,000"]
    assert plan["Won in period"][1:3] == ["4", "40,000"]
    assert plan["Remaining"][1:3] == ["6", "110,000"]
    # forecast: 3.45 expected closes worth 24,588.36; gap 2.55 and 85,411.64
    assert plan["Forecast: in-cycle open deals × close rate"][1:3] == ["3.5", "24,588"]
    assert plan["Gap after forecast"][1:3] == ["2.5", "85,412"]
    assert plan["First appointments still needed"][1:3] == ["5", "15"]
    assert plan["First appointments for the whole plan"][1:3] == ["17", "26"]
    assert plan["First appointments per week"][1:3] == ["1", "1"]
    assert plan["Average deal value"][2] == "10,000"
    assert plan["Last useful first appointment"][1] == "2026-10-29"
    # 121 days / 7 = 17.29 weeks
    assert plan["Weeks left"][1] == "17.3"
    owners = block(funnel, "By owner")
    header = next(row for row in owners.values() if row[0] == "Owner")
    anna = dict(zip(header, owners["Anna"], strict=False))
    # Anna's own rates at Opportunity and First Appointment (6 decided deals each), the
    # team's from #1 on: 1 / (5/6 × 0.7111) = 1.6875 → 1.7 : 1
    assert anna["FA per sale"] == "1.7 : 1"
    assert anna["Team rate at"] == "#1, #2, #3"
    # open deals: Anna 3 of 6 (D-09, D-11, D-13; D-15 is left out for its unknown stage)
    assert anna["Share of open"] == "50.0%"
    assert anna["FA per week"] == "0.5"  # the team's 1 a week × 50 %


def check_history(history: list[list[str]]) -> None:
    header, row = history[0], history[1]
    shown = dict(zip(header, row, strict=False))
    assert shown["As of"] == AS_OF
    assert shown["Close rate at First Appointment"] == "59.3%"
    assert shown["FA per sale"] == "1.7 : 1"
    assert shown["Revenue target"] == "150,000"
    assert shown["Won value in period"] == "40,000"
    assert shown["Revenue gap after forecast"] == "85,412"
    assert shown["FA per week (revenue)"] == "1"
    assert (header[9], header[11]) == ("Won in period", "Expected closes")  # the trend chart's


@pytest.mark.libreoffice
def test_funnel_and_history_read_back_from_libreoffice(cli, tmp_path: Path):
    book = build_workbook(tmp_path / "team.xlsx", "en", worked_rows(), SETTINGS)
    result = cli("refresh", str(book), "--json", "--as-of", AS_OF)
    assert result.code == 0, result.err
    assert result.json()["revenue"]["required"]["First Appointment"] == 15
    tabs = libreoffice_tabs(book, tmp_path / "csv", as_shown=True)
    check_funnel(tabs["Funnel"])
    check_history(tabs["History"])


def test_funnel_and_history_in_google_sheets(cli, fake, user_credentials, tmp_path: Path):
    sid = fake.create_spreadsheet("Team")
    assert cli("new", "--google", sid, "--credentials", str(user_credentials)).code == 0
    fake.set_values(sid, "'Pipeline'!A2", [
        [c.isoformat() if isinstance(c, dt.date) else c for c in row] for row in worked_rows()])
    settings = {"Sales Target": 10, "Period Start": "2026-01-01", "Period End": "2026-12-31",
                "Min Sample": 6, "Revenue Target": 150000}
    keys = [row[0] if row else "" for row in fake.values(sid, "Settings")]
    for key, value in settings.items():
        fake.set_values(sid, f"'Settings'!B{keys.index(key) + 1}", [[value]])
    result = cli("refresh", sid, "--credentials", str(user_credentials), "--json",
                 "--as-of", AS_OF)
    assert result.code == 0, result.err
    book = fake.spreadsheet(sid)

    def shown(tab: str) -> list[list[str]]:
        sheet = book.sheet(tab)
        grid = read_grid(sheet, (0, sheet.row_count, 0, sheet.column_count), "FORMATTED_VALUE")
        return [["" if v is None else str(v) for v in row] for row in grid]

    check_funnel(shown("Funnel"))
    check_history(shown("History"))
    # headings bold; the money, ratio and date cells carry their number formats
    funnel = book.sheet("Funnel")
    assert funnel.cell(3, 1).data["userEnteredFormat"]["textFormat"]["bold"] is True
    assert funnel.cell(5, 7).number_format == {"type": "NUMBER", "pattern": '0.0" : 1"'}
    assert parse_date(fake.values(sid, "Funnel")[0][3]) is not None


def test_russian_funnel_tab_speaks_russian():
    from sheets_funnel.funnel import compute
    from sheets_funnel.parse import Settings, parse_pipeline
    from sheets_funnel.render import render_funnel

    header = ["ID сделки", "Клиент", "Менеджер", "Этап", "Статус", "Сумма", "Создана",
              "Дата первой встречи", "Следующий шаг", "Дата следующего шага", "Дата закрытия"]
    deals, issues = parse_pipeline("Воронка", [header, *worked_rows()], "ru")
    settings = Settings(sales_target=10, min_sample=6, revenue_target=150000)
    rows = render_funnel(compute(deals, settings, dt.date(2026, 6, 30)), issues, "ru")
    assert rows[3][:3] == ["Этап", "Дошли", "Сейчас"]
    labels = {row[0]: row for row in rows if row}
    # the measured average of the four won deals, 10 000, with Russian digit grouping
    assert labels["Средняя сумма сделки"][4] == "по выигранным сделкам: 10\u00a0000"
    assert labels["Ещё нужно первых встреч"][1:3] == [5, 15]
