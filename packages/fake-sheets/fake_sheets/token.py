"""The OAuth 2.0 token endpoint (``POST /token``) the Google client libraries call.

Service-account keys exchange a signed JWT (``grant_type`` jwt-bearer) and
user credentials a refresh token for an access token. The stand-in does not
check signatures; it answers like Google's endpoint and refuses, with
Google's ``invalid_grant`` error, a key whose ``client_email`` starts with
``revoked``, a refresh token equal to ``revoked``, and any identity (key e-mail or
refresh token) in the ``revoked`` set it is given. A key whose
``client_email`` starts with ``noaccess`` gets a token that the Sheets API
refuses with 403, as for a spreadsheet not shared with that account.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any
from urllib.parse import parse_qs

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _jwt_claims(assertion: str) -> dict[str, Any]:
    parts = assertion.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


def token_response(
    body: bytes, log: list[dict[str, Any]], revoked: frozenset[str] = frozenset()
) -> tuple[int, dict[str, Any], str]:
    """The status and JSON body answering one token request, and the identity asking (key
    e-mail or refresh token); the request is added to ``log``."""
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    grant = form.get("grant_type", "")
    entry: dict[str, Any] = {"grant_type": grant}
    refused = False
    if grant == JWT_GRANT:
        claims = _jwt_claims(form.get("assertion", ""))
        entry.update(issuer=claims.get("iss"), scope=claims.get("scope"))
        identity = str(claims.get("iss", ""))
        refused = not claims or identity.startswith("revoked") or identity in revoked
        reason = "Invalid JWT Signature."
    elif grant == "refresh_token":
        entry.update(scope=form.get("scope"))
        identity = form.get("refresh_token") or ""
        refused = identity in ("", "revoked") or identity in revoked
        reason = "Token has been expired or revoked."
    else:
        log.append(entry)
        return 400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type: "
                     + grant}, ""
    log.append(entry)
    if refused:
        return 400, {"error": "invalid_grant", "error_description": reason}, identity
    no_access = str(entry.get("issuer") or "").startswith("noaccess")
    token = "bad-token" if no_access else "ya29." + secrets.token_urlsafe(24)
    return 200, {"access_token": token, "expires_in": 3599,
                 "token_type": "Bearer", "scope": entry.get("scope") or ""}, identity
