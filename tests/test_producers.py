"""Workbooks as each program writes them refresh correctly, open in LibreOffice afterwards
and read again in sheets-funnel; a rewritten package is checked before it replaces the file."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import producers
import pytest
from conftest import libreoffice_tabs

from sheets_funnel.backends import xlsx_check, xlsx_package, zipraw
from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.backends.xlsx_check import RewriteFailed, check_package, check_parts
from sheets_funnel.refresh import refresh
from sheets_funnel.render import OPEN_COLUMN, STAGE_TABLE_FIRST_ROW

AS_OF = "2026-06-30"
STAGE_ROWS = range(STAGE_TABLE_FIRST_ROW - 1, STAGE_TABLE_FIRST_ROW + 4)  # 0-based, 5 stages
NOW = OPEN_COLUMN - 1  # 0-based column of the open deals at each stage


def build(tmp_path: Path, kind: str) -> Path:
    suffix = ".xlsm" if "macro" in kind else ".xlsx"
    return producers.write(tmp_path / f"{kind}{suffix}", producers.PRODUCERS[kind]())


def user_parts(path: Path) -> dict[str, bytes]:
    """The parts holding the user's tabs (Pipeline, Settings, a macro sheet)."""
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()
                if n in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml",
                         "xl/macrosheets/sheet1.xml", "xl/styles.xml", "xl/sharedStrings.xml")}


def check_summary(summary: dict) -> None:
    assert summary["deals"] == 5 and summary["issues"] == []
    assert summary["stage_counts"] == producers.OPEN_BY_STAGE
    assert (summary["won"], summary["lost"]) == (1, 1)


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", list(producers.PRODUCERS))
def test_each_producers_workbook_refreshes_opens_and_reads_again(cli, tmp_path, kind):
    path = build(tmp_path, kind)
    before = user_parts(path)
    result = cli("refresh", str(path), "--as-of", AS_OF, "--json")
    assert result.code == 0, result.err
    check_summary(result.json())
    assert user_parts(path) == before  # the user's parts are copied byte for byte
    # sheets-funnel reads its own result again, and a second refresh works the same
    tabs = XlsxWorkbook(path).tab_names()
    assert [t for t in tabs if t != "Macro1"] == ["Pipeline", "Settings", "Funnel", "Focus",
                                                  "History", "_funnel_state"]
    funnel = XlsxWorkbook(path).read(["Funnel"])["Funnel"]
    assert [funnel[r][NOW] for r in STAGE_ROWS] == list(producers.OPEN_BY_STAGE.values())
    again = cli("refresh", str(path), "--as-of", AS_OF, "--json")
    assert again.code == 0, again.err
    check_summary(again.json())
    # LibreOffice opens the refreshed file: the user's tabs and the owned ones
    opened = libreoffice_tabs(path, tmp_path / "lo")
    assert opened["Pipeline"][1][:4] == ["D-1", "Acme", "Anna", "#1"]
    assert opened["Funnel"][0][3] == AS_OF  # written in the workbook's own date system
    assert [opened["Funnel"][r][NOW] for r in STAGE_ROWS] == [
        str(n) for n in producers.OPEN_BY_STAGE.values()]
    assert len(opened["History"]) == 2  # header and one row for the as-of date


def test_the_relationships_namespace_declared_on_each_sheet_is_kept(tmp_path):
    """The Open XML SDK declares ``r`` on each ``<x:sheet>``: added tabs declare it too."""
    path = build(tmp_path, "dotnet-openxml-sdk")
    refresh(XlsxWorkbook(path), producers.D(2026, 6, 30))
    with zipfile.ZipFile(path) as zf:
        workbook = zf.read("xl/workbook.xml")
    assert workbook.startswith(b"\xef\xbb\xbf")  # the byte order mark is kept
    sheets = list(xlsx_package.list_sheets(workbook, zipfile.ZipFile(path).read(
        "xl/_rels/workbook.xml.rels"), "xl/workbook.xml"))
    assert [s.name for s in sheets][2:] == ["Funnel", "Focus", "History", "_funnel_state"]
    assert all(s.part.startswith("xl/worksheets/") for s in sheets)


def test_strict_workbook_stays_strict(tmp_path):
    path = build(tmp_path, "strict-open-xml")
    refresh(XlsxWorkbook(path), producers.D(2026, 6, 30))
    with zipfile.ZipFile(path) as zf:
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        funnel = zf.read("xl/worksheets/sheet3.xml").decode()
    assert f'Type="{producers.STRICT_REL}/worksheet" Target="worksheets/sheet3.xml"' in rels
    assert f'<worksheet xmlns="{producers.STRICT_MAIN}"' in funnel
    assert "schemas.openxmlformats.org/spreadsheetml" not in funnel


def test_a_protected_structure_refuses_to_add_tabs(cli, tmp_path):
    path = producers.write(tmp_path / "locked.xlsx", producers.protected_structure())
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = cli("refresh", str(path), "--as-of", AS_OF)
    assert result.code == 2
    assert result.err == (
        "sheets-funnel: locked.xlsx: the workbook's structure is protected (Review > Protect "
        "Workbook), so sheets-funnel cannot add its tabs 'Funnel', 'Focus', 'History'; nothing "
        "was written. Unprotect the workbook, refresh once, and protect it again: later "
        "refreshes only rewrite tabs that exist\n")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_protected_structure_with_the_owned_tabs_refreshes(cli, tmp_path):
    path = build(tmp_path, "excel-windows")
    assert cli("refresh", str(path), "--as-of", AS_OF).code == 0
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"<bookViews>", b'<workbookProtection lockStructure="1"/><bookViews>')
    producers.write(path, parts)
    result = cli("refresh", str(path), "--as-of", "2026-07-01", "--json")
    assert result.code == 0, result.err
    assert b'lockStructure="1"' in zipfile.ZipFile(path).read("xl/workbook.xml")


def test_a_rewritten_package_that_fails_its_check_keeps_the_file(tmp_path, monkeypatch):
    """Whatever goes wrong in the writing, the file is replaced only by a package that opens."""
    path = build(tmp_path, "excel-windows")
    before = path.read_bytes()
    monkeypatch.setattr(xlsx_package, "new_sheet_xml",
                        lambda data, dimension, strict=False: "<worksheet><sheetData>")
    with pytest.raises(RewriteFailed, match=r"excel-windows.xlsx: the rewritten workbook did "
                                            r"not pass its check \(.*\); the file was not"):
        refresh(XlsxWorkbook(path), producers.D(2026, 6, 30))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["excel-windows.xlsx"]


@pytest.mark.parametrize(("change", "problem"), [
    (lambda parts: parts.pop("xl/worksheets/sheet2.xml"), "tab 'Settings' leads to no part"),
    (lambda parts: parts.update({"[Content_Types].xml": parts["[Content_Types].xml"].replace(
        b'<Default Extension="xml" ContentType="application/xml"/>', b"").replace(
        b'<Override PartName="/xl/worksheets/sheet1.xml"', b'<Override PartName="/x.xml"')}),
     "tab 'Pipeline' has no content type"),
    (lambda parts: parts.update({"xl/workbook.xml": parts["xl/workbook.xml"].replace(
        b'name="Settings"', b'name="PIPELINE"')}), "two tabs are named 'PIPELINE'"),
])
def test_the_check_finds_a_package_a_spreadsheet_cannot_open(tmp_path, change, problem):
    parts = producers.excel_windows()
    change(parts)
    path = producers.write(tmp_path / "bad.xlsx", parts)
    with pytest.raises(RewriteFailed, match=problem):
        check_package(str(path), "bad.xlsx", {})


def test_the_check_finds_each_rewritten_part_as_the_data_that_was_checked(tmp_path):
    parts = producers.excel_windows()
    part = "xl/worksheets/sheet1.xml"
    entry = zipraw.deflate(parts[part])
    path = tmp_path / "rewritten.xlsx"
    with path.open("wb") as out:
        writer = zipraw.RawZipWriter(out)
        for name, data in parts.items():
            if name == part:
                writer.add_deflated(name, entry)
            else:
                writer.add(name, data)
        writer.close()
    check_package(str(path), "rewritten.xlsx", {part: entry})
    # other data (one more space), or the same data compressed otherwise, is not the part
    for other in (zipraw.deflate(parts[part] + b" "), zipraw.deflate(parts[part], 9)):
        assert other.packed != entry.packed
        with pytest.raises(RewriteFailed, match=f"{part} is not the part that was checked"):
            check_package(str(path), "rewritten.xlsx", {part: other})
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
    raw = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(part) + len(info.extra)  # after the local header
    assert raw[start:start + info.compress_size] == entry.packed
    raw[start + info.compress_size // 2] ^= 0x20  # one bit damaged on the way to the disk
    path.write_bytes(bytes(raw))
    with pytest.raises(RewriteFailed, match=f"rewritten.xlsx: the rewritten workbook did not "
                                            f"pass its check \\({part} is not the part that "
                                            f"was checked\\)"):
        check_package(str(path), "rewritten.xlsx", {part: entry})


def test_a_part_is_written_only_when_its_compressed_data_inflates_back_to_it(monkeypatch):
    # three megabytes, so the comparison runs over several of its one-megabyte steps
    data = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n * 7)
                    for n in range(80_000))
    assert len(data) > 3 << 20
    entry = zipraw.deflate(data)
    assert zipraw.inflates_to(entry, data)
    assert not zipraw.inflates_to(entry, data[:-1] + b"!")  # one byte differs at the end
    assert not zipraw.inflates_to(entry, data + b" ")  # the data is longer
    assert not zipraw.inflates_to(entry, data[:-1])  # or shorter
    assert not zipraw.inflates_to(entry._replace(packed=entry.packed[:-5]), data)  # cut short
    assert not zipraw.inflates_to(entry._replace(packed=entry.packed + b"\0"), data)  # trailing
    damaged = bytearray(entry.packed)
    damaged[len(damaged) // 2] ^= 0xFF
    assert not zipraw.inflates_to(entry._replace(packed=bytes(damaged)), data)
    xlsx_check.check_inflates("x.xlsx", "xl/worksheets/sheet9.xml", entry, data)
    # a compressor that loses bytes: the part is refused
    lossy = zipraw.deflate(data[:len(data) // 2] + data[-1:])
    with pytest.raises(RewriteFailed, match=r"x.xlsx: the rewritten workbook did not pass its "
                                            r"check \(xl/worksheets/sheet9.xml does not inflate "
                                            r"back to the data that was checked\)"):
        xlsx_check.check_inflates("x.xlsx", "xl/worksheets/sheet9.xml", lossy, data)


def test_a_refresh_whose_compressor_loses_bytes_writes_nothing(tmp_path, monkeypatch):
    from sheets_funnel.backends import xlsx

    path = build(tmp_path, "excel-windows")
    before = path.read_bytes()
    monkeypatch.setattr(xlsx, "deflate",
                        lambda data: zipraw.deflate(data[:len(data) // 2] + data[-1:]))
    with pytest.raises(RewriteFailed, match=r"does not inflate back to the data that was "
                                            r"checked"):
        refresh(XlsxWorkbook(path), dt.date.fromisoformat(AS_OF))
    assert path.read_bytes() == before


def test_a_large_part_is_checked_whole_across_its_megabytes():
    # "<a>" then 600,000 two-byte characters: one of them straddles the first megabyte
    good = ("<a>" + "\u00e9" * 600_000 + "</a>").encode()
    assert good[(1 << 20) - 1:(1 << 20) + 1].decode() == "\u00e9"
    check_parts("x.xlsx", {"xl/worksheets/sheet9.xml": good})
    # the closing tag is wrong: the column is counted in characters over the whole part
    # ("<a>", 600,000 characters, "</": the tag's name is at column 600,005)
    bad = good.replace(b"</a>", b"</b>")
    with pytest.raises(RewriteFailed, match=r"x.xlsx: the rewritten workbook did not pass its "
                                            r"check \(xl/worksheets/sheet9.xml: mismatched "
                                            r"tag: line 1, column 600005\)"):
        check_parts("x.xlsx", {"xl/worksheets/sheet9.xml": bad})
