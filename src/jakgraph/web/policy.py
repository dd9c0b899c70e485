"""The query-safety rules the query endpoint applies before it runs anything: ``check_query(text, settings)``.

A query is refused (a :class:`~jakgraph.safety.PolicyViolation`, whose ``status`` is the HTTP status) when:

* it is larger than ``Settings.max_query_bytes`` (413);
* it is an update, or holds ``LOAD`` (400: updates go to /update, and only for curators);
* it calls ``SERVICE`` on anything but an allow-listed http(s) endpoint whose host resolves only to public
  addresses (403), including ``SERVICE ?var`` and ``SERVICE SILENT``; loopback, link-local
  (169.254.169.254), private ranges, legacy IPv4 spellings (``http://2130706433/``) and other schemes
  (``file:``, ``ftp:``, ``gopher:``) are refused even when listed;
* it cannot be checked: rdflib's parser rejects a text that might hold SERVICE or LOAD (400).

SERVICE targets are found by parsing the query with rdflib's SPARQL parser and walking the parse tree, not
with regular expressions. A text that rdflib cannot parse and that cannot hold SERVICE or LOAD is let
through, so that Oxigraph reports its own syntax error. Nothing here opens a connection; only a host on the
allow-list is ever resolved.
"""
from __future__ import annotations

from ..config import Settings
from ..errors import QuerySyntaxError
from ..safety import (
    Analysis,
    OperationRefused,
    PolicyViolation,
    Resolver,
    ServiceRefused,
    analyse,
    check_services,
    mentions_keyword,
)

__all__ = ["PolicyViolation", "ServiceRefused", "OperationRefused", "check_query", "check_update_text"]


def check_query(text: str, settings: Settings, *, base_iri: str | None = None,
                resolver: Resolver | None = None) -> Analysis | None:
    """Raise PolicyViolation unless the query may run; returns the analysis (None if rdflib could not parse
    a text that holds neither SERVICE nor LOAD, which the engine's parser will then judge)."""
    _check_size(text, settings)
    try:
        analysis = analyse("query", text, base=base_iri)
    except QuerySyntaxError as query_error:
        if _parses_as_update(text):
            raise OperationRefused("this is an update: the query endpoint only answers queries "
                                   "(curators send updates to /update)") from None
        if mentions_keyword(text, "service") or mentions_keyword(text, "load"):
            raise PolicyViolation(f"the query cannot be checked, so it is refused: {query_error}") from None
        return None
    check_services(analysis, settings.service_allowlist, resolver)
    return analysis


def check_update_text(text: str, settings: Settings) -> None:
    """The size rule for update text (the write service applies the rest)."""
    _check_size(text, settings)


def _check_size(text: str, settings: Settings) -> None:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > settings.max_query_bytes:
        raise PolicyViolation(f"the query is {size} bytes; the limit is {settings.max_query_bytes}", status=413)


def _parses_as_update(text: str) -> bool:
    try:
        analysis = analyse("update", text)
    except QuerySyntaxError:
        return False
    return bool(analysis.operations)
