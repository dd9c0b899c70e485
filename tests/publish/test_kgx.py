"""KGX (Biolink) nodes/edges TSV: parseable, CURIEs from exact matches, the five edge kinds, checksums, and
valid against the Biolink model (the packaged schema, offline) with zero problems."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from jakgraph.build.pipeline import BuiltGraph
from jakgraph.cli import main
from jakgraph.publish.kgx import EDGE_COLUMNS, NODE_COLUMNS, biolink_version, validate_kgx, write_kgx


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def kgx(built: BuiltGraph, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], list[dict], Path]:
    folder = tmp_path_factory.mktemp("kgx")
    nodes_path, edges_path, _ = write_kgx(built.store, folder)
    return read(nodes_path), read(edges_path), folder


def test_files_parse_with_the_kgx_columns(kgx) -> None:
    nodes, edges, folder = kgx
    assert list(nodes[0]) == list(NODE_COLUMNS) and list(edges[0]) == list(EDGE_COLUMNS)
    for name in ("jakgraph_nodes.tsv", "jakgraph_edges.tsv", "jakgraph_kgx_metadata.json"):
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
    # identifiers from reference/identifiers/identifiers.tsv
    assert nodes[base + "drug/ruxolitinib"]["id"] == "CHEBI:66919"
    assert nodes[base + "drug/ruxolitinib"]["category"] == "biolink:Drug"
    assert nodes[base + "disease/savi"]["id"] == "MONDO:0014405"
    assert nodes[base + "disease/savi"]["category"] == "biolink:Disease"
    assert nodes[base + "gene/STING1"]["id"] == "HGNC:27962"
    assert nodes[base + "gene/STING1"]["category"] == "biolink:Gene"
    assert "drug:ruxolitinib" in nodes[base + "drug/ruxolitinib"]["xref"].split("|")


def test_edges_of_each_kind(kgx) -> None:
    _, edges, _ = kgx
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
    assert "ref:9" in savi_tofa["jakgraph_references"].split("|")
    assert savi_tofa["has_evidence"] == "ECO:0006017"
    # publications: only PMID/DOI from the checked tables (reference 1's), never a jakgraph reference CURIE
    for edge in edges:
        for publication in filter(None, edge["publications"].split("|")):
            assert publication.split(":", 1)[0] in ("PMID", "doi"), publication
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


@pytest.mark.slow
def test_biolink_validation_passes_with_zero_problems(kgx) -> None:
    _, _, folder = kgx
    problems = validate_kgx(folder / "jakgraph_nodes.tsv", folder / "jakgraph_edges.tsv")
    assert [str(p) for p in problems] == []
    assert biolink_version() == "4.4.6"  # pinned in pyproject.toml


@pytest.mark.slow
def test_biolink_validation_rejects_what_the_model_does_not_allow(kgx, tmp_path: Path) -> None:
    """The validator is not a rubber stamp: each broken row is reported."""
    nodes, edges, _ = kgx
    broken_nodes = [dict(n) for n in nodes]
    broken_nodes[0]["category"] = "biolink:NoSuchThing"
    broken_edges = [dict(e) for e in edges]
    broken_edges[0]["predicate"] = "biolink:cures"           # not a Biolink predicate
    broken_edges[1]["knowledge_level"] = ""                   # required in Biolink 4
    broken_edges[2]["agent_type"] = "a_robot"                 # not in AgentTypeEnum
    broken_edges[3]["publications"] = "ref:9"                 # not a Biolink prefix
    broken_edges[4]["object"] = "MONDO:0000000"               # no such node
    broken_edges[5]["frobnication"] = "x"                     # not a Biolink slot
    columns = (*EDGE_COLUMNS, "frobnication")
    for path, rows, cols in ((tmp_path / "n.tsv", broken_nodes, NODE_COLUMNS),
                             (tmp_path / "e.tsv", broken_edges, columns)):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=cols, delimiter="\t", quoting=csv.QUOTE_NONE,
                                    lineterminator="\n", restval="")
            writer.writeheader()
            writer.writerows(rows)
    problems = [str(p) for p in validate_kgx(tmp_path / "n.tsv", tmp_path / "e.tsv")]
    expected = {
        ("n.tsv row 1", "NoSuchThing"), ("e.tsv row 1", "biolink:cures"), ("e.tsv row 2", "knowledge_level"),
        ("e.tsv row 3", "agent_type"), ("e.tsv row 4", "ref:9"), ("e.tsv row 5", "MONDO:0000000"),
        ("e.tsv row 6", "frobnication"),
    }
    for where, what in expected:
        assert any(p.startswith(where + ":") and what in p for p in problems), (where, what, problems)


def test_graph_metadata_names_the_release_and_the_model(kgx) -> None:
    import json

    from jakgraph import __version__

    meta = json.loads((kgx[2] / "jakgraph_kgx_metadata.json").read_text())
    assert meta["version"] == __version__ and meta["biolink_version"] == biolink_version()
    assert meta["node_count"] == len(kgx[0]) and meta["edge_count"] == len(kgx[1])
    assert meta["curie_map"]["finding"] == "https://w3id.org/jakgraph/finding/"
