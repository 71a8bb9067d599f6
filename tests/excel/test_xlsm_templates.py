"""The macro-enabled templates: their VBA project holds RefreshFunnel.bas as source only, the
button runs it, and both survive a refresh and open in LibreOffice."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from conftest import libreoffice_tabs

ROOT = Path(__file__).resolve().parents[2]
EXCEL = ROOT / "templates" / "excel"
TABS = {"en": {"Pipeline", "Settings", "Funnel", "Focus", "History", "_funnel_state"},
        "ru": {"Воронка", "Настройки", "Сводка", "Фокус", "История", "_funnel_state"}}


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    """scripts/build_xlsm_templates.py, imported as a module."""
    spec = importlib.util.spec_from_file_location("build_xlsm_templates",
                                                  ROOT / "scripts" / "build_xlsm_templates.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_vba_project_holds_the_refresh_macro_as_source_only(builder):
    streams = builder.read_cfb((EXCEL / "vbaProject.bin").read_bytes())
    bas = (EXCEL / "RefreshFunnel.bas").read_bytes().decode("cp1252")
    assert builder.module_source(streams, "SheetsFunnel") == bas.replace("\r\n", "\n").replace(
        "\n", "\r\n")
    assert streams["VBA/_VBA_PROJECT"] == bytes.fromhex("cc61ffff000100")  # no compiled cache
    modules = ["ThisWorkbook", "Sheet1", "Sheet2", "Sheet3", "Sheet4", "Sheet5", "Sheet6",
               "SheetsFunnel"]
    dir_stream = builder.decompress(streams["VBA/dir"])
    for module in modules:
        name = module.encode()
        at = dir_stream.index(struct.pack("<HI", 0x1A, len(name)) + name)
        offset_record = dir_stream.index(struct.pack("<HI", 0x31, 4), at)
        assert dir_stream[offset_record + 6:offset_record + 10] == b"\0\0\0\0", module
    assert b"Module=SheetsFunnel\r\n" in streams["PROJECT"]
    assert b"xlwings.xlam" in dir_stream  # the reference that makes RunPython available


def test_vba_project_is_rebuilt_identically_from_xlwings(builder):
    pytest.importorskip("xlwings")
    source = (EXCEL / "RefreshFunnel.bas").read_text(encoding="cp1252")
    built = builder.build_vba_project(builder.xlwings_quickstart_project(), source)
    assert built == (EXCEL / "vbaProject.bin").read_bytes()


@pytest.mark.parametrize("size", [0, 1, 200, 4096, 5000])
def test_vba_compression_round_trips(builder, size):
    text = (b'Attribute VB_Name = "Sheet1"\r\nSub A()\r\nEnd Sub\r\n' * 200)[:size]
    assert builder.decompress(builder.compress(text)) == text
    noise = os.urandom(4096)
    assert builder.decompress(builder.compress(noise)) == noise


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_templates_carry_the_project_and_a_button_that_runs_refreshfunnel(lang):
    parts = _parts(EXCEL / f"pipeline-{lang}.xlsm")
    assert parts["xl/vbaProject.bin"] == (EXCEL / "vbaProject.bin").read_bytes()
    vml = [v for k, v in parts.items() if k.startswith("xl/drawings/vmlDrawing")]
    assert any(b"<x:FmlaMacro>[0]!RefreshFunnel</x:FmlaMacro>" in v for v in vml)
    code_names = re.findall(rb'codeName="(\w+)"', b"".join(
        parts[f"xl/worksheets/sheet{n}.xml"] for n in range(1, 7)))
    assert code_names == [b"Sheet1", b"Sheet2", b"Sheet3", b"Sheet4", b"Sheet5", b"Sheet6"]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_committed_xlsm_templates_match_a_fresh_build(tmp_path, lang):
    from sheets_funnel.backends.xlsx import XlsxWorkbook
    from sheets_funnel.templates import build_workbook

    committed = XlsxWorkbook(EXCEL / f"pipeline-{lang}.xlsm")
    fresh = XlsxWorkbook(build_workbook(tmp_path / f"pipeline-{lang}.xlsm", lang))
    names = committed.tab_names()
    assert set(names) == TABS[lang]
    assert committed.read(names) == fresh.read(names), (
        "templates/excel/ is out of date: run scripts/build_xlsm_templates.py --xlsm")


@pytest.mark.libreoffice
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_refreshed_template_keeps_its_macro_and_opens_in_libreoffice(cli, tmp_path, lang):
    book = tmp_path / f"pipeline-{lang}.xlsm"
    shutil.copyfile(EXCEL / book.name, book)
    result = cli("refresh", str(book), "--as-of", "2026-06-30")
    assert result.code == 0, result.err
    after = _parts(book)
    assert after["xl/vbaProject.bin"] == (EXCEL / "vbaProject.bin").read_bytes()
    assert any(b"[0]!RefreshFunnel" in v for k, v in after.items() if k.endswith(".vml"))
    tabs = libreoffice_tabs(book, tmp_path / "csv")
    assert TABS[lang] <= set(tabs)
    funnel = tabs["Funnel" if lang == "en" else "Сводка"]
    assert funnel[0][0] == ("Sales funnel" if lang == "en" else "Воронка продаж")
    assert "2026-06-30" in funnel[0]


@pytest.mark.libreoffice
def test_libreoffice_reads_the_vba_project_and_binds_the_button_to_it(tmp_path):
    """An independent reader of MS-OVBA finds the module and resolves the button's macro."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice is not installed; ./scripts/setup --libreoffice installs it")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "ods", str(EXCEL / "pipeline-en.xlsm"), "--outdir",
                    str(tmp_path)], check=True, capture_output=True, timeout=180)
    parts = _parts(tmp_path / "pipeline-en.ods")
    module = parts["Basic/VBAProject/SheetsFunnel.xml"].decode()
    assert "RunPython &quot;import sheets_funnel.excel_macro as m; m.refresh_button()&quot;" in (
        module)
    assert {f"Basic/VBAProject/Sheet{n}.xml" for n in range(1, 7)} <= set(parts)
    assert (b"vnd.sun.star.script:VBAProject.SheetsFunnel.RefreshFunnel?language=Basic"
            in parts["content.xml"])


def test_large_streams_round_trip_through_the_compound_file(builder):
    streams = {"PROJECT": b"ID=1\r\n", "VBA/big": os.urandom(20000), "VBA/dir": b"x" * 4096,
               "VBA/small": b"y" * 4095}
    assert builder.read_cfb(builder.write_cfb(streams)) == streams


@pytest.fixture
def builder_into(builder, tmp_path, monkeypatch):
    """The build script writing into a copy of templates/excel/ under tmp_path."""
    out = tmp_path / "templates" / "excel"
    shutil.copytree(EXCEL, out)
    monkeypatch.setattr(builder, "ROOT", tmp_path)
    monkeypatch.setattr(builder, "OUT", out)
    monkeypatch.setattr(builder, "MODULE", out / "RefreshFunnel.bas")
    monkeypatch.setattr(builder, "VBA_BIN", out / "vbaProject.bin")
    return out


def test_vba_from_takes_the_project_of_a_workbook_saved_by_excel(builder, builder_into, cli,
                                                                 tmp_path, monkeypatch):
    saved = tmp_path / "Saved.xlsm"  # stands in for the template after Excel compiled it
    assert cli("new", str(saved), "--standalone").code == 0
    with zipfile.ZipFile(saved) as zf:
        project = zf.read("xl/vbaProject.bin")
    monkeypatch.setattr(sys, "argv", ["build_xlsm_templates.py", "--vba-from", str(saved)])
    builder.main()
    assert (builder_into / "vbaProject.bin").read_bytes() == project
    for lang in ("en", "ru"):
        assert _parts(builder_into / f"pipeline-{lang}.xlsm")["xl/vbaProject.bin"] == project


def test_vba_from_refuses_a_workbook_without_the_refresh_module(builder, builder_into, tmp_path,
                                                                monkeypatch):
    pytest.importorskip("xlwings")
    import xlwings

    other = Path(xlwings.__file__).parent / "quickstart.xlsm"
    before = (builder_into / "vbaProject.bin").read_bytes()
    monkeypatch.setattr(sys, "argv", ["build_xlsm_templates.py", "--vba-from", str(other)])
    with pytest.raises(SystemExit, match="has no SheetsFunnel module"):
        builder.main()
    assert (builder_into / "vbaProject.bin").read_bytes() == before
