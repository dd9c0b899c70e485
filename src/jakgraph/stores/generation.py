"""The store generation: which version of the served store's content an answer was computed from.

Why: every cache in the server (query results, the site index behind /search and the 404 suggestions, the
VoID statistics, the Service Description, the prepared shapes) must be dropped when the graph changes, and
"the store holds as many quads as before" does not mean "nothing changed" (a curator write that replaces a
label keeps the count). So there is one counter, bumped by everything that changes a served store (a
committed curator write, a file loaded alongside, the store built or reopened at start), and every cache
keys on it.

Generation numbers come from one process-wide sequence, so no two bumps, of any store, give the same
number: a cache that keys on ``generation.value`` can never mistake one store's version for another's.
"""
from __future__ import annotations

import itertools
import logging
import threading
from datetime import UTC, datetime

__all__ = ["StoreGeneration"]

log = logging.getLogger("jakgraph.stores.generation")

_SEQUENCE = itertools.count(1)
_SEQUENCE_LOCK = threading.Lock()


def _next() -> int:
    with _SEQUENCE_LOCK:
        return next(_SEQUENCE)


class StoreGeneration:
    """A counter for one served store: ``value`` changes on every :meth:`bump`; thread-safe.

    ``fingerprint`` (of the curated sources the store was built from, when known) is part of
    :attr:`key`, so a cache key also says which sources the graph came from.
    """

    __slots__ = ("_value", "fingerprint", "reason", "changed_at", "_lock")

    def __init__(self, fingerprint: str = "") -> None:
        self._lock = threading.Lock()
        self._value = _next()
        self.fingerprint = fingerprint
        self.reason = "opened"
        #: when the store last changed (UTC): the Service Description's ``dcterms:modified``
        self.changed_at = datetime.now(UTC)

    @property
    def value(self) -> int:
        return self._value

    @property
    def key(self) -> str:
        """``<fingerprint prefix>.<value>``: a string for cache keys and for ``X-Cache``-style reports."""
        return f"{self.fingerprint[:16] or 'graph'}.{self._value}"

    def bump(self, reason: str) -> int:
        """The store changed (``reason``: "write", "load <file>", "opened", …): a new value, returned."""
        with self._lock:
            self._value = _next()
            self.reason = reason
            self.changed_at = datetime.now(UTC)
            value = self._value
        log.debug("store generation %d: %s", value, reason)
        return value

    def __repr__(self) -> str:
        return f"StoreGeneration({self.key!r}, reason={self.reason!r})"
