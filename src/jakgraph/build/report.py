"""The SHACL validation report as plain data a curator can act on, and its text, JSON and Turtle forms.

``validation.py`` runs pyshacl and turns its report graph into a :class:`ValidationReport`; this module
only models and formats it. A report *conforms* when it holds no ``sh:Violation``; warnings and notes
(``sh:Info``) are shown but do not fail unless the caller asks for ``strict``.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from jakgraph.namespaces import PREFIXES, curie

#: severities from the most to the least serious, with the word the text report uses for each
SEVERITIES: tuple[str, ...] = ("Violation", "Warning", "Info")
SEVERITY_NOUNS: dict[str, tuple[str, str]] = {
    "Violation": ("violation", "violations"),
    "Warning": ("warning", "warnings"),
    "Info": ("note", "notes"),
}


def compact(term: Node | str | None) -> str | None:
    """A short form of a term for people: a CURIE for project IRIs, ``<iri>`` otherwise, literals as text."""
    if term is None:
        return None
    if isinstance(term, Literal):
        return str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    text = str(term)
    short = curie(text)
    return short if short != text else f"<{text}>"


_IRI_IN_TEXT = re.compile(r"https?://[^\s<>\"{}|\\^`]+")


def compact_text(text: str) -> str:
    """Messages substitute full IRIs; show the project's as CURIEs (a trailing full stop stays text)."""

    def replace(match: re.Match[str]) -> str:
        iri = match.group(0)
        tail = ""
        while iri and iri[-1] in ".,;:)":
            tail = iri[-1] + tail
            iri = iri[:-1]
        short = compact(URIRef(iri)) or iri
        return (short if not short.startswith("<") else iri) + tail

    return _IRI_IN_TEXT.sub(replace, text)


def literal_text(term: Node | None) -> str | None:
    """How a value is shown: a literal as ``"text"`` (with its datatype when not a string), a node compacted."""
    if term is None:
        return None
    if isinstance(term, Literal):
        text = json.dumps(str(term), ensure_ascii=False)
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and str(term.datatype) != "http://www.w3.org/2001/XMLSchema#string":
            return f"{text}^^{compact(term.datatype)}"
        return text
    return compact(term)


def path_text(graph: Graph, path: Node | None) -> str | None:
    """A SHACL property path in SPARQL-like syntax (``jak:unit``, ``^jak:outcome``, ``a|b``)."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return compact(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + (path_text(graph, inverse) or "?")
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_text(graph, p) or "?" for p in graph.items(alternatives)) + ")"
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return (path_text(graph, inner) or "?") + suffix
    if graph.value(path, RDF.first) is not None:
        return "/".join(path_text(graph, p) or "?" for p in graph.items(path))
    return "?"


@dataclass(frozen=True)
class ValidationResult:
    """One problem: which node, which property, which value, what is wrong and how serious it is."""

    focus_node: str            # the node's IRI (or _:id for a blank node)
    focus: str                 # the node compacted (``dose:savi-ruxolitinib-max``)
    label: str | None          # the node's rdfs:label, when it has one
    path: str | None           # the property path (``jak:unit``), None for node-level constraints
    value: str | None          # the offending value as shown, None when the problem is a missing value
    message: str
    severity: str              # "Violation", "Warning" or "Info"
    source_shape: str          # the shape the constraint belongs to (compacted)
    constraint: str            # the constraint component, e.g. "MinCountConstraintComponent"

    def as_json(self) -> dict[str, str | None]:
        return {
            "focusNode": self.focus_node,
            "focus": self.focus,
            "label": self.label,
            "path": self.path,
            "value": self.value,
            "message": self.message,
            "severity": self.severity,
            "sourceShape": self.source_shape,
            "constraint": self.constraint,
        }

    def one_line(self) -> str:
        """``dose:x ("label") jak:unit: message`` for error messages that name a few problems."""
        label = f' ("{self.label}")' if self.label else ""
        where = f" {self.path}" if self.path else ""
        value = f" = {self.value}" if self.value and self.value != self.focus else ""
        return f"{self.focus}{label}{where}{value}: {self.message.rstrip('.')}"


@dataclass(frozen=True)
class ShapesSummary:
    """How much the shapes check: node and property shapes, SPARQL constraints, constraints by severity."""

    node_shapes: int
    property_shapes: int
    sparql_constraints: int
    constraints: dict[str, int]      # severity -> number of constraints (message-bearing checks)
    parameters: int                  # individual constraint parameters (sh:minCount, sh:datatype, ...)

    @property
    def shapes(self) -> int:
        return self.node_shapes + self.property_shapes

    @property
    def total_constraints(self) -> int:
        return sum(self.constraints.values())

    def as_json(self) -> dict[str, object]:
        return {
            "nodeShapes": self.node_shapes,
            "propertyShapes": self.property_shapes,
            "sparqlConstraints": self.sparql_constraints,
            "constraints": dict(self.constraints),
            "constraintParameters": self.parameters,
        }

    def describe(self) -> str:
        by_severity = ", ".join(f"{self.constraints.get(s, 0)} {s.lower()}" for s in SEVERITIES)
        return (
            f"{self.shapes} shapes ({self.node_shapes} node, {self.property_shapes} property), "
            f"{self.total_constraints} constraints ({by_severity}; {self.sparql_constraints} SPARQL-based)"
        )


@dataclass(frozen=True)
class ValidationReport:
    """Every result of one validation run, plus what was checked and how long it took."""

    results: tuple[ValidationResult, ...]
    graph: Graph = field(compare=False, repr=False)
    triples: int = 0
    shapes: ShapesSummary | None = None
    seconds: float = 0.0
    subject: str = "the graph"

    @property
    def conforms(self) -> bool:
        """True when no result is a violation (warnings and notes do not count)."""
        return not any(r.severity == "Violation" for r in self.results)

    def passes(self, strict: bool = False) -> bool:
        """Conforms, and with ``strict`` also has no warnings (notes never fail)."""
        if strict:
            return not any(r.severity in ("Violation", "Warning") for r in self.results)
        return self.conforms

    def counts(self) -> dict[str, int]:
        counter = Counter(r.severity for r in self.results)
        return {s: counter.get(s, 0) for s in SEVERITIES}

    def of_severity(self, *severities: str) -> list[ValidationResult]:
        return [r for r in self.results if r.severity in severities]

    def grouped(self, severities: tuple[str, ...] = SEVERITIES) -> list[tuple[ValidationResult, list[ValidationResult]]]:
        """Results by focus node: nodes with violations first, then by node; each group's first result
        stands for the node (its focus and label)."""
        groups: dict[str, list[ValidationResult]] = {}
        for result in self.results:
            if result.severity in severities:
                groups.setdefault(result.focus_node, []).append(result)

        def rank(items: list[ValidationResult]) -> tuple[int, str]:
            return (min(SEVERITIES.index(r.severity) for r in items), items[0].focus)

        ordered = sorted(groups.values(), key=rank)
        return [
            (items[0], sorted(items, key=lambda r: (SEVERITIES.index(r.severity), r.path or "", r.message, r.value or "")))
            for items in ordered
        ]

    def counts_text(self) -> str:
        counts = self.counts()
        parts = []
        for severity in SEVERITIES:
            singular, plural = SEVERITY_NOUNS[severity]
            n = counts[severity]
            parts.append(f"{n} {singular if n == 1 else plural}")
        return ", ".join(parts)

    def first_problems(self, limit: int = 3) -> str:
        """The first few violations, one line each joined by "; ", for an error message."""
        violations = [r for _, items in self.grouped(("Violation",)) for r in items]
        shown = "; ".join(r.one_line() for r in violations[:limit])
        more = len(violations) - limit
        if more > 0:
            shown += f"; and {more} more"
        return shown

    # -- formats ------------------------------------------------------------------------------------

    def to_text(self, verbose: bool = False, strict: bool = False) -> str:
        """Grouped by focus node: the node and its label, then each problem's severity, path, value and
        message. Notes (sh:Info) are listed only with ``verbose``; otherwise they are counted."""
        shown = SEVERITIES if verbose else ("Violation", "Warning")
        lines: list[str] = []
        for head, items in self.grouped(shown):
            label = f'  "{head.label}"' if head.label else ""
            lines.append(f"{head.focus}{label}")
            for r in items:
                where = r.path or "(the node itself)"
                value = r.value if r.value is not None else "(no value)"
                lines.append(f"  {r.severity:<9}  {where}  {value}")
                lines.append(f"  {'':<9}  {r.message}")
            lines.append("")
        counts = self.counts()
        verdict = "conforms" if self.passes(strict) else "DOES NOT CONFORM"
        if strict and self.conforms and not self.passes(strict):
            verdict += " with --strict, where warnings fail"
        lines.append(f"{self.subject}: {verdict} ({self.counts_text()}).")
        if counts["Info"] and not verbose:
            lines.append(f"{counts['Info']} notes (sh:Info) not listed; --verbose lists them.")
        checked = f"Checked {self.triples} triples"
        if self.shapes is not None:
            checked += f" against {self.shapes.describe()}"
        lines.append(f"{checked} in {self.seconds:.2f} s.")
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        body = {
            "conforms": self.conforms,
            "counts": self.counts(),
            "triples": self.triples,
            "seconds": round(self.seconds, 4),
            "shapes": self.shapes.as_json() if self.shapes is not None else None,
            "results": [r.as_json() for _, items in self.grouped() for r in items],
        }
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"

    def to_turtle(self) -> str:
        """The W3C SHACL validation report graph as pyshacl produced it."""
        for prefix, namespace in PREFIXES.items():
            self.graph.bind(prefix, namespace, override=True, replace=True)
        return self.graph.serialize(format="turtle")


def results_from_graph(report: Graph, labels: dict[Node, str]) -> tuple[ValidationResult, ...]:
    """The sh:ValidationResult nodes of a pyshacl report graph as :class:`ValidationResult` objects."""
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(node, SH.focusNode)
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        severity = report.value(node, SH.resultSeverity)
        component = report.value(node, SH.sourceConstraintComponent)
        messages = [str(m) for m in report.objects(node, SH.resultMessage)]
        results.append(
            ValidationResult(
                focus_node=f"_:{focus}" if isinstance(focus, BNode) else str(focus),
                focus=compact(focus) or "?",
                label=labels.get(focus) if focus is not None else None,
                path=path_text(report, path),
                value=None if value is None else literal_text(value),
                message=compact_text(" ".join(sorted(messages))) or "(no message)",
                severity=str(severity).removeprefix(str(SH)) if severity is not None else "Violation",
                source_shape=compact(report.value(node, SH.sourceShape)) or "?",
                constraint=str(component).removeprefix(str(SH)) if component is not None else "?",
            )
        )
    return tuple(sorted(results, key=lambda r: (r.focus, r.path or "", r.message, r.value or "")))
