"""The clients researchers use get correct answers from a real ``jakgraph serve`` (the ``live_server`` fixture):
SPARQLWrapper (GET and POST; JSON, XML, CSV, TSV; CONSTRUCT as RDF/XML, Turtle, JSON-LD) and rdflib's
SPARQLStore (queries through a Graph, triple look-ups, CONSTRUCT)."""
from __future__ import annotations

import csv
import io
from typing import Any
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result, ResultRow
from SPARQLWrapper import CSV, JSON, JSONLD, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from jakgraph.namespaces import DISEASE, DRUG, JAK

from server_support import Server

pytestmark = pytest.mark.server

RUXOLITINIB, SAVI, USED_TO_TREAT = DRUG["ruxolitinib"], DISEASE["savi"], JAK["usedToTreat"]
DISEASES = "SELECT ?disease WHERE { drug:ruxolitinib jak:usedToTreat ?disease } ORDER BY ?disease"


def as_json(wrapper: SPARQLWrapper) -> dict[str, Any]:
    converted = wrapper.query().convert()
    assert isinstance(converted, dict), type(converted)
    return converted


def as_xml(wrapper: SPARQLWrapper) -> Document:
    converted = wrapper.query().convert()
    assert isinstance(converted, Document), type(converted)
    return converted


def as_text(wrapper: SPARQLWrapper) -> str:
    converted = wrapper.query().convert()
    assert isinstance(converted, bytes), type(converted)
    return converted.decode("utf-8")


def rows(result: Result) -> list[ResultRow]:
    solutions = [row for row in result if isinstance(row, ResultRow)]
    assert len(solutions) == len(result)  # a SELECT: every item is a row
    return solutions


def text_of(node: Any) -> str:  # a minidom node
    return str(node.firstChild.data)


@pytest.fixture
def wrapper(live_server: Server) -> SPARQLWrapper:
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
    converted = result.convert()
    assert isinstance(converted, dict)
    diseases = [row["disease"]["value"] for row in converted["results"]["bindings"]]
    assert str(SAVI) in diseases


def test_sparqlwrapper_select_xml_csv_tsv(wrapper: SPARQLWrapper) -> None:
    wrapper.setQuery(DISEASES)
    wrapper.setReturnFormat(XML)
    uris = [text_of(node) for node in as_xml(wrapper).getElementsByTagName("uri")]
    assert str(SAVI) in uris
    wrapper.setReturnFormat(CSV)
    table = list(csv.DictReader(io.StringIO(as_text(wrapper))))
    assert {"disease": str(SAVI)} in table
    wrapper.setReturnFormat(TSV)
    lines = as_text(wrapper).splitlines()
    assert lines[0] == "?disease" and f"<{SAVI}>" in lines[1:]


def test_sparqlwrapper_ask(wrapper: SPARQLWrapper) -> None:
    wrapper.setQuery(f"ASK {{ <{RUXOLITINIB}> <{USED_TO_TREAT}> <{SAVI}> }}")
    wrapper.setReturnFormat(JSON)
    assert as_json(wrapper)["boolean"] is True
    wrapper.setReturnFormat(XML)
    assert text_of(as_xml(wrapper).getElementsByTagName("boolean")[0]) == "true"


@pytest.mark.parametrize("fmt", [RDFXML, TURTLE, JSONLD])
def test_sparqlwrapper_construct(wrapper: SPARQLWrapper, fmt: str) -> None:
    wrapper.setQuery("CONSTRUCT { ?drug jak:usedToTreat ?disease } WHERE { ?drug jak:usedToTreat ?disease }")
    wrapper.setReturnFormat(fmt)
    converted = wrapper.query().convert()
    if isinstance(converted, Graph):
        graph = converted
    else:
        assert isinstance(converted, (bytes, str)), type(converted)
        graph = Graph().parse(data=converted, format={TURTLE: "turtle", JSONLD: "json-ld"}.get(fmt, "xml"))
    assert (RUXOLITINIB, USED_TO_TREAT, SAVI) in graph


def test_sparqlwrapper_describe(wrapper: SPARQLWrapper) -> None:
    wrapper.setQuery("DESCRIBE drug:ruxolitinib")
    wrapper.setReturnFormat(RDFXML)
    graph = wrapper.query().convert()
    assert isinstance(graph, Graph), type(graph)
    assert (RUXOLITINIB, USED_TO_TREAT, SAVI) in graph


def test_sparqlwrapper_reports_syntax_errors(wrapper: SPARQLWrapper) -> None:
    wrapper.setQuery("SELECT * WHERE { ?s ?p }")
    wrapper.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="line 1"):
        wrapper.query()


@pytest.fixture
def remote_graph(live_server: Server) -> Graph:
    store = SPARQLStore(live_server.sparql, returnFormat="json", method="POST_FORM")
    return Graph(store=store)


def test_sparqlstore_select(remote_graph: Graph) -> None:
    assert SAVI in [row.disease for row in rows(remote_graph.query(DISEASES))]


def test_sparqlstore_triples_and_contains(remote_graph: Graph) -> None:
    assert (RUXOLITINIB, USED_TO_TREAT, SAVI) in remote_graph
    objects = set(remote_graph.objects(RUXOLITINIB, USED_TO_TREAT))
    assert SAVI in objects
    assert remote_graph.value(SAVI, RDFS.label) is not None


def test_sparqlstore_ask_and_construct(remote_graph: Graph, live_server: Server) -> None:
    assert remote_graph.query(f"ASK {{ <{RUXOLITINIB}> <{USED_TO_TREAT}> <{SAVI}> }}").askAnswer is True
    # SPARQLStore's default return format (XML) accepts RDF/XML for graphs
    default = Graph(store=SPARQLStore(live_server.sparql, method="POST_FORM"))
    constructed = default.query(
        "CONSTRUCT { ?drug jak:usedToTreat ?disease } WHERE { ?drug jak:usedToTreat ?disease }").graph
    assert constructed is not None
    assert (RUXOLITINIB, USED_TO_TREAT, SAVI) in constructed


def test_sparqlstore_get(live_server: Server) -> None:
    graph = Graph(store=SPARQLStore(live_server.sparql, method="GET"))
    assert URIRef(SAVI) in {row.disease for row in rows(graph.query(DISEASES))}
