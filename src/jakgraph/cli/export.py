"""``jakgraph export``: write the whole graph (curated and derived) in one RDF format."""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Dataset, Graph

from jakgraph.errors import FormatNotSupported
from jakgraph.namespaces import GRAPH, PREFIXES
from jakgraph.publish.dumps import EXPORT_FORMATS, export_format, serialise, write_export
from jakgraph.publish.kgx import write_kgx
from jakgraph.publish.nanopub import read_private_key, write_nanopubs
from jakgraph.publish.sssom import mappings, write_sssom
from jakgraph.stores.bridge import dataset_to_store
from jakgraph.stores.ondisk import curated_dataset, open_store_dir

if TYPE_CHECKING:
    from jakgraph.build.pipeline import BuiltGraph


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("export", help="write the graph as ttl, nt, nq, trig, jsonld, xml, kgx, nanopub or sssom")
    parser.add_argument("--format", required=True, choices=sorted([*EXPORT_FORMATS, *EXCHANGE_FORMATS]),
                        help="RDF format; kgx for Biolink KGX nodes/edges TSV; nanopub for one nanopublication "
                             "per letter statement and their index (TriG); sssom for the mappings (SSSOM TSV)")
    parser.add_argument("--sign", type=Path, default=None, metavar="KEYFILE",
                        help="nanopub only: sign with this RSA private key (PEM or base64, e.g. ~/.nanopub/id_rsa; "
                             "never commit one); signing changes the Trusty URIs")
    parser.add_argument("--output", "-o", type=Path,
                        help="file to write (default: standard output); for kgx, the folder (required)")
    parser.add_argument("--store", type=Path, default=None, metavar="DIR",
                        help="export the on-disk store in DIR as it is now (with the curators' committed writes) "
                             "instead of building from the source files; stop the server using DIR first, or "
                             "fetch graphs over HTTP with GET /store?graph=IRI")
    parser.add_argument("--by-graph", type=Path, default=None, metavar="FOLDER",
                        help="write one file per named graph into FOLDER (letter.ttl, background.ttl, …), "
                             "to compare with the source folders")
    parser.set_defaults(handler=run)


EXCHANGE_FORMATS = ("kgx", "nanopub", "sssom")


def run(args: argparse.Namespace) -> int:
    if args.format == "kgx":
        return _run_kgx(args)
    if args.format in ("nanopub", "sssom"):
        return _run_exchange(args)
    if getattr(args, "sign", None) is not None:
        raise FormatNotSupported("--sign applies to --format nanopub only")
    dataset = _dataset(args)
    if getattr(args, "by_graph", None) is not None:
        for path in write_by_graph(dataset, args.format, args.by_graph):
            print(f"wrote {path}", file=sys.stderr)
        return 0
    if args.output is None:
        sys.stdout.buffer.write(serialise(dataset, args.format))
    else:
        write_export(dataset, args.format, args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _built() -> BuiltGraph:
    """The graph built from the sources (not validated: export writes what the build would)."""
    from jakgraph.build.pipeline import (
        build_graph,  # lazy: pyshacl and rdflib's SPARQL engine; `jakgraph --help` imports every command module
    )

    return build_graph(validate=False)


def _dataset(args: argparse.Namespace) -> Dataset:
    """The graph to export: built from the sources, or read from the on-disk store (``--store DIR``)."""
    if getattr(args, "store", None) is None:
        return _built().dataset
    store = open_store_dir(args.store, create=False)
    try:
        return curated_dataset(store)
    finally:
        del store


def write_by_graph(dataset: Dataset, fmt_name: str, folder: Path) -> list[Path]:
    """One file per non-empty graph: ``graph/letter`` -> ``letter.ttl``; other IRIs by a readable slug."""
    fmt = export_format(fmt_name)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for graph in sorted(dataset.graphs(), key=lambda g: str(g.identifier)):
        if len(graph) == 0:
            continue
        name = str(graph.identifier)
        if name.startswith(str(GRAPH)):
            slug = name[len(str(GRAPH)):]
        elif name.startswith("urn:x-rdflib:default"):
            slug = "default"
        else:
            slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name.split("://", 1)[-1]).strip("-.") or "graph"
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", slug)
        single: Graph | Dataset
        if fmt.quads:
            single = Dataset()
            target = single.graph(graph.identifier)
        else:
            single = target = Graph()
        for prefix, namespace in PREFIXES.items():
            single.bind(prefix, namespace, override=True, replace=True)
        for triple in graph:
            target.add(triple)
        path = folder / f"{slug}.{fmt.extension}"
        path.write_bytes(single.serialize(format=fmt.rdflib, encoding="utf-8"))
        written.append(path)
    return written


def _run_kgx(args: argparse.Namespace) -> int:
    if args.output is None:
        raise FormatNotSupported("kgx writes two files: give the folder with --output DIR")
    if args.output.exists() and not args.output.is_dir():
        raise FormatNotSupported(f"kgx writes two files: --output {args.output} must be a folder")
    built = _built()
    for path in write_kgx(built.store, args.output):
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _run_exchange(args: argparse.Namespace) -> int:
    """nanopub: all nanopublications and the index in one TriG file; sssom: the SSSOM TSV with its metadata."""
    import tempfile

    if args.format == "sssom" and getattr(args, "sign", None) is not None:
        raise FormatNotSupported("--sign applies to --format nanopub only")
    if getattr(args, "by_graph", None) is not None:
        raise FormatNotSupported(f"--by-graph does not apply to --format {args.format}")
    if getattr(args, "sign", None) is not None:  # an unreadable key stops the export before any work
        read_private_key(args.sign)
    store = _built().store if getattr(args, "store", None) is None else _store_from(args)
    with tempfile.TemporaryDirectory() as scratch:
        target = args.output if args.output is not None else Path(scratch) / "out"
        if args.format == "nanopub":
            _, count = write_nanopubs(store, target, key_file=args.sign)
            note = f"{count} nanopublications and their index" + (" (signed)" if args.sign else "")
        else:
            write_sssom(store, target)
            target.with_name(target.name + ".sha256").unlink(missing_ok=True)
            note = f"{len(mappings(store))} mappings"
        if args.output is None:
            sys.stdout.buffer.write(target.read_bytes())
            print(f"wrote {note}", file=sys.stderr)
        else:
            print(f"wrote {args.output}: {note}", file=sys.stderr)
    return 0


def _store_from(args: argparse.Namespace):  # noqa: ANN202 - pyoxigraph Store
    return dataset_to_store(_dataset(args))
