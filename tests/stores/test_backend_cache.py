"""The result cache in backend mode knows when the backend's content changed: a write made directly in the
backend (a SPARQL UPDATE to the Oxigraph server, SQL to Virtuoso), not through jakgraph, is seen within the probe
interval (``backend_probe_seconds``: the per-graph counts become the store generation) or, for a write that
keeps every count, within the cache's TTL (``backend_cache_ttl``), or at once when ``jakgraph push --notify``
names the server."""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from jakgraph.cli import main
from jakgraph.engine.cache import ResultCache
from jakgraph.namespaces import LETTER_GRAPH
from jakgraph.settings import Settings
from jakgraph.stores.generation import StoreGeneration
from jakgraph.stores.remote import BackendWatch, graphs_to_push, notify_server, push
from virtuoso_support import Virtuoso, require

from server_support import Server, app_client, free_port, oxigraph, running

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
VALUE = "SELECT ?o WHERE { GRAPH <http://example.org/g> { <urn:x:a> <urn:x:b> ?o } }"
INSERT = "INSERT DATA { GRAPH <http://example.org/g> { <urn:x:a> <urn:x:b> \"c\" } }"
REPLACE = ("DELETE DATA { GRAPH <http://example.org/g> { <urn:x:a> <urn:x:b> \"c\" } } ; "
           "INSERT DATA { GRAPH <http://example.org/g> { <urn:x:a> <urn:x:b> \"d\" } }")


def test_cached_answers_age_out_after_the_ttl() -> None:
    cache = ResultCache(ttl=0.2)
    key = cache.key("ASK {}")
    assert cache.put(key, "answer", 6) and cache.get(key) == "answer"
    time.sleep(0.3)
    assert cache.get(key) is None and len(cache) == 0 and cache.size_bytes == 0
    forever = ResultCache()
    assert forever.put(forever.key("ASK {}"), "answer", 6)
    time.sleep(0.3)
    assert forever.get(forever.key("ASK {}")) == "answer"


def _ask(client: TestClient, text: str) -> tuple[str, str]:
    """(X-Cache, the CSV answer's rows after the header)."""
    answer = client.post("/sparql", data={"query": text}, headers={"Accept": "text/csv"})
    assert answer.status_code == 200, answer.text
    return answer.headers.get("x-cache", ""), " ".join(answer.text.split()[1:])


def _counted(client: TestClient, within: float = 30) -> None:
    """Wait for the backend watch's first count (it bumps the generation: answers cached before it go)."""
    watch = client.app.state.jak.backend_watch  # type: ignore[attr-defined]
    deadline = time.monotonic() + within
    while watch.version is None:
        assert time.monotonic() < deadline, "the backend watch never counted"
        time.sleep(0.05)


def _until_changed(client: TestClient, text: str, before: str, within: float) -> tuple[str, str, float]:
    """Ask until the answer differs from ``before``; (X-Cache, answer, seconds) or fail after ``within``."""
    started = time.monotonic()
    while True:
        cache, answer = _ask(client, text)
        waited = time.monotonic() - started
        if answer != before or waited > within:
            return cache, answer, waited
        time.sleep(0.1)


@pytest.fixture
def oxigraph_backend(tmp_path: Path, built) -> Iterator[Server]:  # noqa: ANN001 - conftest's session fixture
    with oxigraph(tmp_path) as server:
        push(built.store, graphs_to_push(built.store), to=server.url, log=open(os.devnull, "w"))  # noqa: SIM115
        yield server


def _oxigraph_update(server: Server) -> Callable[[str], None]:
    def update(text: str) -> None:
        assert httpx.post(server.url + "/update", data={"update": text}, timeout=10).status_code == 204
    return update


def _sees_a_direct_write(client: TestClient, update: Callable[[str], None], probe: float) -> None:
    _counted(client)
    first = _ask(client, COUNT)
    assert first[0] == "miss" and _ask(client, COUNT) == ("hit", first[1])
    update(INSERT)
    cache, answer, waited = _until_changed(client, COUNT, first[1], within=probe + 10)
    assert (cache, answer) == ("miss", str(int(first[1]) + 1)), (cache, answer, waited)
    assert _ask(client, COUNT) == ("hit", answer)


@pytest.mark.server
@pytest.mark.slow
def test_a_write_in_the_oxigraph_server_is_seen_within_the_probe_interval(oxigraph_backend: Server) -> None:
    settings = Settings(backend_url=oxigraph_backend.url + "/query", backend_probe_seconds=0.5, access_log="")
    with app_client(None, settings) as client:
        _sees_a_direct_write(client, _oxigraph_update(oxigraph_backend), 0.5)


@pytest.mark.server
def test_a_write_before_the_first_count_is_not_missed(oxigraph_backend: Server) -> None:
    """Answers cached before the watch's first count, then a write, then that count: the count is the
    baseline, so it must start the caches afresh itself, or the write is never seen as a change."""
    generation = StoreGeneration()
    watch = BackendWatch(oxigraph_backend.url + "/query", generation, interval=0)
    cached_under = generation.value
    _oxigraph_update(oxigraph_backend)(INSERT)
    assert watch.probe() is False                 # nothing to compare with yet ...
    assert generation.value != cached_under       # ... but what was cached before it is gone
    settled = generation.value
    assert watch.probe() is False and generation.value == settled   # no change: no bump


@pytest.mark.server
@pytest.mark.slow
def test_a_write_that_keeps_every_count_is_seen_within_the_ttl(oxigraph_backend: Server) -> None:
    update = _oxigraph_update(oxigraph_backend)
    update(INSERT)
    settings = Settings(backend_url=oxigraph_backend.url + "/query", backend_probe_seconds=0.3,
                        backend_cache_ttl=2, access_log="")
    with app_client(None, settings) as client:
        _counted(client)
        assert _ask(client, VALUE) == ("miss", "c")
        update(REPLACE)            # the same counts: the probe sees nothing
        time.sleep(1)
        assert _ask(client, VALUE) == ("hit", "c")
        cache, answer, waited = _until_changed(client, VALUE, "c", within=5)
        assert (cache, answer) == ("miss", "d") and waited < 2.5, (cache, answer, waited)


@pytest.mark.server
@pytest.mark.slow
def test_a_write_in_virtuoso_is_seen_within_the_probe_interval(tmp_path: Path, built) -> None:  # noqa: ANN001
    require()
    virtuoso = Virtuoso(tmp_path).start()
    try:
        virtuoso.push_store(built.store)

        def update(text: str) -> None:
            virtuoso.isql("SPARQL " + text)

        settings = Settings(backend_url=virtuoso.sparql, backend_probe_seconds=0.5, access_log="")
        with app_client(None, settings) as client:
            _sees_a_direct_write(client, update, 0.5)
    finally:
        virtuoso.stop()


@pytest.mark.server
@pytest.mark.slow
def test_push_notify_makes_the_named_server_start_afresh(oxigraph_backend: Server, tmp_path: Path, built,  # noqa: ANN001
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    update = _oxigraph_update(oxigraph_backend)
    update(INSERT)
    probe_off = {"JAKGRAPH_BACKEND_PROBE_SECONDS": "0"}   # and the TTL 300 s: only the notice can tell it
    with running(["--backend", oxigraph_backend.url + "/query"], tmp_path, probe_off) as server, \
            httpx.Client(base_url=server.url, timeout=30) as client:
        def ask() -> tuple[str, list[str]]:
            answer = client.post("/sparql", data={"query": VALUE}, headers={"Accept": "text/csv"})
            assert answer.status_code == 200, answer.text
            return answer.headers["x-cache"], answer.text.split()[1:]

        assert ask() == ("miss", ["c"])
        update(REPLACE)                  # every count kept
        assert ask() == ("hit", ["c"])   # stale, as documented, until the TTL or a notice
        assert main(["push", "--to", oxigraph_backend.url, "--graph", str(LETTER_GRAPH), "--no-verify",
                     "--notify", server.url]) == 0
        assert f"told {server.url}/backend/changed: its caches start afresh" in capsys.readouterr().out
        assert ask() == ("miss", ["d"])
        again = client.post("/backend/changed")   # anyone may ask: so at most once every few seconds
        assert again.status_code == 429 and int(again.headers["retry-after"]) >= 1, again.text
    unreachable = f"http://127.0.0.1:{free_port()}"
    assert notify_server(unreachable).startswith(f"could not tell {unreachable}/backend/changed: cannot connect")
    embedded = app_client(built).post("/backend/changed")
    assert embedded.status_code == 404 and "--backend" in embedded.json()["error"]
