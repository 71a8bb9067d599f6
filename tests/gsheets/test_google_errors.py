"""Quota, credentials and protection errors as the real service gives them, against the
stand-in."""

from __future__ import annotations

import logging

import pytest
from conftest import WORKED_AS_OF, api_calls, write_service_account

from sheets_funnel.backends.gsheets import GoogleSheet
from sheets_funnel.backends.retry import RetryPolicy
from sheets_funnel.errors import SheetsFunnelError
from sheets_funnel.refresh import refresh

EXPIRED = "your Google credentials expired or were revoked: sign in again / issue a new key"


class Clock:
    """A clock that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def policy(self) -> RetryPolicy:
        return RetryPolicy(sleep=self.sleep, clock=lambda: self.now)


def run_refresh(cli, sid, credentials):
    return cli("refresh", sid, "--credentials", str(credentials),
               "--as-of", WORKED_AS_OF.isoformat())


# --- 429 -------------------------------------------------------------------------------------

def test_quota_waits_as_long_as_retry_after_asks(fake, worked_example, user_credentials,
                                                 caplog):
    sid = fake.load_xlsx(worked_example)
    clock = Clock()
    fake.fail_next(429, count=2, retry_after=90)
    with caplog.at_level(logging.WARNING, logger="sheets_funnel"):
        outcome = refresh(GoogleSheet(sid, user_credentials, retry=clock.policy()), WORKED_AS_OF)
    assert outcome.written == ["Funnel", "Focus", "History"]
    assert clock.waits == [90.0, 90.0]
    assert caplog.text.count("Google quota: waiting 90 s") == 2


def test_quota_keeps_trying_for_over_100_seconds_then_says_so(fake, worked_example,
                                                               user_credentials):
    sid = fake.load_xlsx(worked_example)
    clock = Clock()
    fake.fail_next(429, count=1000)
    with pytest.raises(SheetsFunnelError, match=r"quota exceeded, \d+ attempts over 1\d\d s"):
        refresh(GoogleSheet(sid, user_credentials, retry=clock.policy()), WORKED_AS_OF)
    # jittered exponential backoff: wait n is between half and all of 2**(n-1) seconds, capped
    # at 64; it stops trying only once 120 s have passed
    assert sum(clock.waits) >= 120
    assert sum(clock.waits[:-1]) < 120
    for n, wait in enumerate(clock.waits, 1):
        full = min(64.0, 2.0 ** (n - 1))
        assert full / 2 <= wait <= full
    assert len(set(clock.waits)) == len(clock.waits)
    assert not [c for c in api_calls(fake) if c[0] == "POST"]


# --- 401 and 403 -----------------------------------------------------------------------------

def test_an_expired_token_is_refreshed_once_and_the_refresh_goes_on(fake, worked_example,
                                                                     user_credentials):
    sid = fake.load_xlsx(worked_example)
    sheet = GoogleSheet(sid, user_credentials)
    sheet.tab_names()
    assert len(fake.token_requests) == 1
    fake.expire_tokens()
    outcome = refresh(sheet, WORKED_AS_OF)
    assert outcome.written == ["Funnel", "Focus", "History"]
    assert len(fake.token_requests) == 2


def test_credentials_google_keeps_refusing(cli, fake, worked_example, user_credentials):
    sid = fake.load_xlsx(worked_example)
    fake.expire_tokens(also_new=True)
    result = run_refresh(cli, sid, user_credentials)
    assert result.code == 1
    assert EXPIRED in result.err
    assert "share" not in result.err
    assert len(fake.token_requests) == 2  # the first token, and one refresh


def test_a_revoked_key(cli, fake, worked_example, tmp_path):
    sid = fake.load_xlsx(worked_example)
    key = write_service_account(tmp_path / "sa.json", "refresher@team.iam.example")
    fake.revoke("refresher@team.iam.example")
    result = run_refresh(cli, sid, key)
    assert result.code == 1
    assert EXPIRED in result.err
    assert not api_calls(fake)


# --- protected tabs --------------------------------------------------------------------------

def test_a_protected_owned_tab_exits_2_before_writing(cli, fake, worked_example, tmp_path):
    sid = fake.load_xlsx(worked_example)
    key = write_service_account(tmp_path / "sa.json", "refresher@team.iam.example")
    assert run_refresh(cli, sid, key).code == 0
    before = fake.values(sid, "Focus")
    fake.protect(sid, "Focus", editors=["boss@team.example"])
    fake.reset_requests()
    result = run_refresh(cli, sid, key)
    assert result.code == 2
    assert ("tab Focus is protected: let the sheets-funnel account "
            "(refresher@team.iam.example) edit it") in result.err
    assert not [c for c in api_calls(fake) if c[0] == "POST"]
    assert fake.values(sid, "Focus") == before


@pytest.mark.parametrize("limit", [None, 3_000])  # one request; staging tabs and a swap
def test_a_tab_protected_while_refreshing(fake, worked_example, tmp_path, limit):
    sid = fake.load_xlsx(worked_example)
    key = write_service_account(tmp_path / "sa.json", "refresher@team.iam.example")
    refresh(GoogleSheet(sid, key), WORKED_AS_OF)
    before = fake.values(sid, "History")
    sheet = GoogleSheet(sid, key, **({} if limit is None else {"max_request_bytes": limit}))
    sheet.tab_names()  # the metadata is read before the protection appears
    fake.protect(sid, "History", editors=["boss@team.example"])
    fake.reset_requests()
    with pytest.raises(SheetsFunnelError, match="tab History is protected") as error:
        refresh(sheet, WORKED_AS_OF)
    assert error.value.exit_code == 2
    refused = fake.traffic[-2]  # the write Google refused, then the metadata read again
    assert refused[0] == "POST" and refused[1].endswith(":batchUpdate")
    posts = [t[1] for t in fake.traffic if t[0] == "POST"]
    # staged: the staging tabs were prepared and filled, only the swap was refused
    assert len(posts) == 1 if limit is None else (
        len(posts) >= 3 and any(p.endswith("/values:batchUpdate") for p in posts))
    assert fake.values(sid, "History") == before


def test_the_account_may_edit_a_protected_tab_it_is_an_editor_of(cli, fake, worked_example,
                                                                  tmp_path):
    sid = fake.load_xlsx(worked_example)
    key = write_service_account(tmp_path / "sa.json", "refresher@team.iam.example")
    assert run_refresh(cli, sid, key).code == 0
    fake.protect(sid, "Focus", editors=["boss@team.example", "refresher@team.iam.example"])
    fake.protect(sid, "Funnel", warning_only=True)
    assert run_refresh(cli, sid, key).code == 0
