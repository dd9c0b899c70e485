"""Check the curated graph against the SHACL shapes with pyshacl; a graph that does not conform never loads.

This is the only module that runs pyshacl. The graphs the shapes guard (ontology, letter, background,
derived) are merged into one Oxigraph store and handed to pyshacl's Oxigraph back end, with no inference
(``inference="none"``): class targets and ``sh:class`` still follow ``rdfs:subClassOf`` because the
ontology is part of the data graph. Oxigraph evaluates the SHACL-SPARQL constraints natively, which keeps
a full validation well under the two-second budget (rdflib would re-parse each query for every focus node).

The speed-ups for pyshacl's internals live, fenced to the pyshacl releases they were written for, in
``shacl_speedups``; ``validate_store`` installs them before its first run. (Building *and* validating the
curated graph is ``pipeline.validate_curated``: the pipeline calls this module, never the other way round.)

A report *conforms* when it has no ``sh:Violation``; ``sh:Warning`` and ``sh:Info`` results are reported
but never stop a build.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from jakgraph import paths
from jakgraph.build import shacl_speedups
from jakgraph.build.report import SEVERITIES, ShapesSummary, ValidationReport, results_from_graph
from jakgraph.build.sources import parse_file, rdf_files
from jakgraph.errors import SourceError, ValidationFailed
from jakgraph.formats import GRAPH_FORMATS
from jakgraph.namespaces import (
    BACKGROUND_GRAPH,
    DERIVED_GRAPH,
    EXAMPLES_GRAPH,
    LETTER_GRAPH,
    ONTOLOGY_GRAPH,
    PREFIXES,
    SHAPES_GRAPH,
)
from jakgraph.stores.bridge import to_ox as _ox_term

#: the named graphs the shapes guard, merged into one data graph
GUARDED_GRAPHS = (ONTOLOGY_GRAPH, LETTER_GRAPH, BACKGROUND_GRAPH, DERIVED_GRAPH)
#: named graphs that are never data (when validating a dump that holds every graph)
NOT_DATA_GRAPHS = (SHAPES_GRAPH, EXAMPLES_GRAPH)
#: rdf formats that carry named graphs
QUAD_SUFFIXES = {"." + ext for f in GRAPH_FORMATS if f.quads for ext in (f.extension, *f.extensions)}

# SHACL parameters that are not constraints (they say what a shape targets, names, documents, or
# how the results are reported); everything else in the sh: namespace on a shape is a constraint
_NOT_CONSTRAINT_PARAMETERS = {
    SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target, SH.path,
    SH.property, SH.name, SH.description, SH.order, SH.group, SH.message, SH.severity, SH.deactivated,
    SH.defaultValue, SH.ignoredProperties, SH.prefixes, SH.declare, SH.rule,
}


@dataclass(frozen=True)
class ValidationOutcome:
    """What a validation found. ``conforms`` is False only when there is at least one sh:Violation."""

    conforms: bool
    report_graph: Graph
    report_text: str
    report: ValidationReport | None = field(default=None, compare=False)


def data_graph(dataset: Dataset) -> Graph:
    """The graphs the shapes guard: ontology, letter, background and derived, merged."""
    merged = Graph()
    for name in GUARDED_GRAPHS:
        for triple in dataset.graph(name):
            merged.add(triple)
    return merged


def shapes_graph(dataset: Dataset) -> Graph:
    shapes = Graph()
    for triple in dataset.graph(SHAPES_GRAPH):
        shapes.add(triple)
    return shapes


def load_shapes(location: Path | None = None) -> Graph:
    """The shapes from ``shapes/`` (or a given folder or file); an unreadable file raises SourceError."""
    shapes = Graph()
    location = location if location is not None else paths.SHAPES_DIR
    files = [location] if location.is_file() else rdf_files(location)
    if not files:
        raise SourceError(str(location), "no shapes found (expected .ttl files)")
    for path in files:
        parse_file(path, into=shapes)
    return shapes


def load_ontology(folder: Path | None = None) -> Graph:
    ontology = Graph()
    for path in rdf_files(folder if folder is not None else paths.ONTOLOGY_DIR):
        parse_file(path, into=ontology)
    return ontology


def load_files(files: Sequence[Path], with_ontology: bool = True) -> Graph:
    """The given RDF files merged (with the ontology unless told otherwise); files with named graphs
    (TriG, N-Quads, JSON-LD) contribute every graph but the shapes and the examples.
    Raises SourceError (with file and line) for a file that cannot be read."""
    data = load_ontology() if with_ontology else Graph()
    for path in files:
        if path.suffix.lower() in QUAD_SUFFIXES:
            dataset = Dataset()
            parse_file(path, into=dataset)
            for graph in dataset.graphs():
                if graph.identifier in NOT_DATA_GRAPHS:
                    continue
                for triple in graph:
                    data.add(triple)
        else:
            parse_file(path, into=data)
    return data


# -- running pyshacl ------------------------------------------------------------------------------




def to_store(triples: Iterable[tuple[Node, Node, Node]]) -> ox.Store:
    """An in-memory Oxigraph store holding the triples in its default graph."""
    store = ox.Store()
    store.extend(
        ox.Quad(_ox_term(s), _ox_term(p), _ox_term(o), ox.DefaultGraph())  # type: ignore[arg-type]
        for s, p, o in triples
    )
    return store


def _labels(store: ox.Store, nodes: Iterable[Node]) -> dict[Node, str]:
    labels: dict[Node, str] = {}
    label = ox.NamedNode(str(RDFS.label))
    for node in nodes:
        if not isinstance(node, (URIRef, BNode)):
            continue
        found = sorted(q.object.value for q in store.quads_for_pattern(_ox_term(node), label, None)  # type: ignore[arg-type]
                       if not isinstance(q.object, ox.Triple))
        if found:
            labels[node] = found[0]
    return labels


def shapes_summary(shapes: Graph) -> ShapesSummary:
    """Count the named node and property shapes, and the constraints by severity.

    A *constraint* is one check with its own message and severity: a property shape, the node-level
    constraints of a node shape (sh:or, sh:xone, sh:class, ...), or one SPARQL-based constraint.
    ``parameters`` counts the constraint parameters they use (sh:minCount, sh:datatype, sh:in, ...).
    Blank-node shapes inside sh:or / sh:xone lists are parts of their constraint, not shapes of their own."""
    node_shapes = {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
    property_shapes = {s for s in shapes.subjects(RDF.type, SH.PropertyShape) if isinstance(s, URIRef)}
    property_shapes |= {o for o in shapes.objects(None, SH.property) if isinstance(o, URIRef)}
    constraints: dict[str, int] = {s: 0 for s in SEVERITIES}
    parameters = 0
    sparql = 0

    def severity_of(shape: Node) -> str:
        value = shapes.value(shape, SH.severity)
        return str(value).removeprefix(str(SH)) if value is not None else "Violation"

    for shape in node_shapes | property_shapes:
        own = [p for p in set(shapes.predicates(shape, None))
               if str(p).startswith(str(SH)) and p not in _NOT_CONSTRAINT_PARAMETERS and p != SH.sparql]
        parameters += len(own)
        if own:
            constraints[severity_of(shape)] += 1
        for _ in shapes.objects(shape, SH.sparql):
            sparql += 1
            parameters += 1
            constraints[severity_of(shape)] += 1
    return ShapesSummary(len(node_shapes), len(property_shapes), sparql, constraints, parameters)


@dataclass
class _PreparedShapes:
    graph: Graph
    summary: ShapesSummary
    lock: threading.Lock = field(default_factory=threading.Lock)


#: prepared shapes by the content of the shapes graph they were made from (``_content_key``), newest last
_prepared: OrderedDict[int, _PreparedShapes] = OrderedDict()
#: the private shapes copy of a dataset's graph:shapes, by that graph's content
_dataset_shapes_cache: OrderedDict[int, Graph] = OrderedDict()
_CACHED_SHAPES = 8
_T = TypeVar("_T")
#: what pyshacl adds to every shapes graph it is given (pyshacl.shapes_graph.ShapesGraph.system_triples)
_PYSHACL_SYSTEM_TRIPLES = ((OWL.Class, RDFS.subClassOf, RDFS.Class), (OWL.DatatypeProperty, RDFS.subClassOf, RDF.Property))
_prepared_lock = threading.Lock()


def _content_key(graph: Graph) -> int:
    """What a graph holds, as one number (milliseconds for the project's shapes). The shapes caches key on
    it, not on the graph's size or identity: a shapes graph whose triple was replaced keeps its size."""
    return hash(frozenset(graph))


def _remember(cache: OrderedDict[int, _T], key: int, value: _T) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _CACHED_SHAPES:
        cache.popitem(last=False)


def _prepare(shapes: Graph, owned: bool = False) -> _PreparedShapes:
    """pyshacl adds two system triples to the shapes graph it is given: it gets a private copy (unless the
    graph is already one of ours: ``owned``), made once per content of the shapes graph, with the shapes'
    summary."""
    with _prepared_lock:
        if owned:
            for triple in _PYSHACL_SYSTEM_TRIPLES:  # added now, so pyshacl's own adds change nothing
                shapes.add(triple)
        key = _content_key(shapes)
        prepared = _prepared.get(key)
        if prepared is None:
            if owned:
                private = shapes
            else:
                private = Graph()
                for shape_triple in shapes:
                    private.add(shape_triple)
            for prefix, namespace in PREFIXES.items():
                private.bind(prefix, namespace, override=True, replace=True)
            prepared = _PreparedShapes(private, shapes_summary(private))
        _remember(_prepared, key, prepared)
        return prepared


def validate_store(store: ox.Store, shapes: Graph, *, subject: str = "the graph") -> ValidationOutcome:
    """Validate the default graph of an Oxigraph store (it is not modified) against the shapes."""
    started = time.perf_counter()
    if len(shapes) == 0:
        report = ValidationReport((), Graph(), triples=len(store), subject=subject)
        return ValidationOutcome(True, Graph(), "No shapes: nothing to check.", report)
    prepared = _prepare(shapes)
    summary = prepared.summary
    shacl_speedups.install()
    with prepared.lock, _quiet_rdflib():
        _, report_graph, report_text = pyshacl_validate(
            store,  # type: ignore[arg-type]  # pyshacl wraps an Oxigraph store itself; its annotation omits it
            shacl_graph=prepared.graph,
            advanced=True,
            inference="none",
            allow_warnings=True,
            inplace=True,
        )
    if not isinstance(report_graph, Graph):  # pyshacl hands back a ValidationFailure for unusable shapes
        raise SourceError("the shapes", f"cannot be used: {' '.join(str(report_graph).split())[:300]}")
    focus_nodes = set(report_graph.objects(None, SH.focusNode))
    results = results_from_graph(report_graph, _labels(store, focus_nodes))
    report = ValidationReport(
        results,
        report_graph,
        triples=len(store),
        shapes=summary,
        seconds=time.perf_counter() - started,
        subject=subject,
    )
    return ValidationOutcome(report.conforms, report_graph, str(report_text), report)


def validate_graph(data: Graph, shapes: Graph, *, subject: str = "the graph") -> ValidationOutcome:
    """Validate an rdflib graph against the shapes."""
    return validate_store(to_store(data), shapes, subject=subject)


def validate_dataset(
    dataset: Dataset, shapes: Graph | None = None, *, subject: str = "the curated graph"
) -> ValidationOutcome:
    """Validate the guarded graphs of a dataset against the shapes in its graph:shapes (or ``shapes``)."""
    store = to_store(triple for name in GUARDED_GRAPHS for triple in dataset.graph(name))
    return validate_store(store, shapes if shapes is not None else _dataset_shapes(dataset), subject=subject)


def _dataset_shapes(dataset: Dataset) -> Graph:
    """The dataset's shapes graph, copied once per content of its graph:shapes."""
    key = _content_key(dataset.graph(SHAPES_GRAPH))
    with _prepared_lock:
        cached = _dataset_shapes_cache.get(key)
    if cached is not None:
        return cached
    shapes = shapes_graph(dataset)  # a private copy already: pyshacl may use it as it is
    _prepare(shapes, owned=True)
    with _prepared_lock:
        _remember(_dataset_shapes_cache, key, shapes)
    return shapes


def validate_files(files: Sequence[Path], shapes: Graph | None = None) -> ValidationOutcome:
    """Validate the given files (merged, with the ontology) against the shapes in ``shapes/``."""
    data = load_files(files)
    shapes = shapes if shapes is not None else load_shapes()
    names = ", ".join(str(f) for f in files)
    return validate_graph(data, shapes, subject=names if len(files) <= 3 else f"{len(files)} files")


def require_conformance(dataset: Dataset) -> ValidationOutcome:
    """Raise ValidationFailed (naming the first problems, carrying the outcome) unless the dataset conforms."""
    outcome = validate_dataset(dataset)
    if not outcome.conforms:
        report = outcome.report
        detail = ""
        if report is not None:
            n = report.counts()["Violation"]
            detail = f" ({n} violation{'s' if n != 1 else ''}): {report.first_problems(3)}"
        raise ValidationFailed(
            f"the curated graph does not conform to the shapes{detail} — run `jakgraph validate` for the full report",
            outcome,
        )
    return outcome


class _quiet_rdflib:
    """rdflib logs a traceback for every ill-formed literal (e.g. "abc"^^xsd:decimal) it meets; the
    report already names them, so that logger is silenced while any validation runs (thread-safe)."""

    _lock = threading.Lock()
    _active = 0
    _saved_level = logging.NOTSET

    def __enter__(self) -> None:
        with _quiet_rdflib._lock:
            if _quiet_rdflib._active == 0:
                logger = logging.getLogger("rdflib.term")
                _quiet_rdflib._saved_level = logger.level
                logger.setLevel(logging.CRITICAL)
            _quiet_rdflib._active += 1

    def __exit__(self, *exc: object) -> None:
        with _quiet_rdflib._lock:
            _quiet_rdflib._active -= 1
            if _quiet_rdflib._active == 0:
                logging.getLogger("rdflib.term").setLevel(_quiet_rdflib._saved_level)
