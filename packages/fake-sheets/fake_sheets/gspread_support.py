"""Point gspread at the stand-in (or at any other base URL) instead of Google's hosts.

Two ways, both reading ``SHEETS_FUNNEL_GOOGLE_API`` when no base URL is given:

* :func:`gspread_client` builds a ``gspread.Client`` whose HTTP client rewrites every Google
  API URL to the base URL. Nothing global changes.
* :func:`patched_urls` is a context manager that rewrites gspread's URL constants in all its
  modules for the duration of the block, for code that builds its own clients (for example
  through ``gspread.service_account``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ENV_VAR = "SHEETS_FUNNEL_GOOGLE_API"
GOOGLE_HOSTS = (
    "https://sheets.googleapis.com",
    "https://www.googleapis.com",
    "https://oauth2.googleapis.com",
)


def api_base_url(base_url: str | None = None) -> str | None:
    """``base_url``, else ``$SHEETS_FUNNEL_GOOGLE_API``, else None (the real Google APIs)."""
    chosen = base_url or os.environ.get(ENV_VAR) or None
    return chosen.rstrip("/") if chosen else None


def redirect_url(url: str, base_url: str) -> str:
    """Replace a Google API host at the start of ``url`` by ``base_url`` (idempotent)."""
    for host in GOOGLE_HOSTS:
        if url.startswith(host):
            return base_url.rstrip("/") + url[len(host) :]
    return url

_GSPREAD_MODULES = (
    "gspread.urls",
    "gspread.http_client",
    "gspread.client",
    "gspread.spreadsheet",
    "gspread.worksheet",
)


def redirecting_http_client(base_url: str, base: type[Any] | None = None) -> type[Any]:
    """A gspread HTTP client class (``http_client=`` argument) that talks to ``base_url``.

    ``base`` is the class to extend: ``gspread.HTTPClient`` (default) or
    ``gspread.BackOffHTTPClient``.
    """
    from gspread.http_client import HTTPClient

    parent: type[Any] = base or HTTPClient

    class RedirectingHTTPClient(parent):  # type: ignore[misc]
        """Sends every request to the base URL instead of Google's hosts."""

        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> Any:
            return super().request(method, redirect_url(endpoint, base_url), *args, **kwargs)

    RedirectingHTTPClient.__name__ = f"Redirecting{parent.__name__}"
    return RedirectingHTTPClient


def gspread_client(
    base_url: str | None = None,
    token: str = "test-token",
    http_client: type[Any] | None = None,
) -> Any:
    """A ``gspread.Client`` authorized with a fixed bearer ``token``, talking to ``base_url``.

    Without ``base_url`` the client uses ``$SHEETS_FUNNEL_GOOGLE_API``; without either it
    talks to the real Google APIs. ``http_client`` picks the gspread HTTP client class to
    extend (e.g. ``gspread.BackOffHTTPClient``).
    """
    import gspread
    from google.oauth2.credentials import Credentials

    target = api_base_url(base_url)
    credentials = Credentials(token=token)  # type: ignore[no-untyped-call]
    parent = http_client or gspread.HTTPClient
    cls = redirecting_http_client(target, parent) if target else parent
    return gspread.Client(auth=credentials, http_client=cls)


@contextmanager
def patched_urls(base_url: str | None = None) -> Iterator[str | None]:
    """Rewrite gspread's Google API URL constants to ``base_url`` inside the block.

    Yields the base URL in use, or None (and changes nothing) when neither ``base_url`` nor
    ``$SHEETS_FUNNEL_GOOGLE_API`` is set. The original constants are restored on exit.
    """
    import importlib

    target = api_base_url(base_url)
    if target is None:
        yield None
        return
    saved: list[tuple[Any, str, str]] = []
    try:
        for name in _GSPREAD_MODULES:
            module = importlib.import_module(name)
            for attr, value in list(vars(module).items()):
                if attr.isupper() and isinstance(value, str):
                    redirected = redirect_url(value, target)
                    if redirected != value:
                        saved.append((module, attr, value))
                        setattr(module, attr, redirected)
        yield target
    finally:
        for module, attr, value in reversed(saved):
            setattr(module, attr, value)
