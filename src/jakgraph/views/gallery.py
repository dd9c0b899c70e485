"""The example queries, read from the graph itself (graph:examples), as the SIB/UniProt sparql-examples do.

Each example is an ``sh:SPARQLExecutable`` with an ``rdfs:label``, an ``rdfs:comment`` (the question it
answers), its query under ``sh:select`` / ``sh:construct`` / ``sh:ask`` / ``sh:describe``, and
``schema:target`` the endpoint it is meant for.
"""
from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from jakgraph.namespaces import PREFIXES

_QUERY = """
SELECT ?example ?label ?comment ?kind ?query (GROUP_CONCAT(DISTINCT ?keyword; separator="|") AS ?keywords)
WHERE {
  GRAPH graph:examples {
    ?example a sh:SPARQLExecutable .
    VALUES (?property ?kind) { (sh:select "SELECT") (sh:construct "CONSTRUCT") (sh:ask "ASK") (sh:describe "DESCRIBE") }
    ?example ?property ?query .
    OPTIONAL { ?example rdfs:label ?label }
    OPTIONAL { ?example rdfs:comment ?comment }
    OPTIONAL { ?example schema:keywords ?keyword }
  }
}
GROUP BY ?example ?label ?comment ?kind ?query
ORDER BY ?example
"""


@dataclass(frozen=True)
class Example:
    iri: str
    slug: str
    title: str
    comment: str
    kind: str
    query: str
    keywords: tuple[str, ...]


def load_examples(store: ox.Store) -> list[Example]:
    """Every example query in graph:examples, ordered by IRI."""
    examples = []
    solutions = store.query(_QUERY, prefixes=PREFIXES)
    assert isinstance(solutions, ox.QuerySolutions)
    for row in solutions:
        iri = row["example"].value
        slug = iri.rstrip("/").rsplit("/", 1)[-1]
        keywords = tuple(k for k in (row["keywords"].value if row["keywords"] else "").split("|") if k)
        examples.append(Example(
            iri=iri,
            slug=slug,
            title=row["label"].value if row["label"] else slug.replace("-", " "),
            comment=row["comment"].value if row["comment"] else "",
            kind=row["kind"].value,
            query=row["query"].value,
            keywords=keywords,
        ))
    return examples
