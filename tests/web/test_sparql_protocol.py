"""The SPARQL 1.1 Protocol at /sparql: the W3C protocol tests, every result format, conneg, HEAD, CORS,
the Service Description, /prefixes, long and Unicode queries, the timeout and the row cap.

Most tests run twice: in-process (FastAPI's TestClient, fast) and over real HTTP against ``jakgraph serve``
started by the ``live_server`` fixture. Facts checked are ones whose truth does not change as the graph
grows (ruxolitinib is used to treat SAVI; the ontology is in graph:ontology), never counts.
"""
from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SH

from jakgraph.build.pipeline import BuiltGraph
from jakgraph.namespaces import (
    DERIVED_GRAPH,
    DISEASE,
    DRUG,
    JAK,
    LETTER_GRAPH,
    ONTOLOGY_GRAPH,
    ONTOLOGY_IRI,
    PREFIXES,
    SD,
)
from jakgraph.settings import Settings

import server_support

SRX = "{http://www.w3.org/2005/sparql-results#}"
#: repeated query parameters, in order (httpx's own element type, so that the list is accepted as it is)
Params = list[tuple[str, str | int | float | bool | None]]
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"

RUXOLITINIB, SAVI = DRUG["ruxolitinib"], DISEASE["savi"]
TREATS_SAVI = f"ASK {{ <{RUXOLITINIB}> <{JAK['usedToTreat']}> <{SAVI}> }}"
ONTOLOGY_TRIPLE = f"<{ONTOLOGY_IRI}> <{RDF.type}> <{OWL.Ontology}>"
LETTER_TRIPLE = f"?statement <{JAK['drug']}> <{RUXOLITINIB}>"  # the letter graph: evidence about ruxolitinib


@pytest.fixture(scope="module")
def app_client(built: BuiltGraph) -> Iterator[TestClient]:
    with server_support.app_client(built, Settings(query_workers=2, query_timeout=2.0, access_log="")) as client:
        yield client


def _virtuoso_differs(item: pytest.Item) -> str | None:
    """Where jakgraph in front of Virtuoso still answers differently (issue 13); strict: a fix shows."""
    name = getattr(item, "originalname", item.name)
    if name == "test_long_query_by_post":
        return ("Virtuoso compiles a VALUES block of more than about 2,700 values past its 32767-byte code vector "
                "(SQ199), split or not: jakgraph refuses it with 413 naming the limit "
                "(test_engine_limit_is_a_clear_refusal)")
    return None


@pytest.fixture(scope="module")
def virtuoso_backend(built: BuiltGraph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app in front of a real Virtuoso (tests/virtuoso_support.py) holding the pushed graph."""
    from jakgraph.stores.remote import graphs_to_push
    from virtuoso_support import Virtuoso, require

    require()
    virtuoso = Virtuoso(tmp_path_factory.mktemp("virtuoso-protocol")).start()
    try:
        virtuoso.expose_only(graphs_to_push(built.store))
        virtuoso.push_store(built.store)
        settings = Settings(backend_url=virtuoso.sparql, query_timeout=10.0, access_log="")
        with server_support.app_client(None, settings) as client:
            yield client
    finally:
        virtuoso.stop()


@pytest.fixture(params=["in-process", pytest.param("live", marks=pytest.mark.server),
                        pytest.param("virtuoso", marks=[pytest.mark.server, pytest.mark.slow])])
def http(request: pytest.FixtureRequest, app_client: TestClient) -> Iterator[httpx.Client]:
    """An HTTP client on the endpoint: in-process, over a real socket to ``jakgraph serve``, and in front of
    a real Virtuoso (``serve --backend``: the same protocol whatever the engine)."""
    if request.param == "in-process":
        yield app_client
        return
    if request.param == "virtuoso":
        reason = _virtuoso_differs(request.node)
        if reason:
            request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
        yield request.getfixturevalue("virtuoso_backend")
        return
    live = request.getfixturevalue("live_server")
    with httpx.Client(base_url=live.base, timeout=30) as client:
        yield client


def boolean(response: httpx.Response) -> bool:
    assert response.status_code == 200, response.text
    return json.loads(response.content)["boolean"]


def bindings(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    rows = json.loads(response.content)["results"]["bindings"]
    return [{name: cell["value"] for name, cell in row.items()} for row in rows]


# -- W3C SPARQL 1.1 Protocol: positive query tests ------------------------------------------------------

def test_query_get(http: httpx.Client) -> None:
    response = http.get("/sparql", params={"query": "ASK {}"})
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert boolean(response) is True


def test_query_post_form(http: httpx.Client) -> None:
    response = http.post("/sparql", content="query=ASK%20%7B%7D", headers={"Content-Type": FORM})
    assert boolean(response) is True


def test_query_post_form_with_charset(http: httpx.Client) -> None:
    response = http.post("/sparql", data={"query": TREATS_SAVI},
                         headers={"Content-Type": f"{FORM}; charset=UTF-8"})
    assert boolean(response) is True


def test_query_post_direct(http: httpx.Client) -> None:
    response = http.post("/sparql", content=TREATS_SAVI, headers={"Content-Type": DIRECT})
    assert boolean(response) is True


def test_stable_fact_by_every_method(http: httpx.Client) -> None:
    query = "SELECT ?disease WHERE { drug:ruxolitinib jak:usedToTreat ?disease }"
    by_get = bindings(http.get("/sparql", params={"query": query}))
    by_form = bindings(http.post("/sparql", data={"query": query}))
    by_direct = bindings(http.post("/sparql", content=query, headers={"Content-Type": DIRECT}))
    assert {"disease": str(SAVI)} in by_get
    assert sorted(map(str, by_get)) == sorted(map(str, by_form)) == sorted(map(str, by_direct))


def test_query_dataset_default_graph(http: httpx.Client) -> None:
    ask = f"ASK {{ {ONTOLOGY_TRIPLE} }}"
    in_ontology = http.post("/sparql", params={"default-graph-uri": str(ONTOLOGY_GRAPH)}, content=ask,
                            headers={"Content-Type": DIRECT})
    in_letter = http.post("/sparql", params={"default-graph-uri": str(LETTER_GRAPH)}, content=ask,
                          headers={"Content-Type": DIRECT})
    assert boolean(in_ontology) is True
    assert boolean(in_letter) is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_query_dataset_default_graphs(http: httpx.Client, method: str) -> None:
    ask = f"ASK {{ {ONTOLOGY_TRIPLE} . {LETTER_TRIPLE} }}"
    params: Params = [("default-graph-uri", str(ONTOLOGY_GRAPH)), ("default-graph-uri", str(LETTER_GRAPH))]
    if method == "get":
        response = http.get("/sparql", params=params + [("query", ask)])
    else:
        response = http.post("/sparql", params=params, content=ask, headers={"Content-Type": DIRECT})
    assert boolean(response) is True
    only_one = http.get("/sparql", params=params[:1] + [("query", ask)])
    assert boolean(only_one) is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_query_dataset_named_graphs(http: httpx.Client, method: str) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    params: Params = [("named-graph-uri", str(LETTER_GRAPH)), ("named-graph-uri", str(ONTOLOGY_GRAPH))]
    if method == "get":
        response = http.get("/sparql", params=params + [("query", query)])
    else:
        response = http.post("/sparql", data={"query": query, "named-graph-uri": [str(LETTER_GRAPH),
                                                                                   str(ONTOLOGY_GRAPH)]})
    assert {row["g"] for row in bindings(response)} == {str(LETTER_GRAPH), str(ONTOLOGY_GRAPH)}
    # named graphs only: the default graph is empty
    empty = http.get("/sparql", params=params + [("query", "ASK { ?s ?p ?o }")])
    assert boolean(empty) is False


def test_query_dataset_full(http: httpx.Client) -> None:
    query = "SELECT DISTINCT ?g WHERE { ?x ?y ?o . GRAPH ?g { ?s ?p ?o } }"
    params: Params = [("default-graph-uri", str(DERIVED_GRAPH)), ("named-graph-uri", str(LETTER_GRAPH)),
              ("named-graph-uri", str(ONTOLOGY_GRAPH))]
    rows = bindings(http.post("/sparql", params=params, content=query, headers={"Content-Type": DIRECT}))
    assert {row["g"] for row in rows} <= {str(LETTER_GRAPH), str(ONTOLOGY_GRAPH)}
    assert rows, "the derived graph shares objects (SAVI) with the letter graph"
    derived_only = f"ASK {{ <{RUXOLITINIB}> <{JAK['usedToTreat']}> <{SAVI}> }}"
    assert boolean(http.get("/sparql", params=params + [("query", derived_only)])) is True


def test_query_multiple_dataset(http: httpx.Client) -> None:
    """Protocol dataset and FROM both given: the protocol's wins."""
    ask = f"ASK FROM <{LETTER_GRAPH}> {{ {ONTOLOGY_TRIPLE} }}"
    overridden = http.post("/sparql", params={"default-graph-uri": str(ONTOLOGY_GRAPH)}, content=ask,
                           headers={"Content-Type": DIRECT})
    assert boolean(overridden) is True
    # with no protocol dataset the query's FROM applies (and the union default graph does not)
    assert boolean(http.get("/sparql", params={"query": ask})) is False
    assert boolean(http.get("/sparql", params={"query": f"ASK FROM <{ONTOLOGY_GRAPH}> {{ {ONTOLOGY_TRIPLE} }}"}))


def test_default_graph_is_the_union(http: httpx.Client) -> None:
    ask = f"ASK {{ {ONTOLOGY_TRIPLE} . {LETTER_TRIPLE} . <{RUXOLITINIB}> <{JAK['usedToTreat']}> <{SAVI}> }}"
    assert boolean(http.get("/sparql", params={"query": ask})) is True


def test_from_named_keeps_the_default_graph_empty(http: httpx.Client) -> None:
    query = f"SELECT DISTINCT ?g FROM NAMED <{LETTER_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert bindings(http.get("/sparql", params={"query": query})) == [{"g": str(LETTER_GRAPH)}]


@pytest.mark.parametrize(("query", "family"), [
    ("SELECT (1 AS ?value) {}", {"application/sparql-results+xml", "application/sparql-results+json",
                                 "text/csv", "text/tab-separated-values"}),
    ("ASK {}", {"application/sparql-results+xml", "application/sparql-results+json"}),
    (f"DESCRIBE <{RUXOLITINIB}>", {"application/rdf+xml", "text/turtle", "application/n-triples"}),
    ("CONSTRUCT { <s> <p> 1 } WHERE {}", {"application/rdf+xml", "text/turtle", "application/n-triples"}),
])
def test_query_content_type(http: httpx.Client, query: str, family: set[str]) -> None:
    response = http.post("/sparql", content=query, headers={"Content-Type": DIRECT})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] in family


# -- W3C SPARQL 1.1 Protocol: negative tests (each a 4xx with a message) ----------------------------------

def assert_refused(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["access-control-allow-origin"] == "*"
    for word in words:
        assert word.lower() in response.text.lower(), response.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_bad_query_method(http: httpx.Client, method: str) -> None:
    response = http.request(method, "/sparql", params={"query": "ASK {}"})
    assert_refused(response, 405, "GET or POST")
    assert "POST" in response.headers["allow"]


def test_bad_multiple_queries(http: httpx.Client) -> None:
    response = http.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert_refused(response, 400, "query")


def test_bad_multiple_queries_url_and_body(http: httpx.Client) -> None:
    response = http.post("/sparql?query=ASK%20%7B%7D", content="ASK {}", headers={"Content-Type": DIRECT})
    assert_refused(response, 400, "two queries")
    response = http.post("/sparql?query=ASK%20%7B%7D", content="query=ASK%20%7B%7D", headers={"Content-Type": FORM})
    assert_refused(response, 400, "2 query parameters")


def test_bad_query_wrong_media_type(http: httpx.Client) -> None:
    response = http.post("/sparql", content="ASK {}", headers={"Content-Type": "text/plain"})
    assert_refused(response, 415, "text/plain", DIRECT)


def test_bad_query_missing_form_type(http: httpx.Client) -> None:
    response = http.post("/sparql", content="query=ASK%20%7B%7D")
    assert "content-type" not in response.request.headers
    assert_refused(response, 400, "Content-Type")


def test_bad_query_missing_direct_type(http: httpx.Client) -> None:
    response = http.post("/sparql", content="ASK {}")
    assert_refused(response, 400, "Content-Type")


def test_bad_query_non_utf8(http: httpx.Client) -> None:
    response = http.post("/sparql", content="ASK {}".encode("utf-16"),
                         headers={"Content-Type": f"{DIRECT}; charset=UTF-16"})
    assert_refused(response, 415, "UTF-8")
    undeclared = http.post("/sparql", content="ASK {}".encode("utf-16"), headers={"Content-Type": DIRECT})
    assert_refused(undeclared, 400, "UTF-8")
    latin1 = http.post("/sparql", content='ASK { ?s ?p "caf\xe9" }'.encode("latin-1"), headers={"Content-Type": DIRECT})
    assert_refused(latin1, 400, "UTF-8")
    form = http.post("/sparql", content=b"query=ASK%20%7B%20%3Fs%20%3Fp%20%22%E9%22%20%7D", headers={"Content-Type": FORM})
    assert_refused(form, 400, "UTF-8")


def test_bad_query_syntax(http: httpx.Client) -> None:
    response = http.get("/sparql?query=ASK%20%7B")
    assert_refused(response, 400, "syntax error", "line 1, column")


def test_syntax_error_names_position_and_problem(http: httpx.Client) -> None:
    response = http.get("/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p ?o .\n  ?s nosuchprefix:x ?y\n}"})
    assert_refused(response, 400, "line 3", "nosuchprefix:", "not declared")


def test_bad_update_get(http: httpx.Client) -> None:
    assert_refused(http.get("/sparql?update=CLEAR%20ALL"), 400, "read-only")


def test_bad_multiple_updates(http: httpx.Client) -> None:
    response = http.post("/sparql", content="update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", headers={"Content-Type": FORM})
    assert_refused(response, 400, "update")


def test_bad_update_wrong_media_type(http: httpx.Client) -> None:
    assert_refused(http.post("/sparql", content="CLEAR NAMED", headers={"Content-Type": "text/plain"}), 415)


def test_bad_update_missing_form_type(http: httpx.Client) -> None:
    assert_refused(http.post("/sparql", content="update=CLEAR%20NAMED"), 400, "Content-Type")


def test_bad_update_non_utf8(http: httpx.Client) -> None:
    response = http.post("/sparql", content="CLEAR NAMED".encode("utf-16"),
                         headers={"Content-Type": "application/sparql-update; charset=UTF-16"})
    assert 400 <= response.status_code < 500


def test_bad_update_syntax(http: httpx.Client) -> None:
    assert_refused(http.post("/sparql", data={"update": "CLEAR XYZ"}), 400)


def test_bad_update_dataset_conflict(http: httpx.Client) -> None:
    update = ("PREFIX foaf: <http://xmlns.com/foaf/0.1/> WITH <http://example/addresses> "
              "DELETE { ?person foaf:givenName 'Bill' } INSERT { ?person foaf:givenName 'William' } "
              "WHERE { ?person foaf:givenName 'Bill' }")
    response = http.post("/sparql", data={"using-named-graph-uri": "http://example/people", "update": update})
    assert_refused(response, 400)


@pytest.mark.parametrize("update", ["INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }",
                                    "CLEAR ALL", "LOAD <http://example.org/data.ttl>"])
def test_update_sent_to_the_query_endpoint(http: httpx.Client, update: str) -> None:
    direct = http.post("/sparql", content=update, headers={"Content-Type": "application/sparql-update"})
    assert_refused(direct, 400, "read-only")
    as_query = http.get("/sparql", params={"query": update})
    assert 400 <= as_query.status_code < 500
    assert boolean(http.get("/sparql", params={"query": "ASK { <http://example.org/s> ?p ?o }"})) is False


def test_dataset_graph_must_be_an_iri(http: httpx.Client) -> None:
    response = http.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert_refused(response, 400, "not an absolute IRI")


def test_missing_query_in_form(http: httpx.Client) -> None:
    assert_refused(http.post("/sparql", data={"default-graph-uri": str(LETTER_GRAPH)}), 400, "missing query")


# -- long and Unicode queries ------------------------------------------------------------------------------

def test_long_query_by_post(http: httpx.Client) -> None:
    values = " ".join(f'"value {i:05d}"' for i in range(7000))  # a real 80 KB query, not just a comment
    query = f"SELECT (COUNT(?v) AS ?n) WHERE {{ VALUES ?v {{ {values} }} }}"
    assert len(query.encode()) > 80_000
    direct = bindings(http.post("/sparql", content=query, headers={"Content-Type": DIRECT}))
    form = bindings(http.post("/sparql", data={"query": query}))
    assert direct == form == [{"n": "7000"}]


@pytest.mark.server
@pytest.mark.slow
def test_engine_limit_is_a_clear_refusal(virtuoso_backend: TestClient) -> None:
    """Virtuoso cannot compile a VALUES block of thousands of values (SQ199), split into a UNION or not: no
    rewrite keeps the meaning, so jakgraph refuses it with 413 naming the engine's limit, never a 500."""
    values = " ".join(f'"value {i:05d}"' for i in range(3000))  # past the ~2,700 it compiles; quick to refuse
    response = virtuoso_backend.post("/sparql", data={"query": f"SELECT (COUNT(?v) AS ?n) WHERE {{ VALUES ?v {{ {values} }} }}"})
    assert_refused(response, 413, "engine limit", "SQ199", "code vector")


def test_long_query_by_get(http: httpx.Client) -> None:
    values = " ".join(f"<{DRUG[f'x{i:04d}']}>" for i in range(160))
    query = f"SELECT (COUNT(?v) AS ?n) WHERE {{ VALUES ?v {{ {values} }} }}"
    assert len(query.encode()) > 6_000
    assert bindings(http.get("/sparql", params={"query": query})) == [{"n": "160"}]


UNICODE = "Schöne Grüße, 日本語, Ελληνικά, 🧬💊 and a \"quoted\" word"


@pytest.mark.parametrize("method", ["get", "form", "direct"])
def test_unicode_round_trip(http: httpx.Client, method: str) -> None:
    query = f'SELECT ?x ?len WHERE {{ BIND("""{UNICODE}"""@en AS ?x) BIND(STRLEN(?x) AS ?len) }}'
    if method == "get":
        response = http.get("/sparql", params={"query": query})
    elif method == "form":
        response = http.post("/sparql", data={"query": query})
    else:
        response = http.post("/sparql", content=query.encode("utf-8"), headers={"Content-Type": DIRECT})
    rows = json.loads(response.content)["results"]["bindings"]
    assert rows[0]["x"] == {"type": "literal", "value": UNICODE, "xml:lang": "en"}
    assert rows[0]["len"]["value"] == str(len(UNICODE))


def test_unicode_in_every_format(app_client: TestClient) -> None:
    query = f'SELECT ?x WHERE {{ BIND("""{UNICODE}""" AS ?x) }}'
    for fmt in ("json", "xml", "csv", "tsv"):
        response = app_client.get("/sparql", params={"query": query, "format": fmt})
        assert response.status_code == 200
        assert UNICODE.replace('"', "") in response.content.decode("utf-8").replace('\\"', "").replace('""', "").replace("&quot;", "")


# -- result formats: each parsed back -----------------------------------------------------------------------

SELECT_QUERY = ("SELECT ?disease ?label WHERE { drug:ruxolitinib jak:usedToTreat ?disease . "
                "OPTIONAL { ?disease rdfs:label ?label } } ORDER BY ?disease")


def _select_rows(fmt: str, body: bytes) -> list[dict[str, str]]:
    if fmt == "json":
        return [{k: v["value"] for k, v in row.items()} for row in json.loads(body)["results"]["bindings"]]
    if fmt == "xml":
        root = ET.fromstring(body)
        return [{b.get("name", ""): "".join(b.itertext()) for b in result.iter(f"{SRX}binding")}
                for result in root.iter(f"{SRX}result")]
    if fmt == "csv":
        return [{k: v for k, v in row.items() if v} for row in csv.DictReader(io.StringIO(body.decode("utf-8")))]
    lines = body.decode("utf-8").splitlines()
    names = [name[1:] for name in lines[0].split("\t")]
    rows = []
    for line in lines[1:]:
        row = {}
        for name, cell in zip(names, line.split("\t"), strict=True):
            if cell:
                row[name] = cell[1:-1] if cell.startswith("<") else cell.split('"')[1] if cell.startswith('"') else cell
        rows.append(row)
    return rows


@pytest.mark.parametrize(("accept", "fmt"), [
    ("application/sparql-results+json", "json"),
    ("application/json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
])
def test_select_formats(http: httpx.Client, accept: str, fmt: str) -> None:
    response = http.get("/sparql", params={"query": SELECT_QUERY}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["vary"] == "Accept"
    rows = _select_rows(fmt, response.content)
    reference = _select_rows("json", http.get("/sparql", params={"query": SELECT_QUERY}).content)
    assert rows == reference
    assert any(row["disease"] == str(SAVI) for row in rows)


@pytest.mark.parametrize(("accept", "fmt"), [
    ("application/sparql-results+json", "json"), ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"), ("text/tab-separated-values", "tsv"),
])
def test_ask_formats(app_client: TestClient, accept: str, fmt: str) -> None:
    response = app_client.get("/sparql", params={"query": TREATS_SAVI}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    if fmt == "json":
        assert json.loads(response.content)["boolean"] is True
    elif fmt == "xml":
        answer = ET.fromstring(response.content).find(f"{SRX}boolean")
        assert answer is not None and answer.text == "true"
    else:
        assert response.content.strip() == b"true"


CONSTRUCT_QUERY = ("CONSTRUCT { ?drug jak:usedToTreat ?disease . ?disease rdfs:label ?label } "
                   "WHERE { ?drug jak:usedToTreat ?disease OPTIONAL { ?disease rdfs:label ?label } }")


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"), ("application/n-quads", "nquads"), ("application/trig", "trig"),
    ("text/n3", "n3"),
])
@pytest.mark.parametrize("form", ["construct", "describe"])
def test_graph_formats(http: httpx.Client, accept: str, rdflib_format: str, form: str) -> None:
    query = CONSTRUCT_QUERY if form == "construct" else "DESCRIBE drug:ruxolitinib"
    response = http.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    graph = Graph()
    if rdflib_format in ("nquads", "trig"):
        from rdflib import Dataset

        dataset = Dataset()
        dataset.parse(data=response.content, format=rdflib_format)
        for triple in dataset.triples((None, None, None)):
            graph.add(triple)
    else:
        graph.parse(data=response.content, format=rdflib_format)
    reference = Graph().parse(data=http.get("/sparql", params={"query": query, "format": "nt"}).content, format="nt")
    assert isomorphic(graph, reference)
    assert (RUXOLITINIB, JAK["usedToTreat"], SAVI) in graph


ONTOLOGY_ASK = f"ASK {{ {ONTOLOGY_TRIPLE} }}"
#: (query, default-graph-uri, named-graph-uri): the protocol's dataset against the query's own, each case one
#: that Virtuoso alone answers differently (it keeps the query's FROM, and GRAPH <g> outside named-graph-uri)
DATASET_CASES = [
    (f"ASK {{ GRAPH <{LETTER_GRAPH}> {{ ?s ?p ?o }} }}", [], [ONTOLOGY_GRAPH]),
    (f"ASK FROM <{ONTOLOGY_GRAPH}> {{ {ONTOLOGY_TRIPLE} }}", [LETTER_GRAPH], []),
    (f"ASK FROM NAMED <{LETTER_GRAPH}> {{ GRAPH <{LETTER_GRAPH}> {{ ?s ?p ?o }} }}", [], [ONTOLOGY_GRAPH]),
    (f"ASK FROM <{LETTER_GRAPH}> {{ {ONTOLOGY_TRIPLE} }}", [ONTOLOGY_GRAPH], []),
    (f"SELECT DISTINCT ?g FROM NAMED <{LETTER_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} ORDER BY ?g", [],
     [ONTOLOGY_GRAPH, DERIVED_GRAPH]),
    (f"SELECT (COUNT(*) AS ?n) FROM <{LETTER_GRAPH}> WHERE {{ ?s ?p ?o }}", [ONTOLOGY_GRAPH], []),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", [], [LETTER_GRAPH]),
    ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
     [DERIVED_GRAPH], [LETTER_GRAPH, ONTOLOGY_GRAPH]),
    (f"CONSTRUCT {{ <{ONTOLOGY_IRI}> ?p ?o }} FROM <{LETTER_GRAPH}> WHERE {{ <{ONTOLOGY_IRI}> ?p ?o }}",
     [ONTOLOGY_GRAPH], []),
    (f"DESCRIBE <{ONTOLOGY_IRI}> FROM <{ONTOLOGY_GRAPH}>", [LETTER_GRAPH], []),
    (f"DESCRIBE <{ONTOLOGY_IRI}> FROM <{LETTER_GRAPH}>", [ONTOLOGY_GRAPH], [LETTER_GRAPH]),
    (f"ASK FROM NAMED <{ONTOLOGY_GRAPH}> {{ GRAPH <{LETTER_GRAPH}> {{ ?s ?p ?o }} }}", [], []),
    (f"SELECT (COUNT(*) AS ?n) FROM <{LETTER_GRAPH}> {{ OPTIONAL {{ GRAPH <{LETTER_GRAPH}> {{ ?s ?p ?o }} }} }}", [], []),
]


def _same_answer(embedded: httpx.Response, backend: httpx.Response) -> None:
    assert (embedded.status_code, backend.status_code) == (200, 200), backend.text
    assert backend.headers["content-type"] == embedded.headers["content-type"]
    if embedded.headers["content-type"].startswith("application/n-triples"):
        assert isomorphic(Graph().parse(data=backend.content, format="nt"),
                          Graph().parse(data=embedded.content, format="nt"))
    else:
        assert json.loads(backend.content) == json.loads(embedded.content)


@pytest.mark.server
@pytest.mark.slow
@pytest.mark.parametrize(("query", "default", "named"), DATASET_CASES)
def test_through_virtuoso_the_dataset_is_the_protocols(app_client: TestClient, virtuoso_backend: TestClient,
                                                       query: str, default: list[str], named: list[str]) -> None:
    params: Params = [("default-graph-uri", str(g)) for g in default]
    params += [("named-graph-uri", str(g)) for g in named]
    for method in ("get", "post"):
        answers = []
        for client in (app_client, virtuoso_backend):
            headers = {"Accept": "application/sparql-results+json, application/n-triples"}
            if method == "get":
                answers.append(client.get("/sparql", params=params + [("query", query)], headers=headers))
            else:
                answers.append(client.post("/sparql", params=params, content=query,
                                           headers={**headers, "Content-Type": DIRECT}))
        _same_answer(*answers)


@pytest.mark.server
@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="Virtuoso 7.2 joins a sub-select with ORDER BY and LIMIT wrongly when the "
                   "outer pattern is read from one graph (FROM, default-graph-uri or GRAPH <g>: 10 rows instead of "
                   "40; right over the union, or with SELECT DISTINCT, which would change the answer); no exact "
                   "rewrite found")
def test_through_virtuoso_a_sub_select_limit_with_a_dataset(app_client: TestClient,
                                                            virtuoso_backend: TestClient) -> None:
    query = (f"SELECT ?c ?p ?o FROM <{ONTOLOGY_GRAPH}> WHERE {{ {{ SELECT ?c WHERE {{ ?c a owl:Class }} ORDER BY ?c "
             "LIMIT 10 } ?c ?p ?o }")  # with an outer ORDER BY Virtuoso gets it right
    embedded, backend = (sorted(map(str, bindings(client.get("/sparql", params={"query": query}))))
                         for client in (app_client, virtuoso_backend))
    assert len(embedded) > 10
    assert backend == embedded


DESCRIBE_CASES = [
    "DESCRIBE drug:ruxolitinib",
    f"DESCRIBE <{ONTOLOGY_IRI}>",
    "DESCRIBE ?c WHERE { ?c a owl:Class } ORDER BY ?c LIMIT 5",
    "DESCRIBE ?s WHERE { { SELECT DISTINCT ?s { ?s ?p ?b FILTER(isIRI(?s) && isBlank(?b)) } } } ORDER BY ?s LIMIT 5",
    "DESCRIBE ?shape WHERE { ?shape a sh:NodeShape } ORDER BY DESC(?shape) LIMIT 3",       # sh:in lists
    "DESCRIBE * WHERE { ?evidence jak:drug drug:baricitinib } ORDER BY ?evidence LIMIT 2",
    "DESCRIBE ?disease drug:tofacitinib WHERE { drug:ruxolitinib jak:usedToTreat ?disease }",
    "DESCRIBE ?d WHERE { } VALUES ?d { drug:baricitinib drug:tofacitinib }",
]


@pytest.mark.server
@pytest.mark.slow
@pytest.mark.parametrize("query", DESCRIBE_CASES)
def test_through_virtuoso_describe_is_the_embedded_description(app_client: TestClient, virtuoso_backend: TestClient,
                                                                query: str) -> None:
    answers = [client.get("/sparql", params={"query": query, "format": "nt"}) for client in (app_client, virtuoso_backend)]
    _same_answer(*answers)
    assert answers[0].content.strip(), "a description with something in it"


def test_turtle_uses_the_project_prefixes(app_client: TestClient) -> None:
    body = app_client.get("/sparql", params={"query": "DESCRIBE drug:ruxolitinib"},
                          headers={"Accept": "text/turtle"}).text
    assert "@prefix jak: <https://w3id.org/jakgraph/vocab/>" in body
    assert "drug:ruxolitinib" in body


# -- content negotiation --------------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "expected"), [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/*;q=0.2, text/tab-separated-values", "text/tab-separated-values"),
    ("*/*;q=0.1, text/csv", "text/csv"),
    ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
    ("text/*", "text/csv"),
    ("text/*, text/csv;q=0", "text/tab-separated-values"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml"),
    ("application/sparql-results+xml;q=0.5, application/sparql-results+json;q=0.9", "application/sparql-results+json"),
])
def test_accept_q_values_select(app_client: TestClient, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = app_client.get("/sparql", params={"query": "SELECT (1 AS ?x) {}"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "text/turtle"),
    ("application/rdf+xml, */*", "application/rdf+xml"),
    ("application/ld+json;q=0.9, text/turtle;q=0.8", "application/ld+json"),
    ("text/plain", "application/n-triples"),
    ("application/json", "application/ld+json"),
])
def test_accept_q_values_construct(app_client: TestClient, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = app_client.get("/sparql", params={"query": CONSTRUCT_QUERY}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


@pytest.mark.parametrize(("query", "accept"), [
    ("SELECT (1 AS ?x) {}", "text/turtle"),
    ("ASK {}", "application/rdf+xml;q=1, application/sparql-results+json;q=0"),
    (CONSTRUCT_QUERY, "text/csv"),
    (CONSTRUCT_QUERY, "application/sparql-results+json"),
    ("SELECT (1 AS ?x) {}", "image/png"),
])
def test_not_acceptable(http: httpx.Client, query: str, accept: str) -> None:
    response = http.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert_refused(response, 406, "available")


@pytest.mark.parametrize(("query", "value", "expected"), [
    ("SELECT (1 AS ?x) {}", "csv", "text/csv"),
    ("SELECT (1 AS ?x) {}", "tsv", "text/tab-separated-values"),
    ("SELECT (1 AS ?x) {}", "xml", "application/sparql-results+xml"),
    ("SELECT (1 AS ?x) {}", "json", "application/sparql-results+json"),
    ("SELECT (1 AS ?x) {}", "text/csv", "text/csv"),
    (CONSTRUCT_QUERY, "json", "application/ld+json"),
    (CONSTRUCT_QUERY, "xml", "application/rdf+xml"),
    (CONSTRUCT_QUERY, "ttl", "text/turtle"),
    (CONSTRUCT_QUERY, "nt", "application/n-triples"),
    (CONSTRUCT_QUERY, "application/n-quads", "application/n-quads"),
])
def test_format_parameter_overrides_accept(http: httpx.Client, query: str, value: str, expected: str) -> None:
    response = http.get("/sparql", params={"query": query, "format": value}, headers={"Accept": "image/png"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == expected


def test_format_parameter_errors(http: httpx.Client) -> None:
    assert_refused(http.get("/sparql", params={"query": CONSTRUCT_QUERY, "format": "csv"}), 406)
    assert_refused(http.get("/sparql", params={"query": "ASK {}", "format": "bogus"}), 400, "bogus")
    form = http.post("/sparql", data={"query": "SELECT (1 AS ?x) {}", "format": "tsv"})
    assert form.headers["content-type"].startswith("text/tab-separated-values")


# -- HEAD, CORS -------------------------------------------------------------------------------------------

def test_head(http: httpx.Client) -> None:
    params = {"query": SELECT_QUERY}
    get = http.get("/sparql", params=params, headers={"Accept": "text/csv"})
    head = http.head("/sparql", params=params, headers={"Accept": "text/csv"})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))
    assert http.head("/sparql").status_code == 200  # the Service Description
    assert http.head("/sparql", params={"query": "ASK {"}).status_code == 400


def test_cors_on_every_answer(http: httpx.Client) -> None:
    origin = {"Origin": "https://example.org"}
    for response in (http.get("/sparql", params={"query": "ASK {}"}, headers=origin),
                     http.post("/sparql", data={"query": "ASK {}"}, headers=origin),
                     http.get("/sparql", params={"query": "ASK {"}, headers=origin),
                     http.get("/sparql", headers=origin),
                     http.get("/prefixes", headers=origin)):
        assert response.headers["access-control-allow-origin"] == "*"


def test_result_headers(http: httpx.Client) -> None:
    """A result carries its length, type, Vary, CORS and a fresh request id (16 hex digits) each time."""
    ids = set()
    for _ in range(3):
        response = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"},
                            headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200
        headers = response.headers
        assert int(headers["content-length"]) == len(response.content)
        assert headers["content-type"].startswith("application/sparql-results+json")
        assert headers["vary"] == "Accept" and headers["access-control-allow-origin"] == "*"
        assert "X-Cache" in headers["access-control-expose-headers"]
        rid = headers["x-request-id"]  # set by jakgraph's access log, whatever the engine
        assert len(rid) == 16 and int(rid, 16) >= 0
        ids.add(rid)
    assert len(ids) == 3
    mine = http.get("/sparql", params={"query": "ASK {}"}, headers={"X-Request-ID": "client-chosen-1"})
    assert mine.headers["x-request-id"] == "client-chosen-1"


def test_cors_preflight(http: httpx.Client) -> None:
    response = http.options("/sparql", headers={
        "Origin": "https://example.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type, Accept",
    })
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()
    assert int(response.headers["access-control-max-age"]) > 0


# -- Service Description ----------------------------------------------------------------------------------

def _sd(http: httpx.Client, accept: str = "text/turtle", rdflib_format: str = "turtle") -> tuple[Graph, str]:
    response = http.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    return Graph().parse(data=response.content, format=rdflib_format), str(response.url).split("?")[0]


def test_service_description(http: httpx.Client) -> None:
    sd, url = _sd(http)
    service = URIRef(url)
    assert (service, RDF.type, SD.Service) in sd
    assert (service, SD.endpoint, service) in sd
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in sd
    formats = {str(o) for o in sd.objects(service, SD.resultFormat)}
    w3 = "http://www.w3.org/ns/formats/"
    assert {w3 + n for n in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                             "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD")} <= formats
    assert (service, SD.feature, SD.UnionDefaultGraph) in sd
    dataset = sd.value(service, SD.defaultDataset)
    assert sd.value(dataset, SD.defaultGraph) is not None
    names = {sd.value(named, SD.name) for named in sd.objects(dataset, SD.namedGraph)}
    assert {LETTER_GRAPH, ONTOLOGY_GRAPH, DERIVED_GRAPH} <= names
    void_links = {str(o) for o in sd.objects(dataset, RDFS.seeAlso)}
    assert any(link.endswith("/.well-known/void#jakgraph") for link in void_links), void_links
    declared = {str(sd.value(d, SH.prefix)): str(sd.value(d, SH.namespace)) for d in sd.objects(None, SH.declare)}
    assert declared == PREFIXES


@pytest.mark.parametrize(("accept", "rdflib_format"), [("application/rdf+xml", "xml"),
                                                        ("application/ld+json", "json-ld"),
                                                        ("application/n-triples", "nt")])
def test_service_description_formats(app_client: TestClient, accept: str, rdflib_format: str) -> None:
    sd, url = _sd(app_client, accept, rdflib_format)
    assert (URIRef(url), RDF.type, SD.Service) in sd


def test_service_description_for_a_browser_is_turtle(app_client: TestClient) -> None:
    response = app_client.get("/sparql", headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert response.headers["content-type"].startswith("text/turtle")


# -- prefixes --------------------------------------------------------------------------------------------

def test_prefixes_json(http: httpx.Client) -> None:
    response = http.get("/prefixes")
    assert response.headers["content-type"] == "application/json"
    assert response.json() == PREFIXES


def test_prefixes_other_formats(app_client: TestClient) -> None:
    turtle = app_client.get("/prefixes", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=turtle.content, format="turtle")
    assert {str(graph.value(d, SH.prefix)) for d in graph.objects(None, SH.declare)} == set(PREFIXES)
    assert app_client.get("/prefixes", headers={"Accept": "application/ld+json"}).json() == {"@context": PREFIXES}
    text = app_client.get("/prefixes", headers={"Accept": "text/plain"}).text
    assert all(f"{name}:" in text for name in PREFIXES)
    page = app_client.get("/prefixes", headers={"Accept": "text/html"}).text
    assert "<table>" in page and "https://w3id.org/jakgraph/vocab/" in page
    prologue = app_client.get("/prefixes", params={"format": "sparql"}).text
    assert "PREFIX jak: <https://w3id.org/jakgraph/vocab/>" in prologue
    assert app_client.get("/prefixes", headers={"Accept": "image/png"}).status_code == 406


def test_every_project_prefix_usable_undeclared(app_client: TestClient) -> None:
    terms = " ".join(f"{name}:x" for name in PREFIXES)
    response = app_client.get("/sparql", params={"query": f"SELECT * WHERE {{ VALUES ?v {{ {terms} }} }}"})
    values = [row["v"] for row in bindings(response)]
    assert values == [namespace + "x" for namespace in PREFIXES.values()]


def test_declared_prefix_wins_over_project_prefix(app_client: TestClient) -> None:
    query = "PREFIX drug: <http://example.org/> SELECT ?v WHERE { VALUES ?v { drug:x } }"
    assert bindings(app_client.get("/sparql", params={"query": query})) == [{"v": "http://example.org/x"}]


# -- limits: row cap, timeout ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def capped_client(built: BuiltGraph) -> Iterator[TestClient]:
    with server_support.app_client(built, Settings(query_workers=1, max_result_rows=10, access_log="")) as client:
        yield client


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_row_cap_refuses_larger_results(capped_client: TestClient, fmt: str) -> None:
    response = capped_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }", "format": fmt})
    assert_refused(response, 422, "more than 10", "LIMIT")
    at_cap = capped_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 10", "format": fmt})
    assert at_cap.status_code == 200


def test_row_cap_on_graphs(capped_client: TestClient) -> None:
    response = capped_client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert_refused(response, 422, "more than 10 triples")
    ok = capped_client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 10", "format": "nt"})
    assert ok.status_code == 200 and len(ok.content.splitlines()) == 10


SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.mark.server
def test_timeout_stops_the_query_and_the_server_recovers(live_server) -> None:  # noqa: ANN001
    psutil = pytest.importorskip("psutil")
    server = psutil.Process(live_server.pid)
    with httpx.Client(base_url=live_server.base, timeout=60) as client:
        before = {p.pid for p in server.children()}
        started = time.monotonic()
        response = client.get("/sparql", params={"query": SLOW_QUERY})
        elapsed = time.monotonic() - started
        assert_refused(response, 504, "timeout", f"{live_server.timeout:g} s")
        assert elapsed < live_server.timeout + 5
        # the worker that ran it is gone (killed), and a simple query is answered at once
        started = time.monotonic()
        assert boolean(client.get("/sparql", params={"query": TREATS_SAVI})) is True
        assert time.monotonic() - started < 1.0
        deadline = time.monotonic() + 20
        while True:
            children = [p for p in server.children() if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
            gone = before - {p.pid for p in children}
            if gone and len(children) >= len(before):
                break
            assert time.monotonic() < deadline, (before, children)
            time.sleep(0.2)
        assert len(gone) == 1
        # nothing is left burning CPU: every worker is idle
        for child in children:
            child.cpu_percent(None)
        time.sleep(1.0)
        assert all(child.cpu_percent(None) < 50 for child in children)
        # and the server keeps answering correctly, concurrently too
        for _ in range(5):
            assert boolean(client.get("/sparql", params={"query": TREATS_SAVI})) is True


@pytest.mark.slow
def test_timeout_in_process(app_client: TestClient) -> None:
    response = app_client.get("/sparql", params={"query": SLOW_QUERY})
    assert_refused(response, 504, "timeout after 2 s")
    assert boolean(app_client.get("/sparql", params={"query": TREATS_SAVI})) is True
