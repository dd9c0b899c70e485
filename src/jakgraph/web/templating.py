"""Jinja2 templates and the static files of the web pages (no CDN: everything is served from the package)."""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from jakgraph.namespaces import curie
from jakgraph.settings import Settings

WEB_DIR = Path(str(resources.files("jakgraph") / "web"))
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters["curie"] = curie
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True

#: the site's navigation, in the order the header shows it
NAVIGATION: tuple[tuple[str, str], ...] = (
    ("/", "Home"),
    ("/query", "Query"),
    ("/figures/", "Figures"),
    ("/download/", "Downloads"),
    ("/ontology", "Ontology"),
    ("/schema", "Schema"),
    ("/.well-known/void", "Dataset"),
)


def public_url(settings: Settings, path: str = "") -> str:
    """An absolute URL of the public deployment (``Settings.base_url``) for a server path."""
    return settings.base_url.rstrip("/") + "/" + path.lstrip("/")


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    settings: Settings = request.app.state.jak.settings
    base = {"navigation": NAVIGATION, "base_url": settings.base_url, "path": request.url.path}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code,
                                      headers=headers)
