"""The pyshacl speed-ups change the time a validation takes and nothing else, and stay fenced.

- Same reports: the curated graph and every invalid fixture (tests/fixtures/invalid/, each with the valid
  base, as tests/build/test_validation.py uses them) are validated with the speed-ups and without them
  (pyshacl as shipped); the results (focus node, path, value, constraint component, source shape, severity,
  message) and the report graphs must be identical.
- The fence: a pyshacl release the speed-ups were not written for gets none of them (pyshacl untouched),
  validates correctly all the same, and the log says so once.
- The constraint-parameter list answers ``in`` from the list's current contents whatever changed it, so a
  pyshacl that adds (or removes) a constraint parameter with extend, ``+=``, insert or slicing instead of
  append still has every constraint evaluated.
"""
from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyshacl.shape as pyshacl_shape
import pytest
from pyshacl.graph_abstraction import OxigraphDataGraph
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SH

from jakgraph.build import shacl_speedups
from jakgraph.build.shacl_speedups import MembershipList
from jakgraph.build.sources import parse_file
from jakgraph.build.validation import (
    ValidationOutcome,
    load_files,
    load_shapes,
    validate_dataset,
    validate_graph,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def base_graph() -> Graph:
    return load_files([FIXTURES / "valid-base.ttl"])


@pytest.fixture(autouse=True)
def speedups_back_afterwards() -> Iterator[None]:
    yield
    shacl_speedups.uninstall()
    assert shacl_speedups.install(), "the installed pyshacl should be one the speed-ups were written for"


def result_rows(outcome: ValidationOutcome) -> list[tuple[Any, ...]]:
    assert outcome.report is not None
    rows = [(r.focus_node, r.path, r.value, r.constraint, r.source_shape, r.severity, r.message)
            for r in outcome.report.results]
    return sorted(rows, key=repr)


def with_and_without(validate: Callable[[], ValidationOutcome]) -> tuple[ValidationOutcome, ValidationOutcome]:
    with shacl_speedups.suspended():
        plain = validate()
        assert not shacl_speedups.active()
    fast = validate()
    assert shacl_speedups.active()
    return plain, fast


def assert_same_reports(plain: ValidationOutcome, fast: ValidationOutcome) -> None:
    assert fast.conforms == plain.conforms
    assert result_rows(fast) == result_rows(plain)
    assert isomorphic(fast.report_graph, plain.report_graph)


# -- identical reports ------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_curated_graph_gets_the_same_report_with_and_without(built) -> None:
    plain, fast = with_and_without(lambda: validate_dataset(built.dataset))
    assert_same_reports(plain, fast)
    assert result_rows(plain), "the curated graph's report has warnings and notes: something to compare"


@pytest.mark.slow
@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_an_invalid_fixture_gets_the_same_report_with_and_without(fixture: Path, shapes: Graph, base_graph: Graph) -> None:
    data = Graph()
    for triple in base_graph:
        data.add(triple)
    parse_file(fixture, into=data)
    plain, fast = with_and_without(lambda: validate_graph(data, shapes))
    assert result_rows(plain), f"{fixture.name} fires nothing: nothing was compared"
    assert_same_reports(plain, fast)


def test_there_are_invalid_fixtures_to_compare() -> None:
    assert len(INVALID) > 100


# -- the fence --------------------------------------------------------------------------------------

TINY_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:NeedsP a sh:NodeShape ; sh:targetNode ex:a ;
    sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:message "ex:a has no ex:p" ] .
ex:OkIsTrue a sh:NodeShape ; sh:targetNode ex:a ;
    sh:expression [ sh:path ex:ok ] ; sh:message "ex:ok is not true" .
"""
TINY_DATA = "@prefix ex: <http://example.org/> . ex:a ex:ok false ."


def tiny_messages() -> set[str]:
    outcome = validate_graph(Graph().parse(data=TINY_DATA, format="turtle"), Graph().parse(data=TINY_SHAPES, format="turtle"))
    assert outcome.report is not None
    return {r.message for r in outcome.report.results}


def pyshacl_is_as_shipped() -> bool:
    params = getattr(pyshacl_shape, "CONSTRAINT_PARAMS", (None,))[0]
    return (
        not isinstance(params, MembershipList)
        and SPARQLQueryHelper.check_invalid_sparql.__module__ == "pyshacl.helper.sparql_query_helper"
        and "__bool__" not in vars(OxigraphDataGraph)
    )


def test_the_speedups_are_for_the_installed_pyshacl_and_install_once() -> None:
    assert shacl_speedups.installed_pyshacl_version() in shacl_speedups.SUPPORTED_PYSHACL
    shacl_speedups.uninstall()
    assert pyshacl_is_as_shipped()
    assert shacl_speedups.install() and shacl_speedups.install()
    assert not pyshacl_is_as_shipped()
    assert isinstance(pyshacl_shape.CONSTRAINT_PARAMS[0], MembershipList)  # type: ignore[attr-defined]
    shacl_speedups.uninstall()
    assert pyshacl_is_as_shipped(), "uninstall puts back pyshacl as shipped"


def test_an_unknown_pyshacl_release_validates_unpatched_and_says_so_once(monkeypatch, caplog) -> None:
    shacl_speedups.uninstall()
    monkeypatch.setattr(shacl_speedups, "installed_pyshacl_version", lambda: "0.41.0")
    with caplog.at_level(logging.WARNING, logger=shacl_speedups.__name__):
        assert not shacl_speedups.install()
        messages = tiny_messages()  # the validator asks for the speed-ups itself
        assert not shacl_speedups.install()
    assert pyshacl_is_as_shipped()
    assert messages == {"ex:a has no ex:p", "ex:ok is not true"}
    refusals = [r for r in caplog.records if "0.41.0" in r.getMessage()]
    assert len(refusals) == 1, [r.getMessage() for r in caplog.records]
    assert "without them" in refusals[0].getMessage()


def test_a_validation_puts_the_speedups_in_itself() -> None:
    shacl_speedups.uninstall()
    assert tiny_messages() == {"ex:a has no ex:p", "ex:ok is not true"}  # sh:expression included
    assert shacl_speedups.active()


# -- membership under every list operation -----------------------------------------------------------

A, B, C, D = (URIRef(f"http://example.org/{n}") for n in "abcd")
OUTSIDERS = (URIRef("http://example.org/z"), "http://example.org/a", 3)

#: every way to change a list in place (list's mutating methods, the operators, and the base type's own
#: append called past the subclass); each must leave ``in`` right
OPERATIONS: dict[str, Callable[[list[Any]], object]] = {
    "append": lambda xs: xs.append(D),
    "list.append": lambda xs: list.append(xs, D),
    "extend": lambda xs: xs.extend([D, C]),
    "+=": lambda xs: xs.__iadd__([D]),
    "*=": lambda xs: xs.__imul__(0),
    "insert": lambda xs: xs.insert(0, D),
    "item assignment": lambda xs: xs.__setitem__(0, D),
    "slice assignment": lambda xs: xs.__setitem__(slice(1, None), [D]),
    "del item": lambda xs: xs.__delitem__(0),
    "del slice": lambda xs: xs.__delitem__(slice(0, 2)),
    "pop": lambda xs: xs.pop(),
    "remove": lambda xs: xs.remove(B),
    "clear": lambda xs: xs.clear(),
    "sort": lambda xs: xs.sort(),
    "reverse": lambda xs: xs.reverse(),
}
MUTATING_LIST_METHODS = {
    "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
    "__iadd__", "__imul__", "__setitem__", "__delitem__",
}


def test_the_operations_cover_every_mutating_list_method() -> None:
    named = {"+=": "__iadd__", "*=": "__imul__", "item assignment": "__setitem__", "slice assignment": "__setitem__",
             "del item": "__delitem__", "del slice": "__delitem__", "list.append": "append"}
    assert {named.get(op, op) for op in OPERATIONS} == MUTATING_LIST_METHODS


@pytest.mark.parametrize("operation", OPERATIONS)
def test_membership_follows_every_list_operation(operation: str) -> None:
    fast, plain = MembershipList([A, B, C]), [A, B, C]
    assert D not in fast  # the set is built before the change
    copies = [fast.copy(), copy.copy(fast)]
    for xs in (fast, plain, *copies):
        OPERATIONS[operation](xs)
    assert all(isinstance(xs, MembershipList) and list(xs) == plain for xs in (fast, *copies))
    for candidate in (A, B, C, D, *OUTSIDERS):
        for xs in (fast, *copies):
            assert (candidate in xs) == (candidate in plain), (operation, candidate)


def test_unhashable_members_fall_back_to_list_membership() -> None:
    xs = MembershipList([A])
    xs.append([1])
    assert [1] in xs and A in xs and B not in xs
    assert ([2] in MembershipList([A])) is False
    assert {"k": 1} in MembershipList([{"k": 1}])


PARAMETER_CHANGES: dict[str, Callable[[list[Any]], object]] = {
    "extend": lambda xs: xs.extend([SH.minCount]),
    "+=": lambda xs: xs.__iadd__([SH.minCount]),
    "insert": lambda xs: xs.insert(3, SH.minCount),
    "slice assignment": lambda xs: xs.__setitem__(slice(len(xs), None), [SH.minCount]),
}


@pytest.mark.parametrize("operation", PARAMETER_CHANGES)
def test_validation_sees_a_constraint_parameter_added_by(operation: str) -> None:
    """pyshacl as it runs, with its (patched) constraint-parameter list changed in place: without
    sh:minCount in the list the minCount constraint is not evaluated; added back by ``operation``, it is."""
    assert shacl_speedups.install()
    parameters = pyshacl_shape.CONSTRAINT_PARAMS[0]  # type: ignore[attr-defined]
    assert isinstance(parameters, MembershipList) and SH.minCount in parameters
    parameters.remove(SH.minCount)
    assert tiny_messages() == {"ex:ok is not true"}
    PARAMETER_CHANGES[operation](parameters)
    assert tiny_messages() == {"ex:a has no ex:p", "ex:ok is not true"}
