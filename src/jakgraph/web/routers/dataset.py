"""``/.well-known/void``: the dataset description (VoID + DCAT), as a page or as RDF (content negotiation)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from jakgraph import paths
from jakgraph.formats import TURTLE
from jakgraph.publish.void import cached_void, dumps, statistics, void_document_url, void_iri
from jakgraph.web import linkeddata as ld
from jakgraph.web.templating import render

router = APIRouter(tags=["dataset description"])


@router.api_route("/.well-known/void", methods=["GET", "HEAD"], response_class=HTMLResponse,
                  summary="the dataset description: VoID statistics and DCAT metadata")
def void_description(request: Request) -> Response:
    return _serve(request, ld.negotiate(request.headers.get("accept")), negotiated=True)


@router.api_route("/.well-known/void.{extension}", methods=["GET", "HEAD"], include_in_schema=False)
def void_file(request: Request, extension: str) -> Response:
    rep = ld.BY_EXTENSION.get(extension)
    if rep is None:
        return PlainTextResponse("404 Not Found\n", status_code=404)
    return _serve(request, rep, negotiated=False)


def _serve(request: Request, rep: ld.Representation | None, *, negotiated: bool) -> Response:
    state = request.app.state.jak
    headers = {"Link": ", ".join(
        f'</.well-known/void.{r.extension}>; rel="{"self" if r is rep else "alternate"}"; type="{r.media_type}"'
        for r in ld.REPRESENTATIONS)}
    if negotiated:
        headers["Vary"] = "Accept"
    if rep is None:
        return PlainTextResponse("406 Not Acceptable: the dataset description is available as "
                                 + ", ".join(r.media_type for r in ld.REPRESENTATIONS) + "\n",
                                 status_code=406, headers=headers)
    graph = cached_void(state.graph.store, state.settings, generation=state.generation.value)
    if rep is ld.HTML:
        store = state.graph.store
        subsets = [{"iri": g.value, "stats": statistics(store, g.value)}
                   for g in sorted(store.named_graphs(), key=lambda n: n.value)]
        return render(request, "void.html", {
            "title": "Dataset description",
            "dataset_iri": void_iri(state.settings),
            "document": void_document_url(state.settings),
            "stats": statistics(store),
            "subsets": subsets,
            "dumps": dumps(paths.DIST_DIR),
            "turtle": graph.serialize(format=TURTLE.rdflib),
            "formats": ld.RDF_REPRESENTATIONS,
        }, headers=headers)
    assert rep.format is not None
    body = graph.serialize(format=rep.format.rdflib, encoding="utf-8")
    return Response(b"" if request.method == "HEAD" else body, media_type=rep.content_type, headers=headers)
