"""A Google Sheet, through gspread's HTTP client (the ``google`` extra).

A refresh of a small pipeline costs three API requests: the spreadsheet's
metadata (only the fields needed), one ``values:batchGet`` of the input tabs
(raw values, dates as serial numbers), and one ``spreadsheets:batchUpdate``
that creates missing owned tabs and rewrites all of them, as long as that
write is at most 1 MB (:data:`.google_write.COMPACT_LIMIT`). The API applies
a batchUpdate entirely or not at all. A larger write goes through hidden
staging tabs in several requests of at most ``max_request_bytes`` (2 MB by
default, Google's advice) and one final swap (see :mod:`.google_write`), so
no reader ever sees a half-written tab. Answers come gzip-compressed. Rate limits (429), server
errors (500, 502, 503, 504) and timeouts are retried (see :mod:`.retry`).
Every HTTP request goes through :class:`.google_http.ApiClient`, which, given
a ``limiter`` (:mod:`.google_quota`), first takes a slot under the identity's
per-minute quotas.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from ..cells import Rows
from ..errors import SheetsFunnelError, WorkbookUnusable
from . import google_cells, google_write
from .google_auth import CredentialsError
from .google_cells import quote_tab
from .google_http import WRITE_TIMEOUT, ApiClient, Traffic, compact_json
from .google_quota import RateLimiter
from .retry import RetryableError, RetryPolicy

T = TypeVar("T")
log = logging.getLogger("sheets_funnel")
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
READ_PARAMS = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}
#: What a refresh needs to know of the spreadsheet: its title and, per tab, the properties,
#: the protected ranges, the charts and the conditional formats (for laying it out).
METADATA_FIELDS = (
    "properties.title,sheets(properties(sheetId,title,index,hidden,"
    "gridProperties(rowCount,columnCount)),protectedRanges(range,warningOnly,"
    "requestingUserCanEdit),charts(chartId,spec.title),conditionalFormats),"
    "developerMetadata(metadataKey,metadataValue)"
)
#: The spreadsheet's developer metadata key whose value names the last write that landed.
WRITE_MARKER = "sheets-funnel.write"
PROTECTED_MESSAGE = "protected cell or object"
EXPIRED = ("your Google credentials expired or were revoked: sign in again / issue a new key")


class ProtectedTab(WorkbookUnusable):
    """A tab sheets-funnel writes is protected from its account."""


class GoogleSheet:
    """A Google spreadsheet, by id."""

    def __init__(self, spreadsheet_id: str, credentials: str | os.PathLike[str] | None = None,
                 *, retry: RetryPolicy | None = None,
                 max_cells: int = google_cells.MAX_CELLS,
                 max_request_bytes: int = google_write.MAX_REQUEST_BYTES,
                 limiter: RateLimiter | None = None) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.api = ApiClient(spreadsheet_id, credentials, limiter)
        self._retry = retry or RetryPolicy()
        self._max_cells = max_cells
        self._max_request_bytes = max_request_bytes
        self._metadata: Mapping[str, Any] | None = None

    @property
    def label(self) -> str:
        """The spreadsheet's title once known, else its id."""
        title = (self._metadata or {}).get("properties", {}).get("title")
        return f"{title} ({self.spreadsheet_id})" if title else self.spreadsheet_id

    @property
    def traffic(self) -> Traffic:
        """Requests sent so far and bytes each way."""
        return self.api.traffic

    def _call(self, what: str, call: Callable[[], T],
              before_retry: Callable[[], None] | None = None) -> T:
        """Run one API call with retries, turning failures into clear errors."""
        import requests
        from google.auth.exceptions import RefreshError, TransportError
        from gspread.exceptions import APIError

        def attempt() -> T:
            try:
                return call()
            except APIError as exc:
                status = exc.response.status_code
                if status in RETRYABLE_STATUS:
                    raise RetryableError(f"HTTP {status}", _retry_after(exc.response),
                                         quota=status == 429) from None
                raise self._api_error(what, status, exc) from None
            except (requests.Timeout, requests.ConnectionError, TransportError) as exc:
                raise RetryableError(type(exc).__name__) from None
            except RefreshError as exc:
                raise CredentialsError(f"{EXPIRED} (Google said: {_first_line(exc)})") from None

        try:
            return self._retry.run(what, attempt, before_retry)
        except RetryableError as exc:
            reason = "quota exceeded" if exc.quota else f"{exc}"
            raise SheetsFunnelError(
                f"Google Sheets was unavailable while {what} ({reason}, {exc.attempts} attempts "
                f"over {exc.seconds:.0f} s); nothing was written, try again later"
            ) from None

    def _api_error(self, what: str, status: int, exc: Any) -> SheetsFunnelError:
        message = str(exc.error.get("message", "")) if isinstance(exc.error, Mapping) else ""
        sid = self.spreadsheet_id
        if status == 404:
            return WorkbookUnusable(f"Google spreadsheet {sid} was not found; check the id or URL")
        if status == 401:
            return CredentialsError(EXPIRED)
        if status in (400, 403) and PROTECTED_MESSAGE in message:
            return ProtectedTab(self._protected_message(None))
        if status == 403:
            hint = f"share it with {self._account() or 'your account'} as an editor"
            return WorkbookUnusable(f"no access to Google spreadsheet {sid} ({message}); {hint}")
        return SheetsFunnelError(f"Google Sheets refused the request while {what}: {message}")

    def _account(self) -> str | None:
        return getattr(self.api.credentials, "service_account_email", None)

    def _protected_message(self, title: str | None) -> str:
        account = self._account()
        who = f"the sheets-funnel account ({account})" if account else "the sheets-funnel account"
        tab = f"tab {title}" if title else "a tab sheets-funnel writes"
        return f"{tab} is protected: let {who} edit it"

    def _fetch_metadata(self) -> Mapping[str, Any]:
        self._metadata = self._call(
            "reading the spreadsheet's tabs",
            lambda: self.api.request("GET", params={"fields": METADATA_FIELDS}))
        return self._metadata

    def metadata(self) -> Mapping[str, Any]:
        """The spreadsheet's metadata (fetched once and kept until the next write)."""
        return self._metadata or self._fetch_metadata()

    def refetch_metadata(self) -> Mapping[str, Any]:
        """The spreadsheet's metadata as it is now."""
        return self._fetch_metadata()

    def tab_names(self) -> list[str]:
        """The spreadsheet's tab names in order, leaving out staging tabs of an unfinished
        write (one metadata request, kept for the write)."""
        return [s.title for s in google_cells.sheets_of(self.metadata())
                if not google_write.is_staging(s.title)]

    def read(self, tabs: Sequence[str]) -> dict[str, Rows]:
        """The raw values of each named tab that exists, in one ``values:batchGet``."""
        present = [t for t in tabs if t in self.tab_names()]
        if not present:
            return {}
        params = [*READ_PARAMS.items(), *(("ranges", quote_tab(t)) for t in present)]
        answer = self._call("reading the tabs",
                            lambda: self.api.request("GET", "/values:batchGet", params=params))
        ranges = answer.get("valueRanges", [])
        return {tab: list(block.get("values", [])) for tab, block in zip(present, ranges,
                                                                         strict=True)}

    def _check_not_protected(self, titles: Sequence[str]) -> None:
        for sheet in self.metadata().get("sheets", []):
            title = sheet.get("properties", {}).get("title")
            if title not in titles:
                continue
            for protected in sheet.get("protectedRanges", []):
                if not protected.get("warningOnly") and not protected.get(
                        "requestingUserCanEdit", True):
                    raise ProtectedTab(self._protected_message(str(title)))

    def write(self, tabs: Mapping[str, Rows]) -> None:
        """Rewrite the owned tabs (creating missing ones), all at once for any reader.

        One batchUpdate when it is small enough, else staging tabs written in several
        requests and one final swap (see :mod:`.google_write`). A failed request may have
        been applied after all, so before trying again the spreadsheet is read back. The
        request that makes the new content visible also records a stamp of this write in
        the spreadsheet's developer metadata: when that stamp is there, the write landed
        and is not sent again. Otherwise a single write is rebuilt for the tabs as they are
        now; the request creating the staging tabs is not sent again when they are there;
        a request filling them (staging cells only) is repeated as it was; and the final
        swap is repeated.
        """
        self._check_not_protected(list(tabs))
        try:
            self._write(tabs)
        except ProtectedTab:
            # protected since the tabs were read: name the tab when the metadata shows it
            self._fetch_metadata()
            self._check_not_protected(list(tabs))
            raise
        finally:
            self._metadata = None

    def _write(self, tabs: Mapping[str, Rows]) -> None:
        stamp = uuid.uuid4().hex
        plan = self._plan(tabs, stamp)

        def landed() -> bool:
            return any(m.get("metadataKey") == WRITE_MARKER and m.get("metadataValue") == stamp
                       for m in self.metadata().get("developerMetadata", []))

        def staged() -> bool:
            present = {s.sheet_id: s.title for s in google_cells.sheets_of(self.metadata())}
            return all(present.get(i) == t for i, t in plan.staging.items())

        requests = plan.requests
        if len(requests) == 1:
            self._send("writing the owned tabs", requests[0], applied=landed,
                       rebuild=lambda: self._plan(tabs, stamp).requests[0])
            return
        count = len(requests)
        self._send(f"preparing the staging tabs (request 1 of {count})", requests[0],
                   applied=staged)
        for number, request in enumerate(requests[1:-1], 2):
            self._send(f"writing the staging tabs (request {number} of {count})", request)
        self._send(f"swapping in the new tabs (request {count} of {count})", requests[-1],
                   applied=landed)

    def _plan(self, tabs: Mapping[str, Rows], stamp: str) -> google_write.WritePlan:
        """The write's requests; the last one also records ``stamp`` as the write that
        landed (developer metadata), which is read back when its answer is lost."""
        metadata = self.metadata()
        marker: dict[str, Any] = {"metadataKey": WRITE_MARKER, "metadataValue": stamp}
        finish: dict[str, Any]
        if any(m.get("metadataKey") == WRITE_MARKER for m in metadata.get("developerMetadata",
                                                                          [])):
            finish = {"updateDeveloperMetadata": {
                "dataFilters": [{"developerMetadataLookup": {"metadataKey": WRITE_MARKER}}],
                "developerMetadata": marker, "fields": "metadataValue"}}
        else:
            finish = {"createDeveloperMetadata": {"developerMetadata": {
                **marker, "location": {"spreadsheet": True}, "visibility": "DOCUMENT"}}}
        try:
            return google_write.write_plan(tabs, google_cells.sheets_of(metadata),
                                           self._max_cells, self._max_request_bytes, [finish])
        except google_cells.TooManyCells as exc:
            raise SheetsFunnelError(f"{exc}; nothing was written") from None

    def _send(self, what: str, request: google_write.WriteRequest, *,
              rebuild: Callable[[], google_write.WriteRequest] | None = None,
              applied: Callable[[], bool] | None = None) -> None:
        """Send one write; before a retry read the spreadsheet back, then send what
        ``rebuild`` makes of it, or nothing when ``applied`` says the failed attempt landed."""
        current = [request]
        landed = [False]

        def before_retry() -> None:
            if rebuild is None and applied is None:
                return
            self._fetch_metadata()
            if applied is not None:
                landed[0] = applied()
            if rebuild is not None and not landed[0]:
                current[0] = rebuild()

        def send() -> Any:
            if landed[0]:
                return None
            return self.api.request("POST", current[0].path, body=current[0].body,
                                    timeout=WRITE_TIMEOUT)

        self._call(what, send, before_retry)

    def batch_update(self, requests: list[dict[str, Any]], what: str,
                     before_retry: Callable[[], list[dict[str, Any]]] | None = None) -> Any:
        """Send one spreadsheets.batchUpdate (used to lay out a new spreadsheet).

        ``before_retry`` gives the requests to send instead after a failed attempt (it may
        have been applied after all).
        """
        body = [compact_json({"requests": requests})]

        def rebuild() -> None:
            if before_retry is not None:
                body[0] = compact_json({"requests": before_retry()})

        return self._call(what, lambda: self.api.request("POST", ":batchUpdate", body=body[0],
                                                         timeout=WRITE_TIMEOUT),
                          before_retry=rebuild)


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
