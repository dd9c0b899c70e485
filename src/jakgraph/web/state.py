"""The application's state, as one typed object: what every request may need, and nothing found by name.

Why one object: the served graph changes (curator writes, files loaded alongside), and everything derived
from it (query answers, the site index behind /search, VoID statistics, the Service Description) must
follow at once. So the state holds the store's :class:`~jakgraph.stores.generation.StoreGeneration`, every
cache keys on it, and the parts the write path and /ready must reach (the worker pool, the result cache,
the writer) are typed fields, not attributes looked up on whatever object happens to be there.
"""
from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request
from rdflib import Dataset

from jakgraph.build.pipeline import BuiltGraph
from jakgraph.engine.base import QueryEngine
from jakgraph.engine.cache import ResultCache
from jakgraph.engine.execute import ExecutionOptions
from jakgraph.engine.pool import WorkerPool
from jakgraph.namespaces import PREFIXES
from jakgraph.settings import Settings
from jakgraph.stores.generation import StoreGeneration
from jakgraph.stores.ondisk import SNAPSHOTS_SUBDIR
from jakgraph.stores.remote import BackendWatch
from jakgraph.stores.served import StoreOrigin, make_engine, open_graph
from jakgraph.stores.writer import CommitResult, GraphWriter

if TYPE_CHECKING:
    import pyoxigraph as ox

    from jakgraph.views.siteindex import Entry

__all__ = ["AppState", "Caches", "app_state", "embedded_engine"]


@dataclass
class Caches:
    """What the server keeps between requests that is computed from the graph. Each entry remembers the
    store generation it was computed at and is recomputed when the generation has moved on."""

    #: (generation, index) of the site index (views/siteindex.py)
    site_index: tuple[int, list[Entry]] | None = None
    #: Service Description bodies and dataset statistics, by (generation, …) (web/service_description.py)
    service_description: dict[tuple[object, ...], object] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


@dataclass
class AppState:
    settings: Settings
    graph: BuiltGraph
    #: answers /sparql: the result cache in front of the embedded worker pool (``embedded_engine``) or of a
    #: remote endpoint (``stores.served.make_engine``); made from the settings when not given
    engine: QueryEngine = field(default=None)  # type: ignore[assignment]
    #: where the graph came from (in memory, an on-disk store, a remote endpoint); ``stores.open_graph``
    origin: StoreOrigin | None = None
    #: the served store's version: bumped by every committed write and every load; every cache keys on it
    generation: StoreGeneration = field(default_factory=StoreGeneration)
    #: the embedded engine's worker processes (None with a remote backend, or an engine given from outside)
    pool: WorkerPool | None = None
    #: the result cache in front of the engine (None when turned off)
    result_cache: ResultCache | None = None
    #: with ``--backend``: the probe that makes the backend's content the generation (``POST /backend/changed``)
    backend_watch: BackendWatch | None = None
    caches: Caches = field(default_factory=Caches)
    #: the one writer of the live store, made at the first curator write (``writer()``)
    _writer: GraphWriter | None = field(default=None, repr=False)
    _writer_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.engine is None:
            origin = self.origin

            def embedded(graph: BuiltGraph, settings: Settings) -> WorkerPool:
                return embedded_engine(graph, settings, origin)

            served = make_engine(self.graph, self.settings, embedded, self.generation)
            self.engine, self.pool, self.result_cache = served.engine, served.pool, served.cache
            self.backend_watch = served.watch

    @classmethod
    def create(cls, settings: Settings) -> AppState:
        """Build and validate the graph (or open the on-disk store, or the remote one); a graph that does not
        conform raises and the server does not start."""
        generation = StoreGeneration()
        graph, origin = open_graph(settings, generation)
        return cls(settings=settings, graph=graph, origin=origin, generation=generation)

    # -- writes ---------------------------------------------------------------------------------------

    def writer(self) -> GraphWriter:
        """The one GraphWriter of the live store (made on first use); its commits bump ``generation``."""
        with self._writer_lock:
            if self._writer is None:
                self._writer = GraphWriter(self.graph.store, service_allowlist=self.settings.service_allowlist,
                                           generation=self.generation)
                self._writer.listeners.append(self._committed)
            return self._writer

    def _committed(self, store: ox.Store, dataset: Dataset, result: CommitResult) -> None:
        """After a commit (the generation is already bumped, so every cache is stale): the rdflib view of
        the graph follows the store, and the query workers are made to answer from the committed store;
        answers the result cache took from the old workers meanwhile are dropped."""
        self.graph = dataclasses.replace(self.graph, dataset=dataset, derived_counts=result.derived_counts)
        if self.pool is not None:
            self.pool.reload()  # returns once queries see the committed store
        if self.result_cache is not None:
            self.result_cache.invalidate()


def app_state(request: Request) -> AppState:
    """FastAPI dependency: the application's state."""
    state: AppState = request.app.state.jak
    return state


def embedded_engine(graph: BuiltGraph, settings: Settings, origin: StoreOrigin | None = None) -> WorkerPool:
    """The worker-process pool over the graph's store, configured from the settings (not started yet).

    The workers load in-memory copies of the store, except over an on-disk store (``--store DIR``, or the
    private one of ``--shared-store``, named by ``origin``): then they open read-only checkpoints of it."""
    # Turtle, TriG, N3 and RDF/XML output may use every project prefix (Turtle keeps only those it uses)
    options = ExecutionOptions(max_rows=settings.max_result_rows, base_iri=settings.base_url,
                               prefixes=PREFIXES, output_prefixes=PREFIXES)
    # an on-disk store (--store DIR): the workers open read-only checkpoints of it in DIR/snapshots
    snapshots = settings.store_dir / SNAPSHOTS_SUBDIR if settings.store_dir is not None else None
    if snapshots is None and origin is not None:
        snapshots = origin.snapshots  # --shared-store: the same, in the private temporary store's folder
    return WorkerPool(graph.store, size=settings.query_workers, timeout=settings.query_timeout, options=options,
                      snapshots=snapshots)
