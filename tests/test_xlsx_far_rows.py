"""A stray cell far down (A1048576, the last row): reading costs the rows that hold data.

The files are built the way Excel leaves them after someone types a note into the sheet's last
row below the deals: a new ``<row r="1048576">`` holding the cell, and a dimension grown to it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_xlsx_far_cells import AS_OF, DEALS, part_of, pipeline_book, rewrite_parts

from sheets_funnel.backends import sparse_rows
from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.refresh import refresh

LAST_ROW = 1_048_576  # the last row a sheet has


def type_below(path: Path, tab: str, cell: str, text: str) -> None:
    """Put ``text`` into ``cell`` in a new row at the end of the tab's sheet part (an inline
    string), growing the declared dimension to it."""
    part = part_of(path, tab)
    row = re.fullmatch(r"[A-Z]+(\d+)", cell).group(1)  # type: ignore[union-attr]

    def edit(data: dict[str, bytes]) -> None:
        sheet = data[part].decode()
        sheet = re.sub(r'<dimension ref="([A-Z]+\d+):([A-Z]+)\d+"/>',
                       lambda m: f'<dimension ref="{m.group(1)}:{m.group(2)}{row}"/>', sheet)
        sheet = sheet.replace("</sheetData>", f'<row r="{row}"><c r="{cell}" t="inlineStr">'
                                              f"<is><t>{text}</t></is></c></row></sheetData>")
        data[part] = sheet.encode()

    rewrite_parts(path, edit)


def test_note_in_the_last_row_is_read_in_its_row_without_reading_a_million_rows(
        tmp_path: Path) -> None:
    clean = pipeline_book(tmp_path / "clean.xlsx")
    stray = pipeline_book(tmp_path / "stray.xlsx")
    type_below(stray, "Pipeline", f"B{LAST_ROW}", "ask Dana")

    rows = XlsxWorkbook(stray).read(["Pipeline"])["Pipeline"]
    clean_rows = XlsxWorkbook(clean).read(["Pipeline"])["Pipeline"]
    assert len(rows) == LAST_ROW  # every row keeps its number
    assert rows[LAST_ROW - 1] == ["", "ask Dana"] + [""] * 10  # as wide as the others
    # the header and the deals are read as in the clean file; the template's formatted rows
    # below them (to row 1,000, cells without values) are blank
    assert rows[:DEALS + 1] == clean_rows
    assert all(row == [""] * 12 for row in rows[DEALS + 1:1_000])
    # the rows between hold no cell: all are one shared empty row, so the million rows cost
    # a list of pointers, and the cells read are the data's (12 columns × 1,001 rows)
    between = rows[1_000:LAST_ROW - 1]
    assert len(between) == LAST_ROW - 1_001
    assert {id(row) for row in between} == {id(sparse_rows.EMPTY_ROW)}
    assert sum(map(len, rows)) == 12 * 1_001
    with pytest.raises(TypeError):
        between[0].append("x")  # the shared row cannot be changed by mistake
    assert between[0] == []


def test_refresh_with_a_note_in_the_last_row_names_that_row(tmp_path: Path) -> None:
    clean = pipeline_book(tmp_path / "clean.xlsx")
    stray = pipeline_book(tmp_path / "stray.xlsx")
    type_below(stray, "Pipeline", f"B{LAST_ROW}", "ask Dana")

    expected = refresh(XlsxWorkbook(clean), AS_OF)
    got = refresh(XlsxWorkbook(stray), AS_OF)
    assert got.parsed.deals.equals(expected.parsed.deals)
    # the note is a row with an Account and nothing else: an error row, under its own number
    errors = {(i.row, i.column) for i in got.parsed.issues if i.severity == "error"}
    assert (LAST_ROW, "Deal ID") in errors and (LAST_ROW, "Stage") in errors
    assert {i.row for i in got.parsed.issues} - {i.row for i in expected.parsed.issues} \
        == {LAST_ROW}
    assert XlsxWorkbook(stray).read(["Pipeline"])["Pipeline"][LAST_ROW - 1][1] == "ask Dana"


def _sheet(rows: str, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    ns = f' xmlns:{prefix}="main"' if prefix else ""
    return f"<{p}worksheet{ns}><{p}sheetData>{rows}</{p}sheetData></{p}worksheet>".encode()


@pytest.mark.parametrize("prefix", ["", "x"])
def test_long_runs_of_empty_rows_are_left_out_and_put_back(prefix: str) -> None:
    p = f"{prefix}:" if prefix else ""
    numbers = [1, 2, 5, 3_000, 3_001, 900_000]  # runs of 2, 2,994, 1 and 896,998 empty rows
    xml = _sheet("".join(f'<{p}row spans="1:2" r="{n}"><{p}c r="A{n}" t="n"><{p}v>{n}</{p}v>'
                         f'</{p}c><{p}c r="AB{n}"><{p}v>0</{p}v></{p}c></{p}row>'
                         for n in numbers), prefix)
    start = xml.index(b"sheetData>") + len(b"sheetData>")
    gaps = sparse_rows.plan(xml, start)
    # only runs longer than SLACK (1,000) are left out: after row 5 (0-based index 5 of the
    # compacted sheet) 2,994 rows, and after row 3,001 (compacted row 3,001 − 2,994 = 7,
    # index 7) 896,998 rows
    assert gaps == [(5, 2_994), (7, 896_998)]
    compacted = sparse_rows.compact(xml, start, gaps).decode()
    assert re.findall(r'row spans="1:2" r="(\d+)"', compacted) == ["1", "2", "5", "6", "7", "8"]
    assert re.findall(r'c r="A(\d+)"', compacted) == ["1", "2", "5", "6", "7", "8"]
    assert re.findall(r'c r="AB(\d+)"', compacted) == ["1", "2", "5", "6", "7", "8"]
    assert re.findall(r"v>(\d+)<", compacted)[::2] == [str(n) for n in numbers]  # values kept
    read: list[list[object]] = [[n] for n in (1, 2, 0, 0, 5, 3_000, 3_001, 900_000)]
    back = sparse_rows.expand(read, gaps)  # type: ignore[arg-type]
    assert len(back) == 900_000
    assert [i + 1 for i, row in enumerate(back) if row and row != [0]] == numbers


def test_a_sheet_with_short_gaps_or_rows_without_numbers_is_read_as_it_is() -> None:
    short = _sheet("".join(f'<row r="{n}"><c r="A{n}"/></row>' for n in (1, 2, 1_002)))
    assert sparse_rows.plan(short, 0) is None  # a run of 999 empty rows is cheap to read
    unnumbered = _sheet('<row><c r="A1"/></row><row r="500000"><c r="A500000"/></row>')
    assert sparse_rows.plan(unnumbered, 0) is None
