"""Staying under Google's per-minute request quotas: one shared limiter per Google identity.

The Sheets API counts read requests and write requests apart, per minute, per user (a
service account or a person: 60 each by default) and per project (every user of one Google
Cloud project together: 300 each). A request over a quota is refused with 429, and many
refreshes running at once under one account would otherwise get a storm of them.

A :class:`QuotaPool` gives every identity its :class:`RateLimiter`; a
:class:`~sheets_funnel.backends.gsheets.GoogleSheet` built with one takes a slot before each
HTTP request. A slot is held while the request runs and counted for a whole quota minute
from the moment the request ended (no earlier than when Google counted it), so in any
minute no more requests than a quota allows reach Google, whichever way it aligns its
minutes. Limiters of one account share its windows, and limiters of one project share the
project's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

log = logging.getLogger("sheets_funnel")
Kind = Literal["read", "write"]
KINDS: tuple[Kind, ...] = ("read", "write")
Waiter = Callable[[threading.Condition, float | None], None]


@dataclass(frozen=True)
class QuotaLimits:
    """Requests allowed per quota minute: Google's defaults unless the project raised them.

    ``minute`` is the length of a quota minute in seconds: 60 for Google; shorter only
    against a stand-in whose time is scaled down.
    """

    reads_per_user: int = 60
    writes_per_user: int = 60
    reads_per_project: int = 300
    writes_per_project: int = 300
    minute: float = 60.0

    def per_user(self, kind: Kind) -> int:
        """A user's limit for one kind of request."""
        return self.reads_per_user if kind == "read" else self.writes_per_user

    def per_project(self, kind: Kind) -> int:
        """A project's limit for one kind of request."""
        return self.reads_per_project if kind == "read" else self.writes_per_project

    def lower_bound(self, reads: int, writes: int) -> float:
        """Seconds that ``reads`` and ``writes`` by one user need at the least under the quota.

        Requests needed ÷ quota per minute, for the scarcer kind: 400 reads at 60 a minute
        need 6.7 minutes however many workers send them.
        """
        return max(reads / self.per_user("read"), writes / self.per_user("write")) * self.minute


@dataclass(eq=False)
class _Slot:
    ended: float | None = None  # None while the request runs


@dataclass
class _Window:
    """The requests of one kind by one user (or project) in the last quota minute."""

    limit: int
    minute: float
    slots: list[_Slot] = field(default_factory=list)

    def free_in(self, now: float) -> float | None:
        """0 when a request may start now, else the seconds until one may; None: not until a
        running request ends."""
        self.slots = [s for s in self.slots if s.ended is None or s.ended > now - self.minute]
        excess = len(self.slots) - self.limit + 1
        if excess <= 0:
            return 0.0
        ended = sorted(s.ended for s in self.slots if s.ended is not None)
        if len(ended) < excess:
            return None
        return ended[excess - 1] + self.minute - now


def _wait(condition: threading.Condition, seconds: float | None) -> None:
    condition.wait(seconds)


class QuotaPool:
    """The quota windows of every account and project one run uses (thread-safe).

    ``clock`` and ``wait`` (given the pool's condition and the seconds to wait, None for "until
    notified") are injectable so tests can move time without sleeping.
    """

    def __init__(self, limits: QuotaLimits | None = None, *,
                 clock: Callable[[], float] = time.monotonic, wait: Waiter = _wait) -> None:
        self.limits = limits or QuotaLimits()
        self.clock = clock
        self.wait = wait
        self.condition = threading.Condition()
        self._windows: dict[tuple[str, str, Kind], _Window] = {}
        self._limiters: dict[tuple[str, str], RateLimiter] = {}

    def limiter(self, account: str, project: str) -> RateLimiter:
        """The limiter of one account in one project (the same object for the same pair)."""
        with self.condition:
            key = (account, project)
            if key not in self._limiters:
                windows = {kind: (self._window("user", account, kind),
                                  self._window("project", project, kind)) for kind in KINDS}
                self._limiters[key] = RateLimiter(self, windows)
            return self._limiters[key]

    def limiter_for(self, credentials: str | os.PathLike[str] | None) -> RateLimiter:
        """The limiter of the identity a key file (or the environment's default) stands for."""
        return self.limiter(*identity(credentials))

    def _window(self, per: str, name: str, kind: Kind) -> _Window:
        limit = (self.limits.per_user(kind) if per == "user"
                 else self.limits.per_project(kind))
        return self._windows.setdefault((per, name, kind), _Window(limit, self.limits.minute))


class RateLimiter:
    """Paces the requests of one Google identity (obtained from a :class:`QuotaPool`)."""

    def __init__(self, pool: QuotaPool, windows: Mapping[Kind, tuple[_Window, ...]]) -> None:
        self._pool = pool
        self._windows = windows
        self.waited = 0.0  # seconds requests of this identity spent waiting for a slot

    @contextlib.contextmanager
    def request(self, kind: Kind) -> Iterator[None]:
        """Hold a slot of ``kind`` for the ``with`` block: one HTTP request."""
        pool = self._pool
        windows = self._windows[kind]
        with pool.condition:
            started = pool.clock()
            while True:
                now = pool.clock()
                waits = [w.free_in(now) for w in windows]
                if all(w == 0 for w in waits):
                    break
                pending = [w for w in waits if w is not None]
                pool.wait(pool.condition, None if None in waits else max(pending))
            slot = _Slot()
            for window in windows:
                window.slots.append(slot)
            if now - started >= 1:
                log.info("Google quota: waited %.0f s for a %s request", now - started, kind)
            self.waited += now - started
        try:
            yield
        finally:
            with pool.condition:
                slot.ended = pool.clock()
                pool.condition.notify_all()


def request_kind(method: str) -> Kind:
    """Google counts GET requests as reads and all others as writes."""
    return "read" if method.upper() == "GET" else "write"


def identity(credentials: str | os.PathLike[str] | None) -> tuple[str, str]:
    """The (account, project) a key file stands for; quotas are counted per both.

    A service-account key names both (``client_email``, ``project_id``); saved user
    credentials name the OAuth client, whose project they count against. Without a key file
    (``GOOGLE_APPLICATION_CREDENTIALS`` unset too) the machine's default account is one
    identity. A file that cannot be read is an identity of its own; the refresh itself then
    reports what is wrong with it.
    """
    chosen = credentials or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if not chosen:
        return "default", "default"
    path = Path(chosen)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = None
    if not isinstance(info, dict):
        name = f"file:{os.path.realpath(path)}"
        return name, name
    client = info.get("installed") or info.get("web") or {}
    project = (info.get("project_id") or info.get("quota_project_id")
               or (client.get("project_id") if isinstance(client, dict) else None)
               or info.get("client_id") or f"file:{os.path.realpath(path)}")
    account = info.get("client_email")
    if not account:  # a person: told apart by their refresh token, never shown
        secret = str(info.get("refresh_token") or os.path.realpath(path))
        account = "user:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]
    return str(account), str(project)


__all__ = ["QuotaLimits", "QuotaPool", "RateLimiter", "identity", "request_kind"]
