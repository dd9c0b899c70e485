"""The rdflib <-> Oxigraph bridge: the curated dataset goes into a store and back unchanged (isomorphic,
graph by graph), and single terms keep their blank-node labels, language tags and datatypes."""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from jakgraph.build.pipeline import BuiltGraph
from jakgraph.namespaces import DERIVED_GRAPH, LETTER_GRAPH
from jakgraph.stores.bridge import dataset_to_store, from_ox, graph_into, store_to_dataset, to_ox


def graphs_of(dataset: Dataset) -> dict[str, Graph]:
    """Every non-empty named graph of the dataset, as a plain Graph (for isomorphism)."""
    out: dict[str, Graph] = {}
    for graph in dataset.graphs():
        if len(graph) and isinstance(graph.identifier, URIRef):
            copy = Graph()
            for triple in graph:
                copy.add(triple)
            out[str(graph.identifier)] = copy
    return out


@pytest.mark.slow
def test_the_curated_dataset_round_trips(built: BuiltGraph) -> None:
    store = dataset_to_store(built.dataset)
    assert len(store) == sum(len(g) for g in graphs_of(built.dataset).values())
    back = store_to_dataset(store)
    expected, actual = graphs_of(built.dataset), graphs_of(back)
    assert set(actual) == set(expected) and str(LETTER_GRAPH) in actual
    for name, graph in expected.items():
        assert len(actual[name]) == len(graph), name
        assert isomorphic(actual[name], graph), f"graph {name} changed on the way"
    assert any(isinstance(o, BNode) for g in expected.values() for o in g.objects())  # blank nodes were tested
    assert back.namespace_manager.store.namespace("drug") is not None  # project prefixes bound


def test_only_the_graphs_asked_for(built: BuiltGraph) -> None:
    letter = ox.NamedNode(str(LETTER_GRAPH))
    empty = ox.NamedNode("https://w3id.org/jakgraph/graph/nothing-here")
    back = store_to_dataset(built.store, [letter, empty])
    graphs = {str(g.identifier): g for g in back.graphs() if isinstance(g.identifier, URIRef)}
    assert str(empty.value) in graphs and len(graphs[empty.value]) == 0  # declared though empty
    assert set(graphs_of(back)) == {str(LETTER_GRAPH)}
    assert isomorphic(graphs_of(back)[str(LETTER_GRAPH)], graphs_of(built.dataset)[str(LETTER_GRAPH)])


def test_graph_into(built: BuiltGraph) -> None:
    graph = graph_into(built.store, ox.NamedNode(str(DERIVED_GRAPH)), Graph())
    assert len(graph) > 0 and isomorphic(graph, graphs_of(built.dataset)[str(DERIVED_GRAPH)])


@pytest.mark.parametrize("term", [
    URIRef("https://w3id.org/jakgraph/drug/ruxolitinib"),
    BNode("dose1"),
    Literal("ruxolitinib"),
    Literal("Ruxolitinib", lang="en-GB"),
    Literal("0.4", datatype=XSD.decimal),
    Literal("2021-06-01", datatype=XSD.date),
    Literal("x", datatype=URIRef("http://example.org/custom")),
])
def test_terms_round_trip(term: URIRef | BNode | Literal) -> None:
    converted = to_ox(term)
    assert from_ox(converted) == term
    if isinstance(term, Literal) and term.language:
        assert isinstance(converted, ox.Literal) and converted.language == "en-gb"
    if isinstance(term, BNode):
        assert converted == ox.BlankNode("dose1")


def test_xsd_string_is_plain_both_ways() -> None:
    assert to_ox(Literal("a")) == ox.Literal("a", datatype=ox.NamedNode(str(XSD.string)))
    assert from_ox(ox.Literal("a")) == Literal("a")


def test_not_a_term() -> None:
    with pytest.raises(TypeError):
        to_ox("plain string")  # type: ignore[arg-type]
