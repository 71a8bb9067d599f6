"""The API itself, without HTTP: routes a request to the right operation and answers it.

:class:`Service` holds every spreadsheet, the log of served requests and the failures a test
asked for. One lock serializes requests, so each request is applied as a whole or not at all.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from .batch_update import apply_batch
from .errors import (
    PROTECTED_MESSAGE,
    ApiError,
    bad_request,
    drive_not_found,
    enum_error,
    injected,
    not_found,
    payload_too_large,
    protected,
    unauthenticated,
)
from .fields import filter_fields
from .metadata import default_properties, sheet_properties, spreadsheet_document
from .model import DEFAULT_COLUMNS, DEFAULT_ROWS, MAX_CELLS, Sheet, Spreadsheet, now_rfc3339
from .quota import QuotaCounter, request_kind
from .token import token_response
from .values import (
    DATE_RENDER,
    DIMENSIONS,
    INPUT_OPTIONS,
    VALUE_RENDER,
    append_values,
    clear_values,
    get_values,
    update_values,
)

SHEETS_MIME = "application/vnd.google-apps.spreadsheet"
DEFAULT_MAX_BODY = 10 * 1024 * 1024
Params = dict[str, list[str]]


@dataclass
class Response:
    """What the HTTP layer sends back: status, JSON document (None for no body), headers."""

    status: int
    payload: object | None
    headers: dict[str, str] = field(default_factory=dict)


class Service:
    """All spreadsheets of the stand-in and the operations of the Sheets and Drive APIs."""

    def __init__(self, max_body_bytes: int = DEFAULT_MAX_BODY, max_cells: int = MAX_CELLS) -> None:
        self.books: dict[str, Spreadsheet] = {}
        self.lock = threading.RLock()
        self.log: list[tuple[str, str]] = []
        self.traffic: list[tuple[str, str, int, int]] = []
        # access token -> the identity it was issued to (key e-mail or refresh token)
        self.tokens: dict[str, str] = {}
        self.expired_tokens: set[str] = set()
        self.revoked: set[str] = set()
        self.issue_expired = False
        self.caller = ""
        self.lost_replies = 0
        self.token_log: list[dict[str, Any]] = []
        self.failures: deque[tuple[int, float | None]] = deque()
        self.rng = random.Random()
        self.max_body_bytes = max_body_bytes
        self.max_cells = max_cells
        self.quota: QuotaCounter | None = None
        self.token_users: dict[str, str] = {}

    # --- spreadsheets ----------------------------------------------------------------------

    def new_book(self, title: str) -> Spreadsheet:
        """Create an empty spreadsheet with one 1000 x 26 sheet named ``Sheet1``."""
        with self.lock:
            book_id = "1" + secrets.token_urlsafe(32)[:43]
            props = sheet_properties(0, "Sheet1", 0, DEFAULT_ROWS, DEFAULT_COLUMNS)
            book = Spreadsheet(
                book_id, default_properties(title), [Sheet(props)], max_cells=self.max_cells
            )
            self.books[book_id] = book
            return book

    def book(self, book_id: str) -> Spreadsheet:
        """The spreadsheet with this id; 404 NOT_FOUND otherwise."""
        found = self.books.get(book_id)
        if found is None:
            raise not_found()
        return found

    def commit(self, book: Spreadsheet) -> None:
        """Keep a changed copy of a spreadsheet as its new state."""
        book.modified_time = now_rfc3339()
        self.books[book.spreadsheet_id] = book

    def new_sheet_id(self, book: Spreadsheet) -> int:
        """An unused random ``sheetId``."""
        taken = {s.sheet_id for s in book.sheets}
        while True:
            candidate = self.rng.randint(1, 2**31 - 1)
            if candidate not in taken:
                return candidate

    # --- requests --------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes | None,
    ) -> Response:
        """Answer one request. ``body`` is None when it was larger than the limit."""
        path, _, query = target.partition("?")
        if path == "/__requests" and method == "GET":
            with self.lock:
                return Response(200, [{"method": m, "path": p} for m, p in self.log])
        if path == "/__reset_requests" and method == "POST":
            with self.lock:
                self.log.clear()
                return Response(200, {})
        if path == "/token" and method == "POST":
            with self.lock:
                status, payload, identity = token_response(
                    body or b"", self.token_log, frozenset(self.revoked)
                )
                if status == 200:
                    self.tokens[payload["access_token"]] = identity
                    if self.issue_expired:
                        self.expired_tokens.add(payload["access_token"])
                issuer = self.token_log[-1].get("issuer") if self.token_log else None
                if status == 200 and issuer:  # quotas count per account, not per token
                    self.token_users[payload["access_token"]] = str(issuer)
                return Response(status, payload)
        with self.lock:
            self.log.append((method, unquote(path)))
            try:
                if body is None:
                    raise payload_too_large(self.max_body_bytes)
                self._authorize(headers)
                if self.quota is not None and path.startswith("/v4/"):
                    self.quota.admit(self._user(headers), request_kind(method))
                if self.failures:
                    status, retry_after = self.failures.popleft()
                    raise injected(status, method, retry_after)
                segments = [unquote(s) for s in path.split("/")[1:]]
                params = parse_qs(query, keep_blank_values=True)
                return self._route(method, segments, params, body)
            except ApiError as error:
                return Response(error.code, error.body(), dict(error.headers))

    def _authorize(self, headers: dict[str, str]) -> None:
        """401 for an expired or revoked token (as Google), 403 for none or one without
        access; any other token is accepted."""
        auth = headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or token == "bad-token":
            raise ApiError(403, "The caller does not have permission")
        if token in self.expired_tokens or self.tokens.get(token) in self.revoked:
            raise unauthenticated(token in self.expired_tokens)
        self.caller = self.tokens.get(token, token)

    def _user(self, headers: dict[str, str]) -> str:
        """Whose quota a request counts against: the account its token was issued to."""
        token = headers.get("authorization", "").partition(" ")[2].strip()
        return self.token_users.get(token, token)

    def _route(self, method: str, seg: list[str], params: Params, body: bytes) -> Response:
        if len(seg) >= 3 and seg[:2] == ["v4", "spreadsheets"]:
            book_id, colon, action = seg[2].partition(":")
            if len(seg) == 3 and not colon and method == "GET":
                return self._get_spreadsheet(book_id, params)
            if len(seg) == 3 and action == "batchUpdate" and method == "POST":
                return self._batch_update(book_id, _json(body))
            if len(seg) == 4 and not colon:
                name = (method, seg[3])
                if name == ("GET", "values:batchGet"):
                    return self._values_batch_get(book_id, params)
                if name == ("POST", "values:batchUpdate"):
                    return self._values_batch_update(book_id, _json(body))
                if name == ("POST", "values:batchClear"):
                    return self._values_batch_clear(book_id, _json(body))
            if len(seg) == 5 and seg[3] == "values" and not colon:
                return self._values(method, book_id, seg[4], params, body)
        if seg[:3] == ["drive", "v3", "files"]:
            if len(seg) == 3 and method == "POST":
                return self._drive_create(_json(body), params)
            if len(seg) == 3 and method == "GET":
                return self._drive_list(params)
            if len(seg) == 4:
                return self._drive_file(method, seg[3], params, body)
        raise ApiError(404, f"Method not found: {method} /{'/'.join(seg)}")

    # --- spreadsheets.get / batchUpdate ----------------------------------------------------

    def _get_spreadsheet(self, book_id: str, params: Params) -> Response:
        book = self.book(book_id)
        grid = _param(params, "includeGridData", "false").lower() == "true"
        document = spreadsheet_document(book, grid, params.get("ranges"), self.caller)
        if "fields" in params:
            document = filter_fields(document, _param(params, "fields", ""))
        return Response(200, document)

    def _batch_update(self, book_id: str, body: dict[str, Any]) -> Response:
        book = self.book(book_id)
        work, response = apply_batch(book, body, self.rng, self.caller)
        self.commit(work)
        return Response(200, response)

    # --- spreadsheets.values ---------------------------------------------------------------

    def _values(
        self, method: str, book_id: str, text: str, params: Params, body: bytes
    ) -> Response:
        book = self.book(book_id)
        if method == "GET":
            return Response(
                200,
                get_values(
                    book,
                    text,
                    _enum(params, "valueRenderOption", VALUE_RENDER, "ValueRenderOption"),
                    _enum(params, "dateTimeRenderOption", DATE_RENDER, "DateTimeRenderOption"),
                    _enum(params, "majorDimension", DIMENSIONS, "Dimension"),
                ),
            )
        work = book.clone()
        if method == "PUT":
            doc = _json(body)
            result = update_values(
                work,
                text,
                doc.get("values"),
                _input_option(params.get("valueInputOption", [None])[0]),
                _major(doc),
                caller=self.caller,
            )
            _include_values(work, result, params)
        elif method == "POST" and text.endswith(":clear"):
            result = {
                "spreadsheetId": work.spreadsheet_id,
                "clearedRange": clear_values(work, text[: -len(":clear")]),
            }
        elif method == "POST" and text.endswith(":append"):
            doc = _json(body)
            insert = _param(params, "insertDataOption", "OVERWRITE")
            if insert not in ("OVERWRITE", "INSERT_ROWS"):
                raise enum_error("insert_data_option", "InsertDataOption", insert)
            result = append_values(
                work,
                text[: -len(":append")],
                doc.get("values"),
                _input_option(params.get("valueInputOption", [None])[0]),
                insert,
                _major(doc),
                caller=self.caller,
            )
            _include_values(work, result["updates"], params)
        else:
            raise ApiError(404, f"Method not found: {method} values/{text}")
        self.commit(work)
        return Response(200, result)

    def _values_batch_get(self, book_id: str, params: Params) -> Response:
        book = self.book(book_id)
        options = (
            _enum(params, "valueRenderOption", VALUE_RENDER, "ValueRenderOption"),
            _enum(params, "dateTimeRenderOption", DATE_RENDER, "DateTimeRenderOption"),
            _enum(params, "majorDimension", DIMENSIONS, "Dimension"),
        )
        result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
        ranges = params.get("ranges", [])
        if ranges:
            result["valueRanges"] = [get_values(book, r, *options) for r in ranges]
        return Response(200, result)

    def _values_batch_update(self, book_id: str, body: dict[str, Any]) -> Response:
        work = self.book(book_id).clone()
        option = _input_option(body.get("valueInputOption"))
        touched: set[tuple[str, int, int]] = set()
        responses: list[dict[str, Any]] = []
        for item in body.get("data") or []:
            if not isinstance(item, dict) or "range" not in item:
                raise bad_request("Invalid data: every value range needs a range.", "data")
            try:
                response = update_values(work, str(item["range"]), item.get("values"), option,
                                         _major(item), touched, self.caller)
            except ApiError as error:
                if error.message != PROTECTED_MESSAGE:
                    raise
                raise protected(f"data[{len(responses)}]") from None
            if body.get("includeValuesInResponse"):
                _include_values(work, response, _response_params(body))
            responses.append(response)
        result: dict[str, Any] = {"spreadsheetId": work.spreadsheet_id}
        totals = {
            "totalUpdatedRows": len({t for t in touched if t[0] == "row"}),
            "totalUpdatedColumns": len({t for t in touched if t[0] == "col"}),
            "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
            "totalUpdatedSheets": len({t[1] for t in touched}),
        }
        result.update({k: v for k, v in totals.items() if v})
        if responses:
            result["responses"] = responses
        self.commit(work)
        return Response(200, result)

    def _values_batch_clear(self, book_id: str, body: dict[str, Any]) -> Response:
        work = self.book(book_id).clone()
        cleared = [clear_values(work, str(r)) for r in body.get("ranges") or []]
        self.commit(work)
        result: dict[str, Any] = {"spreadsheetId": work.spreadsheet_id}
        if cleared:
            result["clearedRanges"] = cleared
        return Response(200, result)

    # --- Drive -----------------------------------------------------------------------------

    def _file(self, book: Spreadsheet, params: Params, default: str) -> dict[str, Any]:
        document = {
            "kind": "drive#file",
            "id": book.spreadsheet_id,
            "name": book.title,
            "mimeType": SHEETS_MIME,
            "createdTime": book.created_time,
            "modifiedTime": book.modified_time,
        }
        result = filter_fields(document, _param(params, "fields", default))
        assert isinstance(result, dict)
        return result

    def _drive_create(self, body: dict[str, Any], params: Params) -> Response:
        mime = body.get("mimeType", SHEETS_MIME)
        if mime != SHEETS_MIME:
            raise ApiError(
                400, f"Only {SHEETS_MIME} files can be created here.", drive_reason="badRequest"
            )
        book = self.new_book(str(body.get("name") or "Untitled spreadsheet"))
        return Response(200, self._file(book, params, "kind,id,name,mimeType"))

    def _drive_list(self, params: Params) -> Response:
        query = _param(params, "q", "")
        match = re.search(r"""name\s*=\s*(["'])(.*?)\1""", query)
        books = [b for b in self.books.values() if match is None or b.title == match.group(2)]
        files = [self._file(b, {}, "kind,id,name,mimeType,createdTime,modifiedTime") for b in books]
        document: dict[str, Any] = {
            "kind": "drive#fileList",
            "incompleteSearch": False,
            "files": files,
        }
        if "fields" in params:
            document = filter_fields(document, _param(params, "fields", ""))
        return Response(200, document)

    def _drive_file(self, method: str, file_id: str, params: Params, body: bytes) -> Response:
        book = self.books.get(file_id)
        if book is None:
            raise drive_not_found(file_id)
        if method == "GET":
            return Response(200, self._file(book, params, "kind,id,name,mimeType"))
        if method == "DELETE":
            del self.books[file_id]
            return Response(204, None)
        if method == "PATCH":
            doc = _json(body)
            work = book.clone()
            if "name" in doc:
                work.properties["title"] = str(doc["name"])
            self.commit(work)
            return Response(200, self._file(work, params, "kind,id,name,mimeType"))
        raise ApiError(404, f"Method not found: {method} files/{file_id}")


def _json(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad_request("Invalid JSON payload received. Unexpected token.") from None
    if not isinstance(document, dict):
        raise bad_request("Invalid JSON payload received. Expected an object.")
    return document


def _param(params: Params, name: str, default: str) -> str:
    values = params.get(name)
    return values[0] if values else default


def _enum(params: Params, name: str, allowed: tuple[str, ...], enum_type: str) -> str:
    value = _param(params, name, allowed[0])
    if value not in allowed:
        snake = re.sub(r"([A-Z])", r"_\1", name).lower()
        raise enum_error(snake, enum_type, value)
    return value


def _input_option(value: object) -> str:
    if value is None or value == "":
        raise bad_request("'valueInputOption' is required but not specified")
    if value not in INPUT_OPTIONS:
        raise enum_error("value_input_option", "ValueInputOption", str(value))
    return str(value)


def _major(document: dict[str, Any]) -> str:
    major = str(document.get("majorDimension") or "ROWS")
    if major not in DIMENSIONS:
        raise enum_error("major_dimension", "Dimension", major)
    return major


def _response_params(body: dict[str, Any]) -> Params:
    params: Params = {"includeValuesInResponse": ["true"]}
    for key in ("responseValueRenderOption", "responseDateTimeRenderOption"):
        if body.get(key):
            params[key] = [str(body[key])]
    return params


def _include_values(book: Spreadsheet, result: dict[str, Any], params: Params) -> None:
    if _param(params, "includeValuesInResponse", "false").lower() != "true":
        return
    value_render = _param(params, "responseValueRenderOption", "FORMATTED_VALUE")
    date_render = _param(params, "responseDateTimeRenderOption", "SERIAL_NUMBER")
    if value_render not in VALUE_RENDER:
        raise enum_error("response_value_render_option", "ValueRenderOption", value_render)
    if date_render not in DATE_RENDER:
        raise enum_error("response_date_time_render_option", "DateTimeRenderOption", date_render)
    result["updatedData"] = get_values(
        book, result["updatedRange"], value_render, date_render, "ROWS"
    )
