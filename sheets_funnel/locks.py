"""One refresh of a workbook at a time: a lock file per workbook, taken with ``fcntl.flock``.

The nightly job, the ``refresh`` command and the refresh service all take the same lock
before they write, so a click on "Refresh now" during the nightly write waits a moment and
then reports that the workbook is busy instead of interleaving two writes.

Locks live in one folder (``$SHEETS_FUNNEL_LOCK_DIR``, else a per-user folder in the system's
temporary folder), one file per workbook named by a hash of the workbook's location: the
real path of a local file, the spreadsheet id of a Google Sheet (its URL and bare id share
one lock). The operating system releases a lock when its holder exits, even after a crash.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .backends import google_id
from .errors import SheetsFunnelError

ENV_LOCK_DIR = "SHEETS_FUNNEL_LOCK_DIR"
#: Seconds a refresh waits for another refresh of the same workbook before giving up.
DEFAULT_WAIT = 10.0
_POLL = 0.05


class WorkbookBusy(SheetsFunnelError):
    """Another refresh of the same workbook is running (exit code 1): try again shortly."""


def lock_key(location: str) -> str:
    """What identifies a workbook for locking: ``google:ID`` or ``file:REAL PATH``."""
    spreadsheet = google_id(location)
    if spreadsheet is not None:
        return f"google:{spreadsheet}"
    return f"file:{os.path.realpath(location)}"


def lock_dir() -> Path:
    """The folder holding the lock files, created (owner-only) when missing."""
    configured = os.environ.get(ENV_LOCK_DIR)
    folder = Path(configured) if configured else (
        Path(tempfile.gettempdir()) / f"sheets-funnel-locks-{os.getuid()}")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not configured and folder.stat().st_uid != os.getuid():
        raise SheetsFunnelError(
            f"lock folder {folder} belongs to another user; set {ENV_LOCK_DIR} to a folder "
            "of your own")
    return folder


def lock_path(location: str, folder: Path | None = None) -> Path:
    """The lock file of a workbook location."""
    digest = hashlib.sha256(lock_key(location).encode("utf-8")).hexdigest()[:32]
    return (folder or lock_dir()) / f"{digest}.lock"


@contextlib.contextmanager
def workbook_lock(location: str, wait: float = DEFAULT_WAIT, *,
                  folder: Path | None = None, label: str | None = None) -> Iterator[Path]:
    """Hold the workbook's lock for the ``with`` block; yields the lock file's path.

    Waits up to ``wait`` seconds (0: not at all) while another process or thread holds it,
    then raises :class:`WorkbookBusy` naming ``label`` (default: the location).
    """
    path = lock_path(location, folder)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WorkbookBusy(
                        f"{label or location} is being refreshed by another run; "
                        "try again in a minute") from None
                time.sleep(_POLL)
        try:
            yield path
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
