"""The cells of an owned tab as XML: a long tab, written a block of rows at a time and column
by column, comes out exactly as writing each cell on its own would give."""

from __future__ import annotations

import datetime as dt
import random
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from sheets_funnel.backends import xlsx_package as pkg
from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.cells import Heading, Money, NumberHeading, Percent, Ratio, Rows, column_letter
from sheets_funnel.model import Lang
from sheets_funnel.refresh import refresh
from sheets_funnel.sample import sample_deals
from sheets_funnel.templates import build_workbook

STYLES = pkg.Styles(date=2, percent=7, bold=5, money=1, ratio=8, tenths=9, bold_right=6)
DAY = dt.date(2026, 6, 30)


def one_cell_at_a_time(rows: list[list[object]],
                       styles: pkg.Styles = STYLES) -> tuple[str, str]:
    """The same element written the simplest way: every cell by :func:`pkg.cell_xml`."""
    out, last, width = [], 0, 0
    for r, row in enumerate(rows, start=1):
        cells = "".join(pkg.cell_xml(f"{column_letter(c)}{r}", value, styles)  # type: ignore[arg-type]
                        for c, value in enumerate(row))
        if cells:
            out.append(f'<row r="{r}">{cells}</row>')
            last, width = r, max(width, len(row))
    return (f"<sheetData>{''.join(out)}</sheetData>",
            f"A1:{column_letter(max(width, 1) - 1)}{max(last, 1)}")


def test_a_long_tab_of_every_kind_of_cell_is_written_as_cell_by_cell():
    rng = random.Random(5)
    names = ["Acme", "A & B <Holdings>", " leading", "two  spaces", "tab\there", "Zürich",
             "line\nbreak", "Bell\x07Co", "", None]
    mixed = ["text", 12, 2.5, None, DAY, True, Percent(0.25), Money(1234.567), Ratio(3.25),
             Heading("Bold"), NumberHeading("Right"), float("nan"), float("inf"), 10**14,
             -7.0, 1.5e20, dt.date(1900, 1, 1)]
    rows: list[list[object]] = [[Heading("Deal ID"), Heading("Account"), NumberHeading("Value"),
                                 Heading("Date"), Heading("Anything"), Heading("Note")]]
    for n in range(9_000):  # more than two blocks of rows
        rows.append([f"D-{n}", rng.choice(names), rng.choice([float(n), None, 0.5, float("nan")]),
                     rng.choice([DAY - dt.timedelta(days=n % 40), None]), rng.choice(mixed),
                     rng.choice([" lead", "plain words", "x"])])  # no markup, a space to keep
        if n % 1000 == 0:
            rows.append([])  # an empty row is left out
        if n % 1500 == 0:
            rows.append([None, "", None])  # so is a row of empty cells
        if n == 4_321:
            rows.append(["wide", *[None] * 10, "K"])  # one row wider than the rest
    rows.append([None, None])  # trailing empty rows do not count in the dimension
    assert pkg.sheet_data_xml(rows, STYLES) == one_cell_at_a_time(rows)


def test_a_short_tab_and_an_empty_one():
    rows: list[list[object]] = [[Heading("Title"), None, "as of", DAY], [], ["x", 1]]
    assert pkg.sheet_data_xml(rows, STYLES) == one_cell_at_a_time(rows)
    assert pkg.sheet_data_xml([], STYLES) == ("<sheetData></sheetData>", "A1:A1")


def test_every_character_xml_forbids_is_dropped_and_no_other():
    # the regular expression is the definition; the quicker byte test must agree with it on
    # every character, in ASCII text and in text that is not
    for code in [*range(0x10000), *range(0x10000, 0x110000, 251)]:
        for text in (f"ab{chr(code)}", f"Ж{chr(code)}\t"):
            assert pkg._xml_text(text) == pkg._ILLEGAL_XML.sub("", text).replace(
                "&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), hex(code)


class CapturedWorkbook(XlsxWorkbook):
    """A workbook file that keeps the owned tabs' rows each refresh writes."""

    written: list[Mapping[str, Rows]]

    def write(self, tabs: Mapping[str, Rows]) -> None:
        self.written.append(tabs)
        super().write(tabs)


@pytest.mark.parametrize(("lang", "deals"), [("en", 17_000), ("ru", 1_500)])
def test_the_owned_tabs_of_real_refreshes_are_written_as_cell_by_cell(
        tmp_path: Path, lang: Lang, deals: int) -> None:
    # a sample pipeline refreshed twice, a week apart: the Focus tab over several blocks of
    # rows, the state tab's packed cells (tabs, line breaks, markup; Cyrillic in Russian),
    # History with an earlier row, the Funnel tab's movement section
    path = build_workbook(tmp_path / "p.xlsx", lang, sample_deals(deals, lang, DAY),
                          {"sales_target": 40})
    CapturedWorkbook.written = []
    refresh(CapturedWorkbook(path), DAY - dt.timedelta(days=7))
    refresh(CapturedWorkbook(path), DAY)
    with zipfile.ZipFile(path) as zf:
        styles = pkg.find_styles(zf.read("xl/styles.xml"))
    assert styles.date is not None and styles.bold is not None
    for tabs in CapturedWorkbook.written:
        for rows in tabs.values():
            assert pkg.sheet_data_xml(rows, styles) == one_cell_at_a_time(rows, styles)
    focus, state = list(CapturedWorkbook.written[1].values())[1::2]
    assert len(focus) > 4096 if lang == "en" else len(focus) > 100
    assert len(state) > 3 and all("\t" in row[0] for row in state[2:])
