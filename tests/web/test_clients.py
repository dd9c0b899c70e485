"""The clients researchers use get correct answers from a real ``jakgraph serve`` (the ``live_server`` fixture):
SPARQLWrapper (GET and POST; JSON, XML, CSV, TSV; CONSTRUCT as RDF/XML, Turtle, JSON-LD) and rdflib's
SPARQLStore (queries through a Graph, triple look-ups, CONSTRUCT)."""
from __future__ import annotations

import csv
import io

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from jakgraph.namespaces import DISEASE, DRUG, JAK

RUXOLITINIB, SAVI, USED_TO_TREAT = DRUG["ruxolitinib"], DISEASE["savi"], JAK["usedToTreat"]
DISEASES = "SELECT ?disease WHERE { drug:ruxolitinib jak:usedToTreat ?disease } ORDER BY ?disease"


@pytest.fixture
def wrapper(live_server) -> SPARQLWrapper:  # noqa: ANN001
    client = SPARQLWrapper(live_server.sparql, agent="jakgraph-tests")
    client.setTimeout(30)
    return client


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(wrapper: SPARQLWrapper, method: str) -> None:
    wrapper.setQuery(DISEASES)
    wrapper.setReturnFormat(JSON)
    if method == "POST":
        wrapper.setMethod(POST)
    result = wrapper.query()
    assert result.response.headers["Content-Type"].startswith("application/sparql-results+json")
    diseases = [row["disease"]["value"] for row in result.convert()["results"]["bindings"]]
    assert str(SAVI) in diseases


def test_sparqlwrapper_select_xml_csv_tsv(wrapper: SPARQLWrapper) -> None:
    wrapper.setQuery(DISEASES)
    wrapper.setReturnFormat(XML)
    document = wrapper.query().convert()
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert str(SAVI) in uris
    wrapper.setReturnFormat(CSV)
    rows = list(csv.DictReader(io.StringIO(wrapper.query().convert().decode("utf-8"))))
    assert {"disease": str(SAVI)} in rows
    wrapper.setReturnFormat(TSV)
    lines = wrapper.query().convert().decode("utf-8").splitlines()
    assert lines[0] == "?disease" and f"<{SAVI}>" in lines[1:]


def test_sparqlwrapper_ask(wrapper: SPARQLWrapper) -> None:
    wrapper.setQuery(f"ASK {{ <{RUXOLITINIB}> <{USED_TO_TREAT}> <{SAVI}> }}")
    wrapper.setReturnFormat(JSON)
    assert wrapper.query().convert()["boolean"] is True
    wrapper.setReturnFormat(XML)
    assert wrapper.query().convert().getElementsByTagName("boolean")[0].firstChild.data == "true"


@pytest.mark.parametrize("fmt", [RDFXML, TURTLE, JSONLD])
def test_sparqlwrapper_construct(wrapper: SPARQLWrapper, fmt: str) -> None:
    wrapper.setQuery("CONSTRUCT { ?drug jak:usedToTreat ?disease } WHERE { ?drug jak:usedToTreat ?disease }")
    wrapper.setReturnFormat(fmt)
    converted = wrapper.query().convert()
    graph = converted if isinstance(converted, Graph) else Graph().parse(
        data=converted, format={TURTLE: "turtle", JSONLD: "json-ld"}.get(fmt, "xml"))
    assert (RUXOLITINIB, USED_TO_TREAT, SAVI) in graph


def test_sparqlwrapper_describe(wrapper: SPARQLWrapper) -> None:
    wrapper.setQuery("DESCRIBE drug:ruxolitinib")
    wrapper.setReturnFormat(RDFXML)
    graph = wrapper.query().convert()
    assert (RUXOLITINIB, USED_TO_TREAT, SAVI) in graph


def test_sparqlwrapper_reports_syntax_errors(wrapper: SPARQLWrapper) -> None:
    wrapper.setQuery("SELECT * WHERE { ?s ?p }")
    wrapper.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="line 1"):
        wrapper.query()


@pytest.fixture
def remote_graph(live_server) -> Graph:  # noqa: ANN001
    store = SPARQLStore(live_server.sparql, returnFormat="json", method="POST_FORM")
    return Graph(store=store)


def test_sparqlstore_select(remote_graph: Graph) -> None:
    rows = list(remote_graph.query(DISEASES))
    assert SAVI in [row.disease for row in rows]


def test_sparqlstore_triples_and_contains(remote_graph: Graph) -> None:
    assert (RUXOLITINIB, USED_TO_TREAT, SAVI) in remote_graph
    objects = set(remote_graph.objects(RUXOLITINIB, USED_TO_TREAT))
    assert SAVI in objects
    assert remote_graph.value(SAVI, RDFS.label) is not None


def test_sparqlstore_ask_and_construct(remote_graph: Graph, live_server) -> None:  # noqa: ANN001
    assert remote_graph.query(f"ASK {{ <{RUXOLITINIB}> <{USED_TO_TREAT}> <{SAVI}> }}").askAnswer is True
    # SPARQLStore's default return format (XML) accepts RDF/XML for graphs
    default = Graph(store=SPARQLStore(live_server.sparql, method="POST_FORM"))
    constructed = default.query(
        "CONSTRUCT { ?drug jak:usedToTreat ?disease } WHERE { ?drug jak:usedToTreat ?disease }").graph
    assert (RUXOLITINIB, USED_TO_TREAT, SAVI) in constructed


def test_sparqlstore_get(live_server) -> None:  # noqa: ANN001
    graph = Graph(store=SPARQLStore(live_server.sparql, method="GET"))
    assert URIRef(SAVI) in {row.disease for row in graph.query(DISEASES)}
