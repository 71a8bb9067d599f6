"""Sparing the reader its second pass over each piece of a large tab.

After a sheet's cells, the reader (calamine) reads the sheet a second time from the top, up
to the list of merged cells, which a sheet keeps after its cells: for a large tab, that pass
costs about a fifth of the read. An empty list of merged cells put in each piece just before
its cells ends that pass at once; the cells are read as before, as the reader passes over
what comes before them. sheets-funnel looks merged cells up in the sheet itself
(:mod:`.xlsx_sheet_scan`), never in what the reader says of a piece.

Whether the installed reader reads a sheet so marked as it reads the sheet unmarked is
tried once, on a sheet of two cells, before any piece is marked.
"""

from __future__ import annotations

import functools
import io
import zipfile

from .xlsx_package import NS_MAIN, NS_PKG_REL, NS_REL, WORKSHEET_CONTENT, WORKSHEET_TYPE


def marker(prefix: bytes) -> bytes:
    """What to put just before a piece's ``<sheetData>`` (whose namespace prefix, with its
    colon, is ``prefix``): an empty list of merged cells, or nothing when the installed
    reader does not read a marked sheet as it reads it unmarked."""
    if not _reader_passes_over_marker():
        return b""
    return b"<" + prefix + b"mergeCells></" + prefix + b"mergeCells>"


@functools.cache
def _reader_passes_over_marker() -> bool:
    """True when the reader reads the same cells from a sheet marked as from the same sheet
    unmarked, and the marked sheet's merged cells pass ends at the marker."""
    try:
        plain = _read_probe(b"")
        marked = _read_probe(b"<mergeCells></mergeCells>")
    except Exception:  # the reader raises its own error types
        return False
    return plain[0] == marked[0] == [["x", 2.0]] and bool(plain[1]) and not marked[1]


def _read_probe(before_cells: bytes) -> tuple[object, object]:
    """The rows and merged ranges the reader finds in a one-row sheet with two cells merged,
    with ``before_cells`` just before its cells."""
    from python_calamine import CalamineWorkbook

    sheet = (b'<worksheet xmlns="' + NS_MAIN.encode() + b'">' + before_cells
             + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c>'
             b'<c r="B1"><v>2</v></c></row></sheetData>'
             b'<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{WORKSHEET_CONTENT}"/></Types>'))
        zf.writestr("_rels/.rels", _relationships(f"{NS_REL}/officeDocument",
                                                  "xl/workbook.xml"))
        zf.writestr("xl/workbook.xml", (
            f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><sheets>'
            '<sheet name="T" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        zf.writestr("xl/_rels/workbook.xml.rels",
                    _relationships(WORKSHEET_TYPE, "worksheets/sheet1.xml"))
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    buffer.seek(0)
    read = CalamineWorkbook.from_filelike(buffer).get_sheet_by_name("T")
    return read.to_python(skip_empty_area=False), read.merged_cell_ranges


def _relationships(kind: str, target: str) -> str:
    return (f'<Relationships xmlns="{NS_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{kind}" Target="{target}"/></Relationships>')
