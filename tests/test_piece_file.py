"""Each piece of a large tab is put where the reader opens it: a file in memory on Linux
(read by its path, the package copied once), a file object elsewhere."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from test_split_read import deals, same_in_pieces, sheet_book

from sheets_funnel.backends import merge_pass, piece_file
from sheets_funnel.backends.piece_file import Gathered, PieceFile


class Opened:
    """The reader's workbook type, noting how each workbook was opened."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.how: list[str] = []

    def from_path(self, path: str) -> Any:
        self.how.append("memory file" if path.startswith("/proc/self/fd/") else "path")
        return self.real.from_path(path)

    def from_filelike(self, filelike: Any) -> Any:
        self.how.append("file object")
        return self.real.from_filelike(filelike)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Opened:
    import python_calamine

    merge_pass.marker(b"")  # its one try of the reader is made before the reader is watched
    noted = Opened(python_calamine.CalamineWorkbook)
    monkeypatch.setattr(python_calamine, "CalamineWorkbook", noted)
    return noted


def book(tmp_path: Path) -> Path:
    return sheet_book(tmp_path / "b.xlsx", list(deals(1, 120)), "A1:C120")


@pytest.mark.skipif(not hasattr(os, "memfd_create") or not Path("/proc/self/fd").is_dir(),
                    reason="no files in memory here")
def test_on_linux_each_piece_is_read_from_a_file_in_memory(tmp_path, monkeypatch, opened):
    rows = same_in_pieces(book(tmp_path), ["Data"], monkeypatch, counts=(3,))
    assert rows[119] == ["D-120", "Account 120", 1200]
    assert opened.how == ["path", "memory file", "memory file", "memory file"]


@pytest.mark.parametrize("missing", ["no memfd_create", "memfd_create refused", "no /proc"])
def test_without_a_file_in_memory_each_piece_is_handed_over_as_a_file_object(
        tmp_path, monkeypatch, opened, missing):
    if missing == "no memfd_create":
        monkeypatch.delattr(os, "memfd_create", raising=False)
    elif missing == "memfd_create refused":
        def refused(*args: object) -> int:
            raise OSError(24, "Too many open files")
        monkeypatch.setattr(os, "memfd_create", refused, raising=False)
    else:
        real_exists = os.path.exists
        monkeypatch.setattr(piece_file.os.path, "exists",
                            lambda path: False if str(path).startswith("/proc/self/fd/")
                            else real_exists(path))
    rows = same_in_pieces(book(tmp_path), ["Data"], monkeypatch, counts=(2,))
    assert rows[0] == ["D-1", "Account 1", 10]
    assert opened.how == ["path", "file object", "file object"]


def test_what_is_written_is_kept_uncopied_in_its_pieces() -> None:
    gathered = Gathered()
    big = b"x" * (1 << 20)
    assert gathered.write(b"PK") == 2 and gathered.write(memoryview(big)[10:]) == len(big) - 10
    assert gathered.tell() == len(big) - 8
    assert gathered.chunks[0] == b"PK" and gathered.chunks[1].obj is big  # type: ignore[union-attr]


def test_a_piece_file_is_opened_once_and_lets_its_chunks_go(tmp_path) -> None:
    path = book(tmp_path)
    piece = PieceFile([path.read_bytes()[:100], memoryview(path.read_bytes())[100:]])
    workbook = piece.open_book()
    assert workbook.get_sheet_by_name("Data").to_python()[0] == ["D-1", "Account 1", 10]
    assert piece._chunks == []
