"""Several workbooks at once: local files freely, Google Sheets within the account's quota."""

from __future__ import annotations

import io
import json
import re
import shutil
import threading
from pathlib import Path

from conftest import FIXTURES, WORKED_AS_OF
from fake_sheets import QuotaLimits as ServerQuota

from sheets_funnel.backends import open_workbook
from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.nightly import run_nightly
from sheets_funnel.nightly_config import load_config
from sheets_funnel.progress import Progress


def test_workers_refresh_local_files_at_the_same_time(tmp_path, monkeypatch):
    monkeypatch.setenv("SHEETS_FUNNEL_LOCK_DIR", str(tmp_path / "locks"))
    names = [f"team-{n}" for n in range(1, 7)]
    for name in names:
        shutil.copyfile(FIXTURES / "worked-example.xlsx", tmp_path / f"{name}.xlsx")
    toml = "".join(f'[[workbook]]\nlocation = "{n}.xlsx"\nname = "{n}"\n' for n in names)
    (tmp_path / "nightly.toml").write_text(toml, encoding="utf-8")
    config = load_config(tmp_path / "nightly.toml")
    # each worker waits at its first workbook until all three are there: a run that did not
    # refresh three at once would break the barrier (its timeout only guards against a hang)
    together = threading.Barrier(3, timeout=120)
    threads: set[str] = set()
    seen = threading.Lock()

    def opener(location: str, **options: object):
        name = threading.current_thread().name
        with seen:
            first = name not in threads
            threads.add(name)
        if first:
            together.wait()
        return open_workbook(location, **options)

    log = io.StringIO()
    reports = run_nightly(config, as_of=WORKED_AS_OF, progress=Progress(6, log), opener=opener,
                          workers=3)
    assert len(threads) == 3
    assert [r.workbook for r in reports] == names  # the file's order, whatever ended first
    assert [(r.status, r.deals, r.flagged) for r in reports] == [("ok", 15, 3)] * 6
    for name in names:  # the fixture has no Funnel tab: each file got its own
        funnel = XlsxWorkbook(tmp_path / f"{name}.xlsx").read(["Funnel"])["Funnel"]
        assert funnel[0][:4] == ["Sales funnel", "", "As of", WORKED_AS_OF]
    # one whole line per workbook, numbered by its place in the file
    lines = log.getvalue().splitlines()
    pattern = re.compile(r"\[(\d)/6\] (team-\d): ok \(\d+\.\d s\) 15 deals, 3 flagged, ")
    matches = [pattern.match(line) for line in lines]
    assert len(lines) == 6 and all(matches)
    assert sorted((m.group(1), m.group(2)) for m in matches if m) == [
        (str(n), f"team-{n}") for n in range(1, 7)]


def test_the_bar_counts_workbooks_done_whatever_order_they_end_in(tmp_path, monkeypatch):
    monkeypatch.setenv("SHEETS_FUNNEL_LOCK_DIR", str(tmp_path / "locks"))
    for n in range(5):
        shutil.copyfile(FIXTURES / "worked-example.xlsx", tmp_path / f"t{n}.xlsx")
    (tmp_path / "nightly.toml").write_text("".join(
        f'[[workbook]]\nlocation = "t{n}.xlsx"\n' for n in range(5)), encoding="utf-8")
    screen = io.StringIO()
    reports = run_nightly(load_config(tmp_path / "nightly.toml"), as_of=WORKED_AS_OF,
                          progress=Progress(5, screen, interactive=True), workers=3)
    assert [r.status for r in reports] == ["ok"] * 5
    draws = screen.getvalue().split("\r")[1:]
    assert len(draws) == 10 and draws[-1].endswith("\n")  # a start and an end each
    ended = [re.search(r"\] (\d)/5 t\d\.xlsx: ok", d) for d in draws]
    assert [int(m.group(1)) for m in ended if m] == [1, 2, 3, 4, 5]


def google_night(cli, fake, tmp_path: Path, key: Path, client_quota: str):
    """8 Google Sheets under one key, refreshed by 4 workers against the stand-in enforcing
    Google's quotas on a quarter-second minute: 4 reads and 4 writes per account."""
    fake.enforce_quota(ServerQuota(reads_per_user=4, writes_per_user=4, minute=0.25))
    ids = [fake.load_xlsx(FIXTURES / "worked-example.xlsx", title=f"Team {n}")
           for n in range(8)]
    toml = f'[quota]\n{client_quota}\n[credentials.robot]\nfile = "{key}"\n' + "".join(
        f'[[workbook]]\nlocation = "{sid}"\nname = "Team {n}"\ncredentials = "robot"\n'
        for n, sid in enumerate(ids))
    path = tmp_path / "nightly.toml"
    path.write_text(toml, encoding="utf-8")
    return cli("nightly", str(path), "--json", "--workers", "4",
               "--as-of", WORKED_AS_OF.isoformat())


def test_google_sheets_of_one_account_stay_within_its_quota(cli, fake, tmp_path, monkeypatch,
                                                            service_account_key):
    monkeypatch.setenv("SHEETS_FUNNEL_LOCK_DIR", str(tmp_path / "locks"))
    result = google_night(cli, fake, tmp_path, service_account_key,
                          "reads_per_user = 4\nwrites_per_user = 4\nminute = 0.25")
    assert result.code == 0, result.err
    reports = json.loads(result.out)
    assert [(r["status"], r["deals"]) for r in reports] == [("ok", 15)] * 8
    assert fake.quota_rejections == 0
    assert "429" not in result.err and "quota" not in result.err.lower()
    # 8 refreshes read twice each: 16 reads at 4 per quarter second
    reads = [m for m, p in fake.requests if m == "GET" and p.startswith("/v4/")]
    assert len(reads) == 16
    # the key was read once and its token shared: at most the 4 workers starting together
    # each asked for one, not each of the 8 sheets
    assert 1 <= len(fake.token_requests) <= 4


def test_without_the_limiter_the_same_night_meets_429s(cli, fake, tmp_path, monkeypatch,
                                                       service_account_key):
    # the control for the test above: the client believes in a far larger quota
    monkeypatch.setenv("SHEETS_FUNNEL_LOCK_DIR", str(tmp_path / "locks"))
    google_night(cli, fake, tmp_path, service_account_key,
                 "reads_per_user = 1000\nwrites_per_user = 1000")
    assert fake.quota_rejections > 0
