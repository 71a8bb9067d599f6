"""Another process holding a workbook's refresh lock, for tests of the "busy" answers."""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
from collections.abc import Iterator

_CHILD = """
import sys
from sheets_funnel.locks import workbook_lock
with workbook_lock(sys.argv[1], wait=5):
    print("locked", flush=True)
    sys.stdin.readline()  # hold the lock until the test closes our stdin
"""


@contextlib.contextmanager
def lock_held_elsewhere(location: str, timeout: float = 20.0) -> Iterator[None]:
    """Hold the lock of ``location`` in a child process for the ``with`` block.

    The child uses ``$SHEETS_FUNNEL_LOCK_DIR`` as set in this process's environment.
    """
    child = subprocess.Popen([sys.executable, "-c", _CHILD, location], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert child.stdout is not None and child.stdin is not None
        ready, _, _ = select.select([child.stdout], [], [], timeout)
        assert ready, "the child process did not take the lock in time"
        assert child.stdout.readline().strip() == "locked"
        yield
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=timeout)
