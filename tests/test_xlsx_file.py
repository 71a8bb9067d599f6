"""The workbook file itself: links, owner and mode, read-only files and folders, files that
are not workbooks, and temporary files left by a refresh that was killed."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from compound_files import encrypted_workbook, legacy_workbook

from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.backends.xlsx_file import temp_pattern
from sheets_funnel.templates import new_workbook

AS_OF = "2026-06-30"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def history_rows(path: Path) -> int:
    rows = XlsxWorkbook(path).read(["History"])["History"]
    return sum(1 for row in rows[1:] if any(cell not in (None, "") for cell in row))


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "team" / "pipeline.xlsx"
    path.parent.mkdir()
    new_workbook(path, sample=12, as_of=dt.date(2026, 6, 30))
    return path


def test_refreshing_a_link_updates_its_target_and_keeps_the_link(cli, book, tmp_path):
    link = tmp_path / "link.xlsx"
    link.symlink_to(book)
    owner, group = (1234, 5678) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    os.chown(book, owner, group)
    book.chmod(0o640)
    assert cli("refresh", str(link), "--as-of", AS_OF).code == 0
    assert link.is_symlink() and link.resolve() == book
    info = book.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (owner, group, 0o640)
    assert history_rows(book) == 1  # the target holds the refresh
    assert sorted(p.name for p in book.parent.iterdir()) == ["pipeline.xlsx"]


@pytest.mark.parametrize("mode", [0o444, 0o400])
def test_a_read_only_file_is_refused_untouched(cli, book, mode):
    book.chmod(mode)
    before = digest(book)
    result = cli("refresh", str(book), "--as-of", AS_OF)
    assert result.code == 2
    assert "pipeline.xlsx is read-only; nothing was written" in result.err
    assert digest(book) == before and (book.stat().st_mode & 0o777) == mode
    # a dry run only reads
    assert cli("refresh", str(book), "--as-of", AS_OF, "--dry-run").code == 0


def test_a_read_only_folder_is_refused_with_a_clear_message(book, tmp_path):
    """What a person sees who may read the folder but not write it. The administrator may
    write anywhere, so when the suite runs as root the command runs without the capabilities
    that override file permissions: root is then an ordinary owner of a read-only folder."""
    folder = book.parent
    folder.chmod(0o555)
    command = [sys.executable, "-m", "sheets_funnel.cli", "refresh", str(book), "--as-of", AS_OF]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv to drop the permission override")
        dropped = "-dac_override,-dac_read_search,-fowner"
        command = ["setpriv", "--bounding-set", dropped, "--inh-caps", dropped, *command]
    before = digest(book)
    try:
        done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    finally:
        folder.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"sheets-funnel: pipeline.xlsx: the folder {folder} is read-only for you, and a refresh "
        "writes the new workbook beside the old one; nothing was written. Refresh a copy in a "
        "folder you can write, or ask for write access to the folder\n")
    assert digest(book) == before
    assert sorted(p.name for p in folder.iterdir()) == ["pipeline.xlsx"]


def _zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def _with_part(source: Path, target: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(source) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts[name] = data
    return _zip(target, parts)


def _broken_files(tmp_path: Path, book: Path) -> dict[str, tuple[Path, str]]:
    sheet1 = zipfile.ZipFile(book).read("xl/worksheets/sheet1.xml")
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    return {
        "password": (tmp_path / "secret.xlsx",
                     "secret.xlsx is password-protected: sheets-funnel cannot read an encrypted "
                     "workbook; save a copy without a password"),
        "xls": (tmp_path / "old.xlsx",
                "old.xlsx is an Excel 97-2003 workbook (.xls), not an .xlsx/.xlsm package; "
                "save it from Excel as 'Excel Workbook (*.xlsx)'"),
        "folder": (folder, "folder.xlsx is a folder, not a workbook file"),
        "zip": (_zip(tmp_path / "photos.xlsx", {"holiday.jpg": b"\xff\xd8\xff"}),
                "photos.xlsx is a zip file but not an Excel workbook (it has no "
                "[Content_Types].xml)"),
        "workbook part": (_with_part(book, tmp_path / "wb.xlsx", "xl/workbook.xml",
                                     b"<workbook><sheets><sheet name='P'></sheets>"),
                          # </sheets> closes <sheet ...>: the parser stops at its name,
                          # after "<workbook><sheets><sheet name='P'></" (36 characters)
                          "wb.xlsx is damaged: its part xl/workbook.xml is not well-formed XML "
                          "(line 1, column 37); open it in Excel, let Excel repair it"),
        "sheet part": (_with_part(book, tmp_path / "cut.xlsx", "xl/worksheets/sheet1.xml",
                                  sheet1[: len(sheet1) // 2]),
                       "cut.xlsx: tab 'Pipeline' cannot be read: xl/worksheets/sheet1.xml is "
                       "damaged; open it in Excel, let Excel repair it, and save it"),
    }


@pytest.mark.parametrize("kind", ["password", "xls", "folder", "zip", "workbook part",
                                  "sheet part"])
def test_a_file_that_cannot_be_read_is_explained(cli, book, tmp_path, kind):
    (tmp_path / "secret.xlsx").write_bytes(encrypted_workbook())
    (tmp_path / "old.xlsx").write_bytes(legacy_workbook())
    path, message = _broken_files(tmp_path, book)[kind]
    before = None if path.is_dir() else digest(path)
    result = cli("refresh", str(path), "--as-of", AS_OF)
    assert result.code == 2
    assert result.err.startswith("sheets-funnel: " + message), result.err
    assert "Error" not in result.err and "unexpected" not in result.err
    assert before is None or digest(path) == before


def test_the_encrypted_fixture_is_what_file_recognises(tmp_path):
    """An independent reader of compound files (libmagic) sees the encrypted workbook."""
    if shutil.which("file") is None:
        pytest.skip("the file command is not installed")
    path = tmp_path / "secret.xlsx"
    path.write_bytes(encrypted_workbook())
    (tmp_path / "old.xlsx").write_bytes(legacy_workbook())
    out = subprocess.run(["file", "-b", str(path), str(tmp_path / "old.xlsx")],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["CDFV2 Encrypted", "CDFV2 Microsoft Excel"]


KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from sheets_funnel.backends import zipraw
    from sheets_funnel.cli import main

    def close_and_hang(self):  # the whole package is in the temporary file; the rename is next
        print("writing", flush=True)
        time.sleep(3600)

    zipraw.RawZipWriter.close = close_and_hang
    main(["refresh", sys.argv[1], "--as-of", "2026-06-30"])
""")


def test_a_killed_refresh_leaves_a_temp_file_the_next_refresh_removes(cli, book, tmp_path):
    before = digest(book)
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(book)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline() == "writing\n"
    child.send_signal(signal.SIGKILL)
    child.wait()
    left = list(book.parent.glob(".sheets-funnel-*.tmp"))
    assert len(left) == 1 and digest(book) == before
    # another workbook's temporary file in the same folder, and one being written now
    other = book.parent / "other.xlsx"
    shutil.copyfile(book, other)
    foreign = book.parent / temp_pattern(other).replace("*", "x7k2")
    foreign.write_bytes(b"partial")
    busy = book.parent / temp_pattern(book).replace("*", "busy")
    busy.write_bytes(b"partial")
    with busy.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        assert cli("refresh", str(book), "--as-of", AS_OF).code == 0
    assert not left[0].exists()
    assert foreign.exists() and busy.exists()
    assert history_rows(book) == 1


def test_the_temp_file_pattern_belongs_to_one_workbook(tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert temp_pattern(first) != temp_pattern(second)
    assert temp_pattern(first).startswith(".sheets-funnel-") and temp_pattern(first).endswith(
        "-*.tmp")


def test_without_fcntl_a_stale_temp_file_is_removed_and_one_held_open_is_kept(
        book, tmp_path, monkeypatch):
    # As on Windows: no fcntl, and a file another process still has open cannot be deleted.
    from sheets_funnel.backends import xlsx_file

    stale = book.parent / temp_pattern(book).replace("*", "old1")
    stale.write_bytes(b"partial")
    held = book.parent / temp_pattern(book).replace("*", "held")
    held.write_bytes(b"partial")
    foreign = book.parent / temp_pattern(tmp_path / "other.xlsx").replace("*", "x7k2")
    foreign.write_bytes(b"partial")
    real_unlink = Path.unlink

    def windows_unlink(self: Path, missing_ok: bool = False) -> None:
        if self == held:
            raise PermissionError(32, "The process cannot access the file because it is "
                                      "being used by another process", str(self))
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(xlsx_file, "fcntl", None)
    monkeypatch.setattr(Path, "unlink", windows_unlink)
    assert xlsx_file.remove_stale_temps(book) == [stale]
    assert not stale.exists() and held.exists() and foreign.exists()
