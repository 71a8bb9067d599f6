"""Refreshing a Google Sheet: the real gspread client over real HTTP, against the stand-in."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import HEADER, WORKED_AS_OF, api_calls, assert_same, issue_key, write_service_account

from sheets_funnel.backends.gsheets import GoogleSheet
from sheets_funnel.backends.retry import RetryPolicy
from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.errors import SheetsFunnelError
from sheets_funnel.refresh import refresh

SPREADSHEET_URL = "https://docs.google.com/spreadsheets/d/{}/edit#gid=0"


def run_refresh(cli, sid, credentials, *extra):
    return cli("refresh", SPREADSHEET_URL.format(sid), "--credentials", str(credentials),
               "--as-of", WORKED_AS_OF.isoformat(), *extra)


def test_worked_example_gives_the_same_summary_as_the_local_file(
        cli, fake, worked_example, expected_summary, user_credentials):
    sid = fake.load_xlsx(worked_example)
    result = run_refresh(cli, sid, user_credentials, "--json")
    assert result.code == 0, result.err
    summary = result.json()
    assert summary.pop("written") == ["Funnel", "Focus", "History"]
    summary["issues"].sort(key=issue_key)
    expected_summary["issues"].sort(key=issue_key)
    assert_same(summary, expected_summary)


def test_a_refresh_costs_three_requests(cli, fake, worked_example, user_credentials):
    sid = fake.load_xlsx(worked_example)
    fake.reset_requests()
    assert run_refresh(cli, sid, user_credentials).code == 0
    assert api_calls(fake) == [
        ("GET", f"/v4/spreadsheets/{sid}"),
        ("GET", f"/v4/spreadsheets/{sid}/values:batchGet"),
        ("POST", f"/v4/spreadsheets/{sid}:batchUpdate"),
    ]


def test_owned_tabs_match_the_local_workbook(cli, fake, worked_example, user_credentials):
    sid = fake.load_xlsx(worked_example)
    assert run_refresh(cli, sid, user_credentials).code == 0
    assert cli("refresh", str(worked_example), "--as-of", "2026-06-30").code == 0
    local = XlsxWorkbook(worked_example).read(["Funnel", "Focus", "History"])
    funnel = fake.values(sid, "Funnel")
    # the stage table (rows 5-9): the same counts and the same rates; then Won and Lost
    for g_row, x_row in zip(funnel[4:9], local["Funnel"][4:9], strict=True):
        assert g_row[0] == x_row[0]
        assert [float(v) for v in g_row[1:6]] == pytest.approx([float(v) for v in x_row[1:6]])
    # Won: 4 reached Closed, 4 won in all; Lost: 5 lost in all (column C, "Now")
    assert [row[:3] for row in funnel[9:11]] == [["Won", 4, 4], ["Lost", "", 5]]
    assert [row[:3] for row in local["Funnel"][9:11]] == [["Won", 4, 4], ["Lost", "", 5]]
    assert [row[:6] for row in fake.values(sid, "Focus")] == [
        row[:6] for row in local["Focus"]]
    assert fake.values(sid, "Focus")[1][0] == "D-10"
    history = fake.values(sid, "History")
    assert history[1][0] == (WORKED_AS_OF - dt.date(1899, 12, 30)).days  # a real date cell
    assert fake.spreadsheet(sid).sheet("History").cell(1, 0).data["userEnteredFormat"][
        "numberFormat"]["type"] == "DATE"


def test_service_account_key_asks_only_for_the_spreadsheets_scope(
        cli, fake, worked_example, service_account_key):
    sid = fake.load_xlsx(worked_example)
    assert run_refresh(cli, sid, service_account_key).code == 0
    (grant,) = fake.token_requests
    assert grant["issuer"] == "refresher@team.iam.example"
    assert grant["scope"] == "https://www.googleapis.com/auth/spreadsheets"


def test_formula_looking_names_stay_text(cli, fake, user_credentials):
    names = ['=HYPERLINK("http://example.com","x")', "+1 555 0100", "@SUM(A1:A2)"]
    rows = [HEADER] + [[f"D{n}", name, "", "#1", "", 1, "", "2026-06-01"]
                       for n, name in enumerate(names)]
    sid = fake.create_spreadsheet("Team", {"Pipeline": rows}, value_input_option="RAW")
    assert run_refresh(cli, sid, user_credentials).code == 0
    focus = fake.spreadsheet(sid).sheet("Focus")
    sent = [focus.cell(r, 1).data["userEnteredValue"] for r in range(1, 4)]
    assert sorted(v["stringValue"] for v in sent) == sorted(names)
    assert all(set(v) == {"stringValue"} for v in sent)


def test_a_row_inserted_by_someone_else_between_refreshes(cli, fake, worked_example,
                                                          user_credentials):
    sid = fake.load_xlsx(worked_example)
    first = run_refresh(cli, sid, user_credentials, "--json").json()
    fake.insert_rows(sid, "Pipeline", 3, [["D-99", "Newco", "Anna", "#3", "", 1000, "",
                                           "2026-06-20", "Call", "2026-07-03"]])
    second = run_refresh(cli, sid, user_credentials, "--json").json()
    assert second["deals"] == first["deals"] + 1
    assert second["stage_counts"]["#3"] == first["stage_counts"]["#3"] + 1
    # the unknown-stage row moved down one row, and its issue says so
    assert {(i["row"], i["message"]) for i in second["issues"]} == {
        (17, "unknown stage"), (16, "missing First Appointment Date")}


@pytest.mark.parametrize(
    ("tabs", "message"),
    [
        ({"Notes": [["x"]]}, "no 'Pipeline' (or 'Воронка') tab"),
        ({"Pipeline": [["Deal ID", "Account"]]}, "missing the required column(s) 'Stage'"),
        ({"Pipeline": [HEADER], "Settings": [["Min Sample", "many"]]},
         "Settings!B1: Min Sample is 'many'"),
    ],
)
def test_an_unusable_spreadsheet_exits_2_and_writes_nothing(cli, fake, user_credentials, tabs,
                                                            message):
    sid = fake.create_spreadsheet("Team", tabs)
    result = run_refresh(cli, sid, user_credentials)
    assert result.code == 2
    assert message in result.err
    assert not [c for c in api_calls(fake) if c[0] == "POST"]


def test_rate_limit_storm_is_retried_honouring_retry_after(fake, worked_example,
                                                           user_credentials):
    sid = fake.load_xlsx(worked_example)
    waits: list[float] = []
    sheet = GoogleSheet(sid, user_credentials, retry=RetryPolicy(attempts=5, sleep=waits.append))
    fake.reset_requests()
    fake.fail_next(429, count=3, retry_after=2)
    outcome = refresh(sheet, WORKED_AS_OF)
    assert outcome.written == ["Funnel", "Focus", "History"]
    assert waits == [2.0, 2.0, 2.0]
    assert len(api_calls(fake)) == 3 + 3


def test_server_errors_back_off_and_give_up_with_a_clear_message(fake, worked_example,
                                                                 user_credentials):
    sid = fake.load_xlsx(worked_example)
    waits: list[float] = []
    policy = RetryPolicy(attempts=4, base=1.0, cap=8.0, sleep=waits.append)
    fake.fail_next(503, count=10)
    with pytest.raises(SheetsFunnelError, match=r"unavailable .* 4 attempts.*nothing was written"):
        refresh(GoogleSheet(sid, user_credentials, retry=policy), WORKED_AS_OF)
    assert len(waits) == 3
    # jittered exponential backoff: attempt n waits between half and all of 1, 2, 4 seconds
    for wait, full in zip(waits, (1.0, 2.0, 4.0), strict=True):
        assert full / 2 <= wait <= full
    assert "Funnel" not in [s["properties"]["title"] for s in fake.metadata(sid)["sheets"]]


def test_a_failed_write_is_retried_whole(fake, worked_example, user_credentials):
    sid = fake.load_xlsx(worked_example)
    sheet = GoogleSheet(sid, user_credentials, retry=RetryPolicy(sleep=lambda s: None))
    sheet.tab_names()
    sheet.read(["Pipeline", "Settings", "History"])
    fake.reset_requests()
    fake.fail_next(500, count=1)
    outcome = refresh(sheet, WORKED_AS_OF)
    assert outcome.written == ["Funnel", "Focus", "History"]
    titles = [s["properties"]["title"] for s in fake.metadata(sid)["sheets"]]
    assert titles.count("Funnel") == 1 and titles.count("Focus") == 1
    assert fake.values(sid, "Focus")[1][0] == "D-10"


def test_wrong_token_is_refused_with_a_clear_message_and_no_secret(
        cli, fake, worked_example, tmp_path):
    import json

    sid = fake.load_xlsx(worked_example)
    creds = tmp_path / "bad.json"
    creds.write_text(json.dumps({"type": "authorized_user", "client_id": "c",
                                 "client_secret": "very-secret-value", "refresh_token": "revoked",
                                 "token_uri": "https://oauth2.googleapis.com/token"}))
    result = run_refresh(cli, sid, creds)
    assert result.code == 1
    assert "your Google credentials expired or were revoked: sign in again" in result.err
    assert "very-secret-value" not in result.err + result.out


def test_no_access_to_the_spreadsheet_exits_2_naming_the_account(cli, fake, worked_example,
                                                                  tmp_path):
    sid = fake.load_xlsx(worked_example)
    key = write_service_account(tmp_path / "sa.json", "noaccess-robot@team.iam.example")
    result = run_refresh(cli, sid, key)
    assert result.code == 2
    assert "no access to Google spreadsheet" in result.err
    assert "share it with noaccess-robot@team.iam.example as an editor" in result.err
    assert "bad-token" not in result.err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("not json", "is not a JSON key file"),
        ('{"type": "something"}', "neither a service-account key"),
    ],
)
def test_unusable_credentials_files(cli, fake, tmp_path, content, message):
    path = tmp_path / "creds.json"
    if content is not None:
        path.write_text(content)
    result = cli("refresh", "1" + "x" * 40, "--credentials", str(path))
    assert result.code == 1
    assert message in result.err


def test_no_credentials_at_all(cli, fake):
    result = cli("refresh", "1" + "x" * 40)
    assert result.code == 1
    assert "no Google credentials" in result.err


def test_unknown_spreadsheet_exits_2(cli, fake, user_credentials):
    result = run_refresh(cli, "1" + "z" * 43, user_credentials)
    assert result.code == 2
    assert "was not found; check the id or URL" in result.err


def test_the_ten_million_cell_limit_is_checked_before_writing(fake, worked_example,
                                                               user_credentials):
    sid = fake.load_xlsx(worked_example)
    sheet = GoogleSheet(sid, user_credentials, max_cells=30_000)
    with pytest.raises(SheetsFunnelError, match=r"over Google Sheets' limit of 30,000.*nothing"):
        refresh(sheet, WORKED_AS_OF)
    assert not [c for c in api_calls(fake) if c[0] == "POST"]


def test_the_apis_own_size_limits_come_back_as_a_clear_message(worked_example, user_credentials,
                                                               monkeypatch):
    from fake_sheets import FakeSheets

    from sheets_funnel.backends.google_endpoint import ENV_VAR

    with FakeSheets(max_body_bytes=2_000) as small:
        monkeypatch.setenv(ENV_VAR, small.url)
        sid = small.load_xlsx(worked_example)
        with pytest.raises(SheetsFunnelError, match="refused the request while writing the owned "
                                                    "tabs: Request payload size exceeds"):
            refresh(GoogleSheet(sid, user_credentials), WORKED_AS_OF)


def test_bad_rows_give_the_same_issues_as_the_local_file(cli, fake, tmp_path, user_credentials):
    from conftest import make_book

    rows = [HEADER,
            ["d-7", "Acme", "", "#1", "", 10, "", "2026-05-01", "", "2026-07-01"],
            [" D-7 ", "Beta", "", "#2"],
            ["X-1", "Gamma", "", "Negotiation"],
            ["X-2", "Delta", "", "#1", "", "lots"],
            ["X-3", "Eps", "", "#1", "", -5],
            ["X-4", "Zeta", "", "Closed", "Lost"],
            [None] * 11,
            ["X-5", "Eta", "", "FA", "", 1, "soon", "31/12/2026"],
            ["X-6", "=HYPERLINK(\"x\")", "", "#3", "Open", 5, "", "2026-06-01", "", "2026-07-01"]]
    book = make_book(tmp_path / "bad.xlsx", rows, [["Sales Target", 3]])
    sid = fake.load_xlsx(book)
    google = run_refresh(cli, sid, user_credentials, "--json").json()
    local = cli("refresh", str(book), "--json", "--as-of", WORKED_AS_OF.isoformat()).json()
    for summary in (google, local):
        summary["issues"].sort(key=issue_key)
    assert_same(google, local)
    # two duplicate IDs, unknown stage, text and negative values, Closed+Lost, two bad dates
    assert len(google["issues"]) == 8 and google["deals"] == 1


def test_a_created_bookkeeping_tab_is_hidden(fake, user_credentials):
    sid = fake.create_spreadsheet("Team", {"Pipeline": [HEADER]})
    GoogleSheet(sid, user_credentials).write({"_bookkeeping": [["x"]], "Funnel": [["y"]]})
    props = {s["properties"]["title"]: s["properties"] for s in fake.metadata(sid)["sheets"]}
    assert props["_bookkeeping"].get("hidden") is True
    assert not props["Funnel"].get("hidden", False)
    assert fake.values(sid, "_bookkeeping") == [["x"]]


def test_answers_come_compressed_and_the_metadata_only_with_the_fields_needed(
        fake, tmp_path, user_credentials):
    import requests

    from sheets_funnel.sample import sample_deals
    from sheets_funnel.templates import build_workbook

    book = build_workbook(tmp_path / "p.xlsx", "en", sample_deals(300, "en", WORKED_AS_OF),
                          {"sales_target": 10})
    sid = fake.load_xlsx(book)
    sheet = GoogleSheet(sid, user_credentials)
    refresh(sheet, WORKED_AS_OF)
    assert set(sheet.metadata()) <= {"properties", "sheets", "developerMetadata"}
    assert set(sheet.metadata()["properties"]) == {"title"}
    (read,) = [t for t in fake.traffic if t[1].endswith("values:batchGet")]
    plain = requests.get(f"{fake.url}/v4/spreadsheets/{sid}/values:batchGet", timeout=10,
                         params={"ranges": ["'Pipeline'", "'Settings'", "'History'",
                                            "'_funnel_state'"],
                                 "valueRenderOption": "UNFORMATTED_VALUE",
                                 "dateTimeRenderOption": "SERIAL_NUMBER"},
                         headers={"Authorization": "Bearer t", "User-Agent": "plain"})
    assert "Content-Encoding" not in plain.headers
    assert read[3] * 4 < len(plain.content)  # what came over the wire, compressed
    assert sheet.traffic.received < sheet.traffic.sent
