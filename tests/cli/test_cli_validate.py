"""``jakgraph validate [FILE ...]``: exit codes, the three report formats, --strict, --verbose, --output."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from jakgraph.cli import main

FIXTURES = Path(__file__).parents[1] / "fixtures"
BASE = FIXTURES / "valid-base.ttl"
INVALID = FIXTURES / "invalid"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_the_curated_graph_conforms(capsys, built) -> None:
    code, out, _ = run(capsys)
    assert code == 0
    assert "the curated graph: conforms (0 violations" in out
    assert "Checked " in out and " constraints " in out


def test_valid_files_conform(capsys) -> None:
    code, out, _ = run(capsys, str(BASE))
    assert code == 0
    assert f"{BASE}: conforms (0 violations, 0 warnings, 0 notes)." in out


def test_a_violation_exits_1_with_the_node_its_label_the_path_the_value_and_the_message(capsys) -> None:
    code, out, _ = run(capsys, str(BASE), str(INVALID / "dose-unit.ttl"))
    assert code == 1
    lines = out.splitlines()
    head = lines.index('dose:fixture-unitless  "fixture-unitless"')
    assert lines[head + 1].strip() == "Violation  jak:unit  (no value)"
    assert lines[head + 2].strip().startswith("A dose must have a unit (jak:unit), exactly one")
    assert ": DOES NOT CONFORM (1 violation, 0 warnings, 0 notes)." in out


def test_the_offending_value_is_shown(capsys) -> None:
    code, out, _ = run(capsys, str(BASE), str(INVALID / "patient-group-sex.ttl"))
    assert code == 1
    assert 'Violation  jak:sex  "female"' in out
    assert "The sex of a patient group (jak:sex) must be schema:Female or schema:Male." in out


def test_results_are_grouped_by_focus_node(capsys) -> None:
    code, out, _ = run(capsys, str(BASE), str(INVALID / "patient-group-not-part-of-itself.ttl"))
    assert code == 1
    assert out.count('cohort:fixture-loop-a  "loop a"') == 1
    assert out.count('cohort:fixture-loop-b  "loop b"') == 1


def test_warnings_do_not_fail_unless_strict(capsys) -> None:
    warning = INVALID / "dose-treatment.ttl"
    code, out, _ = run(capsys, str(BASE), str(warning))
    assert code == 0
    assert ": conforms (0 violations, 1 warning, 0 notes)." in out
    assert "Warning    ^jak:dose  (no value)" in out
    code, out, _ = run(capsys, "--strict", str(BASE), str(warning))
    assert code == 1
    assert ": DOES NOT CONFORM with --strict, where warnings fail (0 violations, 1 warning, 0 notes)." in out


def test_notes_are_counted_and_listed_with_verbose(capsys) -> None:
    note = INVALID / "approximate-notice.ttl"
    code, out, _ = run(capsys, str(BASE), str(note))
    assert code == 0
    assert "1 notes (sh:Info) not listed; --verbose lists them." in out
    assert "Info " not in out
    code, out, _ = run(capsys, "--verbose", "--strict", str(BASE), str(note))
    assert code == 0
    assert "Info       jak:approximate  \"true\"^^xsd:boolean" in out
    assert "check it against the printed text (helped)" in out


def test_json_report(capsys) -> None:
    code, out, _ = run(capsys, "--format", "json", str(BASE), str(INVALID / "dose-unit.ttl"))
    assert code == 1
    body = json.loads(out)
    assert body["conforms"] is False
    assert body["counts"] == {"Violation": 1, "Warning": 0, "Info": 0}
    (result,) = body["results"]
    assert result["focus"] == "dose:fixture-unitless"
    assert result["focusNode"] == "https://w3id.org/jakgraph/dose/fixture-unitless"
    assert result["label"] == "fixture-unitless"
    assert result["path"] == "jak:unit"
    assert result["severity"] == "Violation"
    assert result["sourceShape"] == "shape:Dose-unit"
    assert result["constraint"] == "MinCountConstraintComponent"
    assert result["message"].startswith("A dose must have a unit")
    assert body["shapes"]["constraints"]["Violation"] > 100


def test_turtle_report_is_a_shacl_validation_report(capsys) -> None:
    code, out, _ = run(capsys, "--format", "turtle", str(BASE), str(INVALID / "dose-unit.ttl"))
    assert code == 1
    report = Graph().parse(data=out, format="turtle")
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    assert str(report.value(node, SH.conforms)) == "false"
    assert len(list(report.subjects(RDF.type, SH.ValidationResult))) == 1


def test_output_file(capsys, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, err = run(capsys, "--format", "json", "--output", str(target), str(BASE))
    assert code == 0 and out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["conforms"] is True
    assert f"report written to {target}" in err


def test_an_unreadable_file_exits_2_naming_file_and_line(capsys, tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e ex:f ex:g .\n', encoding="utf-8")
    code, out, err = run(capsys, str(BASE), str(broken))
    assert code == 2 and out == ""
    assert err.startswith(f"jakgraph: error: {broken}:3: bad syntax")


def test_a_missing_file_exits_2(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, str(tmp_path / "nowhere.ttl"))
    assert code == 2
    assert "no such file" in err


def test_other_shapes_can_be_given(capsys, tmp_path: Path) -> None:
    shapes = tmp_path / "one.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix jak: <https://w3id.org/jakgraph/vocab/> .\n"
        "<https://example.org/s> a sh:NodeShape ; sh:targetClass jak:Dose ;\n"
        "  sh:property [ sh:path jak:approximate ; sh:minCount 1 ; sh:severity sh:Warning ; sh:message \"Say whether it is approximate.\" ] .\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "--shapes", str(shapes), str(BASE))
    assert code == 0
    assert "Say whether it is approximate." in out
