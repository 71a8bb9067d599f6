"""The per-identity quota limiter, on a clock the tests move (no real waiting but one test
whose quota minute lasts a tenth of a second)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from conftest import WORKED_AS_OF, FakeClock, api_calls, write_service_account
from fake_sheets import QuotaLimits as ServerQuota

from sheets_funnel.backends.google_quota import (
    QuotaLimits,
    QuotaPool,
    identity,
    request_kind,
)
from sheets_funnel.backends.gsheets import GoogleSheet
from sheets_funnel.refresh import refresh


def pool(clock: FakeClock, **limits: float) -> QuotaPool:
    return QuotaPool(QuotaLimits(**limits), clock=clock, wait=clock.wait)  # type: ignore[arg-type]


def starts(limiter, clock: FakeClock, kinds: list[str], duration: float = 0.0) -> list[float]:
    """Send one request per kind, one after another; when each started."""
    started = []
    for kind in kinds:
        with limiter.request(kind):
            started.append(clock.now)
            clock.now += duration
    return started


def test_instant_requests_go_in_bursts_of_the_quota_per_minute():
    clock = FakeClock()
    limiter = pool(clock).limiter("robot@team", "team")
    times = starts(limiter, clock, ["read"] * 150)
    # 60 reads a minute: 60 at 0 s, the next 60 once those are a minute old, then 30 more
    assert times == [0.0] * 60 + [60.0] * 60 + [120.0] * 30
    # one after another, only the 61st and the 121st wait (60 s each); the rest follow them
    assert limiter.waited == pytest.approx(120.0)


def test_a_slot_counts_from_the_end_of_its_request():
    clock = FakeClock()
    limiter = pool(clock, reads_per_user=2).limiter("robot@team", "team")
    # each request takes 1 s: the first ends at 1, so the third may start at 1 + 60 = 61;
    # the second ended at 2, so the fourth may start at 2 + 60 = 62
    assert starts(limiter, clock, ["read"] * 4, duration=1.0) == [0.0, 1.0, 61.0, 62.0]


def test_reads_and_writes_are_counted_apart():
    clock = FakeClock()
    limiter = pool(clock, reads_per_user=1, writes_per_user=2).limiter("robot@team", "team")
    assert starts(limiter, clock, ["read", "write", "write", "read", "write"]) == [
        0.0, 0.0, 0.0, 60.0, 60.0]


def test_accounts_of_one_project_share_the_projects_quota():
    clock = FakeClock()
    shared = pool(clock, reads_per_user=2, reads_per_project=3)
    ann, bob = shared.limiter("ann@team", "team"), shared.limiter("bob@team", "team")
    other = shared.limiter("cat@elsewhere", "elsewhere")
    assert shared.limiter("ann@team", "team") is ann
    assert starts(ann, clock, ["read", "read"]) == [0.0, 0.0]
    assert starts(other, clock, ["read", "read"]) == [0.0, 0.0]  # its own project
    # bob has 2 of his own, but the project has only 1 left this minute
    assert starts(bob, clock, ["read", "read"]) == [0.0, 60.0]


def test_threads_never_exceed_the_quota_in_any_window():
    minute, limit = 0.1, 4
    shared = QuotaPool(QuotaLimits(reads_per_user=limit, minute=minute))
    limiter = shared.limiter("robot@team", "team")
    started: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(4):
            with limiter.request("read"), lock:
                started.append(shared.clock())

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(started) == 24
    # what a server counting arrivals sees: never more than 4 in any 0.1 s
    for t in started:
        assert sum(t - minute < s <= t for s in started) <= limit
    # 24 requests at 4 per 0.1 s: the last group of 4 cannot start before 5 minutes passed
    assert max(started) - min(started) >= 5 * minute


def test_a_refresh_paced_by_the_limiter_meets_the_stand_ins_quota(fake, worked_example,
                                                                  service_account_key):
    # the stand-in and the limiter share one clock: waiting for the quota takes no real time
    clock = FakeClock()
    fake.enforce_quota(ServerQuota(reads_per_user=1, minute=60), clock=clock)
    sid = fake.load_xlsx(worked_example)
    limiter = pool(clock, reads_per_user=1).limiter_for(service_account_key)

    fake.reset_requests()
    outcome = refresh(GoogleSheet(sid, service_account_key, limiter=limiter), WORKED_AS_OF)
    assert outcome.result.deals == 15
    assert fake.quota_rejections == 0
    # metadata at 0 s; the values read waits for the next minute; the write is not a read
    assert clock.now == 60.0 and limiter.waited == 60.0
    assert [m for m, _ in api_calls(fake)] == ["GET", "GET", "POST"]


def test_request_kinds():
    assert [request_kind(m) for m in ("get", "GET", "post", "put")] == [
        "read", "read", "write", "write"]


def test_lower_bound_is_requests_over_quota():
    limits = QuotaLimits()
    # 200 refreshes: 400 reads at 60 a minute = 6.67 min; 200 writes at 60 = 3.33 min
    assert limits.lower_bound(400, 200) == pytest.approx(400 / 60 * 60)
    assert QuotaLimits(minute=3).lower_bound(400, 200) == pytest.approx(20.0)


def test_identity_of_key_files(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    one = write_service_account(tmp_path / "one.json", "robot@team.iam.example")
    again = write_service_account(tmp_path / "again.json", "robot@team.iam.example")
    assert identity(one) == identity(again) == ("robot@team.iam.example", "team")
    user = tmp_path / "user.json"
    user.write_text(json.dumps({"type": "authorized_user", "client_id": "c1.apps",
                                "refresh_token": "1//secret"}))
    account, project = identity(user)
    assert account.startswith("user:") and "secret" not in account
    assert project == "c1.apps"
    assert identity(None) == ("default", "default")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(one))
    assert identity(None) == ("robot@team.iam.example", "team")
    missing = identity(tmp_path / "missing.json")
    assert missing[0] == missing[1] == f"file:{tmp_path / 'missing.json'}"
