"""Exports: the whole graph written in every format and read back is isomorphic to the built graph
(each named graph for the quad formats; the union of all graphs for the triple formats)."""
from __future__ import annotations

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from jakgraph.namespaces import BACKGROUND_GRAPH, DERIVED_GRAPH, LETTER_GRAPH, ONTOLOGY_GRAPH
from jakgraph.publish.dumps import EXPORT_FORMATS, serialise, union_graph


def named_graphs(dataset: Dataset) -> dict[str, Graph]:
    graphs = {}
    for graph in dataset.graphs():
        if len(graph):
            copy = Graph()
            for triple in graph:
                copy.add(triple)
            graphs[str(graph.identifier)] = copy
    return graphs


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPORT_FORMATS))
def test_export_round_trip_is_isomorphic(built, name: str) -> None:
    fmt = EXPORT_FORMATS[name]
    data = serialise(built.dataset, name)
    if fmt.quads:
        back = Dataset()
        back.parse(data=data, format=fmt.rdflib)
        expected, actual = named_graphs(built.dataset), named_graphs(back)
        assert set(actual) == set(expected)
        for graph_name, graph in expected.items():
            assert len(actual[graph_name]) == len(graph), graph_name
            assert isomorphic(actual[graph_name], graph), f"{name}: graph {graph_name} differs"
    else:
        back_union = Graph()
        back_union.parse(data=data, format=fmt.rdflib)
        expected_union = union_graph(built.dataset)
        assert len(back_union) == len(expected_union)
        assert isomorphic(back_union, expected_union), f"{name}: the exported union graph differs"


def test_the_export_holds_every_curated_and_derived_graph(built) -> None:
    graphs = named_graphs(built.dataset)
    for name in (ONTOLOGY_GRAPH, LETTER_GRAPH, BACKGROUND_GRAPH, DERIVED_GRAPH):
        assert str(name) in graphs and len(graphs[str(name)]) > 0, name
