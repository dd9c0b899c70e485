"""Evaluate one query on an Oxigraph store and serialise its result: what a worker process does per request.

Pure and synchronous: it blocks for as long as the query runs, which is why it only ever runs inside a
worker process that the pool can kill (``pool.py``), or in tests and the CLI.

The dataset follows the SPARQL 1.1 Protocol: ``default-graph-uri`` / ``named-graph-uri`` replace FROM /
FROM NAMED; with neither, the query's own FROM / FROM NAMED apply; with none at all, the default graph is
the union of all named graphs.

The row cap is exact but costs nothing for ordinary results: the result is serialised once into a sink
that stops at ``max_rows`` times the smallest possible size of a row in that format (3 bytes in JSON,
one line in TSV, …), so a result that fits cannot have too many rows. Only a result past that size is
evaluated again into a row-counting sink (TSV or N-Triples: one row a line) that stops at the first row
over the cap, and converted to the format asked for if it is within the cap.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

import pyoxigraph as ox

from jakgraph.engine.base import QueryRequest, QueryResult
from jakgraph.errors import NotAcceptable, QueryFailed, QuerySyntaxError, ResultLimitError
from jakgraph.formats import GRAPH_FORMATS, N_TRIPLES, SOLUTIONS_FORMATS, TSV, ResultFormat, written
from jakgraph.sparql.text import QueryFacts, describe_syntax_error, query_facts

__all__ = ["ExecutionOptions", "execute", "serialise_solutions", "too_many"]

#: formats whose output is shorter and easier to read with prefixes
_PREFIXED_OUTPUT = frozenset({"ttl", "trig", "n3", "rdfxml"})
#: the fewest bytes one more solution can add in each results format ("{}," in JSON, one line in TSV…)
_MIN_ROW_BYTES = {"json": 3, "xml": 17, "csv": 2, "tsv": 1}
#: the fewest bytes one more triple can add in any RDF format (",1" in Turtle)
_MIN_TRIPLE_BYTES = 2


@dataclass(frozen=True)
class ExecutionOptions:
    """How a store answers: its row cap, the base IRI of queries, the prefixes usable undeclared."""

    max_rows: int = 100_000
    base_iri: str | None = None
    prefixes: Mapping[str, str] = field(default_factory=dict)
    #: prefixes always offered to Turtle / TriG / N3 / RDF/XML output (besides those the query uses)
    output_prefixes: Mapping[str, str] = field(default_factory=dict)


class _Overflow(OSError):
    """Raised by a sink to stop a serialisation that has passed its limit."""


class _Sink:
    """A write-only binary file that keeps what it is given and stops past ``ceiling`` bytes or lines."""

    __slots__ = ("chunks", "size", "lines", "ceiling", "max_lines", "overflowed")

    def __init__(self, ceiling: int | None = None, max_lines: int | None = None) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self.lines = 0
        self.ceiling = ceiling
        self.max_lines = max_lines
        self.overflowed = False

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.max_lines is not None:
            self.lines += data.count(b"\n")
            if self.lines > self.max_lines:
                self.overflowed = True
                raise _Overflow("line limit")
        if self.ceiling is not None and self.size > self.ceiling:
            self.overflowed = True
            raise _Overflow("size limit")
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.chunks)


def execute(store: ox.Store, request: QueryRequest, options: ExecutionOptions,
            facts: QueryFacts | None = None) -> QueryResult:
    """Run ``request`` on ``store``; the serialised result, or a JakgraphError that says what went wrong.

    ``facts`` are the text's :class:`~jakgraph.sparql.text.QueryFacts` when the caller has them (the pool
    sends them with the query, so a worker reads no SPARQL text in Python); otherwise they are read here.
    """
    started = time.perf_counter()
    if facts is None:
        facts = query_facts(request.text)
    arguments = _dataset_arguments(request, facts.declares_dataset)
    known = options.prefixes
    prefixes = {name: known[name] for name in facts.prefixes if name in known} or None
    result = _evaluate(store, request.text, options, prefixes, arguments)
    if isinstance(result, ox.QueryBoolean):
        fmt = _format_for(request.solutions_format, "ASK", SOLUTIONS_FORMATS)
        body = written(result.serialize(format=fmt.results))
        return QueryResult(body, fmt, "boolean", None, time.perf_counter() - started)
    if isinstance(result, ox.QuerySolutions):
        fmt = _format_for(request.solutions_format, "SELECT", SOLUTIONS_FORMATS)
        body, count = serialise_solutions(result, fmt, options.max_rows,
                                           lambda: _evaluate(store, request.text, options, prefixes, arguments))
        return QueryResult(body, fmt, "solutions", count, time.perf_counter() - started)
    fmt = _format_for(request.graph_format, "CONSTRUCT or DESCRIBE", GRAPH_FORMATS)
    output_prefixes = {**options.output_prefixes, **(prefixes or {})} if fmt.name in _PREFIXED_OUTPUT else None
    body, count = _serialise_triples(result, fmt, options.max_rows, output_prefixes,
                                     lambda: _evaluate(store, request.text, options, prefixes, arguments))
    return QueryResult(body, fmt, "graph", count, time.perf_counter() - started)


class _DatasetArguments(TypedDict, total=False):
    """The keyword arguments of ``Store.query`` that say which dataset a query runs on."""

    default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]
    named_graphs: list[ox.NamedNode | ox.BlankNode]
    use_default_graph_as_union: bool


def _dataset_arguments(request: QueryRequest, declares_dataset: bool) -> _DatasetArguments:
    if request.default_graph_uris or request.named_graph_uris:
        try:
            return {
                "default_graph": [ox.NamedNode(iri) for iri in request.default_graph_uris],
                "named_graphs": [ox.NamedNode(iri) for iri in request.named_graph_uris],
            }
        except ValueError as err:
            raise QuerySyntaxError(f"a dataset graph is not an absolute IRI: {err}") from None
    if declares_dataset:
        return {}
    return {"use_default_graph_as_union": True}


def _evaluate(store: ox.Store, text: str, options: ExecutionOptions, prefixes: dict[str, str] | None,
              arguments: _DatasetArguments) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    try:
        return store.query(text, base_iri=options.base_iri, prefixes=prefixes, **arguments)
    except SyntaxError as err:
        raise QuerySyntaxError(describe_syntax_error(text, str(err))) from None
    except (OSError, RuntimeError, ValueError) as err:
        raise QueryFailed(f"query evaluation failed: {err}") from None


def _format_for(chosen: ResultFormat | None, form: str, offered: tuple[ResultFormat, ...]) -> ResultFormat:
    if chosen is None:
        listing = ", ".join(fmt.media_type for fmt in offered)
        raise NotAcceptable(f"this is a {form} query, whose results can be given as {listing}; "
                            "the request accepts none of them")
    return chosen


def serialise_solutions(solutions: ox.QuerySolutions, fmt: ResultFormat, max_rows: int,
                        again) -> tuple[bytes, int | None]:  # noqa: ANN001 - zero-argument callable
    """Solutions in ``fmt`` under the row cap (``again`` gives the same solutions afresh, for the exact
    count); also how the remote engine caps a backend's answers."""
    sink = _Sink(ceiling=max_rows * _MIN_ROW_BYTES[fmt.name])  # fits: at most max_rows rows
    # pyoxigraph writes to any object with write(bytes); its stub names IO[bytes]
    if _write(lambda: solutions.serialize(sink, fmt.results), sink):  # type: ignore[arg-type]
        return sink.getvalue(), None
    # too large to be sure: count exactly (one solution a line in TSV), stopping at the first row over
    counted = _Sink(max_lines=max_rows + 1)  # + the header line
    if not _write(lambda: again().serialize(counted, ox.QueryResultsFormat.TSV), counted):
        raise ResultLimitError(too_many("solutions", max_rows))
    rows = max(counted.lines - 1, 0)
    if fmt.name == TSV.name:
        return counted.getvalue(), rows
    parsed = ox.parse_query_results(counted.getvalue(), ox.QueryResultsFormat.TSV)
    return written(parsed.serialize(format=fmt.results)), rows


def _serialise_triples(triples: ox.QueryTriples, fmt: ResultFormat, max_rows: int,
                       prefixes: dict[str, str] | None, again) -> tuple[bytes, int | None]:  # noqa: ANN001
    sink = _Sink(ceiling=max_rows * _MIN_TRIPLE_BYTES)
    if _write(lambda: _rdf(triples, sink, fmt, prefixes), sink):
        return _prune_prefixes(sink.getvalue(), fmt, prefixes), None
    counted = _Sink(max_lines=max_rows)
    if not _write(lambda: again().serialize(counted, ox.RdfFormat.N_TRIPLES), counted):
        raise ResultLimitError(too_many("triples", max_rows))
    if fmt.name == N_TRIPLES.name:
        return counted.getvalue(), counted.lines
    parsed = ox.parse(counted.getvalue(), ox.RdfFormat.N_TRIPLES)
    body = written(ox.serialize(parsed, format=fmt.rdf, prefixes=prefixes))
    return _prune_prefixes(body, fmt, prefixes), counted.lines


_PRUNED_FORMATS = frozenset({"ttl", "trig", "n3"})
_PRUNE_UP_TO = 1 << 20


def _prune_prefixes(body: bytes, fmt: ResultFormat, prefixes: dict[str, str] | None) -> bytes:
    """Drop the ``@prefix`` lines of Turtle, TriG and N3 output whose prefix the output does not use.

    Oxigraph writes one ``@prefix`` line for each prefix it is given, first; the output is easier to read
    with only those it needs. A line stays when ``name:`` occurs anywhere in the rest (also inside a
    string or as part of a longer name: that keeps a line that could have gone, never drops one that is
    needed). Outputs over 1 MiB, or not shaped as expected, are left as they are.
    """
    if not prefixes or fmt.name not in _PRUNED_FORMATS or len(body) > _PRUNE_UP_TO:
        return body
    parts = body.split(b"\n", len(prefixes))
    if len(parts) <= len(prefixes):
        return body
    content = parts[-1]
    kept = []
    for line in parts[:-1]:
        if not line.startswith(b"@prefix "):
            return body
        name = line[8:line.find(b":", 8) + 1]
        if name in content:
            kept.append(line + b"\n")
    return b"".join(kept) + content


def _rdf(triples: ox.QueryTriples, sink: _Sink, fmt: ResultFormat, prefixes: dict[str, str] | None) -> None:
    if prefixes:
        # pyoxigraph writes to any object with write(bytes); its stub names IO[bytes]
        ox.serialize(triples, sink, fmt.rdf, prefixes=prefixes)  # type: ignore[arg-type]
    else:
        triples.serialize(sink, fmt.rdf)  # type: ignore[arg-type]


def _write(serialise, sink: _Sink) -> bool:  # noqa: ANN001 - zero-argument callable
    """Run a serialisation into ``sink``; False when the sink stopped it at its limit."""
    try:
        serialise()
    except OSError as err:
        if sink.overflowed:
            return False
        raise QueryFailed(f"query evaluation failed: {err}") from None
    except (RuntimeError, ValueError) as err:
        raise QueryFailed(f"query evaluation failed: {err}") from None
    return True


def too_many(what: str, max_rows: int) -> str:
    """The message of a result over the row cap ("solutions" or "triples"), the same whatever the engine."""
    return (f"the result has more than {max_rows} {what}, the most this endpoint returns; "
            "narrow the query, or page through it with ORDER BY, LIMIT and OFFSET")

