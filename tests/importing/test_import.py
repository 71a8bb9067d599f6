"""``sheets-funnel import``: CRM deal exports (as the CRMs write them) → a new pipeline workbook."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path
from typing import Any

from conftest import FIXTURES, libreoffice_tabs

from sheets_funnel.backends.xlsx import XlsxWorkbook

EXPORTS = FIXTURES / "exports"
AS_OF = "2026-06-30"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _import(cli, tmp_path: Path, name: str, crm: str, *extra: str) -> tuple[Path, Any]:
    source = tmp_path / name
    shutil.copyfile(EXPORTS / name, source)
    before = _digest(source)
    out = tmp_path / f"{crm}.xlsx"
    result = cli("import", str(source), str(out), "--from", crm, *extra)
    assert result.code == 0, result.err
    assert _digest(source) == before  # the export is only read
    return out, result


def _refresh(cli, book: Path) -> dict[str, Any]:
    result = cli("refresh", str(book), "--as-of", AS_OF, "--json")
    assert result.code == 0, result.err
    return result.json()  # type: ignore[no-any-return]


def _tab(book: Path, name: str) -> list[list[Any]]:
    return XlsxWorkbook(book).read([name])[name]


def _mapping(book: Path, tab: str = "Settings") -> list[list[Any]]:
    return [row[:2] for row in _tab(book, tab)
            if row and isinstance(row[0], str) and ":" in row[0] and not row[0].startswith("#")]


def _set_mapping(book: Path, key: str, value: str, tab: str = "Settings") -> None:
    """What a person does after the import: fill in a blank mapping row."""
    import openpyxl

    wb = openpyxl.load_workbook(book)
    for row in wb[tab].iter_rows():
        if row[0].value == key:
            row[1].value = value
    wb.save(book)


def test_hubspot_deals_export(cli, tmp_path):
    book, result = _import(cli, tmp_path, "hubspot-deals.csv", "hubspot")
    assert "Stages to map on the Settings tab (a blank row waits for each): 'Security Review'" \
        in result.out
    assert _mapping(book) == [
        ["Column: Record ID", "Deal ID"], ["Column: Associated Company (Primary)", "Account"],
        ["Column: Deal owner", "Owner"], ["Column: Deal Stage", "Stage"],
        ["Column: Amount", "Value"], ["Column: Create Date", "Created"],
        ["Column: Next Activity Date", "Next Step Date"], ["Column: Close Date", "Closed Date"],
        ["Stage: Appointment Scheduled", "Opportunity"],
        ["Stage: Qualified To Buy", "First Appointment"], ["Stage: Presentation Scheduled", "#1"],
        ["Stage: Decision Maker Bought-In", "#2"], ["Stage: Contract Sent", "#3"],
        ["Stage: Security Review", ""],
    ]  # "Next step" is already a standard header; "Closed Won"/"Closed Lost" built-in names
    pipeline = _tab(book, "Pipeline")
    assert pipeline[0][:12] == [
        "Record ID", "Associated Company (Primary)", "Deal owner", "Deal Stage", "Status",
        "Amount", "Create Date", "First Appointment Date", "Next step", "Next Activity Date",
        "Close Date", "Flags"]
    assert pipeline[0][12:] == ["Deal Name", "Pipeline", "Last Activity Date"]  # kept
    first = pipeline[1]
    assert first[:7] == ["10234567801", "Northwind Foods", "Anna Petrova",
                         "Appointment Scheduled", "", 5000, dt.date(2026, 5, 20)]
    assert first[9:11] == [dt.date(2026, 7, 3), dt.date(2026, 7, 31)]  # real dates, no time
    assert first[12] == "Northwind Foods - Platform"
    summary = _refresh(cli, book)
    # one deal at each of the five open stages (Appointment Scheduled ... Contract Sent),
    # Adatum won and Wingtip lost; Proseware's "Security Review" is not mapped yet
    assert summary["stage_counts"] == {"Opportunity": 1, "First Appointment": 1, "#1": 1,
                                       "#2": 1, "#3": 1}
    assert (summary["won"], summary["lost"], summary["deals"]) == (1, 1, 7)
    assert [(i["row"], i["column"], i["value"]) for i in summary["issues"]
            if i["severity"] == "error"] == [(9, "Stage", "Security Review")]
    _set_mapping(book, "Stage: Security Review", "#2")
    summary = _refresh(cli, book)
    assert summary["stage_counts"]["#2"] == 2
    assert summary["deals"] == 8
    assert [i for i in summary["issues"] if i["severity"] == "error"] == []


def test_pipedrive_deals_export(cli, tmp_path):
    book, result = _import(cli, tmp_path, "pipedrive-deals.csv", "pipedrive")
    assert "'Legal Check'" in result.out
    assert ["Column: Deal - Status", "Status"] in _mapping(book)
    assert ["Stage: Negotiations Started", "#3"] in _mapping(book)
    summary = _refresh(cli, book)
    # 101 won (Status Won), 102 lost at Proposal Made (#2); open: Qualified, Contact Made,
    # Demo Scheduled, Negotiations Started; 107's "Legal Check" is not mapped
    assert summary["stage_counts"] == {"Opportunity": 1, "First Appointment": 1, "#1": 1,
                                       "#2": 0, "#3": 1}
    assert (summary["won"], summary["lost"]) == (1, 1)
    assert summary["conversion"]["#2"]["dropped"] == 1
    # 101 was won on 2026-03-20 ("Deal closed on"), inside the default period
    assert summary["target"]["won_in_period"] == 1
    assert _tab(book, "Pipeline")[1][10] == dt.date(2026, 3, 20)


def test_salesforce_opportunities_report(cli, tmp_path):
    book, result = _import(cli, tmp_path, "salesforce-opportunities.csv", "salesforce")
    assert "with 9 deal(s)" in result.out  # the footer lines after the blank row are left out
    pipeline = _tab(book, "Pipeline")
    assert len(pipeline) == 10
    # US dates: 3/2/2026 is 2 March
    assert pipeline[1][:1] + pipeline[1][6:7] + pipeline[1][10:11] == [
        "Northwind Foods-Platform", dt.date(2026, 1, 5), dt.date(2026, 3, 2)]
    summary = _refresh(cli, book)
    # Prospecting → Opportunity, Qualification → First Appointment, Needs Analysis → #1,
    # Proposal/Price Quote and Negotiation/Review → #3; two Closed Won, one Closed Lost
    assert summary["stage_counts"] == {"Opportunity": 1, "First Appointment": 1, "#1": 1,
                                       "#2": 0, "#3": 2}
    assert (summary["won"], summary["lost"]) == (2, 1)
    assert summary["target"]["won_in_period"] == 2
    assert [i["value"] for i in summary["issues"] if i["severity"] == "error"] == ["Pilot"]


def test_salesforce_won_and_closed_columns_give_the_status(cli, tmp_path):
    (tmp_path / "opps.csv").write_text(
        "Opportunity ID,Opportunity Owner,Account Name,Stage,Amount,Close Date,Won,Closed\n"
        "0061x01,Anna,Acme,Negotiation/Review,1000,2/10/2026,1,1\n"
        "0061x02,Anna,Beta,Proposal/Price Quote,2000,2/11/2026,0,1\n"
        "0061x03,Boris,Gamma,Proposal/Price Quote,3000,9/30/2026,0,0\n", encoding="utf-8")
    result = cli("import", str(tmp_path / "opps.csv"), str(tmp_path / "o.xlsx"),
                 "--from", "salesforce")
    assert result.code == 0, result.err
    assert [row[4] for row in _tab(tmp_path / "o.xlsx", "Pipeline")[1:]] == [
        "Won", "Lost", "Open"]
    summary = _refresh(cli, tmp_path / "o.xlsx")
    assert (summary["won"], summary["lost"], summary["stage_counts"]["#3"]) == (1, 1, 1)


def test_generic_export_guesses_and_writes_its_guess(cli, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Export"
    ws.append(["Deal No.", "Client", "Sales Rep", "Phase", "Result", "Deal Value", "Created On",
               "First Meeting", "Follow-up Date", "Closed On", "Notes"])
    ws.append([1, "Acme", "Ann", "Opportunity", "Open", 100, dt.datetime(2026, 5, 1), None,
               dt.datetime(2026, 7, 1), None, "warm"])
    ws.append([2, "Beta", "Ann", "Pilot", "Open", 200, dt.datetime(2026, 5, 2),
               dt.datetime(2026, 5, 9), dt.datetime(2026, 7, 2), None, ""])
    ws.append([3, "Gamma", "Bob", "Deal won", "", 300, dt.datetime(2026, 1, 2),
               dt.datetime(2026, 1, 9), None, dt.datetime(2026, 3, 1), ""])
    ws.append([4, "Delta", "Bob", "Lost deal", "", 400, dt.datetime(2026, 1, 3), None, None,
               dt.datetime(2026, 2, 1), ""])
    wb.save(tmp_path / "export.xlsx")
    result = cli("import", str(tmp_path / "export.xlsx"), str(tmp_path / "g.xlsx"),
                 "--from", "generic")
    assert result.code == 0, result.err
    assert _mapping(tmp_path / "g.xlsx") == [
        ["Column: Deal No.", "Deal ID"], ["Column: Client", "Account"],
        ["Column: Sales Rep", "Owner"], ["Column: Phase", "Stage"],
        ["Column: Result", "Status"], ["Column: Deal Value", "Value"],
        ["Column: Created On", "Created"], ["Column: First Meeting", "First Appointment Date"],
        ["Column: Follow-up Date", "Next Step Date"], ["Column: Closed On", "Closed Date"],
        ["Stage: Deal won", "Closed"], ["Stage: Lost deal", "Lost"], ["Stage: Pilot", ""],
    ]
    summary = _refresh(cli, tmp_path / "g.xlsx")
    assert (summary["won"], summary["lost"], summary["stage_counts"]["Opportunity"]) == (1, 1, 1)
    # Gamma: won, first meeting 2026-01-09, closed 2026-03-01: a 51-day cycle
    assert summary["cycle_days_measured"] == 51


def test_russian_workbook(cli, tmp_path):
    book, _ = _import(cli, tmp_path, "hubspot-deals.csv", "hubspot", "--lang", "ru")
    assert XlsxWorkbook(book).tab_names()[:2] == ["Воронка", "Настройки"]
    mapping = _mapping(book, "Настройки")
    assert mapping[0] == ["Колонка: Record ID", "ID сделки"]
    assert ["Этап: Qualified To Buy", "Первая встреча"] in mapping
    assert mapping[-1] == ["Этап: Security Review", ""]
    summary = _refresh(cli, book)
    assert summary["stage_counts"]["First Appointment"] == 1


def test_an_existing_workbook_is_refused_unless_forced(cli, tmp_path):
    out = tmp_path / "pipeline.xlsx"
    out.write_bytes(b"the team's workbook")
    args = ("import", str(EXPORTS / "hubspot-deals.csv"), str(out), "--from", "hubspot")
    result = cli(*args)
    assert result.code == 1
    assert "already exists; pick another name or pass --force" in result.err
    assert out.read_bytes() == b"the team's workbook"
    assert cli(*args, "--force").code == 0
    assert XlsxWorkbook(out).tab_names()[0] == "Pipeline"


def test_an_export_without_a_stage_column_is_refused(cli, tmp_path):
    (tmp_path / "x.csv").write_text("Record ID,Deal Name,Amount\n1,A,5\n", encoding="utf-8")
    result = cli("import", str(tmp_path / "x.csv"), str(tmp_path / "x.xlsx"), "--from", "hubspot")
    assert result.code == 2
    assert result.err.strip().endswith(
        "x.csv: no Stage column (looked for 'Deal Stage'); its headers are 'Record ID', "
        "'Deal Name', 'Amount'")
    assert not (tmp_path / "x.xlsx").exists()


def test_imported_workbook_opens_in_libreoffice(cli, tmp_path):
    book, _ = _import(cli, tmp_path, "pipedrive-deals.csv", "pipedrive")
    _refresh(cli, book)
    tabs = libreoffice_tabs(book, tmp_path / "csv")
    assert tabs["Pipeline"][1][:4] == ["101", "Coho Winery", "Anna Petrova",
                                       "Negotiations Started"]
    assert tabs["Funnel"][9][:2] == ["Won", "1"]
