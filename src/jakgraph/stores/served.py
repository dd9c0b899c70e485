"""Which store the server answers from, decided once at start-up from the settings.

* default (``make serve``): the curated graph built and validated in memory;
* ``--store DIR``: the on-disk store in DIR, reopened as it is or rebuilt when the sources changed
  (``ondisk.py``); the query workers open a read-only checkpoint of it, so nothing is reloaded;
* ``--load FILE ...``: big RDF files bulk-loaded alongside, each in ``graph/loaded/<name>`` (``loaded.py``);
  in memory (each query worker loads its own copy: fastest queries), or with ``--shared-store`` into a
  private temporary on-disk store whose read-only checkpoints every worker opens (``ondisk.scratch_store``:
  one copy of the data whatever the worker count, slower queries; docs/stores.md "Memory");
* ``--backend URL``: a remote SPARQL 1.1 endpoint answers ``/sparql`` and the pages (``remote.py``).

Whatever answers, a bounded result cache (``engine/cache.py``) sits in front of it, keyed on the store
generation (``generation.py``) that building, opening and loading bump here.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Dataset

from jakgraph.build.pipeline import BuiltGraph, build_graph
from jakgraph.engine.base import QueryEngine
from jakgraph.engine.cache import CachingEngine, ResultCache
from jakgraph.errors import JakgraphError
from jakgraph.settings import Settings
from jakgraph.stores.generation import StoreGeneration
from jakgraph.stores.loaded import load_file, release_memory
from jakgraph.stores.ondisk import (
    SNAPSHOTS_SUBDIR,
    curated_fingerprint,
    open_persistent,
    scratch_store,
)
from jakgraph.stores.remote import BackendWatch, RemoteEngine, RemoteStore

if TYPE_CHECKING:  # the pool module is imported by the embedded engine's factory (web/state.py)
    from jakgraph.engine.pool import WorkerPool

__all__ = ["ServedEngine", "StoreOrigin", "make_engine", "open_graph"]


@dataclass(frozen=True)
class StoreOrigin:
    """Where the served graph came from: ``built`` (in memory), ``created``/``reused``/``rebuilt`` (an
    on-disk store), or ``remote``; the fingerprint of the curated sources it was built from."""

    status: str
    fingerprint: str
    loaded: tuple[str, ...] = ()
    #: the private temporary on-disk store (``--shared-store``), deleted at exit; None otherwise
    scratch: Path | None = None

    @property
    def snapshots(self) -> Path | None:
        """Where the query workers' read-only checkpoints go (None: the workers load in-memory copies)."""
        return self.scratch / SNAPSHOTS_SUBDIR if self.scratch is not None else None

    def describe(self, settings: Settings) -> str:
        """One line for the start-up message."""
        if self.status == "remote":
            return f"answering from {settings.backend_url}"
        loaded = f", {len(self.loaded)} file(s) loaded alongside" if self.loaded else ""
        if settings.store_dir is not None:
            how = {"reused": "reopened as it was", "rebuilt": "sources changed: curated graphs rebuilt",
                   "created": "created"}.get(self.status, self.status)
            return f"store {settings.store_dir} ({how}{loaded})"
        if self.scratch is not None:
            return f"temporary on-disk store {self.scratch}, shared by the query workers, deleted at exit{loaded}"
        return f"in-memory store{loaded}"


def open_graph(settings: Settings, generation: StoreGeneration | None = None) -> tuple[BuiltGraph, StoreOrigin]:
    """The graph to serve: built in memory, opened from ``store_dir``, or a remote store's read view.

    ``generation`` (the served store's) is bumped when the store is built or opened and for each file
    loaded alongside; its fingerprint becomes that of the curated sources."""
    generation = generation if generation is not None else StoreGeneration()
    backend = settings.backend_url
    files = list(settings.load_files)
    if backend:
        if files or settings.store_dir is not None:
            raise JakgraphError("--backend serves a remote store: load files into that store, not here "
                                "(--load and --store do not go with --backend)")
        if settings.update_token:
            raise JakgraphError("--backend serves a remote store read-only: curator writes go to that store "
                                "itself (its own update endpoint), so no update token here")
        store = RemoteStore(backend, timeout=settings.query_timeout)
        try:
            store.count()
        except JakgraphError as err:
            raise JakgraphError(f"--backend {backend}: {err}") from None
        built = BuiltGraph(dataset=Dataset(), store=store, derived_counts={}, validation=None)  # type: ignore[arg-type]
        generation.fingerprint = "remote:" + backend
        generation.bump(f"remote {backend}")
        return built, StoreOrigin("remote", "remote:" + backend)
    status: str  # an on-disk store's Status, or "built"
    scratch: Path | None = None
    if settings.store_dir is not None:
        opened = open_persistent(settings.store_dir, validate=True, generation=generation)
        built, status, fingerprint = opened.built, str(opened.status), opened.fingerprint
    else:
        built, status, fingerprint = build_graph(validate=True), "built", curated_fingerprint()
        if settings.shared_store:  # the curated graphs move to a private on-disk store; the files load there
            scratch = _move_to_scratch(built)
        generation.bump("built in memory" if scratch is None else f"built into {scratch}")
    generation.fingerprint = fingerprint
    automatic = settings.shared_store is None and settings.store_dir is None and bool(files)
    before = resident_bytes() if automatic else None
    loaded = tuple(load_file(built.store, path, progress=sys.stderr, generation=generation).graph for path in files)
    if files:
        built.store.flush()
        release_memory()  # the bulk loader's buffers, freed but still held by the allocator
    after, available = resident_bytes(), memory_available()
    if before is not None and after is not None and available is not None:
        copies = settings.query_workers + 1  # the serving workers and the spare
        if copies_too_big(after - before, copies, available):
            print(f"jakgraph: {copies} in-memory copies of the data ({(after - before) / 2**20:,.0f} MiB each) would "
                  f"not fit in the {available / 2**20:,.0f} MiB available: the query workers share one on-disk "
                  "store instead (--shared-store; --no-shared-store keeps the copies)", file=sys.stderr, flush=True)
            scratch = _move_to_scratch(built)
            release_memory()
    return built, StoreOrigin(status, fingerprint, loaded, scratch)


#: the share of the available memory the workers' in-memory copies may take before the store is shared
MEMORY_SHARE = 0.8


def copies_too_big(copy_bytes: int, copies: int, available_bytes: int) -> bool:
    """Whether ``copies`` in-memory copies of ``copy_bytes`` each would take more than ``MEMORY_SHARE`` of
    ``available_bytes`` (the system's available memory, once the server's own copy is in)."""
    return copy_bytes * copies > MEMORY_SHARE * available_bytes


def resident_bytes() -> int | None:
    """This process's resident memory (Linux ``/proc/self/status``); None elsewhere."""
    return _proc_kib("/proc/self/status", "VmRSS:")


def memory_available() -> int | None:
    """The memory the system can give without swapping (``MemAvailable``); None where unknown."""
    return _proc_kib("/proc/meminfo", "MemAvailable:")


def _proc_kib(path: str, key: str) -> int | None:
    try:
        with open(path, encoding="ascii", errors="replace") as lines:
            for line in lines:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _move_to_scratch(built: BuiltGraph) -> Path:
    """Move the graph's in-memory store into a new private on-disk one (``ondisk.scratch_store``), through an
    N-Quads dump and the bulk loader; the in-memory store is dropped. The scratch folder."""
    shared = scratch_store()
    source = built.store
    dump = shared.directory / "move.nq"
    source.dump(str(dump), format=ox.RdfFormat.N_QUADS)
    shared.store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    dump.unlink()
    for name in source.named_graphs():  # empty named graphs are not in a dump
        shared.store.add_graph(name)
    shared.store.flush()
    built.store = shared.store
    return shared.directory


@dataclass(frozen=True)
class ServedEngine:
    """What answers /sparql, and its parts, typed, for the code that must reach one of them."""

    #: the engine the routes call: the result cache in front of ``pool`` or a remote endpoint
    engine: QueryEngine
    #: the embedded engine's worker processes (None with a remote backend): reloaded after a write, probed
    #: by /ready
    pool: WorkerPool | None = None
    #: the result cache (None when ``cache_bytes`` is 0); keyed on the store generation
    cache: ResultCache | None = None
    #: with a remote backend: what keeps the generation following the backend's content
    watch: BackendWatch | None = None


def make_engine(graph: BuiltGraph, settings: Settings, embedded: Callable[[BuiltGraph, Settings], WorkerPool],
                generation: StoreGeneration) -> ServedEngine:
    """The engine behind /sparql: the remote endpoint or ``embedded(graph, settings)``, behind the cache."""
    pool: WorkerPool | None = None
    watch: BackendWatch | None = None
    inner: QueryEngine
    if settings.backend_url:  # its probed content is the generation; its cached answers age out too
        watch = BackendWatch(settings.backend_url, generation, interval=settings.backend_probe_seconds,
                             timeout=settings.query_timeout)
        inner = RemoteEngine(settings.backend_url, timeout=settings.query_timeout, base_iri=settings.base_url,
                             max_rows=settings.max_result_rows, watch=watch,
                             timeout_parameter=settings.backend_timeout_parameter)
        watch.start()
    else:
        inner = pool = embedded(graph, settings)
    if settings.cache_bytes <= 0:
        return ServedEngine(inner, pool, watch=watch)
    cache = ResultCache(max_bytes=settings.cache_bytes, max_entries=settings.cache_entries, generation=generation,
                        ttl=settings.backend_cache_ttl if settings.backend_url else None)
    return ServedEngine(CachingEngine(inner, cache), pool, cache, watch)
