"""The Graph Store HTTP Protocol at /store: GET/HEAD/PUT/POST/DELETE with ?graph= and ?default."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest

from jakgraph.namespaces import LETTER_GRAPH

from writes_support import AUTH, TEST_NS, client_for, fresh_state, quads

G = "urn:jakgraph-test:gsp"
NT = {**AUTH, "Content-Type": "application/n-triples"}
TTL = {**AUTH, "Content-Type": "text/turtle"}


@pytest.fixture()
def state(built):
    return fresh_state(built)


@pytest.fixture()
def client(state):
    return client_for(state)


def graph_quads(state, iri: str) -> set[ox.Quad]:
    return set(state.graph.store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))


def test_get_a_graph_in_each_format(client, state):
    expected = len(graph_quads(state, str(LETTER_GRAPH)))
    for accept, fmt in [("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                        ("application/rdf+xml", ox.RdfFormat.RDF_XML), ("application/ld+json", ox.RdfFormat.JSON_LD)]:
        response = client.get("/store", params={"graph": str(LETTER_GRAPH)}, headers={"Accept": accept})
        assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
        assert len(list(ox.parse(response.content, format=fmt))) == expected
    assert client.get("/store?graph=graph:letter").status_code == 200          # project prefixed name
    assert client.get("/store?graph=graph:letter", headers={"Accept": "image/png"}).status_code == 406


def test_head_has_no_body(client):
    response = client.head("/store?graph=graph:letter")
    assert response.status_code == 200 and response.content == b""
    assert client.head(f"/store?graph={G}").status_code == 404


@pytest.mark.parametrize("query", ["", "?graph=a&graph=b", "?graph=x&default", "?graph=relative/iri",
                                   "?graph=http://exa%20mple.org/"])
def test_graph_must_be_named_once(client, query):
    assert client.get("/store" + query).status_code == 400


@pytest.mark.slow
def test_put_creates_then_replaces(client, state):
    response = client.put(f"/store?graph={G}", content=b'<urn:a> <urn:b> "one" .', headers=NT)
    assert response.status_code == 201
    location = urlsplit(response.headers["location"])  # names the new graph (RFC 9110 §15.3.2)
    assert location.path == "/store" and parse_qs(location.query) == {"graph": [G]}
    response = client.put(f"/store?graph={G}", content=b'<urn:a> <urn:b> "two" .', headers=NT)
    assert response.status_code == 200
    assert {q.object for q in graph_quads(state, G)} == {ox.Literal("two")}
    got = client.get(f"/store?graph={G}", headers={"Accept": "application/n-triples"})
    assert got.text.strip() == '<urn:a> <urn:b> "two" .'


def test_post_merges(client, state):
    client.put(f"/store?graph={G}", content=b'<urn:a> <urn:b> "one" .', headers=NT)
    response = client.post(f"/store?graph={G}", content=b'@prefix t: <urn:> . t:a t:b "two" .', headers=TTL)
    assert response.status_code == 200
    assert {q.object for q in graph_quads(state, G)} == {ox.Literal("one"), ox.Literal("two")}


@pytest.mark.slow
def test_delete(client, state):
    client.put(f"/store?graph={G}", content=b'<urn:a> <urn:b> "one" .', headers=NT)
    assert client.delete(f"/store?graph={G}", headers=AUTH).status_code == 200
    assert client.get(f"/store?graph={G}").status_code == 404
    assert client.delete(f"/store?graph={G}", headers=AUTH).status_code == 404


def test_default_graph(client, state):
    assert client.put("/store?default", content=b'<urn:a> <urn:b> "d" .', headers=NT).status_code == 200
    assert client.get("/store?default", headers={"Accept": "application/n-triples"}).text.strip() == '<urn:a> <urn:b> "d" .'
    assert client.delete("/store?default", headers=AUTH).status_code == 200
    assert list(state.graph.store.quads_for_pattern(None, None, None, ox.DefaultGraph())) == []


@pytest.mark.parametrize("method, url, headers, body, status", [
    ("PUT", "/store?graph=graph:shapes", NT, b"", 403),
    ("DELETE", "/store?graph=graph:derived", AUTH, None, 403),
    ("POST", "/store?graph=graph:derived", NT, b"<urn:a> <urn:b> <urn:c> .", 403),
    ("PUT", f"/store?graph={G}", {**AUTH, "Content-Type": "text/csv"}, b"a,b", 415),
    ("PUT", f"/store?graph={G}", AUTH, b"<urn:a> <urn:b> <urn:c> .", 415),
    ("PUT", f"/store?graph={G}", TTL, b"<urn:a> <urn:b> .", 400),
    ("PUT", f"/store?graph={G}", TTL, b"\xff\xfe<", 400),
    ("PUT", f"/store?graph={G}", {**AUTH, "Content-Type": "application/trig"}, b"", 415),
    ("POST", "/store", NT, b"<urn:a> <urn:b> <urn:c> .", 400),
    ("PUT", f"/store?graph={G}", {**AUTH, "Content-Type": "application/ld+json"},
     b'{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "urn:a", "urn:b": "c"}', 400),
    ("PUT", f"/store?graph={G}", {**AUTH, "Content-Type": "application/rdf+xml"},
     b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="urn:a">'
     b'<rdf:value>&x;</rdf:value></rdf:Description></rdf:RDF>', 400),
])
def test_bad_writes_are_refused_and_change_nothing(client, state, method, url, headers, body, status):
    before = quads(state.graph.store)
    response = client.request(method, url, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert quads(state.graph.store) == before


def test_write_that_breaks_the_shapes_is_422_with_report(client, state):
    before = quads(state.graph.store)
    body = f"<{TEST_NS}x> a <{TEST_NS}Curated> .".encode()
    response = client.post(f"/store?graph={G}", content=body, headers=TTL)
    assert response.status_code == 422
    assert response.json()["results"][0]["focusNode"] == f"{TEST_NS}x"
    assert quads(state.graph.store) == before


def test_upload_cap(built):
    state = fresh_state(built, max_upload_bytes=100)
    client = client_for(state)
    before = quads(state.graph.store)
    response = client.put(f"/store?graph={G}", content=b"<urn:a> <urn:b> <urn:c> .\n" * 10, headers=NT)
    assert response.status_code == 413
    assert "larger than 100 bytes" in response.json()["error"]
    assert quads(state.graph.store) == before  # nothing written, nothing lost
    at_cap = client.put(f"/store?graph={G}", content=b"<urn:a> <urn:b> <urn:c> .\n", headers=NT)
    assert at_cap.status_code in (200, 201), at_cap.text


@pytest.mark.slow
def test_curators_get_their_changes_back(client, state):
    client.post("/store?graph=graph:letter", content=f'<{TEST_NS}a> <{TEST_NS}note> "added" .'.encode(), headers=NT)
    text = client.get("/store?graph=graph:letter", headers={"Accept": "application/n-triples"}).text
    assert f'<{TEST_NS}a> <{TEST_NS}note> "added" .' in text
