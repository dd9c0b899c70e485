"""``jakgraph load FILE ... --store DIR``: bulk-load big RDF files into an on-disk store, one graph each."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jakgraph.errors import JakgraphError
from jakgraph.formats import names
from jakgraph.settings import Settings
from jakgraph.stores.loaded import (
    check_load_limits,
    graph_name_for,
    load_file,
    loaded_graphs,
    unload,
)
from jakgraph.stores.ondisk import open_store_dir


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "load",
        help="bulk-load RDF files and OBO ontologies (e.g. MONDO, HPO) into an on-disk store, each into graph/loaded/<name>",
        description="Stream big RDF files (Turtle, N-Triples, N-Quads, TriG, RDF/XML, OWL, JSON-LD), OBO "
                    "ontologies (.obo, as OBO-in-OWL RDF) and HPO annotations (.hpoa; all optionally .gz) into "
                    "the store in DIR, each into its own named graph "
                    "https://w3id.org/jakgraph/graph/loaded/<name>. A file that does not parse leaves "
                    "the store as it was. `jakgraph serve --store DIR` then serves them with the curated graph.",
    )
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="RDF, .obo or .hpoa files to load")
    parser.add_argument("--store", type=Path, required=True, metavar="DIR",
                        help="the store directory (created if missing; the one `serve --store` uses)")
    parser.add_argument("--name", help="graph name for a single FILE (default: the file name without extensions)")
    parser.add_argument("--format", choices=names("graph"), help="RDF format (default: from the extension)")
    parser.add_argument("--no-replace", action="store_true",
                        help="refuse a FILE whose graph is already loaded (default: replace it)")
    parser.add_argument("--list", action="store_true", help="list the loaded graphs with their sizes")
    parser.add_argument("--drop", action="append", default=[], metavar="NAME", help="remove a loaded graph")
    parser.add_argument("--batch", type=int, default=None, metavar="N",
                        help="commit every N triples: bounded memory for files of any size, a little slower "
                             "(default: one bulk load per file, fastest)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress line")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not args.files and not args.list and not args.drop:
        raise JakgraphError("give FILE(s) to load, --list or --drop NAME")
    if args.batch is not None and args.batch < 1:
        raise JakgraphError("--batch must be at least 1")
    if args.name and len(args.files) != 1:
        raise JakgraphError("--name goes with exactly one FILE")
    names = [args.name] if args.name else [graph_name_for(f) for f in args.files]
    if len(set(names)) != len(names):
        raise JakgraphError("two files would load into the same graph; load them one by one with --name")
    settings = Settings()
    for path in args.files:   # the input limits before any parser (and before the store is opened)
        check_load_limits(path, settings, args.format)
    store = open_store_dir(args.store)
    for name in args.drop:
        print(f"dropped graph/loaded/{name}" if unload(store, name) else f"no graph/loaded/{name}")
    for path, name in zip(args.files, names, strict=True):
        result = load_file(store, path, name=name, fmt=args.format, replace=not args.no_replace,
                           progress=False if args.quiet else sys.stderr, batch=args.batch)
        print(f"{result.triples:,} triples from {path} into <{result.graph}> in {result.seconds:.1f}s")
    store.flush()
    if args.list:
        graphs = loaded_graphs(store, counts=True)
        print(f"{len(graphs)} loaded graph(s) in {args.store}:")
        for graph in graphs:
            print(f"  {graph.triples:>10,}  {graph.iri}")
    return 0
