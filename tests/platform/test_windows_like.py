"""The command line under Windows' rules: no fcntl, replace refused for an open file, cp1252.

Windows itself cannot run here; these tests run the whole CLI test module with ``fcntl``
unimportable and ``os.replace`` refusing open files (``windows_like.py``), and run real
processes with a cp1252 console, which is what a Windows pipe or xlwings' Python gets.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_book
from windows_like import HEADER, windows_replace

from sheets_funnel.backends.xlsx import XlsxWorkbook

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
RU_HEADER = ["ID сделки", "Клиент", "Менеджер", "Этап", "Статус", "Сумма", "Создана",
             "Дата первой встречи", "Следующий шаг", "Дата следующего шага", "Дата закрытия"]


def test_cli_and_lock_tests_pass_without_fcntl_and_with_windows_replace(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(HERE), "PYTHONIOENCODING": "cp1252"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "windows_like", "-p", "no:cacheprovider",
         "--basetemp", str(tmp_path / "run"), "tests/test_cli.py",
         "tests/nightly/test_locks.py", "tests/platform/test_concurrent_refreshes.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert HEADER in done.stdout
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_a_workbook_another_program_holds_open_exits_2_untouched(cli, worked_example,
                                                                 monkeypatch):
    monkeypatch.setattr(os, "replace", windows_replace)
    before = worked_example.read_bytes()
    with worked_example.open("rb"):  # Excel, a sync client or a virus scan holding the file
        result = cli("refresh", str(worked_example), "--as-of", "2026-06-30")
    assert result.code == 2 and result.out == ""
    assert "another program has it open" in result.err
    assert "close the workbook in Excel and refresh again" in result.err
    assert "Traceback" not in result.err and "unexpected error" not in result.err
    assert worked_example.read_bytes() == before
    assert [p.name for p in worked_example.parent.iterdir()] == [worked_example.name]
    assert cli("refresh", str(worked_example), "--as-of", "2026-06-30").code == 0  # closed now


def russian_book(path: Path) -> Path:
    rows = [RU_HEADER,
            ["A-1", "Альфа", "Пётр", "№1", "Открыта", 1000, "2026-05-01", "2026-05-10",
             "Звонок — «договор» → подпись", "2026-06-01"],
            ["A-2", "Бета", "Анна", "Переговоры"]]                # unknown stage: a row issue
    return make_book(path, rows, tab_names=("Воронка", "Настройки"))


def run_cp1252(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    return subprocess.run([sys.executable, "-m", "sheets_funnel.cli", *args], cwd=cwd, env=env,
                          capture_output=True, check=False)


def test_a_russian_workbook_refreshes_on_a_cp1252_console(tmp_path):
    book = russian_book(tmp_path / "Воронка отдела.xlsx")
    done = run_cp1252("refresh", book.name, "--as-of", "2026-06-30", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode("cp1252")
    out = done.stdout.decode("cp1252")  # every byte is cp1252: nothing crashed on the way
    assert "15 deals" not in out and "1 deals" in out.replace("?", "")
    assert "?" in out  # Cyrillic replaced, not fatal
    assert b"Traceback" not in done.stderr
    assert "Сводка" in XlsxWorkbook(book).tab_names()


def test_json_on_a_cp1252_console_escapes_what_it_cannot_carry(tmp_path):
    import json

    book = russian_book(tmp_path / "ru.xlsx")
    done = run_cp1252("refresh", book.name, "--as-of", "2026-06-30", "--json", "--dry-run",
                      cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode("cp1252")
    summary = json.loads(done.stdout.decode("ascii"))  # escaped, so still exact
    assert summary["deals"] == 1  # A-1; A-2 has an unknown stage
    assert [i["row"] for i in summary["issues"]] == [3]


def test_an_error_in_russian_on_a_cp1252_console_is_a_message_not_a_crash(tmp_path):
    book = make_book(tmp_path / "ru.xlsx", [RU_HEADER[:3]], tab_names=("Воронка", "Настройки"))
    done = run_cp1252("refresh", book.name, cwd=tmp_path)
    err = done.stderr.decode("cp1252")
    assert done.returncode == 2, err
    assert err.startswith("sheets-funnel: ") and "Traceback" not in err
    assert "UnicodeEncodeError" not in err


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_a_reader_that_goes_away_ends_the_output_quietly(worked_example, json_flag):
    child = subprocess.Popen(
        [sys.executable, "-m", "sheets_funnel.cli", "refresh", str(worked_example), "--dry-run",
         "--as-of", "2026-06-30", *json_flag],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # `| head` that has read all it wanted: nobody reads stdout any more
    err = child.stderr.read().decode()
    assert child.wait() == 1
    assert err == ""


def test_refresh_piped_into_head_prints_the_first_lines_and_no_error(worked_example):
    command = (f"{sys.executable} -m sheets_funnel.cli refresh '{worked_example}' --dry-run "
               "--as-of 2026-06-30 | head -n 1")
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert done.stdout.startswith("worked-example.xlsx")
    assert done.stderr == ""
