"""Generate ``shapes/identifiers.ttl`` from ``reference/identifiers/prefixes.tsv``: the one source of truth
for what an external identifier of each prefix looks like.

Run ``python -m jakgraph.build.identifier_shapes`` after the prefix table changes; a test checks that the file in
``shapes/`` is what this module generates. For every prefix with a local-ID pattern there is one node
shape: a SPARQL target picks the resources that carry an identifier in that prefix's IRI space (as an
object of a SKOS mapping property, owl:sameAs or schema:sameAs), and a SPARQL constraint reports every
such identifier whose local part does not match the pattern. One more shape warns about identifiers in
no known IRI space, and three property shapes check the literal identifiers (jak:doi, jak:pmid,
jak:symbol) against the pattern of their prefix.
"""
from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from jakgraph import paths
from jakgraph.namespaces import BASE, JAK, PREFIXES, SHAPE, SHAPES_IRI

#: the properties whose objects are external identifiers
MAPPING_PROPERTIES: tuple[str, ...] = (
    "skos:exactMatch",
    "skos:closeMatch",
    "skos:broadMatch",
    "skos:narrowMatch",
    "skos:relatedMatch",
    "owl:sameAs",
    "schema:sameAs",
)
#: literal-valued identifier properties and the prefix whose pattern they follow
LITERAL_IDENTIFIERS: dict[str, tuple[str, str]] = {
    "doi": ("doi", "A DOI (jak:doi)"),
    "pmid": ("pubmed", "A PubMed ID (jak:pmid)"),
    "symbol": ("hgnc.symbol", "An HGNC gene symbol (jak:symbol)"),
}

HEADER = """\
# jakgraph SHACL shapes: external identifiers. GENERATED from reference/identifiers/prefixes.tsv by
# `python -m jakgraph.build.identifier_shapes`; do not edit by hand (tests/build/test_validation.py checks it is
# up to date). One shape per prefix with a local-ID pattern: every identifier in that prefix's IRI space
# (an object of skos:exactMatch, closeMatch, broadMatch, narrowMatch, relatedMatch, owl:sameAs or
# schema:sameAs) must end in a local ID matching the prefix's pattern.
"""


@dataclass(frozen=True)
class Prefix:
    """One row of prefixes.tsv: the prefix, its name, local-ID pattern and IRI spaces (head, tail)."""

    prefix: str
    name: str
    pattern: str
    spaces: tuple[tuple[str, str], ...]


def read_prefixes(path: Path | None = None) -> list[Prefix]:
    """The rows of prefixes.tsv with each IRI form the row gives: uri_prefix, rdf_uri_prefix and uri_format."""
    rows: list[Prefix] = []
    with open(path or paths.PREFIXES_PATH, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            spaces: list[tuple[str, str]] = []
            for head in (row.get("uri_prefix", ""), row.get("rdf_uri_prefix", "")):
                if head and (head, "") not in spaces:
                    spaces.append((head, ""))
            uri_format = row.get("uri_format", "")
            if "$1" in uri_format:
                head, tail = uri_format.split("$1", 1)
                if head and (head, tail) not in spaces:
                    spaces.append((head, tail))
            rows.append(Prefix(row["prefix"], row.get("name", "") or row["prefix"], row.get("pattern", ""), tuple(spaces)))
    return rows


def _sparql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _shape_name(prefix: str) -> str:
    return prefix.replace(".", "-")


def _longer_spaces(prefix: Prefix, everything: list[Prefix]) -> list[str]:
    """IRI spaces of *other* prefixes that extend one of this prefix's (omim.ps inside omim)."""
    longer = []
    for other in everything:
        if other.prefix == prefix.prefix:
            continue
        for head, _ in other.spaces:
            if any(head != mine and head.startswith(mine) for mine, _ in prefix.spaces) and head not in longer:
                longer.append(head)
    return longer


def _invalid_body(prefix: Prefix, everything: list[Prefix]) -> str:
    """The graph pattern of an identifier in the prefix's IRI space whose local ID does not match."""
    # SHACL-SPARQL constraints may not use VALUES: the IRI spaces are a UNION of BINDs
    spaces = "\n            UNION ".join(
        f"{{ BIND ({_sparql_string(head)} AS ?space) BIND ({_sparql_string(tail)} AS ?tail) }}" for head, tail in prefix.spaces
    )
    excluded = "".join(
        f"\n            FILTER (!STRSTARTS(STR(?value), {_sparql_string(head)}))" for head in _longer_spaces(prefix, everything)
    )
    return f"""
            $this ?path ?value .
            FILTER (?path IN ({', '.join(MAPPING_PROPERTIES)}) && isIRI(?value))
            {spaces}
            FILTER (STRSTARTS(STR(?value), ?space)){excluded}
            BIND (SUBSTR(STR(?value), STRLEN(?space) + 1) AS ?rest)
            BIND (IF(?tail = "", ?rest, IF(STRENDS(?rest, ?tail), SUBSTR(?rest, 1, STRLEN(?rest) - STRLEN(?tail)), "")) AS ?local)
            FILTER (!REGEX(?local, {_sparql_string(prefix.pattern)}))"""


def _unknown_body(everything: list[Prefix]) -> str:
    """The graph pattern of an identifier of a jakgraph instance in no known IRI space."""
    heads = sorted({head for p in everything for head, _ in p.spaces})
    known = "\n                && ".join(f"!STRSTARTS(STR(?value), {_sparql_string(h)})" for h in heads)
    return f"""
            $this ?path ?value .
            FILTER (isIRI($this) && STRSTARTS(STR($this), {_sparql_string(BASE)}) && !STRSTARTS(STR($this), {_sparql_string(str(JAK))}))
            FILTER (?path IN ({', '.join(MAPPING_PROPERTIES)}) && isIRI(?value)
                && {known})"""


def _target(graph: Graph, shape: URIRef, body: str) -> None:
    """A SPARQL target that selects the candidates with the constraint's own pattern, so that pyshacl
    runs the check once per graph rather than once per node (the constraint still decides)."""
    target = BNode()
    graph.add((shape, SH.target, target))
    graph.add((target, RDF.type, SH.SPARQLTarget))
    graph.add((target, SH.prefixes, SHAPES_IRI))
    graph.add((target, SH.select, Literal(f"\n        SELECT DISTINCT $this WHERE {{{body}\n        }}")))


def generate_shapes(prefixes: list[Prefix] | None = None) -> Graph:
    """The identifier shapes as an rdflib graph."""
    everything = prefixes if prefixes is not None else read_prefixes()
    graph = Graph()
    for name, namespace in PREFIXES.items():
        graph.bind(name, namespace)
    by_prefix = {p.prefix: p for p in everything}

    for order, prefix in enumerate(sorted(everything, key=lambda p: p.prefix), start=1):
        if not prefix.pattern or not prefix.spaces:
            continue
        shape = SHAPE[f"Identifier-{_shape_name(prefix.prefix)}"]
        query = SHAPE[f"Identifier-{_shape_name(prefix.prefix)}-query"]
        body = _invalid_body(prefix, everything)
        spaces_text = ", ".join(f"<{head}…{tail}>" for head, tail in prefix.spaces)
        graph.add((shape, RDF.type, SH.NodeShape))
        graph.add((shape, SH.name, Literal(f"{prefix.name} identifiers ({prefix.prefix})")))
        graph.add((shape, SH.description, Literal(
            f"Identifiers in the IRI space of {prefix.prefix} ({spaces_text}) end in a local ID matching "
            f"{prefix.pattern} (reference/identifiers/prefixes.tsv)."
        )))
        graph.add((shape, SH.order, Literal(order)))
        _target(graph, shape, body)
        graph.add((shape, SH.severity, SH.Violation))
        graph.add((shape, SH.sparql, query))
        graph.add((query, RDF.type, SH.SPARQLConstraint))
        graph.add((query, SH.prefixes, SHAPES_IRI))
        graph.add((query, SH.message, Literal(
            f"{{?value}} is not a valid {prefix.name} identifier ({prefix.prefix}): its local ID \"{{?local}}\" "
            f"must match {prefix.pattern}."
        )))
        graph.add((query, SH.select, Literal(f"\n        SELECT $this ?path ?value ?local WHERE {{{body}\n        }}")))

    unknown = SHAPE["Identifier-known-prefix"]
    unknown_query = SHAPE["Identifier-known-prefix-query"]
    body = _unknown_body(everything)
    graph.add((unknown, RDF.type, SH.NodeShape))
    graph.add((unknown, SH.name, Literal("identifiers from known sources")))
    graph.add((unknown, SH.description, Literal(
        "An external identifier of a jakgraph instance lies in the IRI space of a prefix of "
        "reference/identifiers/prefixes.tsv (ontology terms may align to other vocabularies)."
    )))
    _target(graph, unknown, body)
    graph.add((unknown, SH.severity, SH.Warning))
    graph.add((unknown, SH.sparql, unknown_query))
    graph.add((unknown_query, RDF.type, SH.SPARQLConstraint))
    graph.add((unknown_query, SH.prefixes, SHAPES_IRI))
    graph.add((unknown_query, SH.message, Literal(
        "{?value} is in no IRI space of reference/identifiers/prefixes.tsv: use an identifier from "
        "reference/identifiers/identifiers.tsv, in the IRI form it gives."
    )))
    graph.add((unknown_query, SH.select, Literal(f"\n        SELECT $this ?path ?value WHERE {{{body}\n        }}")))

    for local, (prefix_name, what) in LITERAL_IDENTIFIERS.items():
        known = by_prefix.get(prefix_name)
        if known is None or not known.pattern:
            continue
        node = SHAPE[f"Identifier-{local}-literal"]
        prop = SHAPE[f"Identifier-{local}-literal-form"]
        graph.add((node, RDF.type, SH.NodeShape))
        graph.add((node, SH.name, Literal(f"{what} has the form of {known.prefix}")))
        graph.add((node, SH.targetSubjectsOf, JAK[local]))
        graph.add((node, SH.property, prop))
        graph.add((prop, RDF.type, SH.PropertyShape))
        graph.add((prop, SH.path, JAK[local]))
        graph.add((prop, SH.name, Literal(local)))
        graph.add((prop, SH.order, Literal(90)))
        graph.add((prop, SH.description, Literal(
            f"{what}: a plain string matching {known.pattern} ({known.name}, reference/identifiers/prefixes.tsv)."
        )))
        graph.add((prop, SH.datatype, XSD.string))
        graph.add((prop, SH.pattern, Literal(known.pattern)))
        graph.add((prop, SH.severity, SH.Violation))
        graph.add((prop, SH.message, Literal(f"{what} must be a plain string matching {known.pattern}.")))
    return graph


def render(prefixes: list[Prefix] | None = None) -> str:
    """The Turtle text of shapes/identifiers.ttl."""
    body = generate_shapes(prefixes).serialize(format="turtle")
    return HEADER + "\n" + body


def target_path() -> Path:
    return paths.SHAPES_DIR / "identifiers.ttl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write shapes/identifiers.ttl from reference/identifiers/prefixes.tsv.")
    parser.add_argument("--output", type=Path, default=None, help="where to write (default: shapes/identifiers.ttl)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is not up to date; write nothing")
    args = parser.parse_args(argv)
    output = args.output or target_path()
    text = render()
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            print(f"{output} is not up to date: run python -m jakgraph.build.identifier_shapes", file=sys.stderr)
            return 1
        return 0
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["Prefix", "read_prefixes", "generate_shapes", "render", "main"]
