"""The ``sheets-funnel`` command: a thin layer over the library."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence

from .errors import SheetsFunnelError
from .refresh import refresh
from .report import text_report
from .sync import open_workbook
from .templates import new_google_layout, new_workbook


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; expected YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="sheets-funnel",
        description="Schiffman's sales funnel for pipelines kept in Excel or Google Sheets.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    ref = sub.add_parser(
        "refresh",
        help="compute the funnel and write the Funnel, Focus and History tabs",
        epilog="example: sheets-funnel refresh pipeline.xlsx --as-of 2026-06-30 --json",
    )
    ref.add_argument("workbook", help="an .xlsx/.xlsm file, a Google Sheets URL or id")
    ref.add_argument("--as-of", type=_date, help="the report date (default: today)")
    ref.add_argument("--json", action="store_true", help="print the JSON summary on stdout")
    ref.add_argument("--dry-run", action="store_true", help="compute and print, write nothing")
    ref.add_argument("--credentials", help="Google: a service-account or OAuth client key file")

    new = sub.add_parser(
        "new",
        help="write a fresh pipeline workbook from the template",
        epilog="examples: sheets-funnel new pipeline.xlsx --lang ru --sample 40\n"
               "          sheets-funnel new --google SPREADSHEET_ID --credentials key.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new.add_argument("out", nargs="?", help="the .xlsx file to create")
    new.add_argument("--google", metavar="ID_OR_URL",
                     help="lay out an existing Google spreadsheet instead of writing a file")
    new.add_argument("--credentials", help="Google: a service-account or OAuth client key file")
    new.add_argument("--lang", choices=("en", "ru"), default="en", help="language (default en)")
    new.add_argument("--sample", type=int, default=0, metavar="N",
                     help="fill the Pipeline with N realistic sample deals")
    new.add_argument("--as-of", type=_date, help="date the sample is built around (default today)")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 unusable workbook, 1 other)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(message)s", stream=sys.stderr)
    try:
        if args.command == "refresh":
            options = {"credentials": args.credentials} if args.credentials else {}
            backend = open_workbook(args.workbook, **options)
            outcome = refresh(backend, as_of=args.as_of, dry_run=args.dry_run)
            if args.json:
                print(json.dumps(outcome.summary(), ensure_ascii=False, indent=1))
            else:
                print(text_report(outcome.result, outcome.parsed.issues, backend.label,
                                  outcome.written))
        elif args.google:
            tabs = new_google_layout(args.google, args.lang, args.credentials)
            print(f"Laid out {args.google}: {', '.join(tabs)}")
        elif args.out:
            path = new_workbook(args.out, lang=args.lang, sample=args.sample,
                                as_of=args.as_of, overwrite=args.force)
            print(f"Created {path}")
        else:
            print("sheets-funnel: new needs a file name or --google ID", file=sys.stderr)
            return 2
        return 0
    except SheetsFunnelError as exc:
        print(f"sheets-funnel: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a clean message instead of a stack trace
        logging.getLogger("sheets_funnel").debug("unexpected error", exc_info=True)
        print(f"sheets-funnel: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
