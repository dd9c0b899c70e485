"""Materialise derived triples with SPARQL CONSTRUCT, into the derived named graph and nowhere else.

Each ``derivations/*.rq`` file is one rule. Derived triples are kept apart from curated ones so that a
user can always tell what the letter printed from what jakgraph computed.
"""
from __future__ import annotations

from importlib import resources

import pyoxigraph as ox

from jakgraph.namespaces import DERIVED_GRAPH, PREFIXES


def derivation_queries() -> dict[str, str]:
    """Rule name -> CONSTRUCT query text, in name order."""
    folder = resources.files("jakgraph.build") / "derivations"
    return {
        item.name.removesuffix(".rq"): item.read_text(encoding="utf-8")
        for item in sorted(folder.iterdir(), key=lambda i: i.name)
        if item.name.endswith(".rq")
    }


def materialise(store: ox.Store) -> dict[str, int]:
    """Run every rule over the curated graphs and add the results to the derived graph; counts per rule."""
    target = ox.NamedNode(str(DERIVED_GRAPH))
    if store.contains_named_graph(target):
        store.remove_graph(target)
    counts: dict[str, int] = {}
    for name, query in derivation_queries().items():
        result = store.query(query, use_default_graph_as_union=True, prefixes=PREFIXES)
        assert isinstance(result, ox.QueryTriples), f"derivation {name} is not a CONSTRUCT"
        triples = list(result)
        store.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)
        counts[name] = len(triples)
    return counts
