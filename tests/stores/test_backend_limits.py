"""No runaway, no silent truncation, through a real backend: Virtuoso (tests/virtuoso_support.py) and the Oxigraph
server (``oxigraph serve --timeout-s``), each behind the app.

* jakgraph's query timeout travels to Virtuoso as its per-request ``timeout`` (ms): after jakgraph answers 504,
  the virtuoso-t process goes idle within seconds (its CPU time, read from /proc/PID/stat). The same query
  with the parameter turned off (``backend_timeout_parameter=""``) shows why it is needed: closing the
  connection does not stop Virtuoso, which keeps computing after the 504.
* the row cap holds for a backend's answers as for the embedded engine's: 422, in the same words.
* an Oxigraph server that cancels on its own time limit answers HTTP 200 with a body cut off mid-stream
  ("The SPARQL operation has been cancelled"): jakgraph answers 504, never a 200.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jakgraph.cli import main
from jakgraph.settings import Settings
from jakgraph.stores.remote import graphs_to_push, push
from virtuoso_support import Virtuoso, require

from server_support import app_client, oxigraph

pytestmark = [pytest.mark.server, pytest.mark.slow]

#: a query no engine can shortcut: a three-way cross join over the graph, each row through string filters
RUNAWAY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?s ?p ?o "
           "FILTER (STR(?c) < STR(?f) && STR(?f) < STR(?o)) }")
#: the row cap the tests set, and queries over and under it
CAP = 50
OVER = ("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
UNDER = "SELECT DISTINCT ?s WHERE { ?s a ?type FILTER isIRI(?s) } ORDER BY ?s LIMIT 50"
#: how long after jakgraph's 504 Virtuoso may go on computing, and what counts as idle (CPU seconds a second)
IDLE_WITHIN = 15.0
IDLE = 0.05


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy(pid: int, seconds: float) -> float:
    """The share of one CPU the process used over the next ``seconds``."""
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / seconds


def seconds_to_idle(pid: int, within: float, window: float = 1.0) -> float | None:
    """Seconds until a ``window`` in which the process used less than ``IDLE``; None if not within ``within``."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if busy(pid, window) < IDLE:
            return time.monotonic() - started
    return None


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory, built) -> Iterator[Virtuoso]:  # noqa: ANN001
    """A Virtuoso with the project's graphs, pushed with Digest authentication (MaxQueryExecutionTime 60 s)."""
    require()
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso-limits")).start()
    try:
        server.expose_only(graphs_to_push(built.store))
        assert main(["push", "--to", server.sparql, "--graph-store", server.url + "/sparql-graph-crud-auth",
                     "--user", "dba:dba", "--digest", "--no-verify"]) == 0
        yield server
    finally:
        server.stop()


def test_the_row_cap_holds_for_virtuoso_as_embedded(virtuoso: Virtuoso) -> None:
    embedded = app_client(None, Settings(query_workers=1, cache_bytes=0, max_result_rows=CAP, access_log=""))
    backend = app_client(None, Settings(backend_url=virtuoso.sparql, cache_bytes=0, max_result_rows=CAP,
                                        access_log=""))
    with embedded as local, backend as remote:
        for text in OVER:
            for accept in ("application/sparql-results+json", "text/csv", "text/turtle"):
                mine = local.post("/sparql", data={"query": text}, headers={"Accept": accept})
                theirs = remote.post("/sparql", data={"query": text}, headers={"Accept": accept})
                if mine.status_code == 406:  # a CONSTRUCT asked for CSV, a SELECT for Turtle
                    assert theirs.status_code == 406
                    continue
                assert (mine.status_code, theirs.status_code) == (422, 422), (text, accept, theirs.text[:200])
                assert theirs.text == mine.text and f"more than {CAP}" in theirs.text
        mine = local.post("/sparql", data={"query": UNDER}, headers={"Accept": "text/csv"})
        theirs = remote.post("/sparql", data={"query": UNDER}, headers={"Accept": "text/csv"})
        assert (mine.status_code, theirs.status_code) == (200, 200) and theirs.text == mine.text
        assert len(theirs.text.splitlines()) == CAP + 1


def test_a_runaway_query_stops_in_virtuoso_after_the_504(virtuoso: Virtuoso) -> None:
    pid = virtuoso.process.pid if virtuoso.process is not None else 0
    assert seconds_to_idle(pid, 30) is not None, "Virtuoso should be idle before the test"
    backend = app_client(None, Settings(backend_url=virtuoso.sparql, cache_bytes=0, query_timeout=2,
                                        access_log=""))
    with backend as remote:
        started = time.monotonic()
        stopped = remote.post("/sparql", data={"query": RUNAWAY}, headers={"Accept": "text/csv"})
        answered = time.monotonic() - started
    assert stopped.status_code == 504, (stopped.status_code, stopped.text[:300])
    assert answered < 2 + 3, answered  # jakgraph's own deadline, whatever the backend does
    idle_after = seconds_to_idle(pid, IDLE_WITHIN)
    print(f"\n504 after {answered:.1f}s ({stopped.text.strip()[:120]}); virtuoso-t idle "
          f"{idle_after if idle_after is None else round(idle_after, 1)}s after it")
    assert idle_after is not None, f"virtuoso-t still computing {IDLE_WITHIN}s after jakgraph's 504"


def test_without_the_timeout_parameter_virtuoso_keeps_computing(tmp_path: Path, built) -> None:  # noqa: ANN001
    """The control: the same 504, no ``timeout`` sent; jakgraph closes the connection and Virtuoso goes on."""
    require()
    server = Virtuoso(tmp_path).start()
    try:
        server.push_store(built.store)
        pid = server.process.pid if server.process is not None else 0
        backend = app_client(None, Settings(backend_url=server.sparql, cache_bytes=0, query_timeout=2,
                                            backend_timeout_parameter="", access_log=""))
        with backend as remote:
            stopped = remote.post("/sparql", data={"query": RUNAWAY}, headers={"Accept": "text/csv"})
        assert stopped.status_code == 504, stopped.text[:300]
        time.sleep(2)
        share = busy(pid, 3.0)
        print(f"\nwithout the timeout parameter: virtuoso-t at {share:.2f} CPU 2-5 s after jakgraph's 504")
        assert share > 0.15, share
    finally:
        server.stop()  # SIGKILL if the query keeps it from shutting down


def test_oxigraph_cut_answers_are_504_and_the_row_cap_holds(tmp_path: Path, built) -> None:  # noqa: ANN001
    with oxigraph(tmp_path, timeout_s=1) as server:
        push(built.store, graphs_to_push(built.store), to=server.url, log=open(os.devnull, "w"))  # noqa: SIM115
        count = RUNAWAY.replace(" FILTER (STR(?c) < STR(?f) && STR(?f) < STR(?o))", "")
        backend = app_client(None, Settings(backend_url=server.url + "/query", cache_bytes=0, query_timeout=120,
                                            max_result_rows=CAP, access_log=""))
        embedded = app_client(None, Settings(query_workers=1, cache_bytes=0, max_result_rows=CAP, access_log=""))
        with backend as remote, embedded as local:
            for accept in ("application/sparql-results+json", "text/csv"):
                cut = remote.post("/sparql", data={"query": count}, headers={"Accept": accept})
                assert cut.status_code == 504, (cut.status_code, cut.text[:300])
                assert "cut its answer short" in cut.text and "cancelled" in cut.text, cut.text
            for text in OVER:
                mine = local.post("/sparql", data={"query": text})
                theirs = remote.post("/sparql", data={"query": text})
                assert (mine.status_code, theirs.status_code) == (422, 422) and theirs.text == mine.text
