"""FunnelResult → the ``--json`` summary of CONTRACT §5."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .funnel import Conversion, FunnelResult
from .parse import Issue


def _date(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _count(x: float | None) -> int | float | None:
    """A whole number as int (10.0 → 10), anything else unchanged."""
    if x is not None and float(x).is_integer():
        return int(x)
    return x


def _conversion(conversion: dict[str, Conversion]) -> dict[str, Any]:
    return {
        name: {"advanced": c.advanced, "dropped": c.dropped, "rate": c.rate}
        for name, c in conversion.items()
    }


def to_summary(
    result: FunnelResult, issues: Sequence[Issue], written: Sequence[str]
) -> dict[str, Any]:
    """The JSON-ready summary: the keys and types of CONTRACT §5, in its order."""
    revenue = result.revenue
    return {
        "as_of": result.as_of.isoformat(),
        "period": {"start": _date(result.period_start), "end": _date(result.period_end)},
        "deals": result.deals,
        "stage_counts": dict(result.stage_counts),
        "won": result.won,
        "lost": result.lost,
        "conversion": _conversion(result.conversion),
        "close_rate": dict(result.close_rate),
        "low_sample": list(result.low_sample),
        "cycle_days": result.cycle_days,
        "cycle_days_measured": result.cycle_days_measured,
        "cycle_sample": result.cycle_sample,
        "flags": {k: list(v) for k, v in result.flags.items()},
        "forecast": {
            "expected_closes": result.expected_closes,
            "expected_value": result.expected_value,
        },
        "target": {
            "sales_target": _count(result.sales_target),
            "won_in_period": result.won_in_period,
            "remaining": _count(result.remaining),
            "gap": result.gap,
        },
        "required": dict(result.required),
        "required_full": dict(result.required_full),
        "last_useful_first_appointment": _date(result.last_useful_first_appointment),
        "first_appointments_per_week": result.first_appointments_per_week,
        "owners": {
            owner: {
                "stage_counts": dict(o.stage_counts),
                "won": o.won,
                "lost": o.lost,
                "won_in_period": o.won_in_period,
                "flagged": o.flagged,
                "expected_closes": o.expected_closes,
                "conversion": _conversion(o.conversion),
                "close_rate": dict(o.close_rate),
                "team_rate_used": list(o.team_rate_used),
                "first_appointments_per_sale": o.first_appointments_per_sale,
            }
            for owner, o in result.owners.items()
        },
        "reached": dict(result.reached),
        "per_sale": dict(result.per_sale),
        "revenue": {
            "revenue_target": revenue.revenue_target,
            "average_deal_value": revenue.average_deal_value,
            "average_deal_value_measured": revenue.average_deal_value_measured,
            "won_value_in_period": revenue.won_value_in_period,
            "remaining_value": revenue.remaining_value,
            "gap_value": revenue.gap_value,
            "required": dict(revenue.required),
            "required_full": dict(revenue.required_full),
            "first_appointments_per_week": revenue.first_appointments_per_week,
        },
        "issues": [i.to_json() for i in issues],
        "warnings": list(result.warnings),
        "written": list(written),
    }
