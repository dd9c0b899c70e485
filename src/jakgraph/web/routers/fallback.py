"""The last route: any other path is tried as an IRI under the base, else answered by the helpful 404 page.

Keep this router last in ``ROUTERS``: its ``/{path:path}`` matches everything.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jakgraph.web.routers.resources import dereference

router = APIRouter(tags=["linked data"])


@router.api_route("/{path:path}", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
def any_other_path(request: Request, path: str) -> Response:
    return dereference(request, path)
