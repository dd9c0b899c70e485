"""What the backend sees of jakgraph's requests (``serve --backend``), through a real Oxigraph server and a
real Virtuoso: the engine keeps its connections open across queries (one connection for many sequential
queries, no more than the concurrent ones), refuses a malformed query without contacting the backend (the same
words every time), converts small and large answers alike, and
authenticates with Digest as ``jakgraph push`` does. The connections are counted by a TCP relay in front
of the backend (real sockets, every byte passed through)."""
from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from jakgraph.engine.base import QueryRequest
from jakgraph.errors import QueryFailed, QuerySyntaxError
from jakgraph.formats import JSON, TURTLE
from jakgraph.stores.remote import INLINE_BYTES, RemoteEngine, graphs_to_push, push
from virtuoso_support import Virtuoso, require

from server_support import oxigraph

pytestmark = pytest.mark.server


class Relay:
    """A TCP relay on a free loopback port to ``target`` that counts the connections made to it."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(self.target)
            self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while block := source.recv(65536):
                sink.sendall(block)
        except OSError:
            pass
        finally:
            try:
                sink.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def close(self) -> None:
        self.listener.close()
        for sock in self._open:
            sock.close()


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory, built) -> Iterator[str]:  # noqa: ANN001
    """An Oxigraph server with the project's graphs."""
    with oxigraph(tmp_path_factory.mktemp("oxigraph-connections")) as server:
        push(built.store, graphs_to_push(built.store), to=server.url, log=open("/dev/null", "w"))
        yield server.url


@pytest.fixture()
def relay(backend: str) -> Iterator[Relay]:
    host, port = backend.removeprefix("http://").split(":")
    relay = Relay((host, int(port)))
    try:
        yield relay
    finally:
        relay.close()


def request(text: str) -> QueryRequest:
    return QueryRequest(text, solutions_format=JSON, graph_format=TURTLE)


def test_one_connection_for_many_sequential_queries(relay: Relay) -> None:
    async def run() -> list[int]:
        engine = RemoteEngine(f"http://127.0.0.1:{relay.port}/query", timeout=10)
        try:
            counts = []
            for n in range(1, 41):  # distinct texts, each answered by the backend
                result = await engine.query(request(f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {n}"))
                counts.append(len(json.loads(result.body)["results"]["bindings"]))
            return counts
        finally:
            await engine.close()

    assert asyncio.run(run()) == list(range(1, 41))
    assert relay.connections == 1


def test_concurrent_queries_open_no_more_connections_than_they_are(relay: Relay) -> None:
    async def run() -> None:
        engine = RemoteEngine(f"http://127.0.0.1:{relay.port}/query", timeout=10, max_connections=4)
        try:
            for _ in range(5):  # five waves of eight: at most four connections, kept between the waves
                results = await asyncio.gather(*(engine.query(request(f"ASK {{ ?s ?p {n} }}")) for n in range(8)))
                assert all(result.kind == "boolean" for result in results)
        finally:
            await engine.close()

    asyncio.run(run())
    assert 1 <= relay.connections <= 4


def test_a_malformed_query_never_reaches_the_backend(relay: Relay) -> None:
    long_text = "SELECT * WHERE { " + " ".join(f"?s <urn:p{n}> ?o{n} ." for n in range(60)) + " FILTER( }"

    async def run() -> list[str]:
        engine = RemoteEngine(f"http://127.0.0.1:{relay.port}/query", timeout=10)
        messages = []
        try:
            for text in ("SELECT * WHERE {", "SELECT * WHERE {", long_text, long_text):
                with pytest.raises(QuerySyntaxError) as refused:
                    await engine.query(request(text))
                messages.append(str(refused.value))
        finally:
            await engine.close()
        return messages

    first, again, long_first, long_again = asyncio.run(run())
    assert first == again and long_first == long_again and "line" in first
    assert relay.connections == 0


def test_large_answers_are_converted_whole(backend: str) -> None:
    """An answer over INLINE_BYTES is converted in a thread, small ones on the loop: the same rows either way."""
    order = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o)) } ORDER BY ?s ?p ?o"

    async def run() -> tuple[int, list[dict], list[int], list[dict]]:
        engine = RemoteEngine(backend, timeout=30, max_rows=100_000)
        try:
            whole = await engine.query(request(order))
            sizes, paged = [], []
            for offset in range(0, 200, 20):
                page = await engine.query(request(f"{order} LIMIT 20 OFFSET {offset}"))
                sizes.append(len(page.body))
                paged += json.loads(page.body)["results"]["bindings"]
            return len(whole.body), json.loads(whole.body)["results"]["bindings"], sizes, paged
        finally:
            await engine.close()

    size, rows, sizes, paged = asyncio.run(run())
    assert size > INLINE_BYTES and len(rows) > 1000 and all(page <= INLINE_BYTES for page in sizes)
    assert rows[:200] == paged


@pytest.mark.slow
def test_the_engine_authenticates_with_digest(tmp_path: Path, built) -> None:  # noqa: ANN001
    """Virtuoso's ``/sparql-auth`` takes Digest only: the right credentials answer, wrong ones are refused."""
    require()
    server = Virtuoso(tmp_path).start()
    try:
        server.expose_only(graphs_to_push(built.store))

        async def ask(user: str) -> bool:
            engine = RemoteEngine(server.url + "/sparql-auth", timeout=20, user=user, digest=True)
            try:
                result = await engine.query(request("ASK { ?s a jak:TreatmentEvidence }"))
                return bool(json.loads(result.body)["boolean"])
            finally:
                await engine.close()

        assert asyncio.run(ask("dba:dba")) is False  # nothing pushed yet: answered, and rightly empty
        with pytest.raises(QueryFailed, match="refused access"):
            asyncio.run(ask("dba:wrong"))
    finally:
        server.stop()
