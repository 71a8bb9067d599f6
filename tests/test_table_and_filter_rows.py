"""An Excel table (ListObject) on Pipeline and rows hidden by a filter: the totals row is not
a deal, hidden rows are counted, and the summary says how many of them it counted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import HEADER

AS_OF = "2026-06-30"
DEALS = [
    ["D-1", "Acme", "Anna", "#1", "Open", 1000, None, "2026-06-01", "Call", "2026-07-10", None],
    ["D-2", "Beta", "Boris", "#2", "Open", 2000, None, "2026-06-05", "Demo", "2026-07-11", None],
    ["D-3", "Coho", "Anna", "#1", "Open", 3000, None, "2026-06-10", "Call", "2026-07-12", None],
    ["D-4", "Dune", "Boris", "#3", "Open", 4000, None, "2026-06-12", "Sign", "2026-07-13", None],
]


def pipeline_sheet(book: Any) -> Any:
    """The Pipeline tab of a new openpyxl workbook, holding the header and DEALS."""
    sheet = book.active
    assert sheet is not None
    sheet.title = "Pipeline"
    sheet.append(HEADER)
    for row in DEALS:
        sheet.append(row)
    return sheet


def table_book(path: Path, totals: bool = True, filter_stage: str | None = None) -> Path:
    """Pipeline formatted as an Excel table named Deals, as Excel saves it: the table part
    says ``totalsRowCount="1"`` and the totals row shows its label and the values Excel
    computes there (a count under Stage, a sum under Value). With ``filter_stage`` the
    table's Stage filter shows only that stage: the other rows are hidden and the sheet is
    marked ``filterMode``."""
    import openpyxl
    from openpyxl.worksheet.filters import AutoFilter, FilterColumn, Filters
    from openpyxl.worksheet.table import Table, TableColumn

    book = openpyxl.Workbook()
    sheet = pipeline_sheet(book)
    last = len(DEALS) + 1
    if totals:
        last += 1
        sheet.append(["Total", None, None, len(DEALS), None, 10000])
    table = Table(displayName="Deals", ref=f"A1:K{last}")
    table.tableColumns = [TableColumn(id=n + 1, name=name) for n, name in enumerate(HEADER)]
    if totals:
        table.totalsRowCount = 1
        table.tableColumns[0].totalsRowLabel = "Total"
        table.tableColumns[3].totalsRowFunction = "count"
        table.tableColumns[5].totalsRowFunction = "sum"
    filter_end = last - 1 if totals else last
    table.autoFilter = AutoFilter(ref=f"A1:K{filter_end}")
    if filter_stage is not None:
        table.autoFilter.filterColumn.append(
            FilterColumn(colId=3, filters=Filters(filter=[filter_stage])))
        for n, row in enumerate(DEALS, start=2):
            if row[3] != filter_stage:
                sheet.row_dimensions[n].hidden = True
        sheet.sheet_properties.filterMode = True
    sheet.add_table(table)
    book.save(path)
    return path


def test_the_totals_row_of_a_table_is_not_a_deal(cli, tmp_path):
    path = table_book(tmp_path / "table.xlsx")
    summary = cli("refresh", str(path), "--json", "--as-of", AS_OF).json()
    assert summary["issues"] == []
    assert summary["deals"] == 4
    # D-1 and D-3 at #1, D-2 at #2, D-4 at #3: the totals row's count (4) is no stage
    assert summary["stage_counts"] == {"Opportunity": 0, "First Appointment": 0, "#1": 2,
                                       "#2": 1, "#3": 1}


def test_rows_hidden_by_a_filter_are_counted_and_the_summary_says_so(cli, tmp_path):
    path = table_book(tmp_path / "filtered.xlsx", filter_stage="#1")
    result = cli("refresh", str(path), "--json", "--as-of", AS_OF)
    summary = result.json()
    assert summary["deals"] == 4  # D-2 (row 3) and D-4 (row 5) are hidden, and counted
    assert summary["stage_counts"]["#2"] == 1 and summary["stage_counts"]["#3"] == 1
    warning = ("2 deal(s) in rows of Pipeline hidden by a filter are counted like the others "
               "(rows 3, 5)")
    assert warning in summary["warnings"]
    plain = cli("refresh", str(path), "--as-of", AS_OF)
    assert warning in plain.out


def test_a_sheet_filter_without_a_table_is_reported_too(cli, tmp_path):
    import openpyxl

    path = tmp_path / "autofilter.xlsx"
    book = openpyxl.Workbook()
    sheet = pipeline_sheet(book)
    sheet.auto_filter.ref = "A1:K5"
    sheet.auto_filter.add_filter_column(2, ["Anna"])  # Owner: Anna only
    for n in (3, 5):  # Boris's deals
        sheet.row_dimensions[n].hidden = True
    sheet.sheet_properties.filterMode = True
    book.save(path)
    summary = cli("refresh", str(path), "--json", "--as-of", AS_OF).json()
    assert summary["deals"] == 4
    assert ("2 deal(s) in rows of Pipeline hidden by a filter are counted like the others "
            "(rows 3, 5)") in summary["warnings"]


def test_no_filter_no_warning(cli, tmp_path):
    path = table_book(tmp_path / "table.xlsx", totals=False)
    summary = cli("refresh", str(path), "--json", "--as-of", AS_OF).json()
    assert summary["deals"] == 4
    assert not [w for w in summary["warnings"] if "hidden by a filter" in w]
