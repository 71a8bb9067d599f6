"""The stand-in's model of the real service's limits: body size, compression, copying,
protected ranges, expired tokens and lost replies."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import gspread
import pytest
import requests
from fake_sheets import FakeSheets, gspread_client


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with FakeSheets() as server:
        yield server


def test_a_body_over_ten_mebibytes_gets_googles_answer(fake: FakeSheets) -> None:
    sid = fake.create_spreadsheet("T")
    body = json.dumps({"requests": [{"updateCells": {"x": "y" * (10 * 1024 * 1024)}}]})
    answer = requests.post(f"{fake.url}/v4/spreadsheets/{sid}:batchUpdate", data=body,
                           headers={"Authorization": "Bearer t"}, timeout=60)
    assert answer.status_code == 400
    assert answer.json() == {"error": {
        "code": 400, "message": "Request payload size exceeds the limit: 10485760 bytes.",
        "errors": [{"message": "Request payload size exceeds the limit: 10485760 bytes.",
                    "domain": "global", "reason": "badRequest"}],
        "status": "INVALID_ARGUMENT"}}


@pytest.mark.parametrize(("agent", "encoding", "compressed"), [
    ("app (gzip)", "gzip, deflate", True),
    ("app", "gzip, deflate", False),          # Google compresses only for a "gzip" agent
    ("app (gzip)", "identity", False),
])
def test_answers_are_compressed_as_google_does(fake: FakeSheets, agent: str, encoding: str,
                                               compressed: bool) -> None:
    sid = fake.create_spreadsheet("T", {"A": [["x" * 50] for _ in range(200)]})
    answer = requests.get(f"{fake.url}/v4/spreadsheets/{sid}/values/A", stream=True, timeout=10,
                          headers={"Authorization": "Bearer t", "User-Agent": agent,
                                   "Accept-Encoding": encoding})
    raw = answer.raw.read(decode_content=False)
    assert (answer.headers.get("Content-Encoding") == "gzip") is compressed
    text = gzip.decompress(raw) if compressed else raw
    assert json.loads(text)["values"][0] == ["x" * 50]
    assert int(answer.headers["Content-Length"]) == len(raw)
    assert (len(raw) < len(text) / 10) is compressed


def test_copy_paste_copies_values_and_formats(fake: FakeSheets) -> None:
    sid = fake.create_spreadsheet("T", {"A": [["a", 1], [None, "b"]], "B": [["old"]]})
    gc = gspread_client(fake.url)
    book = gc.open_by_key(sid)
    a, b = book.worksheet("A"), book.worksheet("B")
    book.batch_update({"requests": [
        {"repeatCell": {"range": {"sheetId": a.id, "startRowIndex": 0, "endRowIndex": 1},
                        "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat"}},
        {"copyPaste": {"source": {"sheetId": a.id, "startRowIndex": 0, "endRowIndex": 2,
                                  "startColumnIndex": 0, "endColumnIndex": 2},
                       "destination": {"sheetId": b.id, "startRowIndex": 0, "endRowIndex": 2,
                                       "startColumnIndex": 0, "endColumnIndex": 2},
                       "pasteType": "PASTE_NORMAL"}}]})
    assert fake.values(sid, "B") == [["a", 1], ["", "b"]]
    cell = fake.spreadsheet(sid).sheet("B").cell(0, 1)
    assert cell is not None and cell.data["userEnteredFormat"] == {"textFormat": {"bold": True}}


def test_protected_ranges(fake: FakeSheets) -> None:
    sid = fake.create_spreadsheet("T", {"Mine": [["x"]], "Theirs": [["y"]]})
    fake.protect(sid, "Theirs", editors=["boss@example.com"])
    gc = gspread_client(fake.url)
    book = gc.open_by_key(sid)
    document = book.fetch_sheet_metadata()
    (protection,) = document["sheets"][1]["protectedRanges"]
    assert protection["requestingUserCanEdit"] is False
    assert protection["editors"] == {"users": ["boss@example.com"]}
    book.worksheet("Mine").update([["changed"]], "A1")
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        book.batch_update(
            {"requests": [{"updateCells": {"range": {"sheetId": book.worksheet("Theirs").id},
                                           "fields": "userEnteredValue"}}]})
    # Google's answer: 400 INVALID_ARGUMENT naming the request, not a 403
    assert excinfo.value.response.json()["error"] == {
        "code": 400, "status": "INVALID_ARGUMENT",
        "message": "Invalid requests[0].updateCells: You are trying to edit a protected cell "
                   "or object. Please contact the spreadsheet owner to remove protection if "
                   "you need to edit."}
    assert fake.values(sid, "Theirs") == [["y"]]
    # values.batchUpdate names the value range; nothing of the batch is applied
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        book.values_batch_update({"valueInputOption": "RAW", "data": [
            {"range": "Mine!A2", "values": [["fine"]]},
            {"range": "Theirs!B2", "values": [["refused"]]}]})
    assert excinfo.value.response.json()["error"] == {
        "code": 400, "status": "INVALID_ARGUMENT",
        "message": "Invalid data[1]: You are trying to edit a protected cell or object. "
                   "Please contact the spreadsheet owner to remove protection if you need to "
                   "edit."}
    assert fake.values(sid, "Mine") == [["changed"]]
    # a null skips its cell, so it touches nothing protected
    book.values_batch_update({"valueInputOption": "RAW", "data": [
        {"range": "Theirs!A1", "values": [[None]]}]})
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        book.worksheet("Theirs").update([["no"]], "C3")
    assert excinfo.value.code == 400
    assert fake.values(sid, "Theirs") == [["y"]]
    with pytest.raises(gspread.exceptions.APIError):
        book.del_worksheet(book.worksheet("Theirs"))
    # a range protected with addProtectedRange stays editable by whoever protected it
    book.batch_update({"requests": [{"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": book.worksheet("Mine").id}}}}]})
    book.worksheet("Mine").update([["again"]], "A1")


def test_expired_and_revoked_tokens_get_401(fake: FakeSheets) -> None:
    sid = fake.create_spreadsheet("T")
    token = requests.post(f"{fake.url}/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": "r1"}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    url = f"{fake.url}/v4/spreadsheets/{sid}"
    assert requests.get(url, headers=auth, timeout=10).status_code == 200
    fake.expire_tokens()
    answer = requests.get(url, headers=auth, timeout=10)
    assert answer.status_code == 401
    error: dict[str, Any] = answer.json()["error"]
    assert (error["status"], error["details"][0]["reason"]) == (
        "UNAUTHENTICATED", "ACCESS_TOKEN_EXPIRED")
    assert "invalid_token" in answer.headers["WWW-Authenticate"]
    fresh = requests.post(f"{fake.url}/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": "r1"}).json()["access_token"]
    assert requests.get(url, headers={"Authorization": f"Bearer {fresh}"},
                        timeout=10).status_code == 200
    fake.revoke("r1")
    assert requests.get(url, headers={"Authorization": f"Bearer {fresh}"},
                        timeout=10).status_code == 401
    refused = requests.post(f"{fake.url}/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": "r1"})
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    # a token without access to the spreadsheet: 403, as before
    assert requests.get(url, headers={"Authorization": "Bearer bad-token"},
                        timeout=10).status_code == 403


def test_a_lost_reply_is_applied(fake: FakeSheets) -> None:
    sid = fake.create_spreadsheet("T")
    fake.lose_next_replies(1)
    with pytest.raises(requests.ConnectionError):
        requests.put(f"{fake.url}/v4/spreadsheets/{sid}/values/A1",
                     params={"valueInputOption": "RAW"}, json={"values": [["kept"]]},
                     headers={"Authorization": "Bearer t"}, timeout=10)
    assert fake.values(sid, "Sheet1") == [["kept"]]
