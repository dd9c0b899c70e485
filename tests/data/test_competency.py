"""Competency questions: each ``tests/competency/NN-name.rq`` runs on the built graph and must give exactly the
rows of ``NN-name.expected.tsv`` beside it (in any order).

The expected files were written from what the letter (or, for background questions, the reference tables)
says, not copied from query output. Cells: project IRIs as CURIEs (``drug:ruxolitinib``, ``MONDO:0014405``),
other IRIs in full, literals by their lexical form, numbers compared as numbers, an empty cell for unbound.
"""
from __future__ import annotations

from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import pytest

from jakgraph.namespaces import PREFIXES, curie

FOLDER = Path(__file__).parents[1] / "competency"
QUESTIONS = sorted(FOLDER.glob("*.rq"))
NUMERIC = {
    "http://www.w3.org/2001/XMLSchema#" + name
    for name in ("decimal", "integer", "double", "float", "nonNegativeInteger", "positiveInteger", "int", "long")
}


def cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return curie(term.value)
    if isinstance(term, ox.Literal):
        return number(term.value) if term.datatype.value in NUMERIC else term.value
    return str(term)


def number(text: str) -> str:
    """A number in one canonical spelling: 6, 6.0 and 6.00 are all "6"."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def expected_rows(path: Path) -> tuple[list[str], Counter]:
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        values = line.split("\t")
        values += [""] * (len(header) - len(values))
        rows.append(tuple(number(v) for v in values))
    return header, Counter(rows)


def test_there_are_at_least_thirty_questions() -> None:
    assert len(QUESTIONS) >= 30
    for query in QUESTIONS:
        assert query.with_suffix(".expected.tsv").is_file(), f"{query.name} has no expected answer"
        assert query.read_text(encoding="utf-8").startswith("#"), f"{query.name} should say what it asks"


@pytest.mark.parametrize("query", QUESTIONS, ids=[q.stem for q in QUESTIONS])
def test_competency_question(built, query: Path) -> None:
    header, expected = expected_rows(query.with_suffix(".expected.tsv"))
    solutions = built.store.query(
        query.read_text(encoding="utf-8"), use_default_graph_as_union=True, prefixes=PREFIXES
    )
    variables = [v.value for v in solutions.variables]
    assert variables == header, f"{query.name}: columns {variables}, expected {header}"
    actual = Counter(tuple(cell(row[name]) for name in variables) for row in solutions)
    missing = expected - actual
    extra = actual - expected
    assert not missing and not extra, f"{query.name}:\n  missing {sorted(missing)}\n  unexpected {sorted(extra)}"
