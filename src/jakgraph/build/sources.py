"""Read the curated sources (ontology, data, shapes, examples) into named graphs of one rdflib Dataset.

Which folder feeds which named graph is decided here and nowhere else; a file that does not parse stops
the load with its path and line, before anything reaches a store.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from jakgraph import paths
from jakgraph.errors import SourceError
from jakgraph.formats import by_extension
from jakgraph.namespaces import (
    BACKGROUND_GRAPH,
    EXAMPLES_GRAPH,
    LETTER_GRAPH,
    ONTOLOGY_GRAPH,
    PREFIXES,
    SHAPES_GRAPH,
)


@dataclass(frozen=True)
class GraphSource:
    """A folder of curated RDF files and the named graph they are loaded into."""

    graph: URIRef
    folder: Path
    description: str


def curated_sources() -> list[GraphSource]:
    """The curated named graphs, in load order (read at call time so tests may point paths elsewhere)."""
    return [
        GraphSource(ONTOLOGY_GRAPH, paths.ONTOLOGY_DIR, "the jakgraph OWL vocabulary"),
        GraphSource(LETTER_GRAPH, paths.LETTER_DATA_DIR, "facts read from the Banday et al. letter, with provenance"),
        GraphSource(BACKGROUND_GRAPH, paths.BACKGROUND_DATA_DIR, "background facts with their own sources"),
        GraphSource(SHAPES_GRAPH, paths.SHAPES_DIR, "the SHACL shapes"),
        GraphSource(EXAMPLES_GRAPH, paths.EXAMPLES_DIR, "example SPARQL queries (sh:SPARQLExecutable)"),
    ]


def rdf_format(path: Path) -> str:
    """rdflib's parser name for a curated file, by its extension (``formats.py``)."""
    fmt = by_extension(path.suffix) if path.suffix else None
    if fmt is None or not fmt.rdflib:
        raise SourceError(str(path), f"unknown RDF file type {path.suffix!r}")
    return fmt.rdflib


def parse_file(path: Path, into: Graph | None = None) -> Graph:
    """Parse one RDF file; a syntax error becomes a SourceError naming the file and line."""
    graph = into if into is not None else Graph()
    try:
        graph.parse(path, format=rdf_format(path))
    except FileNotFoundError:
        raise SourceError(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SourceError(str(path), f"cannot read: {err}") from None
    except Exception as err:  # rdflib raises many parser-specific exception types
        raise SourceError(str(path), _first_line(err), _line_number(err)) from None
    return graph


def rdf_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix and by_extension(p.suffix) is not None)


def load_curated(sources: list[GraphSource] | None = None) -> Dataset:
    """Every curated file in its named graph; the dataset's default graph stays empty."""
    dataset = Dataset()
    for name, namespace in PREFIXES.items():
        dataset.bind(name, namespace, override=True, replace=True)
    for source in sources if sources is not None else curated_sources():
        graph = dataset.graph(source.graph)
        for path in rdf_files(source.folder):
            parse_file(path, into=graph)
    return dataset


def _first_line(err: Exception) -> str:
    why = getattr(err, "_why", None)  # rdflib's Turtle/N3 BadSyntax: the reason without the file dump
    if isinstance(why, str) and why:
        return f"bad syntax: {why}"
    text = str(err).strip() or type(err).__name__
    return " ".join(text.split())[:300]


def _line_number(err: Exception) -> int | None:
    lines = getattr(err, "lines", None)  # rdflib's BadSyntax counts the newlines before the error
    if isinstance(lines, int) and getattr(err, "_why", None) is not None:
        return lines + 1
    for attr in ("line", "lineno"):
        value = getattr(err, attr, None)
        if isinstance(value, int):
            return value
    match = re.search(r"line[: ]+(\d+)", str(err))
    return int(match.group(1)) if match else None
