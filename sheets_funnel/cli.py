"""The ``sheets-funnel`` command: a thin layer over the library."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import logging
import sys
from collections.abc import Sequence

from .backends.google_write import MAX_REQUEST_BYTES, REQUEST_MB_RANGE, request_limit
from .console import OutputClosed, discard_stdout, emit, json_text, tolerate_any_encoding
from .errors import BackendMissing, SheetsFunnelError, error_message
from .importers import SOURCES, import_export
from .locks import DEFAULT_WAIT
from .nightly import DEFAULT_WORKERS
from .refresh import refresh_location
from .report import text_report
from .shard import Shard
from .templates import new_workbook


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; expected YYYY-MM-DD") from None


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers from 1 to 64")
    return value


def _megabytes(text: str) -> int:
    """A request size limit in MB (``--max-request-mb``), as bytes."""
    try:
        return request_limit(float(text))
    except ValueError:
        low, high = REQUEST_MB_RANGE
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of MB from {low} to {high:g}") from None


def _shard(text: str) -> Shard:
    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    ref.add_argument("--adopt-tabs", action="store_true",
                     help="replace existing Funnel, Focus and History tabs that sheets-funnel "
                          "did not write (their content is lost)")
    ref.add_argument("--wait", type=float, default=DEFAULT_WAIT, metavar="SECONDS",
                     help="wait this long for another refresh of the workbook to end "
                          f"(default {DEFAULT_WAIT:g})")
    ref.add_argument("--max-request-mb", type=_megabytes, default=MAX_REQUEST_BYTES,
                     metavar="MB", dest="max_request_bytes",
                     help=f"Google: send no request larger than this (default "
                          f"{MAX_REQUEST_BYTES / 1e6:g}, Google's advice); a larger write "
                          "goes in several requests, never seen half-done")

    new = sub.add_parser(
        "new",
        help="write a fresh pipeline workbook from the template",
        epilog="examples: sheets-funnel new pipeline.xlsx --lang ru --sample 40\n"
               "          sheets-funnel new Team.xlsm --standalone\n"
               "          sheets-funnel new --google SPREADSHEET_ID --credentials key.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new.add_argument("out", nargs="?",
                     help="the .xlsx file to create, or .xlsm for the one with the Refresh button")
    new.add_argument("--google", metavar="ID_OR_URL",
                     help="lay out an existing Google spreadsheet instead of writing a file")
    new.add_argument("--credentials", help="Google: a service-account or OAuth client key file")
    new.add_argument("--lang", choices=("en", "ru"), default="en", help="language (default en)")
    new.add_argument("--sample", type=int, default=0, metavar="N",
                     help="fill the Pipeline with N realistic sample deals")
    new.add_argument("--as-of", type=_date, help="date the sample is built around (default today)")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.add_argument("--standalone", action="store_true",
                     help=".xlsm: put xlwings' VBA in the workbook, so no add-in is needed")

    imp = sub.add_parser(
        "import",
        help="write a new pipeline workbook from a CRM export (CSV or .xlsx)",
        epilog="example: sheets-funnel import deals.csv pipeline.xlsx --from hubspot",
    )
    imp.add_argument("export", help="the CRM's deal export: a .csv or .xlsx file (only read)")
    imp.add_argument("out", help="the .xlsx workbook to create")
    imp.add_argument("--from", dest="crm", required=True,
                     choices=SOURCES,
                     help="which CRM wrote the export (generic: guess from the headers)")
    imp.add_argument("--lang", choices=("en", "ru"), default="en", help="language (default en)")
    imp.add_argument("--force", action="store_true", help="overwrite an existing workbook")

    night = sub.add_parser(
        "nightly",
        help="refresh every workbook listed in a configuration file, several at a time",
        epilog="example: sheets-funnel nightly /etc/sheets-funnel/nightly.toml --json",
    )
    night.add_argument("config", help="the TOML file listing the workbooks (docs/nightly.md)")
    night.add_argument("--as-of", type=_date, help="the report date (default: today)")
    night.add_argument("--json", action="store_true",
                       help="print one JSON object per workbook (a list) instead of a table")
    night.add_argument("--workers", type=_workers, default=DEFAULT_WORKERS, metavar="N",
                       help="refresh N workbooks at a time (default "
                            f"{DEFAULT_WORKERS}); Google Sheets stay within the quotas")
    night.add_argument("--shard", type=_shard, metavar="K/N",
                       help="refresh only shard K of N: N machines with K = 1..N share the "
                            "list, each workbook refreshed by exactly one (docs/scheduling.md)")
    night.add_argument("--max-request-mb", type=_megabytes, metavar="MB",
                       dest="max_request_bytes",
                       help="Google: send no request larger than this (default: the file's "
                            f"max_request_mb, else {MAX_REQUEST_BYTES / 1e6:g})")

    srv = sub.add_parser(
        "serve",
        help="run the refresh service behind the Google Sheets menu (needs SHEETS_FUNNEL_SECRET)",
        epilog="example: SHEETS_FUNNEL_SECRET=... sheets-funnel serve --config nightly.toml",
    )
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    srv.add_argument("--port", type=int, default=8080, help="port to listen on (8080)")
    srv.add_argument("--config", help="nightly TOML: its Google spreadsheets are allowed")
    srv.add_argument("--credentials", help="Google key file for spreadsheets without their own")
    return parser


def _nightly(args: argparse.Namespace) -> int:
    from .nightly import nightly_exit_code, run_nightly, summary_table
    from .nightly_config import load_config
    from .progress import Progress

    config = load_config(args.config)
    if args.max_request_bytes is not None:
        config = dataclasses.replace(config, max_request_bytes=args.max_request_bytes)
    if args.shard is not None:
        config = args.shard.select(config)
        print(f"shard {args.shard}: {len(config.workbooks)} workbook(s) of {args.config}",
              file=sys.stderr)
    reports = run_nightly(config, as_of=args.as_of, progress=Progress(len(config.workbooks)),
                          workers=args.workers)
    if args.json:
        emit(json_text([r.to_json() for r in reports]))
    else:
        emit(summary_table(reports))
    return nightly_exit_code(reports)


def _serve(args: argparse.Namespace) -> int:
    from pathlib import Path

    try:  # the server extra is optional
        from . import server
    except ImportError as exc:
        raise BackendMissing(
            f"the refresh service needs: pip install 'sheets-funnel[server]' ({exc})") from None
    from .nightly_config import load_config

    config = load_config(args.config) if args.config else None
    credentials = Path(args.credentials) if args.credentials else None
    logging.getLogger("sheets_funnel.server").setLevel(logging.INFO)  # one line per refresh
    server.serve(server.settings_from_env(config, credentials=credentials), args.host,
                 args.port)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 unusable workbook, 1 other).

    Output that stops being read (``sheets-funnel refresh … | head``) ends the command
    quietly with exit code 1.
    """
    tolerate_any_encoding()
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(message)s", stream=sys.stderr)
    try:
        if args.command == "nightly":
            return _nightly(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "import":
            print(import_export(args.export, args.out, args.crm, args.lang, args.force).describe())
            return 0
        if args.command == "refresh":
            backend, outcome = refresh_location(args.workbook, as_of=args.as_of,
                                                dry_run=args.dry_run,
                                                credentials=args.credentials,
                                                lock_wait=args.wait,
                                                adopt_tabs=args.adopt_tabs,
                                                max_request_bytes=args.max_request_bytes)
            if args.json:
                emit(json_text(outcome.summary()))
            else:
                emit(text_report(outcome.result, outcome.parsed.issues, backend.label,
                                 outcome.written, outcome.movement))
        elif args.google:
            from .backends.google_layout import new_google_layout

            tabs = new_google_layout(args.google, args.lang, args.credentials)
            emit(f"Laid out {args.google}: {', '.join(tabs)}")
        elif args.out:
            path = new_workbook(args.out, lang=args.lang, sample=args.sample,
                                as_of=args.as_of, overwrite=args.force,
                                standalone=args.standalone)
            emit(f"Created {path}")
        else:
            print("sheets-funnel: new needs a file name or --google ID", file=sys.stderr)
            return 2
        return 0
    except OutputClosed:
        discard_stdout()
        return 1
    except SheetsFunnelError as exc:
        print(error_message(exc), file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a clean message instead of a stack trace
        logging.getLogger("sheets_funnel").debug("unexpected error", exc_info=True)
        print(error_message(exc), file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
