"""Read a SPARQL 1.1 Protocol query request and check it.

The three ways to send a query (SPARQL 1.1 Protocol §2.1): ``GET ?query=``, ``POST`` with an
``application/x-www-form-urlencoded`` body, ``POST`` with an ``application/sparql-query`` body (dataset
parameters then in the URL). Every departure is a :class:`RequestError` with a 4xx status and a message
that says what to change: two ``query`` parameters, a missing or unknown ``Content-Type``, a body that is
not UTF-8, an update sent to this read-only query endpoint, a dataset graph that is not an IRI.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl

import pyoxigraph as ox

from jakgraph.errors import JakgraphError, RequestError, status_of
from jakgraph.formats import parse_content_type

__all__ = [
    "FORM",
    "SPARQL_QUERY",
    "SPARQL_UPDATE",
    "RequestError",
    "SparqlOperation",
    "parse_get",
    "parse_post",
    "status_for",
]

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
_UTF8 = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
_UPDATE_REFUSED = ("SPARQL Update is not accepted here: /sparql is read-only and answers queries only "
                   "(curators send updates to /update)")


@dataclass(frozen=True)
class SparqlOperation:
    """What a request asks: a query (or None for the service description) and its protocol parameters."""

    query: str | None
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    format: str | None = None


@lru_cache(maxsize=1024)
def parse_get(query_string: bytes) -> SparqlOperation:
    """A GET (or HEAD) request from its raw URL query string (remembered: clients repeat their queries,
    and percent-decoding a long query costs more than answering it from the cache)."""
    return _operation(_pairs(query_string, "the URL"), where="URL")


def parse_post(query_string: bytes, content_type: str | None, body: bytes) -> SparqlOperation:
    """A POST request: form-encoded or direct, with any further parameters in the URL."""
    url_pairs = _pairs(query_string, "the URL")
    if not content_type or not content_type.strip():
        raise RequestError(f"a POST needs a Content-Type: {FORM} (with query=…) or {SPARQL_QUERY} "
                           "(the query as the body)")
    media_type, charset = media_type_and_charset(content_type)
    if media_type == FORM:
        _require_utf8(charset)
        text = _utf8(body, "form body")
        return _operation(url_pairs + _pairs_text(text, "the form body"), where="form")
    if media_type == SPARQL_QUERY:
        _require_utf8(charset)
        if any(name == "query" for name, _ in url_pairs):
            raise RequestError("two queries: the body is the query, and the URL has a query parameter too")
        if any(name == "update" for name, _ in url_pairs):
            raise RequestError(_UPDATE_REFUSED)
        query = _utf8(body, "query")
        return _operation(url_pairs, where="URL", body_query=query[1:] if query.startswith("\ufeff") else query)
    if media_type == SPARQL_UPDATE:
        raise RequestError(_UPDATE_REFUSED)
    raise RequestError(
        f"unsupported Content-Type {media_type!r}: send {FORM} (query=…) or {SPARQL_QUERY} (the query as the body)",
        status=415,
    )


def media_type_and_charset(content_type: str | None) -> tuple[str, str | None]:
    """(media type, charset in lower case or None) of a Content-Type value (``formats.parse_content_type``)."""
    media, params = parse_content_type(content_type)
    charset = params.get("charset")
    return media, charset.lower() if charset is not None else None


def _require_utf8(charset: str | None) -> None:
    if charset is not None and charset not in _UTF8:
        raise RequestError(f"charset={charset} is not supported: SPARQL requests are UTF-8", status=415)


def _utf8(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RequestError(f"the {what} is not valid UTF-8 (byte {err.start}): send it encoded as UTF-8") from None


def _pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    if not raw:
        return []
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        text = _utf8(raw, where)
    return _pairs_text(text, where)


def _pairs_text(text: str, where: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise RequestError(f"a parameter in {where} is not valid UTF-8 once percent-decoded") from None
    except ValueError as err:
        raise RequestError(f"cannot read the parameters in {where}: {err}") from None


def _operation(pairs: list[tuple[str, str]], *, where: str, body_query: str | None = None) -> SparqlOperation:
    queries: list[str] = []
    default_graphs: list[str] = []
    named_graphs: list[str] = []
    formats: list[str] = []
    for name, value in pairs:
        if name == "query":
            queries.append(value)
        elif name == "default-graph-uri":
            default_graphs.append(_graph_iri(name, value))
        elif name == "named-graph-uri":
            named_graphs.append(_graph_iri(name, value))
        elif name == "format":
            formats.append(value)
        elif name in ("update", "using-graph-uri", "using-named-graph-uri"):
            raise RequestError(_UPDATE_REFUSED)
    if len(queries) > 1:
        raise RequestError(f"{len(queries)} query parameters: send exactly one query per request")
    # several values are read as one preference list, first first: SPARQLWrapper sends
    # format=rdf+xml&format=application/rdf+xml, or format=json-ld&format= (empty)
    formats = [", ".join(dict.fromkeys(value.strip() for value in formats if value.strip()))] if formats else []
    query = body_query if body_query is not None else queries[0] if queries else None
    if query is None and (default_graphs or named_graphs or where == "form"):
        raise RequestError("missing query parameter (query=…)")
    return SparqlOperation(query, tuple(default_graphs), tuple(named_graphs), formats[0] if formats and formats[0] else None)


def _graph_iri(name: str, value: str) -> str:
    try:
        ox.NamedNode(value)
    except ValueError:
        raise RequestError(f"{name}={value!r} is not an absolute IRI") from None
    return value


def status_for(error: JakgraphError) -> int:
    """The HTTP status for ``error`` (each class in ``jakgraph.errors`` carries its own)."""
    return status_of(error)
