"""Helpers for the write and safety tests: a private copy of the built graph per test, and a test shape.

Each test gets its own Oxigraph store (a copy of the session's built graph), so writes never leak between
tests. A small test-only shape is added to graph:shapes, so that "an invalid write is refused" does not
depend on which shapes the project has today.
"""
from __future__ import annotations

import dataclasses

import pyoxigraph as ox
from fastapi.testclient import TestClient

from jakgraph.build.pipeline import BuiltGraph
from jakgraph.namespaces import SHAPES_GRAPH
from jakgraph.settings import Settings
from jakgraph.web.state import AppState

from server_support import app_client

TOKEN = "curator-test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEST_NS = "urn:jakgraph-test:"
#: every <urn:jakgraph-test:Curated> needs exactly one <urn:jakgraph-test:note> string
TEST_SHAPE = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{TEST_NS}CuratedShape> a sh:NodeShape ;
    sh:targetClass <{TEST_NS}Curated> ;
    sh:property [ sh:path <{TEST_NS}note> ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ;
                  sh:message "a curated test node has exactly one note" ] .
"""
VALID_INSERT = (f'INSERT DATA {{ GRAPH graph:letter {{ <{TEST_NS}a> a <{TEST_NS}Curated> ; rdfs:label "a" ; '
                f'<{TEST_NS}note> "ok" }} }}')
INVALID_INSERT = f'INSERT DATA {{ GRAPH graph:letter {{ <{TEST_NS}b> a <{TEST_NS}Curated> ; rdfs:label "b" }} }}'


def copy_store(store: ox.Store, with_test_shape: bool = True, project_shapes: bool = True) -> ox.Store:
    """A private copy of the store; ``project_shapes=False`` leaves out the project's shapes (each write is
    then validated against the test shape alone, in milliseconds instead of seconds)."""
    target = ox.Store()
    shapes = ox.NamedNode(str(SHAPES_GRAPH))
    target.extend(q for q in store if project_shapes or q.graph_name != shapes)
    for graph in store.named_graphs():
        target.add_graph(graph)
    if with_test_shape:
        target.load(TEST_SHAPE, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(SHAPES_GRAPH)))
    return target


def settings(**overrides: object) -> Settings:
    result = Settings()
    result.update_token = TOKEN
    result.access_log = ""
    for name, value in overrides.items():
        setattr(result, name, value)
    return result


def fresh_state(built: BuiltGraph, *, with_test_shape: bool = True, project_shapes: bool = False,
                **overrides: object) -> AppState:
    """An app state over a private copy of the graph; by default judged by the test shape only (fast), with
    ``project_shapes=True`` by the project's shapes as well (as in production)."""
    graph = dataclasses.replace(built, store=copy_store(built.store, with_test_shape, project_shapes))
    return AppState(settings=settings(**overrides), graph=graph)


def client_for(state: AppState) -> TestClient:
    """The in-process app over ``state`` (server_support.app_client), answering errors as responses."""
    return app_client(state, raise_server_exceptions=False)


def quads(store: ox.Store) -> set[ox.Quad]:
    return set(store)
