"""A tab with an owned name that the user made is never overwritten without being asked;
the tabs sheets-funnel wrote (or a template made) are refreshed as always."""

from __future__ import annotations

import hashlib
from pathlib import Path

import fake_xlwings as fx
import pytest
from conftest import HEADER, WORKED_AS_OF, api_calls

from sheets_funnel.backends.excel import ExcelBook
from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.ownership import TabNotOwned
from sheets_funnel.refresh import refresh
from sheets_funnel.templates import new_workbook

AS_OF = WORKED_AS_OF.isoformat()
DEALS = [HEADER, ["D-1", "Acme", "Anna", "#1", "Open"], ["D-2", "Beta", "Boris", "Closed", "Won"]]
NOTES = [["My own funnel notes"], ["call Acme back", "Monday"]]
REWRITTEN = ("Funnel, Focus and History are rewritten at every refresh: notes typed into them "
             "are replaced.")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def user_workbook(path: Path, own_tab: str) -> Path:
    """A workbook a person made in a spreadsheet: Pipeline, Settings and a tab of their own."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Pipeline"
    for row in DEALS:
        sheet.append(row)
    book.create_sheet("Settings").append(["Min Sample", 5])
    notes = book.create_sheet(own_tab)
    for row in NOTES:
        notes.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("own_tab", ["funnel", "Focus", "HISTORY"])
def test_a_users_tab_of_an_owned_name_is_refused(cli, tmp_path, own_tab):
    path = user_workbook(tmp_path / "team.xlsx", own_tab)
    before = digest(path)
    for extra in ((), ("--dry-run",)):
        result = cli("refresh", str(path), "--as-of", AS_OF, *extra)
        assert result.code == 2
        assert result.err == (
            f"sheets-funnel: team.xlsx has the tab {own_tab!r}, which sheets-funnel did not "
            "write; a refresh replaces the whole content of its Funnel, Focus and History tabs, "
            "so nothing was written. Rename the tab to keep what it holds, or refresh once with "
            "--adopt-tabs to let sheets-funnel replace it from now on\n")
    assert digest(path) == before


def test_adopted_tabs_are_replaced_and_then_refreshed_as_usual(cli, tmp_path):
    path = user_workbook(tmp_path / "team.xlsx", "funnel")
    assert cli("refresh", str(path), "--as-of", AS_OF, "--adopt-tabs").code == 0
    book = XlsxWorkbook(path)
    # the tab keeps the user's spelling (Excel's names ignore case) and holds the funnel now
    assert book.tab_names() == ["Pipeline", "Settings", "funnel", "Focus", "History",
                                "_funnel_state"]
    funnel = book.read(["funnel"])["funnel"]
    assert funnel[0][0] == "Sales funnel" and funnel[2][0] == REWRITTEN
    assert "My own funnel notes" not in str(funnel)
    # the state tab now marks the tabs as sheets-funnel's: no option is needed any more
    assert cli("refresh", str(path), "--as-of", AS_OF).code == 0


def test_several_foreign_tabs_are_named_together(tmp_path):
    path = user_workbook(tmp_path / "team.xlsx", "Focus")
    import openpyxl

    book = openpyxl.load_workbook(path)
    book.create_sheet("History").append(["2025", "my own archive"])
    book.save(path)
    with pytest.raises(TabNotOwned) as refused:
        refresh(XlsxWorkbook(path), WORKED_AS_OF)
    assert "has the tabs 'Focus', 'History', which sheets-funnel did not write" in str(
        refused.value)
    assert "Rename the tabs to keep what they hold" in str(refused.value)


def test_a_template_and_a_refreshed_workbook_need_no_option(cli, tmp_path):
    path = new_workbook(tmp_path / "fresh.xlsx")  # Funnel, Focus, History and the state tab
    assert cli("refresh", str(path), "--as-of", AS_OF).code == 0
    assert XlsxWorkbook(path).read(["Funnel"])["Funnel"][2][0] == REWRITTEN
    assert cli("refresh", str(path), "--as-of", AS_OF).code == 0


def test_a_google_sheet_with_a_users_focus_tab_is_refused_before_any_write(
        cli, fake, user_credentials):
    sid = fake.create_spreadsheet("Team", {"Pipeline": DEALS, "focus": NOTES})
    fake.reset_requests()
    result = cli("refresh", sid, "--credentials", str(user_credentials), "--as-of", AS_OF)
    assert result.code == 2 and "has the tab 'focus', which sheets-funnel did not" in result.err
    assert not [c for c in api_calls(fake) if c[0] == "POST"]
    assert fake.values(sid, "focus") == NOTES
    adopted = cli("refresh", sid, "--credentials", str(user_credentials), "--as-of", AS_OF,
                  "--adopt-tabs")
    assert adopted.code == 0, adopted.err
    assert fake.values(sid, "focus")[0][0] == "Deal ID"


def test_excel_refuses_a_users_funnel_tab_and_changes_no_cell():
    book = fx.Book("pipeline.xlsx")
    pipeline = book.sheets.add("Pipeline")
    for r, row in enumerate(DEALS, start=1):
        for c, value in enumerate(row, start=1):
            pipeline.cell(r, c).value = value
    funnel = book.sheets.add("Funnel")
    funnel.cell(1, 1).value = "My own funnel notes"
    with pytest.raises(TabNotOwned, match="has the tab 'Funnel', which sheets-funnel did not"):
        refresh(ExcelBook(book), as_of=WORKED_AS_OF)
    assert sorted(s.name for s in book.sheets) == ["Funnel", "Pipeline"]
    assert funnel.cell(1, 1).value == "My own funnel notes"
    assert all(s.writes == 0 for s in book.sheets)
    refresh(ExcelBook(book), as_of=WORKED_AS_OF, adopt_tabs=True)
    assert funnel.cell(1, 1).value == "Sales funnel"
