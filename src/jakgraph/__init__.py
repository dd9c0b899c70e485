"""jakgraph: the evidence on JAK inhibitors in monogenic type I interferonopathies as a linked-data graph.

The public API is small: build the graph, get its store, serve it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jakgraph.errors import (
    FormatNotSupported,
    JakgraphError,
    QuerySyntaxError,
    QueryTimeoutError,
    ResultLimitError,
    SourceError,
    ValidationFailed,
)
from jakgraph.namespaces import BASE, PREFIXES

__version__ = "0.1.0"

if TYPE_CHECKING:
    from jakgraph.build.pipeline import BuiltGraph, build_graph, write_dumps


def __getattr__(name: str) -> Any:
    """``BuiltGraph``, ``build_graph`` and ``write_dumps`` load on first use (they bring rdflib's SPARQL
    engine and pyshacl), so that commands and workers that do not build start fast."""
    if name in ("BuiltGraph", "build_graph", "write_dumps"):
        from jakgraph.build import pipeline as build  # lazy: pyshacl and rdflib's SPARQL engine

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "BASE",
    "PREFIXES",
    "BuiltGraph",
    "FormatNotSupported",
    "JakgraphError",
    "QuerySyntaxError",
    "QueryTimeoutError",
    "ResultLimitError",
    "SourceError",
    "ValidationFailed",
    "build_graph",
    "write_dumps",
]
