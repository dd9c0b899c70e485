"""Which store the server answers from, decided once at start-up from the settings.

* default (``make serve``): the curated graph built and validated in memory;
* ``--store DIR``: the on-disk store in DIR, reopened as it is or rebuilt when the sources changed
  (``persist.py``); the query workers open a read-only checkpoint of it, so nothing is reloaded;
* ``--load FILE ...``: big RDF files bulk-loaded alongside, each in ``graph/loaded/<name>`` (``bulkload.py``);
* ``--backend URL``: a remote SPARQL 1.1 endpoint answers ``/sparql`` and the pages (``remote.py``).

Whatever answers, a bounded result cache (``cache.py``) sits in front of it.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rdflib import Dataset

from dataclasses import dataclass

from jakgraph.build.pipeline import BuiltGraph, build_graph
from jakgraph.stores.loaded import load_file
from jakgraph.engine.cache import CachingEngine, ResultCache
from jakgraph.settings import Settings
from jakgraph.errors import JakgraphError

__all__ = ["StoreOrigin", "make_engine", "open_graph"]


@dataclass(frozen=True)
class StoreOrigin:
    """Where the served graph came from: ``built`` (in memory), ``created``/``reused``/``rebuilt`` (an
    on-disk store), or ``remote``; the fingerprint of the curated sources it was built from."""

    status: str
    fingerprint: str
    loaded: tuple[str, ...] = ()

    def describe(self, settings: Settings) -> str:
        """One line for the start-up message."""
        if self.status == "remote":
            return f"answering from {settings.backend_url}"
        loaded = f", {len(self.loaded)} file(s) loaded alongside" if self.loaded else ""
        if settings.store_dir is not None:
            how = {"reused": "reopened as it was", "rebuilt": "sources changed: curated graphs rebuilt",
                   "created": "created"}.get(self.status, self.status)
            return f"store {settings.store_dir} ({how}{loaded})"
        return f"in-memory store{loaded}"


def open_graph(settings: Settings) -> tuple[BuiltGraph, StoreOrigin]:
    """The graph to serve: built in memory, opened from ``store_dir``, or a remote store's read view."""
    backend = getattr(settings, "backend_url", None)
    files = [Path(f) for f in getattr(settings, "load_files", ()) or ()]
    if backend:
        if files or settings.store_dir is not None:
            raise JakgraphError("--backend serves a remote store: load files into that store, not here "
                                "(--load and --store do not go with --backend)")
        if settings.update_token:
            raise JakgraphError("--backend serves a remote store read-only: curator writes go to that store "
                                "itself (its own update endpoint), so no update token here")
        from jakgraph.stores.remote import RemoteStore

        store = RemoteStore(backend, timeout=settings.query_timeout)
        try:
            store.count()
        except JakgraphError as err:
            raise JakgraphError(f"--backend {backend}: {err}") from None
        built = BuiltGraph(dataset=Dataset(), store=store, derived_counts={}, validation=None)  # type: ignore[arg-type]
        return built, StoreOrigin("remote", "remote:" + backend)
    status: str  # an on-disk store's Status, or "built"
    if settings.store_dir is not None:
        from jakgraph.stores.ondisk import open_persistent

        opened = open_persistent(settings.store_dir, validate=True)
        built, status, fingerprint = opened.built, opened.status, opened.fingerprint
    else:
        from jakgraph.stores.ondisk import curated_fingerprint

        built, status, fingerprint = build_graph(validate=True), "built", curated_fingerprint()
    loaded = tuple(load_file(built.store, path, progress=sys.stderr).graph for path in files)
    if files:
        built.store.flush()
    return built, StoreOrigin(status, fingerprint, loaded)


def make_engine(graph: BuiltGraph, settings: Settings, embedded: Callable[[BuiltGraph, Settings], Any],
                origin: StoreOrigin | None = None) -> Any:
    """The engine behind /sparql: the remote endpoint or ``embedded(graph, settings)``, behind the cache."""
    backend = getattr(settings, "backend_url", None)
    if backend:
        from jakgraph.stores.remote import RemoteEngine

        inner: Any = RemoteEngine(backend, timeout=settings.query_timeout)
    else:
        inner = embedded(graph, settings)
    cache_bytes = int(getattr(settings, "cache_bytes", 64 * 1024 * 1024))
    if cache_bytes <= 0:
        return inner
    cache = ResultCache(max_bytes=cache_bytes, max_entries=int(getattr(settings, "cache_entries", 4096)),
                        fingerprint=origin.fingerprint if origin is not None else "")
    return CachingEngine(inner, cache)
