"""Helpers for the write and safety tests: a private copy of the built graph per test, and a test shape.

Each test gets its own Oxigraph store (a copy of the session's built graph), so writes never leak between
tests. A small test-only shape is added to graph:shapes, so that "an invalid write is refused" does not
depend on which shapes the project has today.
"""
from __future__ import annotations

import dataclasses

import pyoxigraph as ox
from fastapi.testclient import TestClient

from jakgraph.build import BuiltGraph
from jakgraph.config import Settings
from jakgraph.namespaces import SHAPES_GRAPH
from jakgraph.web.app import create_app
from jakgraph.web.state import AppState

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
VALID_INSERT = f'INSERT DATA {{ GRAPH graph:letter {{ <{TEST_NS}a> a <{TEST_NS}Curated> ; <{TEST_NS}note> "ok" }} }}'
INVALID_INSERT = f'INSERT DATA {{ GRAPH graph:letter {{ <{TEST_NS}b> a <{TEST_NS}Curated> }} }}'


def copy_store(store: ox.Store, with_test_shape: bool = True) -> ox.Store:
    target = ox.Store()
    target.extend(store)
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


def fresh_state(built: BuiltGraph, *, with_test_shape: bool = True, **overrides: object) -> AppState:
    graph = dataclasses.replace(built, store=copy_store(built.store, with_test_shape))
    return AppState(settings=settings(**overrides), graph=graph)


def client_for(state: AppState) -> TestClient:
    return TestClient(create_app(state.settings, state), raise_server_exceptions=False)


def quads(store: ox.Store) -> set[ox.Quad]:
    return set(store)
