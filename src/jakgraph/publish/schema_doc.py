"""The schema as Markdown, generated from the SHACL shapes (the shapes are the schema's documentation).

For every class of the ontology: the node shape that targets it, its properties (path, cardinality, value
type, severity, one example value taken from the data) and its rules (node-level and SPARQL-based
constraints); then the shapes that apply wherever a property appears, and those that pick their own
targets (provenance, identifiers, known terms). ``jakgraph schema --output docs/schema.md`` writes it.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from jakgraph.build.pipeline import build_graph
from jakgraph.build.report import compact, path_text
from jakgraph.build.validation import GUARDED_GRAPHS, shapes_graph, shapes_summary, to_store
from jakgraph.namespaces import JAK, ONTOLOGY_GRAPH, PREFIXES

#: how the ontology's classes are grouped in the document, in this order (the rest go last)
CLASS_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Entities", ("Drug", "JakInhibitor", "Gene", "Protein", "DrugTarget", "Pathway", "Disease",
                  "MonogenicInterferonopathy", "ClinicalFinding")),
    ("Statements", ("Statement", "TreatmentEvidence", "DrugClassStatement", "Outcome", "AdverseEvent",
                    "NoSignificantAdverseEvents", "TreatmentSwitch", "EvidenceLimitation", "DiseaseCharacteristic",
                    "GeneDiseaseAssociation", "DrugTargetAssertion", "PathwayMembership", "CitationRemark")),
    ("Patients, doses, intervals and durations", ("PatientGroup", "Dose", "MaximumDose", "UsedDose", "ComputedDose",
                                                 "Interval", "WeightBand", "AgeGroup", "Duration", "TreatmentDuration",
                                                 "FollowUp", "TimeToEffect")),
    ("Publications and sources", ("Publication", "Letter", "NumberedReference", "Sentence", "BackgroundSource")),
    ("Controlled values", ("OutcomeType", "Consequence", "SwitchReason", "DosingBasis")),
)
EXAMPLE_WIDTH = 60
_XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass
class PropertyRow:
    shape: URIRef
    path: str
    name: str
    order: float
    cardinality: str
    value_type: str
    severity: str
    message: str
    example: str = "—"


@dataclass
class Rule:
    shape: URIRef
    name: str
    severity: str
    message: str
    kind: str            # "SPARQL" or the node-level constraint parameters used ("sh:xone", ...)


@dataclass
class ClassSection:
    cls: URIRef
    label: str
    definition: str
    superclasses: list[URIRef]
    subclasses: list[URIRef]
    shapes: list[URIRef]
    description: str
    properties: list[PropertyRow] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)


@dataclass
class SharedSection:
    shape: URIRef
    name: str
    description: str
    target: str
    properties: list[PropertyRow] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)


# -- reading the shapes ---------------------------------------------------------------------------


def _text(graph: Graph, node: Node, prop: URIRef, default: str = "") -> str:
    value = graph.value(node, prop)
    return str(value) if value is not None else default


def _severity(shapes: Graph, shape: Node) -> str:
    value = shapes.value(shape, SH.severity)
    return str(value).removeprefix(str(SH)) if value is not None else "Violation"


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def _term(term: Node) -> str:
    if isinstance(term, Literal):
        return json.dumps(str(term), ensure_ascii=False)
    return compact(term) or str(term)


def _cardinality(shapes: Graph, shape: Node) -> str:
    low = shapes.value(shape, SH.minCount)
    high = shapes.value(shape, SH.maxCount)
    qualified = shapes.value(shape, SH.qualifiedMinCount)
    if low is None and qualified is not None:
        low = qualified
    low_text = str(low) if low is not None else "0"
    high_text = str(high) if high is not None else "*"
    return f"{low_text}..{high_text}" if low_text != high_text else low_text


def _value_type(shapes: Graph, shape: Node) -> str:
    parts: list[str] = []
    datatype = shapes.value(shape, SH.datatype)
    if datatype is not None:
        parts.append(_code(compact(datatype) or ""))
    alternatives = shapes.value(shape, SH["or"])
    if alternatives is not None:
        options = [shapes.value(member, SH.datatype) for member in shapes.items(alternatives)]
        if options and all(o is not None for o in options):
            parts.append(" or ".join(_code(compact(o) or "") for o in options))
        else:
            parts.append("one of several shapes (sh:or)")
    cls = shapes.value(shape, SH["class"])
    if cls is not None:
        parts.append(f"a {_code(compact(cls) or '')}")
    qualified = shapes.value(shape, SH.qualifiedValueShape)
    if qualified is not None and shapes.value(qualified, SH["class"]) is not None:
        parts.append(f"a {_code(compact(shapes.value(qualified, SH['class'])) or '')}")
    members = shapes.value(shape, SH["in"])
    if members is not None:
        parts.append("one of " + ", ".join(_code(_term(m)) for m in shapes.items(members)))
    kind = shapes.value(shape, SH.nodeKind)
    if kind is not None and cls is None:
        kinds: dict[Node, str] = {SH.IRI: "an IRI", SH.Literal: "a literal", SH.BlankNode: "a blank node"}
        parts.append(kinds.get(kind, _code(compact(kind) or "")))
    pattern = shapes.value(shape, SH.pattern)
    if pattern is not None:
        parts.append(f"matching {_code(str(pattern))}")
    bounds = []
    for prop, symbol in ((SH.minInclusive, "≥"), (SH.minExclusive, ">"), (SH.maxInclusive, "≤"), (SH.maxExclusive, "<")):
        value = shapes.value(shape, prop)
        if value is not None:
            bounds.append(f"{symbol} {value}")
    if bounds:
        parts.append(", ".join(bounds))
    for prop, symbol in ((SH.lessThan, "<"), (SH.lessThanOrEquals, "≤"), (SH.disjoint, "none of"), (SH.equals, "=")):
        value = shapes.value(shape, prop)
        if value is not None:
            parts.append(f"{symbol} {_code(compact(value) or '')}")
    return "; ".join(p for p in parts if p) or "any"


def _property_rows(shapes: Graph, node_shape: Node) -> list[PropertyRow]:
    rows = []
    for prop in shapes.objects(node_shape, SH.property):
        path = shapes.value(prop, SH.path)
        order = shapes.value(prop, SH.order)
        rows.append(
            PropertyRow(
                shape=prop,  # type: ignore[arg-type]
                path=path_text(shapes, path) or "?",
                name=_text(shapes, prop, SH.name),
                order=float(str(order)) if order is not None else 999.0,
                cardinality=_cardinality(shapes, prop),
                value_type=_value_type(shapes, prop),
                severity=_severity(shapes, prop),
                message=_text(shapes, prop, SH.message),
            )
        )
    return sorted(rows, key=lambda r: (r.order, r.path, str(r.shape)))


_NODE_LEVEL = (SH["or"], SH.xone, SH["and"], SH["not"], SH["class"], SH["in"], SH.closed, SH.hasValue, SH.nodeKind)


def _rules(shapes: Graph, node_shape: Node) -> list[Rule]:
    rules = []
    used = [compact(p) or "" for p in _NODE_LEVEL if shapes.value(node_shape, p) is not None]
    if used:
        rules.append(Rule(node_shape, _text(shapes, node_shape, SH.name), _severity(shapes, node_shape),  # type: ignore[arg-type]
                          _text(shapes, node_shape, SH.message), ", ".join(used)))
    for constraint in shapes.objects(node_shape, SH.sparql):
        rules.append(Rule(node_shape, _text(shapes, node_shape, SH.name), _severity(shapes, node_shape),  # type: ignore[arg-type]
                          _text(shapes, constraint, SH.message), "SPARQL"))
    return rules


def _target_text(shapes: Graph, shape: Node) -> str:
    parts = []
    for prop, words in ((SH.targetClass, "instances of"), (SH.targetSubjectsOf, "subjects of"),
                        (SH.targetObjectsOf, "objects of"), (SH.targetNode, "the node")):
        values = sorted(compact(v) or "" for v in shapes.objects(shape, prop))
        if values:
            parts.append(f"{words} " + ", ".join(_code(v) for v in values))
    if shapes.value(shape, SH.target) is not None:
        parts.append("nodes selected by a SPARQL query")
    return "; ".join(parts)


# -- examples from the data -----------------------------------------------------------------------


def _sparql_path(shapes: Graph, path: Node) -> str:
    if isinstance(path, URIRef):
        return f"<{path}>"
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return f"^({_sparql_path(shapes, inverse)})"
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_sparql_path(shapes, p) for p in shapes.items(alternatives)) + ")"
    for prop, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = shapes.value(path, prop)
        if inner is not None:
            return f"({_sparql_path(shapes, inner)}){suffix}"
    return "/".join(_sparql_path(shapes, p) for p in shapes.items(path))


def _example(store: ox.Store | None, shapes: Graph, prop_shape: Node, focus_pattern: str) -> str:
    """The first value (in IRI/text order) the data has for the property shape's path on a focus node."""
    if store is None:
        return "—"
    path = shapes.value(prop_shape, SH.path)
    if path is None:
        return "—"
    query = f"SELECT ?value WHERE {{ {focus_pattern} ?this {_sparql_path(shapes, path)} ?value . }} ORDER BY STR(?this) STR(?value) LIMIT 1"
    try:
        solutions = store.query(query, prefixes=PREFIXES)
        assert isinstance(solutions, ox.QuerySolutions)
        rows = list(solutions)
    except (SyntaxError, ValueError, OSError):
        return "—"
    if not rows:
        return "—"
    value = rows[0]["value"]
    if isinstance(value, ox.Literal):
        text = value.value
        if len(text) > EXAMPLE_WIDTH:
            text = text[: EXAMPLE_WIDTH - 1] + "…"
        shown = json.dumps(text, ensure_ascii=False)
    else:
        shown = (compact(URIRef(value.value)) or value.value) if isinstance(value, ox.NamedNode) else "_:b"
    return f"`{shown}`".replace("|", "\\|")


def _class_focus(cls: URIRef) -> str:
    return f"?type <{RDFS.subClassOf}>* <{cls}> . ?this a ?type ."


# -- the document -----------------------------------------------------------------------------------


def build_sections(shapes: Graph, ontology: Graph, store: ox.Store | None) -> tuple[list[tuple[str, list[ClassSection]]], list[SharedSection]]:
    classes = sorted(c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) and str(c).startswith(str(JAK)))
    by_class: dict[URIRef, list[URIRef]] = {}
    class_shapes: set[Node] = set()
    for shape in shapes.subjects(SH.targetClass, None):
        for cls in shapes.objects(shape, SH.targetClass):
            by_class.setdefault(cls, []).append(shape)  # type: ignore[arg-type]
            class_shapes.add(shape)

    sections: dict[URIRef, ClassSection] = {}
    for cls in classes:
        local = str(cls).rsplit("/", 1)[-1]
        own = sorted(by_class.get(cls, []), key=lambda s: (str(s).rsplit("/", 1)[-1] != local, str(s)))
        main = [s for s in own if str(s).rsplit("/", 1)[-1] == local]
        section = ClassSection(
            cls=cls,
            label=_text(ontology, cls, RDFS.label, compact(cls) or ""),
            definition=_text(ontology, cls, SKOS.definition),
            superclasses=sorted(o for o in ontology.objects(cls, RDFS.subClassOf) if isinstance(o, URIRef)),
            subclasses=sorted(s for s in ontology.subjects(RDFS.subClassOf, cls) if isinstance(s, URIRef)),
            shapes=own,
            description=_text(shapes, main[0], SH.description) if main else "",
        )
        for shape in own:
            for row in _property_rows(shapes, shape):
                row.example = _example(store, shapes, row.shape, _class_focus(cls))
                section.properties.append(row)
            section.rules.extend(_rules(shapes, shape))
        section.properties.sort(key=lambda r: (r.order, r.path, str(r.shape)))
        sections[cls] = section

    grouped: list[tuple[str, list[ClassSection]]] = []
    placed: set[URIRef] = set()
    for title, names in CLASS_GROUPS:
        members = [sections[JAK[n]] for n in names if JAK[n] in sections]
        placed.update(s.cls for s in members)
        if members:
            grouped.append((title, members))
    rest = [s for c, s in sections.items() if c not in placed]
    if rest:
        grouped.append(("Other classes", rest))

    shared: list[SharedSection] = []
    named_shapes = sorted(
        (s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef) and s not in class_shapes),
        key=lambda s: (_text(shapes, s, SH.name, str(s)).lower(), str(s)),
    )
    for shape in named_shapes:
        shared_section = SharedSection(
            shape=shape,
            name=_text(shapes, shape, SH.name, compact(shape) or ""),
            description=_text(shapes, shape, SH.description),
            target=_target_text(shapes, shape),
        )
        subjects_of = sorted(shapes.objects(shape, SH.targetSubjectsOf), key=str)
        focus = " UNION ".join(f"{{ ?this <{p}> ?any }}" for p in subjects_of)
        target = shapes.value(shape, SH.target)
        select = shapes.value(target, SH.select) if target is not None else None
        if not focus and select is not None:
            focus = f"{{ {select} }}"
        for row in _property_rows(shapes, shape):
            row.example = _example(store, shapes, row.shape, focus + " ." if focus else "") if focus else "—"
            shared_section.properties.append(row)
        shared_section.rules.extend(_rules(shapes, shape))
        shared.append(shared_section)
    return grouped, shared


def _is_a(ontology: Graph, cls: URIRef, ancestors: tuple[URIRef, ...]) -> bool:
    seen, todo = set(), [cls]
    while todo:
        current = todo.pop()
        if current in ancestors:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(o for o in ontology.objects(current, RDFS.subClassOf) if isinstance(o, URIRef))
    return False


def _anchor(text: str) -> str:
    return "".join(ch for ch in text.lower().replace(" ", "-") if ch.isalnum() or ch in "-_")


def _property_table(rows: Iterable[PropertyRow]) -> list[str]:
    lines = [
        "| property | name | count | value | severity | example |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        value_type = row.value_type.replace("|", "\\|")
        path = row.path.replace("|", "\\|")
        lines.append(f"| `{path}` | {row.name} | {row.cardinality} | {value_type} | {row.severity} | {row.example} |")
    return lines


def _rule_lines(rules: Iterable[Rule]) -> list[str]:
    return [f"- **{r.severity}** ({r.kind}, `{compact(r.shape)}`): {r.message}" for r in rules]


def render(shapes: Graph, ontology: Graph, store: ox.Store | None = None) -> str:
    """The Markdown document."""
    grouped, shared = build_sections(shapes, ontology, store)
    summary = shapes_summary(shapes)
    lines = [
        "# jakgraph schema",
        "",
        "Generated from the SHACL shapes in `shapes/` by `jakgraph schema --output docs/schema.md`; do not edit by",
        "hand. Each class lists the properties its shapes check: the property path, how many values a node may have",
        "(`count`), what a value must be, the severity of a failure, and one example value from the curated graph.",
        "`Violation` stops a build; `Warning` is for a curator to look at; `Info` is a note.",
        "",
        f"The shapes: {summary.describe()}.",
        "",
        "## Contents",
        "",
    ]
    for title, members in grouped:
        links = ", ".join(f"[{s.label}](#{_anchor(s.label)})" for s in members)
        lines.append(f"- **{title}**: {links}")
    lines.append("- [Shapes that apply wherever a property appears, or pick their own targets](#shared-shapes)")
    lines.append("")
    for title, members in grouped:
        lines += [f"## {title}", ""]
        for section in members:
            lines += [f"### {section.label}", ""]
            meta = [f"Class `{compact(section.cls)}`"]
            if section.superclasses:
                meta.append("subclass of " + ", ".join(f"`{compact(c)}`" for c in section.superclasses))
            if section.subclasses:
                meta.append("subclasses " + ", ".join(f"`{compact(c)}`" for c in section.subclasses))
            lines += ["; ".join(meta) + ".", ""]
            if section.definition:
                lines += [section.definition, ""]
            if section.description and section.description[:40] != section.definition[:40]:
                lines += [section.description, ""]
            if not section.shapes:
                lines += ["No shape targets this class.", ""]
                continue
            supers = [c for c in section.superclasses if str(c).startswith(str(JAK))]
            if supers:
                lines += ["Also checked as " + ", ".join(f"`{compact(c)}`" for c in supers) + " (a class target reaches subclasses).", ""]
            if _is_a(ontology, section.cls, (JAK.Statement, JAK.PatientGroup)):
                lines += ["Where it comes from (the letter's sentence and references, or a background source): see "
                          "[statement read from the letter](#statement-read-from-the-letter) and "
                          "[statement from a background source](#statement-from-a-background-source).", ""]
            if section.properties:
                lines += _property_table(section.properties) + [""]
            if section.rules:
                lines += ["Rules:", ""] + _rule_lines(section.rules) + [""]
            if not section.properties and not section.rules:
                lines += ["No constraints of its own.", ""]
    lines += [
        "## Shared shapes",
        "",
        "These shapes check a property wherever it appears (`subjects of`), or select their own focus nodes with a",
        "SPARQL query (provenance, identifiers, known terms).",
        "",
    ]
    for shared_section in shared:
        lines += [f"### {shared_section.name}", ""]
        shape_line = f"`{compact(shared_section.shape)}`"
        if shared_section.target:
            shape_line += f": {shared_section.target}"
        lines += [shape_line + ".", ""]
        if shared_section.description:
            lines += [shared_section.description, ""]
        if shared_section.properties:
            lines += _property_table(shared_section.properties) + [""]
        if shared_section.rules:
            lines += ["Rules:", ""] + _rule_lines(shared_section.rules) + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def mask_examples(markdown: str) -> str:
    """The document with every example cell blanked: what must stay equal when only the data changed."""
    out = []
    for line in markdown.splitlines():
        if line.startswith("| `") and line.endswith(" |"):
            cells = line.split(" | ")
            cells[-1] = "… |"
            line = " | ".join(cells)
        out.append(line)
    return "\n".join(out) + "\n"


def render_curated() -> str:
    """The document for the curated graph: its shapes, its ontology and examples from its data."""
    built = build_graph(validate=False)
    ontology = Graph()
    for triple in built.dataset.graph(ONTOLOGY_GRAPH):
        ontology.add(triple)
    store = to_store(t for g in GUARDED_GRAPHS for t in built.dataset.graph(g))
    return render(shapes_graph(built.dataset), ontology, store)


__all__ = ["render", "render_curated", "mask_examples", "build_sections"]
