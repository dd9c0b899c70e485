"""Check the curated graph against the SHACL shapes with pyshacl; a graph that does not conform never loads."""
from __future__ import annotations

from dataclasses import dataclass

from pyshacl import validate as pyshacl_validate
from rdflib import Dataset, Graph

from .errors import ValidationFailed
from .namespaces import BACKGROUND_GRAPH, DERIVED_GRAPH, LETTER_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH


@dataclass(frozen=True)
class ValidationOutcome:
    conforms: bool
    report_graph: Graph
    report_text: str


def data_graph(dataset: Dataset) -> Graph:
    """The graphs the shapes guard: ontology, letter, background and derived, merged."""
    merged = Graph()
    for name in (ONTOLOGY_GRAPH, LETTER_GRAPH, BACKGROUND_GRAPH, DERIVED_GRAPH):
        for triple in dataset.graph(name):
            merged.add(triple)
    return merged


def shapes_graph(dataset: Dataset) -> Graph:
    shapes = Graph()
    for triple in dataset.graph(SHAPES_GRAPH):
        shapes.add(triple)
    return shapes


def validate_graph(data: Graph, shapes: Graph) -> ValidationOutcome:
    if len(shapes) == 0:
        return ValidationOutcome(True, Graph(), "No shapes: nothing to check.")
    conforms, report_graph, report_text = pyshacl_validate(
        data, shacl_graph=shapes, advanced=True, allow_warnings=True, inference="none"
    )
    return ValidationOutcome(bool(conforms), report_graph, str(report_text))


def require_conformance(dataset: Dataset) -> ValidationOutcome:
    """Raise ValidationFailed (with the report) unless the curated dataset conforms."""
    outcome = validate_graph(data_graph(dataset), shapes_graph(dataset))
    if not outcome.conforms:
        raise ValidationFailed("the curated graph does not conform to the shapes", outcome)
    return outcome
