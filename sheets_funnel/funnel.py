"""The numbers of Schiffman's funnel (CONTRACT §4), computed from typed deals.

Pure: no file, network or clock. Dates are spreadsheet serial day numbers
(see :mod:`sheets_funnel.cells`); every count is a whole number of deals.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .cells import from_serial, to_serial
from .model import FLAG_CODES, STAGES
from .parse import Issue, Settings, period_of

_EPS = 1e-9


def ceil(x: float) -> int:
    """Round up, ignoring float noise below 1e-9 (CONTRACT §4.6)."""
    return math.ceil(x - _EPS)


@dataclass(frozen=True)
class Conversion:
    """How many deals moved past a stage, how many were lost at it, and the rate."""

    advanced: int
    dropped: int
    rate: float | None


@dataclass(frozen=True)
class OwnerSummary:
    """One owner's deals (CONTRACT §4.7) and own ratios (§4.10)."""

    stage_counts: dict[str, int]
    won: int
    lost: int
    won_in_period: int
    flagged: int
    expected_closes: float
    conversion: dict[str, Conversion] = field(default_factory=dict)
    #: Product of the working rates (own where the sample is big enough, else the team's).
    close_rate: dict[str, float | None] = field(default_factory=dict)
    #: Stages where the owner's own sample was under Min Sample and the team's rate stood in.
    team_rate_used: list[str] = field(default_factory=list)
    #: First appointments per sale (1 / close_rate at First Appointment), or None.
    first_appointments_per_sale: float | None = None


@dataclass(frozen=True)
class RevenuePlan:
    """The revenue plan of CONTRACT §4.9; money in the Value column's units."""

    revenue_target: float | None
    average_deal_value: float | None
    average_deal_value_measured: float | None
    won_value_in_period: float
    remaining_value: float | None
    gap_value: float | None
    required: dict[str, int | None]
    required_full: dict[str, int | None]
    first_appointments_per_week: int | None


@dataclass
class FunnelResult:
    """Every figure of CONTRACT §4 for one pipeline on one as-of date."""

    as_of: dt.date
    period_start: dt.date
    period_end: dt.date
    deals: int
    stage_counts: dict[str, int]
    won: int
    lost: int
    conversion: dict[str, Conversion]
    close_rate: dict[str, float | None]
    low_sample: list[str]
    min_sample: int
    cycle_days: float | None
    cycle_days_measured: float | None
    cycle_sample: int
    cycle_limit: float | None
    flags: dict[str, list[str]]
    focus: pd.DataFrame
    expected_closes: float
    expected_value: float
    sales_target: float | None
    won_in_period: int
    remaining: float | None
    gap: float | None
    required: dict[str, int | None]
    required_full: dict[str, int | None]
    last_useful_first_appointment: dt.date | None
    weeks_left: float | None
    first_appointments_per_week: int | None
    owners: dict[str, OwnerSummary]
    #: Deals in the window whose furthest stage is this one or later (S0–S4, then "Closed").
    reached: dict[str, int]
    #: Deals needed at a stage for one sale (1 / close rate), or None.
    per_sale: dict[str, float | None]
    revenue: RevenuePlan
    warnings: list[str] = field(default_factory=list)
    #: The row issues of the data the figures come from (filled in by a refresh).
    issues: list[Issue] = field(default_factory=list)

    def stage_table(self) -> pd.DataFrame:
        """The stage table as a DataFrame (see :func:`sheets_funnel.tables.stage_table`)."""
        from .tables import stage_table

        return stage_table(self)

    def owners_table(self) -> pd.DataFrame:
        """One row per owner (see :func:`sheets_funnel.tables.owners_table`)."""
        from .tables import owners_table

        return owners_table(self)

    def focus_table(self) -> pd.DataFrame:
        """The flagged deals with real dates (see :func:`sheets_funnel.tables.focus_table`)."""
        from .tables import focus_table

        return focus_table(self)

    def to_summary(self, written: Sequence[str] = ()) -> dict[str, Any]:
        """The ``--json`` summary of CONTRACT §5, with this result's issues."""
        from .summary import to_summary

        return to_summary(self, self.issues, written)


def compute(deals: pd.DataFrame, settings: Settings, as_of: dt.date) -> FunnelResult:
    """Compute the funnel for the valid deals of a pipeline as of a date."""
    today = float(to_serial(as_of))
    start, end = period_of(settings, as_of)
    stage = deals["stage"].to_numpy(dtype=np.int64)
    status = deals["status"].to_numpy(dtype=object)
    is_open = status == "open"
    is_won = status == "won"
    is_lost = status == "lost"
    created = deals["created"].to_numpy(dtype=np.float64)
    fa = deals["first_appointment"].to_numpy(dtype=np.float64)
    nsd = deals["next_step_date"].to_numpy(dtype=np.float64)
    closed = deals["closed"].to_numpy(dtype=np.float64)
    value = np.nan_to_num(deals["value"].to_numpy(dtype=np.float64))
    warnings: list[str] = []

    window = np.ones(len(deals), dtype=bool)
    if settings.lookback_days is not None:
        window = np.isnan(created) | (created >= today - settings.lookback_days)

    conversion, rates = _conversion(stage, is_lost, window)
    close_rate = _close_rates(rates)
    low_sample = [
        STAGES[s] for s in range(5)
        if conversion[STAGES[s]].advanced + conversion[STAGES[s]].dropped < settings.min_sample
    ]  # fmt: skip

    spans = (closed - fa)[is_won & window & ~np.isnan(closed) & ~np.isnan(fa)]
    measured = float(np.median(spans)) if len(spans) else None
    cycle_days = settings.cycle_days if settings.cycle_days is not None else measured
    cycle_limit = None if cycle_days is None else cycle_days * settings.cycle_tolerance
    if cycle_days is None:
        warnings.append(
            "the sales cycle is unknown: no won deal has both a First Appointment Date and a "
            "Closed Date, and Sales Cycle Days is not set; out-of-cycle flags are skipped"
        )

    codes = _flag_masks(stage, is_open, fa, nsd, today, cycle_limit)
    flagged = np.zeros(len(deals), dtype=bool)
    for mask in codes.values():
        flagged |= mask
    out_of_cycle = codes["NEXT_STEP_OUT_OF_CYCLE"] | codes["OUT_OF_CYCLE"]

    cr = np.array([np.nan if r is None else r for r in close_rate.values()] + [np.nan])
    in_cycle = is_open & (stage <= 4) & ~out_of_cycle
    deal_cr = np.where(in_cycle, np.nan_to_num(cr[np.clip(stage, 0, 5)]), 0.0)
    expected_closes = float(deal_cr.sum())
    expected_value = float((deal_cr * value).sum())

    in_period = is_won & (closed >= start) & (closed <= end)
    won_in_period = int(in_period.sum())
    undated = int((is_won & np.isnan(closed)).sum())
    if undated:
        warnings.append(
            f"{undated} won deal(s) have no Closed Date and are not counted in the period"
        )

    target = settings.sales_target
    remaining = gap = None
    required: dict[str, int | None] = dict.fromkeys(STAGES)
    required_full: dict[str, int | None] = dict.fromkeys(STAGES)
    if target is not None:
        remaining = max(0.0, target - won_in_period)
        gap = max(0.0, remaining - expected_closes)
        required, required_full = _plan(gap, target, close_rate)

    last_useful = weeks_left = None
    if cycle_days is not None:
        last_useful = end - ceil(cycle_days)
        weeks_left = (last_useful - today) / 7
        if weeks_left <= 0:
            weeks_left = None
            if target is not None or settings.revenue_target is not None:
                warnings.append(
                    "the period can no longer be reached through new first appointments: the "
                    f"last useful first appointment was {from_serial(last_useful).isoformat()}"
                )
    per_week = _per_week(required[STAGES[1]], weeks_left)

    won_value = deals["value"].to_numpy(dtype=np.float64)[is_won & window]
    won_value = won_value[~np.isnan(won_value)]
    revenue = _revenue_plan(
        settings, float(won_value.mean()) if len(won_value) else None,
        float(value[in_period].sum()), expected_value, close_rate, weeks_left,
    )

    focus = _focus_table(deals, codes, flagged, fa, cycle_limit)
    flags = dict(zip(focus["deal_id"].tolist(), map(list, focus["codes"].tolist()), strict=True))
    owners = _owners(deals, stage, is_open, is_won, is_lost, in_period, flagged, deal_cr,
                     window, rates, settings.min_sample)
    return FunnelResult(
        as_of=as_of,
        period_start=from_serial(start),
        period_end=from_serial(end),
        deals=len(deals),
        stage_counts=_stage_counts(stage[is_open]),
        won=int(is_won.sum()),
        lost=int(is_lost.sum()),
        conversion=conversion,
        close_rate=close_rate,
        low_sample=low_sample,
        min_sample=settings.min_sample,
        cycle_days=cycle_days,
        cycle_days_measured=measured,
        cycle_sample=len(spans),
        cycle_limit=cycle_limit,
        flags=flags,
        focus=focus,
        expected_closes=expected_closes,
        expected_value=expected_value,
        sales_target=target,
        won_in_period=won_in_period,
        remaining=remaining,
        gap=gap,
        required=required,
        required_full=required_full,
        last_useful_first_appointment=None if last_useful is None else from_serial(last_useful),
        weeks_left=weeks_left,
        first_appointments_per_week=per_week,
        owners=owners,
        reached=_reached(stage[window]),
        per_sale={name: 1 / rate if rate else None for name, rate in close_rate.items()},
        revenue=revenue,
        warnings=warnings,
    )


def _plan(
    gap: float, full: float, rates: dict[str, float | None], unit: float = 1.0
) -> tuple[dict[str, int | None], dict[str, int | None]]:
    """Deals needed at each stage for ``gap`` and for ``full`` sales worth ``unit`` each
    (CONTRACT §4.6, §4.9): None where the close rate or the unit is None or 0."""
    required: dict[str, int | None] = dict.fromkeys(STAGES)
    required_full: dict[str, int | None] = dict.fromkeys(STAGES)
    for name, rate in rates.items():
        if rate and unit:
            required[name] = ceil(gap / (unit * rate))
            required_full[name] = ceil(full / (unit * rate))
    return required, required_full


def _per_week(first_appointments: int | None, weeks_left: float | None) -> int | None:
    """First appointments a week to book the ones still needed before the last useful day."""
    if first_appointments is None or weeks_left is None:
        return None
    return ceil(first_appointments / weeks_left)


def _revenue_plan(
    settings: Settings, measured: float | None, won_value: float, expected_value: float,
    rates: dict[str, float | None], weeks_left: float | None,
) -> RevenuePlan:
    """The revenue plan (CONTRACT §4.9); all None but the averages and the won value
    without a Revenue Target."""
    average = measured if settings.average_deal_value is None \
        else float(settings.average_deal_value)
    target = settings.revenue_target
    if target is None:
        return RevenuePlan(None, average, measured, won_value, None, None,
                           dict.fromkeys(STAGES), dict.fromkeys(STAGES), None)
    remaining = max(0.0, target - won_value)
    gap = max(0.0, remaining - expected_value)
    required, required_full = _plan(gap, target, rates, average or 0.0)
    return RevenuePlan(
        revenue_target=float(target),
        average_deal_value=average,
        average_deal_value_measured=measured,
        won_value_in_period=won_value,
        remaining_value=remaining,
        gap_value=gap,
        required=required,
        required_full=required_full,
        first_appointments_per_week=_per_week(required[STAGES[1]], weeks_left),
    )


def _reached(stages: np.ndarray) -> dict[str, int]:
    """Deals whose furthest stage is s or later, S0–S5 (CONTRACT §4.8)."""
    at = np.bincount(stages, minlength=6)
    reached = np.cumsum(at[::-1])[::-1]
    return {name: int(reached[s]) for s, name in enumerate((*STAGES, "Closed"))}


def _stage_counts(stages: np.ndarray) -> dict[str, int]:
    counts = np.bincount(stages[stages <= 4], minlength=5)
    return {name: int(counts[s]) for s, name in enumerate(STAGES)}


def _conversion(
    stage: np.ndarray, is_lost: np.ndarray, window: np.ndarray
) -> tuple[dict[str, Conversion], list[float | None]]:
    return _conversion_from(np.bincount(stage[window], minlength=6),
                            np.bincount(stage[window & is_lost], minlength=6))


def _conversion_from(
    at_or_past: np.ndarray, dropped_at: np.ndarray
) -> tuple[dict[str, Conversion], list[float | None]]:
    """Conversion per stage from deal counts per furthest stage 0–5 and lost per stage."""
    result: dict[str, Conversion] = {}
    rates: list[float | None] = []
    for s, name in enumerate(STAGES):
        advanced = int(at_or_past[s + 1 :].sum())
        dropped = int(dropped_at[s])
        rate = advanced / (advanced + dropped) if advanced + dropped else None
        result[name] = Conversion(advanced, dropped, rate)
        rates.append(rate)
    return result, rates


def _close_rates(rates: list[float | None]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for s, name in enumerate(STAGES):
        product: float | None = 1.0
        for rate in rates[s:]:
            product = None if rate is None or product is None else product * rate
        out[name] = product
    return out


def _flag_masks(
    stage: np.ndarray, is_open: np.ndarray, fa: np.ndarray, nsd: np.ndarray,
    today: float, cycle_limit: float | None,
) -> dict[str, np.ndarray]:
    eligible = is_open & (stage >= 1) & (stage <= 4)
    no_next = np.isnan(nsd)
    with np.errstate(invalid="ignore"):
        masks = {
            "NO_NEXT_STEP": eligible & no_next,
            "NEXT_STEP_OVERDUE": eligible & (nsd < today),
            "NEXT_STEP_OUT_OF_CYCLE": np.zeros_like(eligible),
            "OUT_OF_CYCLE": np.zeros_like(eligible),
        }
        if cycle_limit is not None:
            masks["NEXT_STEP_OUT_OF_CYCLE"] = eligible & (nsd - fa > cycle_limit)
            masks["OUT_OF_CYCLE"] = eligible & (today - fa > cycle_limit)
    return masks


_WEIGHT = {"OUT_OF_CYCLE": 8, "NEXT_STEP_OUT_OF_CYCLE": 4, "NEXT_STEP_OVERDUE": 2,
           "NO_NEXT_STEP": 1}  # fmt: skip
#: Every combination of codes, indexed by its bit mask (bit i set: FLAG_CODES[i] holds).
_COMBOS = [[c for i, c in enumerate(FLAG_CODES) if mask >> i & 1] for mask in range(16)]


def _focus_table(
    deals: pd.DataFrame, codes: dict[str, np.ndarray], flagged: np.ndarray,
    fa: np.ndarray, cycle_limit: float | None,
) -> pd.DataFrame:
    """The flagged deals, worst first: heaviest codes, then oldest first appointment, then
    highest value (a blank first appointment or value after the others), then row.

    The order is worked out on those four columns alone and the deals taken in it once.
    """
    mask = np.zeros(len(deals), dtype=np.int64)
    score = np.zeros(len(deals), dtype=np.int64)
    for bit, code in enumerate(FLAG_CODES):
        mask |= codes[code].astype(np.int64) << bit
        score += codes[code] * _WEIGHT[code]
    chosen = np.flatnonzero(flagged)
    first = fa[chosen]
    value = deals["value"].to_numpy(dtype=np.float64)[chosen]
    # np.lexsort sorts by its last key first, and keeps ties in order
    order = chosen[np.lexsort((
        deals["row"].to_numpy()[chosen],
        -np.nan_to_num(value), np.isnan(value),  # highest first, blanks last
        np.nan_to_num(first), np.isnan(first),  # oldest first, blanks last
        -score[chosen],
    ))]
    rows = deals.take(order).reset_index(drop=True)
    combos = np.empty(16, dtype=object)
    combos[:] = [tuple(c) for c in _COMBOS]
    rows["codes"] = combos[mask[order]]
    rows["score"] = score[order]
    offset = math.floor(cycle_limit) if cycle_limit is not None else np.nan
    rows["cycle_end"] = fa[order] + offset
    return rows


def _owners(
    deals: pd.DataFrame, stage: np.ndarray, is_open: np.ndarray, is_won: np.ndarray,
    is_lost: np.ndarray, in_period: np.ndarray, flagged: np.ndarray, deal_cr: np.ndarray,
    window: np.ndarray, team_rates: list[float | None], min_sample: int,
) -> dict[str, OwnerSummary]:
    if deals.empty:
        return {}
    codes, names = pd.factorize(deals["owner"].to_numpy(dtype=object), sort=True)
    n = len(names)

    def per_owner(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = None if weights is None else weights[mask]
        return np.bincount(codes[mask], weights=w, minlength=n)

    def by_stage(mask: np.ndarray) -> np.ndarray:
        """Deals per owner (rows) and furthest stage 0–5 (columns)."""
        return np.bincount(codes[mask] * 6 + stage[mask], minlength=n * 6).reshape(n, 6)

    open_at = by_stage(is_open & (stage <= 4))
    at_or_past = by_stage(window)
    dropped_at = by_stage(window & is_lost)
    won, lost = per_owner(is_won), per_owner(is_lost)
    won_in_period, n_flagged = per_owner(in_period), per_owner(flagged)
    expected = per_owner(np.ones(len(deals), dtype=bool), deal_cr)
    owners: dict[str, OwnerSummary] = {}
    for k, owner in enumerate(names):
        conversion, own_rates = _conversion_from(at_or_past[k], dropped_at[k])
        working: list[float | None] = []
        team_used: list[str] = []
        for s, name in enumerate(STAGES):
            decided = conversion[name].advanced + conversion[name].dropped
            if decided >= min_sample and decided > 0:
                working.append(own_rates[s])
            else:
                working.append(team_rates[s])
                team_used.append(name)
        close_rate = _close_rates(working)
        fa_rate = close_rate[STAGES[1]]
        owners[str(owner)] = OwnerSummary(
            stage_counts={name: int(open_at[k, s]) for s, name in enumerate(STAGES)},
            won=int(won[k]),
            lost=int(lost[k]),
            won_in_period=int(won_in_period[k]),
            flagged=int(n_flagged[k]),
            expected_closes=float(expected[k]),
            conversion=conversion,
            close_rate=close_rate,
            team_rate_used=team_used,
            first_appointments_per_sale=1 / fa_rate if fa_rate else None,
        )
    return owners


__all__ = ["Conversion", "FunnelResult", "OwnerSummary", "RevenuePlan", "ceil", "compute"]
