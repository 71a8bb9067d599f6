"""What moved since the previous refresh: deals that advanced, slipped back, were won or lost,
are new, were removed or were reopened.

Each refresh saves every deal's stage and status in the state tab (``_funnel_state``); the next
refresh compares the Pipeline with it. Everything here is pure: rows of cells and parsed deals
in, a :class:`Movement` and the state tab's rows out.

A deal whose row is left out of this refresh because of a data problem is neither "removed"
nor "new" when it is fixed: while its Deal ID is still in the Pipeline, its last known state
is carried forward.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple

import pandas as pd

from .cells import Heading, Rows, as_text, from_serial, parse_date
from .model import CLOSED, Lang, StageName, lookup_stage
from .own_names import OwnNames
from .parse import map_headers

MoveKind = Literal["advanced", "slipped", "won", "lost", "new", "removed", "reopened"]
#: The kinds of movement, in the order the Funnel tab lists them.
KINDS: tuple[MoveKind, ...] = ("advanced", "slipped", "won", "lost", "new", "removed",
                               "reopened")
DealStatus = Literal["open", "won", "lost"]

_AS_OF = "As of"
_NOTE = "kept by sheets-funnel to show what moved since the last refresh; please do not edit"


def deal_key(deal_id: str) -> str:
    """A Deal ID as compared (CONTRACT §2): surrounding spaces trimmed, case ignored."""
    return deal_id.strip().casefold()


class DealState(NamedTuple):
    """One deal at one refresh: its furthest stage 0–5 (5 is won) and its status."""

    deal_id: str
    account: str
    owner: str
    stage: int
    status: DealStatus


@dataclass(frozen=True)
class Snapshot:
    """Every deal's state at one refresh, keyed by :func:`deal_key`, in Pipeline order."""

    as_of: dt.date | None
    deals: Mapping[str, DealState]


@dataclass(frozen=True)
class Move:
    """One deal that moved: its state before (None when new) and now (None when removed)."""

    kind: MoveKind
    before: DealState | None
    after: DealState | None

    @property
    def deal(self) -> DealState:
        """The deal as it is now, or as it was last seen when it was removed."""
        deal = self.after or self.before
        assert deal is not None
        return deal


@dataclass(frozen=True)
class Movement:
    """What moved since the previous refresh (``since`` is its as-of date).

    ``first`` is True when there was no earlier refresh to compare with: nothing is listed
    then, not even new deals.
    """

    since: dt.date | None
    moves: tuple[Move, ...]
    first: bool = False

    def counts(self) -> dict[MoveKind, int]:
        """How many deals moved in each way, every kind present (zero when none)."""
        counts = dict.fromkeys(KINDS, 0)
        for move in self.moves:
            counts[move.kind] += 1
        return counts


def snapshot(deals: pd.DataFrame, as_of: dt.date) -> Snapshot:
    """The state of the parsed deals (columns deal_id, account, owner, stage, status)."""
    ids: list[str] = deals["deal_id"].tolist()
    statuses = [_STATUSES.get(str(s).lower(), "open") for s in deals["status"].tolist()]
    states = map(DealState._make, zip(ids, deals["account"].tolist(), deals["owner"].tolist(),
                                      deals["stage"].tolist(), statuses, strict=True))
    return Snapshot(as_of, dict(zip([i.strip().casefold() for i in ids], states, strict=True)))


_STATUSES: dict[str, DealStatus] = {"open": "open", "won": "won", "lost": "lost"}


def classify(before: DealState, after: DealState) -> MoveKind | None:
    """How a deal known at both refreshes moved, or None when it did not.

    Won and lost are outcomes: a deal newly won is "won" and newly lost is "lost" whatever its
    stage. A lost deal that is open again is "reopened"; a won deal that is open again, or an
    open deal at an earlier stage, "slipped" back; an open deal at a later stage "advanced".
    """
    if after.status == "won":
        return None if before.status == "won" else "won"
    if after.status == "lost":
        return None if before.status == "lost" else "lost"
    if before.status == "lost":
        return "reopened"
    if before.status == "won" or after.stage < before.stage:
        return "slipped"
    return "advanced" if after.stage > before.stage else None


def compare(previous: Snapshot | None, current: Snapshot,
            listed: Iterable[str] = ()) -> Movement:
    """The movement from ``previous`` (None: no earlier refresh) to ``current``.

    ``listed`` holds the keys of every Deal ID still in the Pipeline, valid or not: a deal
    missing from ``current`` but still listed was left out for a data problem, not removed.
    Moves are ordered by kind (:data:`KINDS`), then by the deal's place in the Pipeline.
    """
    if previous is None:
        return Movement(None, (), first=True)
    still_listed = set(listed)
    moves: list[Move] = []
    for key, after in current.deals.items():
        before = previous.deals.get(key)
        if before is None:
            moves.append(Move("new", None, after))
            continue
        kind = classify(before, after)
        if kind is not None:
            moves.append(Move(kind, before, after))
    for key, before in previous.deals.items():
        if key not in current.deals and key not in still_listed:
            moves.append(Move("removed", before, None))
    order = {kind: n for n, kind in enumerate(KINDS)}
    moves.sort(key=lambda move: order[move.kind])  # stable: Pipeline order within a kind
    return Movement(previous.as_of, tuple(moves))


def carry_forward(previous: Snapshot | None, current: Snapshot,
                  listed: Iterable[str]) -> Snapshot:
    """The state to save: ``current`` plus the previous state of deals still listed in the
    Pipeline but left out of this refresh for a data problem."""
    if previous is None:
        return current
    still_listed = set(listed)
    kept = dict(current.deals)
    for key, before in previous.deals.items():
        if key not in kept and key in still_listed:
            kept[key] = before
    return Snapshot(current.as_of, kept)


def listed_ids(tab: str, rows: Rows, lang: Lang, names: OwnNames | None = None) -> set[str]:
    """The keys of every Deal ID in the Pipeline's rows, including rows left out as errors."""
    if not rows:
        return set()
    column = map_headers(tab, list(rows[0]), lang, names)["deal_id"]
    keys = {(cell if type(cell) is str else as_text(cell)).strip().casefold()
            for row in rows[1:] if len(row) > column and (cell := row[column]) is not None}
    keys.discard("")
    return keys


#: The most text one state cell holds, in UTF-16 units as spreadsheets count (a cell takes
#: at most 32,767).
CHUNK_CHARS = 30_000
#: Characters a state field cannot hold as they are: the separators, the escape itself, and
#: characters a workbook file cannot store. Each is written as an escape (\t, \n, \r, \\,
#: or \uXXXX), so a Deal ID comes back exactly as it was.
_UNSAFE = re.compile("[\\\\\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_ESCAPED = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def _field(text: str) -> str:
    """A field of a state line, its unsafe characters escaped."""
    if text.isascii() and text.isprintable() and "\\" not in text:
        return text
    return _UNSAFE.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), text)


def _unfield(text: str) -> str:
    """A field as it was before :func:`_field`."""
    return _ESCAPED.sub(_unescape, text) if "\\" in text else text


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if len(code) == 5:  # \uXXXX
        return chr(int(code[1:], 16))
    return _UNESCAPES.get(code, code)


def _line(deal: DealState) -> str:
    deal_id, account, owner, stage, status = deal
    lost = "1" if status == "lost" else ""
    return f"{_field(deal_id)}\t{_field(account)}\t{_field(owner)}\t{stage}\t{lost}"


def _units(text: str) -> int:
    """The length of a text as spreadsheets count it (UTF-16 units)."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def state_rows(state: Snapshot) -> Rows:
    """The state tab's rows: the as-of date, a header, then the deals packed into few cells.

    Each deal is one line — Deal ID, Account, Owner, its furthest stage as a number (0 is
    Opportunity … 4 is #3, 5 is won) and 1 when it is lost, separated by tabs, with tabs,
    line breaks and backslashes inside a field escaped — and each cell of column A holds as
    many whole lines as fit in :data:`CHUNK_CHARS`. A line longer than that (names of tens of
    thousands of characters) gets a row of its own, split across columns A, B, C…. A pipeline
    of 100,000 deals takes about 150 cells, so keeping the state costs a refresh almost
    nothing, and no cell ever exceeds a spreadsheet's limit.
    """
    rows: Rows = [[Heading(_AS_OF), state.as_of, _NOTE], [Heading(_HEADER_PACKED)]]
    chunk: list[str] = []
    size = 0
    for deal in state.deals.values():
        line = _line(deal)
        units = _units(line)
        if chunk and size + units + 1 > CHUNK_CHARS:
            rows.append(["\n".join(chunk)])
            chunk, size = [], 0
        if units > CHUNK_CHARS:
            step = CHUNK_CHARS // 2  # whatever the characters, at most CHUNK_CHARS units
            rows.append([line[n:n + step] for n in range(0, len(line), step)])
            continue
        chunk.append(line)
        size += units + 1
    if chunk:
        rows.append(["\n".join(chunk)])
    return rows


_HEADER_PACKED = ("Deals, one per line: Deal ID, Account, Owner, Stage (0 Opportunity … "
                  "4 #3, 5 won), Lost — separated by tabs; a tab, line break or backslash "
                  "inside a field is written \\t, \\n, \\\\")
#: How a header of the escaped format is told from the first format's, which had none.
_ESCAPED_MARK = "\\t"


def read_state(rows: Rows, date1904: bool = False) -> Snapshot | None:
    """The snapshot saved in the state tab, or None when the tab is missing or not one.

    Lines that cannot be read (a stage edited by hand into something unknown) are skipped:
    those deals then count as new. A stage may also be a stage name.
    """
    if len(rows) < 2 or not rows[0] or as_text(rows[0][0]) != _AS_OF:
        return None
    serial = parse_date(rows[0][1], date1904) if len(rows[0]) > 1 else None
    as_of = None if serial is None else from_serial(serial)
    escaped = bool(rows[1]) and _ESCAPED_MARK in as_text(rows[1][0])
    unfield = _unfield if escaped else str
    deals: dict[str, DealState] = {}
    for row in rows[2:]:
        if not row or type(row[0]) is not str:
            continue
        text = "".join(c for c in row if type(c) is str) if len(row) > 1 and escaped else row[0]
        for line in text.split("\n"):
            fields = line.split("\t")
            if len(fields) < 4:
                continue
            deal_id, account, owner = map(unfield, fields[:3])
            stage_text = fields[3]
            stage = _STAGE_TEXT.get(stage_text)
            if stage is None:
                stage = _stage_number(stage_text)
            key = deal_id.strip().casefold()
            if stage is None or not key:
                continue
            lost = len(fields) > 4 and fields[4] != "" and fields[4].strip() in _LOST_MARKS
            status: DealStatus = "lost" if lost else "won" if stage == CLOSED else "open"
            deals[key] = DealState(deal_id, account, owner, stage, status)
    return Snapshot(as_of, deals)


_LOST_MARKS = frozenset({"1", "True", "Lost", "lost"})


def _stage_number(text: str) -> int | None:
    """A state line's stage: a number 0–5, or a stage name; None when it is neither."""
    if text.isdigit():
        return int(text) if int(text) in _STAGE_NUMBERS else None
    found = lookup_stage(text)
    return None if found is None or found is StageName.LOST else found.value


_STAGE_NUMBERS = frozenset(range(CLOSED + 1))
_STAGE_TEXT = {str(n): n for n in _STAGE_NUMBERS}


_MOVE_WORDS = {"advanced": "advanced", "slipped": "slipped back", "won": "won", "lost": "lost",
               "new": "new", "removed": "removed", "reopened": "reopened"}


def describe(movement: Movement | None) -> str | None:
    """What moved, in a few words ("moved since 2026-06-29: 1 advanced, 2 new"); None on
    the first refresh or without a movement."""
    if movement is None or movement.first:
        return None
    counts = movement.counts()
    moved = ", ".join(f"{counts[k]} {_MOVE_WORDS[k]}" for k in KINDS if counts[k])
    since = f" since {movement.since.isoformat()}" if movement.since else ""
    return f"moved{since}: {moved or 'none'}"
