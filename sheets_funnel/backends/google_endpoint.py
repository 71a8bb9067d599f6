"""Where the Google APIs are: Google's hosts, or a stand-in named by an environment variable.

``SHEETS_FUNNEL_GOOGLE_API=http://127.0.0.1:8765`` sends every Sheets, Drive
and token request to that base URL instead (the paths stay the real ones),
so the real client can be run against an offline stand-in.
"""

from __future__ import annotations

import os

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
