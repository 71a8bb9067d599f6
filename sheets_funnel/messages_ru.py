"""Russian wording of the data-issue messages and warnings, for Russian workbooks' Funnel tab.

The ``--json`` summary keeps the English messages of the contract; only the
owned tabs of a Russian workbook show these.
"""

from __future__ import annotations

import re

from .vocabulary import VOCABULARY, spoken_list

_EXACT = {
    "unknown stage": "неизвестный этап",
    "unknown status": "неизвестный статус",
    "not a date": "не дата",
    "not a number": "не число",
    "negative value": "отрицательное значение",
    "missing Deal ID": "нет ID сделки",
    "missing Account": "нет клиента",
    "missing Stage": "нет этапа",
    "missing First Appointment Date": "нет даты первой встречи",
    "stage Lost with a status other than Lost": "этап «Проиграна» с другим статусом",
    "Closed Date before First Appointment Date": "дата закрытия раньше даты первой встречи",
    "a value in every deal row": "значение в каждой строке сделки",
    "a number of 0 or more": "число не меньше 0",
    "a date from 1900-03-01 on, YYYY-MM-DD or DD.MM.YYYY":
        "дата не раньше 01.03.1900: ГГГГ-ММ-ДД или ДД.ММ.ГГГГ",
    spoken_list((*VOCABULARY["en"].statuses, "blank"), "en"):
        spoken_list((*VOCABULARY["ru"].statuses, "пусто"), "ru"),
    "Lost or blank": "Проиграна или пусто",
    "Won or blank for a Closed deal": "Выиграна или пусто для закрытой сделки",
    "a Closed Date on or after the First Appointment Date":
        "дата закрытия не раньше даты первой встречи",
    "a First Appointment Date for a deal past Opportunity":
        "дата первой встречи для сделки дальше этапа «Возможность»",
    spoken_list(VOCABULARY["en"].stages, "en"): spoken_list(VOCABULARY["ru"].stages, "ru"),
    "stage Closed with status Open": "этап «Сделка» со статусом «Открыта»",
    "stage Closed with status Lost": "этап «Сделка» со статусом «Проиграна»",
    "error": "ошибка",
    "warning": "предупреждение",
    "the sales cycle is unknown: no won deal has both a First Appointment Date and a Closed "
    "Date, and Sales Cycle Days is not set; out-of-cycle flags are skipped":
        "цикл продаж неизвестен: ни у одной выигранной сделки нет обеих дат (первой встречи и "
        "закрытия), а «Цикл продаж, дней» не задан; флаги выхода за цикл не ставятся",
}
_PATTERNS = [
    (re.compile(r"^(\d+) deal\(s\) in rows of (.+) hidden by a filter are counted like the "
                r"others \(rows (.+)\)$"),
     "сделок в скрытых фильтром строках листа «{1}»: {0}, они учтены, как и остальные "
     "(строки {2})"),
    (re.compile(r"^duplicate Deal ID \(also in row (.+) and (\d+) more\)$"),
     "повтор ID сделки (также в строке {0} и ещё {1})"),
    (re.compile(r"^duplicate Deal ID \(also in row (.+)\)$"),
     "повтор ID сделки (также в строке {0})"),
    (re.compile(r"^a Deal ID used by no other row \((.+)\)$"),
     "ID, которого нет в других строках ({0})"),
    (re.compile(r"^(\d+) won deal\(s\) have no Closed Date and are not counted in the period$"),
     "выигранных сделок без даты закрытия, не учтённых в периоде: {0}"),
    (re.compile(r"^the period can no longer be reached through new first appointments: the "
                r"last useful first appointment was (.+)$"),
     "план периода уже не достичь новыми первыми встречами: последняя полезная первая встреча "
     "была {0}"),
]


def in_russian(text: str) -> str:
    """The Russian wording of a message, an expectation or a warning (unchanged if unknown)."""
    if text in _EXACT:
        return _EXACT[text]
    for pattern, template in _PATTERNS:
        match = pattern.match(text)
        if match:
            return template.format(*match.groups())
    return text
