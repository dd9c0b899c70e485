"""The rules the query endpoint applies before it runs anything: ``check_query(text, settings)``.

A query is refused (a :class:`~jakgraph.errors.PolicyViolation`, whose ``status`` is the HTTP status) when:

* it is larger than ``Settings.max_query_bytes`` (413), or over any other input limit (400; see
  ``jakgraph.policy.limits``: nesting, tokens, triple patterns, VALUES rows, prefixes, token and literal
  length), checked in one linear pass before any parser sees it;
* it is an update, or holds ``LOAD`` (400: updates go to /update, and only for curators);
* it calls ``SERVICE`` on anything but an allow-listed http(s) endpoint whose host resolves only to public
  addresses (403, ``jakgraph.policy.service``), including ``SERVICE ?var`` and ``SERVICE SILENT``;
* it holds ``SERVICE`` and cannot be checked: rdflib's parser rejects it, or needs more than
  ``parse.PARSE_DEADLINE`` seconds (400).

How: a text in which the letters ``service`` and ``load`` do not occur at all (after SPARQL's ``\\u``
escapes) cannot call or load anything and passes at once. Otherwise the lexer's scan reads it (strings,
IRIs and comments are not keywords). With the default empty allow-list a ``SERVICE`` keyword is refused
outright; with an allow-list, the query is parsed in the parser subprocess (``jakgraph.sparql.parse``)
and every ``SERVICE`` target in the parse tree is checked. Nothing here opens a connection.
"""
from __future__ import annotations

from typing import Any

from jakgraph.errors import (
    OperationRefused,
    PolicyViolation,
    QuerySyntaxError,
    ServiceRefused,
)
from jakgraph.policy.limits import check_size, check_sparql
from jakgraph.policy.service import Resolver, check_services
from jakgraph.sparql.parse import Analysis, analyse_bounded
from jakgraph.sparql.text import UPDATE_KEYWORDS, first_keyword, mentions_keyword, scan

UPDATE_REFUSED = "this is an update: the query endpoint only answers queries (curators send updates to /update)"

__all__ = ["OperationRefused", "PolicyViolation", "ServiceRefused", "check_query", "check_query_limits"]


def check_query_limits(text: str, settings: Any) -> None:
    """The size and input limits of a query, before any parser (the CLI and the query endpoint)."""
    check_size(len(text.encode("utf-8", "surrogatepass")), settings.max_query_bytes, "query",
               "JAKGRAPH_MAX_QUERY_BYTES")
    check_sparql(text, settings)


def check_query(text: str, settings: Any, *, base_iri: str | None = None,
                resolver: Resolver | None = None) -> Analysis | None:
    """Raise PolicyViolation unless the query may run. Returns the parsed analysis when the query calls
    SERVICE (and every target was allowed), None when it calls none."""
    check_query_limits(text, settings)
    if first_keyword(text) in UPDATE_KEYWORDS:
        raise OperationRefused(UPDATE_REFUSED)
    if not (mentions_keyword(text, "service") or mentions_keyword(text, "load")):
        return None
    facts = scan(text, base=base_iri)
    if facts.first_keyword in UPDATE_KEYWORDS or facts.loads:
        raise OperationRefused(UPDATE_REFUSED)
    if not facts.services:
        return None
    if not settings.service_allowlist:
        raise ServiceRefused("SERVICE is refused: this server calls no other endpoint "
                             "(the allow-list is empty: JAKGRAPH_SERVICE_ALLOWLIST)")
    try:
        analysis = analyse_bounded("query", text, base=base_iri)
    except QuerySyntaxError as err:
        raise PolicyViolation(f"the query holds SERVICE and cannot be checked, so it is refused: {err}") from None
    if not analysis.services:   # the keyword was there but rdflib found no SERVICE pattern: refuse, to be safe
        raise PolicyViolation("the query holds the keyword SERVICE where no SERVICE pattern can be checked")
    check_services(analysis, settings.service_allowlist, resolver)
    return analysis
