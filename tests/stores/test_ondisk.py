"""The on-disk store: reopened as it is while the curated sources are unchanged, rebuilt when they change,
with the graphs loaded alongside kept either way."""
from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from jakgraph import paths
from jakgraph.build import pipeline
from jakgraph.errors import StoreError, StoreInUse
from jakgraph.namespaces import LETTER_GRAPH
from jakgraph.stores import ondisk as persist
from jakgraph.stores.generation import StoreGeneration
from jakgraph.stores.loaded import load_file, loaded_graphs
from jakgraph.stores.ondisk import (
    META_FILE,
    STORE_SUBDIR,
    curated_fingerprint,
    open_persistent,
    open_store_dir,
    read_meta,
    write_meta,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the curated sources, so a test may change them."""
    root = tmp_path / "checkout"
    for folder in ("ontology", "data", "shapes", "examples"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, root / folder)
    monkeypatch.setattr(paths, "ROOT", root)
    monkeypatch.setattr(paths, "ONTOLOGY_DIR", root / "ontology")
    monkeypatch.setattr(paths, "DATA_DIR", root / "data")
    monkeypatch.setattr(paths, "LETTER_DATA_DIR", root / "data" / "letter")
    monkeypatch.setattr(paths, "BACKGROUND_DATA_DIR", root / "data" / "background")
    monkeypatch.setattr(paths, "SHAPES_DIR", root / "shapes")
    monkeypatch.setattr(paths, "EXAMPLES_DIR", root / "examples")
    return root


def _closed() -> None:
    """After ``del`` of the last reference to a store: collect, so RocksDB releases its lock."""
    gc.collect()


def _letter_count(store: ox.Store) -> int:
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{LETTER_GRAPH}> {{ ?s ?p ?o }} }}")
    assert isinstance(rows, ox.QuerySolutions)
    return int(next(iter(rows))["n"].value)


def test_fingerprint_covers_paths_contents_and_version(sources: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = curated_fingerprint()
    assert first == curated_fingerprint() and len(first) == 64
    letter = sorted((sources / "data" / "letter").glob("*.ttl"))[0]
    letter.write_text(letter.read_text() + "\n# a curator's comment\n")
    second = curated_fingerprint()
    assert second != first
    letter.rename(letter.with_name("renamed-" + letter.name))
    assert curated_fingerprint() not in (first, second)
    monkeypatch.setattr(persist, "package_version", lambda: "99.0")
    assert curated_fingerprint() not in (first, second)


@pytest.mark.slow
def test_reopen_without_reload(sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "store"
    opened = open_persistent(directory)
    assert opened.status == "created"
    assert (directory / STORE_SUBDIR).is_dir() and (directory / META_FILE).is_file()
    quads = len(opened.store)
    letter = _letter_count(opened.store)
    assert letter > 100 and opened.built.validation is not None and opened.built.validation.conforms
    meta = read_meta(directory)
    assert meta["fingerprint"] == opened.fingerprint and meta["validated"] is True
    derived = opened.built.derived_counts
    del opened
    _closed()

    def no_build(**_: object) -> None:
        raise AssertionError("the store was rebuilt although the sources did not change")

    monkeypatch.setattr(pipeline, "build_graph", no_build)
    generation = StoreGeneration()
    before = generation.value
    again = open_persistent(directory, generation=generation)
    assert again.status == "reused"
    assert generation.value != before and generation.reason.startswith("reopened")  # every cache starts again
    assert len(again.store) == quads and _letter_count(again.store) == letter
    assert len(again.built.dataset) == quads  # the rdflib view of the curated graphs, from the store
    assert again.built.derived_counts == derived
    assert again.built.validation is not None and again.built.validation.conforms


@pytest.mark.slow
def test_rebuild_on_change_keeps_loaded_graphs(sources: Path, tmp_path: Path) -> None:
    directory = tmp_path / "store"
    opened = open_persistent(directory)
    extra = tmp_path / "extra.nt"
    extra.write_text("<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n")
    load_file(opened.store, extra, progress=False)
    before = _letter_count(opened.store)
    del opened
    _closed()
    # a curator adds a label to a letter statement: the sources changed
    letter = sources / "data" / "letter" / "savi.ttl"
    letter.write_text(letter.read_text() + '\nstmt:savi-ruxolitinib rdfs:comment "added in a test" .\n')
    rebuilt = open_persistent(directory)
    assert rebuilt.status == "rebuilt"
    assert _letter_count(rebuilt.store) == before + 1
    assert [g.name for g in loaded_graphs(rebuilt.store)] == ["extra"]
    assert read_meta(directory)["fingerprint"] == curated_fingerprint()
    del rebuilt
    _closed()
    assert open_persistent(directory).status == "reused"


@pytest.mark.slow
def test_interrupted_rebuild_is_redone(sources: Path, tmp_path: Path) -> None:
    directory = tmp_path / "store"
    open_persistent(directory)
    _closed()
    meta = read_meta(directory)
    write_meta(directory, {**meta, "fingerprint": None, "state": "building"})
    assert open_persistent(directory).status == "rebuilt"


@pytest.mark.slow
def test_a_source_error_leaves_the_store_alone(sources: Path, tmp_path: Path) -> None:
    from jakgraph.errors import SourceError

    directory = tmp_path / "store"
    opened = open_persistent(directory)
    quads = len(opened.store)
    del opened
    _closed()
    broken = sources / "data" / "letter" / "savi.ttl"
    broken.write_text(broken.read_text() + "\nthis is not turtle\n")
    with pytest.raises(SourceError):
        open_persistent(directory)
    gc.collect()
    store = open_store_dir(directory)
    assert len(store) == quads
    assert read_meta(directory)["state"] == "ready"


@pytest.mark.slow
def test_store_in_use_and_not_a_store(sources: Path, tmp_path: Path) -> None:
    directory = tmp_path / "store"
    holder = open_store_dir(directory)
    with pytest.raises(StoreInUse, match="open elsewhere"):
        open_store_dir(directory)
    del holder
    gc.collect()

    raw = tmp_path / "raw"
    ox.Store(str(raw)).flush()
    gc.collect()
    with pytest.raises(StoreError, match="Oxigraph store itself"):
        open_store_dir(raw)


@pytest.mark.slow
def test_serve_store_reopens_and_workers_read_a_checkpoint(sources: Path, tmp_path: Path) -> None:
    """``serve --store DIR``: the second server reopens the store (no rebuild), and its query workers answer
    from a read-only checkpoint of it, the loaded graph included."""
    from fastapi.testclient import TestClient

    from jakgraph.settings import Settings
    from jakgraph.web.app import create_app

    directory = tmp_path / "store"
    extra = tmp_path / "extra.nt"
    extra.write_text("<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n")
    first = create_app(Settings(store_dir=directory, load_files=(extra,), query_workers=1, access_log=""))
    assert first.state.jak.origin.status == "created"
    del first
    gc.collect()
    app = create_app(Settings(store_dir=directory, query_workers=1, access_log=""))
    assert app.state.jak.origin.status == "reused"
    query = {"query": "ASK { GRAPH <https://w3id.org/jakgraph/graph/loaded/extra> { ?s ?p ?o } }"}
    with TestClient(app) as client:
        answer = client.get("/sparql", params=query, headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200 and answer.json()["boolean"] is True
        assert any((directory / "snapshots").rglob("CURRENT"))  # the workers' checkpoint
    del app, client
    gc.collect()
    assert not any((directory / "snapshots").rglob("CURRENT"))  # removed when the engine closed
