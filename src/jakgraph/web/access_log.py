"""A structured access log: one JSON line per request, written by a pure-ASGI middleware.

Each line holds: ``ts`` (UTC, ISO 8601), ``request_id`` (also sent back as ``X-Request-ID``), ``method``,
``path``, ``status``, ``duration_ms``, ``bytes`` (response body), ``query_hash`` (the first 16 hex digits
of the SHA-256 of the query or update text, never the text itself; null when the request carries none)
and ``client`` (address of the peer).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jakgraph.formats import parse_content_type

LOGGER_NAME = "jakgraph.access"
log = logging.getLogger(LOGGER_NAME)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
#: request bodies are kept (for the query hash) only up to this size and only for SPARQL media types
_HASHED_BODY_LIMIT = 1024 * 1024
_SPARQL_BODY_TYPES = ("application/sparql-query", "application/sparql-update", "application/x-www-form-urlencoded")


def query_hash(text: str | bytes | None) -> str | None:
    if text is None:
        return None
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:16]


def configure(target: str | None) -> None:
    """Send the access log to standard error (``-``), to a file (appended), or nowhere (``""``/None)."""
    for old in list(log.handlers):
        if getattr(old, "_jakgraph_access", False):
            log.removeHandler(old)
            old.close()
    log.propagate = False
    log.setLevel(logging.INFO)
    if not target:
        return
    if target == "-":
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
    else:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(target, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._jakgraph_access = True  # type: ignore[attr-defined]
    log.addHandler(handler)


#: request ids: 8 random hex digits drawn once per process, then a counter (16 hex digits in all, as
#: before): unique within a server's life and across restarts in practice, without a ``getrandom`` call
#: and a UUID object per request
_ID_PREFIX = uuid.uuid4().hex[:8]
_ID_COUNTER = itertools.count(1)


def _next_request_id() -> str:
    return f"{_ID_PREFIX}{next(_ID_COUNTER) & 0xFFFFFFFF:08x}"


def request_id(scope: Scope) -> str | None:
    return scope.get("state", {}).get("request_id")


class AccessLogMiddleware:
    """Times every HTTP request and logs it as one JSON line; sets ``X-Request-ID`` on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = ""
        raw_type: bytes | None = None
        for name, value in scope.get("headers", ()):  # only the two headers read here (ASGI: lower case)
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
            elif name == b"content-type":
                raw_type = value
        rid = incoming if incoming and _REQUEST_ID.match(incoming) else _next_request_id()
        scope.setdefault("state", {})["request_id"] = rid
        content_type = parse_content_type(raw_type.decode("latin-1"))[0] if raw_type is not None else ""
        keep_body = scope.get("method") == "POST" and content_type in _SPARQL_BODY_TYPES
        body = bytearray()
        status = 500
        sent = 0

        async def receive_wrapper() -> Message:
            message = await receive()
            if keep_body and message.get("type") == "http.request" and len(body) <= _HASHED_BODY_LIMIT:
                body.extend(message.get("body", b"")[: _HASHED_BODY_LIMIT + 1 - len(body)])
            return message

        async def send_wrapper(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = dict(message)
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode("latin-1"))]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive_wrapper if keep_body else receive, send_wrapper)
        finally:
            if log.handlers:
                record = {
                    "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "request_id": rid,
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "bytes": sent,
                    "query_hash": _hash_of_request(scope, content_type, bytes(body)),
                    "client": _client(scope),
                }
                log.info(json.dumps(record, ensure_ascii=True))


def _client(scope: Scope) -> str | None:
    client = scope.get("client")
    return f"{client[0]}" if client else None


def _hash_of_request(scope: Scope, content_type: str, body: bytes) -> str | None:
    """The hash of the SPARQL text the request carries (URL ``query``/``update``, form field, or body)."""
    try:
        params = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        for name in ("query", "update"):
            if params.get(name):
                return query_hash(params[name][0])
        if content_type in ("application/sparql-query", "application/sparql-update") and body:
            return query_hash(body)
        if content_type == "application/x-www-form-urlencoded" and body:
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            for name in ("query", "update"):
                if form.get(name):
                    return query_hash(form[name][0])
    except Exception:  # the log must never break a request
        return None
    return None
