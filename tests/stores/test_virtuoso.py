"""Virtuoso behind jakgraph, for real: Debian's ``virtuoso-opensource`` started here (tests/virtuoso_support.py),
loaded both ways — ``jakgraph push`` with Digest and with Basic authentication, and Virtuoso's own bulk
loader — then ``serve --backend`` in front of each answers the competency questions exactly as the embedded
store does, sees only the project's graphs, and says so plainly when the engine is gone."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from jakgraph.cli import main
from jakgraph.settings import Settings
from jakgraph.stores.remote import graphs_to_push
from virtuoso_support import Virtuoso, require

from server_support import app_client

pytestmark = [pytest.mark.server, pytest.mark.slow]

COMPETENCY = sorted((Path(__file__).parents[1] / "competency").glob("*.rq"))
XML = "application/sparql-results+xml"


@pytest.fixture(scope="module")
def graphs(built) -> list[str]:  # noqa: ANN001 - the session fixture from conftest
    return graphs_to_push(built.store)


@pytest.fixture(scope="module")
def pushed(tmp_path_factory: pytest.TempPathFactory, graphs: list[str]) -> Iterator[Virtuoso]:
    """A Virtuoso that shows anonymous readers only the project's graphs; loaded by the tests below with push."""
    require()
    virtuoso = Virtuoso(tmp_path_factory.mktemp("virtuoso-push")).start()
    try:
        virtuoso.expose_only(graphs)
        virtuoso.basic_graph_store()
        yield virtuoso
    finally:
        virtuoso.stop()


@pytest.fixture(scope="module")
def bulk_loaded(tmp_path_factory: pytest.TempPathFactory, graphs: list[str]) -> Iterator[Virtuoso]:
    """A second Virtuoso loaded with its bulk loader from ``jakgraph export --format nq``."""
    require()
    folder = tmp_path_factory.mktemp("virtuoso-bulk")
    virtuoso = Virtuoso(folder).start()
    try:
        virtuoso.expose_only(graphs)
        dump = folder / "jakgraph.nq"
        assert main(["export", "--format", "nq", "--output", str(dump)]) == 0   # the recipe in docs/stores.md
        rows = virtuoso.bulk_load(dump, graph="https://w3id.org/jakgraph/graph/loaded/unused-default")
        assert [(state, error) for _, state, error in rows] == [("2", "NULL")], rows  # 2 = done, no error
        yield virtuoso
    finally:
        virtuoso.stop()


def _push(virtuoso: Virtuoso, *extra: str) -> int:
    return main(["push", "--to", virtuoso.sparql, *extra])


def test_push_with_digest_and_basic_auth(pushed: Virtuoso, graphs: list[str], built,  # noqa: ANN001
                                         capsys: pytest.CaptureFixture[str]) -> None:
    # Digest: Virtuoso's own authenticated Graph Store endpoint (the body is sent again after the challenge)
    assert _push(pushed, "--graph-store", pushed.url + "/sparql-graph-crud-auth", "--user", "dba:dba",
                 "--digest") == 0
    out = capsys.readouterr()
    assert f"pushed {len(graphs)} graph(s)" in out.out and "counts the same" in out.out
    # Basic: the endpoint the fixture defined with sec=>'basic'; PUT replaces, so nothing doubles
    assert _push(pushed, "--graph-store", pushed.url + "/sparql-graph-crud-basic", "--user", "dba:dba") == 0
    assert "counts the same" in capsys.readouterr().out
    total = sum(1 for g in graphs for _ in built.store.quads_for_pattern(None, None, None, ox.NamedNode(g)))
    assert int(pushed.isql("SPARQL SELECT COUNT(*) WHERE { GRAPH ?g { ?s ?p ?o } "
                           "FILTER (STRSTARTS(STR(?g), 'https://w3id.org/jakgraph/')) }").split()[-1]) == total


@pytest.mark.parametrize(("args", "says"), [
    (("--user", "dba:wrong", "--digest", "--graph-store", "{url}/sparql-graph-crud-auth"), "credentials given were refused"),
    (("--user", "dba:dba", "--graph-store", "{url}/sparql-graph-crud-auth"), "wants --digest"),
    (("--graph-store", "{url}/sparql-graph-crud-auth"), "give --user"),
    ((), "Permission denied"),   # the anonymous endpoint, without the GRANT docs/stores.md warns about
])
def test_a_failed_push_says_why_in_one_line(pushed: Virtuoso, args: tuple[str, ...], says: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert _push(pushed, *(a.format(url=pushed.url) for a in args)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("jakgraph: error: PUT ") and says in err[-1], err
    assert not any("Traceback" in line for line in err)


#: every results format jakgraph serves, and how an answer in it is read back for comparing
PARSED = {
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "text/csv": None,   # pyoxigraph does not read CSV back (it is lossy): compared line by line
}
GRAPH_FORMATS = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
                 "application/n-quads", "application/trig", "text/n3"]
ONTOLOGY = "https://w3id.org/jakgraph/graph/ontology"
GRAPH_QUERIES: list[tuple[str, dict[str, str]]] = [
    ("CONSTRUCT { ?s jak:drug ?d } WHERE { ?s jak:drug ?d }", {}),
    ("DESCRIBE drug:ruxolitinib", {}),
    ("DESCRIBE ?shape WHERE { ?shape a sh:NodeShape } ORDER BY ?shape LIMIT 4", {}),   # sh:in lists, deep
    ("DESCRIBE ?e WHERE { ?e jak:drug drug:baricitinib } ORDER BY ?e LIMIT 3", {}),
    ("DESCRIBE ?c WHERE { ?c a owl:Class ; rdfs:subClassOf jak:Statement }", {"default-graph-uri": ONTOLOGY}),
    ("DESCRIBE ?c WHERE { GRAPH ?g { ?c a owl:Class } } ORDER BY ?c LIMIT 3", {"named-graph-uri": ONTOLOGY}),
]
EXTRA = [
    "ASK { ?s jak:drug drug:ruxolitinib }",
    "ASK { ?s jak:drug <https://example.org/not-a-drug> }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT ?s ?label WHERE { ?s a jak:TreatmentEvidence ; rdfs:label ?label } ORDER BY ?label LIMIT 5",
]


def _answer(body: bytes, media_type: str) -> Counter:
    """An answer as a multiset of rows (blank node labels ignored), or its boolean, or its CSV lines."""
    fmt = PARSED[media_type]
    if fmt is None:
        text = body.decode("utf-8")
        if text in ("true", "false"):
            return Counter({text == "true": 1})
        lines = text.split("\r\n")
        assert lines[-1] == "" and "\n" not in "".join(lines), "CSV lines end with CRLF"
        return Counter({("header", lines[0]): 1}) + Counter(lines[1:-1])
    parsed = ox.parse_query_results(body, format=fmt)
    if isinstance(parsed, ox.QueryBoolean):
        return Counter({bool(parsed): 1})
    names = [v.value for v in parsed.variables]
    return Counter({("header", tuple(names)): 1}) + Counter(
        tuple("_:b" if isinstance(row[n], ox.BlankNode) else str(row[n]) for n in names) for row in parsed)


@pytest.mark.parametrize("loaded", ["pushed", "bulk_loaded"])
def test_backend_answers_the_competency_questions_in_every_format(loaded: str, request: pytest.FixtureRequest) -> None:
    virtuoso: Virtuoso = request.getfixturevalue(loaded)
    if loaded == "pushed":
        assert _push(virtuoso, "--graph-store", virtuoso.url + "/sparql-graph-crud-auth", "--user", "dba:dba",
                     "--digest") == 0
    queries = [path.read_text(encoding="utf-8") for path in COMPETENCY] + EXTRA
    embedded = app_client(None, Settings(query_workers=1, cache_bytes=0, access_log=""))
    backend = app_client(None, Settings(backend_url=virtuoso.sparql, access_log=""))
    compared = graphs_compared = 0
    with embedded as local, backend as remote:
        for text in queries:
            for media_type in PARSED:
                mine = local.post("/sparql", data={"query": text}, headers={"Accept": media_type})
                theirs = remote.post("/sparql", data={"query": text}, headers={"Accept": media_type})
                assert (mine.status_code, theirs.status_code) == (200, 200), (text[:80], media_type, theirs.text)
                assert theirs.headers["content-type"] == mine.headers["content-type"]
                assert _answer(theirs.content, media_type) == _answer(mine.content, media_type), \
                    (text[:80], media_type)
                compared += 1
        # graph results (DESCRIBE as the embedded engine's CBD, blank nodes followed): the same graph in
        # every graph format, with the protocol's dataset too
        for construct, dataset in GRAPH_QUERIES:
            for media_type in GRAPH_FORMATS:
                mine = local.post("/sparql", data={"query": construct, **dataset}, headers={"Accept": media_type})
                theirs = remote.post("/sparql", data={"query": construct, **dataset}, headers={"Accept": media_type})
                assert (mine.status_code, theirs.status_code) == (200, 200), (construct[:80], theirs.text)
                assert theirs.headers["content-type"] == mine.headers["content-type"]
                assert isomorphic(_graph(theirs.content, media_type), _graph(mine.content, media_type)), \
                    (construct[:80], media_type)
                graphs_compared += 1
        # refused before it leaves, as the embedded engine refuses it
        for bad in ("", "   ", "# only a comment", "PREFIX ex: <http://example.org/>"):
            assert local.post("/sparql", data={"query": bad}).status_code == 400
            refused = remote.post("/sparql", data={"query": bad})
            assert refused.status_code == 400 and "query" in refused.text, (bad, refused.text)
        assert remote.post("/sparql", data={"query": "SELECT * WHERE {"}).status_code == 400
    assert compared == len(queries) * len(PARSED)
    assert graphs_compared == len(GRAPH_QUERIES) * len(GRAPH_FORMATS)


def _graph(body: bytes, media_type: str) -> Graph:
    """A graph result as an rdflib graph (blank nodes compared by isomorphism), quads' graph names dropped."""
    fmt = ox.RdfFormat.from_media_type(media_type)
    assert fmt is not None, media_type
    triples = [ox.Triple(q.subject, q.predicate, q.object) if isinstance(q, ox.Quad) else q
               for q in ox.parse(body, format=fmt)]
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


VOID = "http://rdfs.org/ns/void#"
QUADS_ON_HOME = re.compile(r'<span class="n">(\d+)</span><span class="what">quads in all named graphs')
GRAPH_ROWS = re.compile(r"<tr><td>(?:<a [^>]*>)?([^<]+)(?:</a>)?</td><td>(\d+)</td></tr>")


def _void_numbers(body: bytes) -> Counter:
    """The VoID statistics (void:triples, void:entities…) as (subject, property, value); the partitions are
    blank nodes, compared as a multiset."""
    return Counter((str(t.subject) if isinstance(t.subject, ox.NamedNode) else "_:b", t.predicate.value,
                    t.object.value)
                   for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
                   if t.predicate.value.startswith(VOID) and isinstance(t.object, ox.Literal)
                   and t.object.datatype.value.endswith("integer"))


def test_only_the_project_graphs_are_seen(pushed: Virtuoso, graphs: list[str]) -> None:
    assert _push(pushed, "--graph-store", pushed.url + "/sparql-graph-crud-auth", "--user", "dba:dba",
                 "--digest") == 0
    # Virtuoso holds graphs of its own (virtrdf#, its service description…): DBA sees more than the project
    everything = int(pushed.isql("SPARQL SELECT COUNT(*) WHERE { GRAPH ?g { ?s ?p ?o } }").split()[-1])
    seen = {line.strip() for line in pushed.isql("SPARQL SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            .splitlines() if line.strip().startswith("http")}
    assert seen - set(graphs), "Virtuoso's own graphs should be there, hidden from anonymous readers"
    embedded = app_client(None, Settings(query_workers=1, cache_bytes=0, access_log=""))
    backend = app_client(None, Settings(backend_url=pushed.sparql, access_log=""))
    with embedded as local, backend as remote:
        mine, theirs = local.get("/"), remote.get("/")
        assert (mine.status_code, theirs.status_code) == (200, 200), theirs.text[:300]
        quads = QUADS_ON_HOME.search(theirs.text)
        assert quads is not None and quads.group(1) == QUADS_ON_HOME.search(mine.text).group(1)  # type: ignore[union-attr]
        assert int(quads.group(1)) < everything
        assert sorted(GRAPH_ROWS.findall(theirs.text)) == sorted(GRAPH_ROWS.findall(mine.text))
        mine, theirs = local.get("/.well-known/void.nt"), remote.get("/.well-known/void.nt")
        assert (mine.status_code, theirs.status_code) == (200, 200), theirs.text[:300]
        assert _void_numbers(theirs.content) == _void_numbers(mine.content) != Counter()
        mine, theirs = local.get("/ontology.nt"), remote.get("/ontology.nt")
        assert (mine.status_code, theirs.status_code) == (200, 200), theirs.text[:300]
        assert {str(t) for t in ox.parse(theirs.content, format=ox.RdfFormat.N_TRIPLES)} == \
            {str(t) for t in ox.parse(mine.content, format=ox.RdfFormat.N_TRIPLES)}
        remote_query = remote.post("/sparql", data={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                                   headers={"Accept": "text/csv"})
        local_query = local.post("/sparql", data={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                                 headers={"Accept": "text/csv"})
        assert remote_query.text == local_query.text


#: the pages read from the store (the search index, built once per store generation, answers from memory)
PAGES = ("/", "/.well-known/void", "/ontology", "/query", "/resource/drug/ruxolitinib",
         "/examples", "/coverage")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_with_the_backend_stopped_pages_say_so(tmp_path: Path, graphs: list[str]) -> None:
    require()
    virtuoso = Virtuoso(tmp_path).start()
    try:
        virtuoso.expose_only(graphs)
        assert _push(virtuoso, "--graph-store", virtuoso.url + "/sparql-graph-crud-auth", "--user", "dba:dba",
                     "--digest") == 0
        backend = app_client(None, Settings(backend_url=virtuoso.sparql, cache_bytes=0, access_log=""),
                             raise_server_exceptions=False)
        with backend as remote:
            assert remote.get("/ready").status_code == 200
            up = {path: remote.get(path, headers={"Accept": BROWSER}).status_code for path in PAGES}
            virtuoso.stop()
            assert not virtuoso.running
            for path in PAGES:
                page = remote.get(path, headers={"Accept": BROWSER})
                assert page.status_code == 503, (path, up[path], page.status_code, page.text[:200])
                assert page.headers["content-type"].startswith("text/plain")
                assert page.text.startswith("503 Service Unavailable: ") and "cannot be reached" in page.text
                assert len(page.text.strip().splitlines()) == 1, page.text
            api = remote.get("/", headers={"Accept": "application/json"})
            assert api.status_code == 503 and "cannot be reached" in api.json()["error"]
            query = remote.get("/sparql", params={"query": "ASK {}"})
            assert query.status_code == 503 and "cannot be reached" in query.text
            ready = remote.get("/ready")
            assert ready.status_code == 503
            assert any("backend" in p and "unreachable" in p for p in ready.json()["problems"]), ready.json()
            assert remote.get("/health").status_code == 200
    finally:
        virtuoso.stop()


def test_partial_answers_are_errors_not_shorter_200s(tmp_path: Path) -> None:
    """Virtuoso cut to 100 rows and 1 s of its own: what it cuts short comes back as 422/504, not 200."""
    require()
    virtuoso = Virtuoso(tmp_path, max_rows=100, max_seconds=1).start()
    try:
        assert _push(virtuoso, "--graph-store", virtuoso.url + "/sparql-graph-crud-auth", "--user", "dba:dba",
                     "--digest", "--graph", "https://w3id.org/jakgraph/graph/letter", "--no-verify") == 0
        backend = app_client(None, Settings(backend_url=virtuoso.sparql, cache_bytes=0, query_timeout=60,
                                            access_log=""))
        with backend as remote:
            small = remote.post("/sparql", data={"query": "SELECT ?s WHERE { ?s a jak:TreatmentEvidence } LIMIT 5"},
                                headers={"Accept": "text/csv"})
            assert small.status_code == 200 and len(small.text.strip().splitlines()) == 6, small.text
            cut = remote.post("/sparql", data={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"},
                              headers={"Accept": "text/csv"})
            assert cut.status_code == 422 and "X-SPARQL-MaxRows" in cut.text, (cut.status_code, cut.text[:300])
            runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?s ?p ?o }"
            stopped = remote.post("/sparql", data={"query": runaway}, headers={"Accept": "text/csv"})
            # jakgraph's timeout (60 s) goes with the query; Virtuoso's MaxQueryExecutionTime (1 s) caps it
            assert stopped.status_code == 504 and "S1TAT" in stopped.text, (stopped.status_code, stopped.text)
        # Virtuoso's per-request "anytime" limit (timeout=ms, here in the backend URL) answers 200 with what it
        # found so far and X-SQL-State: S1TAT; jakgraph turns that into a 504
        anytime = app_client(None, Settings(backend_url=virtuoso.sparql + "?timeout=500", cache_bytes=0,
                                            query_timeout=60, access_log=""))
        with anytime as remote:
            stopped = remote.post("/sparql", data={"query": runaway}, headers={"Accept": "text/csv"})
            assert stopped.status_code == 504 and "S1TAT" in stopped.text, (stopped.status_code, stopped.text)
    finally:
        virtuoso.stop()
