"""The one use case: open a workbook, read, parse, compute, render, write (under its lock)."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import movement as moves
from .backends import open_workbook
from .backends.base import Backend
from .cell_checks import parse_checked
from .errors import WorkbookUnusable
from .funnel import FunnelResult, compute
from .locks import DEFAULT_WAIT, workbook_lock
from .model import STATE_TAB, TABS, Lang, detect_lang, find_tab
from .ownership import check_owned_tabs
from .parse import ParsedWorkbook, resolve_tabs
from .pipeline_rows import hidden_warnings
from .render import render_tabs
from .summary import to_summary

if TYPE_CHECKING:
    from .backends.google_quota import RateLimiter

log = logging.getLogger("sheets_funnel")
#: Opens a workbook location (a path, a Google Sheets URL or id) as a backend.
Opener = Callable[..., Backend]
_LANG_NAMES = {"en": "an English", "ru": "a Russian"}


@dataclass
class RefreshOutcome:
    """What a refresh found and did."""

    parsed: ParsedWorkbook
    result: FunnelResult
    written: list[str]
    movement: moves.Movement | None = None

    def summary(self) -> dict[str, Any]:
        """The ``--json`` summary (CONTRACT §5)."""
        return to_summary(self.result, self.parsed.issues, self.written)


def refresh(
    backend: Backend, as_of: dt.date | None = None, dry_run: bool = False,
    adopt_tabs: bool = False,
) -> RefreshOutcome:
    """Refresh one workbook: read its tabs once, compute, write the owned tabs once.

    Raises :class:`~sheets_funnel.errors.WorkbookUnusable` before any write
    when the workbook cannot be used. With ``dry_run`` nothing is written.
    An existing Funnel, Focus or History tab that sheets-funnel did not write
    is refused (:mod:`sheets_funnel.ownership`) unless ``adopt_tabs`` is set.
    """
    with _paused_gc():
        return _refresh(backend, as_of or dt.date.today(), dry_run, adopt_tabs)


@contextlib.contextmanager
def _paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: a refresh allocates millions of small cell
    objects and no cycles, and repeated collections over them would double its time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _refresh(backend: Backend, day: dt.date, dry_run: bool, adopt_tabs: bool) -> RefreshOutcome:
    names = backend.tab_names()
    lang, tabs = resolve_tabs(names)
    if not adopt_tabs:
        check_owned_tabs(backend.label, names, lang)
    tabs = replace(tabs, state=find_tab(names, STATE_TAB) or STATE_TAB)
    log.info("reading %s", backend.label)
    data = backend.read([tabs.pipeline, tabs.settings, tabs.history, tabs.state])
    date1904 = bool(getattr(backend, "date1904", False))
    parsed = parse_checked(backend, lang, tabs, data, date1904)
    log.info("%d valid deals, %d issue(s)", len(parsed.deals), len(parsed.issues))
    result = compute(parsed.deals, parsed.settings, day)
    result.issues = parsed.issues
    result.warnings.extend(hidden_warnings(backend, tabs.pipeline, parsed.deals["row"]))
    previous = moves.read_state(data.get(tabs.state, []), date1904)
    current = moves.snapshot(parsed.deals, day)
    # the Deal IDs still listed matter only for deals the previous refresh had and this one
    # has not (left out for a data problem, or removed)
    listed = (moves.listed_ids(tabs.pipeline, data.get(tabs.pipeline, []), lang, parsed.names)
              if moves.missing(previous, current) else set())
    movement = moves.compare(previous, current, listed)
    written: list[str] = []
    if not dry_run:
        state = moves.state_rows(moves.carry_forward(previous, current, listed))
        owned = render_tabs(result, parsed.issues, lang, tabs.owned, parsed.history,
                            movement, state)
        backend.write(owned)
        # the state tab is bookkeeping: ``written`` names the tabs a person reads
        written = [tab for tab in owned if tab != tabs.state]
        log.info("wrote %s to %s", ", ".join(owned), backend.label)
    return RefreshOutcome(parsed, result, written, movement)


def refresh_location(location: str, *, as_of: dt.date | None = None, dry_run: bool = False,
                     credentials: str | Path | None = None, lang: Lang | None = None,
                     lock_wait: float = DEFAULT_WAIT, label: str | None = None,
                     opener: Opener = open_workbook, limiter: RateLimiter | None = None,
                     adopt_tabs: bool = False, max_request_bytes: int | None = None,
                     ) -> tuple[Backend, RefreshOutcome]:
    """Open a workbook and refresh it under its lock; returns the backend and the outcome.

    A dry run only reads and takes no lock. With ``lang`` a workbook in the other language
    is refused (:class:`~sheets_funnel.errors.WorkbookUnusable`). Raises
    :class:`~sheets_funnel.locks.WorkbookBusy` when another refresh holds the lock for
    longer than ``lock_wait`` seconds. A Google Sheet's requests are paced by ``limiter``,
    and none is larger than ``max_request_bytes`` (default 2 MB) where a write can be split.
    ``adopt_tabs``: see :func:`~sheets_funnel.refresh.refresh`.
    """
    options: dict[str, Any] = {"credentials": str(credentials)} if credentials else {}
    if limiter is not None:
        options["limiter"] = limiter
    if max_request_bytes is not None:
        options["max_request_bytes"] = max_request_bytes
    if dry_run:
        backend = opener(location, **options)
        return backend, _checked_refresh(backend, as_of, True, lang, adopt_tabs)
    with workbook_lock(location, lock_wait, label=label):
        backend = opener(location, **options)
        return backend, _checked_refresh(backend, as_of, False, lang, adopt_tabs)


def _checked_refresh(backend: Backend, as_of: dt.date | None, dry_run: bool,
                     lang: Lang | None, adopt_tabs: bool = False) -> RefreshOutcome:
    if lang is not None:
        found = detect_lang(backend.tab_names())
        if found is not None and found != lang:
            raise WorkbookUnusable(
                f"{backend.label}: expected {_LANG_NAMES[lang]} workbook (a "
                f"{TABS[lang].pipeline!r} tab), found a {TABS[found].pipeline!r} tab")
    return refresh(backend, as_of=as_of, dry_run=dry_run, adopt_tabs=adopt_tabs)
