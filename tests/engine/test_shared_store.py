"""``jakgraph serve --load FILE --shared-store``: the query workers share one on-disk copy of the data.

A real server over a generated graph of 200k triples (the scale benchmark's generator). What only a real
process tree shows: no query worker holds a copy of the data (each one's unique memory stays well below
what one in-memory copy of the file takes, measured here in a fresh process), curator writes reach the
workers, a query past the timeout is stopped and the endpoint answers normally after it, and the private
store folder is gone once the server ends on SIGTERM.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from generate_support import write_generated

import server_support
from writes_support import AUTH, TOKEN

pytestmark = [pytest.mark.server, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TRIPLES = 200_000
GRAPH = "https://w3id.org/jakgraph/graph/loaded/gen-200k"
#: scans every statement: each worker that answers it reads the whole loaded graph
SCAN = ("SELECT ?drug (COUNT(?s) AS ?n) WHERE { ?s <https://w3id.org/jakgraph/vocab/drug> ?drug ; "
        "<https://w3id.org/jakgraph/vocab/dose> ?d . ?d <https://w3id.org/jakgraph/vocab/value> ?v } GROUP BY ?drug")
WRITTEN = "urn:jakgraph-test:shared"
INSERT = f'INSERT DATA {{ GRAPH <{WRITTEN}> {{ <urn:jakgraph-test:s> <urn:jakgraph-test:note> "written" }} }}'
ASK_WRITTEN = f'ASK {{ GRAPH <{WRITTEN}> {{ <urn:jakgraph-test:s> <urn:jakgraph-test:note> "written" }} }}'
#: a cross product of the loaded graph with itself: far past any timeout
RUNAWAY = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?a ?b ?c . ?d ?e ?f }} }}"

#: one in-memory copy of FILE in a fresh process: resident MiB before and after loading it (allocator
#: trimmed, as the workers do)
_COPY = """
import ctypes, sys, pyoxigraph as ox
import jakgraph.engine.execute
def rss():
    for line in open('/proc/self/smaps_rollup'):
        if line.startswith('Rss:'):
            return int(line.split()[1]) / 1024
before = rss()
store = ox.Store()
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)
for _ in store.query('SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'):
    pass
ctypes.CDLL(None).malloc_trim(0)
print(before, rss())
"""



@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shared") / "gen-200k.nt"
    return write_generated(path, TRIPLES)


def one_copy(path: Path) -> tuple[float, float]:
    """(MiB of a bare worker-like process, MiB one in-memory copy of ``path`` adds to it)."""
    done = subprocess.run([sys.executable, "-c", _COPY, str(path)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 0, done.stderr
    before, after = (float(value) for value in done.stdout.split())
    return before, after - before


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except OSError:
                pass
    return found


def unique_mib(pid: int) -> float:
    """USS: the memory only this process holds (private pages, from /proc/PID/smaps_rollup)."""
    total = 0
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1])
    return total / 1024


def query(server: server_support.Server, text: str, timeout: float = 60) -> httpx.Response:
    return httpx.get(server.sparql, params={"query": text}, headers={"Accept": "application/sparql-results+json"},
                     timeout=timeout)


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux /proc smaps_rollup")
def test_workers_share_one_on_disk_copy(generated: Path, tmp_path: Path) -> None:
    base, copy = one_copy(generated)
    assert copy > 20, f"one in-memory copy of {TRIPLES} triples should take tens of MiB, measured {copy:.0f}"
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    args = ["--load", str(generated), "--shared-store", "--query-workers", "2", "--cache-mb", "0",
            "--update-token-file", str(token)]
    server = server_support.start(args, tmp_path, env={"TMPDIR": str(scratch_root)}, timeout=2)
    try:
        (folder,) = list(scratch_root.glob("jakgraph-shared-*"))
        assert "temporary on-disk store" in server.output()
        count = query(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")
        assert count.status_code == 200, count.text
        assert count.json()["results"]["bindings"][0]["n"]["value"] == str(TRIPLES)

        # every serving worker scans the whole graph, concurrently, a few times
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: query(server, SCAN), range(12)))
        assert all(a.status_code == 200 and len(a.json()["results"]["bindings"]) == 3 for a in answers)
        workers = children(server.pid)
        assert len(workers) >= 2
        held = {pid: unique_mib(pid) for pid in workers}
        # a worker with its own in-memory copy holds base + copy; sharing the on-disk one, far less
        assert all(mib < base + copy / 2 for mib in held.values()), (held, base, copy)

        # a curator write reaches the workers (a new checkpoint of the store)
        written = httpx.post(server.url + "/update", content=INSERT, timeout=120,
                             headers={**AUTH, "Content-Type": "application/sparql-update"})
        assert written.status_code == 200, written.text
        answer = query(server, ASK_WRITTEN)
        assert answer.status_code == 200 and answer.json()["boolean"] is True

        # a runaway query is stopped at the timeout; its worker's replacement answers at once
        started = time.monotonic()
        stopped = query(server, RUNAWAY)
        assert stopped.status_code == 504, stopped.text
        assert time.monotonic() - started < 10
        started = time.monotonic()
        after = query(server, ASK_WRITTEN)
        assert after.status_code == 200 and after.json()["boolean"] is True
        assert time.monotonic() - started < 2
    finally:
        server.stop()
    assert server.process.returncode is not None
    assert not folder.exists(), "the private store folder outlived the server"
