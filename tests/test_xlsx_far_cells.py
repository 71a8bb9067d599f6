"""A stray cell far to the right (XFD1, the last column): reading costs the cells that hold data.

The files are built the way Excel leaves them after someone types a note into XFD1: the note is
a shared string, row 1 gets the cell, and the declared dimension grows to column XFD.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import libreoffice_tabs

from sheets_funnel.backends import sparse_columns
from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.cells import column_letter
from sheets_funnel.parse import _pick_columns, parse_pipeline
from sheets_funnel.refresh import refresh
from sheets_funnel.sample import sample_deals
from sheets_funnel.templates import build_workbook

AS_OF = dt.date(2026, 6, 30)
DEALS = 300
LAST_COLUMN = 16_384  # XFD, the last column a sheet has


def rewrite_parts(path: Path, edit: Callable[[dict[str, bytes]], None]) -> None:
    """Rewrite the package at ``path`` after ``edit`` changed its parts (name → bytes)."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        data = {i.filename: zf.read(i.filename) for i in infos}
    edit(data)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in infos:
            zf.writestr(info.filename, data[info.filename])


def type_into(path: Path, part: str, cell: str, text: str) -> None:
    """Put ``text`` into ``cell`` of a sheet part as Excel saves it (shared string, grown
    dimension); ``cell``'s row must already exist."""
    def edit(data: dict[str, bytes]) -> None:
        strings = data["xl/sharedStrings.xml"].decode()
        index = strings.count("<si>")
        strings = strings.replace("</sst>", f"<si><t>{text}</t></si></sst>")
        data["xl/sharedStrings.xml"] = re.sub(r'(uniqueCount|count)="\d+"',
                                              lambda m: f'{m.group(1)}="{index + 1}"',
                                              strings).encode()
        letters, row = re.fullmatch(r"([A-Z]+)(\d+)", cell).groups()  # type: ignore[union-attr]
        sheet = data[part].decode()
        sheet = re.sub(r'<dimension ref="([A-Z]+\d+):[A-Z]+(\d+)"/>',
                       lambda m: f'<dimension ref="{m.group(1)}:{letters}{m.group(2)}"/>', sheet)
        row_xml = re.search(rf'<row r="{row}"[^>]*>.*?</row>', sheet)
        assert row_xml is not None, f"no row {row} in {part}"
        grown = row_xml.group(0).replace("</row>",
                                         f'<c r="{cell}" t="s"><v>{index}</v></c></row>')
        grown = re.sub(r'spans="(\d+):\d+"', rf'spans="\1:{LAST_COLUMN}"', grown)
        data[part] = (sheet[:row_xml.start()] + grown + sheet[row_xml.end():]).encode()

    rewrite_parts(path, edit)


def pipeline_book(path: Path) -> Path:
    build_workbook(path, "en", sample_deals(DEALS, "en", AS_OF), {"sales_target": 30})
    return path


def part_of(path: Path, tab: str) -> str:
    return {s.name: s.part for s in XlsxWorkbook(path)._package_sheets()}[tab]


def test_stray_note_in_the_last_column_is_read_without_widening_every_row(
        tmp_path: Path) -> None:
    clean = pipeline_book(tmp_path / "clean.xlsx")
    stray = pipeline_book(tmp_path / "stray.xlsx")
    type_into(stray, part_of(stray, "Pipeline"), "XFD1", "ask Dana about Q3")

    rows = XlsxWorkbook(stray).read(["Pipeline"])["Pipeline"]
    clean_rows = XlsxWorkbook(clean).read(["Pipeline"])["Pipeline"]
    # the header row reaches the note; every other row stays as wide as the template's
    # twelve columns (A:L), so the cells read are the data's, not 300 × 16,384
    assert len(rows[0]) == LAST_COLUMN
    assert rows[0][LAST_COLUMN - 1] == "ask Dana about Q3"
    assert rows[0][:12] == clean_rows[0]
    assert all(cell == "" for cell in rows[0][12:LAST_COLUMN - 1])
    assert {len(row) for row in rows[1:]} == {12}
    assert rows[1:] == clean_rows[1:]
    assert sum(map(len, rows)) == 12 * DEALS + LAST_COLUMN


def test_refresh_with_a_stray_note_gives_the_clean_files_results(tmp_path: Path) -> None:
    clean = pipeline_book(tmp_path / "clean.xlsx")
    stray = pipeline_book(tmp_path / "stray.xlsx")
    type_into(stray, part_of(stray, "Pipeline"), "XFD1", "ask Dana about Q3")

    expected = refresh(XlsxWorkbook(clean), AS_OF)
    got = refresh(XlsxWorkbook(stray), AS_OF)
    assert len(got.parsed.deals) == DEALS
    assert got.parsed.deals.equals(expected.parsed.deals)
    assert got.summary() == expected.summary()
    # the note is the user's: still there after the refresh, and the file opens in LibreOffice
    assert XlsxWorkbook(stray).read(["Pipeline"])["Pipeline"][0][LAST_COLUMN - 1] \
        == "ask Dana about Q3"
    tabs = libreoffice_tabs(stray, tmp_path / "csv")
    assert tabs["Funnel"] == libreoffice_tabs(clean, tmp_path / "csv-clean")["Funnel"]


def test_far_cells_in_history_and_state_tabs_are_read_where_they_are(tmp_path: Path) -> None:
    book = pipeline_book(tmp_path / "book.xlsx")
    refresh(XlsxWorkbook(book), AS_OF - dt.timedelta(days=1))
    type_into(book, part_of(book, "History"), "XFD2", "quarter end")
    type_into(book, part_of(book, "_funnel_state"), "XFD1", "x")

    read = XlsxWorkbook(book).read(["History", "_funnel_state"])
    history, state = read["History"], read["_funnel_state"]
    assert len(history[1]) == LAST_COLUMN and history[1][-1] == "quarter end"
    assert len(history[0]) < 30  # the header row is not widened by row 2's note
    assert len(state[0]) == LAST_COLUMN and all(len(row) < 10 for row in state[1:])

    outcome = refresh(XlsxWorkbook(book), AS_OF)
    assert outcome.movement is not None and not outcome.movement.first  # the state was read
    history = XlsxWorkbook(book).read(["History"])["History"]
    assert [row[0] for row in history[1:]] == [AS_OF - dt.timedelta(days=1), AS_OF]
    assert history[1][-1] == "quarter end"  # the kept row keeps the note in its column


def test_columns_used_by_a_sheet_are_found_whatever_the_namespace_prefix() -> None:
    cells = "".join(f'<x:c r="{col}{row}"><x:v>1</x:v></x:c>'
                    for row in (1, 2) for col in ("A", "B", "C", "AA", "XFD"))
    xml = (f'<x:worksheet xmlns:x="main"><x:sheetData><x:row r="1">{cells}</x:row>'
           "</x:sheetData></x:worksheet>").encode()
    # A B C, AA (index 26) and XFD (index 16,383)
    assert sparse_columns.used_columns(xml) == [0, 1, 2, 26, 16_383]
    columns = sparse_columns.plan(xml)
    assert columns == [0, 1, 2, 26, 16_383]
    compacted = sparse_columns.compact(xml, columns).decode()
    # AA becomes D and XFD becomes E; A to C stay where they are
    assert re.findall(r'r="([A-Z]+)1"', compacted) == ["A", "B", "C", "D", "E"]
    back = sparse_columns.expand([[1, 2, 3, "", 5], [1, "", "", "", ""]], columns)
    assert back[0][:3] == [1, 2, 3] and back[0][16_383] == 5 and len(back[0]) == 16_384
    assert back[1] == [1, "", ""]


def test_a_sheet_whose_columns_are_close_together_is_read_as_it_is() -> None:
    # columns A and R (index 17): sixteen empty columns between them are cheap to read
    xml = b'<worksheet><sheetData><row r="1"><c r="A1"/><c r="R1"/></row></sheetData></worksheet>'
    assert sparse_columns.used_columns(xml) == [0, 17]
    assert sparse_columns.plan(xml) is None
    assert sparse_columns.column_index("XFD") == LAST_COLUMN - 1
    assert all(sparse_columns.column_index(column_letter(i)) == i for i in range(800))


def test_a_known_column_far_right_is_picked_without_padding_every_row() -> None:
    header = ["Deal ID", "Account", "Stage", "Status", "Value", "First Appointment Date"]
    header += [""] * (LAST_COLUMN - 1 - len(header)) + ["Next Step"]
    rows: list[list[object]] = [header, ["D-1", "Acme", "#1", "Open", 100, "2026-06-01"]]
    rows.append(["D-2", "Beta", "#2", "Open", 200, "2026-06-02"]
                + [""] * (LAST_COLUMN - 7) + ["call back"])
    deals, issues = parse_pipeline("Pipeline", rows, "en")  # type: ignore[arg-type]
    assert issues == []
    assert deals["next_step"].tolist() == ["", "call back"]
    assert deals["value"].tolist() == [100.0, 200.0]
    # two cells per row are picked for two columns, whatever their letters
    picked = _pick_columns(rows[1:], {"deal_id": 0, "next_step": LAST_COLUMN - 1})
    assert picked == {"deal_id": ["D-1", "D-2"], "next_step": [None, "call back"]}


def test_a_part_read_for_the_plan_is_its_bytes_stored_or_deflated_and_checked(tmp_path):
    from sheets_funnel.backends.zipraw import read_entry

    xml = b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>' * 50
    path = tmp_path / "parts.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("stored.xml", xml, zipfile.ZIP_STORED)
        zf.writestr("deflated.xml", xml, zipfile.ZIP_DEFLATED)
        zf.writestr("empty.xml", b"", zipfile.ZIP_DEFLATED)
    with open(path, "rb") as raw, zipfile.ZipFile(raw) as zf:
        for name in ("stored.xml", "deflated.xml", "empty.xml"):
            assert read_entry(zf, zf.getinfo(name), raw) == zf.read(name)
        assert read_entry(zf, zf.getinfo("deflated.xml"), raw) == xml
        info = zf.getinfo("stored.xml")
    damaged = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len("stored.xml") + len(info.extra)
    assert damaged[start:start + len(xml)] == xml
    damaged[start + 100] ^= 0x20  # one bit damaged on the way to the disk
    path.write_bytes(bytes(damaged))
    with (open(path, "rb") as raw, zipfile.ZipFile(raw) as zf,
          pytest.raises(zipfile.BadZipFile, match=r"Bad CRC-32 for file 'stored\.xml'")):
        read_entry(zf, zf.getinfo("stored.xml"), raw)


def _set_dimension(path: Path, part: str, ref: str) -> None:
    def edit(data: dict[str, bytes]) -> None:
        data[part] = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(),
                            data[part])

    rewrite_parts(path, edit)


def test_a_sheet_whose_declared_block_fits_its_data_is_not_scanned_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = pipeline_book(tmp_path / "book.xlsx")
    expected = XlsxWorkbook(book).read(["Pipeline", "Settings"])

    def whole_part_read(*args: object) -> bytes:
        raise AssertionError("the whole part was inflated to look for far cells")

    # the template's dimension (A1:L301 for 300 deals, twelve columns) is what its cells fill
    monkeypatch.setattr(sparse_columns, "read_entry", whole_part_read)
    assert XlsxWorkbook(book).read(["Pipeline", "Settings"]) == expected


def test_a_stray_far_cell_under_a_single_cell_dimension_is_still_found(tmp_path: Path) -> None:
    # streaming writers leave <dimension ref="A1"/> whatever the data: the sheet is scanned
    book = pipeline_book(tmp_path / "book.xlsx")
    type_into(book, part_of(book, "Pipeline"), "XFD1", "ask Dana about Q3")
    _set_dimension(book, part_of(book, "Pipeline"), "A1")
    rows = XlsxWorkbook(book).read(["Pipeline"])["Pipeline"]
    assert rows[0][LAST_COLUMN - 1] == "ask Dana about Q3"
    assert {len(row) for row in rows[1:]} == {12}  # only row 1 reaches the note


def test_a_dimension_that_understates_the_data_still_reads_every_cell(tmp_path: Path) -> None:
    # a dimension too small for the cells (A1:L301 while XFD1 holds a note) only costs time:
    # every value is read where it is
    book = pipeline_book(tmp_path / "book.xlsx")
    clean_rows = XlsxWorkbook(book).read(["Pipeline"])["Pipeline"]
    type_into(book, part_of(book, "Pipeline"), "XFD1", "ask Dana about Q3")
    _set_dimension(book, part_of(book, "Pipeline"), f"A1:L{DEALS + 1}")
    rows = XlsxWorkbook(book).read(["Pipeline"])["Pipeline"]
    assert rows[0][LAST_COLUMN - 1] == "ask Dana about Q3"
    assert [row[:12] for row in rows] == clean_rows
