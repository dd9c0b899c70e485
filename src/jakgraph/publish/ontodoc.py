"""Documentation of the jakgraph ontology, read from graph:ontology (pyLODE 3.4.1, the last release for
Python 3.11, fails on import; this is the fallback the issue allows: every class, property and concept with
its label, definition, hierarchy, domain, range and alignments).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from jakgraph.namespaces import JAK, ONTOLOGY_GRAPH, ONTOLOGY_IRI
from jakgraph.views.describe import Link, View, as_link

OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"

ALIGNMENTS = (("rdfs:subClassOf", RDFS + "subClassOf"), ("rdfs:subPropertyOf", RDFS + "subPropertyOf"),
              ("skos:exactMatch", SKOS + "exactMatch"), ("skos:closeMatch", SKOS + "closeMatch"),
              ("skos:broadMatch", SKOS + "broadMatch"), ("skos:narrowMatch", SKOS + "narrowMatch"),
              ("skos:relatedMatch", SKOS + "relatedMatch"), ("owl:equivalentClass", OWL + "equivalentClass"))


@dataclass
class Term:
    iri: str
    anchor: str
    label: str
    definition: str | None
    kind: str
    relations: list[tuple[str, list[Link]]] = field(default_factory=list)
    members: list[Link] = field(default_factory=list)


@dataclass
class OntologyDoc:
    iri: str
    metadata: list[tuple[str, list[Link]]]
    sections: list[tuple[str, str, list[Term]]]


def _terms_of_type(view: View, graph: ox.NamedNode, type_iri: str) -> list[ox.NamedNode]:
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    found = {q.subject for q in view.store.quads_for_pattern(None, rdf_type, ox.NamedNode(type_iri), graph)
             if isinstance(q.subject, ox.NamedNode)}
    return sorted(found, key=lambda n: n.value.lower())


def _term(view: View, node: ox.NamedNode, kind: str, extra: tuple[tuple[str, str], ...] = ()) -> Term:
    relations = []
    for title, prop in (*ALIGNMENTS, *extra):
        values = view.objects(node, prop)
        if values:
            relations.append((title, [as_link(view, v) for v in values]))
    anchor = node.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return Term(node.value, anchor, view.label(node), view.definition(node), kind, relations)


def ontology_doc(store: ox.Store) -> OntologyDoc:
    view = View(store)
    graph = ox.NamedNode(str(ONTOLOGY_GRAPH))
    ontology = ox.NamedNode(str(ONTOLOGY_IRI))
    metadata = []
    for quad in store.quads_for_pattern(ontology, None, None, graph):
        if not isinstance(quad.object, ox.Triple):
            metadata.append((view.label(quad.predicate), [as_link(view, quad.object)]))
    metadata.sort(key=lambda m: m[0])

    classes = _terms_of_type(view, graph, OWL + "Class")
    concept_schemes = [c for c in classes if any(v.value == SKOS + "Concept" for v in view.objects(c, RDFS + "subClassOf"))]
    concept_terms = []
    for scheme in concept_schemes:
        term = _term(view, scheme, "concept scheme")
        members = _terms_of_type(view, graph, scheme.value)
        term.members = [as_link(view, m) for m in members]
        concept_terms.append(term)
        for member in members:
            concept_terms.append(_term(view, member, f"concept ({view.label(scheme)})"))
    plain_classes = [_term(view, c, "class") for c in classes if c not in concept_schemes]
    domain_range = (("rdfs:domain", RDFS + "domain"), ("rdfs:range", RDFS + "range"))
    object_props = [_term(view, p, "object property", domain_range)
                    for p in _terms_of_type(view, graph, OWL + "ObjectProperty")]
    data_props = [_term(view, p, "datatype property", domain_range)
                  for p in _terms_of_type(view, graph, OWL + "DatatypeProperty")]
    return OntologyDoc(
        iri=str(ONTOLOGY_IRI),
        metadata=metadata,
        sections=[("classes", "Classes", plain_classes), ("object-properties", "Object properties", object_props),
                  ("datatype-properties", "Datatype properties", data_props),
                  ("concepts", "Controlled values (SKOS concepts)", concept_terms)],
    )


__all__ = ["OntologyDoc", "Term", "ontology_doc", "JAK", "DCTERMS"]
