"""Cells a refresh would misread as blank — formulas never calculated, headers hidden under
merged cells, a header pushed down by a title row — stop it with exit code 2 naming the cells,
and nothing is written."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import HEADER, make_book

AS_OF = "2026-06-30"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def scripted_book(path: Path, stage_formula: bool = True, date_formula: bool = False,
                  target_formula: bool = False) -> Path:
    """A pipeline a script wrote with openpyxl: formulas stored with no calculated value,
    exactly as openpyxl leaves them (``<f>…</f><v/>``) until a spreadsheet opens the file."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Pipeline"
    sheet.append(HEADER)
    for n in range(2, 6):
        stage = f'=IF(F{n}>=5000,"#2","First Appointment")' if stage_formula else "#1"
        next_step = f"=H{n}+30" if date_formula else "2026-07-15"
        sheet.append([f"D-{n}", f"Account {n}", "Anna", stage, "Open", 2000 * n, None,
                      "2026-06-01", "Call", next_step])
    settings = book.create_sheet("Settings")
    settings.append(["Sales Target", "=2*5" if target_formula else 10])
    book.save(path)
    return path


def test_required_cells_that_are_uncalculated_formulas_stop_the_refresh(cli, tmp_path):
    path = scripted_book(tmp_path / "scripted.xlsx")
    before = digest(path)
    result = cli("refresh", str(path), "--json", "--as-of", AS_OF)
    assert result.code == 2 and result.out == ""
    assert ("Pipeline!D2, Pipeline!D3, Pipeline!D4, Pipeline!D5: they hold formulas that were "
            "never calculated") in result.err
    assert "open and save it in Excel or LibreOffice" in result.err
    assert digest(path) == before


def test_a_known_column_of_uncalculated_formulas_stops_the_refresh(cli, tmp_path):
    path = scripted_book(tmp_path / "scripted.xlsx", stage_formula=False, date_formula=True)
    result = cli("refresh", str(path), "--json", "--as-of", AS_OF)
    assert result.code == 2
    assert "Pipeline!J2, Pipeline!J3, Pipeline!J4, Pipeline!J5:" in result.err


def test_an_uncalculated_setting_stops_the_refresh(cli, tmp_path):
    path = scripted_book(tmp_path / "scripted.xlsx", stage_formula=False, target_formula=True)
    result = cli("refresh", str(path), "--json", "--as-of", AS_OF)
    assert result.code == 2
    assert "Settings!B1: they hold formulas that were never calculated" in result.err


def test_many_uncalculated_cells_are_counted_not_all_listed(cli, tmp_path):
    import openpyxl

    path = scripted_book(tmp_path / "scripted.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["Pipeline"]
    for n in range(6, 13):  # eleven deals in all, each Stage a formula
        sheet.append([f"D-{n}", "Acme", "Anna", f'=IF(F{n}>0,"#1","#2")', "Open", 10])
    book.save(path)
    result = cli("refresh", str(path), "--json", "--as-of", AS_OF)
    assert result.code == 2
    assert "Pipeline!D6 and 6 more cells:" in result.err


@pytest.mark.libreoffice
def test_once_saved_by_libreoffice_the_same_file_refreshes(cli, tmp_path):
    path = scripted_book(tmp_path / "scripted.xlsx")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice is not None
    saved = tmp_path / "saved"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--headless", "--convert-to", "xlsx", str(path), "--outdir", str(saved)],
                   check=True, capture_output=True, timeout=180)
    result = cli("refresh", str(saved / "scripted.xlsx"), "--json", "--as-of", AS_OF)
    assert result.code == 0, result.err
    # Values 4000, 6000, 8000, 10000: the formula gives First Appointment below 5000, else #2
    assert result.json()["stage_counts"] == {"Opportunity": 0, "First Appointment": 1,
                                             "#1": 0, "#2": 3, "#3": 0}


def test_formulas_outside_the_columns_a_refresh_reads_are_fine(cli, tmp_path):
    import openpyxl

    path = scripted_book(tmp_path / "scripted.xlsx", stage_formula=False)
    book = openpyxl.load_workbook(path)
    sheet = book["Pipeline"]
    sheet["L1"] = "Days open"
    for n in range(2, 6):
        sheet[f"L{n}"] = f"=TODAY()-H{n}"  # a column of the user's own
    book.save(path)
    result = cli("refresh", str(path), "--json", "--as-of", AS_OF)
    assert result.code == 0, result.err
    assert result.json()["deals"] == 4


def merged_header_book(path: Path, merge: str, blank: str) -> Path:
    """A Pipeline whose header cells were merged in a spreadsheet: the merged area keeps only
    its first cell's text (as Excel does), so the next header is gone."""
    import openpyxl

    make_book(path, [HEADER, ["D-1", "Acme", "Anna", "#1", "Open", 100, None, "2026-06-01",
                              "Call", "2026-07-15", None]])
    book = openpyxl.load_workbook(path)
    sheet = book["Pipeline"]
    sheet.merge_cells(merge)
    book.save(path)
    book = openpyxl.load_workbook(path)
    assert book["Pipeline"][blank].value is None
    return path


def test_a_merged_header_hiding_next_step_date_stops_the_refresh(cli, tmp_path):
    path = merged_header_book(tmp_path / "merged.xlsx", "I1:J1", "J1")
    before = digest(path)
    result = cli("refresh", str(path), "--json", "--as-of", AS_OF)
    assert result.code == 2
    assert ("Pipeline!I1:J1 is one merged cell: it hides the header of column J, which holds "
            "data, and no column is headed 'Next Step Date'; unmerge Pipeline!I1:J1 and give "
            "column J its own header") in result.err
    assert digest(path) == before


def test_a_merged_header_hiding_a_required_column_names_the_merge(cli, tmp_path):
    path = merged_header_book(tmp_path / "merged.xlsx", "C1:D1", "D1")
    result = cli("refresh", str(path), "--json", "--as-of", AS_OF)
    assert result.code == 2
    assert "Pipeline!C1:D1 is one merged cell: it hides the header of column D" in result.err
    assert "'Stage'" in result.err


def test_a_merged_title_over_empty_columns_is_fine(cli, tmp_path):
    path = merged_header_book(tmp_path / "merged.xlsx", "L1:N1", "M1")
    result = cli("refresh", str(path), "--json", "--as-of", AS_OF)
    assert result.code == 0, result.err


def test_a_header_below_a_title_row_says_where_it_seems_to_be(cli, tmp_path):
    path = make_book(tmp_path / "title.xlsx", [
        ["Team pipeline, third quarter"],
        HEADER,
        ["D-1", "Acme", "Anna", "#1", "Open", 100, None, "2026-06-01", "Call", "2026-07-15"],
    ])
    result = cli("refresh", str(path), "--json", "--as-of", AS_OF)
    assert result.code == 2
    assert "the header looks like row 2: move it to row 1 (delete row 1 above it)" in result.err


def test_a_header_below_a_blank_first_row_and_a_title(cli, tmp_path):
    path = make_book(tmp_path / "title.xlsx", [
        [None], ["Pipeline as of June"], [None], HEADER,
        ["D-1", "Acme", "Anna", "#1", "Open", 100, None, "2026-06-01", "Call", "2026-07-15"],
    ])
    result = cli("refresh", str(path), "--json", "--as-of", AS_OF)
    assert result.code == 2
    assert "the header looks like row 4: move it to row 1 (delete rows 1–3 above it)" in (
        result.err)


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_the_scan_finds_each_formula_without_a_value_whatever_the_prefix(tmp_path, prefix):
    """Formula cells as programs leave them, with the Open XML SDK's ``x:`` prefix or none."""
    import zipfile

    from sheets_funnel.backends import xlsx_sheet_scan

    p = prefix
    cells = (f'<{p}c r="A2"><{p}v>5</{p}v></{p}c>'  # a value, no formula
             f'<{p}c r="B2"><{p}f>A2*2</{p}f><{p}v>10</{p}v></{p}c>'  # calculated
             f'<{p}c r="C2" s="1"><{p}f>A2*3</{p}f><{p}v/></{p}c>'  # never calculated
             f'<{p}c r="D2"><{p}f t="shared" ref="D2:D3" si="0">A2+1</{p}f></{p}c>'  # no <v>
             f'<{p}c r="AB2" t="str"><{p}f>"x"</{p}f><{p}v></{p}v></{p}c>')  # empty <v></v>
    row3 = (f'<{p}c r="D3"><{p}f t="shared" si="0"/></{p}c>'  # shared, never calculated
            f'<{p}c r="E3" t="str"><{p}f>"y"</{p}f><{p}v>y</{p}v></{p}c>')  # calculated
    xmlns = f'xmlns:{p[:-1]}="main"' if p else 'xmlns="main"'
    sheet = (f'<{p}worksheet {xmlns}><{p}sheetData><{p}row r="2">{cells}</{p}row>'
             f'<{p}row r="3">{row3}</{p}row></{p}sheetData></{p}worksheet>')
    path = tmp_path / "sheet.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sheet.xml", sheet)
    with zipfile.ZipFile(path) as zf:
        # C2, D2, AB2 (column 27) and D3, 0-based (row, column)
        assert xlsx_sheet_scan.uncalculated(zf, "sheet.xml") == [(1, 2), (1, 3), (1, 27),
                                                                 (2, 3)]
        assert xlsx_sheet_scan.uncalculated(zf, "sheet.xml", {0, 1, 3}) == [(1, 3), (2, 3)]
        assert xlsx_sheet_scan.uncalculated(zf, "sheet.xml", set()) == []
