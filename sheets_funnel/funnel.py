"""The numbers of Schiffman's funnel (CONTRACT §4), computed from typed deals.

Pure: no file, network or clock. Dates are spreadsheet serial day numbers
(see :mod:`sheets_funnel.cells`); every count is a whole number of deals.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .cells import from_serial, to_serial
from .model import FLAG_CODES, STAGES
from .parse import Settings, period_of

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
    """One owner's deals (CONTRACT §4.7)."""

    stage_counts: dict[str, int]
    won: int
    lost: int
    won_in_period: int
    flagged: int
    expected_closes: float


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
    warnings: list[str] = field(default_factory=list)


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
    last_useful = weeks_left = per_week = None
    if target is not None:
        remaining = max(0.0, target - won_in_period)
        gap = max(0.0, remaining - expected_closes)
        for name, rate in close_rate.items():
            if rate:
                required[name] = ceil(gap / rate)
                required_full[name] = ceil(target / rate)
        if cycle_days is not None:
            last_useful = end - ceil(cycle_days)
            weeks_left = (last_useful - today) / 7
            if weeks_left <= 0:
                weeks_left = None
                warnings.append(
                    "the period can no longer be reached through new first appointments: the "
                    f"last useful first appointment was {from_serial(last_useful).isoformat()}"
                )
            elif required[STAGES[1]] is not None:
                per_week = ceil(required[STAGES[1]] / weeks_left)  # type: ignore[operator]

    focus = _focus_table(deals, codes, flagged, fa, cycle_limit)
    flags = {
        deal: list(c)
        for deal, c in zip(focus["deal_id"].tolist(), focus["codes"].tolist(), strict=True)
    }
    owners = _owners(deals, stage, is_open, is_won, is_lost, in_period, flagged, deal_cr)
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
        warnings=warnings,
    )


def _stage_counts(stages: np.ndarray) -> dict[str, int]:
    counts = np.bincount(stages[stages <= 4], minlength=5)
    return {name: int(counts[s]) for s, name in enumerate(STAGES)}


def _conversion(
    stage: np.ndarray, is_lost: np.ndarray, window: np.ndarray
) -> tuple[dict[str, Conversion], list[float | None]]:
    at_or_past = np.bincount(stage[window], minlength=6)
    dropped_at = np.bincount(stage[window & is_lost], minlength=6)
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
    """The flagged deals, worst first: heaviest codes, then oldest first appointment."""
    mask = np.zeros(len(deals), dtype=np.int64)
    score = np.zeros(len(deals), dtype=np.int64)
    for bit, code in enumerate(FLAG_CODES):
        mask |= codes[code].astype(np.int64) << bit
        score += codes[code] * _WEIGHT[code]
    rows = deals.loc[flagged].copy()
    combos = np.empty(16, dtype=object)
    combos[:] = [tuple(c) for c in _COMBOS]
    rows["codes"] = combos[mask[flagged]]
    rows["score"] = score[flagged]
    offset = math.floor(cycle_limit) if cycle_limit is not None else np.nan
    rows["cycle_end"] = fa[flagged] + offset
    rows = rows.sort_values(
        ["score", "first_appointment", "value", "row"],
        ascending=[False, True, False, True],
        na_position="last",
        kind="stable",
    )
    return rows.reset_index(drop=True)


def _owners(
    deals: pd.DataFrame, stage: np.ndarray, is_open: np.ndarray, is_won: np.ndarray,
    is_lost: np.ndarray, in_period: np.ndarray, flagged: np.ndarray, deal_cr: np.ndarray,
) -> dict[str, OwnerSummary]:
    if deals.empty:
        return {}
    frame = pd.DataFrame({
        "owner": deals["owner"].to_numpy(dtype=object),
        "won": is_won, "lost": is_lost, "won_in_period": in_period,
        "flagged": flagged, "expected_closes": deal_cr,
    })  # fmt: skip
    for s, name in enumerate(STAGES):
        frame[name] = is_open & (stage == s)
    totals = frame.groupby("owner", sort=True).sum()
    return {
        str(owner): OwnerSummary(
            stage_counts={name: int(row[name]) for name in STAGES},
            won=int(row["won"]),
            lost=int(row["lost"]),
            won_in_period=int(row["won_in_period"]),
            flagged=int(row["flagged"]),
            expected_closes=float(row["expected_closes"]),
        )
        for owner, row in totals.iterrows()
    }


__all__ = ["Conversion", "FunnelResult", "OwnerSummary", "ceil", "compute"]
