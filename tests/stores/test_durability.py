"""A committed write survives kill -9 and restart (``jakgraph serve --store DIR``), a refused one leaves no
trace, and ``jakgraph export --store DIR`` gives the curator the committed change back as files."""
from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

import server_support
from writes_support import AUTH, TOKEN

pytestmark = [pytest.mark.server, pytest.mark.slow]

GRAPH = "urn:jakgraph-test:durable"
INSERT = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:jakgraph-test:s> <urn:jakgraph-test:note> "survives kill -9" }} }}'
ASK = f'ASK {{ GRAPH <{GRAPH}> {{ <urn:jakgraph-test:s> <urn:jakgraph-test:note> "survives kill -9" }} }}'


def ask(server, text: str) -> bool:
    response = httpx.get(server.url + "/sparql", params={"query": text},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"])


def test_committed_write_survives_kill_9_and_restart(tmp_path):
    store = tmp_path / "store"
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    args = ["--store", str(store), "--update-token-file", str(token_file), "--query-workers", "1"]

    server = server_support.start(args, tmp_path)
    try:
        response = httpx.post(server.url + "/update", content=INSERT, timeout=120,
                              headers={**AUTH, "Content-Type": "application/sparql-update"})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "committed"
        assert ask(server, ASK)   # the query workers answer from the committed store at once
        bad = httpx.post(server.url + "/update", content="INSERT DATA { GRAPH <urn:jakgraph-test:bad> { <urn:a> <urn:b> ",
                         headers={**AUTH, "Content-Type": "application/sparql-update"}, timeout=60)
        assert bad.status_code == 400
    finally:
        server.kill9()              # no shutdown, no flush on exit: the process group is SIGKILLed

    server = server_support.start(args, tmp_path)
    try:
        assert ask(server, ASK)
        assert not ask(server, "ASK { GRAPH <urn:jakgraph-test:bad> { ?s ?p ?o } }")
        got = httpx.get(server.url + "/store", params={"graph": GRAPH}, headers={"Accept": "application/n-triples"})
        assert got.status_code == 200 and "survives kill -9" in got.text
        assert httpx.get(server.url + "/ready").json()["status"] == "ready"
    finally:
        server.stop()

    # the curator's change back as files, from the store as it is now
    exported = tmp_path / "export"
    done = subprocess.run([sys.executable, "-m", "jakgraph.cli", "export", "--format", "nq", "--store", str(store),
                           "--output", str(exported / "all.nq")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "survives kill -9" in (exported / "all.nq").read_text()
    done = subprocess.run([sys.executable, "-m", "jakgraph.cli", "export", "--format", "ttl", "--store", str(store),
                           "--by-graph", str(exported / "graphs")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    files = {p.name for p in (exported / "graphs").iterdir()}
    assert "letter.ttl" in files
    assert any("survives kill -9" in p.read_text() for p in (exported / "graphs").iterdir())
