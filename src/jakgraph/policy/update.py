"""The rules an update meets before the writer applies it: ``check_update(text, …)``.

Why here and not in the writer: the writer (``jakgraph.stores.writer``) knows the store's graphs (which are
read-only); what an update *text* may do is policy, decided before any parser runs. In order:

* the size and input limits (``jakgraph.policy.limits``): Oxigraph parses the update in the HTTP process
  (on the scratch copy), and its parser recurses, so the limits are what keeps a nested update from
  overflowing the server's stack;
* a query is not an update (400), ``LOAD`` is never performed (400: the server fetches nothing);
* ``SERVICE`` only to allow-listed public endpoints (403): with an allow-list the update is parsed in the
  parser subprocess (``jakgraph.sparql.parse``, a deadline, a crash costs only that request) and every
  target checked.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jakgraph.errors import (
    OperationRefused,
    PolicyViolation,
    ServiceRefused,
)
from jakgraph.policy.limits import check_size, check_sparql
from jakgraph.policy.service import check_services
from jakgraph.settings import Settings
from jakgraph.sparql.parse import analyse_bounded
from jakgraph.sparql.text import QUERY_FORMS, Scan, scan

__all__ = ["check_update", "check_update_limits"]

QUERY_REFUSED = "this is a query, not an update: send it to /sparql"


def check_update_limits(text: str, settings: Any = None) -> None:
    """The size and input limits of an update (``settings`` None: the defaults and the environment)."""
    if settings is None:
        settings = Settings()   # the environment's
    check_size(len(text.encode("utf-8", "surrogatepass")), settings.max_query_bytes, "update",
               "JAKGRAPH_MAX_QUERY_BYTES")
    check_sparql(text, settings)


def check_update(text: str, *, base_iri: str | None = None, allowlist: Sequence[str] = (),
                 settings: Any = None) -> Scan:
    """Raise PolicyViolation unless the update text may be applied; the scan (graphs named, WHERE offsets)."""
    check_update_limits(text, settings)
    facts = scan(text, base=base_iri)
    if facts.first_keyword in QUERY_FORMS:
        raise OperationRefused(QUERY_REFUSED)
    if facts.loads:
        raise OperationRefused("LOAD is not performed here (the server fetches nothing on your behalf): "
                               "send the data with INSERT DATA or PUT /store")
    if facts.services:
        if not allowlist:
            raise ServiceRefused("SERVICE is refused: this server calls no other endpoint "
                                 "(the allow-list is empty: JAKGRAPH_SERVICE_ALLOWLIST)")
        analysis = analyse_bounded("update", text, base=base_iri)   # QuerySyntaxError if it does not parse
        if not analysis.services:
            raise PolicyViolation("the update holds the keyword SERVICE where no SERVICE pattern can be checked")
        check_services(analysis, allowlist)
    return facts
