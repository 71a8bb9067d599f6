"""The Refresh button: the VBA macro's Python call, the xlwings Lite script, and the messages a
user sees in Excel."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import fake_xlwings as fx
import pytest

from sheets_funnel import excel_macro
from sheets_funnel.backends.excel import ExcelBook
from sheets_funnel.errors import BackendMissing

EXCEL_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "excel"


@pytest.fixture
def book(worked_example) -> fx.Book:
    return fx.book_from_xlsx(worked_example)


@pytest.fixture
def caller(monkeypatch):
    """Make ``import xlwings`` give the fake, with ``Book.caller()`` returning ``book``."""

    def use(book: fx.Book | None, app: fx.App | None = None) -> None:
        monkeypatch.setitem(sys.modules, "xlwings", fx.as_module(book, app))

    return use


@pytest.fixture
def lite_main(caller) -> ModuleType:
    """templates/excel/xlwings_lite_main.py, imported as xlwings Lite would run it."""
    caller(None)
    spec = importlib.util.spec_from_file_location(
        "xlwings_lite_main", EXCEL_TEMPLATES / "xlwings_lite_main.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _no_pipeline_workbook(path: Path) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Deals").write_row(0, 0, ["Deal ID", "Account", "Stage"])
    book.close()
    return path


def test_vba_macro_runs_the_refresh_on_the_calling_workbook(book, caller):
    code = re.search(r'RunPython\s+"([^"]+)"', (EXCEL_TEMPLATES / "RefreshFunnel.bas").read_text())
    assert code is not None
    caller(book)
    exec(code.group(1), {})
    assert [s.name for s in book.sheets][2:5] == ["Funnel", "Focus", "History"]
    assert book.sheets["Funnel"]["A1"].value == "Sales funnel"
    assert book.app.alerts == []
    assert re.fullmatch(r"Funnel refreshed as of \d{4}-\d\d-\d\d: 15 deals, \d+ flagged, "
                        r"2 row issue\(s\) \(listed on the Funnel tab\)\.", book.app.status_bar)


def test_unusable_workbook_shows_the_clis_message_and_writes_nothing(cli, caller, tmp_path):
    path = _no_pipeline_workbook(tmp_path / "deals.xlsx")
    book = fx.book_from_xlsx(path)
    caller(book)
    assert excel_macro.refresh_button() is None
    result = cli("refresh", str(path))
    assert result.code == 2
    assert book.app.alerts == [{"prompt": result.err.strip(), "title": "sheets-funnel",
                                "buttons": "ok", "mode": "critical"}]
    assert result.err.startswith("sheets-funnel: no 'Pipeline' (or 'Воронка') tab")
    assert [s.name for s in book.sheets] == ["Deals"]
    assert book.sheets["Deals"].writes == 0 and book.app.status_bar is False


def test_unexpected_error_shows_a_message_without_a_stack_trace(book, caller):
    caller(book)
    excel_macro.refresh_button()  # creates the owned tabs
    book.sheets["Focus"].fail_on_write = OSError("the sheet is protected")
    assert excel_macro.refresh_button() is None
    assert [a["prompt"] for a in book.app.alerts] == [
        "sheets-funnel: unexpected error: OSError: the sheet is protected"]
    assert book.app.screen_updating is True and book.app.calculation == "automatic"


def test_called_outside_excel_the_message_goes_to_the_active_app(caller):
    app = fx.App()
    caller(None, app)
    assert excel_macro.refresh_button() is None
    assert app.alerts[0]["prompt"].startswith("sheets-funnel: unexpected error: Exception: "
                                              "Book.caller() must not be called directly")


def test_missing_xlwings_names_the_extra_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "xlwings", None)
    with pytest.raises(BackendMissing, match=r"pip install 'sheets-funnel\[excel\]'"):
        ExcelBook.caller()
    assert excel_macro.refresh_button() is None
    assert "pip install 'sheets-funnel[excel]'" in capsys.readouterr().out


def test_xlwings_lite_script_refreshes_the_open_book(worked_example, lite_main, capsys):
    book = fx.book_from_xlsx(worked_example, fx.LiteApp())
    lite_main.refresh_funnel(book)
    assert book.sheets["Focus"]["A2"].value == "D-10"
    assert capsys.readouterr().out.startswith("Funnel refreshed as of ")
    assert book.app.alerts == [] and book.app.calculation == "automatic"


def test_xlwings_lite_prints_why_nothing_was_written(tmp_path, lite_main, capsys):
    book = fx.book_from_xlsx(_no_pipeline_workbook(tmp_path / "deals.xlsx"), fx.LiteApp())
    lite_main.refresh_funnel(book)
    assert capsys.readouterr().out.startswith("sheets-funnel: no 'Pipeline' (or 'Воронка') tab")
    assert book.sheets["Deals"].writes == 0


def test_summary_line_speaks_the_workbooks_language(tmp_path):
    from sheets_funnel.refresh import refresh
    from sheets_funnel.templates import build_workbook

    path = build_workbook(tmp_path / "ru.xlsx", "ru")
    outcome = refresh(ExcelBook(fx.book_from_xlsx(path)))
    assert excel_macro.summary_line(outcome).startswith("Воронка обновлена на ")


def test_the_refresh_path_imports_nothing_compiled_beyond_pandas_and_numpy():
    """xlwings Lite runs in Pyodide: the modules it loads must not need calamine or XlsxWriter."""
    code = ("import sys, sheets_funnel.excel_macro, sheets_funnel.parse, sheets_funnel.funnel, "
            "sheets_funnel.render; print(sorted(m for m in ('python_calamine', 'xlsxwriter', "
            "'openpyxl', 'xlwings') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_on_macos_the_summary_is_shown_in_a_message_box(book, caller, monkeypatch):
    """xlwings resets the status bar when Python exits on macOS: the summary would vanish."""
    monkeypatch.setattr(sys, "platform", "darwin")
    caller(book)
    outcome = excel_macro.refresh_button()
    assert outcome is not None
    line = excel_macro.summary_line(outcome)
    assert book.app.alerts == [{"prompt": line, "title": "sheets-funnel", "buttons": "ok",
                                "mode": "info"}]
    assert line.startswith("Funnel refreshed as of ")


def test_elsewhere_the_status_bar_alone_carries_the_summary(book, caller, monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    caller(book)
    outcome = excel_macro.refresh_button()
    assert outcome is not None
    assert book.app.status_bar == excel_macro.summary_line(outcome) and book.app.alerts == []
