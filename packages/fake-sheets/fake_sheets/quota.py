"""Per-minute request quotas, counted as the Sheets API counts them (off unless switched on).

The real API limits read requests and write requests separately, per user (the account a
token belongs to) and per project (all users together), per minute: 60 per user and 300 per
project by default. A request over a limit is refused with 429 ``RESOURCE_EXHAUSTED`` and
is not counted. :class:`QuotaCounter` keeps a sliding window of the requests it admitted;
``QuotaLimits.minute`` sets how many seconds a quota "minute" lasts, so a benchmark can run
a minute in a few seconds.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from .errors import quota_exceeded

Kind = Literal["read", "write"]
Per = Literal["user", "project"]


@dataclass(frozen=True)
class QuotaLimits:
    """Requests allowed per minute, per user and per project, for reads and for writes."""

    reads_per_user: int = 60
    writes_per_user: int = 60
    reads_per_project: int = 300
    writes_per_project: int = 300
    minute: float = 60.0

    def __post_init__(self) -> None:
        counts = (self.reads_per_user, self.writes_per_user, self.reads_per_project,
                  self.writes_per_project)
        if min(counts) < 1 or self.minute <= 0:
            raise ValueError("quota limits must be at least 1 and the minute positive")

    def limit(self, kind: Kind, per: Per) -> int:
        """The limit of one kind of request, per user or per project."""
        if kind == "read":
            return self.reads_per_user if per == "user" else self.reads_per_project
        return self.writes_per_user if per == "user" else self.writes_per_project


@dataclass
class QuotaCounter:
    """Admits or refuses requests against :class:`QuotaLimits` (not thread-safe: the
    service calls it under its lock)."""

    limits: QuotaLimits = field(default_factory=QuotaLimits)
    clock: Callable[[], float] = time.monotonic
    rejected: int = 0
    admitted: int = 0
    _windows: dict[tuple[str, Kind], deque[float]] = field(default_factory=dict, repr=False)

    def admit(self, user: str, kind: Kind) -> None:
        """Count one request of ``user``; raises the real 429 when a limit is reached."""
        now = self.clock()
        user_window = self._window(("user:" + user, kind), now)
        project_window = self._window(("project", kind), now)
        checks: tuple[tuple[Per, deque[float]], ...] = (
            ("user", user_window), ("project", project_window))
        for per, window in checks:
            limit = self.limits.limit(kind, per)
            if len(window) >= limit:
                self.rejected += 1
                raise quota_exceeded(kind, per, limit)
        user_window.append(now)
        project_window.append(now)
        self.admitted += 1

    def _window(self, key: tuple[str, Kind], now: float) -> deque[float]:
        window = self._windows.setdefault(key, deque())
        while window and window[0] <= now - self.limits.minute:
            window.popleft()
        return window


def request_kind(method: str) -> Kind:
    """Reads are GET requests; everything else the Sheets API counts as a write."""
    return "read" if method == "GET" else "write"


__all__ = ["QuotaCounter", "QuotaLimits", "request_kind"]
