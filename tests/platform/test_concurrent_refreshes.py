"""Two refreshes of one workbook at once, in separate processes, never lose a History row.

Each process has its own temporary folder and its own ``SHEETS_FUNNEL_LOCK_DIR``, as two
users, a scheduled job and a click in Excel would: the lock must follow the workbook itself.
"""

from __future__ import annotations

import datetime as dt
import os
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sheets_funnel.backends.xlsx import XlsxWorkbook

ROUNDS = 10
_CHILD = """
import contextlib, io, sys
from sheets_funnel.cli import main
print("ready", flush=True)
for line in sys.stdin:
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["refresh", sys.argv[1], "--as-of", line.strip(), "--wait", "600"])
    print(code, flush=True)
"""


@contextmanager
def refresher(book: Path, tmp: Path, name: str) -> Iterator[subprocess.Popen[str]]:
    """A process that refreshes ``book`` as of each date written to its stdin."""
    own_tmp = tmp / f"tmp-{name}"
    own_tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(own_tmp), "TEMP": str(own_tmp),
           "SHEETS_FUNNEL_LOCK_DIR": str(tmp / f"locks-{name}")}
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(book)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert _line(child) == "ready"
        yield child
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=600)


def _line(child: subprocess.Popen[str]) -> str:
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], 600)
    assert ready, "the refresh process stopped answering"
    return child.stdout.readline().strip()


def history_dates(book: Path) -> list[str]:
    rows = XlsxWorkbook(book).read(["History"])["History"]
    return [str(row[0])[:10] for row in rows[1:] if row and row[0] != ""]


def test_ten_rounds_of_two_concurrent_refreshes_keep_every_history_row(worked_example, tmp_path):
    start = dt.date(2026, 7, 1)
    dates = [start + dt.timedelta(days=n) for n in range(2 * ROUNDS)]  # 20 distinct as-of dates
    with ExitStack() as stack:
        one, two = (stack.enter_context(refresher(worked_example, tmp_path, name))
                    for name in ("one", "two"))
        for n in range(ROUNDS):
            for child, day in ((one, dates[2 * n]), (two, dates[2 * n + 1])):
                assert child.stdin is not None
                child.stdin.write(f"{day}\n")
                child.stdin.flush()
            assert (_line(one), _line(two)) == ("0", "0")
    # one History row per as-of date: the twenty dates, none lost to a concurrent write
    assert sorted(history_dates(worked_example)) == [str(d) for d in dates]
    leftovers = sorted(p.name for p in worked_example.parent.iterdir() if p.name.startswith("."))
    assert leftovers == []  # the lock file is removed when done
