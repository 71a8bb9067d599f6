"""One refresh per workbook at a time: the lock file, its key and the "busy" answer."""

from __future__ import annotations

import shutil
import stat
import time

import pytest
from conftest import FIXTURES
from lock_holder import lock_held_elsewhere

from sheets_funnel.locks import WorkbookBusy, lock_dir, lock_key, lock_path, workbook_lock

SID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


@pytest.fixture(autouse=True)
def locks(tmp_path, monkeypatch):
    folder = tmp_path / "locks"
    monkeypatch.setenv("SHEETS_FUNNEL_LOCK_DIR", str(folder))
    return folder


def test_a_url_and_its_bare_id_share_one_lock(tmp_path, monkeypatch):
    url = f"https://docs.google.com/spreadsheets/d/{SID}/edit#gid=0"
    assert lock_key(url) == lock_key(SID) == f"google:{SID}"
    assert lock_path(url) == lock_path(SID)
    monkeypatch.chdir(tmp_path)
    assert lock_key("team.xlsx") == lock_key(str(tmp_path / "team.xlsx"))
    assert lock_path("team.xlsx") != lock_path("other.xlsx")


def test_lock_folder_is_created_for_the_owner_only(locks):
    folder = lock_dir()
    assert folder == locks and stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_second_holder_in_the_same_process_gets_busy_after_a_bounded_wait():
    with workbook_lock(SID, wait=0):
        started = time.monotonic()
        with pytest.raises(WorkbookBusy, match="North is being refreshed by another run"), \
                workbook_lock(SID, wait=0.3, label="North"):
            pass
        assert 0.25 <= time.monotonic() - started < 5
    with workbook_lock(SID, wait=0):  # released when the first holder left
        pass


def test_a_lock_held_by_another_process_makes_the_cli_refresh_busy(cli, tmp_path):
    book = tmp_path / "team.xlsx"
    shutil.copyfile(FIXTURES / "worked-example.xlsx", book)
    before = book.read_bytes()
    with lock_held_elsewhere(str(book)):
        result = cli("refresh", str(book), "--wait", "0.2")
        assert result.code == 1
        assert "team.xlsx is being refreshed by another run; try again in a minute" in result.err
        assert book.read_bytes() == before
        assert cli("refresh", str(book), "--dry-run", "--json").code == 0  # reading is fine
    assert cli("refresh", str(book), "--wait", "0").code == 0  # the holder has exited


def test_a_local_workbook_locks_beside_its_real_path_whatever_the_environment(
        tmp_path, monkeypatch):
    shared = tmp_path / "OneDrive - Команда" / "Sales Q3"
    shared.mkdir(parents=True)
    real = shared / "Воронка №1 — team.xlsx"
    real.write_bytes(b"")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    expected = shared / ".~sheets-funnel.Воронка №1 — team.xlsx.lock"
    assert lock_path(str(link)) == lock_path(str(real)) == expected
    monkeypatch.setenv("SHEETS_FUNNEL_LOCK_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "other-tmp"))
    assert lock_path(str(link)) == expected
    with workbook_lock(str(link), wait=0) as held:
        assert held == expected and expected.is_file()
        with pytest.raises(WorkbookBusy), workbook_lock(str(real), wait=0):
            pass
    assert sorted(p.name for p in shared.iterdir()) == [real.name]  # removed when done


def test_a_very_long_workbook_name_gets_a_hashed_lock_name(tmp_path):
    real = tmp_path / ("x" * 240 + ".xlsx")
    lock = lock_path(str(real))
    assert lock.parent == tmp_path and len(lock.name) < 60 and lock.name.endswith(".lock")

