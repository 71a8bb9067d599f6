"""The public API is what ``__all__`` lists, and the core imports without optional extras."""

from __future__ import annotations

import subprocess
import sys

import sheets_funnel

#: Every public name and the module that defines it.
PUBLIC = {
    "Backend": "sheets_funnel.backends.base", "BackendMissing": "sheets_funnel.errors",
    "BadHeader": "sheets_funnel.errors", "BadSetting": "sheets_funnel.errors",
    "FunnelResult": "sheets_funnel.funnel", "Issue": "sheets_funnel.parse",
    "MemoryWorkbook": "sheets_funnel.backends.memory", "MissingTab": "sheets_funnel.errors",
    "NotAWorkbook": "sheets_funnel.errors", "RefreshOutcome": "sheets_funnel.refresh",
    "Settings": "sheets_funnel.parse", "SheetsFunnelError": "sheets_funnel.errors",
    "WorkbookLocked": "sheets_funnel.errors", "WorkbookUnusable": "sheets_funnel.errors",
    "build_workbook": "sheets_funnel.templates", "compute": "sheets_funnel.funnel",
    "funnel_from_dataframe": "sheets_funnel.api", "new_workbook": "sheets_funnel.templates",
    "open_workbook": "sheets_funnel.backends", "parse_workbook": "sheets_funnel.parse",
    "refresh": "sheets_funnel.refresh",
}


def test_all_lists_exactly_the_public_api():
    assert sorted(sheets_funnel.__all__) == sorted(PUBLIC)
    namespace: dict[str, object] = {}
    exec("from sheets_funnel import *", namespace)
    exported = {name: getattr(obj, "__module__", None) for name, obj in namespace.items()
                if not name.startswith("__")}
    assert exported == PUBLIC


def test_importing_the_package_loads_no_backend_or_writer():
    code = ("import sys, sheets_funnel; "
            "print(sorted(m for m in ('gspread', 'xlwings', 'python_calamine', 'xlsxwriter', "
            "'openpyxl') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_open_workbook_picks_the_backend_from_the_location(tmp_path):
    from sheets_funnel.backends import google_id

    url = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit#gid=0"
    assert google_id(url) == "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
    assert google_id("1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789") == (
        "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789")
    assert google_id(str(tmp_path / "pipeline.xlsx")) is None
    assert google_id("pipeline.xlsx") is None


def test_the_version_has_one_source():
    from importlib.metadata import version

    assert version("sheets-funnel") == sheets_funnel.__version__ == "0.1.0"
