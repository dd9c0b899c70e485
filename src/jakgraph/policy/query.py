"""The query-safety rules the query endpoint applies before it runs anything: ``check_query(text, settings)``.

A query is refused (a :class:`~jakgraph.policy.safety.PolicyViolation`, whose ``status`` is the HTTP status) when:

* it is larger than ``Settings.max_query_bytes`` (413);
* it is an update, or holds ``LOAD`` (400: updates go to /update, and only for curators);
* it calls ``SERVICE`` on anything but an allow-listed http(s) endpoint whose host resolves only to public
  addresses (403), including ``SERVICE ?var`` and ``SERVICE SILENT``; loopback, link-local
  (169.254.169.254), private ranges, legacy IPv4 spellings (``http://2130706433/``) and other schemes
  (``file:``, ``ftp:``, ``gopher:``) are refused even when listed;
* it holds ``SERVICE`` and cannot be checked: rdflib's parser rejects it, or needs more than
  ``safety.PARSE_DEADLINE`` seconds (400).

How (see ``jakgraph.policy.safety``): a text in which the letters ``service`` and ``load`` do not occur at all
(after SPARQL's ``\\u`` escapes) cannot call or load anything and passes at once. Otherwise it is
tokenized (strings, IRIs and comments are not keywords). With the default empty allow-list a ``SERVICE``
keyword is refused outright; with an allow-list, the query is parsed with rdflib's SPARQL parser (in a
separate process with a deadline) and every ``SERVICE`` target in the parse tree is checked. Nothing here
opens a connection; only a host on the allow-list is ever resolved.
"""
from __future__ import annotations

from jakgraph.settings import Settings
from jakgraph.errors import OperationRefused, PolicyViolation, QuerySyntaxError, ServiceRefused
from jakgraph.policy.safety import (
    Analysis,
    Resolver,
    UPDATE_OPERATIONS,
    analyse_bounded,
    check_services,
    first_keyword,
    mentions_keyword,
    scan,
)

UPDATE_REFUSED = "this is an update: the query endpoint only answers queries (curators send updates to /update)"

__all__ = ["PolicyViolation", "ServiceRefused", "OperationRefused", "check_query", "check_update_text"]


def check_query(text: str, settings: Settings, *, base_iri: str | None = None,
                resolver: Resolver | None = None) -> Analysis | None:
    """Raise PolicyViolation unless the query may run. Returns the parsed analysis when the query calls
    SERVICE (and every target was allowed), None when it calls none."""
    _check_size(text, settings)
    if first_keyword(text) in UPDATE_OPERATIONS:
        raise OperationRefused(UPDATE_REFUSED)
    if not (mentions_keyword(text, "service") or mentions_keyword(text, "load")):
        return None
    facts = scan(text, base=base_iri)
    if facts.first_keyword in UPDATE_OPERATIONS or facts.loads:
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


def check_update_text(text: str, settings: Settings) -> None:
    """The size rule for update text (the write service applies the rest)."""
    _check_size(text, settings)


def _check_size(text: str, settings: Settings) -> None:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > settings.max_query_bytes:
        raise PolicyViolation(f"the query is {size} bytes; the limit is {settings.max_query_bytes}", status=413)
