"""Read one resource out of the store: its description as RDF and as labelled facts for a page.

The RDF of a resource is a symmetric concise bounded description: every triple with the resource as
subject or object, the blank nodes hanging off it (recursively), and, for an evidence statement, the
outgoing triples of the parts it owns (patient group, doses with their weight bands and age groups,
durations, outcomes, adverse events, switches, limitations) and the doses the build computed from them.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from jakgraph.namespaces import BASE, JAK, PREFIXES, curie

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS_DEFINITION = ox.NamedNode("http://www.w3.org/2004/02/skos/core#definition")
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
SKOS = "http://www.w3.org/2004/02/skos/core#"
#: properties whose external objects are shown as the resource's identifiers in other resources
MATCH_PROPERTIES = tuple(
    ox.NamedNode(SKOS + name) for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
)

Term = ox.NamedNode | ox.BlankNode | ox.Literal

#: properties from a statement to the parts it owns (their triples belong to the statement's description)
PART_PROPERTIES: frozenset[str] = frozenset(
    str(JAK[name])
    for name in (
        "patientGroup", "dose", "duration", "outcome", "adverseEvent", "safetyStatement", "treatmentSwitch",
        "limitation", "weightBand", "ageGroup", "timeToEffect",
    )
)
_MAX_PART_DEPTH = 3
JAK_DERIVED_FROM = ox.NamedNode(str(JAK["derivedFrom"]))


def node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def triples_about(store: ox.Store, subject: ox.NamedNode | ox.BlankNode) -> Iterator[ox.Triple]:
    """Every triple with ``subject`` as subject, in any named graph (duplicates across graphs kept once)."""
    seen: set[ox.Triple] = set()
    for quad in store.quads_for_pattern(subject, None, None, None):
        triple = quad.triple
        if triple not in seen:
            seen.add(triple)
            yield triple


def triples_towards(store: ox.Store, obj: ox.NamedNode) -> Iterator[ox.Triple]:
    seen: set[ox.Triple] = set()
    for quad in store.quads_for_pattern(None, None, obj, None):
        triple = quad.triple
        if triple not in seen:
            seen.add(triple)
            yield triple


def exists(store: ox.Store, iri: ox.NamedNode) -> bool:
    """True when the IRI occurs as subject or object anywhere (or names a graph)."""
    for _ in store.quads_for_pattern(iri, None, None, None):
        return True
    for _ in store.quads_for_pattern(None, None, iri, None):
        return True
    return store.contains_named_graph(iri)


def describe(store: ox.Store, iri: ox.NamedNode) -> list[ox.Triple]:
    """The resource's description: out, in, its blank nodes, its owned parts and their computed doses."""
    result: dict[ox.Triple, None] = {}
    visited: set[ox.NamedNode | ox.BlankNode] = set()

    def outgoing(subject: ox.NamedNode | ox.BlankNode, depth: int) -> None:
        if subject in visited:
            return
        visited.add(subject)
        for triple in triples_about(store, subject):
            result[triple] = None
            obj = triple.object
            if isinstance(obj, ox.BlankNode):
                outgoing(obj, depth)
            elif isinstance(obj, ox.NamedNode) and triple.predicate.value in PART_PROPERTIES and depth < _MAX_PART_DEPTH:
                outgoing(obj, depth + 1)
                for computed in triples_towards(store, obj):
                    if computed.predicate == JAK_DERIVED_FROM and isinstance(computed.subject, ox.NamedNode):
                        outgoing(computed.subject, depth + 1)

    outgoing(iri, 0)
    for triple in triples_towards(store, iri):
        result[triple] = None
        if isinstance(triple.subject, ox.BlankNode):
            outgoing(triple.subject, _MAX_PART_DEPTH)
    return list(result)


_IMPLICIT_DATATYPES = frozenset({"http://www.w3.org/2001/XMLSchema#string",
                                 "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"})


def used_prefixes(triples: Iterable[ox.Triple]) -> dict[str, str]:
    """The project prefixes that some IRI of the triples starts with (for tidy Turtle and RDF/XML).

    Datatypes count only where the serialisation writes them (not ``xsd:string`` or language strings).
    """
    iris: set[str] = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal) and term.datatype.value not in _IMPLICIT_DATATYPES:
                iris.add(term.datatype.value)
    return {name: ns for name, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}


# --------------------------------------------------------------------------------------------------------
# Reading values for pages
# --------------------------------------------------------------------------------------------------------


def local_path(iri: str) -> str | None:
    """The server path of a jakgraph IRI (``/drug/ruxolitinib``), or None for an external IRI."""
    return "/" + iri[len(BASE):] if iri.startswith(BASE) else None


@dataclass
class View:
    """Small read helpers over the store: values, labels, types, with labels cached per view."""

    store: ox.Store
    _labels: dict[str, str] = field(default_factory=dict)

    def objects(self, subject: ox.NamedNode | ox.BlankNode, predicate: ox.NamedNode | str) -> list[Term]:
        pred = predicate if isinstance(predicate, ox.NamedNode) else ox.NamedNode(predicate)
        out: dict[Term, None] = {}
        for quad in self.store.quads_for_pattern(subject, pred, None, None):
            if not isinstance(quad.object, ox.Triple):  # a quoted triple (RDF-star) is not a page's value
                out[quad.object] = None
        return sorted(out, key=_sort_key)

    def subjects(self, predicate: ox.NamedNode | str, obj: Term) -> list[ox.NamedNode | ox.BlankNode]:
        pred = predicate if isinstance(predicate, ox.NamedNode) else ox.NamedNode(predicate)
        out: dict[ox.NamedNode | ox.BlankNode, None] = {}
        for quad in self.store.quads_for_pattern(None, pred, obj, None):
            if not isinstance(quad.subject, ox.Triple):
                out[quad.subject] = None
        return sorted(out, key=_sort_key)

    def value(self, subject: ox.NamedNode | ox.BlankNode, predicate: ox.NamedNode | str) -> Term | None:
        values = self.objects(subject, predicate)
        return values[0] if values else None

    def text(self, subject: ox.NamedNode | ox.BlankNode, predicate: ox.NamedNode | str) -> str | None:
        term = self.value(subject, predicate)
        return term.value if term is not None else None

    def texts(self, subject: ox.NamedNode | ox.BlankNode, predicate: ox.NamedNode | str) -> list[str]:
        return [t.value for t in self.objects(subject, predicate)]

    def types(self, subject: ox.NamedNode | ox.BlankNode) -> list[ox.NamedNode]:
        return [t for t in self.objects(subject, RDF_TYPE) if isinstance(t, ox.NamedNode)]

    def has_type(self, subject: ox.NamedNode | ox.BlankNode, cls: ox.NamedNode | str) -> bool:
        target = cls if isinstance(cls, ox.NamedNode) else ox.NamedNode(cls)
        for _ in self.store.quads_for_pattern(subject, RDF_TYPE, target, None):
            return True
        return False

    def label(self, term: Term) -> str:
        """rdfs:label (English or plain first), else a CURIE, else the literal's value."""
        if isinstance(term, ox.Literal):
            return term.value
        if isinstance(term, ox.BlankNode):
            return "(anonymous node)"
        key = term.value
        if key not in self._labels:
            labels = self.objects(term, RDFS_LABEL)
            preferred = [lab for lab in labels if isinstance(lab, ox.Literal) and lab.language in (None, "en")]
            chosen = (preferred or labels)
            self._labels[key] = chosen[0].value if chosen else curie(key)
        return self._labels[key]

    def definition(self, term: ox.NamedNode) -> str | None:
        return self.text(term, SKOS_DEFINITION) or self.text(term, RDFS_COMMENT)


def _sort_key(term: Term) -> tuple[int, str]:
    if isinstance(term, ox.NamedNode):
        return (0, term.value)
    if isinstance(term, ox.Literal):
        return (1, term.value)
    return (2, str(term))


@dataclass
class Link:
    """A term as a page shows it: its label, where it links to, its CURIE, and what kind of term it is."""

    label: str
    href: str | None
    iri: str | None
    curie: str | None
    kind: str  # "local", "external", "literal", "blank"
    datatype: str | None = None
    language: str | None = None


def as_link(view: View, term: Term) -> Link:
    if isinstance(term, ox.Literal):
        datatype = curie(term.datatype.value)
        shown = None if datatype in ("xsd:string", "rdf:langString") else datatype
        return Link(term.value, None, None, None, "literal", shown, term.language)
    if isinstance(term, ox.BlankNode):
        return Link("(anonymous node)", None, None, None, "blank")
    path = local_path(term.value)
    kind = "local" if path is not None else "external"
    return Link(view.label(term), path or term.value, term.value, curie(term.value), kind)


@dataclass
class Fact:
    predicate: Link
    values: list[Link]
    derived: bool = False


def facts_out(view: View, subject: ox.NamedNode, derived_graph: str) -> list[Fact]:
    """The subject's outgoing facts grouped by property, types first; flags values from the derived graph."""
    grouped: dict[ox.NamedNode, dict[Term, bool]] = {}
    derived = ox.NamedNode(derived_graph)
    for quad in view.store.quads_for_pattern(subject, None, None, None):
        if isinstance(quad.object, ox.Triple):  # a quoted triple (RDF-star) is not shown
            continue
        values = grouped.setdefault(quad.predicate, {})
        values[quad.object] = values.get(quad.object, True) and quad.graph_name == derived
    return _facts(view, grouped)


def facts_in(view: View, obj: ox.NamedNode, derived_graph: str, limit: int = 500) -> tuple[list[Fact], int]:
    """Facts pointing at the resource, grouped by property; at most ``limit`` subjects in all (and the total)."""
    grouped: dict[ox.NamedNode, dict[Term, bool]] = {}
    derived = ox.NamedNode(derived_graph)
    subjects: set[Term] = set()
    for quad in view.store.quads_for_pattern(None, None, obj, None):
        if isinstance(quad.subject, ox.Triple):  # a quoted triple (RDF-star) is not shown
            continue
        subjects.add(quad.subject)
        values = grouped.setdefault(quad.predicate, {})
        if quad.subject in values or len(subjects) <= limit:
            values[quad.subject] = values.get(quad.subject, True) and quad.graph_name == derived
    return _facts(view, {p: v for p, v in grouped.items() if v}), len(subjects)


def _facts(view: View, grouped: dict[ox.NamedNode, dict[Term, bool]]) -> list[Fact]:
    facts = []
    for predicate, values in grouped.items():
        ordered = sorted(values, key=lambda t: (_sort_key(t)[0], view.label(t).lower()))
        facts.append(Fact(as_link(view, predicate), [as_link(view, v) for v in ordered],
                          derived=all(values.values())))
    facts.sort(key=lambda f: (f.predicate.iri != RDF_TYPE.value, f.predicate.label.lower()))
    return facts


def external_identifiers(view: View, subject: ox.NamedNode) -> list[Link]:
    """The external IRIs a resource is matched to (skos:*Match, owl:sameAs), as links with their CURIEs."""
    out: list[Link] = []
    for prop in (*MATCH_PROPERTIES, ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")):
        for term in view.objects(subject, prop):
            if isinstance(term, ox.NamedNode) and not term.value.startswith(BASE):
                link = as_link(view, term)
                link.label = f"{link.curie}  ({curie(prop.value).split(':', 1)[1]})"
                out.append(link)
    return out
