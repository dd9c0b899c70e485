"""The researcher's pages: home, query UI with the example gallery, search, and the static files."""
from __future__ import annotations

import json
import mimetypes

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from jakgraph.namespaces import PREFIXES
from jakgraph.views.gallery import load_examples
from jakgraph.views.home import home_context
from jakgraph.views.siteindex import search, site_index
from jakgraph.web.templating import STATIC_DIR, render

router = APIRouter(tags=["pages"])


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse, summary="home page: what the graph holds")
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html", home_context(request))


@router.api_route("/query", methods=["GET", "HEAD"], response_class=HTMLResponse, summary="query UI (YASGUI) with the example gallery")
def query_ui(request: Request) -> HTMLResponse:
    examples = load_examples(request.app.state.jak.graph.store)
    payload = {
        "endpoint": "/sparql",
        "prefixes": PREFIXES,
        "examples": {e.slug: {"query": e.query, "title": e.title} for e in examples},
    }
    return render(request, "query.html", {
        "title": "Query",
        "examples": examples,
        "config_json": json.dumps(payload, ensure_ascii=False).replace("</", "<\\/"),
    })


@router.api_route("/search", methods=["GET", "HEAD"], response_class=HTMLResponse, summary="search resources by label")
def search_page(request: Request, q: str = Query("", max_length=200)) -> HTMLResponse:
    hits = search(site_index(request), q) if q.strip() else []
    return render(request, "search.html", {"title": "Search", "query": q, "hits": hits})


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
def static_file(path: str) -> Response:
    """A file of the package's static folder; anything outside it is 404."""
    root = STATIC_DIR.resolve()
    candidate = (root / path).resolve()
    if ".." in path.split("/") or not candidate.is_relative_to(root) or not candidate.is_file():
        return PlainTextResponse("404 Not Found\n", status_code=404)
    media_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
    return FileResponse(candidate, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})
