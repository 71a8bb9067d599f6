"""Error responses with the bodies the real Sheets v4 and Drive v3 APIs send."""

from __future__ import annotations

from typing import Any

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
DEFAULT_MESSAGES = {
    400: "Request contains an invalid argument.",
    401: "Request had invalid authentication credentials.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    409: "The operation was aborted.",
    500: "Internal error encountered.",
    501: "Operation is not implemented, or supported, or enabled.",
    503: "The service is currently unavailable.",
    504: "The request timed out. Please try again.",
}
PROJECT_NUMBER = "000000000000"
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"
CELL_LIMIT_MESSAGE = (
    "This action would increase the number of cells in the workbook above the limit of {} cells."
)


class ApiError(Exception):
    """A request the API refuses; :meth:`body` is the JSON error document it answers with."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        *,
        details: list[dict[str, Any]] | None = None,
        drive_reason: str | None = None,
        drive_location: str | None = None,
        headers: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> None:
        self.code = code
        self.reason = reason
        self.message = message or DEFAULT_MESSAGES.get(code, "Unknown error.")
        self.details = details
        self.drive_reason = drive_reason
        self.drive_location = drive_location
        self.headers = headers or {}
        super().__init__(f"{code} {self.message}")

    def body(self) -> dict[str, Any]:
        """The error document: Sheets style, or Drive style when a Drive reason is set."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.drive_reason is not None:
            item: dict[str, Any] = {
                "message": self.message,
                "domain": "global",
                "reason": self.drive_reason,
            }
            if self.drive_location:
                item["location"] = self.drive_location
                item["locationType"] = "parameter"
            error["errors"] = [item]
            return {"error": error}
        if self.reason is not None:
            error["errors"] = [
                {"message": self.message, "domain": "global", "reason": self.reason}
            ]
        error["status"] = STATUS_NAMES.get(self.code, "UNKNOWN")
        if self.details:
            error["details"] = self.details
        return {"error": error}


def bad_request(message: str, field: str | None = None) -> ApiError:
    """A 400 INVALID_ARGUMENT, with a BadRequest field violation when ``field`` is given."""
    details = None
    if field is not None:
        details = [
            {
                "@type": BAD_REQUEST_TYPE,
                "fieldViolations": [{"field": field, "description": message}],
            }
        ]
    return ApiError(400, message, details=details)


def payload_too_large(limit: int) -> ApiError:
    """The answer to a request body over the size limit (10 MiB at Google), as Google's
    front end sends it: the old-style ``errors`` list beside the status."""
    return ApiError(
        400, f"Request payload size exceeds the limit: {limit} bytes.", reason="badRequest"
    )


def unauthenticated(expired: bool) -> ApiError:
    """The answer to an access token that expired or was revoked."""
    message = (
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project."
    )
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "ACCESS_TOKEN_EXPIRED" if expired else "ACCESS_TOKEN_TYPE_UNSUPPORTED",
            "domain": "googleapis.com",
            "metadata": {"service": "sheets.googleapis.com"},
        }
    ]
    headers = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
               'error="invalid_token"'}
    return ApiError(401, message, details=details, headers=headers)


PROTECTED_MESSAGE = (
    "You are trying to edit a protected cell or object. Please contact the spreadsheet "
    "owner to remove protection if you need to edit."
)


def protected(where: str | None = None) -> ApiError:
    """The answer to a write into a protected range the caller may not edit.

    Google answers 400 INVALID_ARGUMENT (not 403), the message prefixed with the request
    that touched the range, as for any invalid request of a batch: users of gspread report
    ``APIError: [400]: Invalid requests[0].updateSheetProperties: You are trying to edit a
    protected cell or object. ...`` for ``spreadsheets.batchUpdate`` and ``Invalid data[0]:
    You are trying to edit ...`` for ``values.batchUpdate``; the same 400 text was reported
    against the older API (github.com/theoephraim/node-google-spreadsheet/pull/20).
    ``where`` is that prefix, e.g. ``requests[0].updateCells`` or ``data[0]``.
    """
    return ApiError(400, PROTECTED_MESSAGE if where is None
                    else f"Invalid {where}: {PROTECTED_MESSAGE}")


def not_found() -> ApiError:
    """The answer for an unknown spreadsheet id."""
    return ApiError(404, "Requested entity was not found.")


def drive_not_found(file_id: str) -> ApiError:
    """The Drive answer for an unknown file id."""
    return ApiError(
        404,
        f"File not found: {file_id}.",
        drive_reason="notFound",
        drive_location="fileId",
    )


def cell_limit(max_cells: int) -> str:
    """The message for a workbook that would grow past its cell limit."""
    return CELL_LIMIT_MESSAGE.format(max_cells)


def enum_error(field: str, enum_type: str, value: str) -> ApiError:
    """An unknown value for an enum parameter, e.g. ``valueRenderOption=FOO``."""
    message = (
        f"Invalid value at '{field}' (type.googleapis.com/google.apps.sheets.v4.{enum_type}), "
        f'"{value}"'
    )
    return bad_request(message, field)


def injected(code: int, method: str, retry_after: float | None) -> ApiError:
    """A failure injected by a test: quota (429), internal (500) or unavailable (503)."""
    headers: dict[str, str] = {}
    if retry_after is not None:
        seconds = int(retry_after) if float(retry_after).is_integer() else retry_after
        headers["Retry-After"] = str(seconds)
    if code != 429:
        return ApiError(code, headers=headers)
    error = quota_exceeded("read" if method == "GET" else "write", "user", 60)
    error.headers.update(headers)
    return error


def quota_exceeded(kind: str, per: str, limit: int,
                   project_number: str = PROJECT_NUMBER) -> ApiError:
    """The real 429 for a per-minute quota: ``kind`` read or write, ``per`` user or project.

    The message names the limit as Google does: "Read requests per minute per user" for a
    user's quota, "Read requests per minute" for the project's.
    """
    name = kind.capitalize()
    limit_name = f"{name} requests per minute" + (" per user" if per == "user" else "")
    message = (
        f"Quota exceeded for quota metric '{name} requests' and limit '{limit_name}' of "
        f"service 'sheets.googleapis.com' for consumer 'project_number:{project_number}'."
    )
    details: list[dict[str, Any]] = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "quota_metric": f"sheets.googleapis.com/{kind}_requests",
                "quota_limit": f"{name}RequestsPerMinutePer{per.capitalize()}",
                "quota_location": "global",
                "quota_limit_value": str(limit),
                "consumer": f"projects/{project_number}",
                "service": "sheets.googleapis.com",
            },
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [
                {
                    "description": "Request a higher quota limit.",
                    "url": "https://cloud.google.com/docs/quotas/help/request_increase",
                }
            ],
        },
    ]
    return ApiError(429, message, details=details)
