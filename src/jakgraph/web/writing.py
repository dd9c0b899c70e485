"""What the write routers (/update, /store) share: the writer of the live store, body reading with a
cap, and the answers for a refused write (the SHACL report as JSON or Turtle)."""
from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Mapping

import pyoxigraph as ox
from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse, Response
from rdflib import Dataset

from jakgraph.errors import JakgraphError
from jakgraph.formats import TURTLE
from jakgraph.stores.writer import CommitResult, GraphWriter, WriteError, WriteNotConforming
from jakgraph.web import access_log
from jakgraph.web.guards import error_body
from jakgraph.web.negotiation import choose

log = logging.getLogger("jakgraph.web.writes")
_WRITER_LOCK = threading.Lock()

SH = "http://www.w3.org/ns/shacl#"


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
            existing = GraphWriter(state.graph.store, service_allowlist=state.settings.service_allowlist,
                                   settings=state.settings)
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
    """The request body, refusing (413) more than ``cap`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise HTTPException(413, f"the {what} is larger than {cap} bytes")
    chunks = bytearray()
    async for chunk in request.stream():
        chunks.extend(chunk)
        if len(chunks) > cap:
            raise HTTPException(413, f"the {what} is larger than {cap} bytes")
    return bytes(chunks)


def curator_refusal(request: Request) -> JSONResponse | None:
    """None when the request carries the curator token; otherwise the 401/403 answer (same JSON shape as
    every other refusal here, with WWW-Authenticate on 401)."""
    from jakgraph.web.auth import require_curator

    try:
        require_curator(request)
    except HTTPException as err:
        return error(request, err.status_code, str(err.detail), headers=err.headers)
    return None


def error(request: Request, status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message, access_log.request_id(request.scope)),
                        status_code=status, headers=headers)


def refused(request: Request, err: JakgraphError) -> Response:
    """The answer for a write refused before or by validation."""
    if isinstance(err, WriteNotConforming):
        return report_response(request, err)
    status = getattr(err, "status", 400)
    return error(request, status, str(err))


def committed(request: Request, result: CommitResult, status: int = 200,
              headers: dict[str, str] | None = None) -> JSONResponse:
    body = result.as_json()
    body["request_id"] = access_log.request_id(request.scope)
    return JSONResponse(body, status_code=status, headers=headers)


def prefers_turtle(accept: str | None) -> bool:
    """True when the client ranks Turtle above JSON (q-values honoured); JSON on a tie or no preference."""
    offers = ("json", "turtle")
    types = [("application/json", "application/problem+json"), TURTLE.media_types]
    return choose(accept, offers, types) == "turtle"


def report_response(request: Request, err: WriteNotConforming) -> Response:
    """422 with the SHACL validation report: Turtle if the client prefers it, JSON otherwise."""
    outcome = err.outcome
    if prefers_turtle(request.headers.get("accept")):
        payload = outcome.report_graph.serialize(format=TURTLE.rdflib, encoding="utf-8")
        return Response(payload, status_code=422, media_type=TURTLE.content_type,
                        headers={"Vary": "Accept"})
    body = error_body(422, str(err), access_log.request_id(request.scope))
    body["conforms"] = False
    results = report_results(outcome.report_graph)
    body["results"] = [r for r in results if r.get("severity") == "Violation"]
    body["other_results"] = {severity: sum(1 for r in results if r.get("severity") == severity)
                             for severity in ("Warning", "Info")}
    body["full_report"] = "send Accept: text/turtle for the whole SHACL report"
    return JSONResponse(body, status_code=422, headers={"Vary": "Accept"})


def report_results(report) -> list[dict[str, str]]:  # noqa: ANN001 - rdflib Graph
    """The sh:ValidationResult nodes of a report as plain dicts, in a stable order."""
    from rdflib import RDF, URIRef

    fields = {
        "focusNode": "focusNode",
        "resultPath": "resultPath",
        "value": "value",
        "sourceShape": "sourceShape",
        "sourceConstraintComponent": "constraint",
        "resultSeverity": "severity",
        "resultMessage": "message",
    }
    rows = []
    for result in report.subjects(RDF.type, URIRef(SH + "ValidationResult")):
        row: dict[str, str] = {}
        for prop, key in fields.items():
            value = report.value(result, URIRef(SH + prop))
            if value is not None:
                text = str(value)
                row[key] = text.removeprefix(SH) if key in ("severity", "constraint") else text
        rows.append(row)
    return sorted(rows, key=lambda r: (r.get("focusNode", ""), r.get("resultPath", ""), r.get("message", "")))


__all__ = ["WriteError", "committed", "error", "read_body", "refused", "report_response", "writer"]
