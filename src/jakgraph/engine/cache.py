"""A bounded result cache: the same query on the same version of the graph is answered from memory.

The graph's *version* is the served store's generation (``stores/generation.py``: bumped by every
committed write and every load, and naming the curated sources' fingerprint) and an epoch that
:meth:`ResultCache.invalidate` moves on (the commit listener calls it again once the query workers have
reloaded, so an answer computed meanwhile by a worker with the old data is not kept). A cached answer is
found by its key: the version, the query text *normalised* (comments dropped, runs of white space outside
strings and IRIs made one space), the protocol dataset (``default-graph-uri`` / ``named-graph-uri``) and
the result formats asked for. So a popular example query costs one dictionary look-up.

Answers from a remote backend, whose content can change with no write through jakgraph, also age out:
with ``ttl`` set, an answer older than ``ttl`` seconds is a miss (the backend's probed version, which
``stores.remote.BackendWatch`` makes the store generation, catches most changes sooner).

Bounded two ways, least recently used first out: at most ``max_entries`` answers and ``max_bytes`` bytes
(an answer larger than ``max_entry_bytes`` is never kept). Queries whose answer may change without a
write are never cached: ``NOW()``, ``RAND()``, ``UUID()``, ``STRUUID()``, ``BNODE()`` and ``SERVICE``.
Failed queries (syntax errors, timeouts) are not cached either.

:class:`CachingEngine` puts the cache in front of any :class:`~jakgraph.engine.base.QueryEngine`, the
embedded one or a remote one; its answers say ``cache="hit"`` or ``"miss"`` (the endpoint sends that as
``X-Cache``). Identical queries that arrive while the first is still running wait for its answer rather
than running again.
"""
from __future__ import annotations

import asyncio
import copy
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from jakgraph.sparql.lexer import OPAQUE_TOKENS
from jakgraph.stores.generation import StoreGeneration

__all__ = ["CacheKey", "CacheStats", "CachingEngine", "ResultCache", "normalise_query", "is_cacheable"]

_OPAQUE = re.compile(OPAQUE_TOKENS + r"| (?P<space> \s+ )", re.VERBOSE | re.DOTALL)
_REMEMBERED_CHARS = 4096
_VOLATILE = re.compile(r"(?<![\w?$:])(?:(?:NOW|RAND|UUID|STRUUID|BNODE)\s*\(|SERVICE(?![\w:-]))", re.IGNORECASE)


def _normalise_parts(text: str) -> tuple[str, str]:
    """(normalised text, skeleton with strings and IRIs blanked) in one pass."""
    out: list[str] = []
    bones: list[str] = []
    pos = 0
    spaced = True  # no space at the start
    for match in _OPAQUE.finditer(text):
        start, end = match.span()
        if start > pos:
            out.append(text[pos:start])
            bones.append(text[pos:start])
            spaced = False
        kind = match.lastgroup
        if kind in ("iri", "string"):
            out.append(match.group(0))
            bones.append('""' if kind == "string" else "<>")
            spaced = False
        elif not spaced:  # comments and runs of white space: one space
            out.append(" ")
            bones.append(" ")
            spaced = True
        pos = end
    out.append(text[pos:])
    bones.append(text[pos:])
    return "".join(out).strip(), "".join(bones)


def _compute_key_parts(text: str) -> tuple[str, bool]:
    normalised, bones = _normalise_parts(text)
    return normalised, _VOLATILE.search(bones) is not None


_remembered_key_parts = lru_cache(maxsize=1024)(_compute_key_parts)


def _key_parts(text: str) -> tuple[str, bool]:
    """(normalised text, volatile?): remembered for texts up to 4,096 characters (1,024 of them), since
    every cached answer starts with them and clients repeat their texts (the Python loop over the tokens
    costs 15-40 µs a query)."""
    return _remembered_key_parts(text) if len(text) <= _REMEMBERED_CHARS else _compute_key_parts(text)


def normalise_query(text: str) -> str:
    """The query with comments dropped and white space outside strings and IRIs collapsed to one space."""
    return _normalise_parts(text)[0]


def is_cacheable(text: str) -> bool:
    """False for queries whose answer can change with no write: NOW(), RAND(), UUID(), BNODE(), SERVICE."""
    return _VOLATILE.search(_normalise_parts(text)[1]) is None


@dataclass(frozen=True)
class CacheKey:
    version: str
    text: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()   # what the client accepts (e.g. solutions and graph format names)
    extra: Hashable = None          # anything else that changes the answer (a row cap, a base IRI)


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    entries: int
    bytes: int
    max_entries: int
    max_bytes: int
    version: str
    invalidations: int

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class ResultCache:
    """A thread-safe LRU map from :class:`CacheKey` to answers, bounded in entries and bytes."""

    #: bytes counted per entry on top of the answer (key, bookkeeping)
    OVERHEAD = 256

    def __init__(self, *, max_bytes: int = 64 * 1024 * 1024, max_entries: int = 4096,
                 max_entry_bytes: int | None = None, generation: StoreGeneration | None = None,
                 ttl: float | None = None) -> None:
        if max_bytes < 0 or max_entries < 0:
            raise ValueError("cache bounds must not be negative")
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.max_entry_bytes = max_entry_bytes if max_entry_bytes is not None else max(max_bytes // 8, 0)
        #: the store the answers come from; a new generation makes every kept answer stale
        self.generation = generation if generation is not None else StoreGeneration()
        #: seconds an answer is kept at most (None: until the version moves on or it is pushed out)
        self.ttl = ttl
        self._seen = self.generation.value
        self._epoch = 0
        self._entries: OrderedDict[CacheKey, tuple[Any, int, float]] = OrderedDict()
        self._bytes = 0
        self._hits = 0
        self._misses = 0
        self._invalidations = 0
        self._lock = threading.Lock()

    # -- version ------------------------------------------------------------------------------------

    @property
    def version(self) -> str:
        """``<store generation key>.<epoch>``: changes on every write and load, and on :meth:`invalidate`."""
        return f"{self.generation.key}.{self._epoch}"

    def invalidate(self, *_: object) -> None:
        """Drop every answer and move the version on (after a reload of the engine behind the cache)."""
        with self._lock:
            self._epoch += 1
            self._invalidations += 1
            self._entries.clear()
            self._bytes = 0

    def _follow_generation(self) -> None:
        """Under the lock: answers of an older store generation are dropped at once (not left to age out)."""
        if self._seen != self.generation.value:
            self._seen = self.generation.value
            self._invalidations += 1
            self._entries.clear()
            self._bytes = 0

    # -- keys ---------------------------------------------------------------------------------------

    def key(self, text: str, *, default_graphs: tuple[str, ...] = (), named_graphs: tuple[str, ...] = (),
            formats: tuple[str, ...] = (), extra: Hashable = None) -> CacheKey | None:
        """The key of this query on the current version, or None when the query must not be cached."""
        normalised, volatile = _key_parts(text)
        if volatile:
            return None
        return CacheKey(self.version, normalised, tuple(default_graphs), tuple(named_graphs), tuple(formats), extra)

    # -- get and put --------------------------------------------------------------------------------

    def get(self, key: CacheKey | None) -> Any | None:
        if key is None:
            return None
        with self._lock:
            self._follow_generation()
            found = self._entries.get(key)
            if found is not None and self.ttl is not None and time.monotonic() - found[2] > self.ttl:
                del self._entries[key]  # too old: the backend may have changed meanwhile
                self._bytes -= found[1]
                found = None
            if found is None or key.version != self.version:
                self._misses += 1
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return found[0]

    def put(self, key: CacheKey | None, value: Any, size: int) -> bool:
        """Keep ``value`` (``size`` bytes); False when it is too large or the version moved on meanwhile."""
        if key is None:
            return False
        cost = size + len(key.text) + self.OVERHEAD
        if cost > self.max_entry_bytes or cost > self.max_bytes or self.max_entries == 0:
            return False
        with self._lock:
            self._follow_generation()
            if key.version != self.version:
                return False  # a write committed while this answer was computed: it may be stale
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, cost, time.monotonic())
            self._bytes += cost
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                _, (_, dropped, _) = self._entries.popitem(last=False)
                self._bytes -= dropped
            return True

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, len(self._entries), self._bytes, self.max_entries,
                              self.max_bytes, self.version, self._invalidations)


class CachingEngine:
    """A QueryEngine in front of another: answers from a :class:`ResultCache` when it can.

    Answers are the wrapped engine's ``QueryResult`` with ``cache`` set to ``"hit"`` or ``"miss"``
    (``"bypass"`` for queries that are never cached); start and close go to the wrapped engine,
    ``.engine``. A committed write moves the store generation on, which the cache follows by itself; the
    application (``AppState``) calls :meth:`invalidate` again once the workers have reloaded.
    """

    def __init__(self, inner: Any, cache: ResultCache, *, extra: Hashable = None) -> None:
        self.engine = inner
        self.cache = cache
        self.extra = extra
        self._running: dict[CacheKey, asyncio.Future[Any]] = {}

    async def start(self) -> None:
        await self.engine.start()

    async def close(self) -> None:
        await self.engine.close()

    def invalidate(self, *_: object) -> None:
        """Answers kept so far are dropped and never kept again."""
        self.cache.invalidate()

    def key_for(self, request: Any) -> CacheKey | None:
        formats = tuple(getattr(fmt, "name", "") if fmt is not None else "-"
                        for fmt in (getattr(request, "solutions_format", None), getattr(request, "graph_format", None)))
        return self.cache.key(request.text, default_graphs=tuple(request.default_graph_uris),
                              named_graphs=tuple(request.named_graph_uris), formats=formats, extra=self.extra)

    async def query(self, request: Any) -> Any:
        key = self.key_for(request)
        if key is None:
            return _mark(await self.engine.query(request), "bypass")
        found = self.cache.get(key)
        if found is not None:
            return found  # kept marked "hit" (see below): no copy per answer
        running = self._running.get(key)
        if running is not None:  # the same query is being answered: share its answer
            result = await asyncio.shield(running)
            return _mark(result, "hit")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            result = await self.engine.query(request)
        except BaseException as err:
            future.set_exception(err)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waits
            raise
        finally:
            self._running.pop(key, None)
        future.set_result(result)
        self.cache.put(key, _mark(result, "hit"), len(getattr(result, "body", b"") or b""))
        return _mark(result, "miss")


def _mark(result: Any, status: str) -> Any:
    """A copy of the result with ``cache`` set (the cached object itself is shared, so never changed)."""
    try:
        return replace(result, cache=status)
    except (TypeError, ValueError):  # a result type without a ``cache`` field: set it on a copy
        marked = copy.copy(result)
        try:
            object.__setattr__(marked, "cache", status)
        except (AttributeError, TypeError):
            return result
        return marked
