"""``jakgraph export``: write the whole graph (curated and derived) in one RDF format."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..build import build_graph
from ..export import EXPORT_FORMATS, serialise, write_export


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("export", help="write the graph as ttl, nt, nq, trig, jsonld or xml")
    parser.add_argument("--format", required=True, choices=sorted(EXPORT_FORMATS), help="RDF format")
    parser.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    built = build_graph(validate=False)
    if args.output is None:
        sys.stdout.buffer.write(serialise(built.dataset, args.format))
    else:
        write_export(built.dataset, args.format, args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0
