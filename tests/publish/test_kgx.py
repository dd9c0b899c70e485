"""KGX (Biolink) nodes/edges TSV: parseable, CURIEs from exact matches, the five edge kinds, checksums."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from jakgraph.build.pipeline import BuiltGraph
from jakgraph.cli import main
from jakgraph.publish.kgx import EDGE_COLUMNS, NODE_COLUMNS, write_kgx


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def kgx(built: BuiltGraph, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], list[dict], Path]:
    folder = tmp_path_factory.mktemp("kgx")
    nodes_path, edges_path = write_kgx(built.store, folder)
    return read(nodes_path), read(edges_path), folder


def test_files_parse_with_the_kgx_columns(kgx) -> None:
    nodes, edges, folder = kgx
    assert list(nodes[0]) == list(NODE_COLUMNS) and list(edges[0]) == list(EDGE_COLUMNS)
    for name in ("jakgraph_nodes.tsv", "jakgraph_edges.tsv"):
        digest, filename = (folder / f"{name}.sha256").read_text().split()
        assert filename == name and digest == hashlib.sha256((folder / name).read_bytes()).hexdigest()
    ids = {n["id"] for n in nodes}
    assert len(ids) == len(nodes)
    for edge in edges:
        assert edge["subject"] in ids and edge["object"] in ids
        assert edge["knowledge_level"] == "knowledge_assertion" and edge["agent_type"] == "manual_agent"
        assert edge["primary_knowledge_source"].startswith("infores:")


def test_nodes_use_exact_match_curies(kgx) -> None:
    nodes = {n["iri"]: n for n in kgx[0]}
    base = "https://w3id.org/jakgraph/"
    # identifiers from ../shared/reference/identifiers.tsv
    assert nodes[base + "drug/ruxolitinib"]["id"] == "CHEBI:66919"
    assert nodes[base + "drug/ruxolitinib"]["category"] == "biolink:Drug"
    assert nodes[base + "disease/savi"]["id"] == "MONDO:0014405"
    assert nodes[base + "disease/savi"]["category"] == "biolink:Disease"
    assert nodes[base + "gene/STING1"]["id"] == "HGNC:27962"
    assert nodes[base + "gene/STING1"]["category"] == "biolink:Gene"
    assert "drug:ruxolitinib" in nodes[base + "drug/ruxolitinib"]["xref"].split("|")


def test_edges_of_each_kind(kgx) -> None:
    nodes, edges, _ = kgx
    by_predicate: dict[str, list[dict]] = {}
    for edge in edges:
        by_predicate.setdefault(edge["predicate"], []).append(edge)
    assert {"biolink:applied_to_treat", "biolink:has_adverse_event", "biolink:causes", "biolink:participates_in",
            "biolink:affects"} <= set(by_predicate)
    treat = {(e["subject"], e["object"]) for e in by_predicate["biolink:applied_to_treat"]}
    assert ("CHEBI:71200", "MONDO:0014405") in treat  # tofacitinib in SAVI (p2-s7)
    savi_tofa = next(e for e in by_predicate["biolink:applied_to_treat"]
                     if (e["subject"], e["object"]) == ("CHEBI:71200", "MONDO:0014405"))
    assert "Tofacitinib has also been shown to improve interferon signature in SAVI" in savi_tofa["supporting_text"]
    assert "ref:9" in savi_tofa["publications"].split("|")
    causes = {(e["subject"], e["object"]) for e in by_predicate["biolink:causes"]}
    assert ("HGNC:27962", "MONDO:0014405") in causes  # STING1 causes SAVI
    affects = by_predicate["biolink:affects"]
    assert all(e["object_aspect_qualifier"] == "activity" and e["object_direction_qualifier"] == "decreased"
               for e in affects)
    assert len({(e["subject"], e["object"]) for e in affects}) == 10  # identifiers.tsv drug_target rows


def test_cli_export_kgx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "kgx", "--output", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "jakgraph_nodes.tsv").is_file() and (tmp_path / "out" / "jakgraph_edges.tsv").is_file()
    assert main(["export", "--format", "kgx"]) == 1
    assert "--output DIR" in capsys.readouterr().err
