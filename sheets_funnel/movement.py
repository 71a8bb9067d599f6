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
    object per deal), and one read from the state tab its lines until its deals are asked
    for; ``deals`` gives them as :class:`DealState` values by key, made when first asked
    for.
    """

    __slots__ = ("_columns", "_deals", "_lines", "_matched", "_places", "_round_trip", "_saved",
                 "as_of")

    def __init__(self, as_of: dt.date | None, deals: Mapping[str, DealState]) -> None:
        self.as_of = as_of
        self._deals: Mapping[str, DealState] | None = deals
        self._columns: StateColumns | None = None
        self._places: dict[str, int] | None = None
        #: The state tab's lines as read (escaped, five fields each), not parsed yet.
        self._saved: str | None = None
        #: The state lines of the deals, as :func:`state_rows` writes them, and whether
        #: each reads back as its deal.
        self._lines: list[str] | None = None
        self._round_trip = False
        #: How this snapshot's deals match another snapshot's, and that one.
        self._matched: tuple[Snapshot, _Match] | None = None

    @classmethod
    def of_columns(cls, as_of: dt.date | None, columns: StateColumns,
                   unique: bool = False) -> Snapshot:
        """The snapshot of deals given as columns. A key given twice keeps its first place
        and its last state, as a dict of the deals in order would; ``unique`` says no key
        is given twice, so that is not looked for."""
        snap = cls(as_of, {})
        snap._deals = None
        snap._columns, snap._places = (columns, None) if unique else _unique(columns)
        return snap

    @classmethod
    def of_saved_lines(cls, as_of: dt.date | None, text: str) -> Snapshot:
        """The snapshot of the state tab's lines (escaped, five fields each, joined by line
        breaks), read when its deals are first asked for."""
        snap = cls(as_of, {})
        snap._deals, snap._saved = None, text
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
            if self._saved is not None:
                self._columns, self._places = _unique(_saved_columns(self._saved, True))
            else:
                deals = self._deals or {}
                fields = [list(f) for f in zip(*deals.values(), strict=True)] or [[]] * 5
                self._columns = StateColumns(list(deals), *fields)
        return self._columns

    def state(self, place: int) -> DealState:
        """The deal at a place of the columns."""
        return _state_at(self.columns, place)

    def places(self) -> dict[str, int]:
        """Each key's place in the columns."""
        if self._places is None:
            keys = self.columns.keys
            self._places = dict(zip(keys, range(len(keys)), strict=True))
        return self._places

    def state_lines(self) -> list[str]:
        """The deals' lines as the state tab holds them (made once)."""
        if self._lines is None:
            self._lines, self._round_trip = _state_lines(self.columns)
        return self._lines

    def __len__(self) -> int:
        return len(self.columns.keys)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return self.as_of == other.as_of and dict(self.deals) == dict(other.deals)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Snapshot({self.as_of!r}, {dict(self.deals)!r})"


def _unique(columns: StateColumns) -> tuple[StateColumns, dict[str, int]]:
    """The columns with each key once, at its first place with its last state (as a dict
    of the deals in order keeps them), and each key's place."""
    places = dict(zip(columns.keys, range(len(columns.keys)), strict=True))
    if len(places) < len(columns.keys):
        kept = list(places.values())
        columns = StateColumns(*([column[n] for n in kept] for column in columns))
        places = dict(zip(columns.keys, range(len(kept)), strict=True))
    return columns, places


def _state_at(columns: StateColumns, place: int) -> DealState:
    return DealState(columns.ids[place], columns.accounts[place], columns.owners[place],
                     columns.stages[place], columns.statuses[place])


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
    Only deals whose state changed are looked at one by one (a daily refresh of a large
    pipeline moves few of its deals).
    """
    if previous is None:
        return Movement(None, (), first=True)
    match = _match(previous, current)
    moves: list[Move] = []
    for place, before in match.changed:
        after = current.state(place)
        if before is None:
            moves.append(Move("new", None, after))
        elif (kind := classify(before, after)) is not None:
            moves.append(Move(kind, before, after))
    if match.gone:
        kept = set(listed)
        moves += [Move("removed", before, None) for key, before in match.gone
                  if key not in kept]
    order = {kind: n for n, kind in enumerate(KINDS)}
    moves.sort(key=lambda move: order[move.kind])  # stable: Pipeline order within a kind
    return Movement(previous.as_of, tuple(moves))


def missing(previous: Snapshot | None, current: Snapshot) -> list[str]:
    """The keys of the deals of ``previous`` that ``current`` does not hold, in order."""
    return [] if previous is None else [key for key, _ in _match(previous, current).gone]


def carry_forward(previous: Snapshot | None, current: Snapshot,
                  listed: Iterable[str]) -> Snapshot:
    """The state to save: ``current`` plus the previous state of deals still listed in the
    Pipeline but left out of this refresh for a data problem."""
    if previous is None:
        return current
    gone = _match(previous, current).gone
    kept = set(listed) if gone else set()
    left_out = [state for key, state in gone if key in kept]
    if not left_out:
        return current
    more = StateColumns([key for key, _ in gone if key in kept],
                        *([*f] for f in zip(*left_out, strict=True)))
    state = Snapshot.of_columns(current.as_of, StateColumns(*(
        now + added for now, added in zip(current.columns, more, strict=True))))
    if len(state) == len(current) + len(left_out):  # the current lines serve again
        lines, round_trip = _state_lines(more)
        state._lines = current.state_lines() + lines
        state._round_trip = current._round_trip and round_trip
    return state


class _Match(NamedTuple):
    """How the deals of a snapshot match those of the snapshot before it."""

    #: The places of the deals whose state may have changed, each with its state before
    #: (None: new), in order.
    changed: list[tuple[int, DealState | None]]
    #: The deals before that are gone, by key, in their order.
    gone: list[tuple[str, DealState]]


def _match(previous: Snapshot, current: Snapshot) -> _Match:
    """How the deals of ``current`` match those of ``previous`` (worked out once)."""
    if current._matched is not None and current._matched[0] is previous:
        return current._matched[1]
    found = None
    if previous._saved is not None and previous._columns is None:
        found = _match_lines(previous._saved, current)
    if found is None:
        found = _match_columns(previous, current)
    current._matched = (previous, found)
    return found


def _match_columns(previous: Snapshot, current: Snapshot) -> _Match:
    """The match, each deal of ``current`` looked up by key among those of ``previous``."""
    keys = current.columns.keys
    places = np.fromiter(map(previous.places().get, keys, repeat(-1)), dtype=np.intp,
                         count=len(keys))
    known = places >= 0
    changed = ~known
    if known.any():
        before, after = previous.columns, current.columns
        at = places[known]
        changed[known] = ((_objects(before.stages)[at] != _objects(after.stages)[known])
                          | (_objects(before.statuses)[at] != _objects(after.statuses)[known]))
    seen = np.zeros(len(previous), dtype=bool)
    seen[places[known]] = True
    return _Match(
        [(n, None if place < 0 else previous.state(place))
         for n, place in zip(np.flatnonzero(changed).tolist(), places[changed].tolist(),
                             strict=True)],
        [(previous.columns.keys[place], previous.state(place))
         for place in np.flatnonzero(~seen).tolist()])


def _match_lines(saved: str, current: Snapshot) -> _Match | None:
    """The match from the state lines as saved: a line saved as ``current`` would write it
    is that very deal unchanged, so only the other lines are read. None when it cannot be
    told this way: a deal of ``current`` would not read back as it is, or a deal was saved
    twice (by hand) and one of its lines is unchanged."""
    now = current.state_lines()
    if not current._round_trip:
        return None
    before = saved.split("\n")
    if before == now:  # nothing changed since (a second refresh of the day, a weekend's)
        return _Match([], [])
    before_lines, now_lines = set(before), set(now)
    # the lines saved otherwise than now, in their order, and the deals now written otherwise
    gone_lines = before_lines - now_lines
    others, places = _unique(_saved_columns(
        "\n".join(filter(gone_lines.__contains__, before)) if gone_lines else "", True))
    new_lines = now_lines - before_lines
    fresh = [n for n, line in enumerate(now) if line in new_lines] if new_lines else []
    keys = current.columns.keys
    fresh_keys = {keys[n] for n in fresh}
    changed = [(n, None if (place := places.get(keys[n])) is None else _state_at(others, place))
               for n in fresh]
    gone = [place for place, key in enumerate(others.keys) if key not in fresh_keys]
    if gone:
        kept = set(keys) - fresh_keys
        if any(others.keys[place] in kept for place in gone):
            return None
    return _Match(changed, [(others.keys[place], _state_at(others, place)) for place in gone])


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
    lines = state.state_lines()
    text = "\n".join(lines)
    rows += _pack_text(text) if text.isascii() else _pack_lines(lines)
    return rows


def _state_lines(columns: StateColumns) -> tuple[list[str], bool]:
    """Each deal's state line (see :func:`state_rows`), and whether every line reads back
    as the deal it was written from (a stage number 0–5, won exactly at stage 5)."""
    _, ids, accounts, owners, stages, statuses = columns
    ends: list[Any] = list(map(_READ_BACK_ENDS.get, zip(stages, statuses, strict=True)))
    round_trip = None not in ends and {int} >= set(map(type, stages))
    if not round_trip:
        ends = list(map(_ENDS.get, zip(stages, statuses, strict=True)))
        if None in ends or not {int} >= set(map(type, stages)):  # not a stage number 0-5
            ends = [f"{stage}\t{'1' if status == 'lost' else ''}"
                    for stage, status in zip(stages, statuses, strict=True)]
    lines = list(map("\t".join, zip(_column(ids), _column(accounts), _column(owners), ends,
                                      strict=True)))
    return lines, round_trip


#: The end of a state line (stage, lost) for each stage number and status.
_ENDS = {(stage, status): f"{stage}\t{'1' if status == 'lost' else ''}"
         for stage in range(CLOSED + 1) for status in ("open", "won", "lost")}
#: Those that read back as they were written (won is stage 5, and stage 5 open is not).
_READ_BACK_ENDS = {(stage, status): end for (stage, status), end in _ENDS.items()
                   if status == "lost" or (status == "won") == (stage == CLOSED)}


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
    if escaped and _five_fields_a_line(text):  # read when its deals are asked for, if ever
        return Snapshot.of_saved_lines(as_of, text)
    return Snapshot.of_columns(as_of, _saved_columns(text, escaped))


def _saved_columns(text: str, escaped: bool) -> StateColumns:
    """The deals of state lines joined by line breaks (``escaped``: in the escaped format),
    without the lines that cannot be read."""
    if _five_fields_a_line(text):  # Deal ID, Account, Owner, Stage, Lost
        fields = text.replace("\n", "\t").split("\t")  # no list per line
        ids, accounts, owners, stage_texts, lost_marks = (fields[n::5] for n in range(5))
    else:  # a line cut short of Lost is not lost; one cut shorter cannot be read
        split = [f if len(f) == 5 else [*f[:4], f[4] if len(f) > 4 else ""]
                 for f in map(str.split, text.split("\n"), repeat("\t")) if len(f) >= 4]
        if not split:
            return StateColumns([], [], [], [], [], [])
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
    return columns


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
