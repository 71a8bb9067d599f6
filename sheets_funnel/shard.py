"""One machine's share of the nightly list: ``sheets-funnel nightly --shard K/N``.

A CI matrix, a Kubernetes Indexed Job or cron on N hosts each run the same configuration
file with their own ``K`` (1 to N) and together refresh every workbook exactly once. A
workbook's shard depends only on the workbook itself, never on its place in the file or
on the machine: the first 8 bytes of the SHA-256 of its key, as a big-endian number,
modulo N, plus 1. The key is ``google:SPREADSHEET_ID`` for a Google Sheet (its URL and its
bare id agree) and ``file:PATH`` for a file, with the path as written relative to the
configuration file's folder when it lies inside it (so checkouts in different folders
agree), else the absolute path.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path

from .nightly_config import NightlyConfig, WorkbookEntry


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based, as in ``--shard 2/4``)."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"K/N"`` with 1 ≤ K ≤ N; raises ValueError with a message for the user."""
        k, slash, n = text.strip().partition("/")
        if slash and k.strip().isdigit() and n.strip().isdigit():
            shard = cls(int(k), int(n))
            if 1 <= shard.index <= shard.count:
                return shard
        raise ValueError(f"{text!r} is not a shard: expected K/N with K from 1 to N, e.g. 2/4")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, entry: WorkbookEntry, base: Path) -> bool:
        """Whether this shard refreshes ``entry`` of a configuration file in ``base``."""
        return bucket(shard_key(entry, base), self.count) == self.index

    def select(self, config: NightlyConfig) -> NightlyConfig:
        """The configuration with only this shard's workbooks (their numbers unchanged)."""
        base = config.source.parent
        return replace(config, workbooks=tuple(
            e for e in config.workbooks if self.holds(e, base)))


def shard_key(entry: WorkbookEntry, base: Path) -> str:
    """What decides a workbook's shard (see the module docstring)."""
    if entry.spreadsheet_id is not None:
        return f"google:{entry.spreadsheet_id}"
    path, folder = os.path.abspath(entry.location), os.path.abspath(base)
    if os.path.commonpath([path, folder]) == folder:
        return "file:" + Path(os.path.relpath(path, folder)).as_posix()
    return "file:" + Path(path).as_posix()


def bucket(key: str, count: int) -> int:
    """The shard (1 to ``count``) of a key."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


__all__ = ["Shard", "bucket", "shard_key"]
