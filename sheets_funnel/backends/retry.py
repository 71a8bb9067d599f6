"""Retries with jittered exponential backoff that honours Retry-After and keeps trying for a
while: Google's per-minute quotas refill within a minute, so giving up sooner wastes a run."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger("sheets_funnel")


class RetryableError(Exception):
    """A failure worth trying again (rate limit, server error, timeout)."""

    def __init__(self, message: str, retry_after: float | None = None,
                 quota: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.quota = quota
        self.attempts = 1
        self.seconds = 0.0


@dataclass
class RetryPolicy:
    """How often and how long to retry.

    After failed attempt ``n`` (from 1) it waits what the server's
    Retry-After asks for (up to ``retry_after_cap`` seconds), else
    ``min(cap, base * 2**(n-1))`` seconds scaled by a random factor in
    [0.5, 1]. It tries again until ``attempts`` attempts were made or
    ``patience`` seconds have passed since the first one, whichever comes
    first. ``sleep`` and ``clock`` are injectable so tests do not wait.
    """

    attempts: int = 12
    base: float = 1.0
    cap: float = 64.0
    patience: float = 120.0
    retry_after_cap: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed attempt number ``attempt``."""
        if retry_after is not None and retry_after >= 0:
            return min(self.retry_after_cap, retry_after)
        backoff = min(self.cap, self.base * 2.0 ** (attempt - 1))
        return backoff * self.rng.uniform(0.5, 1.0)

    def run(self, what: str, call: Callable[[], T],
            before_retry: Callable[[], None] | None = None) -> T:
        """Call ``call`` until it succeeds, retrying RetryableError (see the class docstring).

        Says on stderr (the ``sheets_funnel`` logger) what it waits for. Raises the last
        RetryableError when it gives up, with the attempts made and the seconds spent.
        """
        start = self.clock()
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except RetryableError as exc:
                exc.attempts, exc.seconds = attempt, self.clock() - start
                if attempt == self.attempts or exc.seconds >= self.patience:
                    raise
                wait = self.delay(attempt, exc.retry_after)
                if exc.quota:
                    log.warning("Google quota: waiting %.0f s", wait)
                else:
                    log.warning("Google Sheets failed while %s (%s): waiting %.0f s, then "
                                "attempt %d", what, exc, wait, attempt + 1)
                self.sleep(wait)
                if before_retry is not None:
                    before_retry()
        raise AssertionError("unreachable")  # pragma: no cover

