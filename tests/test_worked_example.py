"""The contract's worked example (CONTRACT §6) through the command line, end to end."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any

from conftest import WORKED_AS_OF, assert_same, issue_key


def _without_written(summary: dict[str, Any]) -> dict[str, Any]:
    out = dict(summary)
    out.pop("written")
    out["issues"] = sorted(out["issues"], key=issue_key)
    return out


def test_refresh_json_reproduces_the_worked_example(cli, worked_example, expected_summary):
    result = cli("refresh", str(worked_example), "--json", "--as-of", WORKED_AS_OF.isoformat())
    assert result.code == 0, result.err
    summary = result.json()
    assert summary["written"] == ["Funnel", "Focus", "History"]
    expected_summary["issues"] = sorted(expected_summary["issues"], key=issue_key)
    assert_same(_without_written(summary), expected_summary)


#: The keys of CONTRACT §5 in the order it lists them.
CONTRACT_KEYS = [
    "as_of", "period", "deals", "stage_counts", "won", "lost", "conversion", "close_rate",
    "low_sample", "cycle_days", "cycle_days_measured", "cycle_sample", "flags", "forecast",
    "target", "required", "required_full", "last_useful_first_appointment",
    "first_appointments_per_week", "owners", "reached", "per_sale", "revenue", "issues",
    "warnings", "written",
]


def test_summary_keys_follow_the_contract_order(cli, worked_example, expected_summary):
    summary = cli("refresh", str(worked_example), "--json", "--as-of", "2026-06-30").json()
    assert list(summary) == CONTRACT_KEYS
    assert set(CONTRACT_KEYS) == {*expected_summary, "written"}
    assert list(summary["owners"]["Anna"]) == [
        "stage_counts", "won", "lost", "won_in_period", "flagged", "expected_closes",
        "conversion", "close_rate", "team_rate_used", "first_appointments_per_sale"]
    assert list(summary["revenue"]) == [
        "revenue_target", "average_deal_value", "average_deal_value_measured",
        "won_value_in_period", "remaining_value", "gap_value", "required", "required_full",
        "first_appointments_per_week"]


def test_dry_run_writes_nothing_and_reports_no_tabs(cli, worked_example, expected_summary):
    before = hashlib.sha256(worked_example.read_bytes()).hexdigest()
    result = cli("refresh", str(worked_example), "--json", "--dry-run", "--as-of", "2026-06-30")
    assert result.code == 0
    summary = result.json()
    assert summary["written"] == []
    assert summary["forecast"] == expected_summary["forecast"]
    assert hashlib.sha256(worked_example.read_bytes()).hexdigest() == before


def test_second_refresh_gives_the_same_numbers(cli, worked_example, expected_summary):
    first = cli("refresh", str(worked_example), "--json", "--as-of", "2026-06-30").json()
    second = cli("refresh", str(worked_example), "--json", "--as-of", "2026-06-30").json()
    assert_same(_without_written(second), _without_written(first))


def test_refresh_leaves_the_users_tabs_byte_identical(cli, worked_example: Path):
    def parts(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as zf:
            return {name: zf.read(name) for name in zf.namelist()}

    before = parts(worked_example)
    assert cli("refresh", str(worked_example), "--as-of", "2026-06-30").code == 0
    after = parts(worked_example)
    for user_part in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/styles.xml",
                      "xl/theme/theme1.xml", "docProps/core.xml"):
        assert after[user_part] == before[user_part], user_part


def test_human_report_names_the_numbers(cli, worked_example):
    result = cli("refresh", str(worked_example), "--as-of", "2026-06-30")
    assert result.code == 0
    assert "Sales cycle: 63 days" in result.out
    assert "D-10: NEXT_STEP_OUT_OF_CYCLE, OUT_OF_CYCLE" in result.out
    assert "Pipeline row 16, column Stage: unknown stage ('Negotiation')" in result.out
    assert "Wrote: Funnel, Focus, History" in result.out
