"""The cells of an owned tab as XML: a long tab, written a block of rows at a time and column
by column, comes out exactly as writing each cell on its own would give."""

from __future__ import annotations

import datetime as dt
import random

from sheets_funnel.backends import xlsx_package as pkg
from sheets_funnel.cells import Heading, Money, NumberHeading, Percent, Ratio, column_letter

STYLES = pkg.Styles(date=2, percent=7, bold=5, money=1, ratio=8, tenths=9, bold_right=6)
DAY = dt.date(2026, 6, 30)


def one_cell_at_a_time(rows: list[list[object]]) -> tuple[str, str]:
    """The same element written the simplest way: every cell by :func:`pkg.cell_xml`."""
    out, last, width = [], 0, 0
    for r, row in enumerate(rows, start=1):
        cells = "".join(pkg.cell_xml(f"{column_letter(c)}{r}", value, STYLES)  # type: ignore[arg-type]
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
