"""The local-workbook backend: what it reads, what it writes, and what it never touches."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import HEADER, libreoffice_tabs, make_book

from sheets_funnel.backends import xlsx, zipraw
from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.errors import NotAWorkbook, WorkbookLocked
from sheets_funnel.refresh import refresh
from sheets_funnel.sample import sample_deals
from sheets_funnel.templates import build_workbook

AS_OF = dt.date(2026, 6, 30)
FORMULA_LIKE = ['=HYPERLINK("http://example.com","click")', "+1 555 0100", "@SUM(A1:A3)",
                "-2+3", "2026-01-01"]


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def owned_parts(path: Path) -> set[str]:
    book = XlsxWorkbook(path)
    sheets = {s.name: s.part for s in book._package_sheets()}
    return {sheets[name] for name in ("Funnel", "Focus", "History", "_funnel_state")}


def rich_workbook(path: Path) -> Path:
    """A workbook like a real team's: the template plus a text box, a comment and a sparkline."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Pipeline")
    ws.write_row(0, 0, HEADER)
    ws.write_row(1, 0, ["D-1", "Acme", "Anna", "#2", "Open", 500])
    ws.write_string(1, 7, "2026-05-01")
    ws.write_row(2, 0, ["D-2", "Beta", "Boris", "Closed", "Won", 900])
    ws.write_string(2, 7, "2026-01-01")
    ws.write_string(2, 10, "2026-02-20")
    ws.data_validation("D2:D100", {"validate": "list", "source": ["#1", "#2", "#3"]})
    ws.conditional_format("F2:F100", {"type": "cell", "criteria": ">", "value": 100,
                                      "format": book.add_format({"bold": True})})
    ws.insert_textbox("M2", "Team notes: call Acme on Monday")
    ws.write_comment("A2", "key account")
    ws.add_sparkline("L2", {"range": "Pipeline!F2:F3"})
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "=Pipeline!$F$2:$F$3"})
    ws.insert_chart("M8", chart)
    funnel = book.add_worksheet("Funnel")  # as an earlier refresh left it
    funnel.write_string(0, 0, "old content")
    funnel.write_formula(5, 5, "=1+1")
    book.add_worksheet("_funnel_state").hide()
    book.close()
    return path


def test_every_part_but_the_owned_sheets_stays_byte_identical(tmp_path):
    path = rich_workbook(tmp_path / "team.xlsx")
    before = parts(path)
    refresh(XlsxWorkbook(path), AS_OF)
    after = parts(path)
    funnel_part = "xl/worksheets/sheet2.xml"
    changed = {name for name in before if before[name] != after.get(name)}
    # Funnel and the hidden state tab existed and are rewritten; Focus and History are
    # created, which adds them to the workbook's tab list, relationships and content types.
    # Nothing else changes.
    assert changed == {funnel_part, "xl/worksheets/sheet3.xml", "xl/workbook.xml",
                       "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    assert set(after) - set(before) == {"xl/worksheets/sheet4.xml", "xl/worksheets/sheet5.xml"}
    assert b"old content" not in after[funnel_part] and b"<f>" not in after[funnel_part]


def test_refreshing_again_changes_only_owned_sheets(tmp_path):
    path = rich_workbook(tmp_path / "team.xlsx")
    refresh(XlsxWorkbook(path), AS_OF)
    before = parts(path)
    refresh(XlsxWorkbook(path), AS_OF + dt.timedelta(days=1))
    after = parts(path)
    assert set(after) == set(before)
    changed = {name for name in before if before[name] != after[name]}
    assert changed <= owned_parts(path)


def test_template_chart_and_validation_survive_refresh(tmp_path):
    path = build_workbook(tmp_path / "t.xlsx", "en", [
        ["D-1", "Acme", "Anna", "#1", "Open", 100, None, dt.date(2026, 6, 1), "", None, None]])
    before = parts(path)
    refresh(XlsxWorkbook(path), AS_OF)
    after = parts(path)
    changed = {name for name in before if before[name] != after[name]}
    assert changed <= owned_parts(path)
    assert set(after) == set(before)
    funnel_xml = after[sorted(owned_parts(path))[0]].decode()
    assert "<drawing r:id=" in funnel_xml  # the chart is still anchored on the Funnel tab


def test_vba_project_of_an_xlsm_is_kept_byte_for_byte(tmp_path):
    vba = tmp_path / "vbaProject.bin"
    vba.write_bytes(b"\xd0\xcf\x11\xe0 stand-in VBA project bytes " * 50)
    path = build_workbook(tmp_path / "macro.xlsm", "en", [], vba_project=vba,
                          button_macro="RefreshFunnel")
    before = parts(path)
    refresh(XlsxWorkbook(path), AS_OF)
    after = parts(path)
    assert after["xl/vbaProject.bin"] == vba.read_bytes() == before["xl/vbaProject.bin"]
    for name, data in before.items():
        if name.startswith(("xl/vbaProject", "xl/drawings/", "[Content_Types]")):
            assert after[name] == data, name


def test_formula_looking_text_is_written_as_text(tmp_path):
    rows = [HEADER] + [
        [f"D-{n}", account, "Anna", "#1", "Open", 1, None, "2026-06-01", "", None, None]
        for n, account in enumerate(FORMULA_LIKE)
    ]
    path = make_book(tmp_path / "f.xlsx", rows)
    outcome = refresh(XlsxWorkbook(path), AS_OF)
    assert len(outcome.result.flags) == len(FORMULA_LIKE)  # all have no next step
    focus = XlsxWorkbook(path).read(["Focus"])["Focus"]
    assert sorted(row[1] for row in focus[1:]) == sorted(FORMULA_LIKE)
    xml = parts(path)[sorted(owned_parts(path))[1]].decode()
    assert "<f>" not in xml
    assert '<t>=HYPERLINK(&quot;' in xml or (
        '<t>=HYPERLINK("http://example.com"' in xml)


def test_open_in_excel_lock_file_refuses_and_changes_nothing(tmp_path, worked_example):
    lock = worked_example.with_name("~$" + worked_example.name)
    lock.write_bytes(b"owner")
    before = digest(worked_example)
    with pytest.raises(WorkbookLocked, match="is open in Excel"):
        refresh(XlsxWorkbook(worked_example), AS_OF)
    assert digest(worked_example) == before
    # a dry run only reads, so it still works
    assert refresh(XlsxWorkbook(worked_example), AS_OF, dry_run=True).written == []


def test_failed_write_leaves_the_original_and_no_temp_file(tmp_path, worked_example,
                                                           monkeypatch):
    before = digest(worked_example)

    def broken_close(self):
        raise OSError("disk full")

    monkeypatch.setattr(zipraw.RawZipWriter, "close", broken_close)
    with pytest.raises(OSError, match="disk full"):
        refresh(XlsxWorkbook(worked_example), AS_OF)
    assert digest(worked_example) == before
    assert sorted(p.name for p in worked_example.parent.iterdir()) == [worked_example.name]


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("notes.xlsx", b"just some text", "not an Excel workbook"),
        ("pipeline.csv", b"Deal ID,Account\n", "expected a .xlsx or .xlsm file"),
        ("broken.xlsx", b"PK\x03\x04garbage", "not an Excel workbook"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused(tmp_path, name, content, match):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(NotAWorkbook, match=match):
        XlsxWorkbook(path).tab_names()


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(NotAWorkbook, match="is a zip file but not an Excel workbook"):
        XlsxWorkbook(path).tab_names()


def test_read_keeps_sheet_row_numbers_after_leading_blank_rows(tmp_path):
    path = make_book(tmp_path / "b.xlsx", [HEADER, [None] * 11, [None] * 11,
                                           ["D-1", "Acme", "", "Won"]])
    outcome = refresh(XlsxWorkbook(path), AS_OF, dry_run=True)
    assert list(outcome.parsed.deals["row"]) == [4]


def test_history_keeps_one_row_per_as_of_date(tmp_path, worked_example):
    for day in (AS_OF, AS_OF + dt.timedelta(days=7), AS_OF):
        refresh(XlsxWorkbook(worked_example), day)
    history = XlsxWorkbook(worked_example).read(["History"])["History"]
    assert [row[0] for row in history[1:]] == [dt.date(2026, 6, 30), dt.date(2026, 7, 7)]
    assert [row[1] for row in history[1:]] == [15, 15]  # valid deals on each date


def test_a_created_bookkeeping_tab_is_hidden(tmp_path, worked_example):
    XlsxWorkbook(worked_example).write({"_bookkeeping": [["x"]], "Funnel": [["y"]]})
    with zipfile.ZipFile(worked_example) as zf:
        workbook = ET.fromstring(zf.read("xl/workbook.xml"))
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    sheets = {s.get("name"): (s.get("sheetId"), s.get("state")) for s in workbook.iter(
        f"{main}sheet")}
    assert sheets["_bookkeeping"] == ("3", "hidden")
    assert sheets["Funnel"] == ("4", None)
    assert XlsxWorkbook(worked_example).read(["_bookkeeping"]) == {"_bookkeeping": [["x"]]}


def test_markup_and_control_characters_are_written_safely(worked_example):
    names = ["A & B <Holdings>", "Bell\x07Co", "Zürich \u00a0AG", "=1+1"]
    XlsxWorkbook(worked_example).write({"Focus": [[name] for name in names]})
    focus = XlsxWorkbook(worked_example).read(["Focus"])["Focus"]
    # XML cannot hold a bell character, so it is dropped; everything else is kept as typed
    assert [row[0] for row in focus] == ["A & B <Holdings>", "BellCo", "Zürich \u00a0AG", "=1+1"]


def test_white_space_in_text_is_kept_as_typed(worked_example, tmp_path):
    texts = [" leading", "trailing ", "two  spaces", "tab\there", "line\nbreak",
             "Zürich\u00a0AG", "single spaces between words", "   "]
    XlsxWorkbook(worked_example).write({"Focus": [[text] for text in texts]})
    assert [row[0] for row in XlsxWorkbook(worked_example).read(["Focus"])["Focus"]] == texts
    shown = libreoffice_tabs(worked_example, tmp_path / "lo")["Focus"]
    assert [row[0] for row in shown] == texts
    # only single spaces between words go unmarked
    sheet = XlsxWorkbook(worked_example)._package_sheets()
    part = next(s.part for s in sheet if s.name == "Focus")
    xml = parts(worked_example)[part].decode()
    assert xml.count('<t xml:space="preserve">') == len(texts) - 1
    assert "<t>single spaces between words</t>" in xml


def test_one_core_or_two_write_the_same_workbook(tmp_path, monkeypatch):
    books = []
    for n, spare in enumerate((True, False)):
        monkeypatch.setattr(xlsx, "_spare_core", lambda spare=spare: spare)
        path = build_workbook(tmp_path / f"cores-{n}.xlsx", "en", sample_deals(300, "en", AS_OF),
                              {"sales_target": 30})
        refresh(XlsxWorkbook(path), AS_OF)
        # again a day later: each owned tab's present part is read (on another core) and kept
        # around its new cells
        refresh(XlsxWorkbook(path), AS_OF + dt.timedelta(days=1))
        books.append(parts(path))
    assert books[0] == books[1]
    assert {"xl/worksheets/sheet3.xml", "xl/worksheets/sheet4.xml"} <= set(books[0])
