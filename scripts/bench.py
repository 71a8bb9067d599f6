"""Benchmark: refresh time against an openpyxl load-and-save round trip, and compute alone.

Prints, for pipelines of 1k, 10k and 100k deals, the time of a full refresh
(read, parse, compute, render, write) next to an openpyxl load-and-save of
the same file measured in the same run, then the compute step alone on 1M
deals with its peak memory. Figures vary with the machine; the ratios are
what to compare.

Run: .venv/bin/python scripts/bench.py [--sizes 1000,10000,100000] [--compute 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sheets_funnel.backends.xlsx import XlsxWorkbook
from sheets_funnel.funnel import compute
from sheets_funnel.parse import DEAL_COLUMNS, Settings
from sheets_funnel.refresh import refresh
from sheets_funnel.sample import sample_deals
from sheets_funnel.templates import build_workbook

AS_OF = dt.date(2026, 6, 30)


def best_of(runs: int, setup: Callable[[], None], work: Callable[[], object]) -> float:
    """The fastest of ``runs`` timings of ``work`` in seconds, ``setup`` untimed before each."""
    times = []
    for _ in range(runs):
        setup()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_workbook(size: int, folder: Path) -> tuple[float, float]:
    """Refresh time and openpyxl round-trip time for a pipeline of ``size`` deals."""
    import openpyxl

    source = folder / f"pipeline-{size}.xlsx"
    build_workbook(source, "en", sample_deals(size, "en", AS_OF), {"sales_target": size // 10})
    work = folder / "work.xlsx"

    def fresh() -> None:
        shutil.copyfile(source, work)

    runs = 3 if size <= 10_000 else 2
    refresh_s = best_of(runs, fresh, lambda: refresh(XlsxWorkbook(work), AS_OF))
    round_trip_s = best_of(1 if size > 10_000 else runs, fresh,
                           lambda: openpyxl.load_workbook(work).save(work))
    return refresh_s, round_trip_s


def synthetic_deals(n: int, seed: int = 1) -> pd.DataFrame:
    """``n`` typed deals as the parser produces them, generated with numpy."""
    rng = np.random.default_rng(seed)
    today = (AS_OF - dt.date(1899, 12, 30)).days
    stage = rng.integers(0, 6, n)
    status = np.where(stage == 5, "won", np.where(rng.random(n) < 0.4, "lost", "open"))
    fa = today - rng.integers(0, 300, n).astype(float)
    fa[stage == 0] = np.nan
    return pd.DataFrame({
        "row": np.arange(2, n + 2), "deal_id": [f"D{i}" for i in range(n)],
        "account": "Acme", "owner": rng.choice(["Anna", "Boris", "Chen", "Dana"], n),
        "stage": stage, "status": status.astype(object), "value": rng.integers(1, 50, n) * 1000.0,
        "created": fa - 7, "first_appointment": fa, "next_step": "",
        "next_step_date": np.where(rng.random(n) < 0.1, np.nan, today + rng.integers(-20, 90, n)),
        "closed": np.where(stage == 5, fa + rng.integers(20, 120, n), np.nan),
    })[list(DEAL_COLUMNS)]


def bench_compute(n: int) -> tuple[float, float]:
    """Seconds and peak MiB of compute() on ``n`` synthetic deals."""
    deals = synthetic_deals(n)
    settings = Settings(sales_target=n // 20)
    compute(deals, settings, AS_OF)  # warm up
    times = []
    for _ in range(3):
        start = time.perf_counter()
        compute(deals, settings, AS_OF)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    compute(deals, settings, AS_OF)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--compute", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"{'deals':>8} {'refresh s':>10} {'openpyxl load+save s':>21} {'speed-up':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",") if s):
            refresh_s, round_trip_s = bench_workbook(size, Path(tmp))
            print(f"{size:>8} {refresh_s:>10.3f} {round_trip_s:>21.3f} "
                  f"{round_trip_s / refresh_s:>8.1f}x", flush=True)
    seconds, peak = bench_compute(args.compute)
    print(f"compute on {args.compute:,} deals: {seconds:.3f} s, peak {peak:.0f} MiB")


if __name__ == "__main__":
    main()
