"""The SPARQL 1.1 Graph Store HTTP Protocol at /store (indirect identification: ``?graph=IRI`` or ``?default``).

GET and HEAD read one graph (Turtle, N-Triples, RDF/XML or JSON-LD by Accept) and are always on.
PUT (replace), POST (merge) and DELETE need the curator token; with writes off they answer 405. Each write
is one validated transaction (see ``jakgraph.stores.writer``): 422 with the SHACL report if the graph would not
conform, and the graph exactly as before. ``?default`` is the store's own default graph (where updates
without GRAPH write), not the union the query endpoint shows; ``graph:shapes`` and ``graph:derived`` are
read-only. ``?graph=`` takes an absolute IRI, or a project prefixed name such as ``graph:letter``.
"""
from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from jakgraph.errors import GraphTargetError
from jakgraph.formats import ResultFormat
from jakgraph.namespaces import expand
from jakgraph.policy.limits import check_rdf
from jakgraph.stores.writer import PAYLOAD_FORMATS, GraphName, parse_graph_payload, payload_format
from jakgraph.views.describe import used_prefixes
from jakgraph.web.auth import writes_enabled
from jakgraph.web.negotiation import choose
from jakgraph.web.writing import (
    REMOTE,
    committed,
    curator_refusal,
    error,
    read_body,
    store_is_local,
    writer,
)

router = APIRouter(tags=["graph store"])

#: what GET can answer with (and a write may send: ``writer.PAYLOAD_FORMATS``), in order of preference
RESULT_FORMATS = PAYLOAD_FORMATS
WRITES_OFF = ("curator writes are off on this server (start it with --update-token-file FILE or "
              "JAKGRAPH_UPDATE_TOKEN); GET and HEAD still read graphs")
_GRAPH_PARAMS = {"graph": {"name": "graph", "in": "query", "required": False, "schema": {"type": "string"},
                           "description": "the graph's IRI (or a project prefixed name, e.g. graph:letter)"},
                 "default": {"name": "default", "in": "query", "required": False, "schema": {"type": "string"},
                             "allowEmptyValue": True, "description": "present: the default graph"}}
_OPENAPI = {"parameters": list(_GRAPH_PARAMS.values())}
_BODY = {"requestBody": {"content": {media: {"schema": {"type": "string"}} for media in (f.media_type for f in RESULT_FORMATS)}}}


def _target(request: Request) -> GraphName:
    graphs = request.query_params.getlist("graph")
    default = "default" in request.query_params
    if default and graphs:
        raise GraphTargetError("give ?graph=IRI or ?default, not both")
    if not default and not graphs:
        raise GraphTargetError("name the graph: ?graph=IRI or ?default")
    if len(graphs) > 1:
        raise GraphTargetError("give one ?graph=IRI")
    if default:
        return ox.DefaultGraph()
    value = graphs[0].strip()
    value = expand(value) or value
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", value):
        raise GraphTargetError(f"?graph must be an absolute IRI (got {graphs[0]!r})")
    try:
        return ox.NamedNode(value)
    except ValueError:
        raise GraphTargetError(f"?graph is not a valid IRI: {graphs[0]!r}") from None


def _negotiate(accept: str | None) -> ResultFormat | None:
    """The graph format the client prefers (q-values honoured), or None when it accepts none.

    Canonical media types only, no aliases: a browser's ``application/xml;q=0.9`` must not win RDF/XML
    over Turtle here (the Service Description does the same).
    """
    return choose(accept, RESULT_FORMATS, [(f.media_type,) for f in RESULT_FORMATS])


def _read(store: ox.Store, graph: GraphName, fmt: ResultFormat) -> bytes | None:
    exists = isinstance(graph, ox.DefaultGraph) or store.contains_named_graph(graph) or next(
        iter(store.quads_for_pattern(None, None, None, graph)), None) is not None
    if not exists:
        return None
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph)]
    prefixes = used_prefixes(triples) if fmt.name in ("ttl", "rdfxml") else None
    if prefixes:
        return ox.serialize(triples, format=fmt.rdf, prefixes=prefixes)
    return ox.serialize(triples, format=fmt.rdf)


@router.api_route("/store", methods=["GET", "HEAD"], summary="Read one graph (Graph Store Protocol)",
                  responses={200: {"content": {f.media_type: {} for f in RESULT_FORMATS}}, 400: {}, 404: {}, 406: {}},
                  openapi_extra=_OPENAPI)
async def store_get(request: Request) -> Response:
    if not store_is_local(request):
        return error(request, 405, REMOTE, headers={"Allow": ""})
    graph = _target(request)  # a GraphTargetError is answered by the guards (400)
    chosen = _negotiate(request.headers.get("accept"))
    if chosen is None:
        known = ", ".join(f.media_type for f in RESULT_FORMATS)
        return error(request, 406, f"cannot answer in the formats you accept; choose one of: {known}")
    payload = await run_in_threadpool(_read, request.app.state.jak.graph.store, graph, chosen)
    if payload is None:
        return error(request, 404, f"no graph <{graph.value}>" if isinstance(graph, ox.NamedNode) else "no graph")
    return Response(payload, media_type=chosen.content_type, headers={"Vary": "Accept"})


def _write_guard(request: Request) -> Response | None:
    if not store_is_local(request):
        return error(request, 405, REMOTE, headers={"Allow": ""})
    if not writes_enabled(request):
        return error(request, 405, WRITES_OFF, headers={"Allow": "GET, HEAD"})
    return curator_refusal(request)


async def _payload(request: Request, graph: GraphName) -> list[ox.Quad]:
    body = await read_body(request, request.app.state.jak.settings.max_upload_bytes, "upload", "max_upload_bytes")
    media = request.headers.get("content-type", "")
    base = graph.value if isinstance(graph, ox.NamedNode) else str(request.url.replace(query="", fragment=""))
    settings = request.app.state.jak.settings
    # the input limits (nesting, token and literal length) before any parser sees the body
    await run_in_threadpool(check_rdf, body, payload_format(media), settings)
    return await run_in_threadpool(parse_graph_payload, body, media, graph, base)


_WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "committed; a JSON summary"}, 201: {"description": "graph created"},
    400: {}, 401: {}, 403: {}, 404: {}, 405: {"description": "writes are off"}, 413: {},
    415: {}, 422: {"description": "the graph would not conform: the SHACL report"}}


@router.put("/store", summary="Replace one graph (curators; bearer token)", responses=_WRITE_RESPONSES,
            openapi_extra={**_OPENAPI, **_BODY})
async def store_put(request: Request) -> Response:
    return await _write(request, "put")


@router.post("/store", summary="Merge triples into one graph (curators; bearer token)", responses=_WRITE_RESPONSES,
             openapi_extra={**_OPENAPI, **_BODY})
async def store_post(request: Request) -> Response:
    return await _write(request, "post")


@router.delete("/store", summary="Delete one graph (curators; bearer token)", responses=_WRITE_RESPONSES,
               openapi_extra=_OPENAPI)
async def store_delete(request: Request) -> Response:
    return await _write(request, "delete")


async def _write(request: Request, method: str) -> Response:
    guard = _write_guard(request)
    if guard is not None:
        return guard
    graph = _target(request)  # a GraphTargetError is answered by the guards (400)
    target = writer(request)
    # a refused write raises (WriteError, WriteNotConforming, …): the guards answer it
    if method == "delete":
        result = await run_in_threadpool(target.delete_graph, graph)
        return committed(request, result)
    quads = await _payload(request, graph)
    operation = target.replace_graph if method == "put" else target.merge_graph
    result, created = await run_in_threadpool(operation, graph, quads)
    if created:
        location = str(request.url)
        return committed(request, result, status=201, headers={"Location": location})
    return committed(request, result)
