"""Bearer-token authentication for curator writes.

Writes are off unless a token is configured (``jakgraph serve --update-token-file FILE`` or
``JAKGRAPH_UPDATE_TOKEN``). With writes on, a request needs ``Authorization: Bearer <token>``:
no or malformed credentials give 401 with ``WWW-Authenticate``; a well-formed but wrong token gives 403.
The comparison is constant-time (``hmac.compare_digest``).
"""
from __future__ import annotations

import hmac
import re
from pathlib import Path

from fastapi import Request

from jakgraph.errors import CuratorAuthError, SettingsError, TokenRejected, WritesOff

REALM = "jakgraph-curator-writes"
MIN_TOKEN_LENGTH = 16
#: RFC 6750 b64token
_BEARER = re.compile(r"^Bearer +([A-Za-z0-9\-._~+/]+=*) *$", re.IGNORECASE)


def read_token_file(path: Path) -> str:
    """The token in a file (surrounding whitespace ignored); a missing, empty or short token is an error."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        raise SettingsError(f"{path}: cannot read the update token: {err.__class__.__name__}") from None
    return check_token(token, str(path))


def check_token(token: str, where: str = "JAKGRAPH_UPDATE_TOKEN") -> str:
    if len(token) < MIN_TOKEN_LENGTH or not _BEARER.match(f"Bearer {token}"):
        raise SettingsError(
            f"{where}: the update token must be at least {MIN_TOKEN_LENGTH} characters of "
            "A-Z a-z 0-9 - . _ ~ + / (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        )
    return token


def configured_token(request: Request) -> str | None:
    return request.app.state.jak.settings.update_token or None


def writes_enabled(request: Request) -> bool:
    return configured_token(request) is not None


def require_curator(request: Request) -> None:
    """Raise CuratorAuthError (401) or TokenRejected (403) unless the request carries the configured token.

    The routes themselves answer 404/405 when writes are off, before this runs.
    """
    token = configured_token(request)
    if token is None:  # pragma: no cover - routes check writes_enabled first
        raise WritesOff("curator writes are off on this server")
    header = request.headers.get("authorization")
    challenge = f'Bearer realm="{REALM}"'
    if header is None:
        raise CuratorAuthError("this write needs a curator token: Authorization: Bearer <token>",
                               headers={"WWW-Authenticate": challenge})
    match = _BEARER.match(header)
    if match is None:
        raise CuratorAuthError("malformed credentials: send Authorization: Bearer <token>",
                               headers={"WWW-Authenticate": f'{challenge}, error="invalid_request"'})
    if not hmac.compare_digest(match.group(1).encode("utf-8"), token.encode("utf-8")):
        raise TokenRejected("the curator token is not valid")
