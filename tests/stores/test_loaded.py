"""Bulk loading RDF alongside the curated graph: streaming, progress, formats, gzip, and failures that
leave the store exactly as it was."""
from __future__ import annotations

import gzip
import hashlib
import io
from pathlib import Path

import pyoxigraph as ox
import pytest

from generate_support import write_generated
from jakgraph.cli import main
from jakgraph.errors import JakgraphError, SourceError
from jakgraph.namespaces import LOADED_GRAPHS
from jakgraph.stores.loaded import (
    check_syntax,
    detect_format,
    graph_iri,
    graph_name_for,
    load_file,
    loaded_graphs,
    unload,
)
from jakgraph.stores.ondisk import open_store_dir


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """50k triples in jakgraph's schema (the benchmark's generator at a test size)."""
    path = tmp_path_factory.mktemp("gen") / "gen-50k.nt"
    return write_generated(path, 50_000)


def snapshot(store: ox.Store) -> tuple[int, str, tuple[str, ...]]:
    """Everything observable of a store: quad count, a digest of its quads, its named graphs."""
    lines = sorted(str(q) for q in store)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return len(lines), digest, tuple(sorted(str(g) for g in store.named_graphs()))


def test_names_and_formats(tmp_path: Path) -> None:
    assert graph_name_for(Path("mondo.owl.gz")) == "mondo"
    assert graph_name_for(Path("hp.obo.ttl")) == "hp.obo"
    assert graph_name_for(Path("go plus.nt")) == "go-plus"
    assert graph_iri("mondo") == str(LOADED_GRAPHS) + "mondo"
    assert detect_format(Path("x.nt.gz")) == ox.RdfFormat.N_TRIPLES
    assert detect_format(Path("x.nq")) == ox.RdfFormat.N_QUADS
    assert detect_format(Path("x.ttl"), "xml") == ox.RdfFormat.RDF_XML
    owl_ttl = tmp_path / "o.owl"
    owl_ttl.write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n<http://e/o> a owl:Ontology .\n")
    assert detect_format(owl_ttl) == ox.RdfFormat.TURTLE
    with pytest.raises(SourceError, match="cannot tell the RDF format"):
        detect_format(Path("x.csv"))
    with pytest.raises(JakgraphError):
        graph_iri("../escape")


@pytest.mark.slow
def test_50k_load_on_disk_with_progress_queryable_beside_curated(tmp_path: Path, generated: Path) -> None:
    from jakgraph.stores.ondisk import open_persistent

    opened = open_persistent(tmp_path / "store")
    store = opened.store
    curated = len(store)
    progress = io.StringIO()
    result = load_file(store, generated, progress=progress, progress_interval=0.01)
    assert result.triples == 50_000
    assert result.graph == str(LOADED_GRAPHS) + "gen-50k"
    output = progress.getvalue()
    assert "triples/s" in output and "/s" in output and "loading gen-50k.nt" in output
    assert "loaded gen-50k.nt: 50,000 triples" in output.splitlines()[-1]
    assert len(store) == curated + 50_000
    # one query across the curated graph and the loaded one (default graph = union of all graphs)
    rows = store.query(
        "PREFIX jak: <https://w3id.org/jakgraph/vocab/> "
        "SELECT ?generated (COUNT(?s) AS ?n) WHERE { ?s a jak:TreatmentEvidence ; jak:drug ?drug "
        "BIND(CONTAINS(STR(?s), '/gen-') AS ?generated) } GROUP BY ?generated",
        use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    counts = {row["generated"].value: int(row["n"].value) for row in rows}
    assert counts["true"] > 500 and counts["false"] > 5  # generated statements and the letter's
    assert [g.name for g in loaded_graphs(store, counts=True)] == ["gen-50k"]
    assert loaded_graphs(store, counts=True)[0].triples == 50_000


def test_gzip_and_turtle_and_rdfxml_and_quads(tmp_path: Path, generated: Path) -> None:
    store = ox.Store()
    packed = tmp_path / "packed.nt.gz"
    with open(generated, "rb") as source, gzip.open(packed, "wb") as target:
        target.write(source.read())
    assert load_file(store, packed, progress=False).triples == 50_000
    ttl = tmp_path / "small.ttl"
    ttl.write_text("@prefix ex: <http://example.org/> .\nex:a ex:p ex:b , ex:c ; ex:q [ ex:r 1 ] .\n")
    assert load_file(store, ttl, progress=False).triples == 4
    owl = tmp_path / "tiny.owl"
    owl.write_text('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                   'xmlns:owl="http://www.w3.org/2002/07/owl#">\n<owl:Class rdf:about="http://example.org/C"/>\n'
                   "</rdf:RDF>\n")
    assert load_file(store, owl, progress=False).triples == 1
    nq = tmp_path / "quads.nq"
    nq.write_text('<http://e/a> <http://e/p> "1" <http://e/g1> .\n<http://e/a> <http://e/p> "2" .\n')
    result = load_file(store, nq, progress=False)
    assert result.triples == 2  # every quad of the file in the file's one graph
    assert {g.name for g in loaded_graphs(store)} == {"packed", "small", "tiny", "quads"}
    assert not store.contains_named_graph(ox.NamedNode("http://e/g1"))


@pytest.mark.slow
def test_bad_syntax_names_file_and_line_and_leaves_store_unchanged(tmp_path: Path, generated: Path) -> None:
    store = open_store_dir(tmp_path / "store")
    load_file(store, generated, name="kept", progress=False)
    before = snapshot(store)
    bad = tmp_path / "broken.nt"
    lines = generated.read_text().splitlines(keepends=True)[:30_000]
    lines[24_999] = "<https://w3id.org/jakgraph/x> <https://w3id.org/jakgraph/p> oops .\n"
    bad.write_text("".join(lines))
    with pytest.raises(SourceError) as caught:
        load_file(store, bad, progress=False)
    assert str(bad) in str(caught.value) and caught.value.line == 25_000
    assert f"{bad}:25000:" in str(caught.value)
    assert snapshot(store) == before
    # replacing a loaded graph with a broken file keeps the old graph
    with pytest.raises(SourceError):
        load_file(store, bad, name="kept", progress=False)
    assert snapshot(store) == before
    # gzip: the line is the line of the uncompressed text
    packed = tmp_path / "broken.ttl.gz"
    with gzip.open(packed, "wt") as out:
        out.write("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b \"open .\n")
    with pytest.raises(SourceError) as caught:
        load_file(store, packed, progress=False)
    assert caught.value.line == 3
    assert snapshot(store) == before
    truncated = tmp_path / "cut.nt.gz"
    truncated.write_bytes(gzip.compress(generated.read_bytes()[:200_000])[:-40])
    with pytest.raises(SourceError):
        load_file(store, truncated, progress=False)
    assert snapshot(store) == before


def test_check_syntax_streams(tmp_path: Path, generated: Path) -> None:
    assert check_syntax(generated) == 50_000
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\n\nex:a ex:b .\n")
    with pytest.raises(SourceError) as caught:
        check_syntax(bad)
    assert caught.value.line == 3


def test_replace_and_unload(tmp_path: Path) -> None:
    store = ox.Store()
    data = tmp_path / "x.nt"
    data.write_text("<http://e/a> <http://e/p> <http://e/b> .\n")
    load_file(store, data, progress=False)
    data.write_text("<http://e/a> <http://e/p> <http://e/c> .\n<http://e/a> <http://e/p> <http://e/d> .\n")
    with pytest.raises(JakgraphError, match="already loaded"):
        load_file(store, data, replace=False, progress=False)
    result = load_file(store, data, progress=False)
    assert result.replaced and result.triples == 2 and len(store) == 2
    assert unload(store, "x") and not loaded_graphs(store) and len(store) == 0
    assert not unload(store, "x")


def test_cli_load_list_drop(tmp_path: Path, generated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "store"
    small = tmp_path / "small.nt"
    small.write_text("".join(generated.read_text().splitlines(keepends=True)[:1000]))
    assert main(["load", str(small), "--store", str(target)]) == 0
    captured = capsys.readouterr()
    assert "1,000" in captured.out and "graph/loaded/small" in captured.out
    assert "loaded small.nt: 1,000 triples" in captured.err
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c\n")
    assert main(["load", str(broken), "--store", str(target)]) == 1
    err = capsys.readouterr().err
    assert f"jakgraph: error: {broken}:" in err and "RDF syntax error" in err
    assert main(["load", "--store", str(target), "--drop", "small", "--list"]) == 0
    assert "0 loaded graph(s)" in capsys.readouterr().out


@pytest.mark.slow
def test_serve_load_lists_loaded_graphs_in_sd_and_void(tmp_path: Path, generated: Path) -> None:
    """``serve --load``: the file is queryable through /sparql, and the Service Description and VoID list
    its graph as RDF loaded alongside."""
    from fastapi.testclient import TestClient

    from jakgraph.settings import Settings
    from jakgraph.web.app import create_app

    small = tmp_path / "mondo-sample.nt"
    small.write_text("".join(generated.read_text().splitlines(keepends=True)[:2000]))
    settings = Settings(load_files=(small,), query_workers=1, access_log="")
    app = create_app(settings)
    assert app.state.jak.origin.loaded == (str(LOADED_GRAPHS) + "mondo-sample",)
    with TestClient(app) as client:
        count = client.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{LOADED_GRAPHS}"
                                                        "mondo-sample> { ?s ?p ?o } }"},
                           headers={"Accept": "text/csv"})
        assert count.status_code == 200 and count.text.split()[1] == "2000"
        sd = client.get("/sparql", headers={"Accept": "text/turtle"}).text
        assert f"<{LOADED_GRAPHS}mondo-sample>" in sd and "loaded alongside" in sd
        void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
        assert void.status_code == 200
        assert f"{LOADED_GRAPHS}mondo-sample" in void.text and "loaded alongside" in void.text


def test_batches_keep_blank_nodes_whole_and_apart(tmp_path: Path) -> None:
    """``--batch``: committed every N triples by one parser, so a blank node used across batches stays one
    node; two files using the same label never share a node; a syntax error still leaves no trace."""
    store = ox.Store()
    data = tmp_path / "bnodes.nt"
    data.write_text("".join(f'_:x <http://e/p> "{i}" .\n' for i in range(10)) + '_:y <http://e/q> _:x .\n')
    assert load_file(store, data, batch=3, progress=False).triples == 11
    other = tmp_path / "other.nt"
    other.write_text('_:x <http://e/p> "other" .\n')
    load_file(store, other, batch=3, progress=False)
    subjects = {q.subject for q in store.quads_for_pattern(None, ox.NamedNode("http://e/p"), None, None)}
    assert len(subjects) == 2  # one _:x per file
    pointed = next(store.quads_for_pattern(None, ox.NamedNode("http://e/q"), None, None)).object
    assert pointed in subjects
    before = snapshot(store)
    broken = tmp_path / "broken.nt"
    broken.write_text(data.read_text() + "<http://e/a> <http://e/b> oops .\n")
    with pytest.raises(SourceError) as caught:
        load_file(store, broken, batch=3, progress=False)
    assert caught.value.line == 12 and snapshot(store) == before
