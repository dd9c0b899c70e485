"""/download/: an index of the dumps with checksums, every file served, nothing else reachable."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jakgraph import paths
from jakgraph.build.pipeline import BuiltGraph, write_dumps

from server_support import app_client

pytestmark = pytest.mark.slow

DUMPS = ["jakgraph.ttl", "jakgraph.nt", "jakgraph.nq", "jakgraph.trig", "jakgraph.jsonld", "jakgraph.rdf",
         "jakgraph_nodes.tsv", "jakgraph_edges.tsv", "jakgraph_kgx_metadata.json", "jakgraph.nanopubs.trig",
         "jakgraph.sssom.tsv"]


@pytest.fixture(scope="module")
def dist(built: BuiltGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dist")
    written = write_dumps(built, folder)
    assert sorted(p.name for p in written) == sorted(DUMPS)
    (folder / "secret.txt").write_text("not a dump")
    return folder


@pytest.fixture()
def client(built: BuiltGraph, dist: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setattr(paths, "DIST_DIR", dist)
    return app_client(built)


def test_index_lists_every_dump_with_its_checksum(client: TestClient, dist: Path) -> None:
    page = client.get("/download/").text
    for name in DUMPS:
        digest = (dist / f"{name}.sha256").read_text().split()[0]
        assert f'href="/download/{name}"' in page and digest in page
    assert "secret.txt" not in page
    assert client.get("/download", follow_redirects=False).status_code == 308


@pytest.mark.parametrize("name", DUMPS)
def test_each_dump_matches_its_checksum(client: TestClient, name: str) -> None:
    body = client.get(f"/download/{name}").content
    checksum = client.get(f"/download/{name}.sha256").text.split()
    assert checksum == [hashlib.sha256(body).hexdigest(), name]


@pytest.mark.parametrize("raw", ["/download/secret.txt", "/download/..%2Fpyproject.toml", "/download/%2e%2e",
                                 "/download/.%2e/pyproject.toml", "/download/nope.ttl"])
def test_nothing_else_is_served(client: TestClient, raw: str) -> None:
    response = client.get(raw)
    assert response.status_code == 404 and "not a dump" not in response.text and "[project]" not in response.text
