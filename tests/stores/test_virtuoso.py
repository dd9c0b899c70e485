"""Virtuoso behind jakgraph, for real: Debian's ``virtuoso-opensource`` started here (tests/virtuoso_support.py),
loaded both ways — ``jakgraph push`` with Digest and with Basic authentication, and Virtuoso's own bulk
loader — then ``serve --backend`` in front of each answers the competency questions exactly as the embedded
store does, sees only the project's graphs, and says so plainly when the engine is gone."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

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
def bulk_loaded(tmp_path_factory: pytest.TempPathFactory, built, graphs: list[str]) -> Iterator[Virtuoso]:  # noqa: ANN001
    """A second Virtuoso loaded with its bulk loader from an N-Quads dump of the project's graphs."""
    require()
    folder = tmp_path_factory.mktemp("virtuoso-bulk")
    virtuoso = Virtuoso(folder).start()
    try:
        virtuoso.expose_only(graphs)
        dump = folder / "jakgraph.nq"
        quads = [q for g in graphs for q in built.store.quads_for_pattern(None, None, None, ox.NamedNode(g))]
        dump.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
        rows = virtuoso.bulk_load(dump, graph="https://w3id.org/jakgraph/graph/unused-default")
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


def _solutions(body: bytes) -> Counter:
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)
    if isinstance(parsed, ox.QueryBoolean):
        return Counter({bool(parsed): 1})
    names = [v.value for v in parsed.variables]
    return Counter(tuple("_:b" if isinstance(row[n], ox.BlankNode) else str(row[n]) for n in names)
                   for row in parsed)


@pytest.mark.parametrize("loaded", ["pushed", "bulk_loaded"])
def test_backend_answers_the_competency_questions(loaded: str, request: pytest.FixtureRequest,
                                                  graphs: list[str]) -> None:
    virtuoso: Virtuoso = request.getfixturevalue(loaded)
    if loaded == "pushed":
        assert _push(virtuoso, "--graph-store", virtuoso.url + "/sparql-graph-crud-auth", "--user", "dba:dba",
                     "--digest") == 0
    embedded = app_client(None, Settings(query_workers=1, cache_bytes=0, access_log=""))
    backend = app_client(None, Settings(backend_url=virtuoso.sparql, access_log=""))
    with embedded as local, backend as remote:
        for path in COMPETENCY:
            text = path.read_text(encoding="utf-8")
            mine = local.post("/sparql", data={"query": text}, headers={"Accept": XML})
            theirs = remote.post("/sparql", data={"query": text}, headers={"Accept": XML})
            assert (mine.status_code, theirs.status_code) == (200, 200), (path.name, theirs.text)
            assert _solutions(theirs.content) == _solutions(mine.content), path.name
