"""A hostile-input corpus sent to every entry point of real servers: nothing a request does takes anything down.

Two real ``jakgraph serve`` processes (uvicorn, query workers): one embedded with curator writes on, one
with ``--backend`` in front of a real Oxigraph server (``oxigraph serve``, the bench extra). The corpus
(nesting at and past every limit, the issue's crashers, long IRIs, literals and prefixes, many prefixes,
huge VALUES, pathological property paths, malformed UTF-8, mismatched Content-Type, truncated bodies) goes
to ``/sparql`` (GET, POST form, POST direct), ``/update`` (form, direct) and ``/store`` (PUT and POST in
every format). Every answer must be a 4xx, or a 2xx with the correct answer; afterwards the server (and
Oxigraph) still answer, and the graph is exactly as before.
"""
from __future__ import annotations

import hashlib
import io
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from jakgraph.stores.remote import graphs_to_push, push
from limits_support import (
    at_token_limit,
    bangs,
    long_iri,
    long_literal,
    long_prefix,
    nested_braces,
    nested_brackets,
    nested_parens,
    patterns,
    plus_chain,
    prefixes,
    union_chain,
    values,
)

import server_support

pytestmark = [pytest.mark.server, pytest.mark.slow]

TOKEN = "hostile-test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Accept": "application/sparql-results+json"}
#: the RDF nesting limit is lowered for these servers, so that bodies at and past it stay small
RDF_DEPTH = 512

# -- the corpus -------------------------------------------------------------------------------------
#: queries: (name, text, expected) where expected is a status (400) or "ok" (200 with the answer checked)
CRASHER_UPDATE = "INSERT { <http://a> <http://b> <http://c> } WHERE " + "{" * 5000 + "}" * 5000   # ~10 KB
CRASHER_QUERY = "ASK " + "{" * 5000 + "}" * 5000
CRASHER_PARENS = nested_parens(20_000)                                                           # ~40 KB
QUERIES: list[tuple[str, str, object]] = [
    ("crasher: 5,000 nested groups", CRASHER_QUERY, 400),
    ("crasher: 20,000 nested parentheses", CRASHER_PARENS, 400),
    ("crasher: 5,000 nested groups after an update keyword", CRASHER_UPDATE, 400),
    ("braces at the limit", nested_braces(256), True),
    ("braces past the limit", nested_braces(257), 400),
    ("parentheses at the limit", nested_parens(254), True),
    ("parentheses past the limit", nested_parens(255), 400),
    ("brackets at the limit", nested_brackets(201), False),
    ("brackets past the limit", nested_brackets(202), 400),
    ("unary ! at the limit", bangs(254), True),
    ("unary ! past the limit", bangs(255), 400),
    ("escaped braces past the limit", "ASK " + "\\u007B" * 300 + "\\u007D" * 300, 400),
    ("operator chain at the limit", at_token_limit(plus_chain)[0], True),
    ("operator chain past the limit", at_token_limit(plus_chain)[1], 400),
    ("UNION chain at the limit", at_token_limit(union_chain)[0], True),
    ("UNION chain past the limit", at_token_limit(union_chain)[1], 400),
    ("OPTIONAL chain past the limit", "ASK { " + "OPTIONAL {} " * 3000 + "}", 400),
    ("triple patterns at the limit", patterns(100), "rows:0"),
    ("triple patterns past the limit", patterns(101), 400),
    ("VALUES at the limit", values(50_000), "count:50000"),
    ("VALUES past the limit", values(50_001), 400),
    ("20,000-row VALUES", values(20_000), "count:20000"),
    ("prefixes at the limit", prefixes(1000), True),
    ("prefixes past the limit", prefixes(1001), 400),
    ("IRI at the limit", long_iri(8192), False),
    ("IRI past the limit", long_iri(8193), 400),
    ("prefix at the limit", long_prefix(8192), True),
    ("prefix past the limit", long_prefix(8193), 400),
    ("literal at the limit", long_literal(65_536), True),
    ("literal past the limit", long_literal(65_537), 400),
    ("pathological path: nested stars", "ASK { drug:ruxolitinib ((((rdfs:label|^rdfs:label)*)*/(^rdfs:label)*)*) ?o }",
     True),
    ("pathological path: nested too deep", "ASK { ?s " + "(" * 300 + "rdfs:label" + ")" * 300 + " ?o }", 400),
    ("pathological path: long alternative", "ASK { ?s " + "|".join(["rdfs:label"] * 2000) + " ?o }", True),
    ("truncated query", "SELECT * WHERE { ?s ?p", 400),
    ("unterminated string", "SELECT * WHERE { ?s ?p 'abc }", 400),
    ("NUL in a query", "ASK {\x00}", 400),
]


def _sparql_requests(url: str, text: str) -> Iterator[tuple[str, httpx.Request]]:
    """The three protocol forms of one query; GET only where the URL stays under the URL cap."""
    if len(quote(text)) < 30_000:
        yield "GET", httpx.Request("GET", url + "/sparql", params={"query": text}, headers=JSON)
    yield "POST form", httpx.Request("POST", url + "/sparql", data={"query": text}, headers=JSON)
    yield "POST direct", httpx.Request("POST", url + "/sparql", content=text.encode("utf-8"),
                                       headers={**JSON, "Content-Type": "application/sparql-query"})


#: raw requests: (name, method, path, headers, body, allowed statuses)
RAW: list[tuple[str, str, str, dict[str, str], bytes, set[int]]] = [
    ("malformed UTF-8, direct", "POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"ASK {\xff\xfe}", {400}),
    ("malformed UTF-8, form", "POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"},
     b"query=ASK%20%7B%FF%7D", {400}),
    ("malformed UTF-8 in the URL", "GET", "/sparql?query=ASK%20%7B%FF%7D", {}, b"", {400}),
    ("UTF-16 query", "POST", "/sparql", {"Content-Type": "application/sparql-query; charset=utf-16"},
     "ASK {}".encode("utf-16"), {415}),
    ("query as Turtle", "POST", "/sparql", {"Content-Type": "text/turtle"}, b"ASK {}", {415}),
    ("no Content-Type", "POST", "/sparql", {}, b"ASK {}", {400, 415}),
    ("update to /sparql", "POST", "/sparql", {"Content-Type": "application/sparql-update"},
     b"INSERT DATA { <http://a> <http://b> <http://c> }", {400}),
    ("body over the size limit", "POST", "/sparql", {"Content-Type": "application/sparql-query"},
     b"ASK {} #" + b"x" * 300_000, {413}),
    ("URL over the limit", "GET", "/sparql?query=" + "ASK%20%7B%7D%20%23" + "x" * 40_000, {}, b"", {414, 431}),
]

#: updates (to /update, form and direct): (name, text, expected status or "ok")
UPDATES: list[tuple[str, str, object]] = [
    ("crasher: INSERT … WHERE + 5,000 nested {", CRASHER_UPDATE, 400),
    ("20,000 nested parentheses", "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(" + "(" * 20_000 + "true"
     + ")" * 20_000 + ") }", 400),
    ("nesting at the limit", "DELETE { <http://a> <http://b> <http://c> } WHERE " + "{" * 256 + "}" * 256, 200),
    ("nesting past the limit", "INSERT { <http://a> <http://b> <http://c> } WHERE " + "{" * 257 + "}" * 257, 400),
    ("operator chain past the limit", "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER("
     + " || ".join(["false"] * 5000) + ") }", 400),
    ("long literal", "INSERT DATA { <http://a> <http://b> '" + "a" * 70_000 + "' }", 400),
    ("long IRI", "INSERT DATA { <http://a/" + "a" * 9000 + "> <http://b> 1 }", 400),
    ("many prefixes", prefixes(1001).replace("ASK {}", "INSERT DATA {}"), 400),
    ("truncated update", "INSERT DATA { <http://a> <http://b>", 400),
    ("a query, not an update", "SELECT * { ?s ?p ?o }", 400),
    ("NUL in an update", "INSERT DATA {\x00}", 400),
]


def _rdf_bodies() -> list[tuple[str, str, bytes, set[int]]]:
    """(name, Content-Type, body, allowed statuses) for PUT/POST /store."""
    deep_ttl = b"<http://x/s> <http://x/p> " + b"( " * (RDF_DEPTH + 1) + b"1" + b" )" * (RDF_DEPTH + 1) + b" ."
    deep_bnodes = b"<http://x/s> <http://x/p> " + b"[ <http://x/p> " * (RDF_DEPTH + 1) + b"1" + b" ]" * (RDF_DEPTH + 1) + b" ."
    deep_json = (b'{"@id": "http://x/s", "http://x/p": ' + b'{"http://x/p": ' * (RDF_DEPTH + 1) + b'"v"'
                 + b"}" * (RDF_DEPTH + 1) + b"}")
    deep_xml = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://x/">'
                b'<rdf:Description rdf:about="http://x/s">' + b"<ex:p><rdf:Description>" * RDF_DEPTH
                + b"</rdf:Description></ex:p>" * RDF_DEPTH + b"</rdf:Description></rdf:RDF>")
    long_literal_nt = b'<http://x/s> <http://x/p> "' + b"a" * 70_000 + b'" .\n'
    long_iri_ttl = b"<http://x/" + b"a" * 9000 + b"> <http://x/p> 1 ."
    xml_literal = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://x/">'
                   b'<rdf:Description rdf:about="http://x/s"><ex:p>' + b"a" * 70_000
                   + b"</ex:p></rdf:Description></rdf:RDF>")
    json_literal = b'{"@id": "http://x/s", "http://x/p": "' + b"a" * 70_000 + b'"}'
    return [
        ("Turtle, nested collections past the limit", "text/turtle", deep_ttl, {400}),
        ("Turtle, nested blank nodes past the limit", "text/turtle", deep_bnodes, {400}),
        ("JSON-LD, nested objects past the limit", "application/ld+json", deep_json, {400}),
        ("RDF/XML, nested elements past the limit", "application/rdf+xml", deep_xml, {400}),
        ("N-Triples, long literal", "application/n-triples", long_literal_nt, {400}),
        ("Turtle, long IRI", "text/turtle", long_iri_ttl, {400}),
        ("RDF/XML, long literal", "application/rdf+xml", xml_literal, {400}),
        ("JSON-LD, long literal", "application/ld+json", json_literal, {400}),
        ("Turtle, malformed UTF-8", "text/turtle", b'<http://x/s> <http://x/p> "\xff\xfe" .', {400}),
        ("JSON-LD, malformed UTF-8", "application/ld+json", b'{"@id": "http://x/s", "http://x/p": "\xff"}', {400}),
        ("Turtle sent as RDF/XML", "application/rdf+xml", b"<http://x/s> <http://x/p> 1 .", {400}),
        ("JSON sent as Turtle", "text/turtle", b'{"@id": "http://x/s"}', {400}),
        ("truncated Turtle", "text/turtle", b"<http://x/s> <http://x/p> [ <http://x/q> ", {400}),
        ("truncated RDF/XML", "application/rdf+xml", b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Descr', {400}),
        ("truncated JSON-LD", "application/ld+json", b'{"@id": "http://x/s", "http://x/p": {', {400}),
        ("unknown Content-Type", "application/x-nonsense", b"<http://x/s> <http://x/p> 1 .", {415}),
        ("body over the upload limit", "text/turtle", b"#" + b"x" * (2 * 1024 * 1024), {413}),
    ]


# -- the servers ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server_support.Server]:
    tmp = tmp_path_factory.mktemp("hostile")
    token_file = tmp / "token"
    token_file.write_text(TOKEN)
    env = {"JAKGRAPH_MAX_RDF_NESTING_DEPTH": str(RDF_DEPTH), "JAKGRAPH_MAX_UPLOAD_BYTES": str(1024 * 1024)}
    with server_support.running(["--update-token-file", str(token_file), "--query-workers", "2",
                                 "--timeout", "10"], tmp, env) as server:
        yield server


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory, built) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:  # noqa: ANN001
    with server_support.oxigraph(tmp_path_factory.mktemp("hostile-oxigraph")) as server:
        push(built.store, graphs_to_push(built.store), to=server.url, log=io.StringIO())
        yield server.url, server.process


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory, oxigraph) -> Iterator[server_support.Server]:
    tmp = tmp_path_factory.mktemp("hostile-backend")
    with server_support.running(["--backend", oxigraph[0], "--timeout", "10"], tmp) as server:
        yield server


# -- checks -----------------------------------------------------------------------------------------

def graph_digest(url: str) -> str:
    """Every quad of the served graph, sorted and hashed (through the query endpoint; blank node labels, which
    a commit may renumber, read as one)."""
    response = httpx.post(url + "/sparql", data={"query": "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"},
                          headers={"Accept": "text/tab-separated-values"}, timeout=60)
    assert response.status_code == 200
    lines = sorted(re.sub(r"_:\S+", "_:b", line) for line in response.text.splitlines()[1:])
    assert len(lines) > 5000
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def alive(url: str) -> None:
    response = httpx.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=JSON, timeout=30)
    assert response.status_code == 200 and response.json()["boolean"] is True


def judge(name: str, response: httpx.Response, expected: object) -> None:
    """A 4xx as expected, or a 2xx with the right answer; never a 5xx."""
    status = response.status_code
    where = f"{name}: HTTP {status} {response.text[:300]!r}"
    assert status < 500, where
    if isinstance(expected, int) and not isinstance(expected, bool):
        assert status == expected, where
        if status == 400 and "limit" in name:
            assert "input limit exceeded" in response.text and "JAKGRAPH_MAX_" in response.text, where
        return
    assert status == 200, where
    body = response.json()
    if isinstance(expected, bool):
        assert body["boolean"] is expected, where
    elif expected == "rows:0":
        assert body["results"]["bindings"] == [], where
    elif isinstance(expected, str) and expected.startswith("count:"):
        assert body["results"]["bindings"][0]["n"]["value"] == expected.split(":")[1], where


def send_queries(url: str) -> int:
    sent = 0
    with httpx.Client(timeout=60) as client:
        for name, text, expected in QUERIES:
            for form, request in _sparql_requests(url, text):
                judge(f"{name} ({form})", client.send(request), expected)
                sent += 1
        for name, method, path, headers, body, statuses in RAW:
            response = client.request(method, url + path, headers=headers, content=body)
            assert response.status_code in statuses, f"{name}: {response.status_code} {response.text[:200]}"
            sent += 1
    return sent


def truncated_bodies(url: str) -> int:
    """Bodies cut short: the client promises more bytes than it sends, then closes."""
    host, port = url.removeprefix("http://").split(":")
    sent = 0
    for path, media in (("/sparql", "application/sparql-query"), ("/update", "application/sparql-update"),
                        ("/store?graph=urn:x:g", "text/turtle")):
        method = "PUT" if path.startswith("/store") else "POST"
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            raw.sendall(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {media}\r\n"
                        f"Authorization: Bearer {TOKEN}\r\nContent-Length: 1000\r\n\r\nASK {{ ?s".encode())
            raw.shutdown(socket.SHUT_WR)
            try:
                reply = raw.recv(200)
            except OSError:
                reply = b""
            assert not reply.startswith(b"HTTP/1.1 5"), reply
        sent += 1
    return sent


# -- the tests --------------------------------------------------------------------------------------

def test_the_corpus_against_the_embedded_server(embedded: server_support.Server) -> None:
    url = embedded.url
    before = graph_digest(url)
    sent = send_queries(url)
    with httpx.Client(timeout=60, headers=AUTH) as client:
        for name, text, expected in UPDATES:
            for form, kwargs in (("form", {"data": {"update": text}}),
                                 ("direct", {"content": text.encode("utf-8"),
                                             "headers": {**AUTH, "Content-Type": "application/sparql-update"}})):
                response = client.post(url + "/update", **kwargs)
                assert response.status_code == expected, f"{name} ({form}): {response.status_code} {response.text[:300]}"
                if expected == 200:
                    assert response.json()["status"] == "unchanged"
                sent += 1
        for name, media, body, statuses in _rdf_bodies():
            for method in ("PUT", "POST"):
                response = client.request(method, url + "/store", params={"graph": "urn:x:hostile"},
                                          headers={**AUTH, "Content-Type": media}, content=body)
                assert response.status_code in statuses, f"{name} ({method}): {response.status_code} {response.text[:300]}"
                sent += 1
        response = client.put(url + "/update", content=b"ASK {}")
        assert 400 <= response.status_code < 500
    sent += truncated_bodies(url)
    alive(url)
    assert embedded.process.poll() is None, embedded.output()
    assert graph_digest(url) == before
    print(f"\n{sent} hostile requests to the embedded server")


def test_rdf_at_the_nesting_limit_is_written_and_removed(embedded: server_support.Server) -> None:
    """At the RDF nesting limit a write goes through the whole transaction (validated, committed)."""
    url = embedded.url
    before = graph_digest(url)
    body = b"<http://x/s> <http://x/p> " + b"( " * (RDF_DEPTH - 1) + b"1" + b" )" * (RDF_DEPTH - 1) + b" ."
    with httpx.Client(timeout=120, headers=AUTH) as client:
        response = client.put(url + "/store", params={"graph": "urn:x:at-limit"}, content=body,
                              headers={**AUTH, "Content-Type": "text/turtle"})
        assert response.status_code in (201, 422), response.text[:300]
        if response.status_code == 201:
            assert client.delete(url + "/store", params={"graph": "urn:x:at-limit"}).status_code == 200
    assert graph_digest(url) == before


def test_the_issue_s_crashers_answer_400_and_the_server_keeps_serving(embedded: server_support.Server) -> None:
    url = embedded.url
    update = httpx.post(url + "/update", content=CRASHER_UPDATE.encode(), timeout=30,
                        headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert update.status_code == 400
    assert "5,000 levels" in update.text and "JAKGRAPH_MAX_NESTING_DEPTH" in update.text
    for text in (CRASHER_QUERY, CRASHER_PARENS):
        started = time.perf_counter()
        for _ in range(60):          # once a crash per request; now a cheap refusal
            response = httpx.post(url + "/sparql", content=text.encode(), timeout=30,
                                  headers={"Content-Type": "application/sparql-query"})
            assert response.status_code == 400 and "input limit exceeded" in response.text
        assert time.perf_counter() - started < 30
    alive(url)
    assert embedded.process.poll() is None


def test_the_corpus_through_a_real_oxigraph_backend(backend: server_support.Server, oxigraph) -> None:
    oxigraph_url, oxigraph_process = oxigraph
    before = graph_digest(backend.url)
    sent = send_queries(backend.url)
    with httpx.Client(timeout=30, headers=AUTH) as client:
        response = client.post(backend.url + "/update", content=CRASHER_UPDATE.encode(),
                               headers={**AUTH, "Content-Type": "application/sparql-update"})
        assert 400 <= response.status_code < 500
        for name, media, body, _ in _rdf_bodies()[:4]:
            response = client.put(backend.url + "/store", params={"graph": "urn:x:hostile"},
                                  headers={**AUTH, "Content-Type": media}, content=body)
            assert 400 <= response.status_code < 500, name
            sent += 1
    sent += truncated_bodies(backend.url)
    alive(backend.url)
    assert backend.process.poll() is None
    assert oxigraph_process.poll() is None, "the Oxigraph backend stopped"
    assert httpx.get(oxigraph_url + "/query", params={"query": "ASK {}"}, timeout=10).status_code == 200
    assert graph_digest(backend.url) == before
    print(f"\n{sent} hostile requests through the backend")


def test_the_crasher_would_have_killed_oxigraph_directly(oxigraph) -> None:
    """The reason the check runs before forwarding: sent to Oxigraph itself, the query aborts it. Checked
    last, on the module's own Oxigraph (it is not used after)."""
    url, process = oxigraph
    try:
        httpx.post(url + "/query", content=CRASHER_QUERY.encode(), timeout=30,
                   headers={"Content-Type": "application/sparql-query"})
    except httpx.HTTPError:
        pass
    time.sleep(1)
    if process.poll() is None:
        pytest.skip("this Oxigraph build survives the crasher (a larger stack); the limit still applies")
    assert process.poll() != 0
