"""``sheets-funnel new Team.xlsm``: the workbook with the Refresh button, with the xlwings add-in
or standalone (xlwings' VBA inside the workbook, as ``xlwings quickstart --standalone`` makes)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.excel_templates import refresh_module_source, template_file
from sheets_funnel.vba_project import decompress, module_kinds, module_source, read_cfb

ROOT = Path(__file__).resolve().parents[2]
RUN_PYTHON = 'RunPython "import sheets_funnel.excel_macro as m; m.refresh_button()"'


def _project(book: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(book) as zf:
        return read_cfb(zf.read("xl/vbaProject.bin"))


def _standalone_quickstart() -> dict[str, bytes]:
    xlwings = pytest.importorskip("xlwings")
    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart_standalone.xlsm") as zf:
        return read_cfb(zf.read("xl/vbaProject.bin"))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_new_xlsm_has_the_add_in_project_and_the_button(cli, tmp_path, lang):
    book = tmp_path / "Team.xlsm"
    result = cli("new", str(book), "--lang", lang)
    assert result.code == 0, result.err
    with zipfile.ZipFile(book) as zf:
        assert zf.read("xl/vbaProject.bin") == template_file("excel", "vbaProject.bin").read_bytes()
        vml = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".vml"))
    assert b"<x:FmlaMacro>[0]!RefreshFunnel</x:FmlaMacro>" in vml
    caption = "Refresh funnel" if lang == "en" else "Обновить воронку"
    assert caption.encode() in vml
    assert XlsxWorkbook(book).tab_names()[0] == ("Pipeline" if lang == "en" else "Воронка")


def test_standalone_carries_xlwings_vba_and_no_add_in_reference(cli, tmp_path):
    quickstart = _standalone_quickstart()
    book = tmp_path / "Team.xlsm"
    assert cli("new", str(book), "--standalone").code == 0
    project = _project(book)
    kinds = module_kinds(project["PROJECT"])
    assert {m: k for m, k in kinds.items() if k != "Document"} == {
        "xlwings": "Module", "Dictionary": "Class", "SheetsFunnel": "Module"}
    for module in ("xlwings", "Dictionary"):  # xlwings' own source, unchanged
        assert module_source(project, module) == module_source(quickstart, module)
    assert RUN_PYTHON in module_source(project, "SheetsFunnel")
    assert "Function RunPython(" in module_source(project, "xlwings")
    assert b"xlwings.xlam" not in decompress(project["VBA/dir"])  # no add-in needed
    assert project["VBA/_VBA_PROJECT"] == bytes.fromhex("cc61ffff000100")  # source only


def test_standalone_vba_matches_the_installed_xlwings_version(cli, tmp_path):
    xlwings = pytest.importorskip("xlwings")
    book = tmp_path / "Team.xlsm"
    assert cli("new", str(book), "--standalone").code == 0
    source = module_source(_project(book), "xlwings")
    assert f'XLWINGS_VERSION As String = "{xlwings.__version__}"' in source


def test_the_add_in_project_holds_the_refresh_module(tmp_path):
    project = read_cfb(template_file("excel", "vbaProject.bin").read_bytes())
    assert module_source(project, "SheetsFunnel") == refresh_module_source().replace(
        "\r\n", "\n").replace("\n", "\r\n")


def test_standalone_needs_an_xlsm_name_and_xlsx_stays_without_macros(cli, tmp_path):
    refused = cli("new", str(tmp_path / "Team.xlsx"), "--standalone")
    assert refused.code == 1 and "--standalone makes an .xlsm workbook" in refused.err
    assert not (tmp_path / "Team.xlsx").exists()
    other = cli("new", str(tmp_path / "Team.ods"))
    assert other.code == 1 and "must be an .xlsx file, or .xlsm" in other.err
    assert cli("new", str(tmp_path / "Team.xlsx")).code == 0
    with zipfile.ZipFile(tmp_path / "Team.xlsx") as zf:
        assert "xl/vbaProject.bin" not in zf.namelist()


def test_a_new_xlsm_with_sample_deals_refreshes(cli, tmp_path):
    book = tmp_path / "Demo.xlsm"
    assert cli("new", str(book), "--sample", "30", "--as-of", "2026-06-30").code == 0
    summary = cli("refresh", str(book), "--json", "--as-of", "2026-06-30", "--dry-run").json()
    assert summary["deals"] == 30
    assert "xl/vbaProject.bin" in zipfile.ZipFile(book).namelist()


@pytest.mark.libreoffice
def test_libreoffice_reads_the_standalone_project(cli, tmp_path):
    """An independent MS-OVBA reader finds xlwings' module, its class and the button's macro."""
    _standalone_quickstart()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice is not installed; ./scripts/setup --libreoffice installs it")
    book = tmp_path / "Team.xlsm"
    assert cli("new", str(book), "--standalone").code == 0
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "ods", str(book), "--outdir", str(tmp_path)], check=True,
                   capture_output=True, timeout=180)
    with zipfile.ZipFile(tmp_path / "Team.ods") as ods:
        parts = {n: ods.read(n) for n in ods.namelist()}
    module = parts["Basic/VBAProject/SheetsFunnel.xml"].decode()
    assert "RunPython &quot;import sheets_funnel.excel_macro as m; m.refresh_button()&quot;" in (
        module)
    xlwings_module = parts["Basic/VBAProject/xlwings.xml"].decode()
    assert re.search(r"Function RunPython\(", xlwings_module)
    assert "Basic/VBAProject/Dictionary.xml" in parts
    assert (b"vnd.sun.star.script:VBAProject.SheetsFunnel.RefreshFunnel?language=Basic"
            in parts["content.xml"])
