"""Stages, statuses, column and settings schema, tab names — in English and Russian.

Everything here is data the parser and the renderer share; nothing reads or
writes a workbook.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Literal

Lang = Literal["en", "ru"]

#: Stage labels as they appear in the summary, S0..S4 (open stages) then S5.
STAGES: tuple[str, ...] = ("Opportunity", "First Appointment", "#1", "#2", "#3")
CLOSED = 5
OPEN_STAGES = range(5)
#: Stages at which a deal is flagged (First Appointment to #3).
FLAGGED_STAGES = range(1, 5)


def _key(text: str) -> str:
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


_STAGE_ALIASES: dict[StageName, tuple[str, ...]] = {
    StageName.S0: ("Opportunity", "O", "Возможность"),
    StageName.S1: ("First Appointment", "FA", "Первая встреча", "ПВ"),
    StageName.S2: ("#1", "1", "No. 1", "№ 1", "№1"),
    StageName.S3: ("#2", "2", "No. 2", "№ 2", "№2"),
    StageName.S4: ("#3", "3", "No. 3", "№ 3", "№3"),
    StageName.CLOSED: ("Closed", "Won", "Closed Won", "Сделка", "Закрыта"),
    StageName.LOST: ("Lost", "Closed Lost", "Проиграна"),
}
STAGE_LOOKUP: dict[str, StageName] = {
    _key(alias): stage for stage, aliases in _STAGE_ALIASES.items() for alias in aliases
}


class Status(enum.Enum):
    """A deal's status."""

    OPEN = "Open"
    WON = "Won"
    LOST = "Lost"


STATUS_LOOKUP: dict[str, Status] = {
    _key(alias): status
    for status, aliases in {
        Status.OPEN: ("Open", "Открыта"),
        Status.WON: ("Won", "Выиграна"),
        Status.LOST: ("Lost", "Проиграна"),
    }.items()
    for alias in aliases
}


@functools.lru_cache(maxsize=1024)
def lookup_stage(text: str) -> StageName | None:
    """The stage a cell's text names, or None when it names none."""
    return STAGE_LOOKUP.get(_key(text))


@functools.lru_cache(maxsize=1024)
def lookup_status(text: str) -> Status | None:
    """The status a cell's text names, or None when it names none."""
    return STATUS_LOOKUP.get(_key(text))


@dataclass(frozen=True)
class Column:
    """A Pipeline column: its field name, English and Russian headers, kind."""

    field: str
    en: str
    ru: str
    required: bool
    kind: Literal["id", "text", "stage", "status", "number", "date"]


COLUMNS: tuple[Column, ...] = (
    Column("deal_id", "Deal ID", "ID сделки", True, "id"),
    Column("account", "Account", "Клиент", True, "text"),
    Column("owner", "Owner", "Менеджер", False, "text"),
    Column("stage", "Stage", "Этап", True, "stage"),
    Column("status", "Status", "Статус", False, "status"),
    Column("value", "Value", "Сумма", False, "number"),
    Column("created", "Created", "Создана", False, "date"),
    Column("first_appointment", "First Appointment Date", "Дата первой встречи", False, "date"),
    Column("next_step", "Next Step", "Следующий шаг", False, "text"),
    Column("next_step_date", "Next Step Date", "Дата следующего шага", False, "date"),
    Column("closed", "Closed Date", "Дата закрытия", False, "date"),
)
HEADER_LOOKUP: dict[str, Column] = {
    _key(name): col for col in COLUMNS for name in (col.en, col.ru)
}


def lookup_header(text: str) -> Column | None:
    """The Pipeline column a header cell names, or None for a column of the user's own."""
    return HEADER_LOOKUP.get(_key(text))


@dataclass(frozen=True)
class SettingKey:
    """A Settings key: field name, English and Russian names, kind, default in words."""

    field: str
    en: str
    ru: str
    kind: Literal["int", "number", "date"]
    default_en: str
    default_ru: str


SETTINGS: tuple[SettingKey, ...] = (
    SettingKey("sales_target", "Sales Target", "План продаж", "int",
               "none (no reverse funnel)", "нет (без обратной воронки)"),
    SettingKey("period_start", "Period Start", "Начало периода", "date",
               "1 January of the as-of year", "1 января года отчётной даты"),
    SettingKey("period_end", "Period End", "Конец периода", "date",
               "31 December of the as-of year", "31 декабря года отчётной даты"),
    SettingKey("cycle_days", "Sales Cycle Days", "Цикл продаж, дней", "number",
               "measured from won deals", "по выигранным сделкам"),
    SettingKey("cycle_tolerance", "Cycle Tolerance", "Допуск цикла", "number", "1.0", "1.0"),
    SettingKey("lookback_days", "Lookback Days", "Глубина истории, дней", "int",
               "all deals", "все сделки"),
    SettingKey("min_sample", "Min Sample", "Мин. выборка", "int", "5", "5"),
)
SETTING_LOOKUP: dict[str, SettingKey] = {
    _key(name): key for key in SETTINGS for name in (key.en, key.ru)
}


def lookup_setting(text: str) -> SettingKey | None:
    """The Settings key a column-A cell names, or None."""
    return SETTING_LOOKUP.get(_key(text))


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


TABS: dict[Lang, TabNames] = {
    "en": TabNames("Pipeline", "Settings", "Funnel", "Focus", "History"),
    "ru": TabNames("Воронка", "Настройки", "Сводка", "Фокус", "История"),
}


def find_tab(names: list[str], wanted: str) -> str | None:
    """The actual name of the tab matching ``wanted`` (any case, spaces trimmed)."""
    for name in names:
        if _key(name) == _key(wanted):
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
