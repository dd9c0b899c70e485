"""Hypothesis-generated requests (paths, methods, queries, headers, bodies, encodings) never get a 500.

The app runs in-process (ASGI) over a private copy of the graph with curator writes on, so the fuzzer
also reaches /update and /store with and without the right token. Bounded: a few hundred examples in all.
A 503/504 is accepted only as the documented answer to an overloaded or timed-out query; 500 never.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from writes_support import TOKEN, client_for, fresh_state

pytestmark = pytest.mark.slow

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

SPARQL_BITS = [
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "?s", "?p", "?o", "a", ".", ";", ",", "(", ")",
    "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE", "SILENT", "VALUES", "BIND", "AS", "LIMIT 3",
    "OFFSET", "ORDER BY", "GROUP BY", "COUNT(*)", "*", "<http://127.0.0.1/>", "<urn:x>", "<>", "drug:ruxolitinib",
    "jak:drug", "rdfs:label", "\"x\"", "'y'@en", "1", "1.5e3", "true", "_:b", "[]", "^^xsd:int", "PREFIX ex: <http://e/>",
    "BASE <http://b/>", "INSERT DATA", "DELETE", "LOAD", "CLEAR ALL", "DROP", "WITH", "USING", "FROM", "NAMED",
    "jak:p/jak:q*", "|", "^", "+", "?", "!", "#", "\n", "\\u0053", "REGEX(?o, \"(a+)+$\")", "STRLEN(?o)", "NOW()",
    "EXISTS", "NOT", "IN", "SUBSTR", "<<", ">>", "\u00e9", "\x00", "%", "\ud7ff",
]
sparql_text = st.one_of(
    st.lists(st.sampled_from(SPARQL_BITS), max_size=25).map(" ".join),
    st.text(max_size=200),
    st.sampled_from([
        "SELECT * WHERE { ?s ?p ?o } LIMIT 5",
        "ASK { ?s a jak:TreatmentEvidence }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3",
        "SELECT * WHERE { SERVICE <http://169.254.169.254/> { ?s ?p ?o } }",
        "DESCRIBE drug:ruxolitinib",
    ]),
)
MEDIA = ["application/sparql-query", "application/sparql-update", "application/x-www-form-urlencoded",
         "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml", "text/plain",
         "application/json", "multipart/form-data; boundary=x", "application/sparql-query; charset=utf-16", ""]
ACCEPT = ["*/*", "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
          "text/tab-separated-values", "text/turtle", "application/ld+json", "text/html", "image/png",
          "text/turtle;q=0", "application/*;q=0.5, text/*;q=abc", ";;;,,,", ""]
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
encodings = st.sampled_from(["utf-8", "utf-16", "latin-1", "utf-32", "cp1252"])
PATHS = ["/sparql", "/sparql/", "/update", "/store", "/health", "/ready", "/", "/query", "/prefixes",
         "/drug/ruxolitinib", "/statement/x", "/download/", "/static/x", "/.well-known/void", "/nothing"]


@pytest.fixture(scope="module")
def client(built):
    state = fresh_state(built, query_timeout=3.0)
    with client_for(state) as test_client:
        yield test_client


def _body(text: str, encoding: str) -> bytes:
    return text.encode(encoding, "replace")


def check(response) -> None:
    assert response.status_code != 500, response.text[:500]
    assert "Traceback" not in response.text
    if response.status_code >= 500:
        assert response.status_code in (503, 504), response.status_code


@FUZZ
@given(path=st.sampled_from(PATHS), method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]),
       query=sparql_text, media=st.one_of(st.sampled_from(MEDIA), header_text), accept=st.one_of(st.sampled_from(ACCEPT), header_text),
       auth=st.sampled_from([None, f"Bearer {TOKEN}", "Bearer wrong-token-wrong-token", "Basic Zm9vOmJhcg==", "Bearer"]),
       encoding=encodings, as_param=st.booleans(), extra=st.dictionaries(
           st.sampled_from(["graph", "default", "default-graph-uri", "named-graph-uri", "using-graph-uri", "format",
                            "timeout", "update", "query"]), st.text(max_size=30), max_size=3))
def test_requests_never_get_a_500(client, path, method, query, media, accept, auth, encoding, as_param, extra):
    headers = {"Accept": accept}
    if media:
        headers["Content-Type"] = media
    if auth:
        headers["Authorization"] = auth
    params = dict(extra)
    body = None
    if as_param:
        params["update" if path.startswith("/update") else "query"] = query
    else:
        body = _body(query, encoding)
    response = client.request(method, path, params=params, content=body, headers=headers)
    check(response)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(update=sparql_text, direct=st.booleans(), encoding=encodings)
def test_updates_never_get_a_500(client, update, direct, encoding):
    from urllib.parse import urlencode

    headers = {"Authorization": f"Bearer {TOKEN}"}
    if direct:
        headers["Content-Type"] = "application/sparql-update"
        body = _body(update, encoding)
    else:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode({"update": update}, encoding=encoding, errors="replace").encode("ascii")
    check(client.post("/update", content=body, headers=headers))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(body=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8"))),
       media=st.sampled_from(MEDIA[3:8]), graph=st.one_of(st.just("urn:jakgraph-test:fuzz"), st.text(max_size=30)),
       method=st.sampled_from(["PUT", "POST"]))
def test_graph_store_bodies_never_get_a_500(client, body, media, graph, method):
    response = client.request(method, "/store", params={"graph": graph}, content=body,
                              headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": media})
    check(response)
