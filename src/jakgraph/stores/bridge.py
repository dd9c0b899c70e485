"""Move a curated rdflib Dataset into an embedded Oxigraph store, the engine that answers queries."""
from __future__ import annotations

import pyoxigraph as ox
from rdflib import Dataset

from jakgraph.namespaces import PREFIXES


def dataset_to_store(dataset: Dataset, store: ox.Store | None = None) -> ox.Store:
    """Copy every quad of the dataset into a (new, in-memory by default) Oxigraph store in one transaction."""
    target = store if store is not None else ox.Store()
    payload = dataset.serialize(format="nquads", encoding="utf-8")
    target.load(payload, format=ox.RdfFormat.N_QUADS)
    return target


def select_rows(store: ox.Store, query: str) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
    """Run a SELECT on the union of all graphs with the project prefixes; rows as variable -> term dicts."""
    solutions = store.query(query, use_default_graph_as_union=True, prefixes=PREFIXES)
    names = [v.value for v in solutions.variables]
    return [{name: row[name] for name in names if row[name] is not None} for row in solutions]
