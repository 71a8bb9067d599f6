"""The HTTP front of the stand-in and :class:`FakeSheets`, the handle a test holds."""

from __future__ import annotations

import gzip
import json
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from .errors import ApiError
from .metadata import sheet_properties, spreadsheet_document
from .model import DEFAULT_COLUMNS, DEFAULT_ROWS, MAX_CELLS, Sheet, Spreadsheet
from .quota import QuotaCounter, QuotaLimits
from .service import DEFAULT_MAX_BODY, Response, Service
from .values import read_grid, resolve_range, set_rows
from .xlsx import read_workbook

_DRAIN_CHUNK = 64 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    service: Service
    latency: float = 0.0
    after_request: Callable[[str, str], None] | None = None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this each response would wait
        # for the client's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the request log is available through :attr:`FakeSheets.requests`."""

    def _read_body(self, limit: int) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked(limit)
        length = int(self.headers.get("Content-Length") or 0)
        if length <= limit:
            return self.rfile.read(length) if length else b""
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(_DRAIN_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
        return None

    def _read_chunked(self, limit: int) -> bytes | None:
        body = bytearray()
        too_large = False
        while True:
            size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                break
            chunk = self.rfile.read(size)
            self.rfile.readline(1024)
            too_large = too_large or len(body) + len(chunk) > limit
            if not too_large:
                body += chunk
        return None if too_large else bytes(body)

    def _serve(self, method: str) -> None:
        service = self.server.service
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body = self._read_body(service.max_body_bytes)
            if self.server.latency > 0 and not self.path.startswith("/__"):
                time.sleep(self.server.latency)  # answers overlap, as a real server's do
            response = service.handle(method, self.path, headers, body)
        except Exception:  # pragma: no cover - a bug in the stand-in itself
            traceback.print_exc()
            error = ApiError(500)
            response = Response(500, error.body())
        payload = self._payload(response, headers)
        path = self.path.partition("?")[0]
        with service.lock:
            length = int(self.headers.get("Content-Length") or 0)
            service.traffic.append((method, path, length, len(payload)))
        if self.server.after_request is not None and not path.startswith(("/__", "/token")):
            self.server.after_request(method, path)
        with service.lock:
            lose = method != "GET" and not path.startswith(("/__", "/token")) and (
                service.lost_replies > 0)
            service.lost_replies -= 1 if lose else 0
        if lose:  # applied, but the client never hears back (a dropped connection)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(response, payload)

    @staticmethod
    def _payload(response: Response, headers: dict[str, str]) -> bytes:
        """The answer's body, gzip-compressed when the client asked as Google requires (a
        User-Agent containing "gzip" and an Accept-Encoding allowing it)."""
        if response.payload is None or response.status == 204:
            return b""
        text = json.dumps(response.payload, ensure_ascii=False, indent=2) + "\n"
        if _wants_gzip(headers):
            response.headers["Content-Encoding"] = "gzip"
            response.headers["Vary"] = "Origin, X-Origin, Referer"
            return gzip.compress(text.encode("utf-8"), compresslevel=6)
        return text.encode("utf-8")

    def _send(self, response: Response, payload: bytes) -> None:
        self.send_response(response.status)
        if response.status != 204:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)


def _wants_gzip(headers: dict[str, str]) -> bool:
    if "gzip" not in headers.get("user-agent", "").lower():
        return False
    for item in headers.get("accept-encoding", "").lower().split(","):
        name, _, params = item.strip().partition(";")
        if name.strip() in ("gzip", "*") and params.replace(" ", "") not in ("q=0", "q=0.0"):
            return True
    return False


class FakeSheets:
    """An offline Sheets v4 + Drive v3 server on 127.0.0.1, serving from a background thread.

    Use it as a context manager (``with FakeSheets() as fake: ...``) or call :meth:`start`
    and :meth:`stop`. Port 0 picks a free port; :attr:`url` tells which.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        max_body_bytes: int = DEFAULT_MAX_BODY,
        max_cells: int = MAX_CELLS,
        quota: QuotaLimits | None = None,
        latency: float = 0.0,
    ) -> None:
        self._port = port
        self._host = host
        self._latency = latency
        self._service = Service(max_body_bytes=max_body_bytes, max_cells=max_cells)
        if quota is not None:
            self.enforce_quota(quota)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the base to use instead of the Google API hosts."""
        if self._server is None:
            raise RuntimeError("The server is not started.")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeSheets:
        """Bind the port and start serving in a daemon thread."""
        if self._server is not None:
            return self
        server = _Server((self._host, self._port), _Handler)
        server.service = self._service
        server.latency = self._latency
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSheets:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- content ---------------------------------------------------------------------------

    def create_spreadsheet(
        self,
        title: str,
        tabs: dict[str, list[list[object]]] | None = None,
        *,
        value_input_option: str = "USER_ENTERED",
    ) -> str:
        """Create a spreadsheet and return its id.

        ``tabs`` maps tab titles to rows of Python values (``str``, numbers, ``bool``,
        ``datetime.date``/``datetime``, ``None`` for a blank cell). Strings are read like
        typed text (``"=A1*2"`` is a formula, ``"5"`` a number) unless ``value_input_option``
        is ``"RAW"``. Without ``tabs`` the spreadsheet has one empty ``Sheet1``.
        """
        svc = self._service
        with svc.lock:
            book = svc.new_book(title)
            if tabs:
                book.sheets = []
                for index, (tab, rows) in enumerate(tabs.items()):
                    height = max(DEFAULT_ROWS, len(rows))
                    width = max([DEFAULT_COLUMNS, *(len(r) for r in rows)])
                    sheet_id = 0 if index == 0 else svc.new_sheet_id(book)
                    sheet = Sheet(sheet_properties(sheet_id, tab, index, height, width))
                    set_rows(sheet, 0, 0, rows, value_input_option)
                    book.sheets.append(sheet)
                book.check_cell_limit()
            return book.spreadsheet_id

    def load_xlsx(self, path: str | os.PathLike[str], title: str | None = None) -> str:
        """Load every tab's cell values of an .xlsx workbook into a new spreadsheet.

        Dates become serial numbers with a ``DATE`` (or ``DATE_TIME``) number format; formulas
        are loaded as their last computed values. Returns the new spreadsheet's id.
        """
        tabs = read_workbook(path)
        name = title if title is not None else os.path.splitext(os.path.basename(path))[0]
        if not tabs:
            return self.create_spreadsheet(name)
        return self.create_spreadsheet(name, tabs, value_input_option="RAW")

    def values(self, spreadsheet_id: str, tab: str) -> list[list[object]]:
        """A tab's effective values (numbers as numbers, dates as serials), trimmed like the API."""
        with self._service.lock:
            book = self._book(spreadsheet_id)
            sheet = _sheet_of(book, tab)
            bounds = (0, sheet.row_count, 0, sheet.column_count)
            return read_grid(sheet, bounds, "UNFORMATTED_VALUE", "SERIAL_NUMBER", book=book)

    def spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        """A deep copy of a spreadsheet's state: sheets, cells, charts, rules, validations."""
        with self._service.lock:
            return self._book(spreadsheet_id).snapshot()

    def metadata(self, spreadsheet_id: str) -> dict[str, Any]:
        """The document ``spreadsheets.get`` answers with (without grid data)."""
        with self._service.lock:
            return spreadsheet_document(self._book(spreadsheet_id))

    def spreadsheet_ids(self) -> list[str]:
        """Ids of all spreadsheets the stand-in holds, oldest first."""
        with self._service.lock:
            return list(self._service.books)

    # --- simulating other users ------------------------------------------------------------

    def set_values(
        self,
        spreadsheet_id: str,
        range_a1: str,
        rows: Sequence[Sequence[object]],
        *,
        value_input_option: str = "USER_ENTERED",
    ) -> None:
        """Write values from ``range_a1``'s top-left cell on (``None`` blanks a cell)."""
        svc = self._service
        with svc.lock:
            work = self._book(spreadsheet_id).clone()
            sheet, rng = resolve_range(work, range_a1)
            set_rows(sheet, rng.start_row or 0, rng.start_col or 0, rows, value_input_option)
            work.check_cell_limit()
            svc.commit(work)

    def insert_rows(
        self,
        spreadsheet_id: str,
        tab: str,
        row: int,
        rows: Sequence[Sequence[object]] | int,
        *,
        value_input_option: str = "USER_ENTERED",
    ) -> None:
        """Insert rows so that the first new one becomes row ``row`` (1-based).

        ``rows`` is either the values of the new rows or a number of blank rows.
        """
        svc = self._service
        with svc.lock:
            work = self._book(spreadsheet_id).clone()
            sheet = _sheet_of(work, tab)
            values = [[] for _ in range(rows)] if isinstance(rows, int) else list(rows)
            if not 1 <= row <= sheet.row_count + 1:
                raise ValueError(f"row {row} is outside 1..{sheet.row_count + 1}")
            sheet.shift(True, row - 1, len(values))
            set_rows(sheet, row - 1, 0, values, value_input_option)
            work.check_cell_limit()
            svc.commit(work)

    def delete_rows(self, spreadsheet_id: str, tab: str, row: int, count: int = 1) -> None:
        """Delete ``count`` rows starting at row ``row`` (1-based)."""
        svc = self._service
        with svc.lock:
            work = self._book(spreadsheet_id).clone()
            sheet = _sheet_of(work, tab)
            start = row - 1
            if (
                start < 0
                or count < 1
                or start + count > sheet.row_count
                or count == sheet.row_count
            ):
                raise ValueError("rows outside the sheet, or every row of it")
            sheet.shift(True, start, -count)
            svc.commit(work)

    def protect(
        self,
        spreadsheet_id: str,
        tab: str,
        editors: Sequence[str] = (),
        *,
        warning_only: bool = False,
    ) -> int:
        """Protect a whole tab so that only ``editors`` (key e-mails or refresh tokens of the
        credentials the stand-in issued tokens to) may change it; returns its id."""
        svc = self._service
        with svc.lock:
            work = self._book(spreadsheet_id).clone()
            sheet = _sheet_of(work, tab)
            taken = {p["protectedRangeId"] for s in work.sheets for p in s.protected_ranges}
            range_id = max(taken, default=0) + 1
            sheet.protected_ranges.append({
                "protectedRangeId": range_id,
                "range": {"sheetId": sheet.sheet_id},
                "description": f"{tab} belongs to its owner",
                "warningOnly": warning_only,
                "editors": {"users": list(editors)},
            })
            svc.commit(work)
            return range_id

    # --- credentials -----------------------------------------------------------------------

    def expire_tokens(self, *, also_new: bool = False) -> None:
        """Make every access token issued so far expire: the API answers it with 401
        UNAUTHENTICATED, as Google does, until the client gets a new one. ``also_new`` makes
        the tokens issued from now on refused too (credentials that keep failing)."""
        with self._service.lock:
            self._service.expired_tokens.update(self._service.tokens)
            self._service.issue_expired = also_new

    def revoke(self, identity: str) -> None:
        """Revoke an identity (a key's e-mail or a refresh token): its access tokens get 401
        and the token endpoint refuses it with ``invalid_grant``."""
        with self._service.lock:
            self._service.revoked.add(identity)

    # --- request log and failures ----------------------------------------------------------

    @property
    def requests(self) -> list[tuple[str, str]]:
        """``(method, path)`` of every API request served, in order (path decoded, no query)."""
        with self._service.lock:
            return list(self._service.log)

    @property
    def token_requests(self) -> list[dict[str, Any]]:
        """Token requests served (``POST /token``): grant type, issuer and scope of each."""
        with self._service.lock:
            return list(self._service.token_log)

    @property
    def traffic(self) -> list[tuple[str, str, int, int]]:
        """``(method, path, request body bytes, answer body bytes as sent)`` of every API
        request answered, in order (answers gzip-compressed when the client asked)."""
        with self._service.lock:
            return list(self._service.traffic)

    def reset_requests(self) -> None:
        """Forget the requests served so far."""
        with self._service.lock:
            self._service.log.clear()
            self._service.traffic.clear()

    def after_each_request(self, callback: Callable[[str, str], None] | None) -> None:
        """Call ``callback(method, path)`` after each API request is applied and before its
        answer goes out (None: stop). The callback may read the state, e.g. :meth:`values`."""
        if self._server is None:
            raise RuntimeError("The server is not started.")
        self._server.after_request = callback

    def lose_next_replies(self, count: int = 1) -> None:
        """Apply the next ``count`` writing requests (not GET) but drop the connection
        instead of answering, as when a reply is lost on the way: the client sees a
        connection error although the change was made."""
        with self._service.lock:
            self._service.lost_replies += count

    def fail_next(self, status: int, count: int = 1, retry_after: float | None = None) -> None:
        """Answer the next ``count`` API requests with ``status`` (429, 500, 503 …).

        The bodies are the real API's (``RESOURCE_EXHAUSTED`` with quota details for 429);
        ``retry_after`` adds a ``Retry-After`` header with that many seconds.
        """
        if not 400 <= status <= 599 or count < 1:
            raise ValueError("status must be an HTTP error code and count at least 1")
        with self._service.lock:
            self._service.failures.extend([(status, retry_after)] * count)

    # --- quotas ----------------------------------------------------------------------------

    def enforce_quota(self, limits: QuotaLimits | None = None, *,
                      clock: Callable[[], float] = time.monotonic) -> None:
        """Count requests per minute per user and per project, and refuse those over a limit.

        ``limits`` default to the real API's (60 reads and 60 writes per user, 300 of each
        per project, per 60 s); :meth:`stop_quota` switches enforcement off again. The
        refusals are the real 429 ``RESOURCE_EXHAUSTED`` bodies; ``clock`` lets a test move
        time without sleeping.
        """
        with self._service.lock:
            self._service.quota = QuotaCounter(limits or QuotaLimits(), clock)

    def stop_quota(self) -> None:
        """Stop enforcing quotas (the default)."""
        with self._service.lock:
            self._service.quota = None

    @property
    def quota_rejections(self) -> int:
        """How many requests were refused with 429 for being over a quota."""
        with self._service.lock:
            quota = self._service.quota
            return quota.rejected if quota is not None else 0

    # --- helpers ---------------------------------------------------------------------------

    def _book(self, spreadsheet_id: str) -> Spreadsheet:
        book = self._service.books.get(spreadsheet_id)
        if book is None:
            raise KeyError(f"no spreadsheet with id {spreadsheet_id}")
        return book

    def _sheet(self, spreadsheet_id: str, tab: str) -> Sheet:
        return _sheet_of(self._book(spreadsheet_id), tab)


def _sheet_of(book: Spreadsheet, tab: str) -> Sheet:
    sheet = book.find_title(tab)
    if sheet is None:
        raise KeyError(f"no tab named {tab!r}")
    return sheet


__all__ = ["FakeSheets"]
