"""One refresh of a workbook at a time: a lock file per workbook, taken with :mod:`filelock`.

The nightly job, the ``refresh`` command and the refresh service all take the same lock
before they write, so a click on "Refresh now" during the nightly write waits a moment and
then reports that the workbook is busy instead of interleaving two writes.

A local workbook's lock file lies beside the workbook's real path (a symbolic link is
followed): ``.~sheets-funnel.Team.xlsx.lock``. Every process that refreshes the file finds
the same lock whatever its temporary folder or environment. A Google Sheet has no folder of
its own, so its lock lives in ``$SHEETS_FUNNEL_LOCK_DIR`` (else a per-user folder in the
system's temporary folder), named by a hash of the spreadsheet id (its URL and bare id share
one lock). The lock file is removed when the refresh ends; the operating system releases a
lock whose holder crashed. :mod:`filelock` locks with ``flock`` on Linux and macOS and with
``msvcrt.locking`` on Windows.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

from .backends import google_id
from .backends.xlsx_file import folder_read_only
from .errors import SheetsFunnelError

with warnings.catch_warnings():  # where flock is missing it says so on import; the lock works
    warnings.simplefilter("ignore")
    from filelock import FileLock, Timeout

ENV_LOCK_DIR = "SHEETS_FUNNEL_LOCK_DIR"
#: Seconds a refresh waits for another refresh of the same workbook before giving up.
DEFAULT_WAIT = 10.0
_POLL = 0.05
#: Longest workbook name that keeps its name in the lock file's (255 bytes on most systems).
_MAX_NAME = 200


class WorkbookBusy(SheetsFunnelError):
    """Another refresh of the same workbook is running (exit code 1): try again shortly."""


def lock_key(location: str) -> str:
    """What identifies a workbook for locking: ``google:ID`` or ``file:REAL PATH``."""
    spreadsheet = google_id(location)
    if spreadsheet is not None:
        return f"google:{spreadsheet}"
    return f"file:{os.path.realpath(location)}"


def lock_dir() -> Path:
    """The folder holding Google Sheets' lock files, created (owner-only) when missing."""
    configured = os.environ.get(ENV_LOCK_DIR)
    folder = Path(configured) if configured else (
        Path(tempfile.gettempdir()) / f"sheets-funnel-locks-{_user()}")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not configured and hasattr(os, "getuid") and folder.stat().st_uid != os.getuid():
        raise SheetsFunnelError(
            f"lock folder {folder} belongs to another user; set {ENV_LOCK_DIR} to a folder "
            "of your own")
    return folder


def _user() -> str:
    if hasattr(os, "getuid"):
        return str(os.getuid())
    try:
        name = getpass.getuser()
    except Exception:  # no user name in the environment
        return "user"
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]


def lock_path(location: str, folder: Path | None = None) -> Path:
    """The lock file of a workbook location (``folder``: where Google Sheets' locks go)."""
    key = lock_key(location)
    if key.startswith("file:"):
        real = Path(key.removeprefix("file:"))
        name = real.name if len(real.name.encode("utf-8")) <= _MAX_NAME else _digest(key)
        return real.parent / f".~sheets-funnel.{name}.lock"
    return (folder or lock_dir()) / f"{_digest(key)}.lock"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


@contextlib.contextmanager
def workbook_lock(location: str, wait: float = DEFAULT_WAIT, *,
                  folder: Path | None = None, label: str | None = None) -> Iterator[Path]:
    """Hold the workbook's lock for the ``with`` block; yields the lock file's path.

    Waits up to ``wait`` seconds (0: not at all) while another process or thread holds it,
    then raises :class:`WorkbookBusy` naming ``label`` (default: the location).
    """
    path = lock_path(location, folder)
    lock = FileLock(path, timeout=max(wait, 0.0), thread_local=False, poll_interval=_POLL)
    try:
        lock.acquire()
    except Timeout:
        raise WorkbookBusy(f"{label or location} is being refreshed by another run; "
                           "try again in a minute") from None
    except PermissionError:  # the folder of a workbook file cannot be written
        raise folder_read_only(Path(location), path.parent) from None
    try:
        yield path
    finally:
        # Removed while still held: a waiter that opened this file before finds it unlinked
        # and starts over with a fresh one (Windows removes it itself after the release).
        with contextlib.suppress(OSError):
            path.unlink()
        lock.release()
