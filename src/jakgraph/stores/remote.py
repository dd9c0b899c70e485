"""Remote SPARQL stores through the standards: push with the Graph Store Protocol, query with the Protocol.

* :func:`push` uploads graphs, one named graph at a time, with SPARQL 1.1 Graph Store HTTP Protocol
  ``PUT <graph-store>?graph=<iri>`` (PUT replaces the graph, so pushing twice leaves the same data), then
  counts each graph through the query endpoint to check that it arrived whole.
* :class:`RemoteEngine` is a :class:`~jakgraph.engine.base.QueryEngine` that forwards ``/sparql`` queries
  to a remote SPARQL 1.1 query endpoint (``POST``, form-encoded, with the protocol's dataset parameters
  and an ``Accept`` built from the formats the client takes) over one persistent aiohttp session (keep-alive
  connections; httpx's async client cost ~0.4 ms more per query), reads the answer in chunks up to a byte cap,
  and maps remote failures to jakgraph's errors (syntax error, timeout, unavailable, failed).
  jakgraph's query timeout travels with each query (``timeout``, in milliseconds: Virtuoso's own limit,
  which stops the backend's work; a closed connection does not) and bounds the whole exchange; the row cap
  applies to the backend's answer as to the embedded engine's; a partial answer is never a 200.
* :class:`BackendWatch` keeps the served store's generation (on which every cache keys) following the
  backend's content: a per-graph count, probed every few seconds, bumps it when it changes.
* :class:`RemoteStore` offers the read side of ``pyoxigraph.Store`` that the web pages use (``query``,
  ``quads_for_pattern``, ``named_graphs``, ``len``…) over the same endpoint, so the site is served from
  the remote store too.

The remote's default graph must be the union of its named graphs, as jakgraph's is: that is the default of
Virtuoso, GraphDB and QLever; Oxigraph needs ``--union-default-graph`` and Fuseki/TDB2
``tdb2:unionDefaultGraph true``. With ``union_default_graph=False`` jakgraph instead sends every named
graph as ``default-graph-uri`` and ``named-graph-uri`` with each query that names no dataset itself.
The project prefixes stay usable undeclared: the ``PREFIX`` lines a query needs are added before sending.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp
import httpx
import pyoxigraph as ox

from jakgraph.engine.base import QueryResult
from jakgraph.engine.execute import serialise_solutions, too_many
from jakgraph.errors import (
    EngineUnavailable,
    JakgraphError,
    NotAcceptable,
    PushError,
    QueryFailed,
    QuerySyntaxError,
    QueryTimeoutError,
    ResultLimitError,
)
from jakgraph.formats import N_TRIPLES, XML, parse_content_type, written
from jakgraph.namespaces import PREFIXES
from jakgraph.sparql.lexer import skeleton
from jakgraph.sparql.text import describe_syntax_error, mentions_keyword, query_facts
from jakgraph.stores import rewrite
from jakgraph.stores.generation import StoreGeneration
from jakgraph.stores.loaded import count_triples, is_loaded_graph

if TYPE_CHECKING:  # the endpoint's interface is imported where it is used (see RemoteEngine.execute)
    from jakgraph.engine.base import ResultKind

__all__ = [
    "BackendWatch",
    "PushResult",
    "RemoteEngine",
    "RemoteStore",
    "default_graph_store_url",
    "notify_server",
    "push",
    "query_endpoint_url",
]

_USER_AGENT = "jakgraph (+https://w3id.org/jakgraph/)"
_FORM = "application/x-www-form-urlencoded"
_SPOOL_BYTES = 16 * 1024 * 1024
#: the query parameter that carries jakgraph's timeout to the backend, in milliseconds: Virtuoso's; Oxigraph
#: ignores it (start it with ``--timeout-s``), Fuseki reads seconds (a looser bound, still bounded here)
TIMEOUT_PARAMETER = "timeout"
#: an answer up to this many bytes is parsed and re-serialised on the event loop (about 9 µs per KiB of
#: SPARQL XML, measured: at most ~75 µs, less than the hop to a worker thread and back); a larger one in a thread
INLINE_BYTES = 8 * 1024
#: what a backend writes into a 200 answer it cut at its own time limit (Oxigraph ``--timeout-s``)
_CANCELLED = (b"operation has been cancelled", b"Transaction timed out")

log = logging.getLogger("jakgraph.stores.remote")


# ---------------------------------------------------------------------------------------------------
# URLs

def query_endpoint_url(url: str) -> str:
    """A bare server address (``http://host:7878``, no path) means Oxigraph's ``/query``; anything else,
    ``http://host:7001/`` (QLever answers at its root) included, is used as it is."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise JakgraphError(f"not an http(s) URL: {url!r}")
    if parts.path == "":
        return urlunsplit((parts.scheme, parts.netloc, "/query", "", ""))
    return url


def default_graph_store_url(query_url: str) -> str:
    """The Graph Store Protocol endpoint that usually sits beside a query endpoint.

    Oxigraph ``/query`` -> ``/store``; Fuseki ``/<ds>/sparql`` or ``/<ds>/query`` -> ``/<ds>/data``;
    Virtuoso ``/sparql`` -> ``/sparql-graph-crud``; GraphDB ``/repositories/<id>`` ->
    ``/repositories/<id>/rdf-graphs/service``. Anything else: give ``--graph-store``.
    """
    parts = urlsplit(query_endpoint_url(query_url))
    path = parts.path.rstrip("/")
    if path == "/query":
        new = "/store"
    elif path == "/sparql":
        new = "/sparql-graph-crud"
    elif re.fullmatch(r"/repositories/[^/]+", path):
        new = path + "/rdf-graphs/service"
    elif re.fullmatch(r"(/[^/]+)+/(sparql|query)", path):
        new = path.rsplit("/", 1)[0] + "/data"
    else:
        raise JakgraphError(f"cannot tell the Graph Store Protocol endpoint of {query_url}; give --graph-store URL")
    return urlunsplit((parts.scheme, parts.netloc, new, "", ""))


def _auth(user: str | None, digest: bool = False) -> httpx.Auth | None:
    if not user:
        return None
    name, _, password = user.partition(":")
    return httpx.DigestAuth(name, password) if digest else httpx.BasicAuth(name, password)


# ---------------------------------------------------------------------------------------------------
# push

@dataclass(frozen=True)
class PushResult:
    graph: str
    triples: int
    bytes: int
    status: int
    seconds: float
    remote_triples: int | None = None


def _graph_payload(store: ox.Store, graph: ox.NamedNode) -> IO[bytes]:
    """The graph as N-Triples in a spooled temporary file (memory for small graphs, disk for big ones)."""
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)
    store.dump(spool, format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
    spool.seek(0)
    return spool


def _chunks(handle: IO[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    while True:
        block = handle.read(size)
        if not block:
            return
        yield block


class _RereadableBody(httpx.SyncByteStream):
    """The upload body, read from the start each time it is sent: Digest authentication sends a request
    twice (the 401 challenge, then the answer to it), which a one-shot generator cannot survive."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle

    def __iter__(self) -> Iterator[bytes]:
        self._handle.seek(0)
        yield from _chunks(self._handle)


def push(store: ox.Store, graphs: Sequence[str], *, to: str, graph_store: str | None = None,
         user: str | None = None, digest: bool = False, timeout: float = 300.0, verify: bool = True,
         log: IO[str] | None = None) -> list[PushResult]:
    """PUT each graph of ``store`` named in ``graphs`` to the remote Graph Store; then check the counts."""
    query_url = query_endpoint_url(to)
    gsp_url = graph_store or default_graph_store_url(query_url)
    out = log if log is not None else sys.stderr
    results: list[PushResult] = []
    with httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0), auth=_auth(user, digest),
                      headers={"User-Agent": _USER_AGENT}) as client:
        for iri in graphs:
            graph = ox.NamedNode(iri)
            triples = count_triples(store, iri)
            started = time.perf_counter()
            with _graph_payload(store, graph) as payload:
                payload.seek(0, 2)
                size = payload.tell()
                payload.seek(0)
                request = client.build_request("PUT", gsp_url, params={"graph": iri},
                                               headers={"Content-Type": N_TRIPLES.media_type})
                request.stream = _RereadableBody(payload)
                request.headers["Content-Length"] = str(size)
                try:
                    response = client.send(request)
                except httpx.HTTPError as err:
                    raise PushError(f"PUT {gsp_url}?graph={iri}: {_describe_http_error(err)}") from None
            if response.status_code not in (200, 201, 204):
                raise PushError(f"PUT {gsp_url}?graph={iri}: HTTP {response.status_code} "
                                f"{_push_refusal(response, user, digest)}")
            result = PushResult(iri, triples, size, response.status_code, time.perf_counter() - started)
            results.append(result)
            print(f"  PUT {iri}: {triples} triples, {size} bytes, HTTP {response.status_code}, "
                  f"{result.seconds:.2f}s", file=out)
        if verify:
            remote = RemoteStore(query_url, timeout=timeout, user=user, digest=digest, client=client)
            checked = []
            for result in results:
                found = remote.count(result.graph)
                if found != result.triples:
                    raise PushError(f"{result.graph}: pushed {result.triples} triples but {query_url} "
                                    f"counts {found} (blank nodes merged, or the store keeps other data there?)")
                checked.append(PushResult(result.graph, result.triples, result.bytes, result.status,
                                          result.seconds, found))
            results = checked
    return results


def notify_server(server: str, *, timeout: float = 10.0) -> str:
    """Tell a jakgraph server that answers from the store just pushed to (``serve --backend``) that its
    content changed (``POST <server>/backend/changed``); one line saying how it went. Never raises: the push
    itself succeeded, and the server's probe and cache TTL catch the change anyway."""
    url = server.rstrip("/") + "/backend/changed"
    try:
        response = httpx.post(url, timeout=timeout, headers={"User-Agent": _USER_AGENT})
    except httpx.HTTPError as err:
        return f"could not tell {url}: {_describe_http_error(err)} (its probe will see the push)"
    if response.status_code == 202:
        return f"told {url}: its caches start afresh"
    return f"could not tell {url}: HTTP {response.status_code} {_first_line(response.text)}"


def _push_refusal(response: httpx.Response, user: str | None, digest: bool) -> str:
    """Why the Graph Store refused, with the likely fix for an authentication failure."""
    said = _first_line(response.text)
    if response.status_code != 401:
        return said
    scheme = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
    if not user:
        hint = "it asks for credentials: give --user NAME:PASSWORD"
    elif scheme == "digest" and not digest:
        hint = "it asks for Digest authentication: add --digest"
    elif scheme == "basic" and digest:
        hint = "it asks for Basic authentication: leave out --digest"
    elif not digest:
        hint = "the credentials given were refused: wrong, or the endpoint wants --digest, as Virtuoso's do"
    else:
        hint = "the credentials given were refused"
    return f"{said} ({hint})" if said else f"({hint})"


def _first_line(text: str) -> str:
    text = " ".join(text.strip().split())
    return text[:300]


def _describe_http_error(err: httpx.HTTPError) -> str:
    if isinstance(err, httpx.ConnectError):
        return f"cannot connect ({_first_line(str(err)) or 'connection refused'})"
    if isinstance(err, httpx.TimeoutException):
        return "timed out"
    return _first_line(str(err)) or type(err).__name__


# ---------------------------------------------------------------------------------------------------
# queries: the text sent, the dataset, the errors

def with_prefixes(text: str, prefixes: dict[str, str] = PREFIXES) -> str:
    """The query with ``PREFIX`` lines for the project prefixes it uses without declaring them (read by the
    one lexer, ``jakgraph.sparql.lexer``, as the embedded engine reads them)."""
    needed = [name for name in query_facts(text).prefixes if name in prefixes]
    if not needed:
        return text
    return "".join(f"PREFIX {name}: <{prefixes[name]}>\n" for name in needed) + text


def declares_dataset(text: str) -> bool:
    return query_facts(text).declares_dataset


def _check_form(text: str) -> None:
    """An empty query, or one with no query form after its prologue, is refused here, as the embedded
    engine's parser refuses it, instead of being forwarded (Virtuoso answers an empty one with HTTP 500)."""
    if query_facts(text).form not in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
        what = "empty" if not skeleton(text).strip() else "not a SELECT, ASK, CONSTRUCT or DESCRIBE query"
        raise QuerySyntaxError(f"the query is {what}")


def _check_syntax(text: str, prefixes: dict[str, str], base_iri: str | None) -> None:
    """Parse the query here, with the embedded engine's parser and messages (line and column), before it
    leaves: Oxigraph's over an empty in-memory store. Solutions and triples are lazy, so nothing is
    evaluated; an ASK is (over no data, so at once), unless it has a SERVICE, which is left to the backend."""
    if (message := _syntax_error(text, prefixes, base_iri)) is not None:
        raise QuerySyntaxError(message)


def _syntax_error(text: str, prefixes: dict[str, str], base_iri: str | None) -> str | None:
    """The syntax error of ``text`` described for the client, or None when it parses (see
    :func:`_check_syntax`)."""
    if query_facts(text).form == "ASK" and mentions_keyword(text, "service"):
        return None
    try:
        ox.Store().query(text, base_iri=base_iri, prefixes=prefixes)
    except SyntaxError as err:
        return describe_syntax_error(text, str(err))
    except (OSError, RuntimeError, ValueError):
        return None  # not a syntax error: the backend's answer (or its error) decides
    return None


def _error_for(status: int, body: str, endpoint: str) -> JakgraphError:
    message = _first_line(body) or f"HTTP {status}"
    if "SQ199" in message:  # Virtuoso compiles the query past its code vector (e.g. VALUES of thousands)
        return QueryFailed(f"the remote store cannot compile a query this large (its engine limit): {message}",
                           status=413)
    if status == 400:
        return QuerySyntaxError(f"the remote store refused the query: {message}")
    if status == 406:
        return NotAcceptable(f"the remote store cannot give that format: {message}")
    if status in (408, 504) or "timeout" in message.lower() or "timed out" in message.lower():
        return QueryTimeoutError(f"the remote store stopped the query: {message}")
    if status in (413, 414):
        return QueryFailed(f"the remote store refused a query this long: {message}")
    if status in (502, 503):
        return EngineUnavailable(f"the remote store {endpoint} is unavailable: {message}")
    if status in (401, 403):
        return QueryFailed(f"the remote store {endpoint} refused access (HTTP {status}): {message}")
    return QueryFailed(f"the remote store {endpoint} answered HTTP {status}: {message}")


def _check_complete(headers: Mapping[str, str], endpoint: str) -> None:
    """A partial answer sent as HTTP 200 is an error here, never a shorter 200: Virtuoso marks one cut at
    its own time limit with ``X-SQL-State: S1TAT`` and one cut at ``ResultSetMaxRows`` with
    ``X-SPARQL-MaxRows``."""
    if headers.get("x-sql-state", "").upper() == "S1TAT":
        raise QueryTimeoutError(f"the remote store {endpoint} stopped the query at its own time limit and "
                                "sent partial results (X-SQL-State: S1TAT); narrow the query")
    if (rows := headers.get("x-sparql-maxrows")) is not None:
        raise ResultLimitError(f"the remote store {endpoint} cut the answer at its row limit ({rows} rows, "
                               "X-SPARQL-MaxRows); narrow the query or page through it with LIMIT and OFFSET")


def _transport_error(err: httpx.HTTPError, endpoint: str, timeout: float) -> JakgraphError:
    if isinstance(err, httpx.TimeoutException) and not isinstance(err, (httpx.ConnectTimeout, httpx.PoolTimeout)):
        return QueryTimeoutError(f"the remote store {endpoint} did not answer within {timeout:g}s")
    if isinstance(err, (httpx.RemoteProtocolError, httpx.ReadError)):
        return QueryFailed(f"the remote store {endpoint} broke off its answer: {_describe_http_error(err)}",
                           status=502)
    return EngineUnavailable(f"the remote store {endpoint} cannot be reached: {_describe_http_error(err)}")


def _session(timeout: float, connections: int, user: str | None, digest: bool) -> aiohttp.ClientSession:
    """The engine's one HTTP client for its life: aiohttp, whose request costs ~0.3 ms on loopback where httpx's
    ``AsyncClient`` costs ~0.7 ms (measured on a point lookup; the difference is httpx's anyio checkpoints,
    ten event-loop turns per request). Persistent connections (HTTP/1.1 keep-alive), as many as the
    concurrent queries it serves; no cookies, no proxy from the environment (a backend is addressed
    directly); Basic or Digest authentication as for :func:`push`."""
    auth = middlewares = None
    if user:
        name, _, password = user.partition(":")
        if digest:
            middlewares = (aiohttp.DigestAuthMiddleware(name, password),)
        else:
            auth = aiohttp.BasicAuth(name, password)
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections, limit_per_host=connections),
        timeout=aiohttp.ClientTimeout(total=timeout, sock_connect=min(timeout, 5.0)),
        headers={"User-Agent": _USER_AGENT}, auth=auth, middlewares=middlewares or (),
        cookie_jar=aiohttp.DummyCookieJar(), raise_for_status=False,
    )


def _session_error(err: aiohttp.ClientError, endpoint: str, timeout: float) -> JakgraphError:
    """:func:`_transport_error` for the engine's aiohttp client."""
    if isinstance(err, aiohttp.ConnectionTimeoutError):
        return EngineUnavailable(f"the remote store {endpoint} cannot be reached: connection timed out")
    if isinstance(err, aiohttp.ServerTimeoutError):
        return QueryTimeoutError(f"the remote store {endpoint} did not answer within {timeout:g}s")
    if isinstance(err, aiohttp.ClientConnectorError):
        return EngineUnavailable(f"the remote store {endpoint} cannot be reached: cannot connect "
                                 f"({_first_line(str(err.os_error)) or 'connection refused'})")
    if isinstance(err, (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError,
                        aiohttp.ClientResponseError)):
        return QueryFailed(f"the remote store {endpoint} broke off its answer: {_first_line(str(err))}",
                           status=502)
    return EngineUnavailable(f"the remote store {endpoint} cannot be reached: "
                             f"{_first_line(str(err)) or type(err).__name__}")


def backend_timeout_ms(timeout: float) -> int:
    """The time limit sent to the backend: jakgraph's, less a margin (a tenth, at most one second) so that the
    backend's own stop, with its message, arrives before jakgraph's deadline ends the exchange."""
    return max(int(1000 * max(timeout * 0.9, timeout - 1.0)), 1)


# ---------------------------------------------------------------------------------------------------
# the engine behind /sparql

def _solutions_format(media_type: str) -> ox.QueryResultsFormat | None:
    """The results format of a remote answer's media type (pyoxigraph knows the aliases), or None."""
    return ox.QueryResultsFormat.from_media_type(media_type) if media_type else None


def _graph_format(media_type: str) -> ox.RdfFormat | None:
    """The RDF format of a remote answer's media type (pyoxigraph knows the aliases), or None."""
    return ox.RdfFormat.from_media_type(media_type) if media_type else None


class RemoteEngine:
    """Answers queries by forwarding them to a remote SPARQL 1.1 query endpoint.

    :param endpoint: the remote query endpoint (a bare ``http://host:port`` means Oxigraph's ``/query``).
    :param timeout: seconds to wait for the remote answer (its own timeout may stop it earlier).
    :param max_bytes: the largest answer passed on; a larger one is cut off with ResultLimitError.
    :param union_default_graph: True when the remote's default graph is the union of its named graphs.
    :param max_rows: the row cap (solutions or triples), as the embedded engine's; None: no cap.
    :param timeout_parameter: the query parameter that carries the time limit to the backend in milliseconds
        (Virtuoso's ``timeout``); empty: none sent.
    :param watch: the :class:`BackendWatch` of the served generation, started and stopped with the engine.
    """

    def __init__(self, endpoint: str, *, timeout: float = 10.0, max_bytes: int = 256 * 1024 * 1024,
                 union_default_graph: bool = True, user: str | None = None, digest: bool = False,
                 max_connections: int = 32, prefixes: dict[str, str] | None = None,
                 base_iri: str | None = None, max_rows: int | None = None,
                 watch: BackendWatch | None = None, timeout_parameter: str = TIMEOUT_PARAMETER) -> None:
        self.endpoint = query_endpoint_url(endpoint)
        self.base_iri = base_iri
        self.max_rows = max_rows
        self.watch = watch
        self.timeout_parameter = timeout_parameter
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.union_default_graph = union_default_graph
        self.prefixes = dict(PREFIXES if prefixes is None else prefixes)
        self._user, self._digest = user, digest
        self._max_connections = max_connections
        self._client: aiohttp.ClientSession | None = None
        self._graphs: tuple[str, ...] | None = None

    async def start(self) -> None:
        if self._client is None:
            self._client = _session(self.timeout, self._max_connections, self._user, self._digest)
        if self.watch is not None:
            self.watch.start()

    async def close(self) -> None:
        if self.watch is not None:
            self.watch.stop()
        if self._client is not None:
            await self._client.close()
            self._client = None

    def invalidate(self, *_: object) -> None:
        self._graphs = None

    async def query(self, request: Any) -> Any:
        await self.start()
        assert self._client is not None
        started = time.perf_counter()
        _check_form(request.text)
        await _in_thread(lambda: _check_syntax(request.text, self.prefixes, self.base_iri))
        if (rewritten := await rewrite.answer(request, self.query)) is not None:  # the dataset, DESCRIBE
            return rewritten
        text = with_prefixes(request.text, self.prefixes)
        if self.base_iri:  # relative IRIs resolve as in the embedded engine (a BASE in the query still wins)
            text = f"BASE <{self.base_iri}>\n{text}"
        form = [("query", text)]
        default_graphs, named_graphs = tuple(request.default_graph_uris), tuple(request.named_graph_uris)
        if (not default_graphs and not named_graphs and not self.union_default_graph
                and not declares_dataset(request.text)):
            default_graphs = named_graphs = await self._named_graphs()
        form += [("default-graph-uri", g) for g in default_graphs]
        form += [("named-graph-uri", g) for g in named_graphs]
        if self.timeout_parameter:
            form.append((self.timeout_parameter, str(backend_timeout_ms(self.timeout))))
        accept = _accept(request.solutions_format, request.graph_format)
        try:
            async with asyncio.timeout(self.timeout):  # the whole exchange, not each read of it
                content_type, body = await self._send(form, accept)
        except TimeoutError:
            raise QueryTimeoutError(f"the remote store {self.endpoint} did not answer within {self.timeout:g}s "
                                    "(it was asked to stop at the same limit)") from None
        def convert() -> tuple[Any, ResultKind, bytes, int | None]:
            return _as_requested(body, content_type, request.solutions_format, request.graph_format, self.max_rows)

        if len(body) <= INLINE_BYTES:  # parsed and written on the loop: less than the hop to a thread costs
            fmt, kind, body, rows = convert()
        else:
            fmt, kind, body, rows = await _in_thread(lambda: _released(convert))
        return QueryResult(body, fmt, kind, rows, time.perf_counter() - started)

    async def _send(self, form: list[tuple[str, str]], accept: str) -> tuple[str, bytes]:
        """POST the query; (content type, body) of a complete answer, or the error it amounts to."""
        assert self._client is not None
        try:
            async with self._client.post(self.endpoint, data=urlencode(form).encode("ascii"),
                                         headers={"Accept": accept, "Content-Type": _FORM}) as response:
                if response.status >= 400:
                    body = await _read_capped(response, 64 * 1024, truncate=True)
                    raise _error_for(response.status, body.decode("utf-8", "replace"), self.endpoint)
                _check_complete(response.headers, self.endpoint)
                content_type = parse_content_type(response.headers.get("content-type"))[0]
                return content_type, await _read_capped(response, self.max_bytes)
        except aiohttp.ClientError as err:
            raise _session_error(err, self.endpoint, self.timeout) from None

    async def _named_graphs(self) -> tuple[str, ...]:
        if self._graphs is None:
            store = RemoteStore(self.endpoint, timeout=self.timeout)
            try:
                self._graphs = tuple(g.value for g in await _in_thread(store.named_graphs))
            finally:
                store.close()
        return self._graphs


async def _in_thread(function: Any) -> Any:
    import asyncio

    return await asyncio.get_running_loop().run_in_executor(None, function)


def _released(function: Any) -> Any:
    """``function()`` in a worker thread, its error raised without the frames it came from: pyoxigraph's parsed
    results may only be dropped on the thread that made them, and a traceback would carry them elsewhere."""
    try:
        return function()
    except JakgraphError as err:
        err.__context__ = err.__cause__ = None
        raise err.with_traceback(None) from None


def dict_multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """httpx form data: repeated keys as lists, in order."""
    data: dict[str, list[str]] = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    return data


async def _read_capped(response: aiohttp.ClientResponse, cap: int, truncate: bool = False) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        if size > cap:
            if truncate:
                chunks.append(chunk[: cap - (size - len(chunk))])
                break
            raise ResultLimitError(f"the remote answer is larger than {cap} bytes, the most this endpoint "
                                   "passes on; narrow the query or page through it with LIMIT and OFFSET")
        chunks.append(chunk)
    return b"".join(chunks)


def _accept(solutions: Any, graph: Any) -> str:
    """What the backend is asked for: SPARQL XML results (the one format every engine gets right, Virtuoso's
    booleans, CSV line ends, TSV headers and JSON term types being wrong) and N-Triples; jakgraph serialises
    the client's format itself, so the answer is the same whatever the engine."""
    types = []
    if solutions is not None:
        types.append(XML.media_type)
    if graph is not None:
        types.append(N_TRIPLES.media_type + (";q=0.9" if solutions is not None else ""))
    if not types:
        raise NotAcceptable("the request accepts no result format")
    return ", ".join(types)


def _as_requested(body: bytes, content_type: str, solutions: Any, graph: Any,
                  max_rows: int | None = None) -> tuple[Any, ResultKind, bytes, int | None]:
    """(format, kind, body, rows): the remote answer parsed to the end (a body cut short is an error, never a
    shorter 200), held to the row cap as the embedded engine's, and serialised by jakgraph in the format
    the client asked for. Blocking: run in a thread."""
    received = _solutions_format(content_type)
    if received is not None:
        if solutions is None:
            raise NotAcceptable("this query's results are solutions (or a boolean); the request accepts "
                                "only RDF graph formats")
        parsed = _parse_results(body, received)
        if isinstance(parsed, ox.QueryBoolean):
            return solutions, "boolean", written(parsed.serialize(format=solutions.results)), None
        try:  # the solutions are parsed lazily: a fault late in the body surfaces while serialising
            if max_rows is None:
                return solutions, "solutions", written(parsed.serialize(format=solutions.results)), None
            out, rows = serialise_solutions(parsed, solutions, max_rows, lambda: _parse_results(body, received))
            return solutions, "solutions", out, rows
        except (SyntaxError, ValueError, OSError) as err:
            raise _unparsable(body, "results", err) from None
        except QueryFailed as err:  # the capped writer's wrapping of the same parse errors
            if err.status == 502:
                raise
            raise _unparsable(body, "results", err) from None
    received_graph = _graph_format(content_type)
    if received_graph is not None:
        if graph is None:
            raise NotAcceptable("this query's result is an RDF graph; the request accepts only results formats")
        try:
            triples = list(ox.parse(body, format=received_graph))
        except (SyntaxError, ValueError) as err:
            raise _unparsable(body, f"{content_type} body", err) from None
        if max_rows is not None and len(triples) > max_rows:
            raise ResultLimitError(too_many("triples", max_rows))
        return graph, "graph", written(ox.serialize(triples, format=graph.rdf)), len(triples)
    raise QueryFailed(f"the remote store answered with an unexpected Content-Type {content_type or '(none)'!r}",
                      status=502)


def _unparsable(body: bytes, what: str, err: Exception) -> JakgraphError:
    """A remote answer that does not parse to the end: 504 when the backend says it cut it at its own time
    limit (Oxigraph's ``--timeout-s`` writes so into a 200 answer), 502 otherwise; never a shorter 200."""
    said = " ".join(str(err).split())
    if any(mark in body[-4096:] for mark in _CANCELLED):
        return QueryTimeoutError("the remote store stopped the query at its own time limit and cut its answer "
                                 f"short ({said}); narrow the query")
    return QueryFailed(f"the remote store sent {what} that do not parse to the end: {said}", status=502)


def _parse_results(body: bytes, fmt: ox.QueryResultsFormat) -> ox.QuerySolutions | ox.QueryBoolean:
    try:
        return ox.parse_query_results(body, format=fmt)
    except (SyntaxError, ValueError, OSError) as err:
        raise _unparsable(body, "results", err) from None


# ---------------------------------------------------------------------------------------------------
# the store the web pages read

class RemoteStore:
    """The read-only part of ``pyoxigraph.Store`` over a remote SPARQL endpoint (for the web pages).

    ``query`` returns parsed results (``QuerySolutions``, ``QueryBoolean``, or a list of triples for
    CONSTRUCT/DESCRIBE); ``quads_for_pattern`` sees the named graphs (the remote's default graph is the
    union of them, so it is not listed again). Writes are refused: write to the remote store itself.
    """

    def __init__(self, endpoint: str, *, timeout: float = 10.0, union_default_graph: bool = True,
                 user: str | None = None, digest: bool = False, client: httpx.Client | None = None,
                 prefixes: dict[str, str] | None = None) -> None:
        self.endpoint = query_endpoint_url(endpoint)
        self.timeout = timeout
        self.union_default_graph = union_default_graph
        self.prefixes = dict(PREFIXES if prefixes is None else prefixes)
        self._own_client = client is None
        self._client = client if client is not None else httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), auth=_auth(user, digest),
            headers={"User-Agent": _USER_AGENT},
        )
        self._graphs: tuple[str, ...] | None = None
        self._graphs_at = 0.0
        self._lock = threading.Lock()

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    # -- raw ----------------------------------------------------------------------------------------

    def _post(self, text: str, accept: str, default_graphs: Sequence[str] = (),
              named_graphs: Sequence[str] = ()) -> httpx.Response:
        form = [("query", text)] + [("default-graph-uri", g) for g in default_graphs] + \
            [("named-graph-uri", g) for g in named_graphs]
        try:
            response = self._client.post(self.endpoint, data=dict_multi(form), headers={"Accept": accept})
        except httpx.HTTPError as err:
            raise _transport_error(err, self.endpoint, self.timeout) from None
        if response.status_code >= 400:
            raise _error_for(response.status_code, response.text, self.endpoint)
        return response

    def query(self, query: str, *, base_iri: str | None = None, prefixes: dict[str, str] | None = None,
              use_default_graph_as_union: bool = False, default_graph: Any = None, named_graphs: Any = None,
              **_: Any) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        text = with_prefixes(query, {**self.prefixes, **(prefixes or {})})
        if base_iri:
            text = f"BASE <{base_iri}>\n{text}"
        defaults = _iris(default_graph)
        named = _iris(named_graphs)
        if (not defaults and not named and not self.union_default_graph and use_default_graph_as_union
                and not declares_dataset(text)):
            defaults = named = list(self._named_graph_iris())
        response = self._post(text, f"{XML.media_type}, {N_TRIPLES.media_type};q=0.9",
                              defaults, named)
        content_type = parse_content_type(response.headers.get("content-type"))[0]
        if (results_format := _solutions_format(content_type)) is not None:
            return _parse_results(response.content, results_format)
        if (rdf_format := _graph_format(content_type)) is not None:
            return list(ox.parse(response.content, format=rdf_format))
        raise QueryFailed(f"the remote store answered with an unexpected Content-Type {content_type!r}")

    # -- the Store API the pages use ----------------------------------------------------------------

    def quads_for_pattern(self, subject: Any = None, predicate: Any = None, object: Any = None,
                          graph_name: Any = None) -> Iterator[ox.Quad]:
        if isinstance(graph_name, ox.DefaultGraph):
            return iter(())  # the remote's default graph is the union of the named ones: nothing of its own
        terms = {"s": subject, "p": predicate, "o": object}
        pattern = " ".join(_term(value, f"?{name}") for name, value in terms.items())
        graph = _term(graph_name, "?g")
        text = f"SELECT * WHERE {{ GRAPH {graph} {{ {pattern} }} }}"
        solutions = self.query(text)
        assert isinstance(solutions, ox.QuerySolutions)
        return iter([
            ox.Quad(subject if subject is not None else row["s"],
                    predicate if predicate is not None else row["p"],
                    object if object is not None else row["o"],
                    graph_name if graph_name is not None else row["g"])
            for row in solutions
        ])

    def __iter__(self) -> Iterator[ox.Quad]:
        return self.quads_for_pattern()

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        return iter([ox.NamedNode(iri) for iri in self._named_graph_iris()])

    def _named_graph_iris(self) -> tuple[str, ...]:
        with self._lock:
            if self._graphs is None or time.monotonic() - self._graphs_at > 30:
                rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
                assert isinstance(rows, ox.QuerySolutions)
                self._graphs = tuple(row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode))
                self._graphs_at = time.monotonic()
            return self._graphs

    def contains_named_graph(self, graph: Any) -> bool:
        result = self.query(f"ASK {{ GRAPH {_term(graph, '?g')} {{ ?s ?p ?o }} }}")
        return bool(result)

    def count(self, graph: str | None = None) -> int:
        where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "GRAPH ?g { ?s ?p ?o }"
        rows = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
        assert isinstance(rows, ox.QuerySolutions)
        for row in rows:
            return int(row["n"].value)
        return 0

    def __len__(self) -> int:
        return self.count()

    def _refuse(self, *_: Any, **__: Any) -> None:
        raise JakgraphError(f"the store is remote ({self.endpoint}): write to it through its own endpoint")

    add = extend = bulk_extend = load = bulk_load = update = remove = remove_graph = clear = _refuse
    add_graph = clear_graph = _refuse

    def flush(self) -> None:
        return None


# ---------------------------------------------------------------------------------------------------
# the backend's version

class BackendWatch:
    """The served generation follows the backend's content: every ``interval`` seconds, in a thread of its
    own, one query counts the triples of each named graph; when the counts differ from the last probe's,
    the generation is bumped, so the result cache and every page cache keyed on it start afresh. A write
    that keeps every count (one label replaced by another) is caught by the cache's TTL instead
    (``backend_cache_ttl``). The first probe bumps the generation too: answers may have been cached before
    it (the server answers before the watch's thread has counted), and a write made in between would
    otherwise be in its baseline, never seen as a change. A bump comes after the probe's answer, so
    whatever was cached before the counts were read is dropped. A probe that fails (the backend down)
    changes nothing and is retried."""

    PROBE = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    #: the fewest seconds between two explicit bumps (:meth:`notify`: anyone may ask, so it is rate-limited)
    NOTIFY_EVERY = 5.0

    def __init__(self, endpoint: str, generation: StoreGeneration, *, interval: float, timeout: float = 10.0,
                 user: str | None = None, digest: bool = False) -> None:
        self.endpoint = endpoint
        self.generation = generation
        self.interval = interval
        self.timeout = timeout
        self._user, self._digest = user, digest
        #: the hash of the last probe's per-graph counts (None before the first)
        self.version: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._notified_at = -self.NOTIFY_EVERY

    def notify(self, reason: str) -> float:
        """An explicit bump (``jakgraph push --notify``: the backend was just written); 0 when done, else the
        seconds to wait (at most one bump per :attr:`NOTIFY_EVERY`, so the caches cannot be kept empty)."""
        with self._lock:
            wait = self._notified_at + self.NOTIFY_EVERY - time.monotonic()
            if wait > 0:
                return wait
            self._notified_at = time.monotonic()
        self.generation.bump(reason)
        return 0.0

    def probe(self) -> bool:
        """Count now; True (and the generation bumped) when the counts changed since the last probe."""
        store = RemoteStore(self.endpoint, timeout=self.timeout, user=self._user, digest=self._digest)
        try:
            rows = store.query(self.PROBE)
        finally:
            store.close()
        assert isinstance(rows, ox.QuerySolutions)
        counts = sorted(f"{row['g']} {row['n'].value}" for row in rows)
        version = hashlib.sha256("\n".join(counts).encode()).hexdigest()[:16]
        with self._lock:
            first = self.version is None
            changed = not first and version != self.version
            self.version = version
        if first:
            self.generation.bump("backend content counted")
        if changed:
            self.generation.bump(f"backend content changed ({version})")
        return changed

    def start(self) -> None:
        """Probe in the background (no-op when running, or when ``interval`` is 0: probing off)."""
        with self._lock:
            if self.interval <= 0 or (self._thread is not None and self._thread.is_alive()):
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="jakgraph-backend-watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(self.timeout + 1)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.probe()
            except (JakgraphError, httpx.HTTPError) as err:
                log.debug("backend probe failed: %s", err)
            if self._stop.wait(self.interval):
                return


def _iris(graphs: Any) -> list[str]:
    if graphs is None:
        return []
    if isinstance(graphs, (ox.NamedNode, ox.DefaultGraph)):
        graphs = [graphs]
    return [g.value for g in graphs if isinstance(g, ox.NamedNode)]


def _term(value: Any, variable: str) -> str:
    if value is None:
        return variable
    if isinstance(value, ox.NamedNode):
        return f"<{value.value}>"
    if isinstance(value, ox.Literal):
        return str(value)
    if isinstance(value, ox.BlankNode):
        raise JakgraphError("a remote store cannot be asked about a blank node of this process")
    return str(value)


def graphs_to_push(store: ox.Store, *, include_loaded: bool = False) -> list[str]:
    """The named graphs a push sends: the curated ones (and the loaded ones if asked), by IRI."""
    names = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    return [iri for iri in names if include_loaded or not is_loaded_graph(iri)]
