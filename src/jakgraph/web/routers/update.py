"""SPARQL 1.1 Update at /update (SPARQL 1.1 Protocol §2.2), for curators, off unless a token is set.

* ``POST`` with ``application/x-www-form-urlencoded`` (one ``update`` field) or ``application/sparql-update``
  (the body is the update, UTF-8); ``using-graph-uri`` / ``using-named-graph-uri`` in the form or the URL.
* A GET never updates (405). Two ``update`` fields, another media type, a non-UTF-8 body, a syntax error, a
  query instead of an update, ``LOAD``: each is a 4xx and changes nothing.
* Each update is one transaction (see ``jakgraph.stores.writer``): committed only if the graph still conforms to
  the shapes, otherwise 422 with the SHACL report.
"""
from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from jakgraph.errors import JakgraphError
from jakgraph.web.auth import writes_enabled
from jakgraph.web.protocol import media_type_and_charset
from jakgraph.web.writing import (
    REMOTE,
    committed,
    curator_refusal,
    error,
    read_body,
    refused,
    store_is_local,
    writer,
)

router = APIRouter(tags=["curator writes"])

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-update"
WRITES_OFF = ("SPARQL Update is off on this server: a curator starts it with "
              "`jakgraph serve --update-token-file FILE` (or JAKGRAPH_UPDATE_TOKEN)")


@router.get("/update", summary="SPARQL Update never runs on GET", status_code=405,
            responses={405: {"description": "use POST"}})
def update_get(request: Request) -> Response:
    return error(request, 405, "a GET never updates: POST the update (form field `update` or "
                 "Content-Type application/sparql-update)", headers={"Allow": "POST"})


@router.post(
    "/update",
    summary="Run a SPARQL 1.1 Update as one validated transaction (curators; bearer token)",
    responses={
        200: {"description": "committed (or nothing changed); a JSON summary"},
        400: {"description": "malformed request or update"},
        401: {"description": "no or malformed credentials"},
        403: {"description": "wrong token, read-only graph, or refused SERVICE"},
        404: {"description": "writes are off on this server"},
        413: {"description": "update larger than the cap"},
        415: {"description": "unsupported Content-Type"},
        422: {"description": "the graph would not conform to the shapes: the SHACL report"},
    },
    openapi_extra={"requestBody": {"content": {
        FORM: {"schema": {"type": "object", "properties": {
            "update": {"type": "string"},
            "using-graph-uri": {"type": "array", "items": {"type": "string"}},
            "using-named-graph-uri": {"type": "array", "items": {"type": "string"}},
        }, "required": ["update"]}},
        DIRECT: {"schema": {"type": "string"}},
    }}},
)
async def update_post(request: Request) -> Response:
    if not writes_enabled(request):
        return error(request, 404, WRITES_OFF)
    if not store_is_local(request):
        return error(request, 405, REMOTE, headers={"Allow": ""})
    refusal = curator_refusal(request)
    if refusal is not None:
        return refusal
    settings = request.app.state.jak.settings
    body = await read_body(request, settings.max_query_bytes, "update", "max_query_bytes")
    content_type = request.headers.get("content-type", "")
    essence, charset = media_type_and_charset(content_type)
    url_params = parse_qs(request.url.query, keep_blank_values=True)
    if essence == FORM:
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body),
                            errors="strict")
        except (UnicodeDecodeError, ValueError):
            return error(request, 400, "the form body is not valid UTF-8 application/x-www-form-urlencoded")
        params = {k: form.get(k, []) + url_params.get(k, []) for k in set(form) | set(url_params)}
        updates = params.get("update", [])
        if not updates and params.get("query"):
            return error(request, 400, "this is the update endpoint: send queries to /sparql")
        if len(updates) != 1:
            return error(request, 400, f"give exactly one `update` field (got {len(updates)})")
        text = updates[0]
    elif essence == DIRECT:
        if charset not in (None, "utf-8", "utf8"):
            return error(request, 415, f"the update must be UTF-8 (got charset={charset})")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return error(request, 400, "the update body is not valid UTF-8")
        params = url_params
        if params.get("update") or params.get("query"):
            return error(request, 400, "a direct POST carries the update in the body only")
    else:
        return error(request, 415, f"unsupported Content-Type {essence or '(none)'!r}: use {FORM} "
                     f"(field `update`) or {DIRECT}")
    if "\x00" in text:
        return error(request, 400, "the update contains a NUL character")
    base_iri = str(request.url.replace(query="", fragment=""))
    try:
        result = await run_in_threadpool(
            writer(request).update, text, base_iri=base_iri,
            using_graphs=params.get("using-graph-uri", []),
            using_named_graphs=params.get("using-named-graph-uri", []),
        )
    except JakgraphError as err:
        return refused(request, err)
    return committed(request, result)
