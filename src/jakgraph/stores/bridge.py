"""The one bridge between rdflib and Oxigraph.

rdflib parses the curated files and feeds pyshacl; Oxigraph answers queries and holds the curators' writes.
Data crosses between them only here. Whole datasets and graphs cross as N-Quads/N-Triples text (one native
parse: far faster than building terms one by one in Python); single terms convert directly. Both ways keep
blank nodes apart (a term keeps its label; a dataset crossing as text keeps each node distinct, though
rdflib's parser may relabel it), language tags and datatypes (a plain rdflib literal is an ``xsd:string``
one in Oxigraph, and back): a dataset that goes across and back is isomorphic to itself, graph by graph.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from jakgraph.formats import N_QUADS, N_TRIPLES
from jakgraph.namespaces import PREFIXES

__all__ = [
    "GraphName",
    "OxTerm",
    "RdflibTerm",
    "dataset_to_store",
    "from_ox",
    "graph_into",
    "select_rows",
    "store_to_dataset",
    "to_ox",
]

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
RdflibTerm = URIRef | BNode | Literal
GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_ox(term: Node) -> OxTerm:
    """The Oxigraph term for an rdflib IRI, blank node (same label) or literal (same language or datatype)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term: OxTerm) -> RdflibTerm:
    """The rdflib term for an Oxigraph one; an ``xsd:string`` literal becomes a plain literal, as rdflib parses it."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")


def dataset_to_store(dataset: Dataset, store: ox.Store | None = None) -> ox.Store:
    """Copy every quad of the dataset into a (new, in-memory by default) Oxigraph store in one transaction."""
    target = store if store is not None else ox.Store()
    payload = dataset.serialize(format=N_QUADS.rdflib, encoding="utf-8")
    target.load(payload, format=N_QUADS.rdf)
    return target


def store_to_dataset(store: ox.Store, graphs: Sequence[GraphName] | None = None) -> Dataset:
    """An rdflib Dataset with the store's quads (all, or only ``graphs``), project prefixes bound.

    Named graphs that are empty are declared all the same, so the dataset names every graph asked for.
    """
    dataset = Dataset()
    for name, namespace in PREFIXES.items():
        dataset.bind(name, namespace, override=True, replace=True)
    if graphs is None:
        payload = store.dump(format=N_QUADS.rdf)
        declared: Iterable[GraphName] = store.named_graphs()
    else:
        quads = (q for g in graphs for q in store.quads_for_pattern(None, None, None, g))
        payload = ox.serialize(quads, format=N_QUADS.rdf)
        declared = graphs
    if payload:
        dataset.parse(data=payload.decode("utf-8"), format=N_QUADS.rdflib)
    for graph_name in declared:
        if isinstance(graph_name, ox.NamedNode):
            dataset.graph(URIRef(graph_name.value))
    return dataset


def graph_into(store: ox.Store, name: ox.NamedNode, graph: Graph) -> Graph:
    """Add the triples of the store's graph ``name`` to an rdflib graph (and return it)."""
    payload = store.dump(format=N_TRIPLES.rdf, from_graph=name)
    if payload:
        graph.parse(data=payload.decode("utf-8"), format=N_TRIPLES.rdflib)
    return graph


def select_rows(store: ox.Store, query: str) -> list[dict[str, OxTerm]]:
    """Run a SELECT on the union of all graphs with the project prefixes; rows as variable -> term dicts."""
    solutions = store.query(query, use_default_graph_as_union=True, prefixes=PREFIXES)
    assert isinstance(solutions, ox.QuerySolutions), "select_rows runs SELECT queries only"
    names = [v.value for v in solutions.variables]
    return [{name: row[name] for name in names if row[name] is not None} for row in solutions]
