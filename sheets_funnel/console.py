"""The terminal as sheets-funnel writes to it: any code page, and a reader that may leave.

A Windows console or pipe, or the Python that xlwings starts, may use a legacy code page
(cp1252, cp866) that cannot carry ``—``, ``→``, ``№`` or Cyrillic. Output then carries what
the encoding can and replaces the rest, rather than stopping with UnicodeEncodeError.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from typing import Any


class OutputClosed(Exception):
    """Standard output can no longer be written: its reader went away (``… | head``)."""


def tolerate_any_encoding() -> None:
    """Make stdout and stderr replace what their encoding cannot carry."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(Exception):  # a stream that cannot be reconfigured
                reconfigure(errors="replace")


def can_encode(text: str) -> bool:
    """Whether standard output's encoding carries ``text`` unchanged."""
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def json_text(value: Any) -> str:
    """``value`` as indented JSON, escaping non-ASCII only where stdout cannot carry it."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    return text if can_encode(text) else json.dumps(value, indent=1)


def emit(text: str) -> None:
    """Print ``text`` on stdout; raise :class:`OutputClosed` when nobody reads it any more."""
    try:
        print(text, flush=True)
    except OSError:  # EPIPE; Windows reports a closed pipe as EINVAL
        raise OutputClosed from None


def discard_stdout() -> None:
    """Point stdout at the null device, so the flush at exit does not fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
