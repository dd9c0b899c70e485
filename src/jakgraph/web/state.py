"""What every request needs: the settings and the built graph (its Oxigraph store and rdflib dataset)."""
from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from jakgraph.build.pipeline import BuiltGraph
from jakgraph.settings import Settings
from jakgraph.engine.base import QueryEngine
from jakgraph.stores.served import StoreOrigin, make_engine, open_graph


@dataclass
class AppState:
    settings: Settings
    graph: BuiltGraph
    #: answers /sparql; by default the embedded engine over ``graph.store`` (``embedded_engine``) behind
    #: the result cache, or a remote endpoint (``stores.make_engine``)
    engine: QueryEngine = field(default=None)  # type: ignore[assignment]
    #: where the graph came from (in memory, an on-disk store, a remote endpoint); ``stores.open_graph``
    origin: StoreOrigin | None = None

    def __post_init__(self) -> None:
        if self.engine is None:
            self.engine = make_engine(self.graph, self.settings, embedded_engine, self.origin)

    @classmethod
    def create(cls, settings: Settings) -> "AppState":
        """Build and validate the graph (or open the on-disk store, or the remote one); a graph that does not
        conform raises and the server does not start."""
        graph, origin = open_graph(settings)
        return cls(settings=settings, graph=graph, origin=origin)


def app_state(request: Request) -> AppState:
    """FastAPI dependency: the application's state."""
    return request.app.state.jak


def embedded_engine(graph: BuiltGraph, settings: Settings) -> QueryEngine:
    """The worker-process pool over the graph's store, configured from the settings (not started yet)."""
    from jakgraph.engine.execute import ExecutionOptions
    from jakgraph.engine.pool import WorkerPool
    from jakgraph.namespaces import PREFIXES

    # Turtle, TriG, N3 and RDF/XML output may use every project prefix (Turtle keeps only those it uses)
    options = ExecutionOptions(max_rows=settings.max_result_rows, base_iri=settings.base_url,
                               prefixes=PREFIXES, output_prefixes=PREFIXES)
    # an on-disk store (--store DIR): the workers open read-only checkpoints of it in DIR/snapshots
    snapshots = settings.store_dir / "snapshots" if settings.store_dir is not None else None
    return WorkerPool(graph.store, size=settings.query_workers, timeout=settings.query_timeout, options=options,
                      snapshots=snapshots)
