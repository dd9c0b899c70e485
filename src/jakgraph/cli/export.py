"""``jakgraph export``: write the whole graph (curated and derived) in one RDF format."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..build import build_graph
from ..export import EXPORT_FORMATS, serialise, write_export


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("export", help="write the graph as ttl, nt, nq, trig, jsonld, xml or kgx")
    parser.add_argument("--format", required=True, choices=sorted([*EXPORT_FORMATS, "kgx"]),
                        help="RDF format, or kgx for Biolink KGX nodes/edges TSV")
    parser.add_argument("--output", "-o", type=Path,
                        help="file to write (default: standard output); for kgx, the folder (required)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.format == "kgx":
        return _run_kgx(args)
    built = build_graph(validate=False)
    if args.output is None:
        sys.stdout.buffer.write(serialise(built.dataset, args.format))
    else:
        write_export(built.dataset, args.format, args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _run_kgx(args: argparse.Namespace) -> int:
    from ..errors import FormatNotSupported
    from ..kgx import write_kgx

    if args.output is None:
        raise FormatNotSupported("kgx writes two files: give the folder with --output DIR")
    if args.output.exists() and not args.output.is_dir():
        raise FormatNotSupported(f"kgx writes two files: --output {args.output} must be a folder")
    built = build_graph(validate=False)
    for path in write_kgx(built.store, args.output):
        print(f"wrote {path}", file=sys.stderr)
    return 0
