"""Benchmark the nightly job over many Google Sheets under one key, at Google's quotas.

Loads N small pipelines (default 200) into the offline stand-in with its quota enforcement
on — Google's limits (60 reads and 60 writes a minute per account, 300 per project) on a
scaled-down minute (default 5 s, 12 times faster than Google's) and answers delayed like
Google's, scaled the same way (default 0.05 s for about 0.6 s) — and runs
``sheets-funnel nightly`` over them as a separate process, one workbook at a time
(``--workers 1``) and with ``--workers 8``.
Then, as the baseline, ``--workers 8`` again with a ``[quota]`` far above the stand-in's, so
the limiter never holds a request back ("unpaced"). Prints for each: wall time, its ratio
to the quota's lower bound (reads needed ÷ reads allowed per scaled minute, the scarcer
kind), failed workbooks and requests refused with 429. The goal: no failed sheet and
``--workers 8`` within 1.3× of the lower bound.

Run: .venv/bin/python scripts/bench_nightly.py [--sheets 200] [--minute 5] [--latency 0.05]
[--workers 1,8] [--unpaced 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fake_sheets import FakeSheets
from fake_sheets import QuotaLimits as ServerQuota

from sheets_funnel.backends.google_endpoint import ENV_VAR
from sheets_funnel.backends.google_quota import QuotaLimits
from sheets_funnel.sample import sample_deals
from sheets_funnel.templates import build_workbook

AS_OF = dt.date(2026, 6, 30)
READS, WRITES = 2, 1  # requests of one refresh: tab list + input tabs; one write


def service_account(path: Path) -> Path:
    """A service-account key with a fresh RSA key (the stand-in counts quota per account)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "bench", "private_key_id": "k1",
        "private_key": pem, "client_email": "nightly@bench.iam.example", "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }))
    return path


def write_config(path: Path, quota: str, key: Path, ids: list[str]) -> Path:
    """A nightly configuration of the spreadsheets, all with one key."""
    path.write_text(f"[quota]\n{quota}\n\n[credentials.robot]\nfile = \"{key}\"\n\n" + "".join(
        f'[[workbook]]\nlocation = "{sid}"\nname = "Team {n}"\ncredentials = "robot"\n\n'
        for n, sid in enumerate(ids)), encoding="utf-8")
    return path


def run(config: Path, workers: int, env: dict[str, str]) -> tuple[float, list[dict[str, object]]]:
    """Wall seconds and the JSON reports of one nightly run in its own process."""
    command = [sys.executable, "-m", "sheets_funnel.cli", "nightly", str(config), "--json",
               "--workers", str(workers), "--as-of", AS_OF.isoformat()]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if not done.stdout.strip():
        raise SystemExit(f"nightly printed no report (exit {done.returncode}):\n{done.stderr}")
    return seconds, json.loads(done.stdout)


def main() -> None:
    """Print one line per worker count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=200)
    parser.add_argument("--deals", type=int, default=20, help="deals per pipeline")
    parser.add_argument("--minute", type=float, default=5.0, help="seconds in a quota minute")
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds the stand-in takes to answer each request")
    parser.add_argument("--workers", default="1,8")
    parser.add_argument("--unpaced", default="8",
                        help="worker counts to run without holding requests back (baseline)")
    args = parser.parse_args()
    limits = QuotaLimits(minute=args.minute)
    server = ServerQuota(minute=args.minute)
    bound = limits.lower_bound(READS * args.sheets, WRITES * args.sheets)
    with tempfile.TemporaryDirectory() as tmp, FakeSheets(latency=args.latency) as fake:
        folder = Path(tmp)
        book = build_workbook(folder / "pipeline.xlsx", "en", sample_deals(args.deals, "en", AS_OF))
        ids = [fake.load_xlsx(book, title=f"Team {n}") for n in range(args.sheets)]
        key = service_account(folder / "key.json")
        paced = write_config(folder / "nightly.toml", f"minute = {args.minute}", key, ids)
        huge = "\n".join(f"{k} = 1000000" for k in ("reads_per_user", "writes_per_user",
                                                    "reads_per_project", "writes_per_project"))
        unpaced = write_config(folder / "unpaced.toml", huge, key, ids)
        env = {**os.environ, ENV_VAR: fake.url, "SHEETS_FUNNEL_LOCK_DIR": str(folder / "locks")}
        print(f"{args.sheets} sheets x {args.deals} deals under one service account; quota "
              f"{limits.reads_per_user} reads and {limits.writes_per_user} writes per "
              f"{args.minute:g} s minute; {args.latency:g} s per answer")
        print(f"lower bound: {READS * args.sheets} reads / {limits.reads_per_user} per minute "
              f"= {bound / args.minute:.2f} minutes = {bound:.1f} s")
        print(f"{'workers':>16} {'wall s':>8} {'x bound':>8} {'ok':>5} {'failed':>7} "
              f"{'429s':>6} {'requests':>9}")
        runs = [(int(w), paced, "") for w in args.workers.split(",") if w] + [
            (int(w), unpaced, " (unpaced)") for w in args.unpaced.split(",") if w]
        for workers, config, label in runs:
            fake.enforce_quota(server)  # fresh counters
            time.sleep(args.minute)  # and the previous run's minute is over
            fake.reset_requests()
            seconds, reports = run(config, workers, env)
            ok = sum(r["status"] == "ok" for r in reports)
            requests = sum(p.startswith("/v4/") for _, p in fake.requests)
            print(f"{f'{workers}{label}':>16} {seconds:>8.1f} {seconds / bound:>8.2f} {ok:>5} "
                  f"{len(reports) - ok:>7} {fake.quota_rejections:>6} {requests:>9}")


if __name__ == "__main__":
    main()
