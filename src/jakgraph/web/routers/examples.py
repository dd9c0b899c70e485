"""``/.well-known/sparql-examples``: the example queries where the SIB sparql-examples tooling looks for them.

Why: the SIB/UniProt tools (sparql-examples, sparql-editor) fetch an endpoint's examples from this path as
``sh:SPARQLExecutable`` resources and offer them in their query editors; jakgraph already keeps its
examples in that form (graph:examples), so this serves that graph as it is being served, as Turtle or
JSON-LD by negotiation, readable from any origin (CORS), since those editors run in other sites' pages.
"""
from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from jakgraph.namespaces import EXAMPLES_GRAPH, PREFIXES
from jakgraph.web.negotiation import choose

router = APIRouter(tags=["dataset description"])

#: (media type, aliases, pyoxigraph format), Turtle first (what the tooling asks for by default)
FORMATS: tuple[tuple[str, tuple[str, ...], ox.RdfFormat], ...] = (
    ("text/turtle", ("text/turtle", "application/x-turtle"), ox.RdfFormat.TURTLE),
    ("application/ld+json", ("application/ld+json", "application/json"), ox.RdfFormat.JSON_LD),
)
CORS = {"Access-Control-Allow-Origin": "*", "Vary": "Accept"}


@router.api_route("/.well-known/sparql-examples", methods=["GET", "HEAD"],
                  summary="the example SPARQL queries (sh:SPARQLExecutable) as Turtle or JSON-LD")
def sparql_examples(request: Request) -> Response:
    chosen = choose(request.headers.get("accept"), FORMATS, [f[1] for f in FORMATS])
    if chosen is None:
        return PlainTextResponse("406 Not Acceptable: the example queries are available as "
                                 + ", ".join(f[0] for f in FORMATS) + "\n", status_code=406, headers=CORS)
    media, _, rdf_format = chosen
    store: ox.Store = request.app.state.jak.graph.store
    used = {name: iri for name, iri in PREFIXES.items() if name in ("sh", "rdfs", "schema", "example", "rdf")}
    body = store.dump(format=rdf_format, from_graph=ox.NamedNode(str(EXAMPLES_GRAPH)),
                      prefixes=used if rdf_format is ox.RdfFormat.TURTLE else None)
    content_type = media + "; charset=utf-8"
    return Response(b"" if request.method == "HEAD" else body, media_type=content_type, headers=CORS)


@router.options("/.well-known/sparql-examples", include_in_schema=False)
def sparql_examples_preflight() -> Response:
    return Response(status_code=204, headers={**CORS, "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
                                              "Access-Control-Allow-Headers": "Accept"})
