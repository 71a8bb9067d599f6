"""The last step of a write: rename the finished temporary file over the workbook.

Windows refuses to replace a file that another program has open (Excel without its ``~$``
owner file, a sync client, an antivirus scan): ``PermissionError``, ``WinError 5`` or ``32``.
That becomes exit 2 with what to do, and the workbook stays as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import WorkbookLocked

#: Windows' "access is denied" and "the file is being used by another process".
WINDOWS_SHARING_ERRORS = frozenset({5, 32})


def replace_file(temporary: str | os.PathLike[str], target: Path) -> None:
    """``os.replace(temporary, target)``, with Windows' refusal as :class:`WorkbookLocked`."""
    try:
        os.replace(temporary, target)
    except PermissionError as exc:
        if getattr(exc, "winerror", None) not in WINDOWS_SHARING_ERRORS:
            raise
        raise WorkbookLocked(
            f"{target.name} could not be replaced: another program has it open (Windows: "
            f"{exc.strerror}); close the workbook in Excel and refresh again, or use the "
            "Refresh button inside Excel. Nothing was written") from None
