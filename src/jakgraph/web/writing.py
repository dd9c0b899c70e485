"""What the write routers (/update, /store) share: the writer of the live store, body reading with a
cap, and their answers (a refusal is rendered by ``web/guards.py``, the one place errors become responses;
what a commit changes is ``AppState``'s business: the generation, the workers' reload)."""
from __future__ import annotations

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from jakgraph.errors import JakgraphError, RequestError
from jakgraph.policy.limits import check_size
from jakgraph.stores.writer import CommitResult, GraphWriter
from jakgraph.web import access_log
from jakgraph.web.auth import require_curator
from jakgraph.web.guards import error_response
from jakgraph.web.state import AppState

REMOTE = ("this server answers from a remote store (--backend): curator writes and the graph store go to "
          "that store directly")


def store_is_local(request: Request) -> bool:
    """Writes and /store need the Oxigraph store in this process (not a --backend remote store)."""
    return isinstance(request.app.state.jak.graph.store, ox.Store)


def writer(request: Request) -> GraphWriter:
    """The application's one GraphWriter (``AppState.writer``: its commits bump the store generation)."""
    state: AppState = request.app.state.jak
    return state.writer()


async def read_body(request: Request, cap: int, what: str, setting: str) -> bytes:
    """The request body, refusing (InputTooLarge, 413, naming ``setting``) more than ``cap`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        check_size(int(declared), cap, what, setting)
    chunks = bytearray()
    async for chunk in request.stream():
        chunks.extend(chunk)
        check_size(len(chunks), cap, what, setting)
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
