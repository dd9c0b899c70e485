"""``POST /backend/changed``: the explicit bump of a backend's version, for ``jakgraph push --notify URL``.

Why: in backend mode jakgraph learns of writes to the backend by probing it (``stores.remote.BackendWatch``)
and by its cache's TTL; a push that replaces a graph with one of the same size is seen by neither until the
TTL ends. The pusher knows, so it says so. Anyone may call it (it only makes the caches start afresh), so
it is rate-limited: at most one bump every few seconds, later calls get 429 with Retry-After.
"""
from __future__ import annotations

import math

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from jakgraph.web.state import AppState

router = APIRouter(tags=["operations"])


@router.post("/backend/changed", summary="The backend was written: every cache starts afresh", status_code=202,
             responses={404: {"description": "not serving a backend"}, 429: {"description": "bumped just now"}})
def backend_changed(request: Request) -> JSONResponse:
    state: AppState = request.app.state.jak
    headers = {"Cache-Control": "no-store"}
    if state.backend_watch is None:
        return JSONResponse({"error": "this server answers from its own store, not a backend (--backend)"},
                            status_code=404, headers=headers)
    wait = state.backend_watch.notify("notified: the backend changed")
    if wait > 0:
        return JSONResponse({"error": f"the caches were started afresh just now; again in {wait:.0f} s"},
                            status_code=429, headers={**headers, "Retry-After": str(math.ceil(wait))})
    return JSONResponse({"status": "caches start afresh", "generation": state.generation.key},
                        status_code=202, headers=headers)
