"""Render the Funnel tab of a sample workbook to docs/funnel-tab.png for the README.

Builds the demo workbook of ``./scripts/demo`` (60 sample deals refreshed on
2026-06-23 and, a week of work later, on 2026-06-30), prints only its Funnel
tab to PDF with LibreOffice headless and turns the top of the first page into
a PNG with pdftoppm (Debian packages libreoffice-calc-nogui and poppler-utils).

Run: .venv/bin/python scripts/readme_picture.py
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from demo_workbook import two_refreshes

DOCS = Path(__file__).resolve().parent.parent / "docs"
AS_OF = dt.date(2026, 6, 30)


def funnel_only(source: Path, target: Path) -> None:
    """A copy of the workbook whose only visible tab is Funnel, for printing."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                text = re.sub(r' state="\w+"', "", data.decode())
                text = re.sub(r'<sheet name="(?!Funnel")', '<sheet state="hidden" name="', text)
                text = re.sub(r'activeTab="\d+"', "", text).replace(
                    "<workbookView ", '<workbookView activeTab="2" ')
                data = text.encode()
            elif info.filename.startswith("xl/worksheets/"):
                data = data.replace(b' tabSelected="1"', b"")
            zout.writestr(info, data)


def main() -> None:
    """Write docs/funnel-tab.png."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        book = two_refreshes(folder / "demo.xlsx", AS_OF)
        view = folder / "funnel.xlsx"
        funnel_only(book, view)
        subprocess.run(["soffice", f"-env:UserInstallation=file://{folder}/profile",
                        "--headless", "--convert-to", "pdf", str(view), "--outdir", str(folder)],
                       check=True, capture_output=True, timeout=180)
        subprocess.run(["pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", "-singlefile",
                        "-x", "125", "-y", "140", "-W", "1915", "-H", "760",
                        str(folder / "funnel.pdf"), str(folder / "page")], check=True)
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(folder / "page.png", DOCS / "funnel-tab.png")
    print(f"wrote {DOCS / 'funnel-tab.png'}")


if __name__ == "__main__":
    main()
