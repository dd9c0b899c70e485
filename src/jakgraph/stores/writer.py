"""Curator writes as transactions: apply to a copy, derive, validate with the shapes, commit or refuse.

A write (a SPARQL 1.1 Update, or a Graph Store Protocol PUT/POST/DELETE) never touches the live store
until it has been shown to conform:

1. under the writer lock (one writer at a time), every graph but ``graph:shapes`` is copied into a
   scratch Oxigraph store, and the write is applied there;
2. the derivation rules run on the scratch store (``derive.materialise``), so derived triples are
   judged too;
3. the scratch graphs (with the live shapes put back) are validated with ``validation.validate_graph``
   against the *live* shapes; a write that does not conform raises :class:`WriteNotConforming` carrying
   the SHACL report, and the live store is exactly as before;
4. otherwise the graphs that changed are replaced in the live store by one SPARQL update (Oxigraph
   applies an update atomically), the store is flushed (so the write survives ``kill -9`` when the store
   is on disk), the store generation is bumped (every cache keys on it: ``stores/generation.py``), and
   every commit listener runs (the application's dataset, the query workers' reload).

``graph:shapes`` is not part of the graph store a write sees (shapes change through review, never
through the API), and ``graph:derived`` is recomputed after every write, so a write that puts triples
into either is refused.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph

from jakgraph import formats
from jakgraph.build.derive import materialise
from jakgraph.build.validation import NOT_DATA_GRAPHS, shapes_graph, validate_store
from jakgraph.errors import (
    GraphNotFound,
    QuerySyntaxError,
    ReadOnlyGraph,
    UnsupportedPayload,
    UpdateSyntaxError,
    WriteError,
    WriteNotConforming,
)
from jakgraph.namespaces import DERIVED_GRAPH, LOADED_GRAPHS, PREFIXES, SHAPES_GRAPH
from jakgraph.policy import update as update_policy
from jakgraph.sparql.text import Scan
from jakgraph.stores.bridge import store_to_dataset
from jakgraph.stores.generation import StoreGeneration

log = logging.getLogger("jakgraph.stores.writer")

#: a graph's name as a store lists it (the API names only IRIs and the default graph; a store may hold more)
GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
DEFAULT_GRAPH = ox.DefaultGraph()
SHAPES = ox.NamedNode(str(SHAPES_GRAPH))
DERIVED = ox.NamedNode(str(DERIVED_GRAPH))
#: graphs no write may change: the shapes (reviewed in git) and the derived triples (computed)
READ_ONLY_GRAPHS = {SHAPES: "graph:shapes holds the SHACL shapes, which change through review, not through writes",
                    DERIVED: "graph:derived is computed from the curated graphs after every write"}


@dataclass(frozen=True)
class CommitResult:
    """What a committed (or empty) write did."""

    changed_graphs: tuple[str, ...]
    added: int
    removed: int
    derived_counts: dict[str, int]
    duration_ms: float
    committed: bool

    def as_json(self) -> dict[str, object]:
        return {
            "status": "committed" if self.committed else "unchanged",
            "changed_graphs": list(self.changed_graphs),
            "triples_added": self.added,
            "triples_removed": self.removed,
            "derived": self.derived_counts,
            "duration_ms": round(self.duration_ms, 1),
        }


Listener = Callable[[ox.Store, Dataset, "CommitResult"], None]


@dataclass
class GraphWriter:
    """The single writer of one live store. Thread-safe: writes are serialised by one lock."""

    store: ox.Store
    listeners: list[Listener] = field(default_factory=list)
    service_allowlist: Sequence[str] = ()
    settings: Any = None   # the input limits (jakgraph.policy.limits); None: the defaults
    #: the served store's generation: bumped by every committed write, before the listeners run
    generation: StoreGeneration = field(default_factory=StoreGeneration)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _shapes: Graph | None = field(default=None, repr=False)

    # -- public operations ------------------------------------------------------------------------

    def update(self, text: str, *, base_iri: str | None = None, using_graphs: Sequence[str] = (),
               using_named_graphs: Sequence[str] = ()) -> CommitResult:
        """Run a SPARQL 1.1 Update as one validated transaction."""
        facts = check_update(text, base_iri=base_iri, allowlist=self.service_allowlist, settings=self.settings)
        if using_graphs or using_named_graphs:
            if facts.dataset_clauses:
                raise WriteError("the update names its dataset (USING/WITH) and the request also gives "
                                 "using-graph-uri/using-named-graph-uri: give one or the other")
            text = inject_using(text, facts, using_graphs, using_named_graphs)

        def apply(scratch: ox.Store) -> None:
            # CLEAR GRAPH of a graph that does not exist succeeds, as in stores that keep no empty graphs
            provisional = [ox.NamedNode(g) for g in facts.cleared_graphs if _valid_iri(g)]
            provisional = [g for g in provisional if not scratch.contains_named_graph(g)]
            for graph in provisional:
                scratch.add_graph(graph)
            try:
                scratch.update(text, base_iri=base_iri, prefixes=PREFIXES)
            except SyntaxError as err:
                raise UpdateSyntaxError(f"SPARQL update syntax error: {_one_line(err)}") from None
            except (OSError, ValueError, RuntimeError) as err:
                raise WriteError(f"the update failed: {_one_line(err)}") from None
            for graph in provisional:
                if scratch.contains_named_graph(graph) and not _has_quads(scratch, graph):
                    scratch.remove_graph(graph)

        return self.transaction(apply)

    def replace_graph(self, graph: GraphName, quads: Iterable[ox.Quad]) -> tuple[CommitResult, bool]:
        """GSP PUT: the graph's content becomes ``quads``. Returns (result, created)."""
        self._writable(graph)
        created = not self.graph_exists(graph)
        payload = list(quads)

        def apply(scratch: ox.Store) -> None:
            if isinstance(graph, ox.DefaultGraph):
                scratch.clear_graph(graph)
            elif scratch.contains_named_graph(graph):
                scratch.clear_graph(graph)
            else:
                scratch.add_graph(graph)
            scratch.extend(payload)

        return self.transaction(apply), created

    def merge_graph(self, graph: GraphName, quads: Iterable[ox.Quad]) -> tuple[CommitResult, bool]:
        """GSP POST: add ``quads`` to the graph (creating it). Returns (result, created)."""
        self._writable(graph)
        created = not self.graph_exists(graph)
        payload = list(quads)

        def apply(scratch: ox.Store) -> None:
            if isinstance(graph, ox.NamedNode) and not scratch.contains_named_graph(graph):
                scratch.add_graph(graph)
            scratch.extend(payload)

        return self.transaction(apply), created

    def delete_graph(self, graph: GraphName) -> CommitResult:
        """GSP DELETE: remove the graph (the default graph is emptied)."""
        self._writable(graph)
        if not self.graph_exists(graph):
            raise GraphNotFound(f"no graph {_graph_label(graph)}")

        def apply(scratch: ox.Store) -> None:
            if isinstance(graph, ox.DefaultGraph):
                scratch.clear_graph(graph)
            else:
                scratch.remove_graph(graph)

        return self.transaction(apply)

    def graph_exists(self, graph: GraphName) -> bool:
        if isinstance(graph, ox.DefaultGraph):
            return True
        return self.store.contains_named_graph(graph) or _has_quads(self.store, graph)

    # -- the transaction --------------------------------------------------------------------------

    def transaction(self, apply: Callable[[ox.Store], None]) -> CommitResult:
        """Apply ``apply`` to a scratch copy, derive, validate, and commit only if it conforms."""
        started = time.perf_counter()
        with self.lock:
            live = self.store
            scratch = ox.Store()
            scratch.extend(q for q in live if not is_protected(q.graph_name))
            for name in live.named_graphs():
                if not is_protected(name):
                    scratch.add_graph(name)
            derived_before = _graph_set(scratch, DERIVED)
            apply(scratch)
            for written in _graph_names(scratch):
                if is_protected(written):
                    raise ReadOnlyGraph(f"the write was refused: {_protected_reason(written)}")
            if _graph_set(scratch, DERIVED) - derived_before:
                raise ReadOnlyGraph(f"the write was refused: {READ_ONLY_GRAPHS[DERIVED]}")
            counts = materialise(scratch)
            changes = _changed_graphs(live, scratch)
            if not changes:
                return CommitResult((), 0, 0, counts, (time.perf_counter() - started) * 1000, False)
            outcome = validate_store(validation_data(scratch), self.shapes())
            if not outcome.conforms:
                raise WriteNotConforming(outcome)
            added = sum(len(c.after - c.before) for c in changes)
            removed = sum(len(c.before - c.after) for c in changes)
            live.update(commit_update(changes))
            live.flush()
            self.generation.bump("write")
            result = CommitResult(
                tuple(_graph_label(c.name) for c in changes), added, removed, counts,
                (time.perf_counter() - started) * 1000, True,
            )
            log.info("write committed: %s", result.as_json())
            state_dataset = store_to_dataset(live, [g for g in _graph_names(live) if not is_loaded(g)])
            for listener in list(self.listeners):
                try:
                    listener(live, state_dataset, result)
                except Exception:  # a failing listener must not undo a committed write
                    log.exception("commit listener %r failed", listener)
            return result

    def shapes(self) -> Graph:
        """The live shapes as an rdflib Graph, read once: no write can change them."""
        if self._shapes is None:
            self._shapes = shapes_graph(store_to_dataset(self.store, [SHAPES]))
        return self._shapes

    def _writable(self, graph: GraphName) -> None:
        if graph == DERIVED or is_protected(graph):
            raise ReadOnlyGraph(f"{_protected_reason(graph)}: it is read-only here")


def is_loaded(graph: GraphName) -> bool:
    """A graph of RDF loaded alongside (``--load``): reloaded from its file, never written through the API."""
    return isinstance(graph, ox.NamedNode) and graph.value.startswith(str(LOADED_GRAPHS))


def is_protected(graph: GraphName) -> bool:
    """Graphs a write never sees: the shapes and the loaded graphs (both kept exactly as they are)."""
    return graph == SHAPES or is_loaded(graph)


def _protected_reason(graph: GraphName) -> str:
    if isinstance(graph, ox.NamedNode) and graph in READ_ONLY_GRAPHS:
        return READ_ONLY_GRAPHS[graph]
    return f"{_graph_label(graph)} holds RDF loaded alongside from a file (--load), which is reloaded, not edited"


# ---------------------------------------------------------------------------------------------------
# checks and rewriting of the update text

def check_update(text: str, *, base_iri: str | None = None, allowlist: Sequence[str] = (),
                 settings: Any = None) -> Scan:
    """The update policy (``jakgraph.policy.update``: input limits before any parser, no query, no LOAD,
    SERVICE only to allowed endpoints), then what the write service adds: no write to a read-only graph.
    Syntax is left to Oxigraph, which executes the update on the scratch copy."""
    try:
        facts = update_policy.check_update(text, base_iri=base_iri, allowlist=allowlist, settings=settings)
    except QuerySyntaxError as err:
        raise UpdateSyntaxError(str(err)) from None
    for graph in facts.managed_graphs:
        name = ox.NamedNode(graph) if _valid_iri(graph) else None
        if name is not None and (name == DERIVED or is_protected(name)):
            raise ReadOnlyGraph(f"{_protected_reason(name)}: it is read-only here")
    return facts


def inject_using(text: str, facts: Scan, using_graphs: Sequence[str],
                 using_named_graphs: Sequence[str]) -> str:
    """Apply the protocol's using-graph-uri / using-named-graph-uri as USING clauses of every
    DELETE/INSERT … WHERE operation (SPARQL 1.1 Protocol §2.2.3): the clauses go before each top-level
    ``WHERE`` that the scan found (comments, strings and IRIs are not keywords; ``DELETE WHERE`` takes
    no USING). Oxigraph then parses the result."""
    clauses = " ".join([f"USING <{_checked_iri(g)}>" for g in using_graphs]
                       + [f"USING NAMED <{_checked_iri(g)}>" for g in using_named_graphs])
    out: list[str] = []
    position = 0
    for offset in facts.modify_wheres:
        out.append(text[position:offset])
        out.append(f" {clauses} ")
        position = offset
    out.append(text[position:])
    return "".join(out)


def _valid_iri(value: str) -> bool:
    try:
        ox.NamedNode(value)
    except ValueError:
        return False
    return True


def _checked_iri(value: str) -> str:
    if not value or re.search(r"[<>\"{}|^`\\\x00-\x20]", value) or not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", value):
        raise WriteError(f"not an absolute IRI: {value!r}")
    return value


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())[:300] or type(err).__name__


# ---------------------------------------------------------------------------------------------------
# stores, datasets, diffs

@dataclass(frozen=True)
class GraphChange:
    name: GraphName
    before: frozenset[ox.Quad]
    after: frozenset[ox.Quad]
    exists_after: bool


def _graph_set(store: ox.Store, graph: GraphName) -> frozenset[ox.Quad]:
    return frozenset(store.quads_for_pattern(None, None, None, graph))


def _has_quads(store: ox.Store, graph: GraphName) -> bool:
    return next(iter(store.quads_for_pattern(None, None, None, graph)), None) is not None


def _graph_names(store: ox.Store) -> set[GraphName]:
    names: set[GraphName] = set(store.named_graphs())
    names.add(DEFAULT_GRAPH)
    return names


def _changed_graphs(live: ox.Store, scratch: ox.Store) -> list[GraphChange]:
    """The graphs that differ between the live store and the scratch copy (protected graphs never do)."""
    changes = []
    for name in sorted(_graph_names(live) | _graph_names(scratch), key=str):
        if is_protected(name):
            continue
        before = _graph_set(live, name)
        after = _graph_set(scratch, name)
        existed = isinstance(name, ox.DefaultGraph) or live.contains_named_graph(name)
        exists = isinstance(name, ox.DefaultGraph) or scratch.contains_named_graph(name)
        if before != after or existed != exists:
            changes.append(GraphChange(name, before, after, exists))
    return changes


def commit_update(changes: Sequence[GraphChange]) -> str:
    """One SPARQL update that replaces every changed graph: applied by Oxigraph in one transaction.

    All new content goes in a single INSERT DATA, so a blank node shared between graphs stays shared.
    """
    operations: list[str] = []
    blocks: list[str] = []
    for change in changes:
        if isinstance(change.name, ox.DefaultGraph):
            operations.append("CLEAR SILENT DEFAULT")
        else:
            operations.append(f"DROP SILENT GRAPH {change.name}")
            if change.exists_after:
                operations.append(f"CREATE SILENT GRAPH {change.name}")
        if change.after:
            triples = (ox.serialize(
                (ox.Triple(q.subject, q.predicate, q.object) for q in change.after),
                format=ox.RdfFormat.N_TRIPLES,
            ) or b"").decode("utf-8")
            blocks.append(triples if isinstance(change.name, ox.DefaultGraph)
                          else f"GRAPH {change.name} {{\n{triples}}}")
    if blocks:
        operations.append("INSERT DATA {\n" + "\n".join(blocks) + "\n}")
    return " ;\n".join(operations)


def validation_data(store: ox.Store) -> ox.Store:
    """What the shapes judge, merged into one default graph: every graph but the shapes, the examples
    (never data, as ``validation.NOT_DATA_GRAPHS`` says) and the loaded graphs."""
    skipped = {ox.NamedNode(str(g)) for g in NOT_DATA_GRAPHS}
    data = ox.Store()
    data.extend(ox.Quad(q.subject, q.predicate, q.object, DEFAULT_GRAPH)
                for q in store if q.graph_name not in skipped and not is_protected(q.graph_name))
    return data


def _graph_label(graph: GraphName) -> str:
    return "default" if isinstance(graph, ox.DefaultGraph) else graph.value


def parse_graph_payload(body: bytes, media_type: str, graph: GraphName, base_iri: str | None) -> list[ox.Quad]:
    """Parse a GSP request body (one graph, no named graphs) into quads of ``graph``."""
    fmt = payload_format(media_type)
    try:
        triples = list(ox.parse(body, format=fmt, base_iri=base_iri, without_named_graphs=True))
    except (SyntaxError, ValueError, UnicodeError) as err:
        raise WriteError(f"the {fmt.name} body does not parse: {_one_line(err)}") from None
    except OSError as err:
        raise WriteError(f"the body could not be read: {_one_line(err)}") from None
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]


#: what a GSP write body may be (one graph each), by its media type or an alias (formats.py)
PAYLOAD_FORMATS = (formats.TURTLE, formats.N_TRIPLES, formats.RDF_XML, formats.JSON_LD)


def payload_format(media_type: str) -> ox.RdfFormat:
    fmt = formats.by_media_type(media_type, PAYLOAD_FORMATS)
    if fmt is None:
        essence = formats.parse_content_type(media_type)[0]
        known = ", ".join(sorted(m for f in PAYLOAD_FORMATS for m in f.media_types))
        raise UnsupportedPayload(f"unsupported Content-Type {essence or '(none)'!r}; send one of: {known}")
    return fmt.rdf
