"""The public API is what ``__all__`` lists, and the core imports without optional extras."""

from __future__ import annotations

import subprocess
import sys

import sheets_funnel

PUBLIC = {
    "Backend", "BackendMissing", "BadHeader", "BadSetting", "FunnelResult", "Issue",
    "MissingTab", "NotAWorkbook", "RefreshOutcome", "Settings", "SheetsFunnelError",
    "WorkbookLocked", "WorkbookUnusable", "build_workbook", "compute", "new_workbook",
    "open_workbook", "parse_workbook", "refresh",
}


def test_all_lists_exactly_the_public_api():
    assert set(sheets_funnel.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(sheets_funnel, name) is not None


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
