"""Every router of the application, in inclusion order. Each module serves one concern."""
from __future__ import annotations

from fastapi import APIRouter

from . import fallback, graph_store, health, pages, resources, update

ROUTERS: list[APIRouter] = [health.router, update.router, graph_store.router]
# the researcher's web (issue 5): pages, then the dereferenceable IRI folders
ROUTERS += [pages.router, resources.router]
# keep last: its catch-all /{path:path} answers other IRIs under the base and the helpful 404 page
LAST_ROUTERS: list[APIRouter] = [fallback.router]
