"""Google credentials: a service-account key, a person's own account, or the environment's.

Resolution order:

1. ``credentials`` given (``--credentials FILE``), else ``GOOGLE_APPLICATION_CREDENTIALS``:
   a service-account key (``"type": "service_account"``), saved user
   credentials (``"type": "authorized_user"``), or an OAuth client file
   (``"installed"``) — the last opens the browser once to let the person sign
   in and keeps the result beside it (``FILE.token.json``) for next time;
2. otherwise Application Default Credentials (``gcloud auth application-default login``,
   or the service account of the machine the job runs on).

Only the ``spreadsheets`` scope is asked for: the narrowest that reads and
writes a spreadsheet the account was given access to. Tokens are never
logged or put in a message.

A key file is read once per process (again when it changes): every spreadsheet
opened with it shares one credentials object and its access token, so a
nightly run over many sheets parses the key once and asks for a token once
(or once per worker starting at the same moment), not once per sheet.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from ..errors import SheetsFunnelError
from .google_endpoint import api_base_url, redirect_url

SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
_loaded: dict[tuple[str, int, int, str | None], Any] = {}
_loading = threading.Lock()


class CredentialsError(SheetsFunnelError):
    """Google credentials are missing, unreadable or refused."""


def _info(path: Path) -> dict[str, Any]:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CredentialsError(f"credentials file {path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise CredentialsError(f"credentials file {path} is not a JSON key file ({exc})") from None
    if not isinstance(info, dict):
        raise CredentialsError(f"credentials file {path} is not a JSON key file")
    return info


def _redirected(creds: Any) -> Any:
    """The credentials with their token endpoint on ``$SHEETS_FUNNEL_GOOGLE_API`` when set."""
    base = api_base_url()
    token_uri = getattr(creds, "token_uri", None) or getattr(creds, "_token_uri", None)
    if base and token_uri and hasattr(creds, "with_token_uri"):
        return creds.with_token_uri(redirect_url(str(token_uri), base))
    return creds


def load_credentials(credentials: str | os.PathLike[str] | None = None) -> Any:
    """Google credentials for the spreadsheets scope (see the module docstring)."""
    path = credentials or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if path:
        return _cached(Path(path))
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        found, _ = google.auth.default(scopes=SCOPES)
    except DefaultCredentialsError:
        raise CredentialsError(
            "no Google credentials: pass --credentials with a service-account key or OAuth "
            "client file, set GOOGLE_APPLICATION_CREDENTIALS, or run "
            "'gcloud auth application-default login'"
        ) from None
    return _redirected(found)


def _cached(path: Path) -> Any:
    """The credentials of a key file, loaded once for as long as the file stays the same."""
    try:
        stat = path.stat()
    except OSError:
        return _redirected(_from_file(path))  # _from_file says what is wrong with it
    key = (os.path.realpath(path), stat.st_mtime_ns, stat.st_size, api_base_url())
    with _loading:
        if key not in _loaded:
            _loaded[key] = _redirected(_from_file(path))
        return _loaded[key]


def _from_file(path: Path) -> Any:
    info = _info(path)
    kind = info.get("type")
    try:
        if kind == "service_account":
            from google.oauth2 import service_account

            return service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=SCOPES)
        if kind == "authorized_user":
            from google.oauth2.credentials import Credentials

            return Credentials.from_authorized_user_info(info, scopes=SCOPES)  # type: ignore[no-untyped-call]
    except (ValueError, KeyError) as exc:
        raise CredentialsError(f"credentials file {path}: {exc}") from None
    if "installed" in info or "web" in info:
        return _user_flow(path)
    raise CredentialsError(
        f"credentials file {path} is neither a service-account key, saved user credentials "
        "nor an OAuth client file"
    )


def _user_flow(client_file: Path) -> Any:
    """A person's own account: sign in once in the browser, then reuse the saved token."""
    from google.oauth2.credentials import Credentials

    saved = client_file.with_name(client_file.stem + ".token.json")
    if saved.exists():
        return _from_file(saved)
    try:
        from google_auth_oauthlib.flow import InstalledAppFlow
    except ImportError:
        raise CredentialsError(
            "signing in with a Google account needs: pip install 'sheets-funnel[google]'"
        ) from None
    flow = InstalledAppFlow.from_client_secrets_file(str(client_file), scopes=SCOPES)
    creds: Credentials = flow.run_local_server(port=0, open_browser=True)
    saved.write_text(creds.to_json(), encoding="utf-8")  # type: ignore[no-untyped-call]
    os.chmod(saved, 0o600)
    return creds
