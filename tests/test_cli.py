"""The command line: exit codes, messages and the ``new`` command (CONTRACT §5)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HEADER, make_book

from sheets_funnel.backends.xlsx import XlsxWorkbook


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_missing_pipeline_tab_exits_2_and_writes_nothing(cli, tmp_path):
    path = make_book(tmp_path / "b.xlsx", None)
    before = digest(path)
    result = cli("refresh", str(path), "--json")
    assert result.code == 2
    assert result.out == ""
    assert "no 'Pipeline' (or 'Воронка') tab" in result.err and "'Notes'" in result.err
    assert digest(path) == before


def test_missing_required_header_exits_2(cli, tmp_path):
    path = make_book(tmp_path / "b.xlsx", [["Deal ID", "Account", "Owner"], ["1", "A", "B"]])
    before = digest(path)
    result = cli("refresh", str(path))
    assert result.code == 2
    assert "Pipeline row 1 is missing the required column(s) 'Stage'" in result.err
    assert digest(path) == before


def test_unreadable_setting_exits_2_naming_key_and_cell(cli, tmp_path):
    path = make_book(tmp_path / "b.xlsx", [HEADER], [["Sales Target", "lots"]])
    before = digest(path)
    result = cli("refresh", str(path))
    assert result.code == 2
    assert "Settings!B1: Sales Target is 'lots'" in result.err
    assert digest(path) == before


def test_workbook_open_in_excel_exits_2(cli, worked_example):
    worked_example.with_name("~$" + worked_example.name).write_bytes(b"x")
    result = cli("refresh", str(worked_example))
    assert result.code == 2
    assert "is open in Excel" in result.err


def test_not_a_workbook_exits_2(cli, tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("hello")
    result = cli("refresh", str(path))
    assert result.code == 2 and "not an Excel workbook" in result.err


def test_missing_file_exits_2(cli, tmp_path):
    result = cli("refresh", str(tmp_path / "nope.xlsx"))
    assert result.code == 2 and "no such file" in result.err


def test_row_issues_still_refresh_with_exit_0(cli, tmp_path):
    rows = [HEADER, ["A", "Acme", "", "Closed", "Lost"], ["B", "Beta", "", "#9"],
            ["C", "Gamma", "", "#1", "", -3], ["D", "Delta", "", "O", "", "abc"]]
    path = make_book(tmp_path / "b.xlsx", rows)
    pipeline_before = XlsxWorkbook(path).read(["Pipeline"])
    summary = cli("refresh", str(path), "--json", "--as-of", "2026-06-30").json()
    assert summary["deals"] == 0
    assert sorted((i["row"], i["column"], i["message"]) for i in summary["issues"]) == [
        (2, "Status", "stage Closed with status Lost"),
        (3, "Stage", "unknown stage"),
        (4, "Value", "negative value"),
        (5, "Value", "not a number"),
    ]
    assert summary["written"] == ["Funnel", "Focus", "History"]
    # the user's tabs are untouched: the Pipeline still reads exactly as before
    assert XlsxWorkbook(path).read(["Pipeline"]) == pipeline_before
    assert pipeline_before["Pipeline"][1][:5] == ["A", "Acme", "", "Closed", "Lost"]


def test_no_settings_tab_uses_defaults(cli, tmp_path):
    path = make_book(tmp_path / "b.xlsx", [HEADER, ["A", "Acme", "", "#1", "", 1, None,
                                                   "2026-06-01", "Call", "2026-07-01"]])
    summary = cli("refresh", str(path), "--json", "--as-of", "2026-03-04").json()
    assert summary["period"] == {"start": "2026-01-01", "end": "2026-12-31"}
    assert summary["target"]["sales_target"] is None
    assert summary["low_sample"] == ["Opportunity", "First Appointment", "#1", "#2", "#3"]


def test_headers_only_pipeline(cli, tmp_path):
    path = make_book(tmp_path / "b.xlsx", [HEADER])
    summary = cli("refresh", str(path), "--json", "--as-of", "2026-06-30").json()
    assert summary["deals"] == 0 and summary["flags"] == {} and summary["issues"] == []


def test_bad_as_of_date_is_a_usage_error(cli, worked_example):
    with pytest.raises(SystemExit) as exc:
        cli("refresh", str(worked_example), "--as-of", "30.06.2026")
    assert exc.value.code == 2


def test_new_writes_a_template_and_refuses_to_overwrite(cli, tmp_path):
    out = tmp_path / "p.xlsx"
    assert cli("new", str(out), "--lang", "ru").code == 0
    assert XlsxWorkbook(out).tab_names() == ["Воронка", "Настройки", "Сводка", "Фокус", "История",
                                             "_funnel_state"]
    again = cli("new", str(out))
    assert again.code == 1 and "already exists" in again.err


def test_new_with_sample_shows_a_full_funnel(cli, tmp_path):
    out = tmp_path / "demo.xlsx"
    assert cli("new", str(out), "--sample", "60", "--as-of", "2026-06-30").code == 0
    summary = cli("refresh", str(out), "--json", "--as-of", "2026-06-30").json()
    assert summary["deals"] == 60 and summary["issues"] == []
    assert all(summary["stage_counts"][s] > 0 for s in ("Opportunity", "#3"))
    assert summary["won"] > 0 and summary["lost"] > 0 and summary["flags"]
    assert summary["cycle_days"] is not None and summary["required"]["First Appointment"]
    # the sample plans the twelve months around its date: 2026-06-30 -/+ 182 days
    assert summary["period"] == {"start": "2025-12-30", "end": "2026-12-29"}
    assert summary["first_appointments_per_week"] is not None


def test_console_script_runs_as_a_separate_process(worked_example):
    done = subprocess.run(
        [sys.executable, "-m", "sheets_funnel.cli", "refresh", str(worked_example), "--json",
         "--as-of", "2026-06-30"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert '"deals": 15' in done.stdout


def test_human_report_says_what_moved_since_the_last_refresh(cli, worked_example):
    assert cli("refresh", str(worked_example), "--as-of", "2026-06-29").code == 0
    first = cli("refresh", str(worked_example), "--as-of", "2026-06-30")
    assert "Moved since 2026-06-29: none (listed on the Funnel tab)" in first.out


def test_russian_workbook_lists_data_issues_in_russian(cli, tmp_path):
    header = ["ID сделки", "Клиент", "Менеджер", "Этап", "Статус", "Сумма", "Создана",
              "Дата первой встречи", "Следующий шаг", "Дата следующего шага", "Дата закрытия"]
    rows = [header,
            ["A", "Альфа", "", "Сделка", "Проиграна"],            # Closed with status Lost
            ["B", "Бета", "", "Переговоры"],                     # unknown stage
            ["C", "Гамма", "", "№1", "", "много"],                # not a number
            ["D", "Дельта", "", "№2", "", -1],                    # negative value
            ["E", "Эпсилон", "", "ПВ", "", 1, "скоро"],           # not a date
            ["f", "Зета", "", "№3", "", 1, "", "01.06.2026"],     # duplicate ID (with F)
            [" F ", "Эта", "", "№3"],
            ["", "Тета", "", "№1"],                               # missing Deal ID
            ["G", "Йота", "", "№2", "Выиграна", 1, "", "10.06.2026", "", "", "01.06.2026"],
            ["H", "Каппа", "", "№2"]]                             # no first appointment
    path = make_book(tmp_path / "ru.xlsx", rows, tab_names=("Воронка", "Настройки"))
    summary = cli("refresh", str(path), "--json", "--as-of", "2026-06-30").json()
    funnel = XlsxWorkbook(path).read(["Сводка"])["Сводка"]
    start = next(n for n, row in enumerate(funnel) if str(row[0]).startswith("Ошибки в данных"))
    table = [row for row in funnel[start + 2:start + 2 + len(summary["issues"])]]
    assert len(table) == len(summary["issues"]) == 10
    problems = {row[4] for row in table}
    assert {"этап «Сделка» со статусом «Проиграна»", "неизвестный этап", "не число",
            "отрицательное значение", "не дата", "нет ID сделки",
            "дата закрытия раньше даты первой встречи", "нет даты первой встречи"} <= problems
    assert all(any("а" <= ch <= "я" for ch in str(row[4]).lower()) for row in table)
    assert {row[6] for row in table} == {"ошибка", "предупреждение"}
    # the --json summary keeps the contract's English messages
    assert "unknown stage" in {i["message"] for i in summary["issues"]}
