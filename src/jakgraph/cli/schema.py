"""``jakgraph schema [--output FILE.md]``: the schema as Markdown, generated from the SHACL shapes."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "schema",
        help="print the schema (classes, properties, cardinalities, value types, examples) from the shapes",
        description="Generate Markdown documentation of the graph's schema from the SHACL shapes, with one example "
        "value per property taken from the curated graph. `jakgraph schema --output docs/schema.md` keeps the "
        "committed copy up to date.",
    )
    parser.add_argument("--output", "-o", type=Path, default=None, metavar="FILE.md", help="write here instead of stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # lazy: pyshacl and rdflib's SPARQL engine; `jakgraph --help` imports every command module
    from jakgraph.publish.schema_doc import render_curated

    text = render_curated()
    if args.output is None:
        sys.stdout.write(text)
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0
