"""Build the macro-enabled pipeline workbooks in templates/excel/ (English and Russian).

    .venv/bin/python scripts/build_xlsm_templates.py           # both steps
    .venv/bin/python scripts/build_xlsm_templates.py --xlsm    # only rebuild the .xlsm files
    .venv/bin/python scripts/build_xlsm_templates.py --vba-from Saved.xlsm

Step 1 writes ``templates/excel/vbaProject.bin``: the VBA project of the
quickstart workbook that ships with xlwings (BSD-3-Clause, see
LICENSE-xlwings.txt), which references the xlwings add-in, with its sample
module replaced by ``RefreshFunnel.bas`` and one document module per sheet
of the template. Every module is stored as source only, as MS-OVBA asks of
a writer: ``_VBA_PROJECT`` has version 0xFFFF and no performance cache, and
each module stream holds just the compressed source (MODULEOFFSET 0), so
Excel compiles the project from its source when the workbook is opened.

Step 2 writes ``pipeline-en.xlsm`` and ``pipeline-ru.xlsm`` with that
project and a "Refresh funnel" button on the Funnel tab.

``--vba-from Saved.xlsm`` replaces step 1: ``vbaProject.bin`` is taken from a
copy of ``pipeline-en.xlsm`` that desktop Excel compiled and saved
(docs/excel.md, "Swap in a VBA project saved by Excel"). The code that reads and
writes VBA projects is :mod:`sheets_funnel.vba_project`.
"""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path

from sheets_funnel.excel_templates import BUTTON_MACRO, xlwings_quickstart
from sheets_funnel.vba_project import (  # re-exported for the tests
    build_vba_project,
    compress,
    decompress,
    module_source,
    read_cfb,
    write_cfb,
)

__all__ = ["build_vba_project", "compress", "decompress", "module_source", "read_cfb",
           "write_cfb"]
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "templates" / "excel"
MODULE = OUT / "RefreshFunnel.bas"
VBA_BIN = OUT / "vbaProject.bin"


def xlwings_quickstart_project() -> bytes:
    """The vbaProject.bin of the quickstart workbook in the installed xlwings package."""
    return xlwings_quickstart("quickstart.xlsm")


def excel_saved_project(workbook: Path) -> bytes:
    """The ``vbaProject.bin`` of a workbook saved by Excel (``--vba-from``)."""
    try:
        with zipfile.ZipFile(workbook) as zf:
            data = zf.read("xl/vbaProject.bin")
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise SystemExit(f"{workbook}: no VBA project to take ({exc}); save it from Excel as "
                         "'Excel Macro-Enabled Workbook (*.xlsm)'") from None
    streams = read_cfb(data)
    if "Module=SheetsFunnel" not in streams["PROJECT"].decode("cp1252", "replace"):
        raise SystemExit(f"{workbook}: its VBA project has no SheetsFunnel module; save a copy "
                         "of templates/excel/pipeline-en.xlsm, not another workbook")
    return data


def build_templates() -> list[Path]:
    """Write pipeline-en.xlsm and pipeline-ru.xlsm with the VBA project and the button."""
    from sheets_funnel.templates import build_workbook

    return [build_workbook(OUT / f"pipeline-{lang}.xlsm", lang,  # type: ignore[arg-type]
                           vba_project=VBA_BIN, button_macro=BUTTON_MACRO)
            for lang in ("en", "ru")]


def main() -> None:
    """Build vbaProject.bin (unless --xlsm) and the two .xlsm templates."""
    parser = argparse.ArgumentParser(description="Build the .xlsm pipeline templates.")
    parser.add_argument("--xlsm", action="store_true", help="only rebuild the .xlsm files")
    parser.add_argument("--vba-from", type=Path, metavar="SAVED.xlsm",
                        help="take vbaProject.bin from this workbook saved by Excel")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.vba_from is not None:
        VBA_BIN.write_bytes(excel_saved_project(args.vba_from))
        print(f"wrote {VBA_BIN.relative_to(ROOT)} from {args.vba_from}")
    elif not args.xlsm:
        source = MODULE.read_text(encoding="cp1252")
        VBA_BIN.write_bytes(build_vba_project(xlwings_quickstart_project(), source))
        print(f"wrote {VBA_BIN.relative_to(ROOT)}")
    for path in build_templates():
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
