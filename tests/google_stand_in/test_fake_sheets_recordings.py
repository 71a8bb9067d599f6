"""Replay recorded Google Sheets / Drive traffic against the offline stand-in.

Every interaction of every cassette in ``tests/fixtures/google-sheets-recordings`` (real
requests and responses, recorded by gspread's test suite) is sent, in order, to a running
``FakeSheets``.
Recorded spreadsheet ids are mapped to the ids the stand-in hands out for the Drive create
calls, and recorded ``sheetId`` values to the ones its ``addSheet`` replies carry. Then:

* the status codes must be equal;
* a JSON body must have the same structure (same keys, recursively; same value types) and
  the same values, except for the volatile Drive timestamps (``createdTime`` /
  ``modifiedTime``, only checked to be RFC 3339 strings).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from fake_sheets import FakeSheets

RECORDED_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
VOLATILE_KEYS = frozenset({"createdTime", "modifiedTime"})
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
DRIVE_CREATE = re.compile(r"/drive/v3/files(\?|$)")


def _recordings_dir() -> Path:
    """The recordings: $SHEETS_FUNNEL_RECORDINGS, else the copy in tests/fixtures."""
    override = os.environ.get("SHEETS_FUNNEL_RECORDINGS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1] / "fixtures" / "google-sheets-recordings"


RECORDINGS = _recordings_dir()
CASSETTES = sorted(RECORDINGS.glob("*.json"))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSheets]:
    with FakeSheets() as server:
        yield server


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = "Bearer test-token"
        yield session


class _Replay:
    """State of one cassette's replay: the id maps learned so far."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.ids: dict[str, str] = {}
        self.sheet_ids: dict[int, int] = {}

    def map_text(self, text: str) -> str:
        for recorded, actual in self.ids.items():
            text = text.replace(recorded, actual)
        return text

    def map_sheet_ids(self, obj: Any) -> Any:
        if isinstance(obj, dict):
            return {
                k: self.sheet_ids.get(v, v) if k == "sheetId" else self.map_sheet_ids(v)
                for k, v in obj.items()
            }
        if isinstance(obj, list):
            return [self.map_sheet_ids(v) for v in obj]
        return obj

    def url(self, uri: str) -> str:
        for host in RECORDED_HOSTS:
            if uri.startswith(host):
                return self.map_text(self.base_url + uri[len(host) :])
        raise AssertionError(f"unexpected host in {uri}")

    def body(self, body: str | None) -> bytes | None:
        if not body:
            return None
        document = json.loads(self.map_text(body))
        return json.dumps(self.map_sheet_ids(document)).encode("utf-8")

    def learn(self, method: str, uri: str, recorded: Any, actual: Any) -> None:
        if method == "POST" and DRIVE_CREATE.search(uri) and "id" in recorded:
            self.ids[recorded["id"]] = actual["id"]
        for old, new in zip(recorded.get("replies", []), actual.get("replies", []), strict=True):
            old_props = old.get("addSheet", {}).get("properties", {})
            new_props = new.get("addSheet", {}).get("properties", {})
            if "sheetId" in old_props and "sheetId" in new_props:
                self.sheet_ids[old_props["sheetId"]] = new_props["sheetId"]


def assert_same(recorded: Any, actual: Any, where: str = "$") -> None:
    """Same structure, same value types and values (timestamps only by type and format)."""
    assert type(actual) is type(recorded), f"{where}: {actual!r} is not like {recorded!r}"
    if isinstance(recorded, dict):
        assert set(actual) == set(recorded), f"{where}: keys {sorted(actual)} != {sorted(recorded)}"
        for key, value in recorded.items():
            if key in VOLATILE_KEYS:
                assert isinstance(actual[key], str) and RFC3339.match(actual[key]), where
            else:
                assert_same(value, actual[key], f"{where}.{key}")
    elif isinstance(recorded, list):
        assert len(actual) == len(recorded), f"{where}: {actual!r} != {recorded!r}"
        for i, (old, new) in enumerate(zip(recorded, actual, strict=True)):
            assert_same(old, new, f"{where}[{i}]")
    else:
        assert actual == recorded, f"{where}: {actual!r} != {recorded!r}"


def test_recordings_are_present() -> None:
    assert len(CASSETTES) == 12, f"expected the 12 recorded sessions in {RECORDINGS}"


@pytest.mark.parametrize("cassette", CASSETTES, ids=[c.stem for c in CASSETTES])
def test_replay_cassette(cassette: Path, fake: FakeSheets, http: requests.Session) -> None:
    interactions = json.loads(cassette.read_text(encoding="utf-8"))["interactions"]
    replay = _Replay(fake.url)
    assert interactions, "an empty cassette"
    for number, interaction in enumerate(interactions):
        request, recorded = interaction["request"], interaction["response"]
        method, uri = request["method"], request["uri"]
        body = replay.body(request.get("body"))
        headers = {"Content-Type": "application/json"} if body is not None else {}
        response = http.request(method, replay.url(uri), data=body, headers=headers, timeout=10)
        label = f"{cassette.stem} #{number} {method} {uri}"
        assert response.status_code == recorded["status"]["code"], label
        recorded_text = recorded["body"]["string"]
        if not recorded_text.strip():
            assert response.content == b"", label
            continue
        actual = response.json()
        recorded_doc = json.loads(recorded_text)
        replay.learn(method, uri, recorded_doc, actual)
        expected = replay.map_sheet_ids(json.loads(replay.map_text(recorded_text)))
        try:
            assert_same(expected, actual)
        except AssertionError as error:
            raise AssertionError(f"{label}: {error}") from None


def test_assert_same_catches_differences() -> None:
    assert_same(
        {"a": [1, "x"], "createdTime": "2023-08-17T10:52:36.993Z"},
        {
            "a": [1, "x"],
            "createdTime": "2024-01-01T00:00:00.000Z",
        },
    )
    for recorded, actual in [
        ({"a": 1}, {"a": 1, "b": 2}),
        ({"a": 1}, {"a": 1.5}),
        ({"a": [1]}, {"a": [1, 2]}),
        ({"a": "1"}, {"a": 1}),
        ({"range": "Sheet1!A1:D4"}, {"range": "Sheet1!A1:D5"}),
    ]:
        with pytest.raises(AssertionError):
            assert_same(recorded, actual)
