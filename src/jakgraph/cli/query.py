"""``jakgraph query``: run SPARQL on the built graph and print the results."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyoxigraph as ox

from jakgraph import formats
from jakgraph.errors import JakgraphError, QuerySyntaxError, SourceError
from jakgraph.namespaces import PREFIXES, curie
from jakgraph.settings import Settings

#: --format: the table, a results format (SELECT/ASK) or an RDF format (CONSTRUCT/DESCRIBE), by formats.py name
RESULT_FORMATS = ("csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("ttl", "nt", "jsonld")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("query", help="run a SPARQL query on the built graph")
    parser.add_argument("sparql", nargs="?", help="the query text (project prefixes need no declaration)")
    parser.add_argument("--file", "-f", type=Path, help="read the query from a file")
    parser.add_argument(
        "--format", default="table", choices=["table", *RESULT_FORMATS, *GRAPH_FORMATS], help="output format"
    )
    parser.set_defaults(handler=run)


def read_query(args: argparse.Namespace) -> str:
    if args.file is not None:
        try:
            return args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise SourceError(str(args.file), f"cannot read query file: {getattr(err, 'strerror', None) or err.__class__.__name__}") from None
    if args.sparql:
        return args.sparql
    raise JakgraphError("give a query, or --file FILE")


def run_query(store: ox.Store, text: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    try:
        return store.query(text, use_default_graph_as_union=True, prefixes=PREFIXES)
    except SyntaxError as err:
        raise QuerySyntaxError(f"SPARQL syntax error: {err}") from None


def _text(serialised: bytes | None) -> str:
    """pyoxigraph returns the bytes when given no output file (its stub also allows None)."""
    return (serialised or b"").decode()


def render(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, fmt: str) -> str:
    if isinstance(result, ox.QueryBoolean):
        if fmt in RESULT_FORMATS:
            return _text(result.serialize(format=formats.format_named("solutions", fmt).results))
        return "true" if bool(result) else "false"
    if isinstance(result, ox.QueryTriples):
        rdf = formats.format_named("graph", fmt) if fmt in GRAPH_FORMATS else formats.TURTLE
        return _text(result.serialize(format=rdf.rdf))
    if fmt in RESULT_FORMATS:
        return _text(result.serialize(format=formats.format_named("solutions", fmt).results))
    if fmt in GRAPH_FORMATS:
        raise JakgraphError(f"--format {fmt} is for CONSTRUCT/DESCRIBE; a SELECT gives table, csv, tsv, json or xml")
    return table(result)


def table(solutions: ox.QuerySolutions) -> str:
    names = [v.value for v in solutions.variables]
    rows = [[_cell(row[name]) for name in names] for row in solutions]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    line = "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body, f"({len(rows)} rows)"])


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        short = curie(term.value)
        return short if short != term.value else f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def run(args: argparse.Namespace) -> int:
    # lazy: pyshacl and rdflib's SPARQL engine (the parser behind the query checks); `jakgraph --help` imports
    # every command module
    from jakgraph.build.pipeline import build_graph
    from jakgraph.policy.query import check_query_limits

    text = read_query(args)
    check_query_limits(text, Settings())   # before any parser: a nested query is one line and exit 2, not a crash
    built = build_graph(validate=False)
    output = render(run_query(built.store, text), args.format)
    sys.stdout.write(output if output.endswith("\n") else output + "\n")
    return 0
