"""A team's own stage, status and column names, mapped onto the standard ones (CONTRACT §7).

Settings rows such as ``Stage: Discovery`` → ``First Appointment``,
``Status: Closed Won`` → ``Won`` and ``Column: Company`` → ``Account`` (in
Russian ``Этап:``, ``Статус:``, ``Колонка:``) say how to read the Pipeline
tab. A mapped name is looked up before the built-in names and aliases. A
mapping row with a blank value is a row still to fill and is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from .cells import Rows, as_text, is_blank
from .errors import BadSetting
from .model import (
    COLUMNS,
    Column,
    StageName,
    Status,
    lookup_header,
    lookup_stage,
    lookup_status,
    normalise,
)
from .vocabulary import LANGS, VOCABULARY, spoken_list

Kind = Literal["stage", "status", "column"]
T = TypeVar("T")
_PREFIXES: dict[str, Kind] = {
    normalise(VOCABULARY[lang].mapping[kind]): kind
    for lang in LANGS for kind in ("stage", "status", "column")
}


def mapping_key(text: str) -> tuple[Kind, str] | None:
    """The kind and the team's own name of a Settings key such as ``Stage: Discovery``.

    None when the key is not a mapping row.
    """
    prefix, colon, own = text.partition(":")
    if not colon:
        return None
    kind = _PREFIXES.get(normalise(prefix))
    return None if kind is None else (kind, own.strip())


@dataclass
class OwnNames:
    """The team's own names, each with the standard thing it means."""

    stages: dict[str, StageName] = field(default_factory=dict)
    statuses: dict[str, Status] = field(default_factory=dict)
    columns: dict[str, Column] = field(default_factory=dict)
    #: The Settings key that maps each own header, as written (for messages).
    column_keys: dict[str, str] = field(default_factory=dict)

    def stage(self, text: str) -> StageName | None:
        """The stage a Stage cell's text names: the team's mapping first, then the built-ins."""
        return _own_first(self.stages, text) or lookup_stage(text)

    def status(self, text: str) -> Status | None:
        """The status a Status cell's text names: the team's mapping first, then the built-ins."""
        return _own_first(self.statuses, text) or lookup_status(text)

    def header(self, text: str) -> Column | None:
        """The column a header names: the team's mapping first, then the standard headers."""
        return _own_first(self.columns, text) or lookup_header(text)

    def key_of(self, text: str) -> str | None:
        """The Settings key that maps a header, or None for a standard header."""
        return self.column_keys.get(normalise(text))


def _own_first(own: dict[str, T], text: str) -> T | None:
    """The team's mapping of ``text`` (None when it maps nothing; cheap when nothing is mapped)."""
    return own.get(normalise(text)) if own else None


_EXPECTED: dict[Kind, str] = {
    "stage": f"a stage: {spoken_list(VOCABULARY['en'].stages, 'en')} (or an alias of one)",
    "status": f"a status: {spoken_list(VOCABULARY['en'].statuses, 'en')}",
    "column": f"a standard column: {spoken_list([c.en for c in COLUMNS], 'en')}",
}


def read_own_names(tab: str, rows: Rows) -> OwnNames:
    """The mapping rows of the Settings tab (key in column A, value in column B).

    Raises BadSetting naming the key when a value is not a standard name, when
    one own name is mapped twice to different things, or when two headers are
    mapped to one column.
    """
    names = OwnNames()
    seen: dict[tuple[Kind, str], tuple[str, Any, int]] = {}
    targets: dict[str, tuple[str, int]] = {}
    for offset, cells in enumerate(rows):
        if not cells or is_blank(cells[0]):
            continue
        key_text = as_text(cells[0])
        parsed = mapping_key(key_text)
        raw = cells[1] if len(cells) > 1 else None
        if parsed is None or is_blank(raw):
            continue
        kind, own = parsed
        row = offset + 1
        if not own:
            raise BadSetting(f"{tab}!A{row}: {key_text!r} names nothing after the colon; "
                             f"write the team's own {kind} name there")
        target = _standard(kind, as_text(raw))
        if target is None:
            raise BadSetting(f"{tab}!B{row}: {key_text!r} is {raw!r}; expected {_EXPECTED[kind]}")
        own_key = normalise(own)
        earlier = seen.get((kind, own_key))
        if earlier is not None and earlier[1] != target:
            raise BadSetting(f"{tab}!A{row}: {key_text!r} is mapped again (first in row "
                             f"{earlier[2]} as {earlier[0]!r}); keep one of them")
        seen[(kind, own_key)] = (as_text(raw), target, row)
        if kind == "stage":
            names.stages[own_key] = target
        elif kind == "status":
            names.statuses[own_key] = target
        else:
            other = targets.get(target.field)
            if other is not None and other[0] != own_key:
                raise BadSetting(
                    f"{tab}!A{row}: {key_text!r} and {names.column_keys[other[0]]!r} (row "
                    f"{other[1]}) both map to the {target.en!r} column; keep one of them")
            targets[target.field] = (own_key, row)
            names.columns[own_key] = target
            names.column_keys[own_key] = key_text
    return names


def _standard(kind: Kind, text: str) -> Any:
    if kind == "stage":
        return lookup_stage(text)
    if kind == "status":
        return lookup_status(text)
    return lookup_header(text)
