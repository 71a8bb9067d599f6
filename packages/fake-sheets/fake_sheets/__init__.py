"""An offline stand-in for the Google Sheets API v4 (and the part of Drive v3 gspread uses).

A real HTTP server on 127.0.0.1 that answers with the real API's paths, documents and error
bodies, so the real gspread client (or any HTTP client) can be tested without the internet::

    from fake_sheets import FakeSheets, gspread_client

    with FakeSheets() as fake:                      # port 0: any free port
        sid = fake.create_spreadsheet("Pipeline", {"Pipeline": [["Name", "Stage"], ["Ann", 1]]})
        gc = gspread_client(fake.url)               # a gspread.Client talking to the stand-in
        ws = gc.open_by_key(sid).worksheet("Pipeline")
        ws.update([["Bob", 2]], "A3")
        assert fake.values(sid, "Pipeline")[2] == ["Bob", 2]

Public API
----------
``FakeSheets(port=0, *, host="127.0.0.1", max_body_bytes=10 MiB, max_cells=10_000_000,
quota=None, latency=0.0)``
    ``start()`` / ``stop()`` / context manager; ``url`` is ``http://127.0.0.1:PORT``.
    ``latency`` delays every answer by that many seconds (outside the lock, so answers to
    concurrent requests overlap), to model the real service's answer time in benchmarks.

    Content: ``create_spreadsheet(title, tabs=None, *, value_input_option="USER_ENTERED")
    -> id``; ``load_xlsx(path, title=None) -> id`` (dates become serial numbers with a DATE
    format); ``values(id, tab)`` (effective values, trimmed like the API); ``metadata(id)``
    (the ``spreadsheets.get`` document); ``spreadsheet(id)`` (a deep copy of the state:
    ``.sheets[i].cells``, ``.charts``, ``.conditional_formats``, ``.merges``,
    ``.cell(r, c).data_validation`` …); ``spreadsheet_ids()``.

    Another user editing between calls: ``set_values(id, "'Tab'!B2", rows)``,
    ``insert_rows(id, tab, row, rows_or_count)``, ``delete_rows(id, tab, row, count=1)``
    (rows are 1-based, as in the UI).

    Quotas (off by default): ``FakeSheets(quota=QuotaLimits(...))`` or ``enforce_quota(limits,
    clock=...)`` counts read and write requests per minute per user (the account a token was
    issued to) and per project, and refuses those over a limit with the real 429
    ``RESOURCE_EXHAUSTED`` body ("Quota exceeded for quota metric 'Read requests' and limit
    'Read requests per minute per user' …"). ``QuotaLimits(reads_per_user=60,
    writes_per_user=60, reads_per_project=300, writes_per_project=300, minute=60.0)``:
    ``minute`` scales time for benchmarks. ``quota_rejections`` counts the refusals;
    ``stop_quota()`` switches it off.

    Observing and failing: ``requests`` (``[(method, path), ...]`` served, path decoded and
    without the query), ``traffic`` (``[(method, path, request bytes, answer bytes as
    sent), ...]``), ``reset_requests()``, ``fail_next(status, count=1, retry_after=None)``
    (the next requests get the real 429/500/503 bodies), ``lose_next_replies(count=1)``
    (the next writes are applied but their answers dropped), ``after_each_request(callback)``
    (``callback(method, path)`` runs after each request is applied, before it is answered).

    Protection and credentials: ``protect(id, tab, editors=(), *, warning_only=False)``
    (a whole-tab protected range: others' writes get Google's "protected cell or object"
    400; ``addProtectedRange`` works too), ``expire_tokens(*, also_new=False)`` and
    ``revoke(identity)`` (tokens get 401 UNAUTHENTICATED; a revoked key e-mail or refresh
    token gets ``invalid_grant`` from the token endpoint).

Limits as Google's: a request body over ``max_body_bytes`` gets 400 "Request payload size
exceeds the limit" (with ``errors: [{reason: badRequest}]``); answers are gzip-compressed
when the User-Agent contains "gzip" and Accept-Encoding allows it.

``gspread_client(base_url=None, token="test-token", http_client=None) -> gspread.Client``
    A client whose HTTP client rewrites Google's API URLs to ``base_url``.
``patched_urls(base_url=None)``
    Context manager rewriting gspread's URL constants for code that builds its own client.
``api_base_url(base_url=None)``
    ``base_url``, else ``$SHEETS_FUNNEL_GOOGLE_API`` (e.g. ``http://127.0.0.1:8765``), else None.
    Both helpers above fall back to it, so production code can honour the variable too.

HTTP endpoints (as the real API): ``GET /v4/spreadsheets/{id}``,
``POST /v4/spreadsheets/{id}:batchUpdate``, ``GET|PUT /v4/spreadsheets/{id}/values/{range}``,
``POST .../values/{range}:clear``, ``POST .../values/{range}:append``,
``GET .../values:batchGet``, ``POST .../values:batchUpdate``, ``POST .../values:batchClear``,
``POST|GET /drive/v3/files``, ``GET|PATCH|DELETE /drive/v3/files/{id}``; and for tests
``GET /__requests`` and ``POST /__reset_requests``.

Authorization: any ``Authorization: Bearer <token>`` is accepted except ``bad-token`` and the
tokens made to expire or revoked (401 UNAUTHENTICATED); a missing header or ``bad-token`` gets
403 PERMISSION_DENIED.

Command line: ``python -m fake_sheets --port N [--load WORKBOOK.xlsx] [--quota]
[--quota-minute SECONDS]``
prints the spreadsheet id on its first line, the URL on its second, and serves until stopped.
"""

from __future__ import annotations

from .gspread_support import (
    ENV_VAR,
    api_base_url,
    gspread_client,
    patched_urls,
    redirect_url,
    redirecting_http_client,
)
from .model import Cell, Sheet, Spreadsheet
from .quota import QuotaLimits
from .server import FakeSheets

__all__ = [
    "ENV_VAR",
    "Cell",
    "FakeSheets",
    "QuotaLimits",
    "Sheet",
    "Spreadsheet",
    "api_base_url",
    "gspread_client",
    "patched_urls",
    "redirect_url",
    "redirecting_http_client",
]
