"""The W3C SPARQL 1.1 Protocol update tests (protocol/manifest.ttl, update_* and bad_update_*) on /update.

The protocol tests assume a graph store without integrity rules, and their data (``<data1.rdf> a
foaf:Document``, no label) breaks jakgraph's shapes, as it should: so they run on a copy of the graph whose
project shapes are swapped for one test shape. With the project's shapes in place the same updates are
refused with 422 and their SHACL report (``test_w3c_data_is_refused_by_the_project_shapes``).

Positive tests: POST form, POST direct, service base IRI, and the protocol dataset parameters
using-graph-uri / using-named-graph-uri (one, several, both kinds). Negative tests: every bad update gets
a 4xx and changes nothing. Results are checked on the live store with the tests' own ASK queries.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

from jakgraph.namespaces import PREFIXES
from jakgraph.settings import Settings

from writes_support import AUTH, client_for, fresh_state, quads

DATA = "http://kasei.us/2009/09/sparql/data/"
PROLOGUE = "PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
SEED = (PROLOGUE + "CLEAR ALL ;\nINSERT DATA {\n"
        + "".join(f"  GRAPH <{DATA}data{i}.rdf> {{ <{DATA}data{i}.rdf> a foaf:Document }}\n" for i in (1, 2, 3))
        + "} ;\n")
DIRECT = {**AUTH, "Content-Type": "application/sparql-update"}
FORM = {**AUTH, "Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture()
def state(built):
    return fresh_state(built)


@pytest.fixture()
def client(state):
    return client_for(state)


def ask(state, text: str) -> bool:
    return bool(state.graph.store.query(text, prefixes=PREFIXES))


def test_update_post_form(client, state):
    response = client.post("/update", content=urlencode({"update": "CLEAR ALL"}), headers=FORM)
    assert response.status_code == 200, response.text
    assert not ask(state, "ASK { GRAPH graph:letter { ?s ?p ?o } }")


def test_update_post_direct(client, state):
    response = client.post("/update", content="CLEAR ALL", headers=DIRECT)
    assert response.status_code == 200, response.text
    assert not ask(state, "ASK { GRAPH graph:letter { ?s ?p ?o } }")


def test_update_base_uri(client, state):
    update = ("CLEAR GRAPH <http://example.org/protocol-base-test/> ; INSERT DATA { GRAPH "
              "<http://example.org/protocol-base-test/> { <http://example.org/s> <http://example.org/p> <test> } }")
    response = client.post("/update", content=update, headers=DIRECT)
    assert response.status_code == 200, response.text
    rows = list(state.graph.store.query(
        "SELECT ?o WHERE { GRAPH <http://example.org/protocol-base-test/> { <http://example.org/s> <http://example.org/p> ?o } }"))
    assert len(rows) == 1
    assert rows[0]["o"].value == "http://testserver/test"   # resolved against the service endpoint


def test_update_dataset_default_graph(client, state):
    update = SEED + ("INSERT { GRAPH <http://example.org/protocol-update-dataset-test/> { ?s a dc:BibliographicResource } }"
                     "\nWHERE { ?s a foaf:Document }")
    url = "/update?using-graph-uri=" + quote(f"{DATA}data1.rdf", safe="")
    response = client.post(url, content=PROLOGUE + update, headers=DIRECT)
    assert response.status_code == 200, response.text
    assert ask(state, "ASK { GRAPH <http://example.org/protocol-update-dataset-test/> "
                      f"{{ <{DATA}data1.rdf> a <http://purl.org/dc/terms/BibliographicResource> }} }}")
    assert not ask(state, f"ASK {{ GRAPH <http://example.org/protocol-update-dataset-test/> {{ <{DATA}data2.rdf> ?p ?o }} }}")


def test_update_dataset_default_graphs(client, state):
    update = SEED + ("INSERT { GRAPH <http://example.org/protocol-update-dataset-graphs-test/> { ?s a dc:BibliographicResource } }"
                     "\nWHERE { ?s a foaf:Document }")
    url = "/update?" + urlencode([("using-graph-uri", f"{DATA}data1.rdf"), ("using-graph-uri", f"{DATA}data2.rdf")])
    response = client.post(url, content=update, headers=DIRECT)
    assert response.status_code == 200, response.text
    target = "http://example.org/protocol-update-dataset-graphs-test/"
    assert ask(state, f"ASK {{ GRAPH <{target}> {{ <{DATA}data1.rdf> a <http://purl.org/dc/terms/BibliographicResource> . "
                      f"<{DATA}data2.rdf> a <http://purl.org/dc/terms/BibliographicResource> }} }}")
    assert not ask(state, f"ASK {{ GRAPH <{target}> {{ <{DATA}data3.rdf> ?p ?o }} }}")


def test_update_dataset_named_graphs(client, state):
    update = SEED + ("INSERT { GRAPH <http://example.org/protocol-update-dataset-named-graphs-test/> { ?s a dc:BibliographicResource } }"
                     "\nWHERE { GRAPH ?g { ?s a foaf:Document } }")
    form = [("update", update), ("using-named-graph-uri", f"{DATA}data1.rdf"),
            ("using-named-graph-uri", f"{DATA}data2.rdf")]
    response = client.post("/update", content=urlencode(form), headers=FORM)
    assert response.status_code == 200, response.text
    target = "http://example.org/protocol-update-dataset-named-graphs-test/"
    assert ask(state, f"ASK {{ GRAPH <{target}> {{ <{DATA}data1.rdf> a <http://purl.org/dc/terms/BibliographicResource> . "
                      f"<{DATA}data2.rdf> a <http://purl.org/dc/terms/BibliographicResource> }} }}")
    assert not ask(state, f"ASK {{ GRAPH <{target}> {{ <{DATA}data3.rdf> ?p ?o }} }}")


def test_update_dataset_full(client, state):
    update = SEED + ("INSERT { GRAPH <http://example.org/protocol-update-dataset-full-test/> { ?s a dc:BibliographicResource } }"
                     "\nWHERE { { GRAPH ?g { ?s a foaf:Document } } UNION { ?s a foaf:Document } }")
    url = "/update?" + urlencode([("using-graph-uri", f"{DATA}data3.rdf"), ("using-named-graph-uri", f"{DATA}data1.rdf"),
                                  ("using-named-graph-uri", f"{DATA}data2.rdf")])
    response = client.post(url, content=update, headers=DIRECT)
    assert response.status_code == 200, response.text
    target = "http://example.org/protocol-update-dataset-full-test/"
    assert ask(state, f"ASK {{ GRAPH <{target}> {{ " + " ".join(
        f"<{DATA}data{i}.rdf> a <http://purl.org/dc/terms/BibliographicResource> ." for i in (1, 2, 3)) + " } }")


def test_update_without_dataset_uses_the_store_default_graph(client, state):
    """No protocol dataset and no USING: the WHERE reads the store's default graph (here empty)."""
    update = SEED + "INSERT { GRAPH <urn:jakgraph-test:out> { ?s a dc:BibliographicResource } } WHERE { ?s a foaf:Document }"
    assert client.post("/update", content=update, headers=DIRECT).status_code == 200
    assert not ask(state, "ASK { GRAPH <urn:jakgraph-test:out> { ?s ?p ?o } }")


# --- negative tests: 4xx, nothing changes ---------------------------------------------------------

BAD = [
    ("bad_update_get", "GET", "/update?update=CLEAR%20ALL", {**AUTH}, None, 405),
    ("bad_multiple_updates", "POST", "/update", FORM, "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", 400),
    ("bad_update_wrong_media_type", "POST", "/update", {**AUTH, "Content-Type": "text/plain"}, "CLEAR NAMED", 415),
    ("bad_update_missing_form_type", "POST", "/update", AUTH, "update=CLEAR%20NAMED", 415),
    ("bad_update_missing_direct_type", "POST", "/update", AUTH, "CLEAR NAMED", 415),
    ("bad_update_non_utf8", "POST", "/update", {**AUTH, "Content-Type": "application/sparql-update; charset=UTF-16"},
     "CLEAR NAMED".encode("utf-16"), 415),
    ("bad_update_invalid_utf8_bytes", "POST", "/update", DIRECT, b"INSERT DATA { <urn:a> <urn:b> \"\xff\xfe\" }", 400),
    ("bad_update_invalid_utf8_form", "POST", "/update", FORM, b"update=INSERT%20DATA%20%7B%7D%FF", 400),
    ("bad_update_syntax", "POST", "/update", FORM, "update=CLEAR%20XYZ", 400),
    ("bad_update_dataset_conflict", "POST", "/update", FORM,
     "using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople&update=" + quote(
         "PREFIX foaf: <http://xmlns.com/foaf/0.1/> WITH <http://example/addresses> "
         "DELETE { ?person foaf:givenName 'Bill' } INSERT { ?person foaf:givenName 'William' } "
         "WHERE { ?person foaf:givenName 'Bill' }", safe=""), 400),
    ("query_sent_to_update_form", "POST", "/update", FORM, "query=ASK%20%7B%7D", 400),
    ("query_sent_to_update_direct", "POST", "/update", DIRECT, "SELECT * WHERE { ?s ?p ?o }", 400),
    ("no_update_field", "POST", "/update", FORM, "", 400),
    ("load_refused", "POST", "/update", DIRECT, "LOAD <http://example.org/x.ttl>", 400),
    ("service_refused", "POST", "/update", DIRECT,
     "INSERT { ?s ?p ?o } WHERE { SERVICE <http://169.254.169.254/latest/meta-data/> { ?s ?p ?o } }", 403),
    ("using_not_an_iri", "POST", "/update?using-graph-uri=not%20an%20iri", DIRECT,
     "INSERT { <urn:a> <urn:b> ?o } WHERE { ?s ?p ?o }", 400),
    ("update_too_large", "POST", "/update", DIRECT,
     "INSERT DATA { " + "<urn:a> <urn:b> <urn:c> . " * (Settings().max_query_bytes // 20) + "}", 413),
]


@pytest.mark.parametrize("name, method, url, headers, body, status", BAD, ids=[b[0] for b in BAD])
def test_bad_updates_are_4xx_and_change_nothing(state, name, method, url, headers, body, status):
    client = client_for(state)
    before = quads(state.graph.store)
    response = client.request(method, url, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert 400 <= response.status_code < 500
    assert quads(state.graph.store) == before


def test_refused_update_answers_with_the_shacl_report(state):
    from writes_support import INVALID_INSERT

    client = client_for(state)
    before = quads(state.graph.store)
    response = client.post("/update", content=INVALID_INSERT, headers=DIRECT)
    assert response.status_code == 422
    body = response.json()
    assert body["conforms"] is False
    assert any(r["message"] == "a curated test node has exactly one note" and r["focusNode"] == "urn:jakgraph-test:b"
               for r in body["results"])
    turtle = client.post("/update", content=INVALID_INSERT, headers={**DIRECT, "Accept": "text/turtle"})
    assert turtle.status_code == 422 and turtle.headers["content-type"].startswith("text/turtle")
    assert "sh:ValidationReport" in turtle.text and "sh:conforms false" in turtle.text
    assert quads(state.graph.store) == before


@pytest.mark.slow
def test_query_endpoint_sees_a_committed_update_at_once(state):
    """The answer to the follow-up query of the W3C tests comes from /sparql, not the store behind it."""
    marker = "ASK { GRAPH <http://example.org/protocol-update-seen/> { <urn:a> <urn:b> \"seen\" } }"
    with client_for(state) as client:
        headers = {"Accept": "application/sparql-results+json"}
        assert client.get("/sparql", params={"query": marker}, headers=headers).json()["boolean"] is False
        update = 'INSERT DATA { GRAPH <http://example.org/protocol-update-seen/> { <urn:a> <urn:b> "seen" } }'
        assert client.post("/update", content=update, headers=DIRECT).status_code == 200
        assert client.get("/sparql", params={"query": marker}, headers=headers).json()["boolean"] is True


@pytest.mark.slow
def test_w3c_data_is_refused_by_the_project_shapes(built):
    state = fresh_state(built, project_shapes=True)
    before = quads(state.graph.store)
    update = SEED + ("INSERT { GRAPH <http://example.org/protocol-update-dataset-test/> { ?s a dc:BibliographicResource } }"
                     "\nWHERE { ?s a foaf:Document }")
    url = "/update?using-graph-uri=" + quote(f"{DATA}data1.rdf", safe="")
    response = client_for(state).post(url, content=update, headers=DIRECT)
    assert response.status_code == 422
    body = response.json()
    assert {r["focusNode"] for r in body["results"]} >= {f"{DATA}data1.rdf"}
    assert all(r["severity"] == "Violation" for r in body["results"])
    assert quads(state.graph.store) == before
