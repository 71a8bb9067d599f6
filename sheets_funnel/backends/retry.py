"""Bounded retries with jittered exponential backoff that honours Retry-After."""

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

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class RetryPolicy:
    """How often and how long to retry.

    Attempt ``n`` (from 1) waits ``min(cap, base * 2**(n-1))`` seconds scaled
    by a random factor in [0.5, 1], or what the server's Retry-After asks for
    (up to ``cap``).
    """

    attempts: int = 5
    base: float = 1.0
    cap: float = 32.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed attempt number ``attempt``."""
        if retry_after is not None and retry_after >= 0:
            return min(self.cap, retry_after)
        backoff = min(self.cap, self.base * 2.0 ** (attempt - 1))
        return backoff * self.rng.uniform(0.5, 1.0)

    def run(self, what: str, call: Callable[[], T],
            before_retry: Callable[[], None] | None = None) -> T:
        """Call ``call`` until it succeeds, retrying RetryableError up to ``attempts`` times.

        Raises the last RetryableError when every attempt failed.
        """
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except RetryableError as exc:
                if attempt == self.attempts:
                    raise
                wait = self.delay(attempt, exc.retry_after)
                log.warning("%s failed (%s); retrying in %.1f s (attempt %d of %d)",
                            what, exc, wait, attempt + 1, self.attempts)
                self.sleep(wait)
                if before_retry is not None:
                    before_retry()
        raise AssertionError("unreachable")  # pragma: no cover
