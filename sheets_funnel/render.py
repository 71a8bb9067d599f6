"""FunnelResult → the contents of the owned tabs (Funnel, Focus, History).

The top of the Funnel tab has a fixed layout so the charts and formulas that
point into it stay valid after every refresh: the stage table is always
``A4:N11`` (header in row 4, the five stages in rows 5–9, Won in row 10 and
Lost in row 11). Column B holds how many deals reached each stage (the
funnel chart plots B5:B10), column C the open deals now (the second chart
plots C5:C9). The History tab keeps its columns in a fixed order too, so
its trend chart reads fixed columns.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np

from .cells import (
    Cell,
    Heading,
    Money,
    NumberHeading,
    OneDecimal,
    Percent,
    Ratio,
    Rows,
    as_text,
    fit_text,
    from_serial,
    is_blank,
    is_spreadsheet_day,
    parse_date,
    to_serial,
)
from .funnel import FunnelResult, OwnerSummary
from .labels import LABELS, STAGE_LABELS
from .messages_ru import in_russian
from .model import STAGES, Lang
from .movement import KINDS, DealState, Movement
from .parse import Issue

#: Rows of the Funnel tab's stage table (1-based, as the spreadsheet counts).
STAGE_TABLE_HEADER_ROW = 4
STAGE_TABLE_FIRST_ROW = 5
STAGE_TABLE_LAST_ROW = 10  # the Won row: the funnel chart plots rows 5–10
#: Columns of the stage table (1-based): reached (the funnel chart) and open deals now.
REACHED_COLUMN = 2
OPEN_COLUMN = 3
#: Column of the Focus tab holding the flag codes (1-based), for lookups.
FOCUS_FLAGS_COLUMN = 5
#: History columns (1-based) the trend chart plots against the as-of date in column A.
HISTORY_WON_IN_PERIOD_COLUMN = 10
HISTORY_EXPECTED_CLOSES_COLUMN = 12
#: What the first-appointment columns of the plan count: S1.
_FA = STAGES[1]


def _headings(*labels: str) -> list[Cell]:
    return [Heading(label) for label in labels]


def _table_header(first: str, *numbers: str, text: tuple[str, ...] = ()) -> list[Cell]:
    """A table's header: the row label, headings over numbers, then over text columns."""
    return [Heading(first), *(NumberHeading(n) for n in numbers), *(Heading(x) for x in text)]


def _opt(x: float | None) -> Cell:
    return None if x is None else x


def _pct(x: float | None) -> Cell:
    return None if x is None else Percent(x)


def _money(x: float | None) -> Cell:
    return None if x is None else Money(x)


def _ratio(x: float | None) -> Cell:
    return None if x is None else Ratio(x)


def _tenths(x: float | None) -> Cell:
    return None if x is None else OneDecimal(x)


def stage_label(stage: int, lang: Lang) -> str:
    """The name of stage 0–5 (5 is Won) on the owned tabs."""
    return LABELS[lang]["won"] if stage >= 5 else STAGE_LABELS[lang][stage]


def _stage_table(result: FunnelResult, lang: Lang) -> Rows:
    """Header, the five stages, Won and Lost: rows 4–11 of the Funnel tab."""
    t = LABELS[lang]
    plan = result.revenue
    rows: Rows = [_table_header(t["stage"], t["reached"], t["now"], t["advanced"], t["dropped"],
                                t["rate"], t["close_rate"], t["per_sale"],
                                t["plan_deals_needed"], t["plan_deals_full"],
                                t["plan_revenue_needed"], t["plan_revenue_full"],
                                text=("", t["note"]))]
    for s, name in enumerate(STAGES):
        conv = result.conversion[name]
        note = t["small_sample"].format(n=result.min_sample) if name in result.low_sample else None
        rows.append([STAGE_LABELS[lang][s], result.reached[name], result.stage_counts[name],
                     conv.advanced, conv.dropped, _pct(conv.rate), _pct(result.close_rate[name]),
                     _ratio(result.per_sale[name]), _opt(result.required[name]),
                     _opt(result.required_full[name]), _opt(plan.required[name]),
                     _opt(plan.required_full[name]), None, note])
    rows.append([t["won"], result.reached["Closed"], result.won])
    rows.append([t["lost"], None, result.lost])
    return rows


def _plan_block(result: FunnelResult, lang: Lang) -> Rows:
    """The forecast and the plan, in deals beside revenue."""
    t = LABELS[lang]
    plan = result.revenue
    measured = "—" if plan.average_deal_value_measured is None \
        else f"{plan.average_deal_value_measured:,.0f}"
    if lang == "ru":
        measured = measured.replace(",", "\u00a0")  # 14 875: Russian groups digits with spaces
    same = plan.average_deal_value == plan.average_deal_value_measured
    average_note = t["average_measured" if same else "average_from_settings"].format(
        value=measured)
    target: Cell = result.sales_target if result.sales_target is not None else t["no_target"]
    revenue_target: Cell = _money(plan.revenue_target) if plan.revenue_target is not None \
        else t["no_revenue_target"]
    return [
        _table_header(t["plan"], t["plan_deals"], t["plan_revenue"]),
        [t["target_row"], target, revenue_target],
        [t["won_in_period"], result.won_in_period, Money(plan.won_value_in_period)],
        [t["remaining"], _opt(result.remaining), _money(plan.remaining_value)],
        [t["forecast_row"], OneDecimal(result.expected_closes), Money(result.expected_value)],
        [t["gap"], _tenths(result.gap), _money(plan.gap_value)],
        [t["fa_needed"], _opt(result.required[_FA]), _opt(plan.required[_FA])],
        [t["fa_needed_full"], _opt(result.required_full[_FA]), _opt(plan.required_full[_FA])],
        [t["per_week"], _opt(result.first_appointments_per_week),
         _opt(plan.first_appointments_per_week)],
        [t["average_deal_value"], None, _money(plan.average_deal_value), None, average_note],
        [t["last_useful"], result.last_useful_first_appointment],
        [t["weeks_left"], _tenths(result.weeks_left)],
    ]


def team_per_week(result: FunnelResult) -> int | None:
    """The team's first appointments a week: the sales plan's, else the revenue plan's."""
    if result.first_appointments_per_week is not None:
        return result.first_appointments_per_week
    return result.revenue.first_appointments_per_week


def owner_pace(result: FunnelResult) -> dict[str, tuple[float | None, float | None]]:
    """Each owner's share of the open deals (0–1) and, from it, their share of the team's
    first appointments a week (None without open deals or without a pace)."""
    per_week = team_per_week(result)
    total = sum(result.stage_counts.values())
    pace: dict[str, tuple[float | None, float | None]] = {}
    for owner, o in result.owners.items():
        share = sum(o.stage_counts.values()) / total if total else None
        pace[owner] = (share, None if share is None or per_week is None else per_week * share)
    return pace


def _owners_block(result: FunnelResult, lang: Lang) -> Rows:
    """Each owner's counts, own ratio, share of the open deals and first appointments a week."""
    t = LABELS[lang]
    per_week = team_per_week(result)
    pace = owner_pace(result)
    note = (t["owners_note"].format(n=result.min_sample, per_week=per_week)
            if per_week is not None else t["owners_note_none"].format(n=result.min_sample))
    rows: Rows = [
        [Heading(t["owners"])],
        [note],
        _table_header(t["owner"], *STAGE_LABELS[lang], t["won"], t["lost"], t["won_in_period"],
                      t["flagged"], t["expected_closes"], t["fa_per_sale"], t["pipeline_share"],
                      t["fa_per_week_share"], text=("", t["team_rate_at"])),
    ]
    for owner, o in result.owners.items():
        share, weekly = pace[owner]
        rows.append([
            owner, *o.stage_counts.values(), o.won, o.lost, o.won_in_period, o.flagged,
            OneDecimal(o.expected_closes), _ratio(o.first_appointments_per_sale), _pct(share),
            _tenths(weekly), None, _team_stages(o, lang),
        ])
    return rows


def _team_stages(owner: OwnerSummary, lang: Lang) -> str | None:
    """The stages where the team's rate stood in for the owner's own, as text."""
    names = [STAGE_LABELS[lang][STAGES.index(s)] for s in owner.team_rate_used]
    return ", ".join(names) or None


def render_funnel(result: FunnelResult, issues: Sequence[Issue], lang: Lang,
                  movement: Movement | None = None) -> Rows:
    """The Funnel tab: stage table (reached, ratios, both plans), cycle, forecast and plan,
    owners, data issues, and (given ``movement``) what moved since the previous refresh."""
    t = LABELS[lang]
    rows: Rows = [
        [Heading(t["title"]), None, t["as_of"], result.as_of],
        [t["period"], result.period_start, t["to"], result.period_end],
        [t["rewritten"]],
        *_stage_table(result, lang),
        [],
        [t["explain_reached"]],
        [t["explain_rates"]],
        [t["explain_per_sale"]],
        [],
    ]
    cycle_note = t["cycle_measured_note"]
    if result.cycle_days is not None and result.cycle_days != result.cycle_days_measured:
        cycle_note = t["cycle_from_settings"]
    limit_note = None
    if result.cycle_limit is not None and result.cycle_days:
        limit_note = t["cycle_tolerance"].format(t=f"{result.cycle_limit / result.cycle_days:g}")
    rows += [
        [Heading(t["cycle"])],
        [t["cycle_days"], _opt(result.cycle_days) if result.cycle_days is not None
         else t["unknown"], None, cycle_note],
        [t["cycle_measured"], _opt(result.cycle_days_measured), None,
         t["cycle_sample"].format(n=result.cycle_sample)],
        [t["cycle_limit"], _opt(result.cycle_limit), None, limit_note],
        [],
        *_plan_block(result, lang),
        [],
        *_owners_block(result, lang),
        [],
    ]
    problems = [*issues]
    rows.append([Heading(f"{t['issues']} ({len(problems) + len(result.warnings)})")])
    if not problems and not result.warnings:
        rows.append([t["no_issues"]])
    else:
        rows.append(_headings(t["tab"], t["row"], t["column"], t["value"], t["problem"],
                              t["expected"], t["severity"]))
        words = in_russian if lang == "ru" else str
        for i in problems:  # a value or an expectation may quote a cell of any length
            rows.append([i.tab, i.row, i.column,
                         None if i.value is None else fit_text(as_text(i.value)),
                         fit_text(words(i.message)), fit_text(words(i.expected)) or None,
                         words(i.severity)])
        for w in result.warnings:
            rows.append([None, None, None, None, words(w), None, words("warning")])
    if movement is not None:
        rows += [[], *render_movement(movement, lang)]
    return rows


def _state_label(deal: DealState | None, lang: Lang) -> str | None:
    if deal is None:
        return None
    t = LABELS[lang]
    if deal.status == "lost":
        return f"{t['lost']} ({stage_label(deal.stage, lang)})"
    return stage_label(5 if deal.status == "won" else deal.stage, lang)


def render_movement(movement: Movement, lang: Lang) -> Rows:
    """The Funnel tab's movement section: counts by kind, then one row per deal that moved."""
    t = LABELS[lang]
    if movement.first:
        return [[Heading(t["movement"])], [t["movement_first"]]]
    title = (t["movement_since"].format(date=movement.since.isoformat())
             if movement.since is not None else t["movement"])
    counts = movement.counts()
    rows: Rows = [
        [Heading(f"{title} ({len(movement.moves)})")],
        _table_header(t["change"], t["movement_count"]),
    ]
    rows += [[t[f"move_{kind}"], counts[kind]] for kind in KINDS]
    if not movement.moves:
        rows.append([t["movement_none"]])
        return rows
    rows.append(_headings(t["change"], t["deal_id"], t["account"], t["owner"], t["from"],
                          t["to_now"]))
    for move in movement.moves:
        deal = move.deal
        rows.append([t[f"move_{move.kind}"], deal.deal_id, deal.account, deal.owner,
                     _state_label(move.before, lang), _state_label(move.after, lang)])
    return rows


def _sentence(code: str, nsd: float, fa: float, today: int, limit: float, lang: Lang) -> str:
    """The plain sentence of one flag code (CONTRACT §4.4)."""
    t = LABELS[lang]
    if code == "NEXT_STEP_OVERDUE":
        return t[code].format(date=from_serial(nsd).isoformat(), days=int(today - nsd))
    if code == "NEXT_STEP_OUT_OF_CYCLE":
        return t[code].format(date=from_serial(nsd).isoformat(),
                              days=math.ceil(nsd - fa - limit - 1e-9))
    if code == "OUT_OF_CYCLE":
        return t[code].format(date=from_serial(fa).isoformat(), days=int(today - fa),
                              limit=f"{limit:g}")
    return t[code]


#: The flag codes whose sentence quotes the next step date, and the first appointment.
_QUOTE_NEXT_STEP = frozenset({"NEXT_STEP_OVERDUE", "NEXT_STEP_OUT_OF_CYCLE"})
_QUOTE_FIRST_APPOINTMENT = frozenset({"NEXT_STEP_OUT_OF_CYCLE", "OUT_OF_CYCLE"})


def _flag_columns(codes: list[tuple[str, ...]], nsd: list[float], fa: list[float], today: int,
                  limit: float, lang: Lang) -> tuple[list[str], list[str]]:
    """The Flags and Details columns of the Focus tab: each row's codes, and their
    sentences. A long Focus tab repeats a few code combinations over a few hundred distinct
    dates: each distinct combination with the dates its sentences quote is written once,
    and each sentence once."""
    combos = {c: (not _QUOTE_NEXT_STEP.isdisjoint(c), not _QUOTE_FIRST_APPOINTMENT.isdisjoint(c))
              for c in dict.fromkeys(codes)}
    keys = [(c, n if combos[c][0] else 0.0, f if combos[c][1] else 0.0)
            for c, n, f in zip(codes, nsd, fa, strict=True)]
    sentences: dict[tuple[str, float, float], str] = {}

    def sentence(code: str, next_step: float, first: float) -> str:
        key = (code, next_step if code in _QUOTE_NEXT_STEP else 0.0,
               first if code in _QUOTE_FIRST_APPOINTMENT else 0.0)
        found = sentences.get(key)
        if found is None:
            found = sentences[key] = _sentence(code, next_step, first, today, limit, lang)
        return found

    texts = {key: "; ".join(sentence(c, key[1], key[2]) for c in key[0])
             for key in dict.fromkeys(keys)}
    flags = {c: ", ".join(c) for c in combos}
    return list(map(flags.__getitem__, codes)), list(map(texts.__getitem__, keys))


def render_focus(result: FunnelResult, lang: Lang) -> Rows:
    """The Focus tab: one row per flagged deal, worst first."""
    t = LABELS[lang]
    rows: Rows = [_headings(t["deal_id"], t["account"], t["owner"], t["stage"], t["flags"],
                            t["details"], t["cycle_end"], t["next_step_date"],
                            t["first_appointment"], t["value"])]
    focus = result.focus
    if focus.empty:
        return rows
    ids, accounts, owners, stages, codes = (focus[name].tolist() for name in (
        "deal_id", "account", "owner", "stage", "codes"))
    labels = {stage: stage_label(stage, lang) for stage in set(stages)}
    flags, details = _flag_columns(
        codes, focus["next_step_date"].tolist(), focus["first_appointment"].tolist(),
        (result.as_of - from_serial(0)).days, result.cycle_limit or 0.0, lang)
    days = [_days(focus[name].to_numpy(dtype=float))
            for name in ("cycle_end", "next_step_date", "first_appointment")]
    values = [None if value != value else value  # NaN: no value
              for value in focus["value"].tolist()]
    rows += map(list, zip(ids, accounts, owners, map(labels.__getitem__, stages), flags,
                          details, *days, values, strict=True))
    return rows


def _days(serials: np.ndarray) -> list[dt.date | None]:
    """Serial day numbers as dates (None for NaN), each distinct day worked out once: a long
    Focus tab holds a few hundred distinct days in tens of thousands of cells."""
    distinct, where = np.unique(serials, return_inverse=True)
    found = [None if math.isnan(serial) else from_serial(serial) for serial in distinct.tolist()]
    return [found[n] for n in where.tolist()]


def history_header(lang: Lang) -> list[Cell]:
    """The History tab's header row."""
    t = LABELS[lang]
    return _table_header(t["as_of"], t["deals"], *STAGE_LABELS[lang], t["won"], t["lost"],
                         t["won_in_period"], t["flagged"], t["expected_closes"],
                         t["expected_value"], t["sales_target"], t["gap"], t["cycle_days"],
                         t["fa_per_week"], t["close_rate_fa"], t["fa_per_sale"],
                         t["revenue_target"], t["won_value_in_period"], t["gap_value"],
                         t["revenue_per_week"])


def render_history(result: FunnelResult, old: Rows, lang: Lang) -> Rows:
    """The History tab: earlier rows kept, this as-of date's row added or replaced."""
    today = (result.as_of - from_serial(0)).days
    plan = result.revenue
    kept: list[tuple[float, int, list[Cell]]] = []
    for n, row in enumerate(old[1:]):
        if not row or all(is_blank(c) for c in row):
            continue
        serial = parse_date(row[0])
        if serial == today:
            continue
        kept.append((math.inf if serial is None else serial, n, list(row)))
    new_row: list[Cell] = [
        result.as_of, result.deals, *result.stage_counts.values(), result.won, result.lost,
        result.won_in_period, len(result.flags), round(result.expected_closes, 4),
        Money(round(result.expected_value, 2)), _opt(result.sales_target),
        None if result.gap is None else round(result.gap, 4), _opt(result.cycle_days),
        _opt(result.first_appointments_per_week), _pct(result.close_rate[_FA]),
        _ratio(result.per_sale[_FA]), _money(plan.revenue_target),
        Money(plan.won_value_in_period), _money(plan.gap_value),
        _opt(plan.first_appointments_per_week),
    ]
    kept.append((today, len(old), new_row))
    kept.sort(key=lambda item: (item[0], item[1]))
    return [history_header(lang), *(_dated(row) for _, _, row in kept)]


def _dated(row: list[Cell]) -> list[Cell]:
    """A History row with its as-of cell as a date, whatever form it was read in."""
    serial = parse_date(row[0]) if row else None
    if serial is not None and not isinstance(row[0], dt.date):
        return [from_serial(serial), *row[1:]]
    return row


def render_tabs(result: FunnelResult, issues: Sequence[Issue], lang: Lang,
                names: tuple[str, str, str, str], history: Rows,
                movement: Movement | None = None, state: Rows | None = None) -> dict[str, Rows]:
    """All owned tabs keyed by their names (Funnel, Focus, History, and the state tab when
    its ``state`` rows are given)."""
    funnel, focus, hist, state_tab = names
    tabs = {
        funnel: _shown_dates(render_funnel(result, issues, lang, movement)),
        focus: render_focus(result, lang),  # its dates come from valid Pipeline dates
        hist: _shown_dates(render_history(result, history, lang)),
    }
    if state is not None:
        tabs[state_tab] = _shown_dates(state)
    return tabs


def _shown_dates(rows: Rows) -> Rows:
    """The rows with each date no spreadsheet shows alike (before 1900-03-01, as an early
    ``--as-of`` or a huge cycle can give) as ISO text, never as a date cell."""
    return [[c.isoformat() if isinstance(c, dt.date) and not is_spreadsheet_day(to_serial(c))
             else c for c in row] for row in rows]
