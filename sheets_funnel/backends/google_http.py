"""The one door to the Sheets API: every request sheets-funnel sends goes through
:meth:`ApiClient.request`.

Bodies go as compact JSON; answers are asked for gzip-compressed (the API
compresses only for a User-Agent containing "gzip" and an Accept-Encoding
that allows it). Writes wait up to :data:`WRITE_TIMEOUT` seconds, longer
than the API's own 180-second processing limit, so a slow write is not cut
off while Google may still apply it. :attr:`ApiClient.traffic` counts
requests and bytes each way (bytes received as they came over the wire).
Given a ``limiter`` (:mod:`.google_quota`), every request first takes a slot
under the identity's per-minute quotas.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from ..errors import BackendMissing
from .google_auth import load_credentials
from .google_endpoint import api_base_url, redirect_url
from .google_quota import RateLimiter, request_kind

SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets/"
USER_AGENT = "sheets-funnel (gzip)"
#: Seconds a write may take: the API gives up processing a request after 180 s.
WRITE_TIMEOUT = 200.0
#: Seconds a read may take.
READ_TIMEOUT = 120.0


def compact_json(document: Any) -> bytes:
    """A request body as the shortest JSON text (UTF-8, no spaces)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


@dataclass
class Traffic:
    """Requests sent and bytes each way, for the benchmark and the tests."""

    requests: int = 0
    sent: int = 0
    received: int = 0
    largest_sent: int = 0

    def add(self, sent: int, received: int) -> None:
        """Count one request."""
        self.requests += 1
        self.sent += sent
        self.received += received
        self.largest_sent = max(self.largest_sent, sent)


class ApiClient:
    """An authorised HTTP session to the Sheets API for one spreadsheet."""

    def __init__(self, spreadsheet_id: str,
                 credentials: str | os.PathLike[str] | None = None,
                 limiter: RateLimiter | None = None) -> None:
        self.spreadsheet_id = spreadsheet_id
        self._limiter = limiter
        self._credentials_file = credentials
        self._http: Any = None
        self.credentials: Any = None
        self.traffic = Traffic()

    def _client(self) -> Any:
        if self._http is None:
            try:
                from google.auth.transport.requests import AuthorizedSession
                from gspread.http_client import HTTPClient
            except ImportError:
                raise BackendMissing(
                    "Google Sheets needs more packages: pip install 'sheets-funnel[google]'"
                ) from None
            self.credentials = load_credentials(self._credentials_file)
            # An access token Google refuses (401) is refreshed once, then the request is
            # tried once more; a second refusal is the caller's to report.
            session = AuthorizedSession(  # type: ignore[no-untyped-call]
                self.credentials, max_refresh_attempts=1)
            self._http = HTTPClient(self.credentials, session)
        return self._http

    def url(self, suffix: str = "") -> str:
        """The API address of this spreadsheet plus ``suffix`` (``:batchUpdate`` …)."""
        url = SHEETS_API + self.spreadsheet_id + suffix
        base = api_base_url()
        return redirect_url(url, base) if base else url

    def request(self, method: str, suffix: str = "", *,
                params: dict[str, Any] | list[tuple[str, str]] | None = None,
                body: bytes | None = None, timeout: float = READ_TIMEOUT) -> Any:
        """Send one request and return its JSON answer; raises gspread's APIError when
        the API refuses, requests' and google-auth's exceptions when it cannot be reached."""
        http = self._client()
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
        if body is not None:
            headers["Content-Type"] = "application/json; charset=UTF-8"
        http.set_timeout(timeout)
        try:
            if self._limiter is None:
                response = http.request(method, self.url(suffix), params=params, data=body,
                                        headers=headers)
            else:
                with self._limiter.request(request_kind(method)):
                    response = http.request(method, self.url(suffix), params=params, data=body,
                                            headers=headers)
        except Exception as exc:
            answer = getattr(exc, "response", None)
            self.traffic.add(len(body or b""), _wire_bytes(answer))
            raise
        self.traffic.add(len(body or b""), _wire_bytes(response))
        return response.json()


def _wire_bytes(response: Any) -> int:
    """Bytes of an answer's body as sent (compressed when it came compressed)."""
    if response is None:
        return 0
    length = response.headers.get("Content-Length")
    if length is not None and length.isdigit():
        return int(length)
    return len(response.content)


__all__ = ["READ_TIMEOUT", "USER_AGENT", "WRITE_TIMEOUT", "ApiClient", "Traffic", "compact_json"]
