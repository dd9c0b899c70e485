"""The result cache: identical queries on the same graph version hit, any write invalidates, bounds hold."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from jakgraph.engine.cache import CachingEngine, ResultCache, is_cacheable, normalise_query
from jakgraph.stores.generation import StoreGeneration


def test_normalisation_keeps_strings_and_iris() -> None:
    a = "SELECT ?s  WHERE {\n  ?s ?p 'two  spaces # not a comment' . # a comment\n ?s ?p <http://e/x#y> }"
    b = "SELECT ?s WHERE { ?s ?p 'two  spaces # not a comment' . ?s ?p <http://e/x#y> }"
    assert normalise_query(a) == normalise_query(b)
    assert "'two  spaces # not a comment'" in normalise_query(a)
    assert "<http://e/x#y>" in normalise_query(a)
    assert normalise_query("ASK { ?s ?p 'a  b' }") != normalise_query("ASK { ?s ?p 'a b' }")
    assert normalise_query('ASK { ?s ?p """x\n\ny""" }').count("\n") == 2


def test_volatile_queries_are_never_cached() -> None:
    for text in ("SELECT (NOW() AS ?t) {}", "SELECT (rand() AS ?r) {}", "SELECT (UUID() AS ?u) {}",
                 "SELECT * { SERVICE <http://e/sparql> { ?s ?p ?o } }", "SELECT (BNODE() AS ?b) {}"):
        assert not is_cacheable(text)
        assert ResultCache().key(text) is None
    assert is_cacheable("SELECT * { ?s ?p 'NOW() and SERVICE are only words here' }")
    assert is_cacheable("SELECT ?service { ?s ?p ?service }")


def test_hit_miss_and_invalidate() -> None:
    cache = ResultCache(generation=StoreGeneration("f" * 64))
    assert cache.version.startswith("f" * 16 + ".")
    key = cache.key("SELECT * { ?s ?p ?o }", formats=("json",))
    assert cache.get(key) is None
    assert cache.put(key, b"answer", 6)
    assert cache.get(cache.key("SELECT *   {\n ?s ?p ?o }", formats=("json",))) == b"answer"
    assert cache.get(cache.key("SELECT * { ?s ?p ?o }", formats=("xml",))) is None        # another format
    assert cache.get(cache.key("SELECT * { ?s ?p ?o }", formats=("json",),
                               default_graphs=("http://e/g",))) is None                  # another dataset
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.entries) == (1, 3, 1)
    version = cache.version
    cache.invalidate()
    assert cache.version != version and len(cache) == 0 and cache.size_bytes == 0
    assert cache.get(key) is None                                  # the old key names the old version
    assert cache.get(cache.key("SELECT * { ?s ?p ?o }", formats=("json",))) is None
    assert not cache.put(key, b"stale", 5)                         # computed before the write: not kept


def test_a_new_store_generation_alone_makes_every_answer_stale() -> None:
    """A write or a load bumps the store generation; the cache follows it with no call of its own."""
    generation = StoreGeneration()
    cache = ResultCache(generation=generation)
    key = cache.key("SELECT * { ?s ?p ?o }")
    assert cache.put(key, b"before", 6) and cache.get(key) == b"before"
    version = cache.version
    generation.bump("write")
    assert cache.version != version
    assert cache.get(key) is None and len(cache) == 0             # dropped, not left to age out
    assert not cache.put(key, b"stale", 5)                         # computed on the old generation
    fresh = cache.key("SELECT * { ?s ?p ?o }")
    assert fresh != key and cache.put(fresh, b"after", 5) and cache.get(fresh) == b"after"


def test_bounded_by_entries_and_bytes_lru() -> None:
    cache = ResultCache(max_entries=3, max_bytes=10_000, max_entry_bytes=10_000)
    keys = [cache.key(f"ASK {{ <http://e/{i}> ?p ?o }}") for i in range(5)]
    for key in keys[:3]:
        cache.put(key, b"x", 1)
    assert cache.get(keys[0]) == b"x"           # 0 is now the most recently used
    cache.put(keys[3], b"x", 1)                 # evicts 1, the least recently used
    assert cache.get(keys[1]) is None and cache.get(keys[0]) == b"x" and len(cache) == 3
    small = ResultCache(max_entries=100, max_bytes=3000, max_entry_bytes=2000)
    keys = [small.key(f"ASK {{ <http://e/{i}> ?p ?o }}") for i in range(5)]  # each cache its own version
    for key in keys:
        assert small.put(key, b"y" * 900, 900)
        assert small.size_bytes <= 3000
    assert len(small) == 2 and small.get(keys[4]) is not None and small.get(keys[0]) is None
    assert not small.put(keys[0], b"z" * 5000, 5000)  # larger than one entry may be


@dataclass(frozen=True)
class _Request:
    text: str
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    solutions_format: object = None
    graph_format: object = None


@dataclass(frozen=True)
class _Result:
    body: bytes
    cache: str | None = None


class _Inner:
    def __init__(self) -> None:
        self.calls = 0

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def query(self, request: _Request) -> _Result:
        self.calls += 1
        await asyncio.sleep(0.01)
        if "fail" in request.text:
            raise ValueError("boom")
        return _Result(f"answer {self.calls}".encode())


def test_caching_engine_hit_miss_invalidate_and_single_flight() -> None:
    async def scenario() -> None:
        inner = _Inner()
        engine = CachingEngine(inner, ResultCache())
        first = await engine.query(_Request("SELECT * { ?s ?p ?o }"))
        second = await engine.query(_Request("SELECT *\n{ ?s ?p ?o }"))
        assert (first.cache, second.cache, inner.calls) == ("miss", "hit", 1)
        assert second.body == first.body
        engine.invalidate()  # a committed write
        third = await engine.query(_Request("SELECT * { ?s ?p ?o }"))
        assert third.cache == "miss" and inner.calls == 2
        assert (await engine.query(_Request("SELECT (NOW() AS ?t) {}"))).cache == "bypass"
        # eight identical queries at once: one evaluation
        results = await asyncio.gather(*(engine.query(_Request("ASK { ?s ?p 1 }")) for _ in range(8)))
        assert inner.calls == 4 and sorted(r.cache for r in results) == ["hit"] * 7 + ["miss"]
        # failures are not cached, and reach every waiter
        outcomes = await asyncio.gather(*(engine.query(_Request("ASK { 'fail' }")) for _ in range(3)),
                                        return_exceptions=True)
        assert all(isinstance(o, ValueError) for o in outcomes)
        with pytest.raises(ValueError):
            await engine.query(_Request("ASK { 'fail' }"))

    asyncio.run(scenario())


@pytest.mark.slow
def test_endpoint_says_hit_or_miss_and_a_write_invalidates(built) -> None:  # noqa: ANN001
    """Over the app: X-Cache miss then hit; a committed curator write makes the next answer a miss with
    the new data (the writer's commit listener invalidates and reloads the workers)."""
    from writes_support import AUTH, VALID_INSERT, client_for, fresh_state

    state = fresh_state(built, query_workers=1)
    assert isinstance(state.engine, CachingEngine)
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH graph:letter { ?s ?p ?o } }"}
    accept = {"Accept": "text/csv"}
    with client_for(state) as client:
        first = client.get("/sparql", params=query, headers=accept)
        second = client.get("/sparql", params=query, headers=accept)
        assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
        assert first.text == second.text
        before = int(first.text.split()[1])
        write = client.post("/update", content=VALID_INSERT,
                            headers={**AUTH, "Content-Type": "application/sparql-update"})
        assert write.status_code == 200, write.text
        third = client.get("/sparql", params=query, headers=accept)
        assert third.headers["x-cache"] == "miss"
        assert int(third.text.split()[1]) == before + 3
        assert client.get("/sparql", params=query, headers=accept).headers["x-cache"] == "hit"
        volatile = client.get("/sparql", params={"query": "SELECT (NOW() AS ?t) {}"}, headers=accept)
        assert volatile.headers["x-cache"] == "bypass"
    assert state.result_cache is not None
    stats = state.result_cache.stats()
    assert stats.invalidations >= 1 and stats.hits >= 2
