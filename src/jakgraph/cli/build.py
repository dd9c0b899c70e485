"""``jakgraph build``: load ontology and data, derive, validate, write the dumps to dist/."""
from __future__ import annotations

import argparse
from pathlib import Path

from jakgraph.publish.nanopub import read_private_key


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("build", help="load, derive, validate and write dumps to dist/")
    parser.add_argument("--output", type=Path, default=None, help="folder for the dumps (default: dist/)")
    parser.add_argument("--no-validate", action="store_true", help="skip the SHACL check (not for releases)")
    parser.add_argument("--sign", type=Path, default=None, metavar="KEYFILE",
                        help="sign the nanopublications with this RSA private key (PEM or base64; never commit "
                             "one); signing changes their Trusty URIs")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from jakgraph.build.pipeline import (  # lazy: pyshacl and rdflib's SPARQL engine; `jakgraph --help` imports every command module
        build_graph,
        write_dumps,
    )

    if args.sign is not None:  # a key that cannot be read stops the build before anything is written
        read_private_key(args.sign)
    built = build_graph(validate=not args.no_validate)
    dumps = write_dumps(built, args.output, key_file=args.sign)
    quads = len(built.store)
    derived = sum(built.derived_counts.values())
    status = "validated" if built.validation is not None else "NOT validated"
    print(f"built {quads} quads ({derived} derived), {status}; dumps:")
    for path in dumps:
        print(f"  {path}")
    return 0
