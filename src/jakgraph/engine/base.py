"""What every query engine takes and gives: the request, the serialised result, the protocol.

The web layer depends on this interface only. The embedded engine (a pool of worker processes over an
in-memory Oxigraph store, ``pool.py``) is one implementation; a remote backend that forwards to another
SPARQL 1.1 endpoint, or a caching wrapper around either, is another.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from jakgraph.formats import JSON, TURTLE, ResultFormat

__all__ = ["QueryEngine", "QueryRequest", "QueryResult", "ResultKind"]

ResultKind = Literal["solutions", "boolean", "graph"]


@dataclass(frozen=True)
class QueryRequest:
    """One SPARQL query with its protocol dataset and the formats the client can take.

    ``default_graph_uris`` / ``named_graph_uris`` are the SPARQL protocol parameters; when either is given
    they replace the query's FROM / FROM NAMED. ``solutions_format`` serves SELECT and ASK results,
    ``graph_format`` CONSTRUCT and DESCRIBE results; None means the client accepts no format of that
    family, and a result of that family is refused with :class:`~jakgraph.errors.NotAcceptable`.
    """

    text: str
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    solutions_format: ResultFormat | None = JSON
    graph_format: ResultFormat | None = TURTLE


@dataclass(frozen=True)
class QueryResult:
    """A serialised result: ``body`` is ready to send with ``format.content_type``."""

    body: bytes
    format: ResultFormat
    kind: ResultKind
    count: int | None = None   # solutions or triples; None for ASK
    seconds: float = 0.0       # evaluation and serialisation time inside the engine


@runtime_checkable
class QueryEngine(Protocol):
    """Answers SPARQL queries; every method is a coroutine so that no engine blocks the event loop.

    ``query`` raises :class:`~jakgraph.errors.QuerySyntaxError` (the text does not parse),
    :class:`~jakgraph.errors.NotAcceptable`, :class:`~jakgraph.errors.QueryTimeoutError` (past the
    deadline; the evaluation has been stopped), :class:`~jakgraph.errors.ResultLimitError` (more rows
    than the cap), :class:`~jakgraph.errors.EngineUnavailable` or :class:`~jakgraph.errors.QueryFailed`.
    """

    async def start(self) -> None:
        """Get ready to answer (spawn workers, open connections); idempotent."""

    async def query(self, request: QueryRequest) -> QueryResult:
        """Evaluate one query and serialise its result."""

    async def close(self) -> None:
        """Stop: release workers and connections; idempotent."""
