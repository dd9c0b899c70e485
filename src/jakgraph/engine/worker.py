"""A query worker process: holds its own in-memory copy of the store and answers one query at a time.

Started by the pool (``pool.py``) as ``python -c BOOTSTRAP <fd>``, where ``fd`` is its end of a socket
pair. The first frame it receives is its configuration (the N-Quads dump to load, the execution
options); it answers ``("ready", quads)`` once loaded, then for each request frame one response frame:
``("ok", body, format name, kind, count, seconds)`` or ``("error", error class name, message)``.

The pool stops a query that runs past its deadline by killing this process (SIGKILL): Oxigraph cannot
cancel a running query, and a killed process frees its CPU and memory at once. The worker also exits on
its own when its socket closes or its parent goes away.
"""
from __future__ import annotations

import os
import socket
import sys
import threading
import time
from typing import BinaryIO, cast

import pyoxigraph as ox

from jakgraph import errors
from jakgraph.engine.base import QueryRequest
from jakgraph.engine.execute import ExecutionOptions, execute
from jakgraph.engine.wire import recv_frame, send_frame
from jakgraph.formats import by_name

__all__ = ["BOOTSTRAP", "main"]

#: How the pool starts a worker. It registers a bare ``jakgraph`` package object before importing the
#: worker, so that only ``jakgraph.engine`` (pyoxigraph, no rdflib) is imported: start-up drops from
#: ~0.6 s to ~0.15 s, which is how fast a killed worker's replacement is ready.
BOOTSTRAP = (
    "import sys, types\n"
    "package = types.ModuleType('jakgraph')\n"
    "package.__path__ = [sys.argv[1]]\n"
    "sys.modules['jakgraph'] = package\n"
    "from jakgraph.engine.worker import main\n"
    "main(int(sys.argv[2]))\n"
)


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def _load(config: dict[str, object]) -> ox.Store:
    dump = config["dump"]
    if dump and os.path.isdir(str(dump)):  # a checkpoint of an on-disk store (pool ``snapshots``)
        return ox.Store.read_only(str(dump))
    store = ox.Store()
    if dump:
        store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    return store


def _answer(store: ox.Store, options: ExecutionOptions, message: tuple) -> tuple:
    text, default_graphs, named_graphs, solutions_name, graph_name = message
    request = QueryRequest(
        text,
        tuple(default_graphs),
        tuple(named_graphs),
        by_name("solutions", solutions_name) if solutions_name else None,
        by_name("graph", graph_name) if graph_name else None,
    )
    try:
        result = execute(store, request, options)
    except errors.JakgraphError as err:
        return ("error", type(err).__name__, str(err))
    except Exception as err:  # noqa: BLE001 - a bug must reach the client as a 500, not kill the worker
        return ("error", "QueryFailed", f"query evaluation failed: {type(err).__name__}: {err}")
    return ("ok", result.body, result.format.name, result.kind, result.count, result.seconds)


def _warm_up(store: ox.Store, options: ExecutionOptions) -> None:
    """One small query of each kind before saying ready, so that a spare's first real query is not its
    slowest (lazy initialisation, first touch of the store's pages)."""
    for text in ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "ASK { ?s ?p ?o }"):
        try:
            execute(store, QueryRequest(text), options)
        except errors.JakgraphError:
            pass


def _be_batch() -> None:
    """SCHED_BATCH: a worker woken by a request does not preempt the HTTP process that woke it (which
    then goes on reading and answering other requests); it runs on a free core or right after."""
    try:
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except (AttributeError, OSError):
        pass


def main(fd: int) -> None:
    _be_batch()
    sock = socket.socket(fileno=fd)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    try:
        # one read() per frame, most of the time; typeshed types makefile() with a buffer size as a plain IOBase
        incoming = cast(BinaryIO, sock.makefile("rb", buffering=1 << 16))
        config = recv_frame(incoming)
        options = ExecutionOptions(**config["options"])
        store = _load(config)
        _warm_up(store, options)
        send_frame(sock, ("ready", len(store)))
        while True:
            send_frame(sock, _answer(store, options, recv_frame(incoming)))
    except (EOFError, ConnectionError, KeyboardInterrupt):
        pass
    finally:
        sock.close()
    sys.exit(0)
