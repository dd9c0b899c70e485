"""``jakgraph validate [FILE ...]``: check the curated graph, or the given RDF files, against the shapes.

Without files: the curated graph as ``jakgraph build`` makes it (ontology, letter, background and derived
triples). With files: those files merged, with the ontology. Exit status: 0 when it conforms (no
sh:Violation; with ``--strict`` no sh:Warning either), 1 when it does not, 2 when a file cannot be read.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jakgraph.errors import JakgraphError
from jakgraph.policy.limits import check_rdf_file
from jakgraph.settings import Settings
from jakgraph.stores.loaded import detect_format

FORMATS = ("text", "turtle", "json")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "validate",
        help="check the curated graph, or RDF files, against the SHACL shapes",
        description=(
            "Validate the curated graph (ontology + letter + background + derived), or the given RDF files "
            "merged with the ontology, against the SHACL shapes in shapes/. The text report groups the "
            "problems by node. Exit 0: conforms; 1: does not conform; 2: a file cannot be read."
        ),
    )
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="RDF files to validate (default: the curated graph)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    parser.add_argument("--strict", action="store_true", help="warnings (sh:Warning) fail too")
    parser.add_argument("--verbose", "-v", action="store_true", help="list notes (sh:Info) in the text report too")
    parser.add_argument("--shapes", type=Path, default=None, metavar="PATH", help="a shapes file or folder (default: shapes/)")
    parser.add_argument("--output", "-o", type=Path, default=None, metavar="FILE", help="write the report here instead of stdout")
    parser.set_defaults(handler=run)


def check_limits(files: list[Path]) -> None:
    """The RDF input limits on each file (one line and exit 2 when one is over), before any parser."""
    settings = Settings()
    for path in files:
        try:
            fmt = detect_format(path)
        except JakgraphError:   # an extension the loader does not know: the validator's parser says why
            continue
        check_rdf_file(path, fmt, settings)


def run(args: argparse.Namespace) -> int:
    # lazy: pyshacl and rdflib's SPARQL engine; `jakgraph --help` imports every command module
    from jakgraph.build.pipeline import validate_curated
    from jakgraph.build.validation import load_shapes, validate_files

    check_limits(args.files)
    shapes = load_shapes(args.shapes) if args.shapes is not None else None
    outcome = validate_files(args.files, shapes) if args.files else validate_curated(shapes)
    report = outcome.report
    assert report is not None
    if args.format == "json":
        text = report.to_json()
    elif args.format == "turtle":
        text = report.to_turtle()
    else:
        text = report.to_text(verbose=args.verbose, strict=args.strict)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
        verdict = "conforms" if report.passes(args.strict) else "does not conform"
        print(f"{report.subject}: {verdict} ({report.counts_text()}); report written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0 if report.passes(args.strict) else 1
