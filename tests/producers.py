"""Small pipeline workbooks written part by part the way each producer writes its files:
element order, namespace declarations and prefixes, relationship ids and targets, a byte
order mark, strict namespaces, shared or inline strings.

Every workbook holds the same Pipeline (five deals) and Settings, as a user would have
added them in that program, so a refresh of each must give the same numbers:

    D-1 Acme  Anna  #1                Open   First Appointment 2026-03-02, next step 2026-07-10
    D-2 Beta  Boris Closed            Won    First Appointment 2026-01-05, closed 2026-03-01
    D-3 Gamma Anna  Opportunity       Open
    D-4 Delta Boris #2                Open   First Appointment 2026-04-01, next step 2026-06-01
    D-5 Echo  Anna  First Appointment Lost   First Appointment 2026-02-02, closed 2026-02-20

Open deals by stage: Opportunity 1, First Appointment 0, #1 1, #2 1, #3 0; won 1, lost 1.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."

HEADER = ["Deal ID", "Account", "Owner", "Stage", "Status", "Value", "First Appointment Date",
          "Next Step", "Next Step Date", "Closed Date"]
D = dt.date
DEALS: list[list[object]] = [
    ["D-1", "Acme", "Anna", "#1", "Open", 500, D(2026, 3, 2), "demo", D(2026, 7, 10), None],
    ["D-2", "Beta", "Boris", "Closed", "Won", 900, D(2026, 1, 5), None, None, D(2026, 3, 1)],
    ["D-3", "Gamma", "Anna", "Opportunity", "Open", 300, None, None, None, None],
    ["D-4", "Delta", "Boris", "#2", "Open", 700, D(2026, 4, 1), "call", D(2026, 6, 1), None],
    ["D-5", "Echo", "Anna", "First Appointment", "Lost", 200, D(2026, 2, 2), None, None,
     D(2026, 2, 20)],
]
SETTINGS: list[list[object]] = [["Min Sample", 1], ["Sales Target", 4]]
OPEN_BY_STAGE = {"Opportunity": 1, "First Appointment": 0, "#1": 1, "#2": 1, "#3": 0}


def _serial(day: D, date1904: bool) -> int:
    return (day - (D(1904, 1, 1) if date1904 else D(1899, 12, 30))).days


def _col(n: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n]


class Cells:
    """Writes cells the way a producer does: shared or inline strings, ISO or serial dates."""

    def __init__(self, shared: bool = True, iso_dates: bool = False, date1904: bool = False,
                 date_style: int = 1, prefix: str = "", row_attrs: str = "") -> None:
        self.strings: list[str] = []
        self.shared, self.iso, self.date1904 = shared, iso_dates, date1904
        self.date_style, self.p, self.row_attrs = date_style, prefix, row_attrs

    def cell(self, ref: str, value: object) -> str:
        p = self.p
        if value is None:
            return ""
        if isinstance(value, D):
            if self.iso:
                return f'<{p}c r="{ref}" s="{self.date_style}" t="d"><{p}v>{value.isoformat()}' \
                       f"T00:00:00</{p}v></{p}c>"
            return (f'<{p}c r="{ref}" s="{self.date_style}"><{p}v>'
                    f"{_serial(value, self.date1904)}</{p}v></{p}c>")
        if isinstance(value, int | float):
            return f'<{p}c r="{ref}"><{p}v>{value}</{p}v></{p}c>'
        text = escape(str(value))
        if not self.shared:
            return f'<{p}c r="{ref}" t="inlineStr"><{p}is><{p}t>{text}</{p}t></{p}is></{p}c>'
        if value not in self.strings:
            self.strings.append(str(value))
        return f'<{p}c r="{ref}" t="s"><{p}v>{self.strings.index(str(value))}</{p}v></{p}c>'

    def sheet_data(self, rows: list[list[object]]) -> str:
        p = self.p
        out = [f"<{p}sheetData>"]
        for r, row in enumerate(rows, start=1):
            cells = "".join(self.cell(f"{_col(c)}{r}", v) for c, v in enumerate(row))
            out.append(f'<{p}row r="{r}"{self.row_attrs}>{cells}</{p}row>')
        out.append(f"</{p}sheetData>")
        return "".join(out)

    def shared_strings(self, ns: str = MAIN) -> str:
        items = "".join(f"<si><t>{escape(s)}</t></si>" for s in self.strings)
        n = len(self.strings)
        return f'{DECL}<sst xmlns="{ns}" count="{n}" uniqueCount="{n}">{items}</sst>'


def _styles(ns: str = MAIN, prefix: str = "") -> str:
    p = prefix
    xmlns = f'xmlns:{p[:-1]}="{ns}"' if p else f'xmlns="{ns}"'
    return (f"{DECL}<{p}styleSheet {xmlns}><{p}numFmts count=\"1\"><{p}numFmt numFmtId=\"164\" "
            f'formatCode="yyyy\\-mm\\-dd"/></{p}numFmts><{p}fonts count="2"><{p}font><{p}sz '
            f'val="11"/><{p}name val="Calibri"/></{p}font><{p}font><{p}b/><{p}sz val="11"/>'
            f'<{p}name val="Calibri"/></{p}font></{p}fonts><{p}fills count="2"><{p}fill>'
            f'<{p}patternFill patternType="none"/></{p}fill><{p}fill><{p}patternFill '
            f'patternType="gray125"/></{p}fill></{p}fills><{p}borders count="1"><{p}border/>'
            f'</{p}borders><{p}cellStyleXfs count="1"><{p}xf numFmtId="0" fontId="0" fillId="0" '
            f'borderId="0"/></{p}cellStyleXfs><{p}cellXfs count="3"><{p}xf numFmtId="0" '
            f'fontId="0" fillId="0" borderId="0" xfId="0"/><{p}xf numFmtId="164" fontId="0" '
            f'fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><{p}xf numFmtId="0" '
            f'fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></{p}cellXfs>'
            f"</{p}styleSheet>")


def _types(overrides: dict[str, str], xml_default: bool = True, macro: bool = False) -> str:
    main_type = ("application/vnd.ms-excel.sheet.macroEnabled.main+xml" if macro
                 else CT + "sheet.main+xml")
    items = [f'<Override PartName="/{part}" ContentType="{kind}"/>'
             for part, kind in {"xl/workbook.xml": main_type, **overrides}.items()]
    default = '<Default Extension="xml" ContentType="application/xml"/>' if xml_default else ""
    return (f'{DECL}<Types xmlns="{TYPES}"><Default Extension="rels" ContentType='
            f'"application/vnd.openxmlformats-package.relationships+xml"/>{default}'
            + "".join(items) + "</Types>")


def _rels(items: list[tuple[str, str, str]], rel_ns: str = REL) -> str:
    body = "".join(f'<Relationship Id="{i}" Type="{rel_ns}/{kind}" Target="{target}"/>'
                   for i, kind, target in items)
    return f'{DECL}<Relationships xmlns="{PKG_REL}">{body}</Relationships>'


def _sheet(cells: Cells, rows: list[list[object]], ns: str = MAIN, extra_ns: str = "",
           before: str = "", after: str = "") -> str:
    p = cells.p
    xmlns = f'xmlns:{p[:-1]}="{ns}"' if p else f'xmlns="{ns}"'
    return (f"{DECL}<{p}worksheet {xmlns}{extra_ns}>{before}{cells.sheet_data(rows)}{after}"
            f"</{p}worksheet>")


Parts = dict[str, bytes]


def _package(workbook: str, cells: Cells, *, rel_ids: tuple[str, str, str, str] = (
        "rId1", "rId2", "rId3", "rId4"), targets: str = "", sheet_ns: str = MAIN,
        rel_ns: str = REL, extra_ns: str = "", bom: bool = False, styles_prefix: str = "",
        more: Parts | None = None, more_rels: list[tuple[str, str, str]] | None = None,
        more_types: dict[str, str] | None = None, macro: bool = False,
        sheet_before: str = "", sheet_after: str = "") -> Parts:
    pipeline = _sheet(cells, [HEADER, *DEALS], sheet_ns, extra_ns, sheet_before, sheet_after)
    settings = _sheet(cells, SETTINGS, sheet_ns, extra_ns, sheet_before, sheet_after)
    i1, i2, i3, i4 = rel_ids
    root_type = ("http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
                 if rel_ns == STRICT_REL else REL + "/officeDocument")
    parts = {
        "[Content_Types].xml": _types({"xl/worksheets/sheet1.xml": CT + "worksheet+xml",
                                       "xl/worksheets/sheet2.xml": CT + "worksheet+xml",
                                       "xl/styles.xml": CT + "styles+xml",
                                       "xl/sharedStrings.xml": CT + "sharedStrings+xml",
                                       **(more_types or {})}, macro=macro),
        "_rels/.rels": f'{DECL}<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
                       f'Type="{root_type}" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": _rels([
            (i1, "worksheet", f"{targets}worksheets/sheet1.xml"),
            (i2, "worksheet", f"{targets}worksheets/sheet2.xml"),
            (i3, "styles", f"{targets}styles.xml"),
            (i4, "sharedStrings", f"{targets}sharedStrings.xml"),
            *(more_rels or [])], rel_ns),
        "xl/worksheets/sheet1.xml": pipeline,
        "xl/worksheets/sheet2.xml": settings,
        "xl/styles.xml": _styles(sheet_ns, styles_prefix),
        "xl/sharedStrings.xml": cells.shared_strings(sheet_ns),
    }
    out = {name: (b"\xef\xbb\xbf" if bom and name.endswith(".xml") else b"") + text.encode()
           for name, text in parts.items()}
    out.update(more or {})
    return out


def excel_windows() -> Parts:
    """Excel 2016-365 for Windows: markup-compatibility namespaces, revision ids, absPath."""
    ignorable = ' xmlns:mc="{}" mc:Ignorable="x15 xr xr6 xr10 xr2" xmlns:x15="{}" ' \
        'xmlns:xr="{}" xmlns:xr6="{}" xmlns:xr10="{}" xmlns:xr2="{}"'.format(
            MC, "http://schemas.microsoft.com/office/spreadsheetml/2010/11/main", XR,
            "http://schemas.microsoft.com/office/spreadsheetml/2016/revision6",
            "http://schemas.microsoft.com/office/spreadsheetml/2016/revision10",
            "http://schemas.microsoft.com/office/spreadsheetml/2015/revision2")
    workbook = (
        f'{DECL}<workbook xmlns="{MAIN}" xmlns:r="{REL}"{ignorable}>'
        '<fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27328"/>'
        '<workbookPr defaultThemeVersion="202300"/>'
        f'<mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="x15"><x15ac:absPath '
        'url="C:\\Users\\anna\\Documents\\" xmlns:x15ac="http://schemas.microsoft.com/office/'
        'spreadsheetml/2010/11/ac"/></mc:Choice></mc:AlternateContent>'
        '<xr:revisionPtr revIDLastSave="0" documentId="13_ncr:1_{5E0D3C41-8C53-4D1B-9F0E-'
        '2A1B7C9D0E11}" xr6:coauthVersionLast="47" xr6:coauthVersionMax="47" '
        'xr10:uidLastSave="{00000000-0000-0000-0000-000000000000}"/>'
        '<bookViews><workbookView xWindow="-110" yWindow="-110" windowWidth="25820" '
        'windowHeight="15500" xr2:uid="{A1B2C3D4-0000-4000-8000-000000000001}"/></bookViews>'
        '<sheets><sheet name="Pipeline" sheetId="1" r:id="rId1"/><sheet name="Settings" '
        'sheetId="2" r:id="rId2"/></sheets><calcPr calcId="191029"/></workbook>')
    cells = Cells(row_attrs=' spans="1:10" x14ac:dyDescent="0.35"')
    sheet_ns = (f' xmlns:r="{REL}" xmlns:mc="{MC}" mc:Ignorable="x14ac xr xr2 xr3" '
                f'xmlns:x14ac="{X14AC}" xmlns:xr="{XR}" xr:uid="{{00000000-0001-0000-0000-'
                '000000000000}"')
    return _package(workbook, cells, extra_ns=sheet_ns,
                    sheet_before='<dimension ref="A1:J6"/><sheetViews><sheetView '
                                 'tabSelected="1" workbookViewId="0"/></sheetViews>'
                                 '<sheetFormatPr defaultRowHeight="14.5" '
                                 'x14ac:dyDescent="0.35"/>',
                    sheet_after='<pageMargins left="0.7" right="0.7" top="0.75" '
                                'bottom="0.75" header="0.3" footer="0.3"/>')


def excel_mac_2011() -> Parts:
    """Excel 2011 for Mac: the 1904 date system and an absolute Mac path."""
    workbook = (
        f'{DECL}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><fileVersion appName="xl" '
        'lastEdited="5" lowestEdited="5" rupBuild="20225"/><workbookPr date1904="1" '
        'showInkAnnotation="0" autoCompressPictures="0"/><bookViews><workbookView xWindow="0" '
        'yWindow="0" windowWidth="25600" windowHeight="14500" tabRatio="500"/></bookViews>'
        '<sheets><sheet name="Pipeline" sheetId="1" r:id="rId1"/><sheet name="Settings" '
        'sheetId="2" r:id="rId2"/></sheets><calcPr calcId="140000" concurrentCalc="0"/>'
        '<extLst><ext uri="{7523E5D3-25F3-A5E0-1632-64F254C22452}" xmlns:mx="http://'
        'schemas.microsoft.com/office/mac/excel/2008/main"><mx:ArchID Flags="2"/></ext>'
        "</extLst></workbook>")
    return _package(workbook, Cells(date1904=True), extra_ns=f' xmlns:r="{REL}"')


def excel_online() -> Parts:
    """Excel for the web: absolute relationship targets and revision ids."""
    workbook = (
        f'{DECL}<workbook xmlns="{MAIN}" xmlns:r="{REL}" xmlns:mc="{MC}" mc:Ignorable="xr" '
        f'xmlns:xr="{XR}"><fileVersion appName="xl" lastEdited="7" lowestEdited="7" '
        'rupBuild="27725"/><workbookPr/><xr:revisionPtr revIDLastSave="12" documentId="11_'
        'F25DC773A252ABDACC1048D4D2A4B1B2C3D4E5F6"/><bookViews><workbookView '
        'activeTab="0"/></bookViews><sheets><sheet name="Pipeline" sheetId="1" r:id="rId3"/>'
        '<sheet name="Settings" sheetId="2" r:id="rId4"/></sheets><calcPr calcId="191028"/>'
        "</workbook>")
    return _package(workbook, Cells(), rel_ids=("rId3", "rId4", "rId1", "rId2"),
                    targets="/xl/")


def google_sheets() -> Parts:
    """A Google Sheets download: many declared namespaces, empty definedNames and calcPr."""
    workbook = (
        f'{DECL}<workbook xmlns="{MAIN}" xmlns:r="{REL}" xmlns:mx="http://schemas.'
        'microsoft.com/office/mac/excel/2008/main" xmlns:mc="{MC}" xmlns:mv="urn:schemas-'
        'microsoft-com:mac:vml" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/'
        '2009/9/main" xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/'
        f'main" xmlns:x14ac="{X14AC}" xmlns:xm="http://schemas.microsoft.com/office/excel/'
        '2006/main"><workbookPr/><sheets><sheet state="visible" name="Pipeline" sheetId="1" '
        'r:id="rId4"/><sheet state="visible" name="Settings" sheetId="2" r:id="rId5"/>'
        "</sheets><definedNames/><calcPr/></workbook>").replace("{MC}", MC)
    return _package(workbook, Cells(), rel_ids=("rId4", "rId5", "rId2", "rId3"),
                    extra_ns=f' xmlns:r="{REL}"')


def libreoffice() -> Parts:
    """LibreOffice Calc: an empty workbookProtection and visible states on every sheet."""
    workbook = (
        f'{DECL}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><fileVersion appName="Calc"/>'
        '<workbookPr backupFile="false" showObjects="all" date1904="false"/>'
        '<workbookProtection/><bookViews><workbookView showHorizontalScroll="true" '
        'showVerticalScroll="true" showSheetTabs="true" xWindow="0" yWindow="0" '
        'windowWidth="16384" windowHeight="8192" tabRatio="500" firstSheet="0" '
        'activeTab="0"/></bookViews><sheets><sheet name="Pipeline" sheetId="1" '
        'state="visible" r:id="rId2"/><sheet name="Settings" sheetId="2" state="visible" '
        'r:id="rId3"/></sheets><calcPr iterateCount="100" refMode="A1" iterate="false" '
        'iterateDelta="0.001"/><extLst><ext xmlns:loext="http://schemas.libreoffice.org/" '
        'uri="{7626C862-2A13-11E5-B345-FEFF819CDC9F}"><loext:extCalcPr stringRefSyntax='
        '"CalcA1"/></ext></extLst></workbook>')
    return _package(workbook, Cells(), rel_ids=("rId2", "rId3", "rId1", "rId4"),
                    extra_ns=f' xmlns:r="{REL}"')


def wps() -> Parts:
    """WPS Office Spreadsheets: its own custom-data namespace and relationship."""
    workbook = (
        f'{DECL}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><workbookPr/><bookViews>'
        '<workbookView windowWidth="28125" windowHeight="12540"/></bookViews><sheets><sheet '
        'name="Pipeline" sheetId="1" r:id="rId1"/><sheet name="Settings" sheetId="2" '
        'r:id="rId2"/></sheets><calcPr calcId="144525"/></workbook>')
    custom = (f'{DECL}<customStorage xmlns="http://www.wps.cn/officeDocument/2023/'
              'etCustomData"/>')
    return _package(workbook, Cells(shared=False), extra_ns=f' xmlns:r="{REL}"',
                    more={"xl/customStorage/customStorage.xml": custom.encode()},
                    more_rels=[("rId5", "customStorage", "customStorage/customStorage.xml")],
                    more_types={"xl/customStorage/customStorage.xml": "application/xml"})


def dotnet_sdk() -> Parts:
    """The Open XML SDK (.NET): prefix ``x`` for the main namespace, the relationships
    namespace declared on each ``<x:sheet>``, ids like ``R3f…``, and a byte order mark."""
    rel_ids = ("R3f8a1c2d4e5b6a70", "R9c0d1e2f3a4b5c61", "Rb2c3d4e5f6a7b8c9", "Rd4e5f6a7b8c9d0e1")
    workbook = (
        f'{DECL}<x:workbook xmlns:x="{MAIN}"><x:sheets>'
        f'<x:sheet name="Pipeline" sheetId="1" r:id="{rel_ids[0]}" xmlns:r="{REL}" />'
        f'<x:sheet name="Settings" sheetId="2" r:id="{rel_ids[1]}" xmlns:r="{REL}" />'
        "</x:sheets></x:workbook>")
    return _package(workbook, Cells(shared=False, prefix="x:"), rel_ids=rel_ids, bom=True,
                    styles_prefix="x:")


def other_prefix() -> Parts:
    """A writer that binds the relationships namespace to its own prefix (``rel``)."""
    workbook = (
        f'{DECL}<workbook xmlns="{MAIN}" xmlns:rel="{REL}"><workbookPr/><sheets>'
        '<sheet name="Pipeline" sheetId="1" rel:id="rId1"/><sheet name="Settings" '
        'sheetId="2" rel:id="rId2"/></sheets></workbook>')
    return _package(workbook, Cells())


def strict() -> Parts:
    """Excel's "Strict Open XML Spreadsheet": purl.oclc.org namespaces, ISO dates."""
    workbook = (
        f'{DECL}<workbook xmlns="{STRICT_MAIN}" xmlns:r="{STRICT_REL}" conformance="strict">'
        '<fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27328"/>'
        '<workbookPr dateCompatibility="0" defaultThemeVersion="202300"/><bookViews>'
        '<workbookView xWindow="-110" yWindow="-110" windowWidth="25820" '
        'windowHeight="15500"/></bookViews><sheets><sheet name="Pipeline" sheetId="1" '
        'r:id="rId1"/><sheet name="Settings" sheetId="2" r:id="rId2"/></sheets>'
        '<calcPr calcId="191029"/></workbook>')
    return _package(workbook, Cells(iso_dates=True), sheet_ns=STRICT_MAIN, rel_ns=STRICT_REL,
                    extra_ns=f' xmlns:r="{STRICT_REL}"')


MACRO_SHEET = (f'{DECL}<xm:macrosheet xmlns="{MAIN}" xmlns:r="{REL}" xmlns:xm="http://'
               'schemas.microsoft.com/office/excel/2006/main"><dimension ref="A1:A2"/>'
               '<sheetData><row r="1"><c r="A1" t="str"><f>ECHO(FALSE)</f><v>TRUE</v></c></row>'
               '<row r="2"><c r="A2" t="b"><f>RETURN()</f><v>1</v></c></row></sheetData>'
               "</xm:macrosheet>")


def excel_macro_sheet() -> Parts:
    """An old finance workbook (.xlsm) with an Excel 4.0 macro sheet between its tabs."""
    workbook = (
        f'{DECL}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><workbookPr codeName="ThisWorkbook"'
        ' defaultThemeVersion="124226"/><bookViews><workbookView xWindow="120" yWindow="45" '
        'windowWidth="18975" windowHeight="11955"/></bookViews><sheets><sheet name="Pipeline" '
        'sheetId="1" r:id="rId1"/><sheet name="Macro1" sheetId="3" r:id="rId5"/><sheet '
        'name="Settings" sheetId="2" r:id="rId2"/></sheets><definedNames><definedName '
        'name="Auto_Open" function="1" xlm="1">Macro1!$A$1</definedName></definedNames>'
        '<calcPr calcId="145621"/></workbook>')
    return _package(workbook, Cells(), extra_ns=f' xmlns:r="{REL}"', macro=True,
                    more={"xl/macrosheets/sheet1.xml": MACRO_SHEET.encode()},
                    more_rels=[("rId5", "xlMacrosheet", "macrosheets/sheet1.xml")],
                    more_types={"xl/macrosheets/sheet1.xml":
                                "application/vnd.ms-excel.macrosheet+xml"})


def _ms_rel(parts: Parts) -> Parts:
    """Excel writes the macro sheet relationship in Microsoft's own namespace."""
    rels = parts["xl/_rels/workbook.xml.rels"].decode().replace(
        f"{REL}/xlMacrosheet", "http://schemas.microsoft.com/office/2006/relationships/"
                               "xlMacrosheet")
    return {**parts, "xl/_rels/workbook.xml.rels": rels.encode()}


def protected_structure() -> Parts:
    """Excel with Review > Protect Workbook (structure locked with a password)."""
    parts = excel_windows()
    workbook = parts["xl/workbook.xml"].decode().replace(
        "<bookViews>", '<workbookProtection workbookAlgorithmName="SHA-512" workbookHashValue='
        '"x5lBk1ErNeSPO0FgxBQ1j5wMNgGHRX0BTyLxMz5bXmU9Rp9eV3C8zLQqzYeBmDvq3IwR7rY3bq6KZ0rCp'
        'WqW1g==" workbookSaltValue="8tqoQk5TKFhw0X5gFvo3HQ==" workbookSpinCount="100000" '
        'lockStructure="1"/><bookViews>')
    return {**parts, "xl/workbook.xml": workbook.encode()}


PRODUCERS: dict[str, Callable[[], Parts]] = {
    "excel-windows": excel_windows,
    "excel-mac-2011": excel_mac_2011,
    "excel-online": excel_online,
    "google-sheets": google_sheets,
    "libreoffice": libreoffice,
    "wps": wps,
    "dotnet-openxml-sdk": dotnet_sdk,
    "other-relationships-prefix": other_prefix,
    "strict-open-xml": strict,
    "excel-4-macro-sheet": lambda: _ms_rel(excel_macro_sheet()),
}


def write(path: Path, parts: Parts) -> Path:
    """The parts as a zip package, in the order given, deflated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path
