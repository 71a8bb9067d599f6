"""The refresh service behind the Google Sheets "Funnel → Refresh now" menu (``server`` extra).

``POST /refresh`` with ``{"spreadsheet": "<id or URL>", "as_of": "YYYY-MM-DD"?}`` and the
shared secret in ``X-Funnel-Secret`` refreshes one allowed spreadsheet and answers
``{"status": "ok", "spreadsheet", "message", "summary"}``; ``GET /health`` answers
``{"status": "ok"}``. Failures answer ``{"status": "failed" | "busy", "message"}``:

====  =====================================================================
400   the body is not JSON
401   the secret is missing or wrong
403   the spreadsheet is not on the allow-list
409   the spreadsheet is being refreshed right now (its lock is held)
413   the body is larger than 16 KiB
422   the body is not ``{"spreadsheet": ..., "as_of": ...}``, or the workbook cannot be
      used (the message says why: a missing tab, no access, ...)
500   the service is not set up correctly, or an unexpected error (details only in the log)
502   Google Sheets failed or refused the request
====  =====================================================================

The secret comes from ``$SHEETS_FUNNEL_SECRET`` and is compared in constant time; it is
never logged. The allow-list is ``$SHEETS_FUNNEL_ALLOW`` (ids or URLs, separated by commas or
spaces) plus the Google spreadsheets of the nightly configuration given with ``--config``.
Refreshes running at once share one quota limiter per Google key, with the configuration's
``[quota]`` (:mod:`sheets_funnel.backends.google_quota`).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from .backends import google_id, open_workbook
from .backends.google_quota import QuotaPool
from .errors import BackendMissing, SheetsFunnelError, WorkbookUnusable
from .locks import WorkbookBusy
from .nightly import headline
from .nightly_config import ConfigError, NightlyConfig
from .refresh import Opener, refresh_location

log = logging.getLogger("sheets_funnel.server")
ENV_SECRET = "SHEETS_FUNNEL_SECRET"
ENV_ALLOW = "SHEETS_FUNNEL_ALLOW"
SECRET_HEADER = "X-Funnel-Secret"
MIN_SECRET_LENGTH = 16
MAX_BODY_BYTES = 16 * 1024
#: Seconds a request waits for a refresh of the same spreadsheet already running (then 409).
LOCK_WAIT = 2.0
_BODY_KEYS = {"spreadsheet", "as_of"}


@dataclass(frozen=True)
class ServiceSettings:
    """What the service needs: the secret, the allowed spreadsheet ids and their keys."""

    secret: str = field(repr=False)
    allowed: frozenset[str]
    credentials: Mapping[str, Path] = field(default_factory=dict)
    default_credentials: Path | None = None
    lock_wait: float = LOCK_WAIT
    max_body_bytes: int = MAX_BODY_BYTES
    quotas: QuotaPool = field(default_factory=QuotaPool, repr=False, compare=False)
    #: The largest Google request body (None: the default, 2 MB).
    max_request_bytes: int | None = None


def settings_from_env(config: NightlyConfig | None = None,
                      environ: Mapping[str, str] | None = None,
                      credentials: Path | None = None,
                      lock_wait: float = LOCK_WAIT) -> ServiceSettings:
    """The service settings from the environment and an optional nightly configuration.

    Raises :class:`~sheets_funnel.nightly_config.ConfigError` (the service refuses to start)
    without a secret of at least 16 characters or without any allowed spreadsheet.
    """
    env = os.environ if environ is None else environ
    secret = env.get(ENV_SECRET, "").strip()
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"set {ENV_SECRET} to a shared secret of at least {MIN_SECRET_LENGTH} characters "
            "(e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            "; the service does not start without one")
    allowed: set[str] = set()
    for item in re.split(r"[\s,]+", env.get(ENV_ALLOW, "").strip()):
        if not item:
            continue
        spreadsheet = google_id(item)
        if spreadsheet is None:
            raise ConfigError(f"{ENV_ALLOW}: {item!r} is not a Google Sheets id or URL")
        allowed.add(spreadsheet)
    keys: dict[str, Path] = {}
    if config is not None:
        allowed |= config.google_ids()
        keys = {w.spreadsheet_id: w.credentials for w in config.workbooks
                if w.spreadsheet_id and w.credentials}
    if not allowed:
        raise ConfigError(f"no spreadsheet is allowed: list their ids in {ENV_ALLOW} or give "
                          "--config with the nightly configuration")
    quotas = QuotaPool(config.quota) if config is not None else QuotaPool()
    return ServiceSettings(secret, frozenset(allowed), keys, credentials, lock_wait,
                           quotas=quotas,
                           max_request_bytes=config.max_request_bytes if config else None)


def _answer(status_code: int, status: str, message: str) -> JSONResponse:
    return JSONResponse({"status": status, "message": message}, status_code=status_code)


def _parse_body(body: bytes) -> tuple[str, dt.date | None] | JSONResponse:
    """The spreadsheet id and as-of date of a request body, or the error response."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _answer(400, "failed", "the body must be JSON: "
                       '{"spreadsheet": "<id or URL>", "as_of": "YYYY-MM-DD" (optional)}')
    if not isinstance(data, dict):
        return _answer(422, "failed", 'the body must be a JSON object with "spreadsheet"')
    unknown = sorted(set(data) - _BODY_KEYS)
    if unknown:
        return _answer(422, "failed", f"unknown field {unknown[0]!r}; expected spreadsheet, "
                       "as_of")
    raw = data.get("spreadsheet")
    spreadsheet = google_id(raw) if isinstance(raw, str) and len(raw) <= 500 else None
    if spreadsheet is None:
        return _answer(422, "failed", '"spreadsheet" must be a Google Sheets id or URL')
    as_of = data.get("as_of")
    if as_of is None:
        return spreadsheet, None
    try:
        if not isinstance(as_of, str):
            raise ValueError
        return spreadsheet, dt.date.fromisoformat(as_of)
    except ValueError:
        return _answer(422, "failed", '"as_of" must be a date written YYYY-MM-DD')


def create_app(settings: ServiceSettings, opener: Opener = open_workbook) -> FastAPI:
    """The service as an ASGI application (``opener`` opens a workbook by location)."""
    app = FastAPI(title="sheets-funnel refresh service", docs_url=None, redoc_url=None,
                  openapi_url=None)
    secret = settings.secret.encode("utf-8")

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return _answer(500, "failed", "internal error; the service log has the details")

    app.add_exception_handler(Exception, unexpected)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/refresh")
    async def refresh_now(request: Request) -> JSONResponse:
        too_large = _answer(413, "failed", f"the body is larger than "
                            f"{settings.max_body_bytes // 1024} KiB")
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > settings.max_body_bytes:
            return too_large
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, secret):
            return _answer(401, "failed", f"missing or wrong {SECRET_HEADER} header")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > settings.max_body_bytes:
                return too_large
        parsed = _parse_body(bytes(body))
        if isinstance(parsed, JSONResponse):
            return parsed
        spreadsheet, as_of = parsed
        if spreadsheet not in settings.allowed:
            return _answer(403, "failed", "this spreadsheet is not on the refresh service's "
                           "allow-list; ask its administrator to add it")
        return await run_in_threadpool(_refresh, settings, spreadsheet, as_of, opener)

    return app


def _refresh(settings: ServiceSettings, spreadsheet: str, as_of: dt.date | None,
             opener: Opener) -> JSONResponse:
    started = time.monotonic()
    credentials = settings.credentials.get(spreadsheet) or settings.default_credentials
    try:
        backend, outcome = refresh_location(spreadsheet, as_of=as_of, credentials=credentials,
                                            lock_wait=settings.lock_wait, label=spreadsheet,
                                            opener=opener,
                                            limiter=settings.quotas.limiter_for(credentials),
                                            max_request_bytes=settings.max_request_bytes)
    except WorkbookBusy:
        log.info("refresh %s: busy", spreadsheet)
        return _answer(409, "busy", "this spreadsheet is being refreshed right now; try "
                       "again in a minute")
    except WorkbookUnusable as exc:
        log.info("refresh %s: cannot be used: %s", spreadsheet, exc)
        return _answer(422, "failed", str(exc))
    except (BackendMissing, _credentials_error()) as exc:
        log.error("refresh %s: the service is not set up: %s", spreadsheet, exc)
        return _answer(500, "failed", "the refresh service is not set up correctly; ask its "
                       "administrator (the service log has the details)")
    except SheetsFunnelError as exc:
        log.warning("refresh %s: failed: %s", spreadsheet, exc)
        return _answer(502, "failed", str(exc))
    except Exception:
        log.exception("refresh %s: unexpected error", spreadsheet)
        return _answer(500, "failed", "internal error; the service log has the details")
    message = headline(outcome)
    log.info("refresh %s: ok in %.1f s: %s", spreadsheet, time.monotonic() - started, message)
    body: dict[str, Any] = {"status": "ok", "spreadsheet": spreadsheet, "workbook": backend.label,
                            "message": message, "summary": outcome.summary()}
    return JSONResponse(body)


def _credentials_error() -> type[Exception]:
    """The Google credentials error type, or a type nothing raises without the google extra."""
    try:
        from .backends.google_auth import CredentialsError
    except ImportError:  # pragma: no cover - the module itself imports no Google package
        return _Never
    return CredentialsError


class _Never(Exception):
    """Raised by nothing."""


def serve(settings: ServiceSettings, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Run the service with uvicorn until it is stopped (Ctrl-C or SIGTERM)."""
    import uvicorn

    log.info("refresh service on http://%s:%d for %d spreadsheet(s)", host, port,
             len(settings.allowed))
    uvicorn.run(create_app(settings), host=host, port=port, server_header=False,
                log_level="info")
