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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from .cells import Cell, Heading, Rows, as_text, from_serial, parse_date
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


class StateColumns(NamedTuple):
    """The deals of a snapshot as columns, one place per deal, in Pipeline order."""

    keys: list[str]
    ids: list[str]
    accounts: list[str]
    owners: list[str]
    stages: list[Any]
    statuses: list[Any]


class Snapshot:
    """Every deal's state at one refresh, keyed by :func:`deal_key`, in Pipeline order.

    A snapshot a refresh makes holds its deals as columns (a pipeline's every deal, with no
    object per deal); ``deals`` gives them as :class:`DealState` values by key, made when
    first asked for.
    """

    __slots__ = ("_columns", "_deals", "_matched", "_places", "as_of")

    def __init__(self, as_of: dt.date | None, deals: Mapping[str, DealState]) -> None:
        self.as_of = as_of
        self._deals: Mapping[str, DealState] | None = deals
        self._columns: StateColumns | None = None
        self._places: dict[str, int] | None = None
        #: The place of each of this snapshot's deals in another snapshot, and that one.
        self._matched: tuple[Snapshot, np.ndarray] | None = None

    @classmethod
    def of_columns(cls, as_of: dt.date | None, columns: StateColumns,
                   unique: bool = False) -> Snapshot:
        """The snapshot of deals given as columns. A key given twice keeps its first place
        and its last state, as a dict of the deals in order would; ``unique`` says no key
        is given twice, so that is not looked for."""
        places = None
        if not unique:
            places = dict(zip(columns.keys, range(len(columns.keys)), strict=True))
            if len(places) < len(columns.keys):
                kept = list(places.values())
                columns = StateColumns(*([column[n] for n in kept] for column in columns))
                places = dict(zip(columns.keys, range(len(kept)), strict=True))
        snap = cls(as_of, {})
        snap._deals, snap._columns, snap._places = None, columns, places
        return snap

    @property
    def deals(self) -> Mapping[str, DealState]:
        """Each deal's state by its key."""
        if self._deals is None:
            c = self.columns
            self._deals = dict(zip(c.keys, _states(c.ids, c.accounts, c.owners, c.stages,
                                                   c.statuses), strict=True))
        return self._deals

    @property
    def columns(self) -> StateColumns:
        """The deals as columns."""
        if self._columns is None:
            deals = self._deals or {}
            fields = [list(f) for f in zip(*deals.values(), strict=True)] or [[]] * 5
            self._columns = StateColumns(list(deals), *fields)
        return self._columns

    def state(self, place: int) -> DealState:
        """The deal at a place of the columns."""
        c = self.columns
        return DealState(c.ids[place], c.accounts[place], c.owners[place], c.stages[place],
                         c.statuses[place])

    def places(self) -> dict[str, int]:
        """Each key's place in the columns."""
        if self._places is None:
            keys = self.columns.keys
            self._places = dict(zip(keys, range(len(keys)), strict=True))
        return self._places

    def __len__(self) -> int:
        return len(self.columns.keys)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return self.as_of == other.as_of and dict(self.deals) == dict(other.deals)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Snapshot({self.as_of!r}, {dict(self.deals)!r})"


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
    """The state of the parsed deals (columns deal_id, account, owner, stage, status).

    Their Deal IDs are unique as :func:`deal_key` compares them: the parser leaves out
    every row of a Deal ID that repeats.
    """
    ids: list[str] = deals["deal_id"].tolist()
    statuses = deals["status"].tolist()
    if not _STATUSES.keys() >= set(statuses):
        statuses = [_STATUSES.get(str(s).lower(), "open") for s in statuses]
    return Snapshot.of_columns(as_of, StateColumns(
        _keys(ids), ids, deals["account"].tolist(), deals["owner"].tolist(),
        deals["stage"].tolist(), statuses), unique=True)


def _keys(ids: Iterable[str]) -> list[str]:
    """The :func:`deal_key` of each Deal ID."""
    return list(map(str.casefold, map(str.strip, ids)))


def _states(*columns: Iterable[Any]) -> Iterator[DealState]:
    """The deals of columns Deal ID, Account, Owner, stage and status, made without a
    Python call per deal (a state holds a pipeline's every deal)."""
    return map(tuple.__new__, repeat(DealState), zip(*columns, strict=True))


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
    Only deals whose stage or status changed are looked at one by one (a daily refresh of a
    large pipeline moves few of its deals).
    """
    if previous is None:
        return Movement(None, (), first=True)
    places = _places_in(previous, current)
    known = places >= 0
    changed = ~known
    if known.any():
        before, after = previous.columns, current.columns
        at = places[known]
        changed[known] = ((_objects(before.stages)[at] != _objects(after.stages)[known])
                          | (_objects(before.statuses)[at] != _objects(after.statuses)[known]))
    moves: list[Move] = []
    for n, place in zip(np.flatnonzero(changed).tolist(), places[changed].tolist(),
                        strict=True):
        after_state = current.state(n)
        if place < 0:
            moves.append(Move("new", None, after_state))
            continue
        before_state = previous.state(place)
        kind = classify(before_state, after_state)
        if kind is not None:
            moves.append(Move(kind, before_state, after_state))
    gone = _gone(previous, current)
    if gone:
        keys, kept = previous.columns.keys, set(listed)
        moves += [Move("removed", previous.state(place), None) for place in gone
                  if keys[place] not in kept]
    order = {kind: n for n, kind in enumerate(KINDS)}
    moves.sort(key=lambda move: order[move.kind])  # stable: Pipeline order within a kind
    return Movement(previous.as_of, tuple(moves))


def missing(previous: Snapshot | None, current: Snapshot) -> list[str]:
    """The keys of the deals of ``previous`` that ``current`` does not hold, in order."""
    if previous is None:
        return []
    keys = previous.columns.keys
    return [keys[place] for place in _gone(previous, current)]


def carry_forward(previous: Snapshot | None, current: Snapshot,
                  listed: Iterable[str]) -> Snapshot:
    """The state to save: ``current`` plus the previous state of deals still listed in the
    Pipeline but left out of this refresh for a data problem."""
    if previous is None:
        return current
    gone = _gone(previous, current)
    if not gone:
        return current
    kept = set(listed)
    keys = previous.columns.keys
    left_out = [place for place in gone if keys[place] in kept]
    if not left_out:
        return current
    return Snapshot.of_columns(current.as_of, StateColumns(*(
        now + [before[place] for place in left_out]
        for now, before in zip(current.columns, previous.columns, strict=True))))


def _places_in(previous: Snapshot, current: Snapshot) -> np.ndarray:
    """The place of each deal of ``current`` in ``previous`` (-1 where it is new)."""
    if current._matched is not None and current._matched[0] is previous:
        return current._matched[1]
    keys = current.columns.keys
    places = np.fromiter(map(previous.places().get, keys, repeat(-1)), dtype=np.intp,
                         count=len(keys))
    current._matched = (previous, places)
    return places


def _gone(previous: Snapshot, current: Snapshot) -> list[int]:
    """The places of the deals of ``previous`` that ``current`` does not hold, in order."""
    places = _places_in(previous, current)
    seen = np.zeros(len(previous), dtype=bool)
    seen[places[places >= 0]] = True
    return np.flatnonzero(~seen).tolist()


def _objects(values: list[Any]) -> np.ndarray:
    """The values as an array of objects, compared as Python compares them."""
    return np.fromiter(values, dtype=object, count=len(values))


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


def _column(texts: list[str]) -> Iterable[str]:
    """One field of every state line, escaped where needed (most columns need nothing)."""
    joined = "".join(texts)
    if joined.isascii() and joined.isprintable() and "\\" not in joined:
        return texts
    return map(_field, texts)


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
    if not len(state):
        return rows
    _, ids, accounts, owners, stages, statuses = state.columns
    ends: list[Any] = list(map(_ENDS.get, zip(stages, statuses, strict=True)))
    if None in ends or not {int} >= set(map(type, stages)):  # not a stage number 0-5
        ends = [f"{stage}\t{'1' if status == 'lost' else ''}"
                for stage, status in zip(stages, statuses, strict=True)]
    lines = list(map("\t".join, zip(_column(ids), _column(accounts), _column(owners), ends,
                                     strict=True)))
    text = "\n".join(lines)
    rows += _pack_text(text) if text.isascii() else _pack_lines(lines)
    return rows


#: The end of a state line (stage, lost) for each stage number and status.
_ENDS = {(stage, status): f"{stage}\t{'1' if status == 'lost' else ''}"
         for stage in range(CLOSED + 1) for status in ("open", "won", "lost")}


def _pack_lines(lines: list[str]) -> Rows:
    """State lines packed into cells of at most :data:`CHUNK_CHARS` UTF-16 units: as many
    whole lines to a cell as fit, a longer line split over the cells of a row of its own."""
    rows: Rows = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        units = _units(line)
        if chunk and size + units + 1 > CHUNK_CHARS:
            rows.append(["\n".join(chunk)])
            chunk, size = [], 0
        if units > CHUNK_CHARS:
            rows.append(_split(line))
            continue
        chunk.append(line)
        size += units + 1
    if chunk:
        rows.append(["\n".join(chunk)])
    return rows


def _pack_text(text: str) -> Rows:
    """:func:`_pack_lines` for lines of ASCII characters (one unit each), given joined by
    line breaks: each cell is cut at the last line break that fits."""
    rows: Rows = []
    start, end = 0, len(text)
    while start < end:
        if end - start < CHUNK_CHARS:
            rows.append([text[start:]])
            break
        cut = text.rfind("\n", start, start + CHUNK_CHARS)
        if cut > start:  # whole lines, at most CHUNK_CHARS - 1 characters with their breaks
            rows.append([text[start:cut]])
            start = cut + 1
            continue
        cut = text.find("\n", start)  # the next line alone is CHUNK_CHARS or longer
        cut = end if cut < 0 else cut
        line = text[start:cut]
        rows.append(_split(line) if len(line) > CHUNK_CHARS else [line])
        start = cut + 1
    return rows


def _split(line: str) -> list[Cell]:
    """A line longer than a cell, over as many cells as it takes."""
    step = CHUNK_CHARS // 2  # whatever the characters, at most CHUNK_CHARS units
    return [line[n:n + step] for n in range(0, len(line), step)]


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
    texts = ["".join(c for c in row if type(c) is str) if len(row) > 1 and escaped else row[0]
             for row in rows[2:] if row and type(row[0]) is str]
    text = "\n".join(texts)
    if _five_fields_a_line(text):  # Deal ID, Account, Owner, Stage, Lost
        fields = text.replace("\n", "\t").split("\t")  # no list per line
        ids, accounts, owners, stage_texts, lost_marks = (fields[n::5] for n in range(5))
    else:  # a line cut short of Lost is not lost; one cut shorter cannot be read
        split = [f if len(f) == 5 else [*f[:4], f[4] if len(f) > 4 else ""]
                 for f in map(str.split, text.split("\n"), repeat("\t")) if len(f) >= 4]
        if not split:
            return Snapshot(as_of, {})
        ids, accounts, owners, stage_texts, lost_marks = map(list, zip(*split, strict=True))
    if escaped:
        ids, accounts, owners = map(_unescaped, (ids, accounts, owners))
    stages: list[Any] = list(map(_STAGE_TEXT.get, stage_texts))
    if None in stages:  # a stage name, or one that cannot be read
        stages = [_STAGE_TEXT[t] if t in _STAGE_TEXT else _stage_number(t) for t in stage_texts]
    statuses: list[Any] = list(map(_STATUS_OF.get, zip(stages, lost_marks, strict=True)))
    if None in statuses:  # a lost mark other than 1, or a stage that cannot be read
        statuses = ["lost" if lost and lost.strip() in _LOST_MARKS else "won"
                    if stage == CLOSED else "open"
                    for stage, lost in zip(stages, lost_marks, strict=True)]
    columns = StateColumns(_keys(ids), ids, accounts, owners, stages, statuses)
    if None in stages or "" in columns.keys:  # lines that cannot be read are skipped
        kept = [n for n, (key, stage) in enumerate(zip(columns.keys, stages, strict=True))
                if key and stage is not None]
        columns = StateColumns(*([column[n] for n in kept] for column in columns))
    return Snapshot.of_columns(as_of, columns)


def _five_fields_a_line(text: str) -> bool:
    """Whether every line of the text has exactly five fields (four tabs), seen in the
    order of its separators alone: a tab or line break is a byte of its own in UTF-8."""
    separators = text.encode("utf-8", "surrogatepass").translate(None, _NOT_SEPARATORS)
    lines = separators.count(b"\n") + 1
    return separators == _LINE_SEPARATORS * (lines - 1) + _LINE_SEPARATORS[:-1]


_NOT_SEPARATORS = bytes(b for b in range(256) if b not in b"\t\n")
_LINE_SEPARATORS = b"\t\t\t\t\n"


def _unescaped(fields: list[str]) -> list[str]:
    """One field of every state line as it was before :func:`_field`."""
    if "\\" not in "".join(fields):
        return fields
    return list(map(_unfield, fields))


_LOST_MARKS = frozenset({"1", "True", "Lost", "lost"})


def _stage_number(text: str) -> int | None:
    """A state line's stage: a number 0–5, or a stage name; None when it is neither."""
    if text.isdigit():
        return int(text) if int(text) in _STAGE_NUMBERS else None
    found = lookup_stage(text)
    return None if found is None or found is StageName.LOST else found.value


_STAGE_NUMBERS = frozenset(range(CLOSED + 1))
_STAGE_TEXT = {str(n): n for n in _STAGE_NUMBERS}
#: A state line's status for each stage number and the lost marks it is written with.
_STATUS_OF: dict[tuple[int, str], DealStatus] = {
    (stage, mark): "lost" if mark else "won" if stage == CLOSED else "open"
    for stage in _STAGE_NUMBERS for mark in ("", "1")}


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
