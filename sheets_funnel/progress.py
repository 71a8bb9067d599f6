"""Progress of a run over many workbooks: a redrawn bar on a terminal, log lines elsewhere."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

_BAR = 24


class Progress:
    """Reports each workbook as it starts and ends; safe to call from several threads.

    On a terminal (``interactive``; default: whether ``stream`` is one) a single line is
    redrawn with how many workbooks are done: ``[#######.........] 2/5 North``; otherwise
    each workbook gets one whole log line when it ends, numbered by its place in the list
    (with several workers they may end out of order): ``[2/5] North: ok (0.4 s) 15 deals, ...``.
    """

    def __init__(self, total: int, stream: TextIO | None = None,
                 interactive: bool | None = None) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        if interactive is None:
            isatty = getattr(self.stream, "isatty", None)
            interactive = bool(isatty()) if callable(isatty) else False
        self.interactive = interactive
        self._width = 0
        self._done = 0
        self._lock = threading.Lock()

    def _draw(self, done: int, text: str) -> None:
        filled = round(_BAR * done / self.total) if self.total else _BAR
        line = f"[{'#' * filled}{'.' * (_BAR - filled)}] {done}/{self.total} {text}"[:100]
        pad = " " * max(self._width - len(line), 0)
        self.stream.write(f"\r{line}{pad}")
        self.stream.flush()
        self._width = len(line)

    def start(self, n: int, name: str) -> None:
        """Workbook ``n`` (1-based) named ``name`` is being refreshed."""
        if self.interactive:
            with self._lock:
                self._draw(self._done, f"{name}…")

    def done(self, n: int, name: str, status: str, message: str, seconds: float) -> None:
        """Workbook ``n`` ended with ``status`` (ok, failed, busy) after ``seconds``."""
        with self._lock:
            self._done += 1
            if self.interactive:
                self._draw(self._done, f"{name}: {status}")
            else:
                self.stream.write(f"[{n}/{self.total}] {name}: {status} ({seconds:.1f} s) "
                                  f"{message}\n")
                self.stream.flush()

    def close(self) -> None:
        """End the bar's line on a terminal."""
        with self._lock:
            if self.interactive and self._width:
                self.stream.write("\n")
                self.stream.flush()
                self._width = 0
