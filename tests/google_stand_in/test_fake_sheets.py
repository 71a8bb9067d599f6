"""The offline Sheets stand-in, driven by the real gspread client over real HTTP on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests
import xlsxwriter
from fake_sheets import (
    ENV_VAR,
    FakeSheets,
    api_base_url,
    gspread_client,
    patched_urls,
)
from fake_sheets.a1 import format_range, parse_cells, quote_title
from fake_sheets.numfmt import format_number, parse_user_entered
from google.oauth2.credentials import Credentials

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with FakeSheets() as server:
        yield server


@pytest.fixture
def gc(fake: FakeSheets) -> Any:
    return gspread_client(fake.url)


def _api_error(excinfo: pytest.ExceptionInfo[gspread.exceptions.APIError]) -> dict[str, Any]:
    error: dict[str, Any] = excinfo.value.response.json()["error"]
    return error


# --- spreadsheets, worksheets and values ----------------------------------------------------


def test_create_open_and_metadata(fake: FakeSheets, gc: Any) -> None:
    sh = gc.create("Funnel")
    again = gc.open_by_key(sh.id)
    assert again.title == "Funnel"
    assert again.locale == "en_US"
    assert again.timezone == "Etc/GMT"
    ws = again.sheet1
    assert (ws.title, ws.id, ws.row_count, ws.col_count) == ("Sheet1", 0, 1000, 26)
    assert again.creationTime.endswith("Z")
    meta = fake.metadata(sh.id)
    assert meta["spreadsheetUrl"] == f"https://docs.google.com/spreadsheets/d/{sh.id}/edit"
    assert meta["sheets"][0]["properties"]["sheetType"] == "GRID"
    assert sh.id in fake.spreadsheet_ids()


def test_update_and_read_back_trimmed(fake: FakeSheets, gc: Any) -> None:
    ws = gc.create("T").sheet1
    rows = [["A1", "B1", "", "D1"], ["", "b2", "", ""], ["", "", "", ""], ["A4", "B4", "", "D4"]]
    result = ws.update(rows, "A1")
    assert result["updatedRange"] == "Sheet1!A1:D4"
    assert result["updatedCells"] == 16
    assert ws.get("A1:D4") == [["A1", "B1", "", "D1"], ["", "b2"], [], ["A4", "B4", "", "D4"]]
    assert ws.get_all_values() == rows
    assert fake.values(ws.spreadsheet_id, "Sheet1") == [
        ["A1", "B1", "", "D1"],
        ["", "b2"],
        [],
        ["A4", "B4", "", "D4"],
    ]
    assert ws.batch_get(["A1:B1", "B4:D4"]) == [[["A1", "B1"]], [["B4", "", "D4"]]]
    assert ws.get("A1:B2", major_dimension="COLUMNS") == [["A1"], ["B1", "b2"]]


def test_ranges_quoted_names_and_open_ranges(gc: Any) -> None:
    sh = gc.create("T")
    ws = sh.add_worksheet("My Tab", rows=10, cols=5)
    other = sh.add_worksheet("Bob's", rows=3, cols=3)
    ws.update([[1, 2, 3], [4, 5, 6]], "B2")
    other.update([["x"]], "A1")
    got = sh.values_get("'My Tab'!A2:E")
    assert got["range"] == "'My Tab'!A2:E10"
    assert got["values"] == [["", "1", "2", "3"], ["", "4", "5", "6"]]
    assert sh.values_get("'My Tab'!B:C")["range"] == "'My Tab'!B1:C10"
    assert sh.values_get("'My Tab'")["range"] == "'My Tab'!A1:E10"
    assert sh.values_get("'My Tab'!2:3")["range"] == "'My Tab'!A2:E3"
    assert sh.values_get("'Bob''s'!A1")["range"] == "'Bob''s'!A1"
    assert sh.values_get("A1:B2")["range"] == "Sheet1!A1:B2"  # no sheet name: the first sheet
    empty = sh.values_get("Sheet1!C3:D4")
    assert "values" not in empty


def test_render_options(gc: Any) -> None:
    sh = gc.create("T")
    ws = sh.sheet1
    ws.update(
        [["=4/2", "2020-01-01", "string", 53, "=A1+D1"], ["=3/2", 0.12, "1999-01-02", "", "12%"]],
        "A1",
        value_input_option="USER_ENTERED",
    )
    expected = {
        ("UNFORMATTED_VALUE", "SERIAL_NUMBER"): [
            [2, 43831, "string", 53, 55],
            [1.5, 0.12, 36162, "", 0.12],
        ],
        ("UNFORMATTED_VALUE", "FORMATTED_STRING"): [
            [2, "2020-01-01", "string", 53, 55],
            [1.5, 0.12, "1999-01-02", "", 0.12],
        ],
        ("FORMATTED_VALUE", "SERIAL_NUMBER"): [
            ["2", "2020-01-01", "string", "53", "55"],
            ["1.5", "0.12", "1999-01-02", "", "12%"],
        ],
        ("FORMULA", "SERIAL_NUMBER"): [
            ["=4/2", 43831, "string", 53, "=A1+D1"],
            ["=3/2", 0.12, 36162, "", 0.12],
        ],
    }
    for (value_render, date_render), rows in expected.items():
        params = {"valueRenderOption": value_render, "dateTimeRenderOption": date_render}
        got = sh.values_batch_get(["Sheet1!A1:E2"], params=params)
        assert got["valueRanges"][0]["values"] == rows, (value_render, date_render)
    raw = gc.create("R").sheet1
    raw.update([["=1+1", "5", "2020-01-01"]], "A1")  # RAW: kept as text
    assert raw.get("A1:C1", value_render_option="UNFORMATTED_VALUE") == [
        ["=1+1", "5", "2020-01-01"]
    ]


def test_add_and_delete_worksheets(fake: FakeSheets, gc: Any) -> None:
    sh = gc.create("T")
    first = sh.add_worksheet("one", rows=1, cols=1)
    second = sh.add_worksheet("two", rows=5, cols=2)
    assert [w.title for w in sh.worksheets()] == ["Sheet1", "one", "two"]
    assert second.index == 2 and first.id != second.id
    sh.del_worksheet(first)
    assert [(w.title, w.index) for w in sh.worksheets()] == [("Sheet1", 0), ("two", 1)]
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        sh.add_worksheet("TWO", rows=1, cols=1)  # titles are unique regardless of case
    assert excinfo.value.code == 400
    assert _api_error(excinfo)["message"] == (
        'Invalid requests[0].addSheet: A sheet with the name "TWO" already exists. '
        "Please enter another name."
    )


def test_append_clear_and_batch_clear(fake: FakeSheets, gc: Any) -> None:
    ws = gc.create("T").sheet1
    ws.update([["h1", "h2"], ["a", 1]], "A1")
    result = ws.append_row(["b", 2])
    assert result["tableRange"] == "Sheet1!A1:B2"
    assert result["updates"]["updatedRange"] == "Sheet1!A3:B3"
    assert ws.get_all_values() == [["h1", "h2"], ["a", "1"], ["b", "2"]]
    ws.batch_clear(["A2:A3"])
    assert ws.get_all_values() == [["h1", "h2"], ["", "1"], ["", "2"]]
    assert ws.clear()["clearedRange"] == "Sheet1!A1:Z1000"
    assert fake.values(ws.spreadsheet_id, "Sheet1") == []


# --- spreadsheets.batchUpdate ----------------------------------------------------------------


def test_batch_update_requests_and_stored_objects(fake: FakeSheets, gc: Any) -> None:
    sh = gc.create("T")
    ws = sh.add_worksheet("Funnel", rows=20, cols=5)
    sid = ws.id
    rng = {"sheetId": sid, "startRowIndex": 1, "endRowIndex": 5, "startColumnIndex": 0}
    date_format = {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}
    body = {
        "requests": [
            {
                "updateCells": {
                    "start": {"sheetId": sid, "rowIndex": 0, "columnIndex": 0},
                    "rows": [
                        {
                            "values": [
                                {"userEnteredValue": {"stringValue": "Stage"}},
                                {"userEnteredValue": {"numberValue": 45296}},
                                {"userEnteredValue": {"boolValue": True}},
                                {"userEnteredValue": {"formulaValue": "=B1+1"}},
                            ]
                        }
                    ],
                    "fields": "userEnteredValue",
                }
            },
            {
                "repeatCell": {
                    "range": {**rng, "startRowIndex": 0, "endRowIndex": 1, "endColumnIndex": 2},
                    "cell": {"userEnteredFormat": date_format},
                    "fields": "userEnteredFormat.numberFormat",
                }
            },
            {
                "setDataValidation": {
                    "range": {**rng, "endColumnIndex": 1},
                    "rule": {
                        "condition": {
                            "type": "ONE_OF_LIST",
                            "values": [{"userEnteredValue": "Lead"}, {"userEnteredValue": "Won"}],
                        },
                        "strict": True,
                    },
                }
            },
            {
                "addConditionalFormatRule": {
                    "rule": {
                        "ranges": [rng],
                        "booleanRule": {
                            "condition": {"type": "TEXT_EQ", "values": [{"userEnteredValue": "x"}]},
                            "format": {"backgroundColor": {"red": 1}},
                        },
                    },
                    "index": 0,
                }
            },
            {
                "addChart": {
                    "chart": {
                        "spec": {"title": "Funnel", "basicChart": {"chartType": "BAR"}},
                        "position": {"overlayPosition": {"anchorCell": {"sheetId": sid}}},
                    }
                }
            },
            {"appendDimension": {"sheetId": sid, "dimension": "ROWS", "length": 5}},
            {
                "insertDimension": {
                    "range": {"sheetId": sid, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}
                }
            },
            {
                "deleteDimension": {
                    "range": {
                        "sheetId": sid,
                        "dimension": "COLUMNS",
                        "startIndex": 4,
                        "endIndex": 5,
                    }
                }
            },
            {
                "autoResizeDimensions": {
                    "dimensions": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": 0}
                }
            },
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sid,
                        "dimension": "COLUMNS",
                        "startIndex": 0,
                        "endIndex": 1,
                    },
                    "properties": {"pixelSize": 180},
                    "fields": "pixelSize",
                }
            },
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": sid, "gridProperties": {"frozenRowCount": 1}},
                    "fields": "gridProperties.frozenRowCount",
                }
            },
        ]
    }
    response = sh.batch_update(body)
    replies = response["replies"]
    assert len(replies) == 11
    chart_id = replies[4]["addChart"]["chart"]["chartId"]
    assert isinstance(chart_id, int)
    assert [r for i, r in enumerate(replies) if i != 4] == [{}] * 10

    # The inserted first row pushed everything down by one; the formula follows its cell.
    assert ws.get("A2:D2", value_render_option="FORMULA") == [["Stage", 45296, True, "=B2+1"]]
    assert ws.get("A2:D2") == [["Stage", "2024-01-05", "TRUE", "45297"]]
    state = fake.spreadsheet(sh.id)
    funnel = state.sheet("Funnel")
    assert (funnel.row_count, funnel.column_count) == (26, 4)
    assert funnel.properties["gridProperties"]["frozenRowCount"] == 1
    assert funnel.charts[0]["spec"]["title"] == "Funnel"
    cell = funnel.cell(2, 0)
    assert cell is not None and cell.data_validation is not None
    assert cell.data_validation["condition"]["type"] == "ONE_OF_LIST"
    assert funnel.conditional_formats[0]["ranges"][0]["startRowIndex"] == 2  # moved down too
    assert funnel.column_metadata[0] == {"pixelSize": 180}
    meta = fake.metadata(sh.id)["sheets"][1]
    assert meta["charts"][0]["chartId"] == chart_id
    assert meta["conditionalFormats"] == funnel.conditional_formats

    # Clearing values through updateCells (no rows) keeps the formats.
    sh.batch_update(
        {
            "requests": [
                {
                    "updateCells": {
                        "range": {"sheetId": sid, "startRowIndex": 1, "endRowIndex": 2},
                        "fields": "userEnteredValue",
                    }
                }
            ]
        }
    )
    assert fake.values(sh.id, "Funnel") == []
    number_format = fake.spreadsheet(sh.id).sheet("Funnel").cell(1, 1)
    assert number_format is not None and number_format.number_format == date_format["numberFormat"]


def test_batch_update_is_atomic(fake: FakeSheets, gc: Any) -> None:
    sh = gc.create("T")
    ws = sh.sheet1
    ws.update([["keep"]], "A1")
    body = {
        "requests": [
            {
                "updateCells": {
                    "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
                    "rows": [{"values": [{"userEnteredValue": {"stringValue": "changed"}}]}],
                    "fields": "userEnteredValue",
                }
            },
            {"addSheet": {"properties": {"title": "New"}}},
            {"addSheet": {"properties": {"title": "Sheet1"}}},
        ]
    }
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        sh.batch_update(body)
    assert excinfo.value.code == 400
    assert _api_error(excinfo)["message"].startswith("Invalid requests[2].addSheet: A sheet with")
    assert ws.get_all_values() == [["keep"]]
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]

    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        sh.batch_update({"requests": [{"deleteSheet": {"sheetId": 424242}}]})
    assert (
        _api_error(excinfo)["message"] == "Invalid requests[0].deleteSheet: No grid with id: 424242"
    )


def test_unknown_request_kind_is_the_real_400(gc: Any) -> None:
    sh = gc.create("T")
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        sh.batch_update({"requests": [{"addSheet": {}}, {"frobnicate": {}}]})
    message = (
        "Invalid JSON payload received. Unknown name \"frobnicate\" at 'requests[1]': "
        "Cannot find field."
    )
    assert _api_error(excinfo) == {
        "code": 400,
        "message": message,
        "status": "INVALID_ARGUMENT",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": "requests[1]", "description": message}],
            }
        ],
    }
    assert len(sh.worksheets()) == 1


# --- errors ----------------------------------------------------------------------------------


def test_error_mapping(gc: Any) -> None:
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open_by_key("no-such-id")
    sh = gc.create("T")
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        sh.values_get("Nope!A1")
    assert excinfo.value.code == 400
    assert _api_error(excinfo) == {
        "code": 400,
        "message": "Unable to parse range: Nope!A1",
        "status": "INVALID_ARGUMENT",
    }
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        sh.values_get("Sheet1!A1:AA2")
    assert _api_error(excinfo)["message"] == (
        "Range (Sheet1!A1:AA2) exceeds grid limits. Max rows: 1000, max columns: 26"
    )
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        sh.values_get("Sheet1!A1", params={"valueRenderOption": "PRETTY"})
    assert excinfo.value.code == 400


def test_bad_token_and_missing_authorization_get_403(fake: FakeSheets, gc: Any) -> None:
    sid = gc.create("T").id
    bad = gspread_client(fake.url, token="bad-token")
    with pytest.raises(PermissionError) as denied:  # gspread's mapping of a 403 on open
        bad.open_by_key(sid)
    assert isinstance(denied.value.__cause__, gspread.exceptions.APIError)
    assert denied.value.__cause__.code == 403
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        bad.http_client.values_get(sid, "Sheet1")
    assert excinfo.value.code == 403
    assert _api_error(excinfo) == {
        "code": 403,
        "message": "The caller does not have permission",
        "status": "PERMISSION_DENIED",
    }
    response = requests.get(f"{fake.url}/v4/spreadsheets/{sid}", timeout=5)
    assert response.status_code == 403


def test_injected_429_then_success(fake: FakeSheets, gc: Any, monkeypatch: Any) -> None:
    ws = gc.create("T").sheet1
    ws.update([["a"]], "A1")
    fake.fail_next(429, retry_after=2)
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        ws.get_all_values()
    assert excinfo.value.code == 429
    assert excinfo.value.response.headers["Retry-After"] == "2"
    assert _api_error(excinfo)["status"] == "RESOURCE_EXHAUSTED"
    assert ws.get_all_values() == [["a"]]

    # gspread's back-off client waits and retries on 429 and 5xx.
    waits: list[float] = []
    monkeypatch.setattr("gspread.http_client.time.sleep", waits.append)
    patient = gspread_client(fake.url, http_client=gspread.BackOffHTTPClient)
    fake.fail_next(429)
    fake.fail_next(503)
    fake.reset_requests()
    assert patient.open_by_key(ws.spreadsheet_id).sheet1.get_all_values() == [["a"]]
    assert waits == [2, 4]
    # Two failures, then the metadata (twice: open and sheet1) and the values.
    assert len(fake.requests) == 5


def test_request_log(fake: FakeSheets, gc: Any) -> None:
    sh = gc.create("T")
    sh.sheet1.update([["x"]], "A1")
    assert fake.requests == [
        ("POST", "/drive/v3/files"),
        ("GET", f"/v4/spreadsheets/{sh.id}"),
        ("GET", f"/v4/spreadsheets/{sh.id}"),
        ("PUT", f"/v4/spreadsheets/{sh.id}/values/'Sheet1'!A1"),
    ]
    served = requests.get(f"{fake.url}/__requests", timeout=5).json()
    assert served == [{"method": m, "path": p} for m, p in fake.requests]
    assert requests.post(f"{fake.url}/__reset_requests", timeout=5).status_code == 200
    assert fake.requests == []


def test_limits(gc: Any) -> None:
    sh = gc.create("T")
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        sh.add_worksheet("big", rows=400_000, cols=26)
    assert _api_error(excinfo)["message"] == (
        "Invalid requests[0].addSheet: This action would increase the number of cells in the "
        "workbook above the limit of 10000000 cells."
    )
    with FakeSheets(max_cells=26_000, max_body_bytes=2_000) as small:
        client = gspread_client(small.url)
        ws = client.create("T").sheet1
        with pytest.raises(gspread.exceptions.APIError) as excinfo:
            ws.update([["a"], ["b"]], "A1000")  # would grow the grid to 1001 rows
        assert _api_error(excinfo)["message"] == (
            "This action would increase the number of cells in the workbook above the limit "
            "of 26000 cells."
        )
        with pytest.raises(gspread.exceptions.APIError) as excinfo:
            ws.update([["x" * 3000]], "A1")
        assert _api_error(excinfo)["message"] == (
            "Request payload size exceeds the limit: 2000 bytes."
        )
        assert small.values(ws.spreadsheet_id, "Sheet1") == []


# --- drive, other users, xlsx, command line, URL helpers -------------------------------------


def test_drive_calls(fake: FakeSheets, gc: Any) -> None:
    sh = gc.create("Listed")
    assert [f["name"] for f in gc.list_spreadsheet_files()] == ["Listed"]
    assert gc.open("Listed").id == sh.id
    gc.del_spreadsheet(sh.id)
    assert fake.spreadsheet_ids() == []
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        gc.del_spreadsheet(sh.id)
    assert excinfo.value.code == 404
    assert _api_error(excinfo)["errors"][0]["reason"] == "notFound"


def test_edits_by_another_user_between_calls(fake: FakeSheets, gc: Any) -> None:
    sid = fake.create_spreadsheet(
        "Pipeline",
        {"Pipeline": [["Name", "Stage", "Since"], ["Ann", "Lead", dt.date(2024, 1, 5)]]},
    )
    ws = gc.open_by_key(sid).worksheet("Pipeline")
    assert ws.get_all_values() == [["Name", "Stage", "Since"], ["Ann", "Lead", "2024-01-05"]]
    fake.insert_rows(sid, "Pipeline", 2, [["Bob", "Won", "2024-02-01"]])
    fake.set_values(sid, "Pipeline!B3", [["Call"]])
    assert ws.get_all_values() == [
        ["Name", "Stage", "Since"],
        ["Bob", "Won", "2024-02-01"],
        ["Ann", "Call", "2024-01-05"],
    ]
    assert fake.values(sid, "Pipeline")[1] == ["Bob", "Won", 45323]
    fake.delete_rows(sid, "Pipeline", 2)
    assert ws.get("A2") == [["Ann"]]


def _write_workbook(path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Pipeline")
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["Name", "Value", "Since"])
    sheet.write_row(1, 0, ["Ann", 1200.5])
    sheet.write_datetime(1, 2, dt.datetime(2024, 1, 5), date)
    workbook.add_worksheet("Settings").write(2, 1, "Target")
    workbook.close()


def test_load_xlsx(fake: FakeSheets, gc: Any, tmp_path: Path) -> None:
    path = tmp_path / "funnel.xlsx"
    _write_workbook(path)
    sid = fake.load_xlsx(path)
    sh = gc.open_by_key(sid)
    assert sh.title == "funnel"
    assert [w.title for w in sh.worksheets()] == ["Pipeline", "Settings"]
    assert fake.values(sid, "Pipeline") == [["Name", "Value", "Since"], ["Ann", 1200.5, 45296]]
    assert sh.worksheet("Pipeline").get("C2") == [["2024-01-05"]]
    assert sh.worksheet("Settings").get("A1:B3") == [[], [], ["", "Target"]]


def _read_line(stream: Any, timeout: float) -> str:
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert lines, "no output in time"
    return str(lines[0]).strip()


def test_command_line_prints_id_first(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.xlsx"
    _write_workbook(path)
    command = [sys.executable, "-m", "fake_sheets", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--load", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        spreadsheet_id = _read_line(process.stdout, 20)
        url = _read_line(process.stdout, 5)
        assert url.startswith("http://127.0.0.1:")
        ws = gspread_client(url).open_by_key(spreadsheet_id).worksheet("Pipeline")
        assert ws.get("A2:B2", value_render_option="UNFORMATTED_VALUE") == [["Ann", 1200.5]]
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        process.stderr.close()


def test_url_helpers_honour_the_environment(fake: FakeSheets, monkeypatch: Any) -> None:
    http_constants = vars(gspread.http_client)
    original = http_constants["SPREADSHEET_URL"]
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert api_base_url() is None
    with patched_urls() as base:
        assert base is None
        assert http_constants["SPREADSHEET_URL"] == original
    monkeypatch.setenv(ENV_VAR, fake.url + "/")
    assert api_base_url() == fake.url
    with patched_urls() as base:
        assert base == fake.url
        assert http_constants["SPREADSHEET_URL"] == fake.url + "/v4/spreadsheets/%s"
        assert vars(gspread.client)["DRIVE_FILES_API_V3_URL"] == fake.url + "/drive/v3/files"
        plain = gspread.Client(auth=Credentials(token="t"))  # type: ignore[no-untyped-call]
        sid = plain.create("Via constants").id
    assert http_constants["SPREADSHEET_URL"] == original
    assert vars(gspread.urls)["SPREADSHEET_URL"] == original
    assert gspread_client().open_by_key(sid).title == "Via constants"


# --- A1 notation and number formats ----------------------------------------------------------


def test_a1_and_number_formats() -> None:
    assert quote_title("Sheet1") == "Sheet1"
    assert quote_title("My Tab") == "'My Tab'"
    assert quote_title("A1") == "'A1'"
    assert format_range("Bob's", 0, 4, 0, 4) == "'Bob''s'!A1:D4"
    assert parse_cells("B4:A1") == parse_cells("A1:B4")
    assert format_number(45296, {"type": "DATE", "pattern": "M/d/yyyy"}) == "1/5/2024"
    assert format_number(45296.5, {"type": "DATE_TIME", "pattern": "dd.mm.yyyy hh:mm"}) == (
        "05.01.2024 12:00"
    )
    assert format_number(1234.5, {"type": "NUMBER", "pattern": "#,##0.00"}) == "1,234.50"
    assert format_number(0.256, {"type": "PERCENT", "pattern": "0.0%"}) == "25.6%"
    assert format_number(-3, {"type": "CURRENCY", "pattern": '"$"#,##0'}) == "-$3"
    assert format_number(1 / 3, None) == "0.3333333333"
    assert parse_user_entered("1,234") == (
        {"numberValue": 1234},
        {"type": "NUMBER", "pattern": "#,##0"},
    )
    assert parse_user_entered("'007") == ({"stringValue": "007"}, None)
    assert parse_user_entered("true") == ({"boolValue": True}, None)


def test_json_bodies_are_pretty_utf8(fake: FakeSheets, gc: Any) -> None:
    ws = gc.create("T").sheet1
    ws.update([["Iñtërnâtiônàlizætiøn 🌵"]], "A1")
    response = requests.get(
        f"{fake.url}/v4/spreadsheets/{ws.spreadsheet_id}/values/Sheet1!A1",
        headers={"Authorization": "Bearer x"},
        timeout=5,
    )
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert "🌵".encode() in response.content
    assert json.loads(response.content)["values"] == [["Iñtërnâtiônàlizætiøn 🌵"]]
    assert os.linesep in response.text or "\n" in response.text


def test_values_batch_update_totals_and_chunked_body(fake: FakeSheets, gc: Any) -> None:
    ws = gc.create("T").sheet1
    result = ws.batch_update(
        [{"range": "A1:B1", "values": [["a", "b"]]}, {"range": "A3", "values": [["c"], ["d"]]}]
    )
    assert {k: v for k, v in result.items() if k.startswith("total")} == {
        "totalUpdatedRows": 3,
        "totalUpdatedColumns": 2,
        "totalUpdatedCells": 4,
        "totalUpdatedSheets": 1,
    }
    assert [r["updatedRange"] for r in result["responses"]] == ["Sheet1!A1:B1", "Sheet1!A3:A4"]

    def chunks() -> Iterator[bytes]:
        yield b'{"values": [["sent in'
        yield b' chunks"]]}'

    response = requests.put(
        f"{fake.url}/v4/spreadsheets/{ws.spreadsheet_id}/values/Sheet1!B3",
        params={"valueInputOption": "RAW", "includeValuesInResponse": "true"},
        data=chunks(),
        headers={"Authorization": "Bearer x", "Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 200
    assert response.json()["updatedData"]["values"] == [["sent in chunks"]]
    assert fake.values(ws.spreadsheet_id, "Sheet1") == [
        ["a", "b"],
        [],
        ["c", "sent in chunks"],
        ["d"],
    ]


def test_formulas_are_evaluated_when_simple(fake: FakeSheets) -> None:
    sid = fake.create_spreadsheet(
        "F", {"Sheet1": [[1, 2, "=SUM(A1:B1)*2", "=A1/0", "=VLOOKUP(A1,B:B,1)", '=C1&"!"']]}
    )
    assert fake.values(sid, "Sheet1") == [[1, 2, 6, "#DIV/0!", "", "6!"]]
    fake.set_values(sid, "Sheet1!A1", [[10]])
    assert fake.values(sid, "Sheet1")[0][2] == 24
    grid = fake.spreadsheet(sid).sheet("Sheet1")
    cell = grid.cell(0, 2)
    assert cell is not None and cell.entered == {"formulaValue": "=SUM(A1:B1)*2"}


def test_array_formula_looks_into_another_tab_row_by_row(fake: FakeSheets) -> None:
    lookup = ('=ARRAYFORMULA(IF(A2:A="","",IFERROR(VLOOKUP(A2:A&"",\'Price list\'!A:C,3,'
              'FALSE),"none")))')
    sid = fake.create_spreadsheet("F", {
        "Orders": [["Item", "Price"], ["pear", lookup], ["FIG"], [], ["kiwi"]],
        "Price list": [["Item", "Colour", "Price"], ["fig", "purple", 3], ["pear", "green", 2]],
    })
    # row by row: pear's price, FIG found in any case, a blank row stays blank, kiwi unknown
    assert fake.values(sid, "Orders") == [["Item", "Price"], ["pear", 2], ["FIG", 3], [],
                                          ["kiwi", "none"]]
    fake.set_values(sid, "'Price list'!C3", [[5]])
    assert fake.values(sid, "Orders")[1] == ["pear", 5]


def test_injected_server_errors_have_the_real_bodies(fake: FakeSheets) -> None:
    sid = fake.create_spreadsheet("T")
    url = f"{fake.url}/v4/spreadsheets/{sid}"
    fake.fail_next(500)
    fake.fail_next(503, retry_after=0.5)
    headers = {"Authorization": "Bearer x"}
    first = requests.get(url, headers=headers, timeout=5)
    second = requests.get(url, headers=headers, timeout=5)
    assert (first.status_code, first.json()["error"]["status"]) == (500, "INTERNAL")
    assert (second.status_code, second.json()["error"]["status"]) == (503, "UNAVAILABLE")
    assert second.headers["Retry-After"] == "0.5"
    assert requests.get(url, headers=headers, timeout=5).status_code == 200


def test_values_batch_update_raw_stores_values_as_sent(fake: FakeSheets, gc: Any) -> None:
    """RAW, as Google documents it: "the values the user has entered will not be parsed and
    will be stored as-is"; a null leaves its cell alone, "" empties it, and a range starting
    outside the grid is refused."""
    sh = gc.create("T")
    ws = sh.sheet1
    sh.batch_update({"requests": [{"repeatCell": {
        "range": {"sheetId": ws.id, "startRowIndex": 1, "endRowIndex": 2,
                  "startColumnIndex": 3, "endColumnIndex": 4},
        "cell": {"userEnteredFormat": {"numberFormat": {"type": "DATE",
                                                        "pattern": "yyyy-mm-dd"}}},
        "fields": "userEnteredFormat"}}]})
    ws.update([["old", "old", "old"]], "A3", raw=True)
    result = sh.values_batch_update({"valueInputOption": "RAW", "data": [
        {"range": "Sheet1!A1:E1", "values": [["00123", "=1+1", "1/2", "TRUE", "'x"]]},
        {"range": "Sheet1!A2:D2", "values": [[1500, 0.25, True, 46204]]},
        {"range": "Sheet1!A3:C3", "values": [[None, "", "new"]]},
    ]})
    assert [r["updatedRange"] for r in result["responses"]] == [
        "Sheet1!A1:E1", "Sheet1!A2:D2", "Sheet1!A3:C3"]
    unformatted = {"valueRenderOption": "UNFORMATTED_VALUE"}
    assert sh.values_get("Sheet1!A1:E3", params=unformatted)["values"] == [
        ["00123", "=1+1", "1/2", "TRUE", "'x"],   # text stays text: no formula, date, bool
        [1500, 0.25, True, 46204],
        ["old", "", "new"],                       # null skipped, "" emptied
    ]
    cells = fake.spreadsheet(sh.id).sheet("Sheet1")
    assert cells.cell(0, 1).data["userEnteredValue"] == {"stringValue": "=1+1"}
    # a number keeps the format its cell has: 46204 shows as the date 2026-07-01
    assert ws.acell("D2").value == "2026-07-01"
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        sh.values_batch_update({"valueInputOption": "RAW", "data": [
            {"range": "Sheet1!A1001", "values": [["x"]]}]})
    assert excinfo.value.code == 400
    assert "exceeds grid limits. Max rows: 1000, max columns: 26" in str(excinfo.value)
