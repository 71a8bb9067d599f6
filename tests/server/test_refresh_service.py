"""The refresh service run for real under uvicorn on 127.0.0.1 and called over HTTP."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from conftest import FIXTURES, WORKED_AS_OF, FakeClock
from lock_holder import lock_held_elsewhere

from sheets_funnel.backends.base import Rows
from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.errors import SheetsFunnelError
from sheets_funnel.nightly_config import ConfigError, load_config
from sheets_funnel.sample import sample_deals
from sheets_funnel.server import ServiceSettings, create_app, settings_from_env
from sheets_funnel.templates import build_workbook

SECRET = "correct-horse-battery-staple-42"
HEADERS = {"X-Funnel-Secret": SECRET}
URL = "https://docs.google.com/spreadsheets/d/{}/edit#gid=0"
WAIT = 10.0


@pytest.fixture(autouse=True)
def locks(tmp_path, monkeypatch):
    monkeypatch.setenv("SHEETS_FUNNEL_LOCK_DIR", str(tmp_path / "locks"))


@contextlib.contextmanager
def running(app: Any) -> Iterator[httpx.Client]:
    """Serve ``app`` with uvicorn on a free loopback port; yields a client for it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="info", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + WAIT
        while not server.started:
            assert time.monotonic() < deadline, "the service did not start in time"
            assert thread.is_alive(), "the service stopped while starting"
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=WAIT) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(WAIT)
        sock.close()


@pytest.fixture
def google(fake, user_credentials):
    """An allowed spreadsheet holding the worked example, and a service for it."""
    sid = fake.load_xlsx(FIXTURES / "worked-example.xlsx", title="Team pipeline")
    settings = ServiceSettings(SECRET, frozenset({sid}), default_credentials=user_credentials,
                               lock_wait=0.2)
    with running(create_app(settings)) as client:
        yield client, sid


def post(client: httpx.Client, body: Any, headers: Mapping[str, str] = HEADERS,
         **kwargs: Any) -> httpx.Response:
    return client.post("/refresh", json=body, headers=dict(headers), **kwargs)


def test_health_answers_without_a_secret(google):
    client, _ = google
    answer = client.get("/health")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_refresh_writes_the_sheet_and_returns_the_summary(google, fake):
    client, sid = google
    answer = post(client, {"spreadsheet": URL.format(sid), "as_of": WORKED_AS_OF.isoformat()})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "ok" and body["spreadsheet"] == sid
    assert body["message"].startswith("15 deals, 3 flagged, 3.45 expected closes")
    assert body["summary"]["deals"] == 15
    assert body["summary"]["written"] == ["Funnel", "Focus", "History"]
    assert fake.values(sid, "Focus")[1][0] == "D-10"
    assert fake.values(sid, "_funnel_state")[2][0].startswith("D-01\tNorthwind Foods\t")


@pytest.mark.parametrize("headers", [{}, {"X-Funnel-Secret": "wrong"},
                                     {"X-Funnel-Secret": SECRET + "x"}])
def test_a_missing_or_wrong_secret_is_refused(google, fake, headers):
    client, sid = google
    fake.reset_requests()
    answer = post(client, {"spreadsheet": sid}, headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {"status": "failed", "message": "missing or wrong X-Funnel-Secret "
                                                            "header"}
    assert fake.requests == []


def test_a_spreadsheet_off_the_allow_list_is_refused(google, fake):
    client, _ = google
    other = fake.create_spreadsheet("Someone else's", {"Pipeline": [["Deal ID"]]})
    answer = post(client, {"spreadsheet": other})
    assert answer.status_code == 403
    assert "not on the refresh service's allow-list" in answer.json()["message"]


@pytest.mark.parametrize(
    ("content", "status", "message"),
    [
        (b"{not json", 400, "the body must be JSON"),
        (b"[1, 2]", 422, 'a JSON object with "spreadsheet"'),
        (b"{}", 422, '"spreadsheet" must be a Google Sheets id or URL'),
        (b'{"spreadsheet": 42}', 422, '"spreadsheet" must be a Google Sheets id or URL'),
        (b'{"spreadsheet": "../../etc/passwd"}', 422, "must be a Google Sheets id or URL"),
        (b'{"spreadsheet": "1AbCdEfGhIjKlMnOpQrStUvWxYz0", "as_of": "30.06.2026"}', 422,
         '"as_of" must be a date written YYYY-MM-DD'),
        (b'{"spreadsheet": "1AbCdEfGhIjKlMnOpQrStUvWxYz0", "sheet": "x"}', 422,
         "unknown field 'sheet'"),
        (b"[" * 5000 + b"]" * 5000, 400, "the body must be JSON"),
    ],
)
def test_malformed_bodies_get_a_clear_answer(google, content, status, message):
    client, _ = google
    answer = client.post("/refresh", content=content,
                         headers={**HEADERS, "Content-Type": "application/json"})
    assert answer.status_code == status
    assert message in answer.json()["message"]


def test_a_body_over_16_kib_is_refused(google):
    client, sid = google
    answer = post(client, {"spreadsheet": sid, "as_of": "x" * 17000})
    assert answer.status_code == 413
    assert answer.json()["message"] == "the body is larger than 16 KiB"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while reading
        yield b'{"spreadsheet": "' + sid.encode() + b'", "pad": "'
        for _ in range(20):
            yield b"x" * 1024
        yield b'"}'

    chunked = client.post("/refresh", content=chunks(), headers=HEADERS)
    assert chunked.status_code == 413


def test_a_spreadsheet_being_refreshed_answers_409(google, fake):
    client, sid = google
    with lock_held_elsewhere(sid):
        answer = post(client, {"spreadsheet": sid})
    assert answer.status_code == 409
    assert answer.json() == {"status": "busy", "message": "this spreadsheet is being refreshed "
                                                          "right now; try again in a minute"}
    assert post(client, {"spreadsheet": sid}).status_code == 200


def test_an_unusable_workbook_answers_422_with_the_reason(fake, user_credentials):
    sid = fake.create_spreadsheet("Notes only", {"Notes": [["nothing here"]]})
    settings = ServiceSettings(SECRET, frozenset({sid}), default_credentials=user_credentials)
    with running(create_app(settings)) as client:
        answer = post(client, {"spreadsheet": sid})
    assert answer.status_code == 422
    assert answer.json()["message"].startswith("no 'Pipeline' (or 'Воронка') tab")


class SlowBook:
    """A local workbook whose read waits for the test to let it go."""

    def __init__(self, path: Path, entered: threading.Event, gate: threading.Event) -> None:
        self.inner, self.entered, self.gate = XlsxWorkbook(path), entered, gate
        self.label = "slow.xlsx"

    def tab_names(self) -> list[str]:
        return self.inner.tab_names()

    def read(self, tabs: Sequence[str]) -> dict[str, Rows]:
        self.entered.set()
        assert self.gate.wait(WAIT)
        return self.inner.read(tabs)

    def write(self, tabs: Mapping[str, Rows]) -> None:
        self.inner.write(tabs)


def test_a_second_request_during_a_refresh_answers_409(worked_example):
    sid = "1AbCdEfGhIjKlMnOpQrStUvWxYz0"
    entered, gate = threading.Event(), threading.Event()
    settings = ServiceSettings(SECRET, frozenset({sid}), lock_wait=0.1)
    app = create_app(settings, opener=lambda location, **_: SlowBook(worked_example, entered,
                                                                     gate))
    answers: list[httpx.Response] = []
    with running(app) as client:
        first = threading.Thread(target=lambda: answers.append(post(client, {"spreadsheet": sid})))
        first.start()
        try:
            assert entered.wait(WAIT)
            second = post(client, {"spreadsheet": sid})
        finally:
            gate.set()
            first.join(WAIT)
    assert second.status_code == 409
    assert [a.status_code for a in answers] == [200]


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (SheetsFunnelError("Google Sheets was unavailable while reading the tabs"), 502,
         "Google Sheets was unavailable while reading the tabs"),
        (RuntimeError("internal detail /srv/keys/a.json"), 500,
         "internal error; the service log has the details"),
    ],
)
def test_other_failures_answer_safely(error, status, message):
    sid = "1AbCdEfGhIjKlMnOpQrStUvWxYz0"

    def opener(location: str, **_: Any) -> Any:
        raise error

    with running(create_app(ServiceSettings(SECRET, frozenset({sid})), opener=opener)) as client:
        answer = post(client, {"spreadsheet": sid})
    assert answer.status_code == status
    assert answer.json() == {"status": "failed", "message": message}
    assert "Traceback" not in answer.text


def test_the_secret_is_never_logged(google, caplog):
    client, sid = google
    with caplog.at_level(logging.DEBUG):
        post(client, {"spreadsheet": sid})
        post(client, {"spreadsheet": sid}, headers={"X-Funnel-Secret": SECRET[:-1]})
        post(client, {"spreadsheet": "1NotAllowedNotAllowedNotAllowed0"})
    assert caplog.records, "the service logged nothing"
    assert SECRET not in caplog.text and SECRET[:-1] not in caplog.text


def test_the_service_refuses_to_start_without_a_secret_or_an_allow_list(tmp_path):
    sid = "1AbCdEfGhIjKlMnOpQrStUvWxYz0"
    with pytest.raises(ConfigError, match="set SHEETS_FUNNEL_SECRET to a shared secret"):
        settings_from_env(environ={"SHEETS_FUNNEL_ALLOW": sid})
    with pytest.raises(ConfigError, match="at least 16 characters"):
        settings_from_env(environ={"SHEETS_FUNNEL_SECRET": "short", "SHEETS_FUNNEL_ALLOW": sid})
    with pytest.raises(ConfigError, match="no spreadsheet is allowed"):
        settings_from_env(environ={"SHEETS_FUNNEL_SECRET": SECRET})
    with pytest.raises(ConfigError, match="'nope' is not a Google Sheets id or URL"):
        settings_from_env(environ={"SHEETS_FUNNEL_SECRET": SECRET,
                                   "SHEETS_FUNNEL_ALLOW": f"{sid}, nope"})


def test_allow_list_from_the_environment_and_the_nightly_configuration(tmp_path):
    config = tmp_path / "nightly.toml"
    config.write_text('max_request_mb = 0.5\n'
                      '[quota]\nreads_per_user = 20\n[credentials.k]\nfile = "k.json"\n'
                      '[[workbook]]\nlocation = "1FromTheNightlyConfigFile000"\n'
                      'credentials = "k"\n'
                      '[[workbook]]\nlocation = "local.xlsx"\n')
    allow = URL.format("1FromTheEnvironmentVariable0") + " 1Another0000000000000000000"
    env = {"SHEETS_FUNNEL_SECRET": f"  {SECRET}  ", "SHEETS_FUNNEL_ALLOW": allow}
    settings = settings_from_env(load_config(config), environ=env)
    assert settings.secret == SECRET
    assert settings.allowed == {"1FromTheNightlyConfigFile000", "1FromTheEnvironmentVariable0",
                                "1Another0000000000000000000"}
    assert settings.credentials == {"1FromTheNightlyConfigFile000": tmp_path / "k.json"}
    assert SECRET not in repr(settings)
    assert settings.quotas.limits.reads_per_user == 20  # the configuration's [quota]
    assert settings.max_request_bytes == 500_000  # and its largest Google request


def test_a_refresh_keeps_to_the_request_limit(fake, user_credentials, tmp_path):
    book = build_workbook(tmp_path / "p400.xlsx", "en", sample_deals(400, "en", WORKED_AS_OF),
                          {"sales_target": 10})
    sid = fake.load_xlsx(book)
    settings = ServiceSettings(SECRET, frozenset({sid}), default_credentials=user_credentials,
                               max_request_bytes=20_000)
    with running(create_app(settings)) as client:
        answer = post(client, {"spreadsheet": sid, "as_of": WORKED_AS_OF.isoformat()})
        assert answer.status_code == 200, answer.text
    writes = [sent for method, path, sent, _ in fake.traffic
              if method == "POST" and path.endswith(":batchUpdate")]
    assert len(writes) >= 4 and max(writes) <= 20_000  # staged in chunks of 20,000 bytes


def test_refreshes_are_paced_under_the_keys_quota(fake, user_credentials):
    # the stand-in and the service's limiter share one clock: no real waiting
    from fake_sheets import QuotaLimits as ServerQuota

    from sheets_funnel.backends.google_quota import QuotaLimits, QuotaPool

    clock = FakeClock()
    fake.enforce_quota(ServerQuota(reads_per_user=2), clock=clock)
    sid = fake.load_xlsx(FIXTURES / "worked-example.xlsx")
    quotas = QuotaPool(QuotaLimits(reads_per_user=2), clock=clock, wait=clock.wait)
    settings = ServiceSettings(SECRET, frozenset({sid}), default_credentials=user_credentials,
                               quotas=quotas)
    with running(create_app(settings)) as client:
        for _ in range(2):  # two refreshes: 4 reads at 2 a minute
            answer = post(client, {"spreadsheet": sid, "as_of": WORKED_AS_OF.isoformat()})
            assert answer.status_code == 200, answer.text
    assert fake.quota_rejections == 0
    assert clock.now == 60.0  # the second refresh waited for the next minute


def test_serve_without_a_secret_exits_2_with_the_reason(cli, monkeypatch):
    monkeypatch.delenv("SHEETS_FUNNEL_SECRET", raising=False)
    monkeypatch.setenv("SHEETS_FUNNEL_ALLOW", "1AbCdEfGhIjKlMnOpQrStUvWxYz0")
    result = cli("serve", "--port", "1")
    assert result.code == 2
    assert "set SHEETS_FUNNEL_SECRET" in result.err
