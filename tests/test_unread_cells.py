"""Cells a refresh would misread as blank — formulas never calculated, headers hidden under
merged cells, a header pushed down by a title row — stop it with exit code 2 naming the cells,
and nothing is written."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zipfile
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
        assert xlsx_sheet_scan.uncalculated_columns(zf, "sheet.xml") == {2, 3, 27}
        # the same from the rows' XML in memory, as a tab read in pieces keeps it
        rows_xml = [sheet.split(f"<{p}row r=\"3\">")[0].encode(),
                    (f"<{p}row r=\"3\">" + sheet.split(f"<{p}row r=\"3\">")[1]).encode()]
        for columns in (None, {0, 1, 3}, set(), {27}):
            assert xlsx_sheet_scan.uncalculated_in(rows_xml, p.encode(), columns) == (
                xlsx_sheet_scan.uncalculated(zf, "sheet.xml", columns))


def test_a_cell_whose_reference_is_not_its_first_attribute_is_found(tmp_path):
    """Writers put ``r`` first; a cell that has its style or type first, or more spaces, is
    found all the same, in the columns asked only."""
    from sheets_funnel.backends import xlsx_sheet_scan

    cells = ('<c s="1" r="A2"><f>1+1</f></c>'  # never calculated, reference second
             '<c t="str"  r="B2"><f>"x"</f><v></v></c>'  # never calculated, two spaces
             '<c  r="C2"><f>2+2</f><v/></c>'  # reference first after two spaces
             '<c s="1" r="D2"><f>3+3</f><v>6</v></c>')  # calculated
    rows_xml = [f'<row r="2">{cells}</row>'.encode()]
    assert xlsx_sheet_scan.uncalculated_in(rows_xml, b"") == [(1, 0), (1, 1), (1, 2)]
    assert xlsx_sheet_scan.uncalculated_in(rows_xml, b"", {1, 3}) == [(1, 1)]
    assert xlsx_sheet_scan.uncalculated_in(rows_xml, b"", {3}) == []



def test_only_formula_cells_are_looked_at_and_other_f_elements_are_passed_over():
    """Rich text whose run properties start with ``f`` (``<family>``, ``<font>``-like) is not a
    formula; a formula cell right after one is still found, at the start of a text too."""
    from sheets_funnel.backends import xlsx_sheet_scan

    rich = ('<c r="A2" t="inlineStr"><is><r><rPr><family val="2"/><rFont val="Arial"/></rPr>'
            '<t>note</t></r></is></c>')
    rows_xml = [f'<row r="2">{rich}<c r="B2"><f>1+1</f></c></row>'.encode(),
                b'<c r="C3"><f>2+2</f><v/></c><c r="D3"><f>3</f><v>3</v></c>',
                f'<row r="4">{rich}</row>'.encode()]
    assert xlsx_sheet_scan.uncalculated_in(rows_xml, b"") == [(1, 1), (2, 2)]
    assert xlsx_sheet_scan.uncalculated_in(rows_xml, b"", {0, 2}) == [(2, 2)]
    assert xlsx_sheet_scan.uncalculated_in([rich.encode()], b"") == []

def large_scripted_book(path: Path, deals: int) -> Path:
    """A Pipeline of ``deals`` rows whose part is over a megabyte, written by a script: the
    Stage of rows 3, 7 and the last row is a formula never calculated, and every row has
    one in a column of the user's own (L, as the template's Flags column)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Pipeline"
    sheet.append([*HEADER, "Flags"])
    last = deals + 1
    for n in range(2, last + 1):
        stage = f'=IF(F{n}>0,"#1","#2")' if n in (3, 7, last) else "#1"
        sheet.append([f"D-{n}", f"Account {n}", "Anna", stage, "Open", 1000 + n, None,
                      "2026-06-01", "Call", "2026-07-15", None, f"=LEN(A{n})"])
    book.save(path)
    return path


def test_a_large_tab_is_searched_for_formulas_while_it_is_read(tmp_path, monkeypatch):
    import threading

    from sheets_funnel.backends import xlsx, xlsx_sheet_scan
    from sheets_funnel.backends.xlsx import XlsxWorkbook

    path = large_scripted_book(tmp_path / "large.xlsx", 8000)
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size > xlsx._LOOK_AHEAD_BYTES
    searches: list[tuple[str, str]] = []
    for name in ("uncalculated", "uncalculated_columns"):
        def spy(*args: object, _name: str = name,
                _search: object = getattr(xlsx_sheet_scan, name)) -> object:
            searches.append((_name, threading.current_thread().name))
            return _search(*args)  # type: ignore[operator]
        monkeypatch.setattr(xlsx_sheet_scan, name, spy)
    main = threading.current_thread().name
    # Stage (column D, index 3) in rows 3, 7 and 8001; Flags (L, index 11) in every deal row
    stages = [(2, 3), (6, 3), (8000, 3)]
    monkeypatch.setattr(xlsx, "_spare_core", lambda: True)
    book = XlsxWorkbook(path)
    book.read(["Pipeline"])
    assert book.uncalculated("Pipeline", [0, 1, 2, 4, 5]) == []  # none there: no second look
    assert len(searches) == 1 and searches[0][0] == "uncalculated_columns"
    assert searches[0][1] != main  # looked for by another thread while the tab was read
    assert book.uncalculated("Pipeline", range(11)) == stages  # some there: they are named
    assert book.uncalculated("Pipeline", [11])[:2] == [(1, 11), (2, 11)]
    assert searches[1:] == [("uncalculated", main), ("uncalculated", main)]
    searches.clear()
    monkeypatch.setattr(xlsx, "_spare_core", lambda: False)  # one core: searched when asked
    book = XlsxWorkbook(path)
    book.read(["Pipeline"])
    assert searches == []
    assert book.uncalculated("Pipeline", [0, 1, 2, 4, 5]) == []
    assert searches == [("uncalculated", main)]


def test_a_tab_read_in_pieces_is_searched_for_formulas_in_the_rows_read(tmp_path,
                                                                        monkeypatch):
    """A tab read in pieces keeps its rows' XML until the workbook is written: the check
    searches it there, in the columns asked only, without reading the file again."""
    from sheets_funnel.backends import split_read, xlsx_sheet_scan
    from sheets_funnel.backends.xlsx import XlsxWorkbook

    path = large_scripted_book(tmp_path / "large.xlsx", 8000)
    monkeypatch.setattr(split_read, "SPLIT_BYTES", 1)
    monkeypatch.setattr(split_read, "piece_count", lambda shared=0: 2)
    for name in ("uncalculated", "uncalculated_columns"):
        monkeypatch.setattr(xlsx_sheet_scan, name, None)  # the file is not searched
    book = XlsxWorkbook(path)
    book.read(["Pipeline"])
    assert len(book._rows_xml["Pipeline"][0]) == 2
    assert book.uncalculated("Pipeline", [0, 1, 2, 4, 5]) == []
    # Stage (column D, index 3) in rows 3, 7 and 8001; Flags (L, index 11) in every deal row
    assert book.uncalculated("Pipeline", range(11)) == [(2, 3), (6, 3), (8000, 3)]
    assert len(book.uncalculated("Pipeline", [11])) == 8000


@pytest.mark.parametrize("spare_core", [True, False])
def test_the_formula_cells_of_a_tab_read_in_pieces_are_found_ahead_on_another_core(
        tmp_path, monkeypatch, spare_core):
    """With a second core, the formula cells of a tab read in pieces are found on a thread
    of their own as soon as the tab is read, and the check uses them; with one core they
    are found when the check asks. The answer is the same."""
    import threading

    from sheets_funnel.backends import split_read, xlsx, xlsx_sheet_scan
    from sheets_funnel.backends.xlsx import XlsxWorkbook

    path = large_scripted_book(tmp_path / "large.xlsx", 8000)
    monkeypatch.setattr(split_read, "SPLIT_BYTES", 1)
    monkeypatch.setattr(split_read, "piece_count", lambda shared=0: 2)
    monkeypatch.setattr(xlsx, "_spare_core", lambda: spare_core)
    threads: list[str] = []
    real = xlsx_sheet_scan.formulas

    def noted(text: bytes, prefix: bytes) -> xlsx_sheet_scan.Formulas:
        threads.append(threading.current_thread().name)
        return real(text, prefix)

    monkeypatch.setattr(xlsx_sheet_scan, "formulas", noted)
    book = XlsxWorkbook(path)
    book.read(["Pipeline"])
    if spare_core:
        book._formula_cells["Pipeline"].result()
        assert len(threads) == 2 and all(t.startswith("formula-cells") for t in threads)
    else:
        assert threads == [] and book._formula_cells == {}
    assert book.uncalculated("Pipeline", range(11)) == [(2, 3), (6, 3), (8000, 3)]
    assert len(threads) == 2  # each text searched once: ahead, or when the check asked


@pytest.mark.parametrize("pieces", [1, 2])
def test_a_large_tab_with_formulas_never_calculated_stops_the_refresh(cli, tmp_path,
                                                                      monkeypatch, pieces):
    from sheets_funnel.backends import split_read

    monkeypatch.setattr(split_read, "SPLIT_BYTES", 1)  # read whole (1) or in two pieces
    monkeypatch.setattr(split_read, "piece_count", lambda shared=0: pieces)
    path = large_scripted_book(tmp_path / "large.xlsx", 8000)
    before = digest(path)
    result = cli("refresh", str(path), "--json", "--as-of", AS_OF)
    assert result.code == 2 and result.out == ""
    assert "Pipeline!D3, Pipeline!D7, Pipeline!D8001: they hold formulas" in result.err
    assert digest(path) == before


def test_a_part_read_in_pieces_gives_the_cells_the_whole_part_gives(tmp_path):
    """Pieces of a few megabytes are cut between rows, so no formula is split or missed."""
    from sheets_funnel.backends import xlsx_sheet_scan

    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{"x" * 200}</t></is></c>'
                   f'<c r="B{n}"><f>A{n}&amp;"!"</f>{"<v/>" if n % 1000 == 0 else "<v>1</v>"}'
                   f"</c></row>" for n in range(1, 30_001))
    xml = f'<worksheet xmlns="main"><sheetData>{rows}</sheetData></worksheet>'.encode()
    assert len(xml) > 2 * xlsx_sheet_scan._CHUNK
    path = tmp_path / "sheet.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("sheet.xml", xml)
    # B1000, B2000, … B30000: thirty cells, 0-based rows 999, 1999, …
    expected = [(n - 1, 1) for n in range(1000, 30_001, 1000)]
    with zipfile.ZipFile(path) as zf:
        assert xlsx_sheet_scan.uncalculated(zf, "sheet.xml") == expected


def _uncalculated_by_regex(texts: list[bytes], prefix: bytes,
                           columns: set[int] | None) -> list[tuple[int, int]]:
    """The reference: the cell pattern run over every cell of every text."""
    from sheets_funnel.backends import xlsx_sheet_scan
    from sheets_funnel.cells import column_index, column_letter

    wanted = None if columns is None else {column_letter(c).encode() for c in columns}
    if wanted is not None and not wanted:
        return []
    pattern = xlsx_sheet_scan._cell_uncalculated(prefix, wanted)
    found = []
    for text in texts:
        for match in pattern.finditer(text):
            letters, row = match.group(1, 2) if match.group(1) else match.group(3, 4)
            if wanted is None or letters in wanted:
                found.append((int(row) - 1, column_index(letters.decode())))
    return found


@pytest.mark.parametrize("prefix", ["", "x:"])
@pytest.mark.parametrize("seed", range(6))
def test_formula_cells_found_by_numpy_are_the_ones_the_cell_pattern_finds(prefix, seed):
    """Random rows of every cell shape a writer leaves: values, calculated formulas and
    formulas never calculated (<v/>, <v />, <v></v>, none, shared), the reference first or
    not, long start tags, rich text whose properties start with f, cells at a text's start.
    The formula cells found column by column give exactly what the cell pattern finds."""
    import random

    from sheets_funnel.backends import xlsx_sheet_scan

    rng = random.Random(seed)
    p = prefix
    letters = ["A", "B", "D", "K", "L", "Z", "AB", "XFD"]

    def cell(ref: str) -> str:
        attrs = rng.choice([f' r="{ref}"', f' r="{ref}" s="3"', f' r="{ref}" t="str"',
                            f' s="1" r="{ref}"', f'  r="{ref}"',
                            f' r="{ref}" s="12" t="str" cm="1" vm="1" ph="1"',
                            f' t="str" s="12" cm="1" vm="1" ph="1" x:y="0.2" r="{ref}"'])
        body = rng.choice([
            f"<{p}v>5</{p}v>",
            f"<{p}f>A1*2</{p}f><{p}v>10</{p}v>",
            f"<{p}f>A1*3</{p}f><{p}v/>",
            f"<{p}f>A1*3</{p}f><{p}v />",
            f"<{p}f>A1*3</{p}f><{p}v></{p}v>",
            f"<{p}f>IF($A2=&quot;&quot;,1,2)</{p}f>",
            f'<{p}f t="shared" si="0"/>',
            f'<{p}f t="shared" ref="A1:A9" si="1">B1</{p}f><{p}v>3</{p}v>',
            f"<{p}is><{p}r><{p}rPr><{p}family val=\"2\"/></{p}rPr><{p}t>f</{p}t></{p}r></{p}is>",
        ])
        return f"<{p}c{attrs}>{body}</{p}c>"

    rows = []
    for n in range(1, 300):
        cells = "".join(cell(f"{col}{n}") for col in letters if rng.random() < 0.6)
        rows.append(f'<{p}row r="{n}">{cells}</{p}row>')
    cuts = sorted(rng.sample(range(1, len(rows)), 3))
    texts = ["".join(rows[a:b]).encode()
             for a, b in zip([0, *cuts], [*cuts, len(rows)], strict=True)]
    texts[1] = texts[1][texts[1].index(b">") + 1:]  # a text that begins with a cell
    for columns in (None, set(), {0}, {11}, {0, 1, 3, 10}, {25, 27}, {16383}, set(range(30))):
        expected = _uncalculated_by_regex(texts, p.encode(), columns)
        assert xlsx_sheet_scan.uncalculated_in(texts, p.encode(), columns) == expected
        found = [xlsx_sheet_scan.formulas(text, p.encode()) for text in texts]
        assert xlsx_sheet_scan.uncalculated_in(texts, p.encode(), columns, found) == expected
    assert expected  # the rows hold formulas never calculated


def test_formula_columns_are_read_from_the_usual_start_tag():
    from sheets_funnel.backends import xlsx_sheet_scan

    text = (b'<row r="7"><c r="A7"><f>1</f></c><c r="AB7" s="2"><f>2</f></c>'
            b'<c r="XFD7"><f>3</f></c><c s="1" r="B7"><f>4</f></c><c r="C7"><v>1</v></c>'
            b'<c r="D7" t="inlineStr"><is><r><rPr><family val="2"/></rPr><t>x</t></r></is></c>'
            b'<c r="E7" t="str"><f>5</f><v>5</v></c></row>')
    at, columns = xlsx_sheet_scan.formulas(text, b"")
    assert [text[a:a + 4] for a in at.tolist()] == [b"<f>1", b"<f>2", b"<f>3", b"<f>4", b"<f>5"]
    assert columns.tolist() == [-1, 27, 16383, -1, 4]  # A7 is too near the start to look
