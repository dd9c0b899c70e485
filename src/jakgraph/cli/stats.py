"""``jakgraph stats``: triples per named graph and instances per class."""
from __future__ import annotations

import argparse

from jakgraph.stores.bridge import select_rows

GRAPH_COUNTS = "SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph ORDER BY ?graph"
CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?instances)
WHERE { GRAPH ?g { ?s a ?class } FILTER(?g != graph:ontology && ?g != graph:shapes) }
GROUP BY ?class ORDER BY DESC(?instances) ?class
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("stats", help="triples per named graph and instances per class")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from jakgraph.build.pipeline import (
        build_graph,  # lazy: pyshacl and rdflib's SPARQL engine; `jakgraph --help` imports every command module
    )

    built = build_graph(validate=False)
    graph_rows = select_rows(built.store, GRAPH_COUNTS)
    total = sum(int(r["triples"].value) for r in graph_rows)
    print("triples per named graph")
    for row in graph_rows:
        print(f"  {int(row['triples'].value):>7}  {row['graph'].value}")
    print(f"  {total:>7}  total")
    print("\ninstances per class (ontology and shapes graphs excluded)")
    for row in select_rows(built.store, CLASS_COUNTS):
        print(f"  {int(row['instances'].value):>7}  {row['class'].value}")
    return 0
