"""Build the graph: load the curated sources, derive, validate, and hand back a ready Oxigraph store."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph

from jakgraph import paths
from jakgraph.build.derive import materialise
from jakgraph.build.sources import load_curated
from jakgraph.build.validation import ValidationOutcome, require_conformance, validate_dataset
from jakgraph.namespaces import DERIVED_GRAPH
from jakgraph.publish.checksum import write_checksum
from jakgraph.publish.dumps import EXPORT_FORMATS, write_exchange, write_export
from jakgraph.publish.kgx import write_kgx
from jakgraph.publish.metadata import stamp_ontology
from jakgraph.stores.bridge import dataset_to_store, graph_into


@dataclass
class BuiltGraph:
    """The curated and derived graph, both as an rdflib Dataset (for shapes, exports) and an Oxigraph store."""

    dataset: Dataset
    store: ox.Store
    derived_counts: dict[str, int]
    validation: ValidationOutcome | None = None
    dumps: list[Path] = field(default_factory=list)


def build_graph(*, validate: bool = True) -> BuiltGraph:
    """Load, derive and (by default) validate; raises SourceError or ValidationFailed, never half-builds."""
    dataset = load_curated()
    stamp_ontology(dataset)  # owl:versionIRI / owl:versionInfo of this release
    store = dataset_to_store(dataset)
    counts = materialise(store)
    graph_into(store, ox.NamedNode(str(DERIVED_GRAPH)), dataset.graph(DERIVED_GRAPH))
    outcome = require_conformance(dataset) if validate else None
    return BuiltGraph(dataset=dataset, store=store, derived_counts=counts, validation=outcome)


def validate_curated(shapes: Graph | None = None) -> ValidationOutcome:
    """Build the curated graph (ontology, letter, background, derived) without refusing it, and validate it
    against its shapes (or ``shapes``): what ``jakgraph validate`` reports."""
    built = build_graph(validate=False)
    return validate_dataset(built.dataset, shapes)


def write_dumps(built: BuiltGraph, folder: Path | None = None, *, key_file: Path | None = None) -> list[Path]:
    """One dump per export format, the KGX TSV pair, the nanopublications and the SSSOM mappings under
    ``dist/``, each with a ``.sha256`` file beside it (``key_file``: sign the nanopublications)."""
    target = folder if folder is not None else paths.DIST_DIR
    written: list[Path] = []
    for fmt in EXPORT_FORMATS.values():
        path = write_export(built.dataset, fmt.name, target / f"jakgraph.{fmt.extension}")
        write_checksum(path)
        written.append(path)
    written.extend(write_kgx(built.store, target))
    written.extend(write_exchange(built.store, target, key_file=key_file))
    built.dumps = written
    return written


