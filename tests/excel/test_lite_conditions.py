"""The xlwings Lite script under xlwings Lite's conditions: Python in the browser (Pyodide) has
no python-calamine, no XlsxWriter, no fcntl, and no file system the refresh may write to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"

_CHILD = r"""
import builtins, importlib.abc, importlib.util, os, sys
tests, workbook, script = sys.argv[1:4]
sys.path.insert(0, tests)
import fake_xlwings as fx

# Excel holds the open workbook; reading it from disk here only stands in for that
book = fx.book_from_xlsx(workbook, fx.LiteApp())
for name in [m for m in sys.modules if m.startswith(("python_calamine", "xlsxwriter", "fcntl"))]:
    del sys.modules[name]


class NotInPyodide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("python_calamine", "xlsxwriter", "fcntl"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NotInPyodide())
attempts = []


def refuse(what, target):
    attempts.append((what, str(target)))
    raise PermissionError(f"no file system to write to: {what} {target}")


real_open, real_os_open = builtins.open, os.open
builtins.open = lambda file, mode="r", *a, **k: (
    refuse("open", file) if set(mode) & set("wax+") else real_open(file, mode, *a, **k))
os.open = lambda path, flags, *a, **k: (
    refuse("os.open", path) if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
    else real_os_open(path, flags, *a, **k))
for name in ("replace", "rename", "remove", "unlink", "mkdir", "makedirs", "rmdir"):
    setattr(os, name, lambda target, *a, _what=name, **k: refuse(_what, target))

sys.modules["xlwings"] = fx.as_module(None, book.app)
spec = importlib.util.spec_from_file_location("main", script)
main = importlib.util.module_from_spec(spec)
spec.loader.exec_module(main)
main.refresh_funnel(book)
loaded = sorted(m for m in ("python_calamine", "xlsxwriter", "fcntl") if m in sys.modules)
print("RESULT", book.sheets["Focus"]["A2"].value, attempts, loaded)
"""


def test_the_lite_script_refreshes_without_calamine_and_without_writing_files(worked_example):
    script = ROOT / "templates" / "excel" / "xlwings_lite_main.py"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", _CHILD, str(TESTS), str(worked_example),
                           str(script)], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    # D-10 heads the worked example's Focus tab; nothing was written to a file
    assert lines == ["RESULT D-10 [] []"], done.stdout[-3000:]
    assert "Funnel refreshed as of " in done.stdout  # the summary in the Output pane
