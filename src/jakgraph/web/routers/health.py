"""Liveness (/health) and readiness (/ready) for load balancers and supervisors.

``/health`` answers 200 as long as the process serves HTTP. ``/ready`` answers 200 only when the graph
is built (the store holds quads) and the query engine, if it runs worker processes, has them alive;
otherwise 503 with the reason, so a balancer sends no traffic to a server that cannot answer.
"""
from __future__ import annotations

import os

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness: the process answers")
def health() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


@router.get("/ready", summary="Readiness: graph built and query workers alive",
            responses={503: {"description": "not ready, with the reasons"}})
def ready(request: Request) -> JSONResponse:
    state = getattr(request.app.state, "jak", None)
    checks: dict[str, object] = {}
    problems: list[str] = []
    graph = getattr(state, "graph", None)
    try:
        quads = len(graph.store) if graph is not None else 0
    except Exception:  # a store that cannot be read is not ready
        quads = 0
    checks["quads"] = quads
    if quads == 0:
        problems.append("the graph is not built (the store is empty)")
    engine = _engine(request)
    if engine is not None:
        alive = _workers_alive(engine)
        if alive is not None:
            checks["workers_alive"] = alive
            if not alive:
                problems.append("the query workers are not running")
    status = 200 if not problems else 503
    body = {"status": "ready" if status == 200 else "not ready", "checks": checks, "problems": problems}
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _engine(request: Request) -> object | None:
    state = getattr(request.app.state, "jak", None)
    return getattr(state, "engine", None)


def _workers_alive(engine: object) -> bool | None:
    """Whether the engine's worker processes run; None when it has none to report (remote, not started).

    Looks through wrappers (``.inner``, e.g. a caching engine) for the worker pool and its ``pids``.
    """
    seen: set[int] = set()
    while engine is not None and id(engine) not in seen:
        seen.add(id(engine))
        for name in ("workers_alive", "alive", "is_alive", "healthy"):
            probe = getattr(engine, name, None)
            if probe is not None:
                try:
                    return bool(probe() if callable(probe) else probe)
                except Exception:
                    return False
        pids = getattr(engine, "pids", None)
        if pids is not None:
            pids = list(pids() if callable(pids) else pids)
            if not pids:
                return None if not getattr(engine, "_started", False) else False
            return all(_running(pid) for pid in pids)
        engine = getattr(engine, "inner", None)
    return None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed worker not yet reaped is a zombie: not running
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True
