"""An index of every jakgraph IRI with its label and type: search, and suggestions on a 404 page.

Built with one SPARQL query the first time it is needed and kept in the application's caches
(``AppState.caches``) for the store generation it was built at: the next request after a write or a load
builds it again.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

import pyoxigraph as ox
from fastapi import Request

from jakgraph.namespaces import BASE, PREFIXES, curie
from jakgraph.views.describe import local_path

_INDEX_QUERY = f"""
SELECT ?s (SAMPLE(?l) AS ?label) (SAMPLE(?t) AS ?type) WHERE {{
  ?s ?p ?o .
  FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}"))
  OPTIONAL {{ ?s rdfs:label ?l }}
  OPTIONAL {{ ?s a ?t }}
}} GROUP BY ?s
"""


@dataclass(frozen=True)
class Entry:
    path: str
    iri: str
    label: str
    kind: str


def build_index(store: ox.Store) -> list[Entry]:
    entries = []
    solutions = store.query(_INDEX_QUERY, use_default_graph_as_union=True, prefixes=PREFIXES)
    assert isinstance(solutions, ox.QuerySolutions)
    for row in solutions:
        iri = row["s"].value
        label = row["label"].value if row["label"] is not None else curie(iri)
        kind = curie(row["type"].value) if row["type"] is not None else ""
        entries.append(Entry(local_path(iri) or iri, iri, label, kind))
    entries.sort(key=lambda e: e.path)
    return entries


def site_index(request: Request) -> list[Entry]:
    """The index of the graph the application serves now: rebuilt when the store generation moves on
    (a write that replaces a label changes the index without changing the store's size)."""
    state = request.app.state.jak
    caches = state.caches
    generation = state.generation.value
    cached = caches.site_index
    if cached is None or cached[0] != generation:
        with caches.lock:
            cached = caches.site_index
            if cached is None or cached[0] != generation:
                cached = (generation, build_index(state.graph.store))
                caches.site_index = cached
    return cached[1]


def suggestions(index: list[Entry], path: str, limit: int = 8) -> list[Entry]:
    """Resources whose path or label is close to what was asked for."""
    wanted = path.strip("/").lower()
    last = wanted.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    by_path = {e.path.strip("/").lower(): e for e in index}
    by_slug: dict[str, Entry] = {}
    for e in index:
        by_slug.setdefault(e.path.rsplit("/", 1)[-1].lower(), e)
    found: dict[str, Entry] = {}
    for key in difflib.get_close_matches(wanted, list(by_path), n=limit, cutoff=0.5):
        found[by_path[key].path] = by_path[key]
    for key in difflib.get_close_matches(last, list(by_slug), n=limit, cutoff=0.6):
        found.setdefault(by_slug[key].path, by_slug[key])
    if last:
        for e in index:
            if len(found) >= limit:
                break
            if last in e.label.lower() or last in e.path.lower():
                found.setdefault(e.path, e)
    return list(found.values())[:limit]


def search(index: list[Entry], query: str, limit: int = 100) -> list[Entry]:
    """Entries whose label or path contains every word of the query (case-insensitive), labels first."""
    words = [w for w in query.lower().split() if w]
    if not words:
        return []
    hits = [e for e in index if all(w in (e.label + " " + e.path).lower() for w in words)]
    hits.sort(key=lambda e: (not all(w in e.label.lower() for w in words), len(e.label), e.path))
    return hits[:limit]
