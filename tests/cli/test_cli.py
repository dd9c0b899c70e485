"""The ``jakgraph`` command: build, query, export, stats and coverage, their output, and one-line errors with
non-zero exit codes for what a user can get wrong (a missing file, bad SPARQL)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from jakgraph.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_build_writes_every_dump(capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "build", "--output", str(tmp_path))
    assert code == 0, err
    assert out.startswith("built ") and "validated" in out
    for extension in ("ttl", "nt", "nq", "trig", "jsonld", "rdf"):
        dump = tmp_path / f"jakgraph.{extension}"
        assert dump.is_file() and dump.stat().st_size > 0
        assert (tmp_path / f"jakgraph.{extension}.sha256").is_file()


def test_query_table(capsys) -> None:
    code, out, _ = run(capsys, "query", "SELECT ?drug WHERE { ?drug a jak:JakInhibitor } ORDER BY ?drug")
    assert code == 0
    assert out.splitlines()[2:5] == ["drug:baricitinib", "drug:ruxolitinib", "drug:tofacitinib"]
    assert out.rstrip().endswith("(3 rows)")


def test_query_json_and_csv(capsys) -> None:
    query = "SELECT ?value WHERE { dose:savi-baricitinib-max-20-40kg jak:value ?value }"
    code, out, _ = run(capsys, "query", query, "--format", "json")
    assert code == 0
    bindings = json.loads(out)["results"]["bindings"]
    assert [float(b["value"]["value"]) for b in bindings] == [6.0]
    code, out, _ = run(capsys, "query", query, "--format", "csv")
    assert code == 0 and out.splitlines()[0].strip() == "value"


def test_query_from_file(capsys, tmp_path: Path) -> None:
    query = tmp_path / "q.rq"
    query.write_text("ASK { drug:baricitinib jak:usedToTreat disease:usp18-deficiency }", encoding="utf-8")
    code, out, _ = run(capsys, "query", "--file", str(query))
    assert (code, out.strip()) == (0, "true")


def test_query_missing_file_is_one_line_error(capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "query", "--file", str(tmp_path / "nowhere.rq"))
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and err.startswith("jakgraph: error: ") and "nowhere.rq" in err


def test_query_bad_sparql_is_one_line_error(capsys) -> None:
    code, out, err = run(capsys, "query", "SELEKT ?x WHERE { ?x ?y ?z }")
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and err.startswith("jakgraph: error: ")
    assert "Traceback" not in err


@pytest.mark.server
def test_bad_sparql_exit_code_from_the_installed_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jakgraph.cli", "query", "SELECT ?x WHERE { ?x ?y"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.slow
def test_export_every_format_parses(capsys, tmp_path: Path) -> None:
    for name, fmt, quads in (("nt", "nt", False), ("trig", "trig", True)):
        target = tmp_path / f"out.{name}"
        code, _, err = run(capsys, "export", "--format", name, "--output", str(target))
        assert code == 0 and f"wrote {target}" in err
        if quads:
            dataset = Dataset()
            dataset.parse(target, format=fmt)
            assert sum(len(g) for g in dataset.graphs()) > 1000
        else:
            assert len(Graph().parse(target, format=fmt)) > 1000


def test_export_unknown_format_is_refused(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--format", "yaml"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_stats(capsys) -> None:
    code, out, _ = run(capsys, "stats")
    assert code == 0
    assert "https://w3id.org/jakgraph/graph/letter" in out
    assert "https://w3id.org/jakgraph/graph/background" in out
    assert "https://w3id.org/jakgraph/vocab/TreatmentEvidence" in out


def test_coverage_text(capsys) -> None:
    code, out, _ = run(capsys, "coverage")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("title ")
    assert any(line.startswith("p2-s1 ") for line in lines)
    assert "stmt:savi-ruxolitinib" in out
    assert "not modelled: figure caption" in out
    assert lines[-1].startswith("35 of 40 sentences (87.5%) back at least one statement")


def test_coverage_json_and_strict(capsys) -> None:
    code, out, _ = run(capsys, "coverage", "--format", "json", "--strict")
    assert code == 0
    report = json.loads(out)
    assert report["total"] == 40 and report["backing"] == 35 and report["unexplained"] == []
    assert report["percentage"] == 87.5
    first = report["sentences"][1]
    assert first["key"] == "p1-s1" and first["statements"][0]["curie"] == "stmt:letter-answers-nash-et-al"
