"""``/prefixes``: the project prefixes, which every query may use without declaring them.

By content negotiation (or ``format=``): JSON (prefix → namespace, the default), a JSON-LD context,
Turtle (SHACL ``sh:declare`` entries, as in the Service Description), a plain-text or HTML table, and
the SPARQL ``PREFIX`` lines (``application/sparql-query``) to paste in front of a query.
"""
from __future__ import annotations

import html
import json

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import Graph, URIRef

from jakgraph.formats import JSON_LD, TURTLE
from jakgraph.namespaces import PREFIXES, sparql_prologue
from jakgraph.web.negotiation import Offer, choose, offer_named
from jakgraph.web.routers.sparql import CORS_HEADERS, sparql_options
from jakgraph.web.service_description import add_prefix_declarations

__all__ = ["router"]

router = APIRouter(tags=["SPARQL 1.1 Protocol"])

_OFFERS = (
    Offer(("application/json",), "json", ("json",)),
    Offer((JSON_LD.media_type,), "jsonld", ("jsonld", "json-ld")),
    Offer((TURTLE.media_type,), "ttl", ("ttl", "turtle")),
    Offer(("text/html", "application/xhtml+xml"), "html", ("html",)),
    Offer(("text/plain",), "txt", ("txt", "text", "plain")),
    Offer(("application/sparql-query",), "sparql", ("sparql", "rq")),
)
_MEDIA = {offer.value: offer.media_types[0] for offer in _OFFERS}


def _render(kind: str, prefixes_url: str) -> tuple[bytes, str]:
    if kind == "json":
        return json.dumps(PREFIXES, indent=2).encode(), "application/json"
    if kind == "jsonld":
        return json.dumps({"@context": PREFIXES}, indent=2).encode(), JSON_LD.content_type
    if kind == "ttl":
        graph = Graph()
        for name, namespace in PREFIXES.items():
            graph.bind(name, namespace, override=True, replace=True)
        add_prefix_declarations(graph, URIRef(prefixes_url))
        return graph.serialize(format=TURTLE.rdflib, encoding="utf-8"), TURTLE.content_type
    if kind == "sparql":
        return sparql_prologue().encode(), "application/sparql-query; charset=utf-8"
    width = max(len(name) for name in PREFIXES) + 1
    if kind == "txt":
        lines = [f"{'prefix'.ljust(width)}  namespace", f"{'-' * width}  {'-' * 9}"]
        lines += [f"{(name + ':').ljust(width)}  {namespace}" for name, namespace in PREFIXES.items()]
        return ("\n".join(lines) + "\n").encode(), "text/plain; charset=utf-8"
    rows = "\n".join(f"<tr><td><code>{html.escape(name)}:</code></td><td><code>{html.escape(ns)}</code></td></tr>"
                     for name, ns in PREFIXES.items())
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>jakgraph prefixes</title>"
            "</head><body><h1>Prefixes</h1><p>Every query sent to <a href=\"sparql\">/sparql</a> may use these "
            "prefixes without declaring them.</p>\n<table><thead><tr><th>prefix</th><th>namespace</th></tr>"
            f"</thead><tbody>\n{rows}\n</tbody></table></body></html>\n")
    return page.encode(), "text/html; charset=utf-8"


@router.api_route("/prefixes", methods=["GET", "HEAD"], name="prefixes", response_class=Response,
                  summary="The project prefixes (JSON, JSON-LD context, Turtle, text, HTML, SPARQL PREFIX lines)")
def prefixes(request: Request, format: str | None = None) -> Response:  # noqa: A002 - the protocol's name
    headers = {**CORS_HEADERS, "Vary": "Accept"}
    if format is not None:
        named = offer_named(_OFFERS, format)
        kind = named.value if named is not None else None
        if kind is None:
            known = ", ".join(sorted(name for o in _OFFERS for name in o.names))
            return Response(f"format={format!r} is not one of: {known}\n", status_code=400, headers=headers,
                            media_type="text/plain; charset=utf-8")
    else:
        kind = choose(request.headers.get("accept"), [o.value for o in _OFFERS], [o.media_types for o in _OFFERS])
        if kind is None:
            listing = ", ".join(_MEDIA.values())
            return Response(f"none of the accepted media types is available; available: {listing}\n",
                            status_code=406, headers=headers, media_type="text/plain; charset=utf-8")
    body, media_type = _render(str(kind), str(request.url.replace(query="", fragment="")))
    return Response(body, headers={**headers, "Content-Type": media_type})


@router.options("/prefixes", include_in_schema=False)
def prefixes_options(request: Request) -> Response:
    return sparql_options(request, allow="GET, HEAD, OPTIONS")
