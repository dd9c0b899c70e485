"""Serialise the graph in every RDF format users load into their own stores, and the exchange files beside.

The exchange files (:func:`write_exchange`) carry the same graph in the field's own forms: nanopublications
(one per letter statement, TriG), SSSOM mappings; the KGX pair is written by ``publish.kgx``.
"""
from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph

from jakgraph import formats
from jakgraph.formats import ResultFormat
from jakgraph.namespaces import PREFIXES
from jakgraph.publish.checksum import write_checksum
from jakgraph.publish.nanopub import write_nanopubs
from jakgraph.publish.sssom import write_sssom

#: the exchange files' names in dist/ (the download page and VoID/DCAT describe them by these names)
NANOPUBS_FILE = "jakgraph.nanopubs.trig"
SSSOM_FILE = "jakgraph.sssom.tsv"


#: the dumps, by the name ``jakgraph export --format`` takes (rdflib writes them, with the project prefixes)
EXPORT_FORMATS: dict[str, ResultFormat] = {
    "ttl": formats.TURTLE,
    "nt": formats.N_TRIPLES,
    "nq": formats.N_QUADS,
    "trig": formats.TRIG,
    "jsonld": formats.JSON_LD,
    "xml": formats.RDF_XML,
}


def export_format(name: str) -> ResultFormat:
    """The export format a name (or any alias of it in ``formats.py``) names; FormatNotSupported otherwise."""
    return EXPORT_FORMATS.get(name) or formats.format_named("graph", name, tuple(EXPORT_FORMATS.values()))


def union_graph(dataset: Dataset) -> Graph:
    """All named graphs merged into one triple graph, for the triple-only formats."""
    merged = Graph()
    for name, namespace in PREFIXES.items():
        merged.bind(name, namespace, override=True, replace=True)
    for graph in dataset.graphs():
        for triple in graph:
            merged.add(triple)
    return merged


def serialise(dataset: Dataset, name: str) -> bytes:
    fmt = export_format(name)
    source = dataset if fmt.quads else union_graph(dataset)
    return source.serialize(format=fmt.rdflib, encoding="utf-8")


def write_export(dataset: Dataset, name: str, output: Path) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(serialise(dataset, name))
    return output


def write_exchange(store, folder: Path, *, key_file: Path | None = None) -> list[Path]:  # noqa: ANN001 - ox.Store
    """The nanopublications (TriG, signed when ``key_file`` is given) and the SSSOM mappings, with checksums."""
    nanopubs, _ = write_nanopubs(store, folder / NANOPUBS_FILE, key_file=key_file)
    write_checksum(nanopubs)
    return [nanopubs, write_sssom(store, folder / SSSOM_FILE)]
