"""``sheets-funnel new --google``: an existing spreadsheet laid out like the template."""

from __future__ import annotations

from conftest import HEADER, api_calls

URL = "https://docs.google.com/spreadsheets/d/{}/edit"


def lay_out(cli, sid, creds, lang="en"):
    return cli("new", "--google", URL.format(sid), "--credentials", str(creds), "--lang", lang)


def test_a_blank_spreadsheet_gets_every_tab_in_one_write(cli, fake, user_credentials):
    sid = fake.create_spreadsheet("Team pipeline")
    fake.reset_requests()
    result = lay_out(cli, sid, user_credentials)
    assert result.code == 0, result.err
    assert api_calls(fake) == [("GET", f"/v4/spreadsheets/{sid}"),
                               ("POST", f"/v4/spreadsheets/{sid}:batchUpdate")]
    titles = [s["properties"]["title"] for s in fake.metadata(sid)["sheets"]]
    assert titles[:5] == ["Pipeline", "Settings", "Funnel", "Focus", "History"]
    book = fake.spreadsheet(sid)
    pipeline = book.sheet("Pipeline")
    assert fake.values(sid, "Pipeline")[0] == [*HEADER, "Flags"]
    flags_cell = pipeline.cell(1, 11)  # L2: the column after the eleven standard ones
    assert flags_cell is not None
    assert flags_cell.data["userEnteredValue"] == {"formulaValue": (
        '=ARRAYFORMULA(IF(A2:A="","",IFERROR(VLOOKUP(A2:A&"",\'Focus\'!A:E,5,FALSE),"")))')}
    stage_rule = pipeline.cell(1, 3).data_validation
    assert stage_rule is not None
    assert [v["userEnteredValue"] for v in stage_rule["condition"]["values"]] == [
        "Opportunity", "First Appointment", "#1", "#2", "#3", "Closed", "Lost"]
    assert pipeline.cell(1, 7).data_validation["condition"]["type"] == "DATE_IS_VALID"
    (rule,) = pipeline.conditional_formats
    assert rule["booleanRule"]["condition"]["values"] == [{"userEnteredValue": "=LEN($L2)>0"}]
    settings = fake.values(sid, "Settings")
    assert [row[:1] for row in settings] == [
        ["Setting"], ["Sales Target"], ["Period Start"], ["Period End"], ["Sales Cycle Days"],
        ["Cycle Tolerance"], ["Lookback Days"], ["Min Sample"], ["Revenue Target"],
        ["Average Deal Value"], [], ["# Stage: Discovery"]]
    assert settings[11][1] == "First Appointment"
    reached, open_now = book.sheet("Funnel").charts

    def source(chart, part):
        spec = chart["spec"]["basicChart"]
        grid = (spec["domains"][0]["domain"] if part == "domain"
                else spec["series"][0]["series"])["sourceRange"]["sources"][0]
        return (grid["startRowIndex"], grid.get("endRowIndex"), grid["startColumnIndex"],
                grid["endColumnIndex"])

    # the funnel plots how many deals reached each stage: Funnel!B5:B10 against A5:A10
    assert source(reached, "domain") == (4, 10, 0, 1)
    assert source(reached, "series") == (4, 10, 1, 2)
    # the second chart plots the open deals now: Funnel!C5:C9
    assert source(open_now, "series") == (4, 9, 2, 3)
    funnel = fake.values(sid, "Funnel")
    assert [row[:3] for row in funnel[3:5]] == [["Stage", "Reached", "Now"],
                                                ["Opportunity", 0, 0]]
    # History: expected closes (column L) and won in period (column J) over the dates in A
    (trend,) = book.sheet("History").charts
    series = [s["series"]["sourceRange"]["sources"][0] for s in
              trend["spec"]["basicChart"]["series"]]
    assert [(s["startColumnIndex"], s["startRowIndex"], "endRowIndex" in s) for s in series] == [
        (11, 1, False), (9, 1, False)]
    history = fake.values(sid, "History")[0]
    assert (history[0], history[9], history[11]) == ("As of", "Won in period", "Expected closes")


def test_the_laid_out_spreadsheet_refreshes(cli, fake, user_credentials):
    sid = fake.create_spreadsheet("Team")
    assert lay_out(cli, sid, user_credentials).code == 0
    fake.set_values(sid, "'Pipeline'!A2", [
        ["D-1", "Acme", "Anna", "#2", "Open", 500, "", "2026-05-01", "", ""]])
    result = cli("refresh", sid, "--credentials", str(user_credentials), "--json",
                 "--as-of", "2026-06-30")
    assert result.code == 0, result.err
    assert result.json()["flags"] == {"D-1": ["NO_NEXT_STEP"]}
    assert fake.values(sid, "Focus")[1][:5] == ["D-1", "Acme", "Anna", "#2", "NO_NEXT_STEP"]
    # the Flags column's one array formula now shows D-1's code next to it, and nothing
    # beside rows without a deal
    pipeline = fake.values(sid, "Pipeline")
    assert len(pipeline) == 2
    assert pipeline[1][11] == "NO_NEXT_STEP"


def test_russian_layout(cli, fake, user_credentials):
    sid = fake.create_spreadsheet("Команда")
    assert lay_out(cli, sid, user_credentials, "ru").code == 0
    titles = [s["properties"]["title"] for s in fake.metadata(sid)["sheets"]]
    assert titles[:5] == ["Воронка", "Настройки", "Сводка", "Фокус", "История"]
    flags = fake.spreadsheet(sid).sheet("Воронка").cell(1, 11)
    assert flags is not None and "'Фокус'!A:E" in flags.data["userEnteredValue"]["formulaValue"]
    assert fake.values(sid, "Настройки")[11][:2] == ["# Этап: Знакомство", "Первая встреча"]


def test_a_pipeline_with_deals_is_refused_untouched(cli, fake, user_credentials):
    sid = fake.create_spreadsheet("Team", {"Pipeline": [HEADER, ["D-1", "Acme", "", "#1"]]})
    result = lay_out(cli, sid, user_credentials)
    assert result.code == 2
    assert "already holds 1 deal row(s)" in result.err
    assert not [c for c in api_calls(fake) if c[0] == "POST"]
    assert fake.values(sid, "Pipeline") == [HEADER, ["D-1", "Acme", "", "#1"]]


def test_not_a_google_location(cli, tmp_path):
    result = cli("new", "--google", "pipeline.xlsx")
    assert result.code == 1
    assert "is not a Google Sheets URL or spreadsheet id" in result.err


def test_a_lost_reply_is_retried_without_a_second_chart_or_rule(fake, user_credentials):
    from sheets_funnel.backends.google_layout import lay_out as lay_out_sheet
    from sheets_funnel.backends.gsheets import GoogleSheet
    from sheets_funnel.backends.retry import RetryPolicy

    sid = fake.create_spreadsheet("Team")
    fake.lose_next_replies(1)  # the layout is applied, but its answer never arrives
    sheet = GoogleSheet(sid, user_credentials, retry=RetryPolicy(sleep=lambda s: None))
    lay_out_sheet(sheet, "en")
    posts = [c for c in api_calls(fake) if c[0] == "POST"]
    assert len(posts) == 2  # the lost one and the retry
    book = fake.spreadsheet(sid)
    assert len(book.sheet("Funnel").charts) == 2  # deals reached and open now, once each
    assert len(book.sheet("History").charts) == 1
    assert len(book.sheet("Pipeline").conditional_formats) == 1
    titles = [s["properties"]["title"] for s in fake.metadata(sid)["sheets"]]
    assert sorted(titles) == sorted(["Sheet1", "Pipeline", "Settings", "Funnel", "Focus",
                                     "History", "_funnel_state"])
    assert fake.values(sid, "Pipeline")[0] == [*HEADER, "Flags"]
