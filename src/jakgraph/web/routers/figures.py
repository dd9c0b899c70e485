"""``/figures/``: the letter's Figure 1 and the disease × drug matrix, drawn as SVG from the served graph."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from jakgraph.views.figures import FIGURES
from jakgraph.web.templating import render

router = APIRouter(tags=["figures"])


@router.get("/figures", include_in_schema=False)
def figures_redirect() -> RedirectResponse:
    return RedirectResponse("/figures/", status_code=308)


@router.api_route("/figures/", methods=["GET", "HEAD"], response_class=HTMLResponse, summary="the figures drawn from the data")
def figures_index(request: Request) -> HTMLResponse:
    return render(request, "figures.html", {"title": "Figures", "figures": [(n, t) for n, (t, _) in FIGURES.items()]})


@router.api_route("/figures/{name}", methods=["GET", "HEAD"], summary="one figure as SVG", responses={200: {"content": {"image/svg+xml": {}}}})
def figure(request: Request, name: str) -> Response:
    entry = FIGURES.get(name)
    if entry is None:
        return PlainTextResponse(f"404 Not Found: no figure {name!r}; see /figures/\n", status_code=404)
    svg = entry[1](request.app.state.jak.graph.store)
    return Response(svg, media_type="image/svg+xml; charset=utf-8", headers={"Cache-Control": "no-cache"})
