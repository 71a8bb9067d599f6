"""Run the stand-in in the foreground.

    python -m fake_sheets --port 8765 [--load WORKBOOK.xlsx] [--quota] [--quota-minute 5]

The first line printed is the id of the spreadsheet loaded from the workbook (an empty one
when no workbook is given), the second the base URL. It then serves until interrupted.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from types import FrameType

from .quota import QuotaLimits
from .server import FakeSheets


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, load the workbook, print id and URL, serve."""
    parser = argparse.ArgumentParser(
        prog="python -m fake_sheets",
        description="Offline stand-in for the Google Sheets v4 and Drive v3 APIs.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--load", metavar="WORKBOOK", help="an .xlsx workbook to load")
    parser.add_argument("--title", help="title of the spreadsheet (default: the file name)")
    parser.add_argument("--quota", action="store_true",
                        help="refuse requests over the per-minute quotas with 429, as Google "
                             "does (60 per user, 300 per project, reads and writes apart)")
    parser.add_argument("--quota-minute", type=float, default=60.0, metavar="SECONDS",
                        help="how long a quota minute lasts (default 60; implies --quota)")
    args = parser.parse_args(argv)

    quota = (QuotaLimits(minute=args.quota_minute)
             if args.quota or args.quota_minute != 60.0 else None)
    fake = FakeSheets(args.port, host=args.host, quota=quota)
    if args.load:
        spreadsheet_id = fake.load_xlsx(args.load, title=args.title)
    else:
        spreadsheet_id = fake.create_spreadsheet(args.title or "Untitled spreadsheet")
    fake.start()
    sys.stdout.write(f"{spreadsheet_id}\n{fake.url}\n")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, _stop)
    try:
        while True:
            time.sleep(0.5)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
