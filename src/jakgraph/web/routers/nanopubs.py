"""``/np/<Trusty code>``: each nanopublication of the letter's statements at its own IRI, by negotiation.

Why a router of its own: a nanopublication is four named graphs under one Trusty URI, so its RDF forms are
quad formats (TriG, N-Quads, JSON-LD), which the resource pages (triples of one subject) do not offer. The
set is computed from the store being served (``publish.nanopub``), once per store generation, so an evidence
card and its nanopublication always agree. ``/np/`` lists them, the index nanopublication first.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from jakgraph import formats
from jakgraph.namespaces import NANOPUB
from jakgraph.publish.nanopub import Nanopublication, by_code, cached_nanopubs
from jakgraph.web import linkeddata
from jakgraph.web.linkeddata import Representation
from jakgraph.web.templating import render, templates

router = APIRouter(tags=["nanopublications"])

#: the representations of a nanopublication, in the server's order after HTML: its quad formats, from the one
#: format table (through ``linkeddata.Representation``, as the resource pages use)
FORMATS: tuple[Representation, ...] = (
    linkeddata.HTML,
    Representation("trig", formats.TRIG.title, formats.TRIG.extension, formats.TRIG.media_types, formats.TRIG),
    Representation("nquads", formats.N_QUADS.title, formats.N_QUADS.extension, formats.N_QUADS.media_types,
                   formats.N_QUADS),
    linkeddata.JSON_LD,
)
BY_EXTENSION = {f.extension: f for f in FORMATS}


def nanopubs_of(request: Request) -> list[Nanopublication]:
    state = request.app.state.jak
    return cached_nanopubs(state.graph.store, getattr(state.engine, "generation", 0))


def nanopub_path(request: Request, statement: str) -> str | None:
    """The server path of a statement's nanopublication (``/np/RA…``), or None: for the evidence card."""
    found = next((n for n in nanopubs_of(request) if n.statement == statement), None)
    return f"/np/{found.artifact_code}" if found is not None else None


templates.env.globals["nanopub_path"] = nanopub_path


def _links(code: str, chosen: str) -> str:
    return ", ".join(f'</np/{code}.{f.extension}>; rel="{"self" if f.extension == chosen else "alternate"}"; '
                     f'type="{f.media_type}"' for f in FORMATS)


def _respond(request: Request, nanopub: Nanopublication, fmt: Representation, negotiated: bool) -> Response:
    headers = {"Link": _links(nanopub.artifact_code, fmt.extension), "Access-Control-Allow-Origin": "*"}
    if negotiated:
        headers["Vary"] = "Accept"
    if fmt.format is None:
        graphs = []
        for part in ("assertion", "provenance", "pubinfo"):
            graph = next((g for g in nanopub.dataset.graphs() if str(g.identifier).endswith("#" + part)), None)
            graphs.append((part, graph.serialize(format="turtle") if graph is not None else ""))
        return render(request, "nanopub.html", {"title": f"Nanopublication: {nanopub.label}", "np": nanopub,
                                                "graphs": graphs, "formats": FORMATS[1:]}, headers=headers)
    body = nanopub.serialize(fmt.format.rdflib)
    return Response(b"" if request.method == "HEAD" else body.encode("utf-8"), media_type=fmt.content_type,
                    headers=headers)


@router.get("/np", include_in_schema=False)
def index_redirect() -> RedirectResponse:
    return RedirectResponse("/np/", status_code=308)


@router.api_route("/np/", methods=["GET", "HEAD"], response_class=HTMLResponse,
                  summary="the nanopublications of the letter's evidence statements")
def index_page(request: Request) -> Response:
    nanopubs = nanopubs_of(request)
    index = next(n for n in nanopubs if n.statement is None)
    return render(request, "nanopub.html", {"title": "Nanopublications", "listing": nanopubs, "index": index,
                                            "np": None, "formats": FORMATS[1:]})


@router.api_route("/np/{name}", methods=["GET", "HEAD"], response_class=HTMLResponse,
                  summary="one nanopublication (TriG, N-Quads, JSON-LD or HTML by content negotiation)")
def nanopub(request: Request, name: str) -> Response:
    code, dot, ext = name.partition(".")
    found = by_code(nanopubs_of(request)).get(code)
    if found is None:
        return PlainTextResponse(f"404 Not Found: no nanopublication <{NANOPUB}{code}> in this release; "
                                 "see /np/ for the list\n", status_code=404)
    if dot:
        fmt = BY_EXTENSION.get(ext)
        if fmt is None:
            return PlainTextResponse(f"404 Not Found: no .{ext} form; try "
                                     + ", ".join(f".{f.extension}" for f in FORMATS) + "\n", status_code=404)
        return _respond(request, found, fmt, negotiated=False)
    fmt = linkeddata.negotiate(request.headers.get("accept"), FORMATS)
    if fmt is None:
        return PlainTextResponse("406 Not Acceptable: a nanopublication is available as "
                                 + ", ".join(f.media_type for f in FORMATS) + "\n", status_code=406,
                                 headers={"Vary": "Accept", "Link": _links(code, "")})
    return _respond(request, found, fmt, negotiated=True)
