"""Benchmark the Google Sheets refresh against the offline stand-in.

For pipelines of 1k, 10k and 100k deals loaded into the stand-in (at its
default limits, as Google's: 10 MiB per request body), prints for one
refresh the API requests, the largest request body, the bytes sent and
received over the wire (answers gzip-compressed) and the wall time, next to
the usual gspread-dataframe round trip over the same tabs (get_as_dataframe
of Pipeline, Settings and History; set_with_dataframe of Funnel, Focus and
History), measured in the same run against the same server. The stand-in
runs in this process, so times compare the two clients, not Google.

Run: .venv/bin/python scripts/bench_google.py [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

from fake_sheets import FakeSheets, gspread_client
from gspread.exceptions import APIError

from sheets_funnel.backends.google_endpoint import ENV_VAR
from sheets_funnel.backends.gsheets import GoogleSheet
from sheets_funnel.refresh import refresh
from sheets_funnel.sample import sample_deals
from sheets_funnel.templates import build_workbook

AS_OF = dt.date(2026, 6, 30)


def dataframe_round_trip(fake: FakeSheets, sid: str) -> None:
    """Read the input tabs and write the owned tabs the way gspread-dataframe users do."""
    import pandas as pd
    from gspread_dataframe import get_as_dataframe, set_with_dataframe

    owned = {}
    for name in ("Funnel", "Focus", "History"):
        rows = fake.values(sid, name)
        width = max(len(r) for r in rows)
        owned[name] = pd.DataFrame([[*r, *[""] * (width - len(r))] for r in rows])
    book = gspread_client(fake.url).open_by_key(sid)
    for name in ("Pipeline", "Settings", "History"):
        get_as_dataframe(book.worksheet(name))
    for name, frame in owned.items():  # the same content a refresh writes
        set_with_dataframe(book.worksheet(name), frame, include_column_header=False)


def _mb(count: int) -> str:
    return f"{count / 1e6:.2f} MB"


def _wire(fake: FakeSheets) -> tuple[int, int, int, int]:
    """Requests, largest request body, bytes sent and bytes received (token requests aside)."""
    api = [t for t in fake.traffic if not t[1].startswith("/token")]
    return (len(api), max((t[2] for t in api), default=0), sum(t[2] for t in api),
            sum(t[3] for t in api))


def main() -> None:
    """Print requests, bytes and seconds per refresh for each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    print(f"{'deals':>8} {'requests':>9} {'largest':>10} {'sent':>10} {'received':>10} "
          f"{'refresh s':>10} | {'gspread-dataframe requests':>27} {'largest':>10} "
          f"{'its s':>8}")
    with tempfile.TemporaryDirectory() as tmp, FakeSheets() as fake:
        os.environ[ENV_VAR] = fake.url
        creds = Path(tmp) / "user.json"
        creds.write_text(json.dumps({
            "type": "authorized_user", "client_id": "c", "client_secret": "s",
            "refresh_token": "r", "token_uri": "https://oauth2.googleapis.com/token"}))
        for size in (int(s) for s in args.sizes.split(",") if s):
            book = build_workbook(Path(tmp) / f"p{size}.xlsx", "en",
                                  sample_deals(size, "en", AS_OF), {"sales_target": size // 10})
            sid = fake.load_xlsx(book)
            refresh(GoogleSheet(sid, creds), AS_OF)  # creates the owned tabs once
            fake.reset_requests()
            start = time.perf_counter()
            refresh(GoogleSheet(sid, creds), AS_OF)
            ours = time.perf_counter() - start
            requests, largest, sent, received = _wire(fake)
            fake.reset_requests()
            start = time.perf_counter()
            try:
                dataframe_round_trip(fake, sid)
                theirs = f"{time.perf_counter() - start:>8.2f}"
            except APIError as exc:
                theirs = f"fails: HTTP {exc.response.status_code}, {exc.error.get('message')}"
            other_requests, other_largest, _, _ = _wire(fake)
            print(f"{size:>8} {requests:>9} {_mb(largest):>10} {_mb(sent):>10} "
                  f"{_mb(received):>10} {ours:>10.2f} | {other_requests:>27} "
                  f"{_mb(other_largest):>10} {theirs}", flush=True)


if __name__ == "__main__":
    main()
