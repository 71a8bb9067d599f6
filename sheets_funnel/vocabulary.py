"""The product's words in each language, in one table per language.

Stage, status, Pipeline column, Settings key and tab names, the template's
Flags and Settings headers, and the prefixes of the Settings rows that map a
team's own names (``Stage: Discovery``). The parser's lookups, the templates'
headers and dropdowns and the owned tabs' stage labels all read these tables;
nothing else spells these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["en", "ru"]
LANGS: tuple[Lang, ...] = ("en", "ru")


@dataclass(frozen=True)
class Vocabulary:
    """The standard names in one language."""

    #: Opportunity, First Appointment, #1, #2, #3, Closed, Lost: the Stage dropdown's order.
    stages: tuple[str, str, str, str, str, str, str]
    #: Open, Won, Lost.
    statuses: tuple[str, str, str]
    #: Pipeline column field → header.
    columns: dict[str, str]
    #: Settings field → (key in column A, the default in words).
    settings: dict[str, tuple[str, str]]
    #: Pipeline, Settings, Funnel, Focus, History.
    tabs: tuple[str, str, str, str, str]
    #: The template's Pipeline column after the standard ones.
    flags_header: str
    #: The template's Settings header row.
    settings_header: tuple[str, str, str]
    #: Own-name mapping kind ("stage", "status", "column") → Settings key prefix.
    mapping: dict[str, str]
    #: The template's commented-out example of a mapping row: key, value, explanation.
    mapping_example: tuple[str, str, str]
    #: The Funnel tab's and the funnel chart's title.
    title: str
    #: The word joining the last item of a list ("or").
    or_: str


VOCABULARY: dict[Lang, Vocabulary] = {
    "en": Vocabulary(
        stages=("Opportunity", "First Appointment", "#1", "#2", "#3", "Closed", "Lost"),
        statuses=("Open", "Won", "Lost"),
        columns={
            "deal_id": "Deal ID",
            "account": "Account",
            "owner": "Owner",
            "stage": "Stage",
            "status": "Status",
            "value": "Value",
            "created": "Created",
            "first_appointment": "First Appointment Date",
            "next_step": "Next Step",
            "next_step_date": "Next Step Date",
            "closed": "Closed Date",
        },
        settings={
            "sales_target": ("Sales Target", "none (no reverse funnel)"),
            "period_start": ("Period Start", "1 January of the as-of year"),
            "period_end": ("Period End", "31 December of the as-of year"),
            "cycle_days": ("Sales Cycle Days", "measured from won deals"),
            "cycle_tolerance": ("Cycle Tolerance", "1.0"),
            "lookback_days": ("Lookback Days", "all deals"),
            "min_sample": ("Min Sample", "5"),
            "revenue_target": ("Revenue Target", "none (no revenue plan)"),
            "average_deal_value": ("Average Deal Value", "mean Value of won deals"),
        },
        tabs=("Pipeline", "Settings", "Funnel", "Focus", "History"),
        flags_header="Flags",
        settings_header=("Setting", "Value", "Default"),
        mapping={"stage": "Stage", "status": "Status", "column": "Column"},
        mapping_example=(
            "# Stage: Discovery", "First Appointment",
            "example: without the #, the Stage “Discovery” reads as First Appointment; "
            "Status: and Column: rows map statuses and headers the same way"),
        title="Sales funnel",
        or_="or",
    ),
    "ru": Vocabulary(
        stages=("Возможность", "Первая встреча", "№1", "№2", "№3", "Сделка", "Проиграна"),
        statuses=("Открыта", "Выиграна", "Проиграна"),
        columns={
            "deal_id": "ID сделки",
            "account": "Клиент",
            "owner": "Менеджер",
            "stage": "Этап",
            "status": "Статус",
            "value": "Сумма",
            "created": "Создана",
            "first_appointment": "Дата первой встречи",
            "next_step": "Следующий шаг",
            "next_step_date": "Дата следующего шага",
            "closed": "Дата закрытия",
        },
        settings={
            "sales_target": ("План продаж", "нет (без обратной воронки)"),
            "period_start": ("Начало периода", "1 января года отчётной даты"),
            "period_end": ("Конец периода", "31 декабря года отчётной даты"),
            "cycle_days": ("Цикл продаж, дней", "по выигранным сделкам"),
            "cycle_tolerance": ("Допуск цикла", "1.0"),
            "lookback_days": ("Глубина истории, дней", "все сделки"),
            "min_sample": ("Мин. выборка", "5"),
            "revenue_target": ("План выручки", "нет (без плана выручки)"),
            "average_deal_value": ("Средняя сумма сделки", "средняя сумма выигранных сделок"),
        },
        tabs=("Воронка", "Настройки", "Сводка", "Фокус", "История"),
        flags_header="Флаги",
        settings_header=("Параметр", "Значение", "По умолчанию"),
        mapping={"stage": "Этап", "status": "Статус", "column": "Колонка"},
        mapping_example=(
            "# Этап: Знакомство", "Первая встреча",
            "пример: без # этап «Знакомство» читается как «Первая встреча»; строки Статус: и "
            "Колонка: так же задают свои статусы и заголовки"),
        title="Воронка продаж",
        or_="или",
    ),
}

#: Further names a Stage cell may use in any language, by position in ``Vocabulary.stages``.
STAGE_ALIASES: tuple[tuple[str, ...], ...] = (
    ("O",),
    ("FA", "ПВ"),
    ("1", "No. 1", "№ 1"),
    ("2", "No. 2", "№ 2"),
    ("3", "No. 3", "№ 3"),
    ("Won", "Closed Won", "Закрыта"),
    ("Closed Lost",),
)


def stage_names(position: int) -> tuple[str, ...]:
    """Every accepted name of the stage at ``position`` (0–4 open stages, 5 Closed, 6 Lost)."""
    return (*(VOCABULARY[lang].stages[position] for lang in LANGS), *STAGE_ALIASES[position])


def status_names(position: int) -> tuple[str, ...]:
    """Every accepted name of the status at ``position`` (0 Open, 1 Won, 2 Lost)."""
    return tuple(VOCABULARY[lang].statuses[position] for lang in LANGS)


def spoken_list(items: tuple[str, ...] | list[str], lang: Lang) -> str:
    """``a, b or c`` in the language."""
    *head, last = items
    return f"{', '.join(head)} {VOCABULARY[lang].or_} {last}" if head else last
