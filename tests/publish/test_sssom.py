"""SSSOM: every skos:*Match of the graph, written and validated by sssom-py (parse + validate, zero problems)."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from jakgraph import __version__, paths
from jakgraph.build.pipeline import BuiltGraph
from jakgraph.cli import main
from jakgraph.publish.sssom import MANUAL, PREDICATES, mappings, write_sssom
from jakgraph.stores.bridge import select_rows


@pytest.fixture(scope="module")
def sssom_file(built: BuiltGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sssom(built.store, tmp_path_factory.mktemp("sssom") / "jakgraph.sssom.tsv")


def _parse(path: Path):  # noqa: ANN202 - sssom.MappingSetDataFrame
    from sssom.parsers import parse_sssom_table

    # strict=True is unusable in sssom 0.4.21: it raises "non-standard and undefined metadata" exactly when the
    # metadata is standard (it passes the result of _is_irregular_metadata as is_valid); validate() below checks
    return parse_sssom_table(path)


def _problems(msdf) -> dict[str, list[str]]:  # noqa: ANN001
    from sssom.validators import VALIDATION_METHODS

    found: dict[str, list[str]] = {}
    for kind, method in VALIDATION_METHODS.items():
        try:
            report = method(msdf, False)
        except NotImplementedError:  # Shacl and Sparql are not implemented in sssom-py
            continue
        found[kind.value] = [r.message for r in report.results]
    return found


@pytest.mark.slow
def test_sssom_py_parses_and_validates_with_zero_problems(built: BuiltGraph, sssom_file: Path) -> None:
    msdf = _parse(sssom_file)
    problems = _problems(msdf)
    assert set(problems) >= {"JsonSchema", "PrefixMapCompleteness", "StrictCurieFormat"}
    assert all(v == [] for v in problems.values()), problems
    values = " ".join(f"skos:{p}" for p in PREDICATES)
    query = (f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} "
             "?s ?p ?o . FILTER(isIRI(?s) && isIRI(?o)) } }")
    expected = int(select_rows(built.store, query)[0]["n"].value)
    assert len(msdf.df) == expected == len(mappings(built.store))
    assert set(msdf.df["mapping_justification"]) == {MANUAL}
    assert msdf.metadata["mapping_set_version"] == __version__
    assert msdf.metadata["license"] == "https://creativecommons.org/licenses/by/4.0/"


@pytest.mark.slow
def test_undeclared_prefixes_are_rejected(sssom_file: Path, tmp_path: Path) -> None:
    """The validation is not a rubber stamp: an object CURIE whose prefix the metadata does not declare fails.
    (sssom-py 0.4.21 does not report a missing mapping_justification; the spec requires it, so a test above
    checks every row has one.)"""
    lines = sssom_file.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    columns = lines[header].split("\t")
    cells = lines[header + 1].split("\t")
    cells[columns.index("object_id")] = "NOSUCHPREFIX:0001"
    lines[header + 1] = "\t".join(cells)
    broken = tmp_path / "broken.sssom.tsv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = _problems(_parse(broken))
    assert any("NOSUCHPREFIX" in message for message in problems["PrefixMapCompleteness"]), problems


def test_rows_carry_labels_sources_and_the_checked_identifiers(sssom_file: Path) -> None:
    lines = [line for line in sssom_file.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    savi = next(r for r in rows if r["subject_id"] == "disease:savi" and r["object_id"] == "MONDO:0014405")
    assert savi["predicate_id"] == "skos:exactMatch" and savi["mapping_source"] == "source:mondo"
    assert savi["subject_label"] == "STING-associated vasculopathy with onset in infancy"
    table: dict[str, str] = {}
    with paths.IDENTIFIERS_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            table.setdefault(row["iri"], row["label"])
    assert savi["object_label"] == table["http://purl.obolibrary.org/obo/MONDO_0014405"]
    assert {r["predicate_id"] for r in rows} <= {f"skos:{p}" for p in PREDICATES}
    assert all(r["author_id"] == "infores:jakgraph" for r in rows)
    labelled = sum(1 for r in rows if r["object_label"])
    assert labelled > len(rows) / 2  # most objects are in the identifier table; vocabulary alignments are not


def test_cli_export_sssom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.sssom.tsv"
    assert main(["export", "--format", "sssom", "-o", str(out)]) == 0
    assert "mappings" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8").startswith("# ")
    assert not (tmp_path / "m.sssom.tsv.sha256").exists()
