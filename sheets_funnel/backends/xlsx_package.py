"""The parts of an .xlsx/.xlsm package that name its tabs, and the XML of owned tabs.

Only what a refresh must change is touched: the ``sheetData`` and
``dimension`` of owned sheet parts, and — when an owned tab is created — the
workbook's tab list, relationships and content types.
"""

from __future__ import annotations

import datetime as dt
import math
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice, zip_longest
from operator import itemgetter
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from ..cells import (
    DAYS_1904,
    MAX_CELL_TEXT,
    Cell,
    Heading,
    Money,
    NumberHeading,
    OneDecimal,
    Percent,
    Ratio,
    column_letter,
    fit_text,
    is_spreadsheet_day,
    to_serial,
)

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
#: The same two namespaces in Strict Open XML (Excel's "Strict Open XML Spreadsheet").
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
WORKSHEET_TYPE = NS_REL + "/worksheet"
WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
#: What a tab of each relationship type holds (the last part of the type).
SHEET_KINDS = {"worksheet": "worksheet", "chartsheet": "chart", "dialogsheet": "dialog",
               "xlMacrosheet": "macro", "xlIntlMacrosheet": "macro"}
_PREFIX = r"(?:[\w.-]+:)?"
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class SheetPart:
    """A tab of the workbook and the package part holding its cells."""

    name: str
    sheet_id: int
    rel_id: str
    part: str  # e.g. "xl/worksheets/sheet2.xml"
    kind: str = "worksheet"  # or "chart", "dialog", "macro" (Excel 4.0), "other"


def local_name(tag: str) -> str:
    """An element's or attribute's name without its namespace."""
    return tag.rpartition("}")[2]


def is_strict(workbook_xml: bytes) -> bool:
    """Whether the workbook part is Strict Open XML."""
    return ET.fromstring(workbook_xml).tag.startswith("{" + STRICT_MAIN + "}")


def namespaces(strict: bool) -> tuple[str, str]:
    """The main and relationships namespaces of a transitional or strict package."""
    return (STRICT_MAIN, STRICT_REL) if strict else (NS_MAIN, NS_REL)


def workbook_part(content_types: bytes, root_rels: bytes) -> str:
    """The path of the workbook part, from the package's root relationships."""
    for rel in ET.fromstring(root_rels):
        if rel.get("Type", "").endswith("/officeDocument"):
            return rel.get("Target", "xl/workbook.xml").lstrip("/")
    return "xl/workbook.xml"


def rels_path(part: str) -> str:
    """The relationships part of a part (xl/workbook.xml → xl/_rels/workbook.xml.rels)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def relationships(rels_xml: bytes, source_path: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: Id → (last part of the type, target part path)."""
    out: dict[str, tuple[str, str]] = {}
    for rel in ET.fromstring(rels_xml):
        if local_name(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        if target.startswith("/"):
            path = target.lstrip("/")
        else:
            path = posixpath.normpath(posixpath.join(posixpath.dirname(source_path), target))
        out[rel.get("Id", "")] = (rel.get("Type", "").rpartition("/")[2], path)
    return out


def list_sheets(workbook_xml: bytes, workbook_rels: bytes, workbook_path: str) -> list[SheetPart]:
    """Every tab in order, with its part path and kind (transitional or strict, any prefix)."""
    targets = relationships(workbook_rels, workbook_path)
    sheets = []
    root = ET.fromstring(workbook_xml)
    main, _ = namespaces(root.tag.startswith("{" + STRICT_MAIN + "}"))
    for sheet in root.iter(f"{{{main}}}sheet"):
        rid = next((value for key, value in sheet.attrib.items()
                    if key in (f"{{{NS_REL}}}id", f"{{{STRICT_REL}}}id")), "")
        kind, part = targets.get(rid, ("", ""))
        sheets.append(SheetPart(sheet.get("name", ""), int(sheet.get("sheetId", "0")), rid,
                                part, SHEET_KINDS.get(kind, "other")))
    return sheets


def remove_sheet_entries(workbook_xml: str, rel_ids: set[str]) -> str:
    """The workbook part without the ``<sheet>`` entries of the given relationship ids."""
    def keep(match: re.Match[str]) -> str:
        ids = set(re.findall(r"""\bid\s*=\s*["']([^"']*)["']""", match.group(0)))
        return "" if ids & rel_ids else match.group(0)

    return re.sub(rf"<{_PREFIX}sheet\b[^>]*/>", keep, workbook_xml)


def structure_locked(workbook_xml: bytes) -> bool:
    """Whether the workbook's structure is protected (Review > Protect Workbook)."""
    for element in ET.fromstring(workbook_xml):
        if local_name(element.tag) == "workbookProtection":
            return element.get("lockStructure", "0").strip().lower() in ("1", "true")
    return False


@dataclass(frozen=True)
class Styles:
    """How owned cells are written: indexes of the workbook's own cell formats that owned
    tabs reuse (None: absent), and the workbook's date system."""

    date: int | None = None
    percent: int | None = None
    bold: int | None = None
    money: int | None = None
    ratio: int | None = None
    tenths: int | None = None
    bold_right: int | None = None
    date1904: bool = False


def uses_1904(workbook_xml: bytes) -> bool:
    """True when the workbook counts serial day numbers from 1904-01-01 (``date1904``)."""
    for element in ET.fromstring(workbook_xml):
        if element.tag.rpartition("}")[2] == "workbookPr":
            return element.get("date1904", "0").strip().lower() in ("1", "true")
    return False


def find_styles(styles_xml: bytes | None, date1904: bool = False) -> Styles:
    """The workbook's existing date, percentage, bold, money (``#,##0``), ``N : 1`` and
    one-decimal (``0.0``) cell formats.

    Owned tabs reuse the workbook's own formats so the styles part never
    changes; without one, dates are written as ISO text, percentages as plain
    numbers, headings as plain text, money rounded to cents, ``N : 1`` as text
    and one-decimal figures rounded to one decimal.
    """
    if not styles_xml:
        return Styles(date1904=date1904)
    root = ET.fromstring(styles_xml)
    main = root.tag[1:].partition("}")[0]
    custom = {
        int(f.get("numFmtId", "0")): f.get("formatCode", "")
        for f in root.iter(f"{{{main}}}numFmt")
    }
    fonts = root.find(f"{{{main}}}fonts")
    bold_fonts = {
        n for n, font in enumerate([] if fonts is None else list(fonts))
        if (b := font.find(f"{{{main}}}b")) is not None and b.get("val", "1") not in ("0",
                                                                                   "false")
    }
    date_xf = pct_xf = bold_xf = money_xf = ratio_xf = tenths_xf = bold_right_xf = None
    xfs = root.find(f"{{{main}}}cellXfs")
    for index, xf in enumerate([] if xfs is None else list(xfs)):
        fmt = int(xf.get("numFmtId", "0"))
        code = custom.get(fmt, "").lower()
        if date_xf is None and (fmt == 14 or (code and "yy" in code and "d" in code
                                               and "h" not in code)):
            date_xf = index
        if pct_xf is None and (fmt in (9, 10) or (code.endswith("%") and "0" in code)):
            pct_xf = index
        plain = fmt == 0 and xf.get("fillId", "0") == "0" and xf.get("borderId", "0") == "0"
        align = xf.find(f"{{{main}}}alignment")
        horizontal = None if align is None else align.get("horizontal")
        if plain and int(xf.get("fontId", "0")) in bold_fonts:
            if bold_xf is None and horizontal in (None, "general", "left"):
                bold_xf = index
            if bold_right_xf is None and horizontal == "right":
                bold_right_xf = index
        unbolded = int(xf.get("fontId", "0")) not in bold_fonts
        if money_xf is None and unbolded and (fmt == 3 or code == "#,##0"):
            money_xf = index
        if ratio_xf is None and unbolded and code.replace("\\", "").endswith('" : 1"'):
            ratio_xf = index
        if tenths_xf is None and unbolded and code == "0.0":
            tenths_xf = index
    return Styles(date_xf, pct_xf, bold_xf, money_xf, ratio_xf, tenths_xf, bold_right_xf,
                  date1904)


def _xml_text(text: str) -> str:
    """Text made safe for an XML element: markup escaped, characters XML forbids dropped."""
    if not (text.isascii() and text.isprintable()) and _has_illegal_xml(text):
        text = _ILLEGAL_XML.sub("", text)
    if "&" in text or "<" in text or ">" in text:
        text = escape(text)
    return text


def _has_illegal_xml(text: str) -> bool:
    """Whether the text holds a character XML forbids, found without a regular expression
    (a packed state cell holds tens of thousands of characters, tabs and line breaks among
    them): in UTF-8 the control characters are bytes no other character's encoding holds."""
    if not text.isascii() and ("\ufffe" in text or "\uffff" in text):
        return True
    return bool(text.encode("utf-8", "surrogatepass").translate(None, _NOT_ILLEGAL_BYTES))


#: Every byte but the control characters XML forbids (those :data:`_ILLEGAL_XML` drops).
_NOT_ILLEGAL_BYTES = bytes(b for b in range(256) if b >= 0x20 or chr(b) in "\t\n\r")


def _text_cell(ref: str, text: str, style: str = "") -> str:
    fitted = text if len(text) <= MAX_CELL_TEXT // 2 else fit_text(text)
    return f'<c r="{ref}"{style}{_inline_text(fitted)}'


def _inline_text(text: str) -> str:
    """What follows a text cell's reference and style: the text as an inline string.

    Only single spaces between words need no marking; any other white space (leading,
    trailing or repeated spaces, tabs, line breaks) is marked to be kept as it is.
    """
    clean = _xml_text(text)
    if clean.isprintable() and clean[:1] != " " and clean[-1:] != " " and "  " not in clean:
        return f' t="inlineStr"><is><t>{clean}</t></is></c>'
    return f' t="inlineStr"><is><t xml:space="preserve">{clean}</t></is></c>'


def _number_style(value: float, styles: Styles) -> int | None:
    """The cell format index a number is shown with, None for the default."""
    if isinstance(value, Percent):
        return styles.percent
    if isinstance(value, Money):
        return styles.money
    if isinstance(value, Ratio):
        return styles.ratio
    if isinstance(value, OneDecimal):
        return styles.tenths
    return None


def cell_xml(ref: str, value: Cell, styles: Styles) -> str:
    """One ``<c>`` element; text is always an inline string, never a formula."""
    date_xf = styles.date
    if value is None or value == "":
        return ""
    if isinstance(value, Heading):
        xf = styles.bold_right if isinstance(value, NumberHeading) else None
        xf = styles.bold if xf is None else xf
        style = "" if xf is None else f' s="{xf}"'
        return _text_cell(ref, str(value), style)
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, dt.date):
        serial = to_serial(value)
        if date_xf is None or not is_spreadsheet_day(serial) or (
                styles.date1904 and serial < DAYS_1904):
            return _text_cell(ref, value.isoformat())  # no date format, or no such serial
        if styles.date1904:
            serial -= DAYS_1904
        return f'<c r="{ref}" s="{date_xf}"><v>{serial}</v></c>'
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return ""
        xf = _number_style(value, styles)
        if xf is None and isinstance(value, Ratio):
            return _text_cell(ref, f"{value:.1f} : 1")
        if xf is None and isinstance(value, Money | OneDecimal):
            value = round(value, 2 if isinstance(value, Money) else 1)
        style = "" if xf is None else f' s="{xf}"'
        number = repr(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(
            float(value))
        return f'<c r="{ref}"{style}><v>{number}</v></c>'
    return _text_cell(ref, str(value))


def sheet_data_xml(rows: Iterable[list[Cell]], styles: Styles) -> tuple[str, str]:
    """The ``<sheetData>`` element for the rows and the dimension ref they cover.

    The rows are written a block at a time, column by column, as pieces of text laid side by
    side in one list that is joined once: a cell is its column's opening, its row number and
    what follows, each a string many cells share, so a cell costs no string of its own. What
    follows a reference is worked out once per distinct text, number or date of a column
    that holds only one kind of value (a long tab repeats its names, labels and dates many
    times); a text needing no escaping is laid in as it is.
    """
    parts = ["<sheetData>"]
    letters: list[str] = []
    last_row = 0
    width = 0
    caches: dict[type, dict[Any, str]] = {}
    it = iter(rows)
    first = 0
    # the first row goes alone: its headings would make every column of a block mixed
    while block := list(islice(it, _BLOCK if first else 1)):
        count = len(block)
        refs = list(map(str, range(first + 1, first + count + 1)))
        columns = list(zip_longest(*block))
        while len(letters) < len(columns):
            letters.append(column_letter(len(letters)))
        pieces: list[Sequence[str]] = []
        empty = set(range(count))  # the rows without a cell, as far as the columns tell
        for letter, column in zip(letters, columns, strict=False):
            cells, blanks = _column_pieces(letter, column, refs, styles, caches)
            pieces += cells
            empty = empty & blanks if empty else empty
        filled = [n for n in range(count) if n not in empty] if empty else range(count)
        if filled:
            pieces[:0] = [_blanked([_ROW_OPEN] * count, empty), _blanked(refs, empty),
                          _blanked([_ROW_MIDDLE] * count, empty)]
            pieces.append(_blanked([_ROW_CLOSE] * count, empty))
            parts.append(_laid_side_by_side(pieces, count))
            last_row = first + filled[-1] + 1
            width = max(width, max(len(block[n]) for n in filled) if empty else
                        max(map(len, block)))
        first += count
    parts.append("</sheetData>")
    dimension = f"A1:{column_letter(max(width, 1) - 1)}{max(last_row, 1)}"
    return "".join(parts), dimension


#: Rows :func:`sheet_data_xml` turns into XML at a time (its memory is that of a block).
_BLOCK = 4096
#: The kinds of value whose cells :func:`sheet_data_xml` remembers, per column kind.
_REMEMBERED = frozenset({str, int, float, dt.date})
#: Texts at least this long are not remembered (sentences are, packed state lines are not).
_CACHED_TEXT = 1000
_ROW_OPEN, _ROW_MIDDLE, _ROW_CLOSE = '<row r="', '">', "</row>"
#: What comes between a text cell's reference and its text, and after it; with the text's
#: spaces kept as they are (leading or trailing spaces).
_TEXT, _KEPT_TEXT = '" t="inlineStr"><is><t>', '" t="inlineStr"><is><t xml:space="preserve">'
_TEXT_END = "</t></is></c>"


def _laid_side_by_side(pieces: list[Sequence[str]], count: int) -> str:
    """The pieces of each of ``count`` rows, one list per piece, joined row after row."""
    stride = len(pieces)
    flat: list[str] = [""] * (stride * count)
    for n, piece in enumerate(pieces):
        flat[n::stride] = piece
    return "".join(flat)


def _blanked(items: list[str], blanks: set[int]) -> list[str]:
    """The items with those at ``blanks`` emptied (a copy when any is)."""
    if not blanks:
        return items
    items = items.copy()
    for n in blanks:
        items[n] = ""
    return items


def _column_pieces(letter: str, values: tuple[Cell, ...], refs: list[str], styles: Styles,
                   caches: dict[type, dict[Any, str]]) -> tuple[list[Sequence[str]], set[int]]:
    """The pieces of each cell of one column of a block of rows (one list per piece), and
    the rows where the column has no cell."""
    count = len(values)
    opening = f'<c r="{letter}'
    kinds = set(map(type, values))
    kinds.discard(type(None))
    kind = kinds.pop() if len(kinds) == 1 else None
    if kind is str:
        texts: list[str] = list(filter(None, values))  # type: ignore[arg-type]
        if _plain_texts("".join(texts)):
            return _text_pieces(opening, values, texts, refs)  # type: ignore[arg-type]
    if kind in _REMEMBERED:
        cache = caches.setdefault(kind, {None: "", "": ""})
        tails: list[str] = list(map(cache.get, values))  # type: ignore[arg-type]
        if None in tails:  # values not met before
            for value in set(values).difference(cache):
                _remember(value, styles, cache)
            tails = list(map(cache.get, values))  # type: ignore[arg-type]
            if None in tails:  # a NaN or a long text, never remembered
                tails = [_quoted_tail(value, styles) if tail is None else tail
                         for tail, value in zip(tails, values, strict=True)]
    else:
        tails = [_quoted_tail(value, styles) for value in values]
    blanks = {n for n, tail in enumerate(tails) if not tail} if "" in tails else set()
    return [_blanked([opening] * count, blanks), _blanked(refs, blanks), tails], blanks


def _text_pieces(opening: str, values: tuple[str | None, ...], texts: list[str],
                 refs: list[str]) -> tuple[list[Sequence[str]], set[int]]:
    """:func:`_column_pieces` for texts needing no escaping and no marking of their spaces
    but at their ends: only the ends need a look."""
    count = len(values)
    blanks = set() if len(texts) == count else {n for n, value in enumerate(values) if not value}
    middles = [_TEXT] * count
    if " " in set(map(itemgetter(0), texts)) or " " in set(map(itemgetter(-1), texts)):
        for n, value in enumerate(values):
            if value and (value[0] == " " or value[-1] == " "):
                middles[n] = _KEPT_TEXT
    cells: Sequence[str] = [value or "" for value in values] if blanks else values  # type: ignore[assignment]
    return [_blanked([opening] * count, blanks), _blanked(refs, blanks),
            _blanked(middles, blanks), cells, _blanked([_TEXT_END] * count, blanks)], blanks


def _plain_texts(text: str) -> bool:
    """True when text needs no escaping and no marking of its spaces anywhere but its ends."""
    if text.isascii():  # no control character and no markup: nothing left of it but these
        plain = not text.encode("ascii").translate(None, _PLAIN_ASCII)
    else:
        plain = text.isprintable() and not ("&" in text or "<" in text or ">" in text)
    return plain and "  " not in text


#: The ASCII characters a text can hold as they are: the printable ones but markup.
_PLAIN_ASCII = bytes(c for c in range(0x20, 0x7f) if chr(c) not in "&<>")


def _remember(value: Cell, styles: Styles, cache: dict[Any, str]) -> str:
    tail = _quoted_tail(value, styles)
    if value == value and not (type(value) is str and len(value) >= _CACHED_TEXT):
        cache[value] = tail  # a NaN is never found again, a long text rarely
    return tail


def _quoted_tail(value: Cell, styles: Styles) -> str:
    """What follows a cell's reference from its closing quote on ("" for no cell)."""
    tail = _tail(value, styles)
    return '"' + tail if tail else ""


def _tail(value: Cell, styles: Styles) -> str:
    """What follows a cell's reference: its style, type and value ("" for no cell).

    Text takes the fast path (never cut, markup escaped), and so do whole numbers.
    """
    kind = type(value)
    if kind is str:
        return _inline_text(value) if value else ""  # type: ignore[arg-type]
    if value is None:
        return ""
    if kind is int or (kind is float and value.is_integer()  # type: ignore[union-attr]
                       and abs(value) < 1e15):  # type: ignore[arg-type]
        return f"><v>{int(value)}</v></c>"  # type: ignore[arg-type]
    return cell_xml("A1", value, styles)[len('<c r="A1"'):]


_SHEET_DATA_OPEN = re.compile(r"<(?P<p>[\w.-]+:)?sheetData\b[^>]*?(?P<empty>/)?>")
_DIMENSION = re.compile(r"<([\w.-]+:)?dimension\b[^>]*/>")


def replace_sheet_data(sheet_xml: str, data_xml: str, dimension: str) -> str:
    """A worksheet part with its cells replaced and everything else kept."""
    match = _SHEET_DATA_OPEN.search(sheet_xml)
    if match is None:
        raise ValueError("worksheet part has no sheetData")
    prefix = match.group("p") or ""
    end = match.end()
    if not match.group("empty"):
        close = f"</{prefix}sheetData>"
        found = sheet_xml.find(close, end)
        if found < 0:
            raise ValueError("worksheet part has an unclosed sheetData")
        end = found + len(close)
    if prefix:
        data_xml = data_xml.replace("<sheetData>", f"<{prefix}sheetData>").replace(
            "</sheetData>", f"</{prefix}sheetData>")
        data_xml = re.sub(r"<(/?)(row|c|v|is|t)\b", rf"<\1{prefix}\2", data_xml)
    # the dimension comes before the cells (the worksheet's schema orders them so)
    head = _DIMENSION.sub(lambda m: f'<{m.group(1) or ""}dimension ref="{dimension}"/>',
                          sheet_xml[: match.start()], count=1)
    return "".join((head, data_xml, sheet_xml[end:]))


def new_sheet_xml(data_xml: str, dimension: str, strict: bool = False) -> str:
    """A complete worksheet part for a newly created tab (Strict Open XML when ``strict``)."""
    main, rel = namespaces(strict)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{main}" xmlns:r="{rel}">'
        f'<dimension ref="{dimension}"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>{data_xml}'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    )


def add_sheet_entries(workbook_xml: str, rels_xml: str, types_xml: str, name: str,
                      sheet_id: int, rel_id: str, part: str, workbook_path: str,
                      strict: bool = False) -> tuple[str, str, str]:
    """The workbook, relationships and content-types parts with one more tab.

    The new ``<sheet>`` takes the prefix the workbook gives its tab list. It uses the
    workbook's ``r`` prefix when the workbook element binds it to the relationships
    namespace (and nothing rebinds it); otherwise it declares the namespace itself, so it is
    right whatever prefix (or none) the workbook uses, and wherever it is declared. A tab
    whose name starts with ``_`` (bookkeeping of sheets-funnel's own) is hidden.
    """
    main_prefix = _closing_prefix(workbook_xml, "sheets", "workbook part has no tab list")
    rel_prefix = "rel" if main_prefix == "r:" else "r"
    _, rel_ns = namespaces(strict)
    root = re.search(r"<(?![?!])[^>]+>", workbook_xml)
    bound = re.findall(rf"""\bxmlns:{rel_prefix}\s*=\s*["']([^"']*)["']""", workbook_xml)
    declare = not (root is not None and bound == [rel_ns]
                   and f"xmlns:{rel_prefix}=" in root.group(0).replace(" ", ""))
    quoted = escape(name, {'"': "&quot;"})
    state = ' state="hidden"' if name.startswith("_") else ""
    own = f' xmlns:{rel_prefix}="{rel_ns}"' if declare else ""
    entry = (f'<{main_prefix}sheet name="{quoted}" sheetId="{sheet_id}"{state} '
             f'{rel_prefix}:id="{rel_id}"{own}/>')
    workbook_xml = _before_closing(workbook_xml, "sheets", entry)
    target = posixpath.relpath(part, posixpath.dirname(workbook_path))
    prefix = _closing_prefix(rels_xml, "Relationships", "relationships part is not closed")
    rels_xml = _before_closing(rels_xml, "Relationships",
                               f'<{prefix}Relationship Id="{rel_id}" Type="{rel_ns}/worksheet" '
                               f'Target="{target}"/>')
    prefix = _closing_prefix(types_xml, "Types", "content types part is not closed")
    types_xml = _before_closing(types_xml, "Types",
                                f'<{prefix}Override PartName="/{part}" '
                                f'ContentType="{WORKSHEET_CONTENT}"/>')
    return workbook_xml, rels_xml, types_xml


def _closing(xml: str, element: str) -> re.Match[str] | None:
    return re.search(rf"</({_PREFIX}){element}\s*>", xml)


def _closing_prefix(xml: str, element: str, problem: str) -> str:
    match = _closing(xml, element)
    if match is None:
        raise ValueError(problem)
    return match.group(1)


def _before_closing(xml: str, element: str, addition: str) -> str:
    match = _closing(xml, element)
    assert match is not None
    return xml[: match.start()] + addition + xml[match.start():]


def free_rel_id(rels_xml: bytes | str) -> str:
    """A relationship id the part does not use yet (``rIdN``, after the highest in use)."""
    data = rels_xml.encode() if isinstance(rels_xml, str) else rels_xml
    ids = {rel.get("Id", "") for rel in ET.fromstring(data)}
    n = max((int(i[3:]) for i in ids if i.startswith("rId") and i[3:].isdigit()), default=0) + 1
    while f"rId{n}" in ids:
        n += 1
    return f"rId{n}"


def ensure_full_calc_on_load(workbook_xml: str) -> str:
    """The workbook part asking the spreadsheet to recalculate formulas when opened.

    Formulas in the user's tabs that look into owned tabs (the flags column)
    then show the new values without the user's cells being written.
    """
    if re.search(r"\bfullCalcOnLoad\s*=", workbook_xml):
        return re.sub(r"""\bfullCalcOnLoad\s*=\s*(["'])(0|false)\1""", 'fullCalcOnLoad="1"',
                      workbook_xml)
    match = re.search(rf"<{_PREFIX}calcPr\b", workbook_xml)
    if match:
        return workbook_xml[: match.end()] + ' fullCalcOnLoad="1"' + workbook_xml[match.end():]
    close = _closing(workbook_xml, "workbook")
    if close is None:
        return workbook_xml
    tag = f'<{close.group(1)}calcPr fullCalcOnLoad="1"/>'
    # calcPr follows sheets/functionGroups/externalReferences/definedNames
    for anchor in ("definedNames", "externalReferences", "functionGroups", "sheets"):
        end = _closing(workbook_xml, anchor) or re.search(rf"<{_PREFIX}{anchor}\b[^>]*/>",
                                                          workbook_xml)
        if end:
            return workbook_xml[: end.end()] + tag + workbook_xml[end.end():]
    return workbook_xml[: close.start()] + tag + workbook_xml[close.start():]
