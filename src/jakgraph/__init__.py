"""jakgraph: the evidence on JAK inhibitors in monogenic type I interferonopathies as a linked-data graph.

The public API is small: build the graph, get its store, serve it.
"""
from __future__ import annotations

from .build import BuiltGraph, build_graph, write_dumps
from .errors import (
    FormatNotSupported,
    JakgraphError,
    QuerySyntaxError,
    QueryTimeoutError,
    ResultLimitError,
    SourceError,
    ValidationFailed,
)
from .namespaces import BASE, PREFIXES

__version__ = "0.1.0"

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
