"""``/sparql``: the SPARQL 1.1 Protocol for queries (GET, POST form, POST direct), and the Service Description.

A request is read and checked (``protocol.py``), refused if the query-safety rules say so
(``policy.check_query``), given the result formats the client accepts (``negotiation.py``) and handed to
the query engine, which answers with a serialised result. Nothing here blocks the event loop: the engine
works in other processes, and the Service Description is serialised in the thread pool.

Every answer, errors included, carries ``Access-Control-Allow-Origin: *`` (CORS needs no flag here) and,
where the body depends on ``Accept``, ``Vary: Accept``. Errors are ``text/plain`` messages that say what
to change.
"""
from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from jakgraph.engine.base import QueryRequest
from jakgraph.errors import JakgraphError
from jakgraph.formats import GRAPH_FORMATS, JSON_LD, N_TRIPLES, RDF_XML, SOLUTIONS_FORMATS, TURTLE
from jakgraph.policy import query as policy
from jakgraph.sparql.text import UPDATE_KEYWORDS, mentions_keyword, query_facts
from jakgraph.web.negotiation import choose_format, not_acceptable
from jakgraph.web.protocol import RequestError, SparqlOperation, parse_get, parse_post, status_for
from jakgraph.web.service_description import service_description

__all__ = ["CORS_HEADERS", "SparqlFastPath", "error_response", "router"]

router = APIRouter(tags=["SPARQL 1.1 Protocol"])

PATHS = ("/sparql", "/sparql/")
ALLOW = "GET, HEAD, POST, OPTIONS"
#: on every answer: any origin may read it, and its cache and request-id headers
CORS_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-Cache, X-Request-Id"}
_PREFLIGHT_MAX_AGE = "86400"
_DEFAULT_ALLOWED_HEADERS = "Accept, Content-Type, Authorization"
_POLICY_CACHE_SIZE = 4096
#: a query up to this long, without SERVICE, is checked on the event loop (see _check_policy)
_INLINE_POLICY_CHARS = 4096

#: Service Description formats: RDF/XML only for its own media type, so that a browser (which accepts
#: application/xml) gets Turtle
SD_FORMATS = (TURTLE, dataclasses.replace(RDF_XML, aliases=()), JSON_LD, N_TRIPLES)

_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "the result, in the negotiated format", "content": {
        fmt.media_type: {} for fmt in (*SOLUTIONS_FORMATS, *GRAPH_FORMATS)}},
    400: {"description": "malformed request or query (syntax errors give line and column)"},
    405: {"description": "a method other than GET, HEAD, POST or OPTIONS"},
    406: {"description": "no acceptable format for this kind of result"},
    413: {"description": "query text over the size cap"},
    415: {"description": "a POST body that is neither a form nor application/sparql-query, or not UTF-8"},
    422: {"description": "more result rows than the cap"},
    503: {"description": "every query worker busy; retry"},
    504: {"description": "the query ran past the time limit and was stopped"},
}


def error_response(error: JakgraphError, *, head: bool = False) -> Response:
    """A ``text/plain`` answer for a refused or failed request."""
    status = status_for(error)
    headers = {**CORS_HEADERS, "Vary": "Accept"}
    headers.update(getattr(error, "headers", None) or {})
    if status == 405:
        headers.setdefault("Allow", ALLOW)
    if status == 503:
        headers.setdefault("Retry-After", "1")
    return Response(f"{error}\n".encode(), status_code=status, headers=headers,
                    media_type="text/plain; charset=utf-8")


async def _answer(request: Request, operation: SparqlOperation, *, via_url: bool) -> Response:
    state = request.app.state.jak
    text = operation.query
    assert text is not None
    try:
        await _check_policy(request, text)
    except JakgraphError as err:
        if via_url and status_for(err) == 413:  # the query came in the URL: 414 URI Too Long
            raise RequestError(f"{err}; send long queries in a POST body", status=414) from None
        raise
    form = query_facts(text).form  # read once per text; the engine reuses it (prefixes, FROM)
    if form in UPDATE_KEYWORDS:
        raise RequestError(f"SPARQL Update ({form}) is not accepted here: /sparql is read-only and answers "
                           "queries only (curators send updates to /update)")
    accept = request.headers.get("accept")
    solutions = graph = None
    if form in (None, "SELECT", "ASK"):
        solutions = choose_format(SOLUTIONS_FORMATS, accept, operation.format)
        if solutions is None and form is not None:
            raise not_acceptable(f"a {form} result", SOLUTIONS_FORMATS, accept, operation.format)
    if form in (None, "CONSTRUCT", "DESCRIBE"):
        graph = choose_format(GRAPH_FORMATS, accept, operation.format)
        if graph is None and form is not None:
            raise not_acceptable(f"a {form} result", GRAPH_FORMATS, accept, operation.format)
    if solutions is None and graph is None:
        raise not_acceptable("the result", (*SOLUTIONS_FORMATS, *GRAPH_FORMATS), accept, operation.format)
    result = await state.engine.query(QueryRequest(
        text, operation.default_graph_uris, operation.named_graph_uris, solutions, graph))
    return _Result(result.body, result.format.content_type, getattr(result, "cache", None))


#: the headers of every query result besides its length, type and X-Cache, encoded once
_RESULT_HEADERS = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                   for name, value in {**CORS_HEADERS, "Vary": "Accept"}.items()]


class _Result(Response):
    """A 200 with a query result: the same answer ``Response(body, headers=…)`` gives, its headers put
    together from bytes encoded once (Starlette's generic header handling costs several µs a request)."""

    def __init__(self, body: bytes, content_type: str, cache: str | None) -> None:
        self.status_code = 200
        self.background = None
        self.body = body
        headers = [(b"content-length", b"%d" % len(body)), (b"content-type", _encoded(content_type)),
                   *_RESULT_HEADERS]
        if cache:  # set by the result cache (cache.py): hit, miss or bypass
            headers.append((b"x-cache", _encoded(cache)))
        self.raw_headers = headers


@lru_cache(maxsize=64)
def _encoded(value: str) -> bytes:
    return value.encode("latin-1")


async def _check_policy(request: Request, text: str) -> None:
    """``policy.check_query`` before every query; in the thread pool when it may parse the query
    (``SERVICE``: a parser process, and DNS for the targets) or the text is long.

    Its verdict for a text that calls no ``SERVICE`` depends on nothing but the text and the settings,
    so a query that passed is remembered (LRU, per application) and not checked again; a query with
    ``SERVICE`` is checked every time (its targets are resolved anew), and so is every refusal.
    """
    app_state = request.app.state
    passed: OrderedDict[bytes, None] | None = getattr(app_state, "jak_policy_passed", None)
    if passed is None:
        passed = app_state.jak_policy_passed = OrderedDict()
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    if key in passed:
        passed.move_to_end(key)
        return
    settings = request.app.state.jak.settings
    if len(text) <= _INLINE_POLICY_CHARS and not mentions_keyword(text, "service"):
        # short and no SERVICE: a few linear passes over the text (tens of µs, no I/O, no parser
        # process), cheaper than the hop to the thread pool and back
        analysis = policy.check_query(text, settings, base_iri=settings.base_url)
    else:
        analysis = await run_in_threadpool(policy.check_query, text, settings, base_iri=settings.base_url)
    if analysis is None or not getattr(analysis, "services", ()):
        passed[key] = None
        if len(passed) > _POLICY_CACHE_SIZE:
            passed.popitem(last=False)


async def _service_description(request: Request, format_param: str | None) -> Response:
    state = request.app.state.jak
    accept = request.headers.get("accept")
    fmt = choose_format(SD_FORMATS, accept, format_param)
    if fmt is None or fmt not in SD_FORMATS:
        raise not_acceptable("the service description", SD_FORMATS, accept, format_param)
    endpoint = str(request.url.replace(query="", fragment=""))
    prefixes_url = str(request.base_url) + "prefixes"
    body = await service_description(state, endpoint, prefixes_url, fmt.rdflib)
    return Response(body, headers={**CORS_HEADERS, "Vary": "Accept", "Content-Type": fmt.content_type})


async def sparql_get(request: Request) -> Response:
    """A query in the URL (``?query=``); without one, the Service Description."""
    try:
        operation = parse_get(request.scope.get("query_string", b""))
        if operation.query is None:
            return await _service_description(request, operation.format)
        return await _answer(request, operation, via_url=True)
    except JakgraphError as err:
        return error_response(err)


async def sparql_post(request: Request) -> Response:
    """A query as a form (``query=``) or as the body (``application/sparql-query``)."""
    try:
        body = await request.body()
        operation = parse_post(request.scope.get("query_string", b""), request.headers.get("content-type"), body)
        if operation.query is None:
            raise RequestError("missing query parameter (query=…)")
        return await _answer(request, operation, via_url=False)
    except JakgraphError as err:
        return error_response(err)


def sparql_options(request: Request, allow: str = ALLOW) -> Response:
    """CORS preflight (and plain OPTIONS): which methods and headers a cross-origin request may use."""
    headers = {**CORS_HEADERS, "Allow": allow}
    if "access-control-request-method" in request.headers:
        asked = request.headers.get("access-control-request-headers", "")
        allowed = ", ".join(h.strip() for h in asked.split(",") if h.strip() and _token(h.strip()))
        headers.update({
            "Access-Control-Allow-Methods": allow,
            "Access-Control-Allow-Headers": allowed or _DEFAULT_ALLOWED_HEADERS,
            "Access-Control-Max-Age": _PREFLIGHT_MAX_AGE,
            "Vary": "Access-Control-Request-Headers",
        })
    return Response(status_code=204, headers=headers)


def _options(request: Request) -> Response:
    return sparql_options(request)


def sparql_wrong_method(request: Request) -> Response:
    return error_response(RequestError(
        f"{request.method} is not part of the SPARQL 1.1 Protocol for queries: use GET or POST "
        "(this endpoint is read-only)", status=405))


def _token(name: str) -> bool:
    return all(c.isalnum() or c in "!#$%&'*+-.^_`|~" for c in name)


for _path in PATHS:
    _public = _path == "/sparql"
    router.add_api_route(_path, sparql_get, methods=["GET", "HEAD"], include_in_schema=_public,
                         summary="Query by GET (?query=…), or the Service Description without a query",
                         responses=_RESPONSES, response_class=Response, name="sparql" if _public else None)
    router.add_api_route(_path, sparql_post, methods=["POST"], include_in_schema=_public,
                         summary="Query by POST (form-encoded or application/sparql-query)",
                         responses=_RESPONSES, response_class=Response)
    router.add_api_route(_path, _options, methods=["OPTIONS"], include_in_schema=False)
    router.add_api_route(_path, sparql_wrong_method, methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)


class SparqlFastPath:
    """ASGI middleware: ``/sparql`` requests go straight to the handlers above, past the route table.

    FastAPI matches a request against every route and resolves the endpoint's parameters before calling
    it, which costs more than answering a cached query. The handlers take only the ``Request``, so they
    are called directly; the routes stay registered (the OpenAPI description, and any application that
    does not install this). Installed innermost (``create_app`` adds it before the guards), so the
    limits, the access log and the error handlers still see every request.
    """

    _HANDLERS = {"GET": sparql_get, "HEAD": sparql_get, "POST": sparql_post}

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in PATHS:
            handler = self._HANDLERS.get(scope["method"])
            if handler is not None:
                response = await handler(Request(scope, receive))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
