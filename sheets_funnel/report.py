"""A readable plain-text report of a refresh, for the terminal."""

from __future__ import annotations

from .funnel import FunnelResult
from .movement import Movement, describe
from .parse import Issue


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def _n(x: float | None) -> str:
    return "—" if x is None else f"{x:g}"


def text_report(result: FunnelResult, issues: list[Issue], label: str, written: list[str],
                movement: Movement | None = None) -> str:
    """The funnel as a few aligned lines a sales manager reads at a glance."""
    lines = [
        f"{label} — funnel as of {result.as_of}  (period {result.period_start} to "
        f"{result.period_end}, {result.deals} deals)",
        "",
        f"{'Stage':<18}{'Open':>6}{'Adv':>6}{'Drop':>6}{'Rate':>7}{'Close':>7}{'Need':>6}",
    ]
    for name, conv in result.conversion.items():
        mark = "*" if name in result.low_sample else " "
        lines.append(
            f"{name:<18}{result.stage_counts[name]:>6}{conv.advanced:>6}{conv.dropped:>6}"
            f"{_pct(conv.rate):>7}{_pct(result.close_rate[name]):>7}"
            f"{_n(result.required[name]):>6}{mark}"
        )
    lines.append(f"{'Won':<18}{result.won:>6}")
    lines.append(f"{'Lost':<18}{result.lost:>6}")
    if result.low_sample:
        lines.append(f"* fewer than {result.min_sample} decided deals: treat the rate with care")
    lines += [
        "",
        f"Sales cycle: {_n(result.cycle_days)} days "
        f"(measured median {_n(result.cycle_days_measured)} over {result.cycle_sample} won deals)",
        f"Forecast: {result.expected_closes:.2f} expected closes worth "
        f"{result.expected_value:,.0f}",
    ]
    if result.sales_target is not None:
        lines.append(
            f"Target {result.sales_target:g}: won {result.won_in_period} in the period, "
            f"gap after forecast {result.gap:.2f}; first appointments still needed: "
            f"{_n(result.required['First Appointment'])}"
        )
        lines.append(
            f"Pace: {_n(result.first_appointments_per_week)} first appointment(s) per week until "
            f"{result.last_useful_first_appointment or '—'}"
        )
    moved = describe(movement)
    if moved:
        lines += ["", moved[0].upper() + moved[1:] + " (listed on the Funnel tab)"]
    if result.flags:
        lines += ["", f"Flagged deals ({len(result.flags)}):"]
        lines += [f"  {deal}: {', '.join(codes)}" for deal, codes in result.flags.items()]
    if issues:
        lines += ["", f"Data issues ({len(issues)}):"]
        lines += [f"  [{i.severity}] {i.describe()}" for i in issues]
    if result.warnings:
        lines += ["", "Warnings:"]
        lines += [f"  {w}" for w in result.warnings]
    lines += ["", f"Wrote: {', '.join(written)}" if written else "Nothing written (dry run)."]
    return "\n".join(lines)
