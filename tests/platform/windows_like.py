"""Windows' rules on a Linux test machine, as far as sheets-funnel can tell them apart.

As a pytest plugin (``python -m pytest -p windows_like``, with this folder on PYTHONPATH)
it blocks ``import fcntl`` (Windows has no fcntl) before the project is imported and makes
``os.replace`` refuse, as Windows does, to replace a file that this process has open.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

_REAL_REPLACE = os.replace
HEADER = "windows-like: fcntl cannot be imported; os.replace refuses files that are open"


class NoFcntl(importlib.abc.MetaPathFinder):
    """Refuses to import fcntl, as on Windows."""

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if name == "fcntl":
            raise ModuleNotFoundError("No module named 'fcntl'", name="fcntl")
        return None


def open_in_this_process(path: str | os.PathLike[str]) -> bool:
    """Whether any file descriptor of this process refers to ``path``."""
    real = os.path.realpath(path)
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == real:
                return True
        except OSError:
            continue
    return False


def windows_replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
    """``os.replace`` that fails as Windows does when either file is open (WinError 32)."""
    for path in (src, dst):
        if isinstance(path, str | os.PathLike) and open_in_this_process(path):
            error = PermissionError(13, "The process cannot access the file because it is "
                                        "being used by another process", str(path))
            error.winerror = 32  # type: ignore[attr-defined]
            raise error
    _REAL_REPLACE(src, dst, *args, **kwargs)


def pytest_load_initial_conftests(early_config: Any, parser: Any, args: Any) -> None:
    """Install both rules before the conftest files import sheets-funnel."""
    for name in [m for m in sys.modules if m == "fcntl" or m.startswith(("filelock",
                                                                          "sheets_funnel"))]:
        del sys.modules[name]
    sys.meta_path.insert(0, NoFcntl())
    os.replace = windows_replace


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    """Say, even under ``-q``, that the run was under these rules."""
    terminalreporter.write_line(HEADER)
