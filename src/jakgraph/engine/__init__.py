"""Query engines: what answers SPARQL for the endpoint.

``QueryEngine`` (``base.py``) is the interface the web layer uses; ``WorkerPool`` (``pool.py``) is the
embedded implementation over worker processes holding in-memory Oxigraph stores. This package imports
nothing heavy (no rdflib), because worker processes import it at start-up.
"""
from __future__ import annotations

from jakgraph.engine.base import QueryEngine, QueryRequest, QueryResult, ResultKind
from jakgraph.engine.execute import ExecutionOptions, execute
from jakgraph.formats import GRAPH_FORMATS, SOLUTIONS_FORMATS, ResultFormat

__all__ = [
    "GRAPH_FORMATS",
    "SOLUTIONS_FORMATS",
    "ExecutionOptions",
    "QueryEngine",
    "QueryRequest",
    "QueryResult",
    "ResultFormat",
    "ResultKind",
    "execute",
]
