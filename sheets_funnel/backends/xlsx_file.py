"""The workbook file on disk: what it is, whether it may be replaced, and the atomic replace.

A refresh writes the new workbook to a temporary file beside the real file (a symbolic
link is followed, so the link stays a link), gives it the old file's mode, owner and
group, flushes it to disk and renames it over the old one. The temporary file is locked
while it is written: one left behind by a refresh that was killed is unlocked, and the
next refresh of the same workbook removes it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import NotAWorkbook, WorkbookReadOnly
from . import compound_file
from .file_replace import replace_file

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl
    fcntl = None  # type: ignore[assignment]

_TEMP_PREFIX = ".sheets-funnel-"
_TEMP_SUFFIX = ".tmp"
SAVE_AS = "save it from Excel as 'Excel Workbook (*.xlsx)'"


def check_file(path: Path) -> None:
    """Raise NotAWorkbook, with what the file is instead, unless it is a zip package."""
    if path.is_dir():
        raise NotAWorkbook(f"{path.name} is a folder, not a workbook file")
    if not path.is_file():
        raise NotAWorkbook(f"{path}: no such file")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            names = compound_file.stream_names(fh) if compound_file.is_compound_file(
                head) else None
    except OSError as exc:
        raise NotAWorkbook(f"{path.name} cannot be read ({os.strerror(exc.errno or 0)})"
                           ) from None
    if names is not None:
        if {"EncryptionInfo", "EncryptedPackage"} & names:
            raise NotAWorkbook(
                f"{path.name} is password-protected: sheets-funnel cannot read an encrypted "
                "workbook; save a copy without a password (in Excel: File > Info > Protect "
                "Workbook > Encrypt with Password, clear the password) and refresh that")
        if "Workbook" in names or "Book" in names:
            raise NotAWorkbook(
                f"{path.name} is an Excel 97-2003 workbook (.xls), not an .xlsx/.xlsm "
                f"package; {SAVE_AS}")
    if not zipfile.is_zipfile(path):
        raise NotAWorkbook(
            f"{path.name}: not an Excel workbook (the file is not an .xlsx/.xlsm package); "
            f"{SAVE_AS}")


def real_file(path: Path) -> Path:
    """The file a refresh replaces: the target of a symbolic link, the path itself otherwise."""
    return Path(os.path.realpath(path))


def check_writable(path: Path) -> None:
    """Raise WorkbookReadOnly when the file is read-only or its folder cannot be written.

    The read-only mode or attribute is honoured even where the system would let the file
    be replaced (the owner of a read-only file, or the administrator, can rename over it).
    """
    target = real_file(path)
    info = target.stat()
    attributes = getattr(info, "st_file_attributes", 0)
    flags = getattr(info, "st_flags", 0)
    immutable = getattr(stat, "UF_IMMUTABLE", 0) | getattr(stat, "SF_IMMUTABLE", 0)
    if (not info.st_mode & 0o222 or attributes & getattr(stat, "FILE_ATTRIBUTE_READONLY", 0)
            or flags & immutable or not os.access(target, os.W_OK)):
        raise WorkbookReadOnly(
            f"{path.name} is read-only; nothing was written. Make it writable (clear "
            "'Read-only' in its properties, or chmod u+w) and refresh again")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise folder_read_only(path, target.parent)


def folder_read_only(path: Path, folder: Path) -> WorkbookReadOnly:
    """The error for a workbook whose folder cannot be written."""
    return WorkbookReadOnly(
        f"{path.name}: the folder {folder} is read-only for you, and a refresh writes the new "
        "workbook beside the old one; nothing was written. Refresh a copy in a folder you "
        "can write, or ask for write access to the folder")


def temp_pattern(target: Path) -> str:
    """The glob matching the temporary files of one workbook (and no other's)."""
    return f"{_TEMP_PREFIX}{_tag(target)}-*{_TEMP_SUFFIX}"


def _tag(target: Path) -> str:
    return hashlib.sha256(target.name.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove this workbook's temporary files left by refreshes that were killed.

    Only regular files of this workbook's own name pattern and owned by the current user
    are considered, and only those no running refresh holds locked (on Windows: holds open).
    """
    removed: list[Path] = []
    for candidate in target.parent.glob(temp_pattern(target)):
        with contextlib.suppress(OSError):
            info = candidate.lstat()
            if not stat.S_ISREG(info.st_mode) or info.st_uid != _user_id():
                continue
            if fcntl is None:
                # Windows: a file a running refresh still has open cannot be deleted, so
                # the unlink itself refuses (PermissionError) while it is being written.
                candidate.unlink()
                removed.append(candidate)
                continue
            fd = os.open(candidate, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while being written
                candidate.unlink()
                removed.append(candidate)
            finally:
                os.close(fd)
    return removed


def _user_id() -> int:
    """The current user's id where the system has one (Windows' ``st_uid`` is always 0)."""
    return os.geteuid() if hasattr(os, "geteuid") else 0


@contextlib.contextmanager
def _temp_beside(target: Path) -> Iterator[tuple[BinaryIO, str]]:
    try:
        fd, name = tempfile.mkstemp(prefix=f"{_TEMP_PREFIX}{_tag(target)}-",
                                    suffix=_TEMP_SUFFIX, dir=target.parent)
    except PermissionError:
        raise folder_read_only(target, target.parent) from None
    except OSError as exc:
        if exc.errno == errno.EROFS:
            raise folder_read_only(target, target.parent) from None
        raise
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with os.fdopen(fd, "w+b") as out:
            yield out, name
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def replace_atomically(path: Path, write: Callable[[BinaryIO], None],
                       verify: Callable[[str], None] | None = None) -> None:
    """Write a new version of the workbook with ``write`` and put it in the file's place.

    ``verify`` gets the temporary file's name after it is complete and may raise to keep
    the old file. The old file's mode, owner and group are kept (owner and group where the
    system allows it).
    """
    target = real_file(path)
    remove_stale_temps(target)
    before = target.stat()
    with _temp_beside(target) as (out, name):
        write(out)
        out.flush()
        os.fsync(out.fileno())
        out.close()  # Windows cannot rename a file that is open
        if verify is not None:
            verify(name)
        if hasattr(os, "chown"):
            with contextlib.suppress(OSError):
                os.chown(name, before.st_uid, before.st_gid)
        with contextlib.suppress(OSError):
            os.chmod(name, stat.S_IMODE(before.st_mode))
        try:
            replace_file(name, target)  # Windows' "open in another program": WorkbookLocked
        except PermissionError:
            raise folder_read_only(path, target.parent) from None
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
