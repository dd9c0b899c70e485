"""Request guards around the whole application: size caps, the concurrent-query cap, and the error handlers:
the one place an error becomes a response, and never a stack trace.

Every error raised on purpose is a :class:`~jakgraph.errors.JakgraphError` carrying its HTTP status (and any
headers); :func:`error_response` turns it into the JSON refusal every route shares (``{"error", "status",
"request_id"}``), or, for a write the shapes refuse, the SHACL report (JSON or Turtle by ``Accept``).
Routes raise; they do not build error answers. (``/sparql`` answers ``text/plain`` as the SPARQL 1.1
Protocol's clients expect; its router renders the same status from the same error.)

``install(app, settings)`` is the one call ``create_app`` makes; it adds (outermost first) the access log,
the limits middleware, and the exception handlers.
"""
from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from rdflib import RDF, Graph, URIRef
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jakgraph.errors import EngineUnavailable, JakgraphError, WriteNotConforming
from jakgraph.settings import Settings
from jakgraph.web import access_log
from jakgraph.web.auth import check_token
from jakgraph.web.negotiation import choose

log = logging.getLogger("jakgraph.web")

#: paths whose requests carry SPARQL text (capped at Settings.max_query_bytes)
QUERY_PATHS = frozenset({"/sparql", "/sparql/"})
UPDATE_PATHS = frozenset({"/update", "/update/"})
#: Graph Store Protocol uploads (capped at Settings.max_upload_bytes)
UPLOAD_PATHS = frozenset({"/store", "/store/"})
RETRY_AFTER_SECONDS = 1


def error_body(status: int, message: str, request_id: str | None) -> dict[str, object]:
    return {"error": message, "status": status, "request_id": request_id}


async def _send_error(send: Send, scope: Scope, status: int, message: str,
                      headers: dict[str, str] | None = None) -> None:
    payload = json.dumps(error_body(status, message, access_log.request_id(scope))).encode("utf-8")
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw_headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload if scope.get("method") != "HEAD" else b""})


class LimitsMiddleware:
    """413/414 for SPARQL text over the cap, 413 for uploads over the cap, 503 when the query slots are full.

    The concurrent-query cap is a counter (a semaphore that never waits) around the query endpoint:
    a request that finds every slot taken is answered at once with 503 and ``Retry-After``.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.running = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        is_query = path in QUERY_PATHS
        if is_query:  # the query endpoint's answers, refusals included, are open to every origin (CORS)
            send = _with_headers(send, [(b"access-control-allow-origin", b"*")])
        if is_query or path in UPDATE_PATHS:
            cap = self.settings.max_query_bytes
            kind = "query" if is_query else "update"
        elif path in UPLOAD_PATHS:
            cap = self.settings.max_upload_bytes
            kind = "upload"
        else:
            await self.app(scope, receive, send)
            return
        if kind != "upload":
            query_string = scope.get("query_string", b"")
            if len(query_string) + len(scope.get("raw_path") or b"") > self.settings.max_url_bytes:
                await _send_error(send, scope, 414, f"the URL is longer than {self.settings.max_url_bytes} bytes: "
                                  f"send the {kind} in a POST body")
                return
            refusal = _url_too_long(query_string, cap)
            if refusal:
                await _send_error(send, scope, 414, f"the {kind} in the URL is longer than {cap} bytes: "
                                  "send it in a POST body (and keep it under the cap)")
                return
        length = _content_length(scope)
        if length is not None and length > cap:
            await _send_error(send, scope, 413, f"the {kind} body is larger than {cap} bytes")
            return
        if is_query:
            if self.running >= self.settings.max_concurrent_queries:
                await _send_error(send, scope, 503, "too many queries are running: retry shortly",
                                  {"Retry-After": str(RETRY_AFTER_SECONDS)})
                return
            self.running += 1
        started = False
        refused = False
        received = 0

        async def counting_receive() -> Message:
            nonlocal received, refused, started
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message.get("type") == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    # answer 413 now; the application sees the client go away and its answer is dropped
                    refused = True
                    if not started:
                        started = True
                        await _send_error(send, scope, 413, f"the {kind} body is larger than {cap} bytes")
                    return {"type": "http.disconnect"}
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except Exception:
            if not refused:
                raise
        finally:
            if is_query:
                self.running -= 1


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    """``send`` that adds the headers to a response that lacks them."""

    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers", [])}
            missing = [(k, v) for k, v in extra if k not in present]
            if missing:
                message = {**message, "headers": [*message.get("headers", []), *missing]}
        await send(message)

    return sender


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _url_too_long(query_string: bytes, cap: int) -> bool:
    if 2 * len(query_string) <= cap:
        # decoding never makes a value longer than twice its raw bytes (a raw byte >= 0x80 read as
        # latin-1 is two bytes of UTF-8; a %XX escape shrinks): short URLs skip the parse on the hot path
        return False
    if len(query_string) > 3 * cap + 4096:
        return True
    try:
        params = parse_qs(query_string.decode("latin-1"), keep_blank_values=True)
    except ValueError:
        return False
    return any(len(value.encode("utf-8", "surrogatepass")) > cap
               for name in ("query", "update") for value in params.get(name, []))


def _request_id(request: Request) -> str | None:
    return access_log.request_id(request.scope)


def error_response(request: Request, err: JakgraphError) -> Response:
    """The answer for an error raised on purpose: its status, its message, its headers."""
    if isinstance(err, WriteNotConforming):
        return report_response(request, err)
    if isinstance(err, EngineUnavailable) and not prefers_json(request.headers.get("accept")):
        # a page asked for by a browser while the engine (a backend) is down: a plain sentence, not JSON
        return Response(f"503 Service Unavailable: {err}\n", status_code=err.status, headers=err.headers or None,
                        media_type="text/plain; charset=utf-8")
    return JSONResponse(error_body(err.status, str(err), _request_id(request)), status_code=err.status,
                        headers=err.headers or None)


async def _jakgraph_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, JakgraphError)
    return error_response(request, exc)


SH = "http://www.w3.org/ns/shacl#"


def prefers_json(accept: str | None) -> bool:
    """True unless the client ranks a page (HTML) or plain text above JSON; JSON on a tie or no preference."""
    types = [("application/json", "application/problem+json"), ("text/html", "text/plain")]
    return choose(accept, ("json", "text"), types) != "text"


def prefers_turtle(accept: str | None) -> bool:
    """True when the client ranks Turtle above JSON (q-values honoured); JSON on a tie or no preference."""
    offers = ("json", "turtle")
    types = [("application/json", "application/problem+json"), ("text/turtle", "application/x-turtle")]
    return choose(accept, offers, types) == "turtle"


def report_response(request: Request, err: WriteNotConforming) -> Response:
    """422 with the SHACL validation report: Turtle if the client prefers it, JSON otherwise."""
    outcome = err.outcome
    if prefers_turtle(request.headers.get("accept")):
        payload = outcome.report_graph.serialize(format="turtle", encoding="utf-8")
        return Response(payload, status_code=err.status, media_type="text/turtle; charset=utf-8",
                        headers={"Vary": "Accept"})
    body = error_body(err.status, str(err), _request_id(request))
    body["conforms"] = False
    results = report_results(outcome.report_graph)
    body["results"] = [r for r in results if r.get("severity") == "Violation"]
    body["other_results"] = {severity: sum(1 for r in results if r.get("severity") == severity)
                             for severity in ("Warning", "Info")}
    body["full_report"] = "send Accept: text/turtle for the whole SHACL report"
    return JSONResponse(body, status_code=err.status, headers={"Vary": "Accept"})


def report_results(report: Graph) -> list[dict[str, str]]:
    """The sh:ValidationResult nodes of a report as plain dicts, in a stable order."""
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


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    """The last resort: a short message and the request id; the trace goes to the server log only."""
    rid = _request_id(request)
    log.error("unhandled error in %s %s (request %s)", request.method, request.url.path, rid,
              exc_info=(type(exc), exc, exc.__traceback__))
    return JSONResponse(
        error_body(500, "internal error: the server log has the details under this request id", rid),
        status_code=500,
        # sent by Starlette's outermost error middleware, outside the access log's: set the id here
        headers={"X-Request-ID": rid} if rid else None,
    )


def install(app: FastAPI, settings: Settings) -> None:
    """Add the guards to an application (called once from create_app)."""
    if settings.update_token is not None:
        check_token(settings.update_token)
    app.add_middleware(LimitsMiddleware, settings=settings)
    app.add_middleware(access_log.AccessLogMiddleware)
    app.add_exception_handler(JakgraphError, _jakgraph_error)
    app.add_exception_handler(Exception, _internal_error)
    access_log.configure(settings.access_log)
