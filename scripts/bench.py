"""Benchmark: refresh time against an openpyxl load-and-save round trip, and compute alone.

Prints, for pipelines of 1k, 10k and 100k deals, the time of a full refresh
(read, parse, compute, render, write) next to an openpyxl load-and-save of
the same file measured in the same run — each the best of several runs, each
run in a process of its own as a command-line refresh is — and the refresh's
peak memory (the whole process, measured in a child process). Two files per
size:

* clean: built from the template (shared strings, real date cells);
* messy: the way real files arrive — the template opened and saved by a
  script with openpyxl (inline strings), dates typed as DD.MM.YYYY text in
  3 % of the rows, free-text Next Step, an extra data validation and
  conditional formatting rule on Pipeline, an extra user tab, and a few
  hundred bad rows;

and the messy file again with one stray note far to the right (XFD1), whose
peak memory should be no higher than the messy file's. Then the compute step alone on 1M
deals with its peak memory. Figures vary with the machine; the ratios are
what to compare.

Run: .venv/bin/python scripts/bench.py [--sizes 1000,10000,100000] [--compute 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
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


def clean_workbook(size: int, path: Path) -> Path:
    """The template with ``size`` sample deals."""
    build_workbook(path, "en", sample_deals(size, "en", AS_OF), {"sales_target": size // 10})
    return path


_NOTES = ["call {owner} back about the {account} budget", "send revised proposal, {n} seats",
          "waiting on legal ({account})", "demo for the {account} ops team next week",
          "{owner}: follow up after the trade show", "price objection - offer annual billing"]


def messy_workbook(size: int, clean: Path, path: Path, seed: int = 3) -> Path:
    """The clean workbook as a script leaves it after editing it with openpyxl."""
    import openpyxl
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    rng = random.Random(seed)
    book = openpyxl.load_workbook(clean)
    ws = book["Pipeline"]
    last = size + 1
    for row in range(2, last + 1):
        owner, account = ws.cell(row, 3).value, ws.cell(row, 2).value
        if ws.cell(row, 9).value:  # Next Step: free text instead of the dropdown's words
            ws.cell(row, 9).value = rng.choice(_NOTES).format(owner=owner, account=account,
                                                              n=rng.randint(5, 80))
        if rng.random() < 0.03:  # dates typed as text, the way they arrive from e-mail
            for col in (7, 8, 10, 11):
                day = ws.cell(row, col).value
                if isinstance(day, dt.datetime | dt.date):
                    ws.cell(row, col).value = day.strftime("%d.%m.%Y")
    bad = max(10, min(300, size // 100))
    for n, row in enumerate(rng.sample(range(2, last + 1), bad)):
        col, value = [(4, "Negotiation"), (2, None), (6, "-5000"), (8, "next Tuesday"),
                      (5, "Pending")][n % 5]
        ws.cell(row, col).value = value
    values = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
    values.add(f"F2:F{last}")
    ws.add_data_validation(values)
    ws.conditional_formatting.add(f"F2:F{last}", CellIsRule(
        operator="greaterThan", formula=["20000"], fill=PatternFill("solid", fgColor="FFF2CC")))
    notes = book.create_sheet("Team notes")
    notes.append(["Date", "Who", "Account", "Note"])
    for n in range(min(size, 2000)):
        notes.append([AS_OF - dt.timedelta(days=n % 90), rng.choice(["Anna", "Boris"]),
                      f"Account {n % 40}", rng.choice(_NOTES).format(owner="Dana",
                                                                     account="Acme", n=n)])
    book.save(path)
    return path


def with_stray_note(source: Path, path: Path) -> Path:
    """``source`` with a note typed far to the right of the Pipeline header, in XFD1."""
    with zipfile.ZipFile(source) as zf:
        infos = zf.infolist()
        data = {info.filename: zf.read(info.filename) for info in infos}
    part = next(s.part for s in XlsxWorkbook(source)._package_sheets() if s.name == "Pipeline")
    sheet = data[part].decode()
    sheet = re.sub(r'<dimension ref="A1:[A-Z]+', '<dimension ref="A1:XFD', sheet, count=1)
    sheet = sheet.replace("</row>", '<c r="XFD1" t="inlineStr"><is><t>note</t></is></c></row>', 1)
    data[part] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in infos:
            zf.writestr(info.filename, data[info.filename])
    return path


def in_child(flags: list[str], path: Path, key: str) -> float:
    """The figure ``key`` a process running this script with ``flags`` on a fresh copy of
    ``path`` prints."""
    work = path.with_name("child-" + path.name)
    shutil.copyfile(path, work)
    out = subprocess.run([sys.executable, __file__, *flags, str(work)], check=True,
                         capture_output=True, text=True).stdout
    return float(json.loads(out)[key])


def refresh_in_child(path: Path) -> float:
    """Peak memory in MiB of a process that refreshes ``path`` (a copy is refreshed)."""
    return in_child(["--child"], path, "peak_mib")


def child(path: str) -> None:
    """Refresh one workbook and print this process's peak memory.

    Linux's VmHWM counts this program only; ``ru_maxrss`` would also count the benchmark's
    own memory at the moment it started this process.
    """
    refresh(XlsxWorkbook(path), AS_OF)
    status = Path("/proc/self/status")
    found = re.search(r"VmHWM:\s+(\d+) kB", status.read_text()) if status.exists() else None
    peak_kib = int(found.group(1)) if found else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_mib": peak_kib / 1024}))


def timed_in_child(what: str, path: Path) -> float:
    """Seconds one ``what`` ("refresh" or "openpyxl": load and save) of a fresh copy of
    ``path`` takes in a process of its own, timed inside it (imports not counted), as a
    command-line refresh runs."""
    return in_child(["--time", what], path, "seconds")


def time_one(what: str, path: str) -> None:
    """Time one refresh or openpyxl round trip of ``path`` and print the seconds."""
    import openpyxl

    start = time.perf_counter()
    if what == "refresh":
        refresh(XlsxWorkbook(path), AS_OF)
    else:
        openpyxl.load_workbook(path).save(path)
    print(json.dumps({"seconds": time.perf_counter() - start}))


def bench_workbook(source: Path, rounds: int = 4) -> tuple[float, float]:
    """Refresh time and openpyxl round-trip time for one workbook: the best of ``rounds``
    runs on each side (which filters out what other work on the machine costs), each in a
    fresh process on a fresh copy, so no run inherits another's memory. The two sides take
    turns, so a stretch of minutes when the machine runs slower weighs on both alike."""
    refresh_s: list[float] = []
    round_trip_s: list[float] = []
    for _ in range(rounds):
        refresh_s.append(timed_in_child("refresh", source))
        round_trip_s.append(timed_in_child("openpyxl", source))
    return min(refresh_s), min(round_trip_s)


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
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--time", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.time:
        time_one(*args.time)
        return
    print(f"{'file':>6} {'deals':>8} {'refresh s':>10} {'openpyxl load+save s':>21} "
          f"{'speed-up':>9} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in (int(s) for s in args.sizes.split(",") if s):
            clean = clean_workbook(size, folder / f"clean-{size}.xlsx")
            messy = messy_workbook(size, clean, folder / f"messy-{size}.xlsx")
            for label, path in (("clean", clean), ("messy", messy)):
                refresh_s, round_trip_s = bench_workbook(path)
                print(f"{label:>6} {size:>8} {refresh_s:>10.3f} {round_trip_s:>21.3f} "
                      f"{round_trip_s / refresh_s:>8.1f}x {refresh_in_child(path):>9.0f}",
                      flush=True)
            stray = with_stray_note(messy, folder / f"stray-{size}.xlsx")
            print(f"{'+XFD1':>6} {size:>8} {'':>10} {'':>21} {'':>9} "
                  f"{refresh_in_child(stray):>9.0f}", flush=True)
    seconds, peak = bench_compute(args.compute)
    print(f"compute on {args.compute:,} deals: {seconds:.3f} s, peak {peak:.0f} MiB")


if __name__ == "__main__":
    main()
