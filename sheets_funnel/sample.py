"""Realistic sample deals, so a newcomer sees a full funnel at once."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from .vocabulary import VOCABULARY, Lang

_ACCOUNTS = {
    "en": ["Northwind Foods", "Contoso Retail", "Fabrikam Steel", "Tailspin Air", "Litware Labs",
           "Adatum Bank", "Wingtip Toys", "Proseware", "Coho Winery", "Fourth Coffee",
           "Alpine Ski House", "Blue Yonder", "Margie's Travel", "Trey Research",
           "Humongous Insurance", "Lakeshore Retail", "Graphic Design Institute", "Woodgrove Bank",
           "City Power & Light", "Relecloud", "VanArsdel", "Wide World Importers"],
    "ru": ["Северный ветер", "Контосо Ритейл", "Фабрикам Сталь", "Тейлспин Авиа", "Литвар Лабс",
           "Адатум Банк", "Вингтип Игрушки", "Просвер", "Кохо Вайнери", "Четвёртый кофе",
           "Альпийский дом", "Синяя даль", "Путешествия Марджи", "Трей Ресёрч",
           "Большое страхование", "Прибрежный ритейл", "Вудгроув Банк", "Городской свет",
           "Релеклауд", "Ван Арсдел", "Импорт со всего мира", "Сибирские сети"],
}
_OWNERS = {"en": ["Anna", "Boris", "Chen", "Dana"], "ru": ["Анна", "Борис", "Вера", "Глеб"]}
_STEPS = {
    "en": ["Discovery call", "Demo", "Proposal", "Budget call", "Contract review", "Site visit"],
    "ru": ["Звонок", "Демонстрация", "Предложение", "Обсуждение бюджета", "Договор", "Визит"],
}
#: Chance that a deal at each stage moves on to the next one.
_ADVANCE = (0.8, 0.7, 0.7, 0.75, 0.7)


def sample_deals(count: int, lang: Lang, as_of: dt.date, seed: int = 7) -> list[list[Any]]:
    """``count`` Pipeline rows in the template's column order, reproducible for a seed.

    Deals start over the nine months before ``as_of``; decided deals move
    through the stages at realistic rates and close after about two months;
    some open deals are overdue or out of cycle, so every flag shows up.
    """
    rng = random.Random(seed)
    stages, (s_open, s_won, s_lost) = VOCABULARY[lang].stages, VOCABULARY[lang].statuses
    rows: list[list[Any]] = []
    for n in range(count):
        created = as_of - dt.timedelta(days=int(rng.triangular(3, 270, 40)))
        age = (as_of - created).days
        fa = created + dt.timedelta(days=rng.randint(3, 14))
        stage = 0
        while stage < 5 and rng.random() < _ADVANCE[stage]:
            stage += 1
        cycle = max(20, int(rng.gauss(60, 15)))
        decided = age > cycle + 30 or rng.random() < 0.1
        value = rng.choice([3, 4, 5, 6, 8, 10, 12, 15, 20, 25]) * 1000
        row: list[Any] = [f"D-{n + 1:03d}", rng.choice(_ACCOUNTS[lang]), rng.choice(_OWNERS[lang]),
                          None, None, value, created, None, None, None, None]
        if stage == 5 and decided and fa + dt.timedelta(days=cycle) <= as_of:
            row[3], row[4], row[7], row[10] = stages[5], s_won, fa, fa + dt.timedelta(days=cycle)
        elif decided and stage < 5:
            row[3], row[4] = stages[stage], s_lost
            row[7] = fa if stage >= 1 else None
            end = min(as_of, (fa if stage else created) + dt.timedelta(days=rng.randint(5, 50)))
            row[10] = end
        else:
            stage = min(stage, 4)
            row[3], row[4] = stages[stage], s_open
            if stage >= 1 and fa <= as_of:
                row[7] = fa
            elif stage >= 1:
                row[3] = stages[0]
            if rng.random() > 0.12:
                row[8] = rng.choice(_STEPS[lang])
                row[9] = as_of + dt.timedelta(days=rng.randint(-10, 45))
        rows.append(row)
    return rows


def sample_settings(count: int, as_of: dt.date) -> dict[str, Any]:
    """Settings for a sample of ``count`` deals: a sales and a revenue target for the twelve
    months around ``as_of``, so there is time left to act."""
    target = max(1, count // 3)
    return {"sales_target": target, "revenue_target": target * 15000,
            "period_start": as_of - dt.timedelta(days=182),
            "period_end": as_of + dt.timedelta(days=182)}


def a_week_later(rows: list[list[Any]], lang: Lang, as_of: dt.date,
                 seed: int = 7) -> list[list[Any]]:
    """The sample's Pipeline rows as the team leaves them a week on, at ``as_of``: a few
    open deals moved on a stage (one of them won), one lost, two new opportunities.

    Rows are in the template's column order (as :func:`sample_deals` returns them); the
    input is not changed.
    """
    rng = random.Random(seed + 1)
    stages, (s_open, s_won, s_lost) = VOCABULARY[lang].stages, VOCABULARY[lang].statuses
    out = [list(row) for row in rows]
    open_rows = [row for row in out if row[4] == s_open]
    rng.shuffle(open_rows)
    by_stage = {name: n for n, name in enumerate(stages)}
    later = [row for row in open_rows if by_stage[row[3]] == 4][:1]  # a #3 deal is won
    later += [row for row in open_rows if by_stage[row[3]] < 4][:4]  # four move on
    for row in later:
        stage = by_stage[row[3]] + 1
        row[3] = stages[stage]
        if stage == 5:
            row[4], row[8], row[9] = s_won, None, None
            row[10] = as_of - dt.timedelta(days=2)
            continue
        if stage == 1:
            row[7] = as_of - dt.timedelta(days=rng.randint(1, 5))
        row[8] = rng.choice(_STEPS[lang])
        row[9] = as_of + dt.timedelta(days=rng.randint(3, 14))
    lost = next(row for row in open_rows if row not in later)
    lost[4], lost[8], lost[9], lost[10] = s_lost, None, None, as_of - dt.timedelta(days=1)
    for n in range(2):
        out.append([f"D-{len(rows) + n + 1:03d}", rng.choice(_ACCOUNTS[lang]),
                    rng.choice(_OWNERS[lang]), stages[0], s_open, rng.choice([5, 8, 12]) * 1000,
                    as_of - dt.timedelta(days=2), None, rng.choice(_STEPS[lang]),
                    as_of + dt.timedelta(days=5), None])
    return out
