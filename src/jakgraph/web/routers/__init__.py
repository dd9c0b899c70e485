"""Every router of the application, in inclusion order. Each module serves one concern."""
from __future__ import annotations

from fastapi import APIRouter

from jakgraph.web.routers import (
    backend,
    dataset,
    downloads,
    examples,
    fallback,
    figures,
    graph_store,
    health,
    nanopubs,
    ontology,
    pages,
    prefixes,
    resources,
    sparql,
    update,
)

ROUTERS: list[APIRouter] = [health.router, update.router, graph_store.router]
# backend mode (issue 13): the explicit bump of the backend's version after a push
ROUTERS += [backend.router]
# the SPARQL 1.1 Protocol for queries and the Service Description (issue 4), the prefixes it knows
ROUTERS += [sparql.router, prefixes.router]
# the researcher's web (issue 5): pages, then the dereferenceable IRI folders
ROUTERS += [pages.router, dataset.router, downloads.router, figures.router, ontology.router, resources.router]
# the exchange formats (issue 12): nanopublications at /np/<Trusty code>, the example queries for SIB tooling
ROUTERS += [nanopubs.router, examples.router]
# keep last: its catch-all /{path:path} answers other IRIs under the base and the helpful 404 page
LAST_ROUTERS: list[APIRouter] = [fallback.router]
