"""The SHACL shapes and the validator: the curated graph conforms, and every constraint catches its defect.

Every constraint (a property shape, the node-level constraints of a node shape, or a SPARQL-based
constraint) has a minimal invalid fixture in tests/fixtures/invalid/: a few triples that, added to the
valid base graph tests/fixtures/valid-base.ttl, fail that constraint, with its message, and nothing else.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from jakgraph import paths
from jakgraph.build import identifier_shapes
from jakgraph.build import pipeline as build_module
from jakgraph.build.report import compact
from jakgraph.build.sources import parse_file
from jakgraph.build.validation import (
    _NOT_CONSTRAINT_PARAMETERS,
    ValidationOutcome,
    load_files,
    load_shapes,
    require_conformance,
    shapes_summary,
    validate_dataset,
    validate_graph,
)
from jakgraph.cli import main
from jakgraph.errors import SourceError, ValidationFailed
from jakgraph.namespaces import BACKGROUND_GRAPH, DERIVED_GRAPH, JAK, LETTER_GRAPH, SHAPES_GRAPH

FIXTURES = Path(__file__).parents[1] / "fixtures"
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
SHAPE_LINE = re.compile(r"^# shape: (\S+)$", re.M)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def base_graph() -> Graph:
    return load_files([FIXTURES / "valid-base.ttl"])


def curie(node: Node) -> str:
    """The node's CURIE; every node these tests name has one."""
    text = compact(node)
    assert text is not None, node
    return text


def constraint_shapes(shapes: Graph) -> set[str]:
    """Every named shape that carries a constraint of its own (what a fixture must exist for)."""
    found = set()
    candidates = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    candidates |= set(shapes.objects(None, SH.property))
    for shape in candidates:
        if not isinstance(shape, URIRef):
            continue
        own = [p for p in shapes.predicates(shape, None) if str(p).startswith(str(SH)) and p not in _NOT_CONSTRAINT_PARAMETERS]
        if own:
            found.add(curie(shape))
    return found


def message_pattern(shapes: Graph, shape_curie: str) -> re.Pattern[str]:
    """The messages the shape may produce, with {?var} substitutions as wildcards."""
    shape = next(s for s in set(shapes.subjects()) if isinstance(s, URIRef) and compact(s) == shape_curie)
    templates = [str(m) for m in shapes.objects(shape, SH.message)]
    templates += [str(m) for q in shapes.objects(shape, SH.sparql) for m in shapes.objects(q, SH.message)]
    assert templates, f"{shape_curie} has no sh:message"
    alternatives = []
    for template in templates:
        parts = re.split(r"\{[?$]\w+\}", template)
        alternatives.append(".+?".join(re.escape(p) for p in parts))
    return re.compile("^(?:" + "|".join(alternatives) + ")$", re.S)


# -- the curated graph -------------------------------------------------------------------------------


def test_curated_graph_conforms(built) -> None:
    assert built.validation is not None
    assert built.validation.conforms, built.validation.report.first_problems(10)
    assert built.validation.report.counts()["Violation"] == 0


def test_shapes_are_loaded_into_their_named_graph(built) -> None:
    shapes_in_dataset = built.dataset.graph(SHAPES_GRAPH)
    assert (URIRef("https://w3id.org/jakgraph/shape/Dose-unit"), RDF.type, SH.PropertyShape) in shapes_in_dataset
    rows = list(built.store.query(
        "SELECT ?message WHERE { GRAPH graph:shapes { shape:Dose-unit sh:message ?message } }",
        prefixes={"graph": "https://w3id.org/jakgraph/graph/", "shape": "https://w3id.org/jakgraph/shape/",
                  "sh": str(SH)},
    ))
    assert rows and "A dose must have a unit" in rows[0]["message"].value


def test_every_ontology_class_has_a_node_shape(shapes: Graph) -> None:
    ontology = Graph()
    for path in paths.ONTOLOGY_DIR.glob("*.ttl"):
        parse_file(path, into=ontology)
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(str(JAK))}
    targeted = set(shapes.objects(None, SH.targetClass))
    missing = sorted(curie(c) for c in classes - targeted)
    assert not missing, f"classes without a node shape: {missing}"


def test_every_property_the_data_uses_has_a_property_shape(built, shapes: Graph) -> None:
    paths_in_shapes: set[URIRef] = set()
    for path in shapes.objects(None, SH.path):
        if isinstance(path, URIRef):
            paths_in_shapes.add(path)
        alternatives = shapes.value(path, SH.alternativePath)
        if alternatives is not None:
            paths_in_shapes.update(p for p in shapes.items(alternatives) if isinstance(p, URIRef))
    used = set()
    for name in (LETTER_GRAPH, BACKGROUND_GRAPH, DERIVED_GRAPH):
        used.update(built.dataset.graph(name).predicates())
    missing = sorted(curie(p) for p in used - paths_in_shapes - {RDF.type})
    assert not missing, f"properties used by the data with no property shape: {missing}"


@pytest.mark.slow
def test_every_constraint_has_a_message_and_a_severity(shapes: Graph) -> None:
    problems = []
    for curie in sorted(constraint_shapes(shapes)):
        shape = next(s for s in set(shapes.subjects()) if isinstance(s, URIRef) and compact(s) == curie)
        if shapes.value(shape, SH.severity) not in (SH.Violation, SH.Warning, SH.Info):
            problems.append(f"{curie}: no sh:severity")
        own_message = shapes.value(shape, SH.message) is not None
        sparql_messages = all(shapes.value(q, SH.message) is not None for q in shapes.objects(shape, SH.sparql))
        has_own_constraints = any(
            p for p in shapes.predicates(shape, None)
            if str(p).startswith(str(SH)) and p not in _NOT_CONSTRAINT_PARAMETERS and p != SH.sparql
        )
        if (has_own_constraints and not own_message) or not sparql_messages:
            problems.append(f"{curie}: no sh:message")
    assert not problems, problems


def test_every_property_shape_is_documented(shapes: Graph) -> None:
    undocumented = []
    for shape in set(shapes.subjects(RDF.type, SH.PropertyShape)):
        for prop in (SH.name, SH.description, SH.order):
            if shapes.value(shape, prop) is None:
                undocumented.append(f"{compact(shape)} has no {compact(prop)}")
    assert not undocumented, undocumented


@pytest.mark.parametrize(
    ("prop", "scheme"),
    [
        (JAK.outcomeType, JAK.OutcomeType),
        (JAK.consequence, JAK.Consequence),
        (JAK.switchReason, JAK.SwitchReason),
        (JAK.dosingBasis, JAK.DosingBasis),
    ],
)
def test_controlled_value_lists_match_the_ontology(shapes: Graph, prop: URIRef, scheme: URIRef) -> None:
    ontology = Graph()
    for path in paths.ONTOLOGY_DIR.glob("*.ttl"):
        parse_file(path, into=ontology)
    concepts = set(ontology.subjects(RDF.type, scheme))
    lists = [shapes.value(s, SH["in"]) for s in shapes.subjects(SH.path, prop) if shapes.value(s, SH["in"]) is not None]
    assert lists, f"no sh:in list for {compact(prop)}"
    for members in lists:
        assert members is not None and set(shapes.items(members)) == concepts


def test_identifier_shapes_are_generated_from_the_prefix_table() -> None:
    committed = Graph()
    parse_file(paths.SHAPES_DIR / "identifiers.ttl", into=committed)
    assert isomorphic(committed, identifier_shapes.generate_shapes()), (
        "shapes/identifiers.ttl is not what reference/identifiers/prefixes.tsv gives: run python -m jakgraph.build.identifier_shapes"
    )


def test_shapes_summary_counts(shapes: Graph) -> None:
    summary = shapes_summary(shapes)
    assert summary.node_shapes > 40 and summary.property_shapes > 100
    # each shape carries one check (its own parameters, or one SPARQL constraint), never both
    assert summary.total_constraints == len(constraint_shapes(shapes))
    assert set(summary.constraints) == {"Violation", "Warning", "Info"}
    assert all(n > 0 for n in summary.constraints.values())


# -- one minimal invalid fixture per constraint -----------------------------------------------------


def test_the_valid_base_has_no_result_at_all(shapes: Graph, base_graph: Graph) -> None:
    report = validate_graph(base_graph, shapes).report
    assert report is not None
    assert report.results == (), report.to_text(verbose=True)


def test_every_constraint_has_an_invalid_fixture(shapes: Graph) -> None:
    covered = {SHAPE_LINE.search(path.read_text(encoding="utf-8")).group(1) for path in INVALID}  # type: ignore[union-attr]
    missing = sorted(constraint_shapes(shapes) - covered)
    assert not missing, f"constraints without a fixture in tests/fixtures/invalid/: {missing}"
    unknown = sorted(covered - constraint_shapes(shapes))
    assert not unknown, f"fixtures for shapes that do not exist: {unknown}"


@pytest.mark.slow
@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_fails_its_constraint_and_nothing_else(fixture: Path, shapes: Graph, base_graph: Graph) -> None:
    expected = SHAPE_LINE.search(fixture.read_text(encoding="utf-8")).group(1)  # type: ignore[union-attr]
    data = Graph()
    for triple in base_graph:
        data.add(triple)
    parse_file(fixture, into=data)
    report = validate_graph(data, shapes).report
    assert report is not None
    assert report.results, f"{fixture.name}: {expected} did not fire"
    others = [r for r in report.results if r.source_shape != expected]
    assert not others, f"{fixture.name}: other constraints fired too: " + "; ".join(
        f"{r.source_shape}: {r.message}" for r in others
    )
    pattern = message_pattern(shapes, expected)
    for result in report.results:
        assert pattern.match(result.message), f"{fixture.name}: unexpected message {result.message!r}"
    declared = shapes.value(next(s for s in set(shapes.subjects()) if compact(s) == expected), SH.severity)
    assert {r.severity for r in report.results} == {str(declared).removeprefix(str(SH))}
    severity = report.results[0].severity
    assert report.conforms == (severity != "Violation")
    assert report.passes(strict=True) == (severity == "Info")


# -- editing the curated data ---------------------------------------------------------------------


def _copy(dataset: Dataset) -> Dataset:
    copy = Dataset()
    for graph in dataset.graphs():
        target = copy.graph(graph.identifier)
        for triple in graph:
            target.add(triple)
    return copy


def _a_dose_with_a_unit(dataset: Dataset) -> URIRef:
    letter = dataset.graph(LETTER_GRAPH)
    doses = sorted(s for s in letter.subjects(JAK.unit, None) if isinstance(s, URIRef)
                   and ((s, RDF.type, JAK.MaximumDose) in letter or (s, RDF.type, JAK.UsedDose) in letter))
    assert doses, "the curated data has no dose with a unit"
    return doses[0]


@pytest.mark.slow
def test_a_dose_edited_to_have_no_unit_fails_naming_the_node_and_the_problem(built) -> None:
    dataset = _copy(built.dataset)
    dose = _a_dose_with_a_unit(dataset)
    dataset.graph(LETTER_GRAPH).remove((dose, JAK.unit, None))
    with pytest.raises(ValidationFailed) as caught:
        require_conformance(dataset)
    message = str(caught.value)
    assert curie(dose) in message
    assert "A dose must have a unit" in message
    assert dataset.graph(LETTER_GRAPH).value(dose, RDFS.label) is not None
    assert str(dataset.graph(LETTER_GRAPH).value(dose, RDFS.label)) in message


@pytest.mark.slow
def test_a_patient_count_edited_to_exceed_its_cohort_fails_naming_the_node_and_the_problem(built) -> None:
    dataset = _copy(built.dataset)
    letter = dataset.graph(LETTER_GRAPH)
    counted = sorted(s for s in letter.subjects(JAK.cohortTotal, None)
                     if isinstance(s, URIRef) and letter.value(s, JAK.patientCount) is not None)
    assert counted, "the curated data has no count out of a cohort total"
    node = counted[0]
    cohort_total = letter.value(node, JAK.cohortTotal)
    assert isinstance(cohort_total, Literal)
    total = int(cohort_total)
    letter.set((node, JAK.patientCount, Literal(total + 1)))
    outcome = validate_dataset(dataset)
    report = outcome.report
    assert not outcome.conforms and report is not None
    hits = [r for r in report.results if r.focus == compact(node)]
    assert any("must not exceed its cohort total" in r.message for r in hits), report.to_text()
    assert all(r.severity == "Violation" for r in hits)


@pytest.mark.slow
def test_a_build_refuses_a_graph_that_does_not_conform_and_says_why(built, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = _copy(built.dataset)
    dose = _a_dose_with_a_unit(dataset)
    dataset.graph(LETTER_GRAPH).remove((dose, JAK.unit, None))
    dataset.remove_graph(dataset.graph(DERIVED_GRAPH))
    monkeypatch.setattr(build_module, "load_curated", lambda: dataset)
    with pytest.raises(ValidationFailed) as caught:
        build_module.build_graph(validate=True)
    assert "does not conform" in str(caught.value) and curie(dose) in str(caught.value)
    outcome = caught.value.report
    assert isinstance(outcome, ValidationOutcome) and not outcome.conforms


@pytest.mark.slow
def test_the_build_command_refuses_and_writes_no_dumps(built, monkeypatch, tmp_path, capsys) -> None:
    dataset = _copy(built.dataset)
    dose = _a_dose_with_a_unit(dataset)
    dataset.graph(LETTER_GRAPH).remove((dose, JAK.unit, None))
    dataset.remove_graph(dataset.graph(DERIVED_GRAPH))
    monkeypatch.setattr(build_module, "load_curated", lambda: dataset)
    code = main(["build", "--output", str(tmp_path)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("jakgraph: error: the curated graph does not conform") and "A dose must have a unit" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_the_server_refuses_to_start_on_a_graph_that_does_not_conform(built, monkeypatch) -> None:
    from jakgraph.settings import Settings
    from jakgraph.web.state import AppState

    dataset = _copy(built.dataset)
    dose = _a_dose_with_a_unit(dataset)
    dataset.graph(LETTER_GRAPH).remove((dose, JAK.unit, None))
    dataset.remove_graph(dataset.graph(DERIVED_GRAPH))
    monkeypatch.setattr(build_module, "load_curated", lambda: dataset)
    with pytest.raises(ValidationFailed) as caught:
        AppState.create(Settings(store_dir=None))
    assert curie(dose) in str(caught.value)


# -- files that cannot be read -----------------------------------------------------------------------


def test_an_unreadable_file_gives_exit_2_and_its_line(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        "@prefix jak: <https://w3id.org/jakgraph/vocab/> .\n\n<https://example.org/a> jak:value 1 .\n"
        "<https://example.org/b> jak:value \"unterminated .\n",
        encoding="utf-8",
    )
    assert main(["validate", str(broken)]) == 2
    err = capsys.readouterr().err
    assert f"{broken}:4:" in err and "bad syntax" in err


def test_a_syntax_error_names_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n" * 6
                      + "<https://example.org/a> <https://example.org/b> .\n", encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        load_files([broken])
    assert caught.value.line == 7


def test_validation_uses_no_inference(shapes: Graph, base_graph: Graph) -> None:
    """A dose typed only as a maximum dose is still checked as a dose: the class target follows the
    ontology's rdfs:subClassOf in the data graph, no inference needed (and none is run)."""
    data = Graph()
    for triple in base_graph:
        data.add(triple)
    data.remove((URIRef("https://w3id.org/jakgraph/dose/fixture-dose"), JAK.unit, None))
    report = validate_graph(data, shapes).report
    assert report is not None
    assert any(r.source_shape == "shape:Dose-unit" and r.focus == "dose:fixture-dose" for r in report.results)
    assert (URIRef("https://w3id.org/jakgraph/dose/fixture-dose"), RDF.type, JAK.Dose) not in data
