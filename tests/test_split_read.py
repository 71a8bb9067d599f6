"""A large tab read in pieces side by side gives exactly the cells reading it whole gives.

Pieces are forced here on small files (any size is "large", two to four pieces), so each
shape a sheet can have at a cut is tried: a later piece narrower or wider than the first,
starting with empty rows or columns, holding no values at all, a namespace prefix, rows
that do not say their number, far cells left out while reading, and the files of every
producer the project knows.
"""

from __future__ import annotations

import io
import re
import types
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import producers
import pytest
from test_xlsx_far_cells import AS_OF, part_of, pipeline_book, type_into
from test_xlsx_far_rows import LAST_ROW, type_below

from sheets_funnel.backends import merge_pass, split_read
from sheets_funnel.backends.piece_file import PieceFile
from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.cells import Rows, column_letter
from sheets_funnel.errors import NotAWorkbook
from sheets_funnel.refresh import refresh

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def read(path: Path, tabs: list[str], monkeypatch: pytest.MonkeyPatch,
         pieces: int | None) -> tuple[dict[str, Rows], int]:
    """The tabs read whole (``pieces`` None) or in that many pieces, and how many tabs were
    read in pieces."""
    split = 0
    real = split_read.finish

    def counted(*args: object) -> Rows:
        nonlocal split
        split += 1
        return real(*args)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(split_read, "SPLIT_BYTES", 1 if pieces else 1 << 62)
        patch.setattr(split_read, "piece_count", lambda shared=0: pieces or 1)
        patch.setattr(split_read, "finish", counted)
        return XlsxWorkbook(path).read(tabs), split


def same_in_pieces(path: Path, tabs: list[str], monkeypatch: pytest.MonkeyPatch,
                   counts: tuple[int, ...] = (2, 3, 4)) -> Rows:
    """Read ``tabs`` whole and in each count of pieces; assert every read is identical and
    that the first tab was really read in pieces. The first tab's rows, read whole."""
    whole, split = read(path, tabs, monkeypatch, None)
    assert split == 0
    for count in counts:
        pieces, split = read(path, tabs, monkeypatch, count)
        assert split >= 1, f"{tabs[0]} was not read in {count} pieces"
        assert pieces == whole, f"{count} pieces"
    return whole[tabs[0]]


def sheet_book(path: Path, rows: list[str], dimension: str, prefix: str = "",
               after_cells: str = "") -> Path:
    """A one-tab workbook ("Data") whose sheet holds these ``<row>`` elements as written,
    then ``after_cells`` (merged cells, say), and declares its size (``A1:D200``) as Excel
    does."""
    p = prefix
    xmlns = f'xmlns:{p[:-1]}="{MAIN}"' if p else f'xmlns="{MAIN}"'
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {xmlns}>'
             f'<{p}dimension ref="{dimension}"/>'
             f'<{p}sheetData>{"".join(rows)}</{p}sheetData>{after_cells}</{p}worksheet>')
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{REL}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return path


def row(n: int, cells: dict[str, object], prefix: str = "", numbered: bool = True) -> str:
    """A ``<row>`` with inline-string and number cells, as a script writes them."""
    p = prefix
    out = []
    for column, value in cells.items():
        ref = f' r="{column}{n}"' if numbered else ""
        if isinstance(value, str):
            out.append(f'<{p}c{ref} t="inlineStr"><{p}is><{p}t>{value}</{p}t></{p}is></{p}c>')
        else:
            out.append(f"<{p}c{ref}><{p}v>{value}</{p}v></{p}c>")
    number = f' r="{n}"' if numbered else ""
    return f"<{p}row{number}>{''.join(out)}</{p}row>"


def deals(first: int, last: int, prefix: str = "") -> Iterator[str]:
    for n in range(first, last + 1):
        yield row(n, {"A": f"D-{n}", "B": f"Account {n}", "C": n * 10}, prefix)


def with_dimension(parts: producers.Parts, part: str, ref: str) -> None:
    """Declare the sheet's size where Excel puts it: after ``<sheetPr>``, or first."""
    xml = parts[part].decode("utf-8-sig")
    root = re.search(r"<(\w+:)?worksheet\b[^>]*>(<\1?sheetPr\b[^>]*?(/>|>.*?</\1?sheetPr>))?",
                     xml, re.S)
    assert root is not None
    p = root.group(1) or ""
    parts[part] = (xml[:root.end()] + f'<{p}dimension ref="{ref}"/>' + xml[root.end():]).encode()


@pytest.mark.parametrize("kind", list(producers.PRODUCERS))
def test_each_producers_workbook_reads_the_same_in_pieces(tmp_path, monkeypatch, kind):
    suffix = ".xlsm" if "macro" in kind else ".xlsx"
    parts = producers.PRODUCERS[kind]()
    path = producers.write(tmp_path / f"plain{suffix}", parts)
    sheets = {s.name: s.part for s in XlsxWorkbook(path)._package_sheets()}
    for tab, rows in XlsxWorkbook(path).read(["Pipeline", "Settings"]).items():
        with_dimension(parts, sheets[tab], f"A1:{column_letter(max(map(len, rows)) - 1)}"
                                           f"{len(rows)}")
    path = producers.write(tmp_path / f"{kind}{suffix}", parts)
    rows = same_in_pieces(path, ["Pipeline", "Settings"], monkeypatch)
    assert len(rows) == 6 and rows[1][0] != ""  # a header and five deals


def test_a_later_piece_narrower_than_the_header_is_widened(tmp_path, monkeypatch):
    """The template's Flags header (column D) has no value below it: every row is still as
    wide as the header row, as when the tab is read whole."""
    path = sheet_book(tmp_path / "b.xlsx", [row(1, {"A": "ID", "B": "Account", "C": "Value",
                                                     "D": "Flags"}), *deals(2, 200)], "A1:D200")
    rows = same_in_pieces(path, ["Data"], monkeypatch)
    assert {len(r) for r in rows} == {4} and rows[150] == ["D-151", "Account 151", 1510, ""]


def test_a_later_piece_wider_than_the_first_widens_every_row(tmp_path, monkeypatch):
    notes = [row(190, {"A": "D-190", "G": "call back"})]
    path = sheet_book(tmp_path / "b.xlsx", [*deals(1, 189), *notes, *deals(191, 200)],
                      "A1:G200")
    rows = same_in_pieces(path, ["Data"], monkeypatch)
    assert {len(r) for r in rows} == {7} and rows[189][6] == "call back"


def test_empty_rows_and_columns_at_a_cut_keep_every_row_in_its_place(tmp_path, monkeypatch):
    """Rows 101–150 are missing and the rows from 151 on start in column C. Row 151 holds a
    long note, so the middle of the sheet falls inside it and the second piece starts at row
    151: it begins after empty rows and an empty column."""
    long_note = row(151, {"C": 151, "D": "x" * 20_000})
    shifted = [row(n, {"C": n, "D": f"x{n}"}) for n in range(152, 260)]
    path = sheet_book(tmp_path / "b.xlsx", [*deals(1, 100), long_note, *shifted], "A1:D259")
    blocks: list[tuple[int, int]] = []
    real = split_read._joined

    def seen(parts: list[tuple[int, int, Rows]]) -> Rows:
        blocks[:] = [(top, left) for top, left, _ in parts]
        return real(parts)

    monkeypatch.setattr(split_read, "_joined", seen)
    rows = same_in_pieces(path, ["Data"], monkeypatch, counts=(2,))
    assert blocks == [(0, 0), (150, 2)]  # 0-based: row 151, column C
    assert len(rows) == 259 and rows[120] == ["", "", "", ""]
    assert rows[200] == ["", "", 201, "x201"]


def test_a_later_piece_without_values_adds_no_rows(tmp_path, monkeypatch):
    """The last half of the sheet holds only cells without a value (styled, or formulas
    never calculated): reading whole ends at the last value, and so do the pieces."""
    empty = [f'<row r="{n}"><c r="A{n}" s="1"/><c r="B{n}"><f>A{n}</f><v></v></c></row>'
             for n in range(101, 300)]
    path = sheet_book(tmp_path / "b.xlsx", [*deals(1, 100), *empty], "A1:B299")
    rows = same_in_pieces(path, ["Data"], monkeypatch, counts=(2, 3))
    assert len(rows) == 100


def test_a_sheet_with_a_namespace_prefix_is_read_the_same_in_pieces(tmp_path, monkeypatch):
    path = sheet_book(tmp_path / "b.xlsx", list(deals(1, 120, "x:")), "A1:C120", prefix="x:")
    rows = same_in_pieces(path, ["Data"], monkeypatch)
    assert rows[119] == ["D-120", "Account 120", 1200]


def test_rows_that_do_not_say_their_number_are_read_whole(tmp_path, monkeypatch):
    """A writer may leave out row and cell references; a piece could not tell where its rows
    are, so such a tab is not cut."""
    plain = [row(n, {"A": f"D-{n}", "B": n}, numbered=False) for n in range(1, 101)]
    path = sheet_book(tmp_path / "b.xlsx", plain, "A1:B100")
    whole, _ = read(path, ["Data"], monkeypatch, None)
    pieces, split = read(path, ["Data"], monkeypatch, 2)
    assert split == 0 and pieces == whole and whole["Data"][99] == ["D-100", 100]


def test_a_sheet_with_far_cells_is_compacted_and_read_whole(tmp_path, monkeypatch):
    """A stray note far right and far down makes the declared size far larger than the data:
    the tab is read from its compacted copy, not in pieces, and reads the same."""
    path = pipeline_book(tmp_path / "far.xlsx")
    type_into(path, part_of(path, "Pipeline"), "XFD1", "ask Dana")
    type_below(path, "Pipeline", f"B{LAST_ROW}", "note at the bottom")
    whole, _ = read(path, ["Pipeline"], monkeypatch, None)
    pieces, split = read(path, ["Pipeline"], monkeypatch, 2)
    assert split == 0 and pieces == whole
    rows = whole["Pipeline"]
    assert len(rows) == LAST_ROW and rows[LAST_ROW - 1][1] == "note at the bottom"
    assert rows[0][-1] == "ask Dana"


def test_a_refresh_reading_in_pieces_writes_what_a_whole_read_writes(tmp_path, monkeypatch):
    outputs = []
    for pieces in (None, 2):
        path = pipeline_book(tmp_path / f"book-{pieces}.xlsx")
        with monkeypatch.context() as patch:
            patch.setattr(split_read, "SPLIT_BYTES", 1 if pieces else 1 << 62)
            patch.setattr(split_read, "piece_count", lambda shared=0, n=pieces: n or 1)
            refresh(XlsxWorkbook(path), AS_OF)
        outputs.append(XlsxWorkbook(path).read(["Funnel", "Focus", "History", "_funnel_state"]))
    assert outputs[0] == outputs[1]
    assert len(outputs[0]["_funnel_state"]) > 1


def test_shared_formulas_whose_first_cell_is_in_another_piece_keep_their_values(
        tmp_path, monkeypatch):
    """Excel writes a column of like formulas once (``<f t="shared" si="0">``) and refers to
    it below; a piece holding only the references reads their calculated values."""
    first = ('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B300" si="0">'
             "A1*2</f><v>2</v></c></row>")
    below = [f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}"><f t="shared" si="0"/>'
             f"<v>{2 * n}</v></c></row>" for n in range(2, 301)]
    path = sheet_book(tmp_path / "b.xlsx", [first, *below], "A1:B300")
    rows = same_in_pieces(path, ["Data"], monkeypatch)
    assert rows[299] == [300, 600]


@pytest.mark.parametrize(("cores", "shared", "expected"), [
    (1, 0, 1),  # one core: never cut
    (2, 0, 4),  # inline strings: two pieces per core
    (2, split_read.SMALL_SHARED_STRINGS, 4),
    (2, split_read.SMALL_SHARED_STRINGS + 1, 2),  # each piece reads them again: one per core
    (3, 0, 4),  # never more than MAX_PIECES
    (8, 5 << 20, 4),
])
def test_piece_count_follows_cores_and_shared_strings(monkeypatch: pytest.MonkeyPatch,
                                                      cores: int, shared: int,
                                                      expected: int) -> None:
    monkeypatch.setattr(split_read, "usable_cores", lambda: cores)
    assert split_read.piece_count(shared) == expected


def test_four_pieces_are_read_by_as_many_threads_as_cores(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """More pieces than cores: the pieces queue for the cores' threads and still give the
    rows the whole read gives."""
    import threading
    import time

    seen: set[str] = set()
    real = split_read._read

    def noted(*args: object) -> object:
        seen.add(threading.current_thread().name)
        time.sleep(0.05)  # each piece takes a while: the later ones are queued meanwhile
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(split_read, "usable_cores", lambda: 2)
    monkeypatch.setattr(split_read, "_read", noted)
    book = pipeline_book(tmp_path / "book.xlsx")
    same_in_pieces(book, ["Pipeline"], monkeypatch, counts=(4,))
    assert len(seen) == 2, seen


def test_with_more_pieces_than_threads_the_later_pieces_are_smaller() -> None:
    assert split_read._shares(2, 2) == [0.5, 0.5]
    shares = split_read._shares(4, 2)
    assert sum(shares) == pytest.approx(1)
    assert shares == sorted(shares, reverse=True)
    assert shares[0] == pytest.approx(shares[-1] * (1 + split_read.TAPER))


def test_pieces_are_cut_at_their_shares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each piece's rows' XML is about its share of the part (a row at most off)."""
    monkeypatch.setattr(split_read, "usable_cores", lambda: 2)
    book = pipeline_book(tmp_path / "book.xlsx")
    with zipfile.ZipFile(book) as zf:
        info = zf.getinfo(part_of(book, "Pipeline"))
        with open(book, "rb") as raw:
            pieces = split_read.start(zf, raw, info, "Pipeline", 4)
    assert pieces is not None
    split_read.finish(pieces)
    sizes = [len(text) for text in pieces.rows_xml]
    expected = [share * info.file_size for share in split_read._shares(4, 2)]
    longest_row = max(len(r) for text in pieces.rows_xml for r in text.split(b"</row>"))
    for size, share in zip(sizes[:-1], expected[:-1], strict=True):
        assert abs(size - share) < longest_row + 2048  # and the sheet's head in the first
    assert sizes[0] > sizes[-1]


def test_a_row_tag_cut_off_at_the_end_of_what_is_inflated_is_not_a_cut() -> None:
    """The inflated text may end inside a row's start tag, before its number: the piece is
    cut at the row before it (it was not cut at all once, and the tab read whole)."""
    text = b'<row r="1"><c/></row><row r="2"><c/></row><row r='
    assert split_read._last_row(text, 0, b"<row") == text.index(b'<row r="2"')
    whole = text + b'"3" spans="1:3">'
    assert split_read._last_row(whole, 0, b"<row") == whole.index(b'<row r="3"')
    assert split_read._last_row(b"<row r=", 0, b"<row") is None
    # only from ``begin`` on: a row before it is not taken
    assert split_read._last_row(text, text.index(b'<row r="2"') + 1, b"<row") is None


def piece_sheets(path: Path, tabs: list[str], monkeypatch: pytest.MonkeyPatch,
                 count: int) -> list[bytes]:
    """The sheet XML of each piece's private package when ``tabs`` are read in ``count``
    pieces."""
    sheets: list[bytes] = []
    real = split_read._read

    def kept(package: PieceFile, tab: str, first: Any) -> tuple[int, int, Rows]:
        with zipfile.ZipFile(io.BytesIO(b"".join(package._chunks))) as zf:
            sheets.append(zf.read("xl/worksheets/sheet1.xml"))
        return real(package, tab, first)

    monkeypatch.setattr(split_read, "_read", kept)
    read(path, tabs, monkeypatch, count)
    return sheets


def reader_view(sheet: bytes, like: Path) -> tuple[Rows, list[object]]:
    """The rows and merged ranges the reader finds in ``sheet`` put in the package ``like``."""
    from python_calamine import CalamineWorkbook

    buffer = io.BytesIO()
    with zipfile.ZipFile(like) as source, zipfile.ZipFile(buffer, "w") as zf:
        for name in source.namelist():
            zf.writestr(name, sheet if name == "xl/worksheets/sheet1.xml" else source.read(name))
    buffer.seek(0)
    read = CalamineWorkbook.from_filelike(buffer).get_sheet_by_name("Data")
    return read.to_python(), read.merged_cell_ranges


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_the_readers_second_pass_over_a_piece_ends_before_its_cells(tmp_path, monkeypatch,
                                                                    prefix):
    """After a sheet's cells the reader reads it again from the top up to its merged cells,
    which a sheet keeps after its cells: each piece holds an empty list of them before its
    cells, so that pass ends there. The cells read the same, and the tab's merged cells are
    still found (in the sheet itself)."""
    p = prefix
    merged = f'<{p}mergeCells count="1"><{p}mergeCell ref="D1:E1"/></{p}mergeCells>'
    path = sheet_book(tmp_path / "b.xlsx", list(deals(1, 120, p)), "A1:C120", prefix=p,
                      after_cells=merged)
    same_in_pieces(path, ["Data"], monkeypatch)
    sheets = piece_sheets(path, ["Data"], monkeypatch, 3)
    assert len(sheets) == 3
    marker = f"<{p}mergeCells></{p}mergeCells><{p}sheetData>".encode()
    assert all(sheet.count(marker) == 1 for sheet in sheets)
    # the tab's own list, after the last piece's cells (pieces are read in any order)
    last = [sheet for sheet in sheets if merged.encode() in sheet]
    assert len(last) == 1
    rows, ranges = reader_view(last[0], path)
    assert rows[-1] == ["D-120", "Account 120", 1200] and ranges == []
    unmarked = last[0].replace(marker, marker[-len(f"<{p}sheetData>"):])
    assert reader_view(unmarked, path) == (rows, [((0, 3), (0, 4))])
    assert XlsxWorkbook(path).merged("Data") == [(0, 3, 0, 4)]


def test_the_installed_reader_passes_over_the_marker() -> None:
    assert merge_pass._reader_passes_over_marker.__wrapped__()
    assert merge_pass.marker(b"x:") == b"<x:mergeCells></x:mergeCells>"


def test_a_reader_that_reads_a_marked_sheet_otherwise_gets_no_marker(tmp_path, monkeypatch):
    """Should a reader read a marked sheet otherwise (or refuse it), pieces are not marked,
    and read the same."""
    real = merge_pass._read_probe

    def stops_at_marker(before_cells: bytes) -> tuple[object, object]:
        rows, ranges = real(b"")
        return ([] if before_cells else rows), ([] if before_cells else ranges)

    def refuses(before_cells: bytes) -> tuple[object, object]:
        if before_cells:
            raise ValueError("unexpected element")
        return real(b"")

    for probe in (stops_at_marker, refuses):
        monkeypatch.setattr(merge_pass, "_read_probe", probe)
        assert not merge_pass._reader_passes_over_marker.__wrapped__()
    monkeypatch.setattr(merge_pass, "_reader_passes_over_marker", lambda: False)
    assert merge_pass.marker(b"") == b""
    path = sheet_book(tmp_path / "b.xlsx", list(deals(1, 120)), "A1:C120")
    same_in_pieces(path, ["Data"], monkeypatch)
    assert not any(b"mergeCells" in sheet
                   for sheet in piece_sheets(path, ["Data"], monkeypatch, 2))


class CountedReader:
    """The reader's workbook type, counting the workbooks opened from a whole package (a
    path, or a file object holding no piece)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.whole = 0

    def from_path(self, path: str) -> Any:
        self.whole += not self.is_piece(path)
        return self.real.from_path(path)

    def from_filelike(self, filelike: Any) -> Any:
        self.whole += not self.is_piece(filelike)
        filelike.seek(0)
        return self.real.from_filelike(filelike)

    @staticmethod
    def is_piece(source: Any) -> bool:
        with zipfile.ZipFile(source) as zf:
            return any(b"mergeCells></" in zf.read(name) for name in zf.namelist())


def test_the_other_tabs_are_read_from_the_first_pieces_workbook(tmp_path, monkeypatch):
    """While a tab is read in pieces, the other tabs are read from the first piece's
    workbook, which holds them as they are: the whole package is not opened again (its
    shared strings read once more) for them."""
    import python_calamine

    path = producers.write(tmp_path / "b.xlsx", producers.excel_windows())
    counted = CountedReader(python_calamine.CalamineWorkbook)
    monkeypatch.setattr(python_calamine, "CalamineWorkbook", counted)
    same_in_pieces(path, ["Pipeline", "Settings"], monkeypatch, counts=(2,))
    assert counted.whole == 1  # the whole read only


def test_when_the_first_piece_cannot_be_read_the_other_tabs_come_from_the_whole_package(
        ) -> None:
    opened: list[str] = []

    def whole() -> Any:
        opened.append("whole")
        return types.SimpleNamespace(sheet_names=["Pipeline", "Settings"])

    failed: Future[Any] = Future()
    failed.set_exception(ValueError("damaged piece"))
    book = split_read.FirstPieceBook(split_read.Pieces([], [], b"", failed), whole)
    assert book.sheet_names == ["Pipeline", "Settings"] and opened == ["whole"]
    read: Future[Any] = Future()
    read.set_result(types.SimpleNamespace(sheet_names=["Pipeline"]))
    book = split_read.FirstPieceBook(split_read.Pieces([], [], b"", read), whole)
    assert book.sheet_names == ["Pipeline"] and opened == ["whole"]


def test_a_damaged_piece_is_reported_for_its_tab(tmp_path, monkeypatch):
    """The first piece's workbook cannot be opened: the other tabs are read from the whole
    package, and the tab read in pieces is reported damaged, as a whole read reports it."""
    path = producers.write(tmp_path / "b.xlsx", producers.excel_windows())
    monkeypatch.setattr(split_read, "_package", lambda *args: PieceFile([b"PK damaged"]))
    with pytest.raises(NotAWorkbook, match="tab 'Pipeline' cannot be read"):
        read(path, ["Pipeline", "Settings"], monkeypatch, 2)
