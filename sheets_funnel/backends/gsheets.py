"""A Google Sheet, through gspread (the ``google`` extra).

A refresh costs three API requests whatever the pipeline's size: the
spreadsheet's metadata, one ``values:batchGet`` of the input tabs (raw
values, dates as serial numbers), and one ``spreadsheets:batchUpdate`` that
creates missing owned tabs and rewrites all of them. The API applies a
batchUpdate entirely or not at all, so a failed or retried write never
leaves a half-written tab. Rate limits (429), server errors (500, 502, 503,
504) and timeouts are retried with jittered exponential backoff, a bounded
number of times. Given a ``limiter`` (:mod:`.google_quota`), every HTTP request
first takes a slot under the identity's per-minute quotas.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from ..cells import Rows
from ..errors import BackendMissing, SheetsFunnelError, WorkbookUnusable
from . import google_cells
from .google_auth import CredentialsError, load_credentials
from .google_endpoint import api_base_url, redirect_url
from .google_quota import RateLimiter, request_kind
from .retry import RetryableError, RetryPolicy

T = TypeVar("T")
log = logging.getLogger("sheets_funnel")
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
READ_PARAMS = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}


def quote_tab(title: str) -> str:
    """A tab name as an A1 range covering the whole tab ('It''s' for It's)."""
    return "'" + title.replace("'", "''") + "'"


def _http_client_class(base_url: str | None, limiter: RateLimiter | None = None) -> type[Any]:
    from gspread.http_client import HTTPClient

    if base_url is None and limiter is None:
        return HTTPClient

    class FunnelHTTPClient(HTTPClient):
        """Sends the requests to ``$SHEETS_FUNNEL_GOOGLE_API`` instead of Google's hosts when
        set, and paces them with the identity's quota limiter when given one."""

        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> Any:
            if base_url is not None:
                endpoint = redirect_url(endpoint, base_url)
            if limiter is None:
                return super().request(method, endpoint, *args, **kwargs)
            with limiter.request(request_kind(method)):
                return super().request(method, endpoint, *args, **kwargs)

    return FunnelHTTPClient


class GoogleSheet:
    """A Google spreadsheet, by id."""

    def __init__(self, spreadsheet_id: str, credentials: str | os.PathLike[str] | None = None,
                 *, retry: RetryPolicy | None = None, timeout: float = 120.0,
                 max_cells: int = google_cells.MAX_CELLS,
                 limiter: RateLimiter | None = None) -> None:
        self.spreadsheet_id = spreadsheet_id
        self._limiter = limiter
        self._credentials_file = credentials
        self._retry = retry or RetryPolicy()
        self._timeout = timeout
        self._max_cells = max_cells
        self._http: Any = None
        self._creds: Any = None
        self._metadata: Mapping[str, Any] | None = None

    @property
    def label(self) -> str:
        """The spreadsheet's title once known, else its id."""
        title = (self._metadata or {}).get("properties", {}).get("title")
        return f"{title} ({self.spreadsheet_id})" if title else self.spreadsheet_id

    def _client(self) -> Any:
        if self._http is None:
            try:
                import gspread
            except ImportError:
                raise BackendMissing(
                    "Google Sheets needs more packages: pip install 'sheets-funnel[google]'"
                ) from None
            self._creds = load_credentials(self._credentials_file)
            client = gspread.Client(auth=self._creds,
                                    http_client=_http_client_class(api_base_url(), self._limiter))
            client.http_client.set_timeout(self._timeout)
            self._http = client.http_client
        return self._http

    def _call(self, what: str, call: Callable[[], T],
              before_retry: Callable[[], None] | None = None) -> T:
        """Run one API call with bounded retries, turning failures into clear errors."""
        import requests
        from google.auth.exceptions import RefreshError, TransportError
        from gspread.exceptions import APIError

        def attempt() -> T:
            try:
                return call()
            except APIError as exc:
                status = exc.response.status_code
                if status in RETRYABLE_STATUS:
                    raise RetryableError(f"HTTP {status}", _retry_after(exc.response)) from None
                raise self._api_error(what, status, exc) from None
            except (requests.Timeout, requests.ConnectionError, TransportError) as exc:
                raise RetryableError(type(exc).__name__) from None
            except RefreshError as exc:
                raise CredentialsError(
                    f"Google refused the credentials ({_first_line(exc)}); check the key file "
                    "or sign in again"
                ) from None

        try:
            return self._retry.run(what, attempt, before_retry)
        except RetryableError as exc:
            raise SheetsFunnelError(
                f"Google Sheets was unavailable while {what} ({exc}, {self._retry.attempts} "
                "attempts); nothing was written, try again later"
            ) from None

    def _api_error(self, what: str, status: int, exc: Any) -> SheetsFunnelError:
        message = str(exc.error.get("message", "")) if isinstance(exc.error, Mapping) else ""
        sid = self.spreadsheet_id
        if status == 404:
            return WorkbookUnusable(f"Google spreadsheet {sid} was not found; check the id or URL")
        if status in (401, 403):
            account = getattr(self._creds, "service_account_email", None)
            hint = f"share it with {account} as an editor" if account else (
                "share it with your account as an editor")
            return WorkbookUnusable(f"no access to Google spreadsheet {sid} ({message}); {hint}")
        return SheetsFunnelError(f"Google Sheets refused the request while {what}: {message}")

    def _fetch_metadata(self) -> Mapping[str, Any]:
        http = self._client()
        self._metadata = self._call(
            "reading the spreadsheet's tabs",
            lambda: http.fetch_sheet_metadata(self.spreadsheet_id))
        return self._metadata

    def metadata(self) -> Mapping[str, Any]:
        """The spreadsheet's metadata (fetched once and kept until the next write)."""
        return self._metadata or self._fetch_metadata()

    def tab_names(self) -> list[str]:
        """The spreadsheet's tab names in order (one metadata request, kept for the write)."""
        metadata = self._metadata or self._fetch_metadata()
        return [s.title for s in google_cells.sheets_of(metadata)]

    def read(self, tabs: Sequence[str]) -> dict[str, Rows]:
        """The raw values of each named tab that exists, in one ``values:batchGet``."""
        present = [t for t in tabs if t in self.tab_names()]
        if not present:
            return {}
        http = self._client()
        answer = self._call(
            "reading the tabs",
            lambda: http.values_batch_get(self.spreadsheet_id, [quote_tab(t) for t in present],
                                          params=dict(READ_PARAMS)))
        ranges = answer.get("valueRanges", [])
        return {tab: list(block.get("values", [])) for tab, block in zip(present, ranges,
                                                                         strict=True)}

    def write(self, tabs: Mapping[str, Rows]) -> None:
        """Rewrite the owned tabs (creating missing ones) in one atomic batchUpdate."""
        http = self._client()
        body: dict[str, Any] = {}

        def build() -> None:
            sheets = google_cells.sheets_of(self._metadata or self._fetch_metadata())
            try:
                body["requests"] = google_cells.write_requests(tabs, sheets, self._max_cells)
            except google_cells.TooManyCells as exc:
                raise SheetsFunnelError(f"{exc}; nothing was written") from None

        def rebuild_after_failure() -> None:
            # The failed attempt may have been applied after all: see the tabs as they are now.
            self._fetch_metadata()
            build()

        build()
        self._call("writing the owned tabs",
                   lambda: http.batch_update(self.spreadsheet_id, body),
                   before_retry=rebuild_after_failure)
        self._metadata = None

    def batch_update(self, requests: list[dict[str, Any]], what: str) -> Any:
        """Send one spreadsheets.batchUpdate (used to lay out a new spreadsheet)."""
        http = self._client()
        return self._call(what, lambda: http.batch_update(self.spreadsheet_id,
                                                          {"requests": requests}))


def _retry_after(response: Any) -> float | None:
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if exc.args else str(exc)
    return text.splitlines()[0][:200] if text else type(exc).__name__


__all__ = ["GoogleSheet", "quote_tab"]
