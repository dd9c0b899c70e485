"""What the write routers (/update, /store) share: the writer of the live store, body reading with a
cap, and the answers for a refused write (the SHACL report as JSON or Turtle)."""
from __future__ import annotations

import dataclasses
import logging
import threading

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from rdflib import Dataset

from jakgraph.errors import BodyTooLarge, JakgraphError, RequestError
from jakgraph.stores.writer import CommitResult, GraphWriter
from jakgraph.web import access_log
from jakgraph.web.auth import require_curator
from jakgraph.web.guards import error_response

log = logging.getLogger("jakgraph.web.writes")
_WRITER_LOCK = threading.Lock()

REMOTE = ("this server answers from a remote store (--backend): curator writes and the graph store go to "
          "that store directly")


def store_is_local(request: Request) -> bool:
    """Writes and /store need the Oxigraph store in this process (not a --backend remote store)."""
    return isinstance(request.app.state.jak.graph.store, ox.Store)


def writer(request: Request) -> GraphWriter:
    """The application's one GraphWriter (created on first use, over the live store)."""
    app = request.app
    with _WRITER_LOCK:
        existing = getattr(app.state, "jak_writer", None)
        if existing is None:
            state = app.state.jak
            existing = GraphWriter(state.graph.store, service_allowlist=state.settings.service_allowlist)
            existing.listeners.append(_refresh_state(app))
            app.state.jak_writer = existing
        return existing


def _refresh_state(app):  # noqa: ANN001, ANN202
    """After a commit: the app's rdflib dataset, the result cache and the query engine follow the store."""

    def listener(store: ox.Store, dataset: Dataset, result: CommitResult) -> None:
        state = app.state.jak
        state.graph = dataclasses.replace(state.graph, dataset=dataset, derived_counts=result.derived_counts)
        for owner in (state, app.state):
            for name in ("cache", "result_cache", "query_cache"):
                cache = getattr(owner, name, None)
                if cache is not None and hasattr(cache, "invalidate"):
                    cache.invalidate()
        # the engine, and whatever it wraps (a caching engine around the worker pool): drop cached answers,
        # then make the workers answer from the committed store (reload returns once they do)
        engine = getattr(state, "engine", None)
        seen: set[int] = set()
        while engine is not None and id(engine) not in seen:
            seen.add(id(engine))
            if callable(getattr(engine, "invalidate", None)):
                engine.invalidate()
            if callable(getattr(engine, "reload", None)):
                engine.reload()  # a wrapper's reload reaches what it wraps
                break
            engine = getattr(engine, "inner", None)

    return listener


async def read_body(request: Request, cap: int, what: str) -> bytes:
    """The request body, refusing (BodyTooLarge, 413) more than ``cap`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge(f"the {what} is larger than {cap} bytes")
    chunks = bytearray()
    async for chunk in request.stream():
        chunks.extend(chunk)
        if len(chunks) > cap:
            raise BodyTooLarge(f"the {what} is larger than {cap} bytes")
    return bytes(chunks)


def curator_refusal(request: Request) -> Response | None:
    """None when the request carries the curator token; otherwise the 401/403 answer."""
    try:
        require_curator(request)
    except JakgraphError as err:
        return error_response(request, err)
    return None


def error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A refusal decided in a router (a request error with this status)."""
    return error_response(request, RequestError(message, status=status, headers=headers))


def refused(request: Request, err: JakgraphError) -> Response:
    """The answer for a write refused before or by validation (the guards' one mapping)."""
    return error_response(request, err)


def committed(request: Request, result: CommitResult, status: int = 200,
              headers: dict[str, str] | None = None) -> JSONResponse:
    body = result.as_json()
    body["request_id"] = access_log.request_id(request.scope)
    return JSONResponse(body, status_code=status, headers=headers)


__all__ = ["committed", "curator_refusal", "error", "read_body", "refused", "store_is_local", "writer"]
