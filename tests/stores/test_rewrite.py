"""Query rewriting for backends (jakgraph.stores.rewrite): each rewritten query, evaluated by Oxigraph, gives
exactly what Oxigraph gives for the original — the protocol dataset as FROM clauses, DESCRIBE as a CONSTRUCT
(blank-node chains, cycles and lists deeper than one attempt included). Through a real Virtuoso the same
rewrites are compared with the embedded engine in tests/web/test_sparql_protocol.py and
tests/stores/test_virtuoso.py.
"""
from __future__ import annotations

import asyncio

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from jakgraph.engine.base import QueryRequest, QueryResult
from jakgraph.errors import QueryFailed, RequestError, status_of
from jakgraph.formats import N_TRIPLES, TURTLE, written
from jakgraph.sparql.text import declares_dataset, skeleton
from jakgraph.stores.rewrite import (
    DEEPER,
    DESCRIBE_DEPTHS,
    answer,
    describe_as_construct,
    finish_description,
    unnamed_graphs_emptied,
    with_dataset,
)

EX = "http://example.org/"
G1, G2, G3 = f"{EX}g1", f"{EX}g2", f"{EX}g3"
LONG_LIST = 45  # deeper than the first three attempts (2, 8, 32 levels)

DATA = f"""
@prefix ex: <{EX}> .
<{G1}> {{
  ex:a ex:p ex:b ; ex:q [ ex:r [ ex:s "deep" ; ex:t ex:c ] ] ; ex:label "a" .
  ex:b ex:p ex:c ; ex:label "b" .
  ex:c ex:u _:x .
  _:x ex:v _:y . _:y ex:v _:x .
  ex:list ex:items ( {" ".join(f'"item {i}"' for i in range(LONG_LIST))} ) .
}}
<{G2}> {{
  ex:a ex:label "a in g2" ; ex:w [ ex:z 1 ] .
  _:solo ex:label "a blank subject" ; ex:k [ ex:m 2 ] .
}}
<{G3}> {{ ex:b ex:label "b in g3" . }}
"""


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    store.load(DATA.encode(), format=ox.RdfFormat.TRIG)
    return store


def _graph(triples: list[ox.Triple]) -> Graph:
    return Graph().parse(data=written(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)).decode(), format="nt")


def _triples(store: ox.Store, text: str, default: tuple[str, ...] = (), named: tuple[str, ...] = ()) -> list[ox.Triple]:
    """A graph result as the embedded engine gives it (jakgraph.engine.execute): the protocol dataset when
    given, else the union default graph unless the query has FROM."""
    if default or named:
        result = store.query(text, default_graph=[ox.NamedNode(g) for g in default],
                             named_graphs=[ox.NamedNode(g) for g in named])
    else:
        result = store.query(text, use_default_graph_as_union=not declares_dataset(skeleton(text)))
    assert isinstance(result, ox.QueryTriples)
    return list(result)


def _forward(store: ox.Store):  # noqa: ANN202 - the backend: Oxigraph evaluating what would be sent
    async def forward(request: QueryRequest) -> QueryResult:
        assert request.graph_format is N_TRIPLES
        if request.default_graph_uris or request.named_graph_uris:  # the same graphs as the text's FROM clauses
            assert with_dataset(request.text, request.default_graph_uris, request.named_graph_uris) == request.text
        triples = _triples(store, request.text)
        return QueryResult(written(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)), N_TRIPLES, "graph")
    return forward


def _described(store: ox.Store, text: str, default: tuple[str, ...] = (), named: tuple[str, ...] = ()) -> Graph:
    request = QueryRequest(text, default, named, solutions_format=None, graph_format=N_TRIPLES)
    result = asyncio.run(answer(request, _forward(store)))
    assert result is not None and result.kind == "graph" and result.format is N_TRIPLES
    lines = result.body.decode().splitlines()
    assert len(lines) == len(set(lines)) == result.count, "each triple once"
    return Graph().parse(data=result.body.decode(), format="nt")


def _embedded(store: ox.Store, text: str, default: tuple[str, ...] = (), named: tuple[str, ...] = ()) -> Graph:
    return _graph(_triples(store, text, default, named))


DESCRIBES = [
    f"DESCRIBE <{EX}a>",
    f"PREFIX ex: <{EX}> DESCRIBE ex:a ex:b",
    f"BASE <{EX}> DESCRIBE <c>",                                              # a cycle of blank nodes
    f"PREFIX ex: <{EX}> DESCRIBE ex:list",                                    # a 45-item list: 4 attempts
    f"PREFIX ex: <{EX}> DESCRIBE ?s WHERE {{ ?s ex:label ?l }}",
    f"PREFIX ex: <{EX}> DESCRIBE ?s WHERE {{ ?s ex:label ?l }} ORDER BY DESC(?l) LIMIT 2",
    f"PREFIX ex: <{EX}> DESCRIBE * WHERE {{ ?s ex:p ?o }}",
    f"PREFIX ex: <{EX}> DESCRIBE ?o ex:c WHERE {{ ?s ex:p ?o }} VALUES ?s {{ ex:a }}",
    f"PREFIX ex: <{EX}> DESCRIBE ex:a WHERE {{ ?s ex:nothing ?o }}",           # no solution: nothing described
    f"PREFIX ex: <{EX}> DESCRIBE ?s WHERE {{ ?s ex:label 'a blank subject' }}",  # a blank resource
    f"PREFIX ex: <{EX}> DESCRIBE ?l WHERE {{ ?s ex:label ?l }}",               # literals: nothing to describe
    f"PREFIX ex: <{EX}> DESCRIBE ex:a FROM <{G2}>",
    f"PREFIX ex: <{EX}> DESCRIBE ?x FROM <{G1}> FROM NAMED <{G3}> WHERE {{ GRAPH ?g {{ ?x ?p ?o }} }}",
    f"PREFIX ex: <{EX}> # a comment\nDESCRIBE ex:a # at the end",
    f"PREFIX ex: <{EX}> DESCRIBE ?jakgraph_r WHERE {{ ?jakgraph_r ex:p ?o }}",  # the rewrite's own names, taken
]


@pytest.mark.parametrize("text", DESCRIBES)
def test_describe_as_construct_is_the_embedded_description(store: ox.Store, text: str) -> None:
    assert isomorphic(_described(store, text), _embedded(store, text))


@pytest.mark.parametrize(("default", "named"), [((G2,), ()), ((G1, G3), (G2,)), ((), (G1,))])
def test_describe_with_the_protocol_dataset(store: ox.Store, default: tuple[str, ...], named: tuple[str, ...]) -> None:
    text = f"PREFIX ex: <{EX}> DESCRIBE ex:a ?g FROM <{G3}> WHERE {{ OPTIONAL {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"
    assert isomorphic(_described(store, text, default, named), _embedded(store, text, default, named))


def test_deep_chains_are_followed_attempt_by_attempt(store: ox.Store) -> None:
    text = f"DESCRIBE <{EX}list>"
    shallow = finish_description(_triples(store, describe_as_construct(text, DESCRIBE_DEPTHS[0])))
    assert not shallow.complete
    assert all(str(t.predicate) != f"<{DEEPER}>" for t in shallow.triples)
    whole = finish_description(_triples(store, describe_as_construct(text, DESCRIBE_DEPTHS[-1])))
    assert whole.complete
    assert len(whole.triples) == 1 + 2 * LONG_LIST


def test_a_description_deeper_than_asked_for_is_refused() -> None:
    store = ox.Store()
    items = " ".join(str(i) for i in range(DESCRIBE_DEPTHS[-1] + 5))
    store.load(f"<{EX}s> <{EX}p> ( {items} ) .".encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(G1))
    with pytest.raises(QueryFailed, match="blank nodes more than 60 levels deep") as refused:
        _described(store, f"DESCRIBE <{EX}s>")
    assert status_of(refused.value) == 422


def test_describe_answers_in_the_clients_format(store: ox.Store) -> None:
    request = QueryRequest(f"DESCRIBE <{EX}a>", solutions_format=None, graph_format=TURTLE)
    result = asyncio.run(answer(request, _forward(store)))
    assert result is not None and result.format is TURTLE
    assert isomorphic(Graph().parse(data=result.body.decode(), format="turtle"), _embedded(store, f"DESCRIBE <{EX}a>"))


# -- the protocol dataset --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("SELECT * WHERE { ?s ?p ?o }", f"SELECT * FROM <{G1}> FROM NAMED <{G2}> WHERE {{ ?s ?p ?o }}"),
    (f"SELECT * FROM <{G3}> FROM NAMED <{G3}> {{ }}", f"SELECT * FROM <{G1}> FROM NAMED <{G2}> {{ }}"),
    ("ASK{}", f"ASK FROM <{G1}> FROM NAMED <{G2}> {{}}"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
     f"CONSTRUCT {{ ?s ?p ?o }} FROM <{G1}> FROM NAMED <{G2}> WHERE {{ ?s ?p ?o }}"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", f"CONSTRUCT FROM <{G1}> FROM NAMED <{G2}> WHERE {{ ?s ?p ?o }}"),
    ("SELECT (COUNT(*) AS ?n) { }", f"SELECT (COUNT(*) AS ?n) FROM <{G1}> FROM NAMED <{G2}> {{ }}"),
    (f"PREFIX ex: <{EX}> DESCRIBE ex:a FROM ex:g3", f"PREFIX ex: <{EX}> DESCRIBE ex:a FROM <{G1}> FROM NAMED <{G2}>"),
    ("DESCRIBE ?x # FROM <x>\n", f"DESCRIBE ?x FROM <{G1}> FROM NAMED <{G2}> # FROM <x>\n"),
])
def test_with_dataset_replaces_the_querys_own(text: str, expected: str) -> None:
    assert with_dataset(text, [G1], [G2]) == expected


DATASET_QUERIES = [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o",
    "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g",
    f"SELECT ?s WHERE {{ GRAPH <{G1}> {{ ?s <{EX}p> ?o }} }} ORDER BY ?s",
    f"SELECT ?l FROM <{G3}> WHERE {{ ?s <{EX}label> ?l }} ORDER BY ?l",
    f"SELECT ?g FROM NAMED <{G3}> WHERE {{ GRAPH ?g {{ }} }}",
    f"ASK FROM <{G1}> {{ <{EX}b> <{EX}label> 'b in g3' }}",
    f"PREFIX ex: <{EX}> SELECT * WHERE {{ OPTIONAL {{ GRAPH ex:g3 {{ ?s ex:label ?l }} }} }}",
    f"BASE <{EX}> SELECT ?s ?l WHERE {{ {{ GRAPH <g1> {{ ?s <p> ?o }} }} UNION {{ GRAPH <g3> {{ GRAPH <g2> {{ }} ?s ?p ?l }} }} }}",
]


@pytest.mark.parametrize(("text", "expected"), [
    (f"SELECT * FROM NAMED <{G1}> {{ GRAPH <{G1}> {{ ?s ?p ?o }} GRAPH <{G2}> {{ ?s ?p ?o }} }}",
     f"SELECT * FROM NAMED <{G1}> {{ GRAPH <{G1}> {{ ?s ?p ?o }} {{ VALUES (?s ?p ?o) {{ }} }} }}"),
    (f"PREFIX ex: <{EX}> ASK FROM <{G1}> {{ GRAPH ex:g1 {{ }} }}", f"PREFIX ex: <{EX}> ASK FROM <{G1}> {{ {{ VALUES () {{ }} }} }}"),
    (f"ASK FROM <{G1}> {{ GRAPH <{G2}> {{ GRAPH <{G3}> {{ ?x ?y ?z }} ?a ?b ?c }} }}",
     f"ASK FROM <{G1}> {{ {{ VALUES (?x ?y ?z ?a ?b ?c) {{ }} }} }}"),
    (f"BASE <{EX}> ASK FROM NAMED <g1> {{ GRAPH <g1> {{ }} }}", f"BASE <{EX}> ASK FROM NAMED <g1> {{ GRAPH <g1> {{ }} }}"),
])
def test_graphs_outside_the_dataset_are_empty(text: str, expected: str) -> None:
    assert unnamed_graphs_emptied(text) == expected


def test_a_relative_graph_with_no_base_is_refused() -> None:
    with pytest.raises(RequestError, match="relative IRI <g1>"):
        unnamed_graphs_emptied(f"ASK FROM NAMED <{G1}> {{ GRAPH <g1> {{ }} }}")


@pytest.mark.parametrize("text", DATASET_QUERIES)
@pytest.mark.parametrize(("default", "named"), [((G3,), ()), ((G1, G2), (G3,)), ((), (G1, G3)), ((), (G2,))])
def test_with_dataset_means_what_the_protocol_says(store: ox.Store, text: str, default: tuple[str, ...],
                                                    named: tuple[str, ...]) -> None:
    expected = store.query(text, default_graph=[ox.NamedNode(g) for g in default],
                           named_graphs=[ox.NamedNode(g) for g in named])
    rewritten = store.query(unnamed_graphs_emptied(with_dataset(text, default, named)))
    assert isinstance(expected, ox.QuerySolutions | ox.QueryBoolean)
    assert isinstance(rewritten, ox.QuerySolutions | ox.QueryBoolean)
    assert written(rewritten.serialize(format=ox.QueryResultsFormat.TSV)) == \
        written(expected.serialize(format=ox.QueryResultsFormat.TSV))


def test_a_graph_that_cannot_be_written_as_an_iri_is_refused() -> None:
    with pytest.raises(RequestError, match="cannot be written into the query") as refused:
        with_dataset("ASK {}", ["http://example.org/a b"], [])
    assert status_of(refused.value) == 400


def test_nothing_to_rewrite_is_sent_as_it_is(store: ox.Store) -> None:
    assert asyncio.run(answer(QueryRequest("SELECT * { ?s ?p ?o }"), _forward(store))) is None
