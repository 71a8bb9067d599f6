"""FunnelResult → pandas DataFrames: the stage table, the owners and the flagged deals.

Dates are real dates (``datetime64``, NaT when blank); stages go by their
standard names; missing figures are NaN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .cells import EPOCH
from .model import STAGES

if TYPE_CHECKING:
    from .funnel import FunnelResult

_STAGE_NAMES = (*STAGES, "Closed")


def _dates(serials: pd.Series) -> pd.Series:
    """Serial day numbers (NaN when blank) as datetime64 dates."""
    return pd.to_datetime(serials.astype(np.float64), unit="D", origin=pd.Timestamp(EPOCH))


def _opt(x: float | None) -> float:
    return np.nan if x is None else float(x)


def stage_table(result: FunnelResult) -> pd.DataFrame:
    """One row per stage, Opportunity to #3, indexed by stage name.

    Columns: open deals, advanced, dropped, rate, close_rate, required,
    required_full, reached and per_sale (CONTRACT §4.1–4.8).
    """
    rows = []
    for name in STAGES:
        conv = result.conversion[name]
        rows.append({
            "open": result.stage_counts[name], "advanced": conv.advanced,
            "dropped": conv.dropped, "rate": _opt(conv.rate),
            "close_rate": _opt(result.close_rate[name]), "required": _opt(result.required[name]),
            "required_full": _opt(result.required_full[name]), "reached": result.reached[name],
            "per_sale": _opt(result.per_sale[name]),
        })
    return pd.DataFrame(rows, index=pd.Index(list(STAGES), name="stage"))


def owners_table(result: FunnelResult) -> pd.DataFrame:
    """One row per owner (CONTRACT §4.7, §4.10), indexed by owner.

    Columns: the open deals at each stage, won, lost, won_in_period, flagged,
    expected_closes and first_appointments_per_sale.
    """
    rows = []
    for o in result.owners.values():
        rows.append({**{name: o.stage_counts[name] for name in STAGES}, "won": o.won,
                     "lost": o.lost, "won_in_period": o.won_in_period, "flagged": o.flagged,
                     "expected_closes": o.expected_closes,
                     "first_appointments_per_sale": _opt(o.first_appointments_per_sale)})
    columns = [*STAGES, "won", "lost", "won_in_period", "flagged", "expected_closes",
               "first_appointments_per_sale"]
    return pd.DataFrame(rows, columns=columns,
                        index=pd.Index(list(result.owners), name="owner", dtype=object))


def focus_table(result: FunnelResult) -> pd.DataFrame:
    """The flagged deals, worst first (as the Focus tab lists them).

    Columns: deal_id, account, owner, stage, flags (a list of codes), value,
    first_appointment, next_step, next_step_date, cycle_end and row (the
    Pipeline row).
    """
    focus = result.focus
    stages = np.array(_STAGE_NAMES, dtype=object)
    return pd.DataFrame({
        "deal_id": focus["deal_id"].astype(object),
        "account": focus["account"].astype(object),
        "owner": focus["owner"].astype(object),
        "stage": stages[focus["stage"].to_numpy(dtype=np.int64)] if len(focus) else [],
        "flags": [list(codes) for codes in focus["codes"]],
        "value": focus["value"].astype(np.float64),
        "first_appointment": _dates(focus["first_appointment"]),
        "next_step": focus["next_step"].astype(object),
        "next_step_date": _dates(focus["next_step_date"]),
        "cycle_end": _dates(focus["cycle_end"]),
        "row": focus["row"].astype(np.int64),
    })
