"""The write transaction (jakgraph.stores.writer): validated on a copy, committed whole or not at all."""
from __future__ import annotations

import threading

import pyoxigraph as ox
import pytest

from jakgraph.errors import (
    GraphNotFound,
    OperationRefused,
    ReadOnlyGraph,
    ServiceRefused,
    UpdateSyntaxError,
    WriteError,
    WriteNotConforming,
)
from jakgraph.namespaces import DERIVED_GRAPH, LETTER_GRAPH, SHAPES_GRAPH
from jakgraph.sparql.text import scan
from jakgraph.stores.writer import (
    GraphWriter,
    _changed_graphs,
    commit_update,
    inject_using,
)

from writes_support import INVALID_INSERT, TEST_NS, VALID_INSERT, copy_store

LETTER = ox.NamedNode(str(LETTER_GRAPH))
DERIVED = ox.NamedNode(str(DERIVED_GRAPH))
SHAPES = ox.NamedNode(str(SHAPES_GRAPH))


@pytest.fixture()
def writer(built) -> GraphWriter:
    """A writer over a copy judged by the test shape alone (fast)."""
    return GraphWriter(copy_store(built.store, project_shapes=False))


@pytest.fixture()
def guarded_writer(built) -> GraphWriter:
    """A writer over a copy judged by the project's shapes and the test shape, as in production."""
    return GraphWriter(copy_store(built.store, project_shapes=True))


@pytest.mark.slow
def test_valid_update_commits_and_reports(guarded_writer):
    writer = guarded_writer
    before = set(writer.store)
    result = writer.update(VALID_INSERT)
    assert result.committed and result.added == 3 and result.removed == 0
    assert str(LETTER_GRAPH) in result.changed_graphs
    assert set(writer.store) - before == {
        ox.Quad(ox.NamedNode(TEST_NS + "a"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode(TEST_NS + "Curated"), LETTER),
        ox.Quad(ox.NamedNode(TEST_NS + "a"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                ox.Literal("a"), LETTER),
        ox.Quad(ox.NamedNode(TEST_NS + "a"), ox.NamedNode(TEST_NS + "note"), ox.Literal("ok"), LETTER),
    }


@pytest.mark.slow
def test_invalid_update_is_refused_with_report_and_changes_nothing(guarded_writer):
    writer = guarded_writer
    before = set(writer.store)
    with pytest.raises(WriteNotConforming) as refused:
        writer.update(INVALID_INSERT)
    assert not refused.value.outcome.conforms
    assert "exactly one note" in refused.value.outcome.report_text
    assert set(writer.store) == before


@pytest.mark.slow
def test_real_shapes_refuse_a_letter_node_stripped_of_its_provenance(built):
    if len(list(built.store.quads_for_pattern(None, None, None, SHAPES))) == 0:
        pytest.skip("the project has no shapes yet")
    writer = GraphWriter(copy_store(built.store, with_test_shape=False, project_shapes=True))
    before = set(writer.store)
    with pytest.raises(WriteNotConforming):
        writer.update("DELETE WHERE { GRAPH graph:letter { stmt:savi-ruxolitinib jak:supportingText ?t } }")
    assert set(writer.store) == before


def test_derivations_follow_a_write(writer):
    """A new treatment statement gains its derived drug -> disease edge in the same commit."""
    writer.update("""INSERT DATA { GRAPH graph:letter {
        <urn:jakgraph-test:s> a jak:TreatmentEvidence ; jak:drug <urn:jakgraph-test:drug> ;
            jak:disease <urn:jakgraph-test:disease> } }""")
    derived = list(writer.store.quads_for_pattern(ox.NamedNode("urn:jakgraph-test:drug"), None, None, DERIVED))
    if not derived:
        pytest.skip("no derivation rule fires on a bare TreatmentEvidence (rules changed)")
    assert derived[0].object == ox.NamedNode("urn:jakgraph-test:disease")


def test_write_refused_by_the_shapes_leaves_derived_graph_alone(writer):
    derived_before = set(writer.store.quads_for_pattern(None, None, None, DERIVED))
    with pytest.raises(WriteNotConforming):
        writer.update("DELETE WHERE { GRAPH graph:letter { ?s ?p ?o } } ; " + INVALID_INSERT)
    assert set(writer.store.quads_for_pattern(None, None, None, DERIVED)) == derived_before


@pytest.mark.parametrize("text, error", [
    ("INSERT DATA { GRAPH graph:shapes { <urn:a> <urn:b> <urn:c> } }", ReadOnlyGraph),
    ("DROP GRAPH graph:shapes", ReadOnlyGraph),
    ("INSERT DATA { GRAPH graph:derived { <urn:a> <urn:b> <urn:c> } }", ReadOnlyGraph),
    ("LOAD <http://example.org/data.ttl>", OperationRefused),
    ("INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", ServiceRefused),
    ("INSERT { ?s ?p ?o } WHERE { SERVICE ?x { ?s ?p ?o } }", ServiceRefused),
    ("CLEAR XYZ", UpdateSyntaxError),
    ("DROP GRAPH <urn:jakgraph-test:does-not-exist>", WriteError),
])
def test_refused_updates_change_nothing(writer, text, error):
    before = set(writer.store)
    with pytest.raises(error):
        writer.update(text)
    assert set(writer.store) == before


def test_clear_all_keeps_the_shapes(writer):
    shapes = set(writer.store.quads_for_pattern(None, None, None, SHAPES))
    writer.update("CLEAR ALL")
    assert set(writer.store.quads_for_pattern(None, None, None, SHAPES)) == shapes
    assert not list(writer.store.quads_for_pattern(None, None, None, LETTER))


def test_clear_of_a_missing_graph_succeeds_silently(writer):
    result = writer.update("CLEAR GRAPH <urn:jakgraph-test:nothing>")
    assert not result.committed
    assert not writer.store.contains_named_graph(ox.NamedNode("urn:jakgraph-test:nothing"))


def test_gsp_operations(writer):
    graph = ox.NamedNode("urn:jakgraph-test:g")
    quad = ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("c"), graph)
    result, created = writer.replace_graph(graph, [quad])
    assert created and result.committed and set(writer.store.quads_for_pattern(None, None, None, graph)) == {quad}
    other = ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("d"), graph)
    _, created = writer.merge_graph(graph, [other])
    assert not created and len(list(writer.store.quads_for_pattern(None, None, None, graph))) == 2
    writer.delete_graph(graph)
    assert not writer.graph_exists(graph)
    with pytest.raises(GraphNotFound):
        writer.delete_graph(graph)
    with pytest.raises(ReadOnlyGraph):
        writer.replace_graph(SHAPES, [])


@pytest.mark.slow
def test_writers_are_serialised(writer):
    """Concurrent writes all land, one after the other, none lost."""
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            writer.update(f'INSERT DATA {{ GRAPH <urn:jakgraph-test:c> {{ <urn:s{i}> <urn:p> "{i}" }} }}')
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(list(writer.store.quads_for_pattern(None, None, None, ox.NamedNode("urn:jakgraph-test:c")))) == 4


def test_commit_is_one_update_that_keeps_blank_nodes_shared():
    live, scratch = ox.Store(), ox.Store()
    node = ox.BlankNode()
    g1, g2 = ox.NamedNode("urn:g1"), ox.NamedNode("urn:g2")
    scratch.extend([ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), node, g1),
                    ox.Quad(node, ox.NamedNode("urn:q"), ox.Literal("x\n\"y\"", language="en"), g2)])
    scratch.add_graph(g1)
    scratch.add_graph(g2)
    live.update(commit_update(_changed_graphs(live, scratch)))
    rows = live.query("SELECT ?v WHERE { GRAPH <urn:g1> { <urn:s> <urn:p> ?b } GRAPH <urn:g2> { ?b <urn:q> ?v } }")
    assert isinstance(rows, ox.QuerySolutions)
    assert [r["v"] for r in rows] == [ox.Literal("x\n\"y\"", language="en")]


def test_using_injection_is_token_aware():
    text = ('PREFIX ex: <http://e/> # WHERE in a comment\n'
            'INSERT { GRAPH <urn:out> { ?s ex:where "WHERE {" } } WHERE { ?s a ex:Doc } ;\n'
            'DELETE WHERE { ?x ex:gone ?y }')
    out = inject_using(text, scan(text), ["urn:g1"], ["urn:g2"])
    assert out.count("USING <urn:g1>") == 1 and out.count("USING NAMED <urn:g2>") == 1
    assert 'ex:where "WHERE {"' in out and "DELETE WHERE" in out
    with pytest.raises(WriteError):
        inject_using("INSERT { <a:a> <a:b> ?o } WHERE { ?s ?p ?o }", scan("INSERT { <a:a> <a:b> ?o } WHERE { ?s ?p ?o }"), ["not an iri"], [])
