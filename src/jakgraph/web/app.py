"""Wire the application: settings, the graph, the routers. Nothing else happens here."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from jakgraph import __version__
from jakgraph.settings import Settings
from jakgraph.web import guards
from jakgraph.web.routers import LAST_ROUTERS, ROUTERS
from jakgraph.web.routers.sparql import SparqlFastPath
from jakgraph.web.state import AppState


def create_app(settings: Settings | None = None, state: AppState | None = None) -> FastAPI:
    settings = settings if settings is not None else Settings()
    app_state = state if state is not None else AppState.create(settings)
    app = FastAPI(title="jakgraph", version=__version__, docs_url="/api-docs", redoc_url=None, lifespan=_lifespan)
    app.state.jak = app_state
    app.add_middleware(SparqlFastPath)  # innermost: /sparql skips the route table, not the guards
    guards.install(app, settings)
    for router in ROUTERS:
        app.include_router(router)
    for router in LAST_ROUTERS:  # the catch-all for IRIs and the 404 page, after every other route
        app.include_router(router)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the query engine with the server if asked (``warm_start``), stop its workers at shutdown."""
    state = app.state.jak
    if state.settings.warm_start:
        await state.engine.start()
    try:
        yield
    finally:
        await state.engine.close()
