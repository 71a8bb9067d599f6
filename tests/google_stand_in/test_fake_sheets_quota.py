"""The stand-in's per-minute quotas: counted per account and per project, the real 429 body."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from conftest import FakeClock
from fake_sheets import FakeSheets, QuotaLimits


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with FakeSheets() as server:
        yield server


def get(fake: FakeSheets, sid: str, token: str) -> requests.Response:
    return requests.get(f"{fake.url}/v4/spreadsheets/{sid}",
                        headers={"Authorization": f"Bearer {token}"}, timeout=5)


def write(fake: FakeSheets, sid: str, token: str) -> requests.Response:
    return requests.post(f"{fake.url}/v4/spreadsheets/{sid}:batchUpdate",
                         headers={"Authorization": f"Bearer {token}"},
                         json={"requests": [{"updateSpreadsheetProperties": {
                             "properties": {"title": "T"}, "fields": "title"}}]}, timeout=5)


def error(response: requests.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


def test_quotas_are_off_by_default(fake: FakeSheets) -> None:
    sid = fake.create_spreadsheet("T")
    # 61 reads by one account: one over the real per-user limit of 60
    assert {get(fake, sid, "one").status_code for _ in range(61)} == {200}
    assert fake.quota_rejections == 0


def test_per_user_and_per_project_limits_with_the_real_bodies(fake: FakeSheets) -> None:
    sid = fake.create_spreadsheet("T")
    clock = FakeClock()
    fake.enforce_quota(QuotaLimits(reads_per_user=3, writes_per_user=2, reads_per_project=5,
                                   writes_per_project=10, minute=60), clock=clock)
    assert [get(fake, sid, "ann").status_code for _ in range(3)] == [200] * 3
    refused = get(fake, sid, "ann")
    assert refused.status_code == 429
    assert error(refused) == {
        "code": 429,
        "message": "Quota exceeded for quota metric 'Read requests' and limit 'Read requests "
                   "per minute per user' of service 'sheets.googleapis.com' for consumer "
                   "'project_number:000000000000'.",
        "status": "RESOURCE_EXHAUSTED",
        "details": [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
             "reason": "RATE_LIMIT_EXCEEDED", "domain": "googleapis.com",
             "metadata": {"quota_metric": "sheets.googleapis.com/read_requests",
                          "quota_limit": "ReadRequestsPerMinutePerUser",
                          "quota_location": "global", "quota_limit_value": "3",
                          "consumer": "projects/000000000000",
                          "service": "sheets.googleapis.com"}},
            {"@type": "type.googleapis.com/google.rpc.Help",
             "links": [{"description": "Request a higher quota limit.",
                        "url": "https://cloud.google.com/docs/quotas/help/request_increase"}]},
        ],
    }
    assert "Retry-After" not in refused.headers  # Google does not say how long to wait
    # another account has its own 3, but the project's 5 reads are used up after 2 of them
    assert [get(fake, sid, "bob").status_code for _ in range(2)] == [200, 200]
    project = get(fake, sid, "bob")
    assert project.status_code == 429
    assert "limit 'Read requests per minute' of service" in error(project)["message"]
    assert error(project)["details"][0]["metadata"]["quota_limit"] == (
        "ReadRequestsPerMinutePerProject")
    # writes are counted apart from reads
    assert [write(fake, sid, "ann").status_code for _ in range(3)] == [200, 200, 429]
    assert "'Write requests per minute per user'" in error(write(fake, sid, "ann"))["message"]
    assert fake.quota_rejections == 4
    # the Drive API is not the Sheets API's quota
    drive = requests.get(f"{fake.url}/drive/v3/files", timeout=5,
                         headers={"Authorization": "Bearer ann"})
    assert drive.status_code == 200


def test_the_window_slides_and_refusals_are_not_counted(fake: FakeSheets) -> None:
    sid = fake.create_spreadsheet("T")
    clock = FakeClock()
    fake.enforce_quota(QuotaLimits(reads_per_user=2, minute=10), clock=clock)
    assert get(fake, sid, "ann").status_code == 200          # t = 0
    clock.now += 6
    assert get(fake, sid, "ann").status_code == 200          # t = 6
    assert get(fake, sid, "ann").status_code == 429          # 2 in (−4, 6]
    clock.now += 4                                            # t = 10: the first has left
    assert get(fake, sid, "ann").status_code == 200
    assert get(fake, sid, "ann").status_code == 429          # t = 6 and t = 10 still in
    clock.now += 6                                            # t = 16: the one at 6 has left
    assert get(fake, sid, "ann").status_code == 200
    fake.stop_quota()
    assert {get(fake, sid, "ann").status_code for _ in range(5)} == {200}


def _assertion(issuer: str) -> str:
    def part(doc: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")

    return ".".join([part({"alg": "RS256"}), part({"iss": issuer, "scope": "x"}), "sig"])


def test_tokens_of_one_service_account_share_its_quota(fake: FakeSheets) -> None:
    sid = fake.create_spreadsheet("T")
    fake.enforce_quota(QuotaLimits(reads_per_user=2), clock=FakeClock())
    tokens = [
        requests.post(f"{fake.url}/token", timeout=5, data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": _assertion("robot@team.iam.example")}).json()["access_token"]
        for _ in range(2)
    ]
    assert tokens[0] != tokens[1]
    assert [get(fake, sid, t).status_code for t in (*tokens, tokens[1])] == [200, 200, 429]


def test_command_line_switches_quotas_on(tmp_path: Any) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "fake_sheets", "--quota-minute", "30"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        sid, url = proc.stdout.readline().strip(), proc.stdout.readline().strip()
        statuses = [requests.get(f"{url}/v4/spreadsheets/{sid}", timeout=5,
                                 headers={"Authorization": "Bearer t"}).status_code
                    for _ in range(61)]
        assert statuses == [200] * 60 + [429]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_latency_delays_answers() -> None:
    with FakeSheets(latency=0.2) as slow:
        sid = slow.create_spreadsheet("T")
        started = time.monotonic()
        threads = [threading.Thread(target=get, args=(slow, sid, "t")) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.monotonic() - started
    assert took >= 0.2
    assert len(slow.requests) == 3
