"""Remote stores through the standards, against a real Oxigraph server process started here on a free
loopback port: ``jakgraph push`` (Graph Store Protocol PUT, graph by graph, repeatable), then the app
with ``--backend`` answers every competency query exactly as the embedded store does."""
from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from jakgraph.cli import main, make_parser
from jakgraph.engine.base import QueryRequest, QueryResult
from jakgraph.errors import EngineUnavailable, JakgraphError, QuerySyntaxError, QueryTimeoutError
from jakgraph.formats import JSON, TURTLE
from jakgraph.namespaces import LETTER_GRAPH
from jakgraph.settings import Settings
from jakgraph.stores.remote import RemoteEngine, RemoteStore, default_graph_store_url, graphs_to_push, push

from server_support import app_client, free_port, oxigraph

COMPETENCY = sorted((Path(__file__).parents[1] / "competency").glob("*.rq"))
#: besides the competency questions: each result form, GRAPH, dataset parameters, project prefixes
EXTRA_QUERIES: list[tuple[str, dict[str, list[str]]]] = [
    ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", {}),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {}),
    ("ASK { ?s jak:drug drug:ruxolitinib }", {}),
    ("SELECT ?s ?label WHERE { ?s a jak:TreatmentEvidence ; rdfs:label ?label } ORDER BY ?label LIMIT 5", {}),
    ("CONSTRUCT { ?s jak:drug ?d } WHERE { ?s jak:drug ?d }", {}),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {"default-graph-uri": [str(LETTER_GRAPH)]}),
    ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
     {"named-graph-uri": [str(LETTER_GRAPH)]}),
]


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``oxigraph serve`` on disk, union default graph, on a free loopback port; killed at the end."""
    with oxigraph(tmp_path_factory.mktemp("oxigraph")) as server:
        yield server.url


@pytest.fixture(scope="module")
def pushed(oxigraph_server: str, built) -> str:  # noqa: ANN001 - the session fixture from conftest
    graphs = graphs_to_push(built.store)
    push(built.store, graphs, to=oxigraph_server, log=open("/dev/null", "w"))
    return oxigraph_server


def _rows(body: bytes, content_type: str) -> Counter:
    """A result as a multiset of rows (blank node labels ignored), or the boolean, or the triples."""
    if content_type.startswith("text/turtle"):
        triples = ox.parse(body, format=ox.RdfFormat.TURTLE)
        return Counter(str(t) for t in triples)
    data = json.loads(body)
    if "boolean" in data:
        return Counter({str(data["boolean"]): 1})
    rows = []
    for binding in data["results"]["bindings"]:
        cells = []
        for name in sorted(binding):
            term = binding[name]
            value = "_:b" if term["type"] == "bnode" else term["value"]
            cells.append((name, term["type"].replace("typed-literal", "literal"), value,
                          term.get("datatype", ""), term.get("xml:lang", "")))
        rows.append(tuple(cells))
    return Counter(rows)


def test_graph_store_urls() -> None:
    assert default_graph_store_url("http://h:7878") == "http://h:7878/store"
    assert default_graph_store_url("http://h:7878/query") == "http://h:7878/store"
    assert default_graph_store_url("http://h:3030/jak/sparql") == "http://h:3030/jak/data"
    assert default_graph_store_url("http://h:8890/sparql") == "http://h:8890/sparql-graph-crud"
    assert default_graph_store_url("http://h:7200/repositories/jak") == \
        "http://h:7200/repositories/jak/rdf-graphs/service"
    with pytest.raises(JakgraphError, match="--graph-store"):
        default_graph_store_url("http://h:7001/api/")


@pytest.mark.server
@pytest.mark.slow
def test_push_is_repeatable_and_complete(oxigraph_server: str, built, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert main(["push", "--to", oxigraph_server]) == 0
    first = capsys.readouterr()
    assert "counts the same" in first.out and "/store" in first.err
    assert main(["push", "--to", oxigraph_server + "/query", "--graph-store", oxigraph_server + "/store"]) == 0
    capsys.readouterr()
    remote = RemoteStore(oxigraph_server)
    try:
        local = {g: sum(1 for _ in built.store.quads_for_pattern(None, None, None, ox.NamedNode(g)))
                 for g in graphs_to_push(built.store)}
        assert {g: remote.count(g) for g in local} == local
        assert len(remote) == sum(local.values())  # pushed twice, nothing doubled
        # the letter graph arrived triple for triple (it has no blank nodes)
        letter = ox.NamedNode(str(LETTER_GRAPH))
        here = {str(q.triple) for q in built.store.quads_for_pattern(None, None, None, letter)}
        there = {str(q.triple) for q in remote.quads_for_pattern(None, None, None, letter)}
        assert here == there
        assert remote.contains_named_graph(letter)
        assert str(LETTER_GRAPH) in {g.value for g in remote.named_graphs()}
        with pytest.raises(JakgraphError, match="remote"):
            remote.update("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }")
    finally:
        remote.close()


@pytest.mark.slow
def test_push_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert main(["push", "--to", f"http://127.0.0.1:{port}"]) == 1
    err = capsys.readouterr().err
    assert "jakgraph: error: PUT http://127.0.0.1:" in err and "cannot connect" in err


@pytest.mark.server
@pytest.mark.slow
def test_backend_answers_like_the_embedded_store(pushed: str) -> None:
    assert len(COMPETENCY) >= 10
    queries: list[tuple[str, dict[str, list[str]]]] = [(path.read_text(encoding="utf-8"), {}) for path in COMPETENCY]
    queries += EXTRA_QUERIES
    embedded = app_client(None, Settings(query_workers=1, cache_bytes=0, access_log=""))
    backend = app_client(None, Settings(backend_url=pushed + "/query", access_log=""))
    compared = 0
    with embedded as local, backend as remote:
        for text, dataset in queries:
            params = {"query": text, **dataset}
            accept = "application/sparql-results+json, text/turtle;q=0.9"
            mine = local.post("/sparql", data=params, headers={"Accept": accept})
            theirs = remote.post("/sparql", data=params, headers={"Accept": accept})
            assert mine.status_code == 200, (text, mine.text)
            assert theirs.status_code == 200, (text, theirs.text)
            assert theirs.headers["content-type"] == mine.headers["content-type"]
            assert _rows(theirs.content, theirs.headers["content-type"]) == \
                _rows(mine.content, mine.headers["content-type"]), text
            compared += 1
        # every results format, as asked, for SELECT and ASK; RDF formats for CONSTRUCT
        for text, types in (
            ("SELECT ?s ?label WHERE { ?s a jak:TreatmentEvidence ; rdfs:label ?label } ORDER BY ?label",
             ("text/csv", "text/tab-separated-values", "application/sparql-results+xml")),
            ("ASK { ?s jak:drug drug:tofacitinib }", ("text/csv", "application/sparql-results+xml")),
            ("CONSTRUCT { ?s jak:drug ?d } WHERE { ?s jak:drug ?d }", ("application/n-triples",)),
        ):
            for media_type in types:
                mine = local.post("/sparql", data={"query": text}, headers={"Accept": media_type})
                theirs = remote.post("/sparql", data={"query": text}, headers={"Accept": media_type})
                assert (mine.status_code, theirs.status_code) == (200, 200), (media_type, theirs.text)
                assert theirs.headers["content-type"] == mine.headers["content-type"]
                assert sorted(theirs.text.splitlines()) == sorted(mine.text.splitlines()), media_type
        # the same query again: from the cache
        again = remote.post("/sparql", data={"query": queries[0][0]},
                            headers={"Accept": "application/sparql-results+json"})
        assert again.headers.get("x-cache") == "hit"
        # a syntax error is the client's: 400 with the remote's message
        bad = remote.post("/sparql", data={"query": "SELECT * WHERE { ?s ?p }"})
        assert bad.status_code == 400
        # the site is served from the remote store too
        home = remote.get("/")
        assert home.status_code == 200
        assert remote.get("/sparql", headers={"Accept": "text/turtle"}).status_code == 200
    assert compared == len(queries)


def test_serve_flags_reach_the_settings() -> None:
    from jakgraph.cli.serve import settings_from

    args = make_parser().parse_args(["serve", "--backend", "http://127.0.0.1:1/query", "--cache-mb", "0"])
    settings = settings_from(args)
    assert settings.backend_url == "http://127.0.0.1:1/query" and settings.cache_bytes == 0
    args = make_parser().parse_args(["serve", "--store", "/tmp/x", "--load", "a.nt", "b.ttl.gz"])
    settings = settings_from(args)
    assert settings.store_dir == Path("/tmp/x") and [p.name for p in settings.load_files] == ["a.nt", "b.ttl.gz"]


@pytest.mark.server
def test_remote_engine_maps_failures(pushed: str) -> None:
    import asyncio

    async def ask(engine: RemoteEngine, text: str) -> QueryResult:
        try:
            return await engine.query(QueryRequest(text, solutions_format=JSON, graph_format=TURTLE))
        finally:
            await engine.close()

    result = asyncio.run(ask(RemoteEngine(pushed), "ASK { ?s jak:drug drug:baricitinib }"))
    assert result.kind == "boolean" and json.loads(result.body)["boolean"] is True
    with pytest.raises(QuerySyntaxError):
        asyncio.run(ask(RemoteEngine(pushed), "SELECT * WHERE {"))
    with pytest.raises(EngineUnavailable):
        asyncio.run(ask(RemoteEngine(f"http://127.0.0.1:{free_port()}/query", timeout=2), "ASK {}"))
    # a server that accepts and never answers: the query times out
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        with pytest.raises(QueryTimeoutError):
            asyncio.run(ask(RemoteEngine(f"http://127.0.0.1:{silent.getsockname()[1]}/query", timeout=0.5), "ASK {}"))
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        silent.close()


def test_backend_refuses_local_data_and_writes() -> None:
    from jakgraph.stores.served import open_graph

    for settings in (Settings(backend_url="http://127.0.0.1:1/query", store_dir=Path("/tmp/x")),
                     Settings(backend_url="http://127.0.0.1:1/query", load_files=(Path("a.nt"),)),
                     Settings(backend_url="http://127.0.0.1:1/query", update_token="t" * 32)):
        with pytest.raises(JakgraphError, match="--backend"):
            open_graph(settings)
    with pytest.raises(JakgraphError, match="cannot be reached"):
        open_graph(Settings(backend_url=f"http://127.0.0.1:{free_port()}/query"))
