"""The nightly job over local workbooks and Google Sheets (the offline stand-in), one broken."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, HEADER, WORKED_AS_OF, make_book
from lock_holder import lock_held_elsewhere

from sheets_funnel.nightly import WorkbookReport, run_nightly, summary_table
from sheets_funnel.nightly_config import load_config
from sheets_funnel.progress import Progress
from sheets_funnel.templates import build_workbook

URL = "https://docs.google.com/spreadsheets/d/{}/edit#gid=0"
MISSING_SID = "1ThisSpreadsheetDoesNotExist000000000"
FIELDS = {"workbook", "status", "exit_code", "message", "deals", "flagged", "expected_closes",
          "seconds"}


@pytest.fixture(autouse=True)
def locks(tmp_path, monkeypatch):
    monkeypatch.setenv("SHEETS_FUNNEL_LOCK_DIR", str(tmp_path / "locks"))


def local_books(folder: Path) -> None:
    shutil.copyfile(FIXTURES / "worked-example.xlsx", folder / "north.xlsx")
    make_book(folder / "broken.xlsx", None)  # no Pipeline tab at all
    build_workbook(folder / "east.xlsx", "ru", [
        ["R-1", "Ромашка", "Иван", "Первая встреча", "Открыта", 100, None, "2026-06-01",
         "Звонок", "2026-07-01", None]])


def write_config(folder: Path, text: str) -> Path:
    path = folder / "nightly.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def mixed(tmp_path, fake, user_credentials):
    """Three local workbooks (one broken), a Google Sheet, and a Google id that does not exist."""
    local_books(tmp_path)
    sid = fake.load_xlsx(FIXTURES / "worked-example.xlsx", title="South pipeline")
    config = write_config(tmp_path, f'''
[credentials.google-team]
file = "{user_credentials.name}"

[[workbook]]
location = "north.xlsx"
name = "North"

[[workbook]]
location = "broken.xlsx"
name = "Broken"

[[workbook]]
location = "{URL.format(sid)}"
name = "South"
credentials = "google-team"

[[workbook]]
location = "{MISSING_SID}"
name = "Gone"
credentials = "google-team"

[[workbook]]
location = "east.xlsx"
name = "East"
lang = "ru"
''')
    return config, sid


def test_every_workbook_is_refreshed_and_one_failure_stops_nothing(cli, fake, mixed):
    config, sid = mixed
    result = cli("nightly", str(config), "--json", "--as-of", WORKED_AS_OF.isoformat())
    assert result.code == 1
    reports = {r["workbook"]: r for r in json.loads(result.out)}
    assert list(reports) == ["North", "Broken", "South", "Gone", "East"]
    assert all(set(r) == FIELDS for r in reports.values())
    assert [r["status"] for r in reports.values()] == ["ok", "failed", "ok", "failed", "ok"]

    north, south = reports["North"], reports["South"]
    for ok in (north, south):
        assert (ok["exit_code"], ok["deals"], ok["flagged"]) == (0, 15, 3)
        assert ok["expected_closes"] == pytest.approx(3.453968, abs=1e-4)
        assert ok["message"].startswith("15 deals, 3 flagged, 3.45 expected closes")
        assert ok["seconds"] >= 0
    assert reports["Broken"]["exit_code"] == 2
    assert "no 'Pipeline'" in reports["Broken"]["message"]
    assert reports["Broken"]["deals"] is None
    assert reports["Gone"]["exit_code"] == 2
    assert f"Google spreadsheet {MISSING_SID} was not found" in reports["Gone"]["message"]
    assert reports["East"]["deals"] == 1

    # the Google Sheet got its owned tabs and the state tab, in one write
    state = fake.values(sid, "_funnel_state")
    (props,) = [sh["properties"] for sh in fake.metadata(sid)["sheets"]
                if sh["properties"]["title"] == "_funnel_state"]
    assert props.get("hidden") is True
    assert state[0][0] == "As of" and len(state) == 3  # the 15 deals fit in one cell
    assert len(state[2][0].split("\n")) == 15
    funnel = fake.values(sid, "Funnel")
    assert any(row and row[0] == "Movement" for row in funnel)
    # progress went to stderr as plain lines (not a terminal here)
    assert "[1/5] North: ok" in result.err and "[2/5] Broken: failed" in result.err


def test_second_night_on_google_reports_movement(cli, fake, mixed):
    config, sid = mixed
    cli("nightly", str(config), "--json", "--as-of", "2026-06-29")
    pipeline = fake.values(sid, "Pipeline")
    row = next(n for n, r in enumerate(pipeline) if r[0] == "D-09") + 1
    fake.set_values(sid, f"'Pipeline'!D{row}:E{row}", [["Closed", "Won"]])
    result = cli("nightly", str(config), "--json", "--as-of", "2026-06-30")
    south = next(r for r in json.loads(result.out) if r["workbook"] == "South")
    assert south["status"] == "ok", south["message"]
    assert "moved since 2026-06-29: 1 won" in south["message"]
    funnel = fake.values(sid, "Funnel")
    start = next(n for n, r in enumerate(funnel) if r and str(r[0]).startswith("Movement "))
    assert funnel[start][0] == "Movement since 2026-06-29 (1)"
    assert funnel[start + 10][:6] == ["Won", "D-09", "Coho Winery", "Anna", "#3", "Won"]


def test_all_good_exits_0_with_a_table(cli, tmp_path):
    local_books(tmp_path)
    config = write_config(tmp_path, '[[workbook]]\nlocation = "north.xlsx"\n'
                                    '[[workbook]]\nlocation = "east.xlsx"\nname = "East"\n')
    result = cli("nightly", str(config), "--as-of", WORKED_AS_OF.isoformat())
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["workbook", "status", "deals", "flagged", "exp.", "closes",
                                "seconds", "message"]
    assert lines[1].split()[:5] == ["north.xlsx", "ok", "15", "3", "3.45"]
    assert lines[2].split()[:4] == ["East", "ok", "1", "0"]
    assert lines[-1] == "2 workbook(s): 2 ok, 0 failed, 0 busy"


def test_a_workbook_being_refreshed_elsewhere_is_reported_busy(cli, tmp_path):
    local_books(tmp_path)
    config = write_config(tmp_path, 'lock_wait = 0.2\n'
                                    '[[workbook]]\nlocation = "north.xlsx"\nname = "North"\n'
                                    '[[workbook]]\nlocation = "east.xlsx"\nname = "East"\n')
    before = (tmp_path / "north.xlsx").read_bytes()
    with lock_held_elsewhere(str(tmp_path / "north.xlsx")):
        result = cli("nightly", str(config), "--json")
    assert result.code == 1
    north, east = json.loads(result.out)
    assert (north["status"], north["exit_code"]) == ("busy", 1)
    assert north["message"] == "North is being refreshed by another run; try again in a minute"
    assert east["status"] == "ok"
    assert (tmp_path / "north.xlsx").read_bytes() == before


def test_a_workbook_in_the_other_language_is_refused(cli, tmp_path):
    local_books(tmp_path)
    config = write_config(tmp_path, '[[workbook]]\nlocation = "north.xlsx"\nlang = "ru"\n')
    result = cli("nightly", str(config), "--json")
    (report,) = json.loads(result.out)
    assert (report["status"], report["exit_code"]) == ("failed", 2)
    assert "expected a Russian workbook (a 'Воронка' tab), found a 'Pipeline' tab" in (
        report["message"])


def test_a_bad_configuration_refreshes_nothing_and_exits_2(cli, tmp_path):
    config = write_config(tmp_path, '[[workbook]]\nlocation = "a.xlsx"\nlang = "fr"\n')
    result = cli("nightly", str(config))
    assert result.code == 2
    assert "workbook 1: lang must be one of en, ru, not 'fr'" in result.err
    assert result.out == ""


def test_progress_bar_is_redrawn_on_a_terminal(tmp_path):
    local_books(tmp_path)
    make_book(tmp_path / "west.xlsx", [HEADER, ["W-1", "Acme", "Anna", "#1"]])
    config = load_config(write_config(tmp_path, '[[workbook]]\nlocation = "north.xlsx"\n'
                                                '[[workbook]]\nlocation = "west.xlsx"\n'))
    screen = io.StringIO()
    reports = run_nightly(config, progress=Progress(2, screen, interactive=True), workers=1)
    assert [r.status for r in reports] == ["ok", "ok"]
    drawn = screen.getvalue()
    assert drawn.count("\r") == 4 and drawn.endswith("\n") and "\n" not in drawn[:-1]
    assert "[" + "#" * 12 + "." * 12 + "] 1/2 north.xlsx: ok" in drawn
    assert "[" + "#" * 24 + "] 2/2 west.xlsx: ok" in drawn


def test_summary_table_shows_failures_with_dashes():
    table = summary_table([WorkbookReport("A", "failed", 2, "no 'Pipeline' tab", seconds=0.12)])
    assert table.splitlines()[1].split() == ["A", "failed", "-", "-", "-", "0.1", "no",
                                             "'Pipeline'", "tab"]
