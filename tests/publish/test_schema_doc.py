"""``jakgraph schema``: the schema documentation generated from the shapes, and docs/schema.md kept current."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS, SH

from jakgraph import paths
from jakgraph.build.validation import GUARDED_GRAPHS, shapes_graph, to_store
from jakgraph.cli import main
from jakgraph.namespaces import JAK, ONTOLOGY_GRAPH
from jakgraph.publish.schema_doc import mask_examples, render, render_curated

COMMITTED = paths.ROOT / "docs" / "schema.md"


@pytest.fixture(scope="module")
def document(built) -> str:
    ontology = Graph()
    for triple in built.dataset.graph(ONTOLOGY_GRAPH):
        ontology.add(triple)
    store = to_store(t for g in GUARDED_GRAPHS for t in built.dataset.graph(g))
    return render(shapes_graph(built.dataset), ontology, store)


def test_docs_schema_md_is_up_to_date(document: str) -> None:
    committed = COMMITTED.read_text(encoding="utf-8")
    # examples come from the data, which grows; everything else must match exactly
    assert mask_examples(committed) == mask_examples(document), (
        "docs/schema.md is out of date: run `jakgraph schema --output docs/schema.md`"
    )


def test_every_class_of_the_ontology_has_a_section(built, document: str) -> None:
    ontology = built.dataset.graph(ONTOLOGY_GRAPH)
    for cls in ontology.subjects(RDF.type, OWL.Class):
        if str(cls).startswith(str(JAK)):
            label = str(ontology.value(cls, RDFS.label))
            assert f"\n### {label}\n" in document, label
            assert f"Class `jak:{str(cls).removeprefix(str(JAK))}`" in document


def test_every_property_shape_is_listed(built, document: str) -> None:
    shapes = shapes_graph(built.dataset)
    for prop in shapes.subjects(RDF.type, SH.PropertyShape):
        name = str(shapes.value(prop, SH.name))
        assert f"| {name} |" in document, name


def test_a_property_row_has_cardinality_value_type_severity_and_an_example(document: str) -> None:
    dose = document[document.index("\n### dose\n"):document.index("\n### maximum dose\n")]
    row = next(line for line in dose.splitlines() if line.startswith("| `jak:unit` |"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    assert cells[1] == "unit"
    assert cells[2] == "1"
    assert cells[3] == "one of `unit:MilliGM-PER-DAY`, `unit:MilliGM-PER-KiloGM-DAY`"
    assert cells[4] == "Violation"
    assert re.fullmatch(r"`unit:MilliGM-PER-(KiloGM-)?DAY`", cells[5])


def test_examples_come_from_the_data(built, document: str) -> None:
    symbols = {str(o) for g in GUARDED_GRAPHS for o in built.dataset.graph(g).objects(None, JAK.symbol)}
    gene = document[document.index("\n### gene\n"):document.index("\n### protein\n")]
    row = next(line for line in gene.splitlines() if line.startswith("| `jak:symbol` |"))
    example = row.rstrip(" |").rsplit(" | ", 1)[1].strip("`").strip('"')
    assert example in symbols, row


def test_rules_list_sparql_constraints_with_their_message(document: str) -> None:
    assert "- **Violation** (SPARQL, `shape:PatientGroup-part-not-larger`): A patient group cannot have more patients" in document
    assert "(sh:xone, `shape:Dose-amount`)" in document


@pytest.mark.slow
def test_the_schema_command_writes_markdown(tmp_path: Path, capsys, built) -> None:
    target = tmp_path / "schema.md"
    assert main(["schema", "--output", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# jakgraph schema\n")
    assert "## Shared shapes" in text
    assert f"wrote {target}" in capsys.readouterr().err


@pytest.mark.slow
def test_the_schema_command_prints_to_stdout(capsys, built) -> None:
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == render_curated()
