"""Stages, statuses, the Pipeline column and Settings schema, tab names, flag codes.

Everything here is data the parser and the renderer share; nothing reads or
writes a workbook. The names in each language come from
:mod:`sheets_funnel.vocabulary`.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Literal

from .vocabulary import VOCABULARY, stage_names, status_names
from .vocabulary import Lang as Lang  # re-exported: the language type lives with the names

#: Stage labels as they appear in the summary, S0..S4 (open stages) then S5.
STAGES: tuple[str, ...] = VOCABULARY["en"].stages[:5]
CLOSED = 5
OPEN_STAGES = range(5)
#: Stages at which a deal is flagged (First Appointment to #3).
FLAGGED_STAGES = range(1, 5)


def normalise(text: str) -> str:
    """Normalise a name for matching: trimmed, lower case, inner spaces folded."""
    return " ".join(text.split()).casefold()


class StageName(enum.Enum):
    """What a Stage cell can say."""

    S0 = 0
    S1 = 1
    S2 = 2
    S3 = 3
    S4 = 4
    CLOSED = 5
    LOST = -1


#: The stages in the order of ``Vocabulary.stages``.
STAGE_ORDER: tuple[StageName, ...] = (
    StageName.S0, StageName.S1, StageName.S2, StageName.S3, StageName.S4, StageName.CLOSED,
    StageName.LOST,
)
STAGE_LOOKUP: dict[str, StageName] = {
    normalise(alias): stage for n, stage in enumerate(STAGE_ORDER) for alias in stage_names(n)
}


class Status(enum.Enum):
    """A deal's status."""

    OPEN = "Open"
    WON = "Won"
    LOST = "Lost"


#: The statuses in the order of ``Vocabulary.statuses``.
STATUS_ORDER: tuple[Status, ...] = (Status.OPEN, Status.WON, Status.LOST)
STATUS_LOOKUP: dict[str, Status] = {
    normalise(alias): status for n, status in enumerate(STATUS_ORDER) for alias in status_names(n)
}


@functools.lru_cache(maxsize=1024)
def lookup_stage(text: str) -> StageName | None:
    """The stage a cell's text names, or None when it names none."""
    return STAGE_LOOKUP.get(normalise(text))


@functools.lru_cache(maxsize=1024)
def lookup_status(text: str) -> Status | None:
    """The status a cell's text names, or None when it names none."""
    return STATUS_LOOKUP.get(normalise(text))


@dataclass(frozen=True)
class Column:
    """A Pipeline column: its field name, English and Russian headers, kind."""

    field: str
    en: str
    ru: str
    required: bool
    kind: Literal["id", "text", "stage", "status", "number", "date"]

    def name(self, lang: Lang) -> str:
        """The header in the language."""
        return self.ru if lang == "ru" else self.en


def _column(field: str, required: bool,
            kind: Literal["id", "text", "stage", "status", "number", "date"]) -> Column:
    return Column(field, VOCABULARY["en"].columns[field], VOCABULARY["ru"].columns[field],
                  required, kind)


COLUMNS: tuple[Column, ...] = (
    _column("deal_id", True, "id"),
    _column("account", True, "text"),
    _column("owner", False, "text"),
    _column("stage", True, "stage"),
    _column("status", False, "status"),
    _column("value", False, "number"),
    _column("created", False, "date"),
    _column("first_appointment", False, "date"),
    _column("next_step", False, "text"),
    _column("next_step_date", False, "date"),
    _column("closed", False, "date"),
)
HEADER_LOOKUP: dict[str, Column] = {
    normalise(name): col for col in COLUMNS for name in (col.en, col.ru)
}


def lookup_header(text: str) -> Column | None:
    """The Pipeline column a header cell names, or None for a column of the user's own."""
    return HEADER_LOOKUP.get(normalise(text))


@dataclass(frozen=True)
class SettingKey:
    """A Settings key: field name, English and Russian names, kind, default in words."""

    field: str
    en: str
    ru: str
    kind: Literal["int", "number", "date"]
    default_en: str
    default_ru: str

    def name(self, lang: Lang) -> str:
        """The key in the language."""
        return self.ru if lang == "ru" else self.en

    def default(self, lang: Lang) -> str:
        """The default in words, in the language."""
        return self.default_ru if lang == "ru" else self.default_en


def _setting(field: str, kind: Literal["int", "number", "date"]) -> SettingKey:
    (en, default_en), (ru, default_ru) = (VOCABULARY[lang].settings[field] for lang in ("en", "ru"))
    return SettingKey(field, en, ru, kind, default_en, default_ru)


SETTINGS: tuple[SettingKey, ...] = (
    _setting("sales_target", "int"),
    _setting("period_start", "date"),
    _setting("period_end", "date"),
    _setting("cycle_days", "number"),
    _setting("cycle_tolerance", "number"),
    _setting("lookback_days", "int"),
    _setting("min_sample", "int"),
    _setting("revenue_target", "number"),
    _setting("average_deal_value", "number"),
)
SETTING_LOOKUP: dict[str, SettingKey] = {
    normalise(name): key for key in SETTINGS for name in (key.en, key.ru)
}


def lookup_setting(text: str) -> SettingKey | None:
    """The Settings key a column-A cell names, or None."""
    return SETTING_LOOKUP.get(normalise(text))


#: The owned tab that keeps each deal's stage at the last refresh (same name in every language).
STATE_TAB = "_funnel_state"


@dataclass(frozen=True)
class TabNames:
    """The names of the five tabs in one language, and of the state tab."""

    pipeline: str
    settings: str
    funnel: str
    focus: str
    history: str
    state: str = STATE_TAB

    @property
    def owned(self) -> tuple[str, str, str, str]:
        """The tabs sheets-funnel writes: Funnel, Focus, History and the state tab."""
        return (self.funnel, self.focus, self.history, self.state)


TABS: dict[Lang, TabNames] = {lang: TabNames(*VOCABULARY[lang].tabs) for lang in ("en", "ru")}


def find_tab(names: list[str], wanted: str) -> str | None:
    """The actual name of the tab matching ``wanted`` (any case, spaces trimmed)."""
    for name in names:
        if normalise(name) == normalise(wanted):
            return name
    return None


def detect_lang(names: list[str]) -> Lang | None:
    """The language of the workbook, judged by which Pipeline tab it has."""
    for lang in ("en", "ru"):
        if find_tab(names, TABS[lang].pipeline) is not None:
            return lang
    return None


FLAG_CODES: tuple[str, ...] = (
    "NO_NEXT_STEP",
    "NEXT_STEP_OVERDUE",
    "NEXT_STEP_OUT_OF_CYCLE",
    "OUT_OF_CYCLE",
)
CYCLE_FLAGS = frozenset({"NEXT_STEP_OUT_OF_CYCLE", "OUT_OF_CYCLE"})
