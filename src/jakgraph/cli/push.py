"""``jakgraph push --to URL``: upload the graph to another SPARQL store with the Graph Store Protocol."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pyoxigraph as ox

from jakgraph.errors import JakgraphError
from jakgraph.policy.limits import check_quads
from jakgraph.settings import Settings
from jakgraph.stores.ondisk import open_persistent
from jakgraph.stores.remote import (
    default_graph_store_url,
    graphs_to_push,
    notify_server,
    push,
    query_endpoint_url,
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "push",
        help="upload the curated graph to a SPARQL store (Graph Store Protocol PUT, graph by graph)",
        description="Build and validate the curated graph (or open --store DIR) and PUT each named graph "
                    "to the remote store's SPARQL 1.1 Graph Store Protocol endpoint; PUT replaces, so a "
                    "push can be repeated. Then count each graph through the query endpoint.",
    )
    parser.add_argument("--to", required=True, metavar="URL",
                        help="the remote SPARQL query endpoint (http://host:7878 means Oxigraph's /query)")
    parser.add_argument("--graph-store", metavar="URL",
                        help="the remote Graph Store Protocol endpoint (default: guessed from --to: "
                             "Oxigraph /store, Fuseki /<ds>/data, Virtuoso /sparql-graph-crud, "
                             "GraphDB /repositories/<id>/rdf-graphs/service)")
    parser.add_argument("--store", type=Path, metavar="DIR", help="push from this on-disk store instead of building")
    parser.add_argument("--with-loaded", action="store_true", help="also push the graphs loaded alongside (--store)")
    parser.add_argument("--graph", action="append", default=[], metavar="IRI", help="push only this graph (repeatable)")
    parser.add_argument("--user", metavar="NAME[:PASSWORD]",
                        help="HTTP credentials (or JAKGRAPH_PUSH_USER); Basic unless --digest")
    parser.add_argument("--digest", action="store_true", help="HTTP Digest authentication (Virtuoso)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per request (default 300)")
    parser.add_argument("--no-verify", action="store_true", help="do not count the graphs on the remote after")
    parser.add_argument("--notify", action="append", default=[], metavar="URL",
                        help="a jakgraph server answering from this store (serve --backend): told after the push, "
                             "so its caches start afresh (repeatable; an unreachable one is only reported)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    query_url = query_endpoint_url(args.to)
    gsp_url = args.graph_store or default_graph_store_url(query_url)
    if args.store is not None:
        store = open_persistent(args.store).store
    else:
        if args.with_loaded:
            raise JakgraphError("--with-loaded needs --store DIR (the loaded graphs live there)")
        from jakgraph.build.pipeline import (
            build_graph,  # lazy: pyshacl and rdflib's SPARQL engine; `jakgraph --help` imports every command module
        )

        store = build_graph(validate=True).store
    graphs = args.graph or graphs_to_push(store, include_loaded=args.with_loaded)
    known = {g.value for g in store.named_graphs()}
    missing = [g for g in graphs if g not in known]
    if missing:
        raise JakgraphError(f"no such graph here: {', '.join(missing)}")
    settings = Settings()
    for iri in graphs:   # the input limits: the remote store parses what is sent
        check_quads(store.quads_for_pattern(None, None, None, ox.NamedNode(iri)), settings, where=iri)
    print(f"pushing {len(graphs)} graph(s) to {gsp_url}", file=sys.stderr)
    user = args.user or os.environ.get("JAKGRAPH_PUSH_USER") or None
    results = push(store, graphs, to=query_url, graph_store=gsp_url, user=user, digest=args.digest,
                   timeout=args.timeout, verify=not args.no_verify)
    total = sum(r.triples for r in results)
    checked = "" if args.no_verify else f"; {query_url} counts the same"
    print(f"pushed {len(results)} graph(s), {total} triples{checked}")
    for server in args.notify:
        print(notify_server(server))
    return 0
