"""``/download/``: the dumps ``jakgraph build`` wrote to ``dist/`` (RDF and KGX) with their SHA-256 files.

Only names listed in the folder are served, matched exactly: no path ever reaches the file system.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response

from jakgraph import paths
from jakgraph.formats import content_type
from jakgraph.publish.void import DUMP_MEDIA_TYPES, dumps
from jakgraph.web.templating import render

router = APIRouter(tags=["downloads"])


def _files() -> dict[str, str]:
    """name -> Content-Type of every servable file in dist/ (dumps and their .sha256)."""
    folder = paths.DIST_DIR
    if not folder.is_dir():
        return {}
    files: dict[str, str] = {}
    for path in folder.iterdir():
        if not path.is_file():
            continue
        ext = path.suffix.lstrip(".")
        if ext in DUMP_MEDIA_TYPES:
            files[path.name] = content_type(DUMP_MEDIA_TYPES[ext])
        elif ext == "sha256" and path.with_suffix("").suffix.lstrip(".") in DUMP_MEDIA_TYPES:
            files[path.name] = "text/plain; charset=utf-8"
    return files


@router.get("/download", include_in_schema=False)
def download_redirect() -> RedirectResponse:
    return RedirectResponse("/download/", status_code=308)


@router.api_route("/download/", methods=["GET", "HEAD"], response_class=HTMLResponse, summary="the dumps, with sizes and SHA-256 checksums")
def download_index(request: Request) -> HTMLResponse:
    return render(request, "downloads.html", {"title": "Downloads", "dumps": dumps(paths.DIST_DIR),
                                              "folder": str(paths.DIST_DIR)})


@router.api_route("/download/{name}", methods=["GET", "HEAD"], summary="one dump file or its .sha256")
def download_file(name: str) -> Response:
    files = _files()
    if name not in files:
        return PlainTextResponse(f"404 Not Found: no dump named {name!r}; see /download/\n", status_code=404)
    return FileResponse(paths.DIST_DIR / name, media_type=files[name],
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
