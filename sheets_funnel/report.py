"""A readable plain-text report of a refresh, for the terminal."""

from __future__ import annotations

from .funnel import FunnelResult
from .model import STAGES
from .movement import Movement, describe
from .parse import Issue
from .render import owner_pace, team_per_week

#: How many flagged deals and data issues the terminal lists; the tabs list them all.
SHOWN = 20
#: Width of a number column: seven digits with their thousands separators, and a space.
_W = 11
_LABEL = 18
_COLUMNS = ("Reached", "Open", "Advanced", "Dropped", "Stage rate", "Close rate", "Per sale",
            "Need")
_EXPLAINED = (
    "Reached: deals that got to the stage or further. Open: open deals there now (Won, Lost:",
    "all deals). Advanced / Dropped: decided deals that moved on / were lost at the stage.",
    "Stage rate: advanced ÷ (advanced + dropped). Close rate: the chance a deal at the stage",
    "ends as a sale. Per sale: deals at the stage for one sale (1.7 : 1). Need: new deals",
    "still needed at the stage for the Sales Target.",
)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _n(x: float | None) -> str:
    return "—" if x is None else f"{x:,g}" if isinstance(x, float) else f"{x:,}"


def _ratio(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f} : 1"


def _row(label: str, *cells: str) -> str:
    return f"{label:<{_LABEL}}" + "".join(f"{c:>{_W}}" for c in cells)


def _stage_table(result: FunnelResult) -> list[str]:
    lines = [_row("Stage", *_COLUMNS)]
    for name, conv in result.conversion.items():
        mark = "*" if name in result.low_sample else ""
        lines.append(_row(
            name, _n(result.reached[name]), _n(result.stage_counts[name]), _n(conv.advanced),
            _n(conv.dropped), _pct(conv.rate), _pct(result.close_rate[name]),
            _ratio(result.per_sale[name]), _n(result.required[name])) + mark)
    lines.append(_row("Won", _n(result.reached["Closed"]), _n(result.won)))
    lines.append(_row("Lost", "", _n(result.lost)))
    lines += _EXPLAINED
    if result.low_sample:
        lines.append(f"* fewer than {result.min_sample} decided deals: treat the rate with care")
    return lines


def _plans(result: FunnelResult) -> list[str]:
    lines = []
    fa = STAGES[1]
    if result.sales_target is not None:
        lines.append(
            f"Sales target {result.sales_target:,g}: won {result.won_in_period:,} in the period, "
            f"gap after forecast {result.gap:,.2f}; first appointments still needed: "
            f"{_n(result.required[fa])}, {_n(result.first_appointments_per_week)} a week"
        )
    plan = result.revenue
    if plan.revenue_target is not None:
        lines.append(
            f"Revenue target {plan.revenue_target:,.0f}: won {plan.won_value_in_period:,.0f} in "
            f"the period, gap after forecast {plan.gap_value or 0:,.0f}; at an average deal of "
            f"{_n(None if plan.average_deal_value is None else round(plan.average_deal_value))} "
            f"first appointments still needed: {_n(plan.required[fa])}, "
            f"{_n(plan.first_appointments_per_week)} a week"
        )
    if lines:
        last = result.last_useful_first_appointment
        lines.append(f"Last useful first appointment: {last or '—'}")
    return lines


def _owners(result: FunnelResult) -> list[str]:
    pace = owner_pace(result)
    lines = [_row("Owner", "Open", "Won", "Flagged", "Expected", "Per sale", "FA a week")]
    for owner, o in list(result.owners.items())[:SHOWN]:
        weekly = pace[owner][1]
        team = f"  team rate at {', '.join(o.team_rate_used)}" if o.team_rate_used else ""
        lines.append(_row(
            owner[:_LABEL - 1], _n(sum(o.stage_counts.values())), _n(o.won), _n(o.flagged),
            f"{o.expected_closes:.1f}", _ratio(o.first_appointments_per_sale),
            "—" if weekly is None else f"{weekly:.1f}") + team)
    if len(result.owners) > SHOWN:
        lines.append(f"  … and {len(result.owners) - SHOWN:,} more — see the Funnel tab")
    per_week = team_per_week(result)
    lines += [
        f"Per sale: first appointments per sale from the owner's own stage rates (the team's "
        f"where they have fewer than {result.min_sample} decided deals, listed).",
        "FA a week: their share of the team's "
        + (f"{per_week} first appointment(s) a week" if per_week is not None
           else "weekly first appointments (set a target)")
        + ", by their share of the open deals.",
    ]
    return lines


def _flagged(result: FunnelResult) -> list[str]:
    focus = result.focus
    lines = [f"Flagged deals ({len(focus):,}), worst first:"]
    top = focus.head(SHOWN)
    for deal, account, owner, codes in zip(top["deal_id"], top["account"], top["owner"],
                                           top["codes"], strict=True):
        lines.append(f"  {deal}: {', '.join(codes)} — {account} ({owner})")
    if len(focus) > SHOWN:
        lines.append(f"  … and {len(focus) - SHOWN:,} more — see the Focus tab")
    return lines


def text_report(result: FunnelResult, issues: list[Issue], label: str, written: list[str],
                movement: Movement | None = None) -> str:
    """The funnel as a few aligned lines a sales manager reads at a glance: the stage table
    with its columns explained under it, the cycle, the forecast and plans, what moved, the
    worst flagged deals and data issues (at most :data:`SHOWN` of each)."""
    lines = [
        f"{label} — funnel as of {result.as_of}  (period {result.period_start} to "
        f"{result.period_end}, {result.deals:,} deals)",
        "",
        *_stage_table(result),
        "",
        f"Sales cycle: {_n(result.cycle_days)} days "
        f"(measured median {_n(result.cycle_days_measured)} over {result.cycle_sample:,} won "
        "deals)",
        f"Forecast: {result.expected_closes:,.2f} expected closes worth "
        f"{result.expected_value:,.0f}",
        *_plans(result),
    ]
    if result.owners:
        lines += ["", *_owners(result)]
    moved = describe(movement)
    if moved:
        lines += ["", moved[0].upper() + moved[1:] + " (listed on the Funnel tab)"]
    if result.flags:
        lines += ["", *_flagged(result)]
    if issues:
        lines += ["", f"Data issues ({len(issues):,}):"]
        lines += [f"  [{i.severity}] {i.describe()}" for i in issues[:SHOWN]]
        if len(issues) > SHOWN:
            lines.append(f"  … and {len(issues) - SHOWN:,} more — see the Funnel tab")
    if result.warnings:
        lines += ["", "Warnings:"]
        lines += [f"  {w}" for w in result.warnings]
    lines += ["", f"Wrote: {', '.join(written)}" if written else "Nothing written (dry run)."]
    return "\n".join(lines)
