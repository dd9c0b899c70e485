"""Liveness (/health) and readiness (/ready) for load balancers and supervisors.

``/health`` answers 200 as long as the process serves HTTP. ``/ready`` answers 200 only when the graph
is built (the store holds quads; with ``--backend``, when the backend answers and holds them) and the
query engine, if it runs worker processes (``AppState.pool``), has them alive; otherwise 503 with the
reason (an unreachable backend is named), so a balancer sends no traffic to a server that cannot answer.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from jakgraph.web.state import AppState

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness: the process answers")
def health() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


@router.get("/ready", summary="Readiness: graph built and query workers alive",
            responses={503: {"description": "not ready, with the reasons"}})
def ready(request: Request) -> JSONResponse:
    state: AppState = request.app.state.jak
    checks: dict[str, object] = {}
    problems: list[str] = []
    backend = state.settings.backend_url
    try:
        quads = len(state.graph.store)
    except Exception as err:  # a store that cannot be read (a remote one that is down) is not ready
        quads = None
        problems.append(f"the backend {backend} is unreachable: {' '.join(str(err).split())}" if backend
                        else f"the store cannot be read: {' '.join(str(err).split())}")
    checks["quads"] = quads
    checks["generation"] = state.generation.value
    if quads == 0:
        problems.append(f"the backend {backend} holds no quads (push the graph to it)" if backend
                        else "the graph is not built (the store is empty)")
    if state.pool is not None:
        alive = state.pool.workers_alive()  # None: not started yet (they start with the first query)
        if alive is not None:
            checks["workers_alive"] = alive
            if not alive:
                problems.append("the query workers are not running")
    status = 200 if not problems else 503
    body = {"status": "ready" if status == 200 else "not ready", "checks": checks, "problems": problems}
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
