"""Java clients and the h2c upgrade offer, against a real ``jakgraph serve`` (the ``live_server`` fixture).

Every stock JDK ``HttpClient`` offers ``Upgrade: h2c`` on each HTTP/1.1 request; httptools used to drop the
body of such a request (``web/server.py`` says why). Here: raw requests carrying the offer, by GET and POST
(form, direct, chunked, body sent late, pipelined), each answered 200 with the embedded engine's answer and the
connection still usable; then Apache Jena's ``rsparql`` by GET and ``--post`` in each of its result formats
(it always asks the server for JSON first), and the JDK ``HttpClient`` itself (tests/java/JdkClient.java)
asking for each results format the endpoint serves, by GET, POST form and POST direct.
"""
from __future__ import annotations

import csv
import io
import json
import shutil
import socket
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pyoxigraph as ox
import pytest

from jakgraph.namespaces import DISEASE, DRUG, JAK, LETTER_GRAPH
from jena_support import jena_missing, run_jena

pytestmark = pytest.mark.server

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
#: full IRIs, no prefixes: every client prints the same values
QUERY = (f"SELECT ?disease ?label WHERE {{ <{DRUG['ruxolitinib']}> <{JAK['usedToTreat']}> ?disease . "
         f"?disease <{RDFS_LABEL}> ?label }} ORDER BY ?disease ?label")
H2C_OFFER = ("Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
             "HTTP2-Settings: AAEAAEAAAAIAAAAAAAMAAABkAAQBAAAAAAUAAEAA\r\n")


@pytest.fixture(scope="module")
def expected(built) -> set[tuple[str, str]]:  # noqa: ANN001 - the session fixture from conftest
    rows = {(row["disease"].value, row["label"].value)
            for row in built.store.query(QUERY, use_default_graph_as_union=True)}
    assert (str(DISEASE["savi"]), ) in {(disease,) for disease, _ in rows}  # the query itself is meaningful
    return rows


# -- raw HTTP/1.1 -----------------------------------------------------------------------------------------
class Connection:
    """One keep-alive connection: send bytes, read whole responses (Content-Length or chunked)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host = f"{parts.hostname}:{parts.port}"
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        self.stream = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        status_line = self.stream.readline()
        assert status_line.startswith(b"HTTP/1.1 "), f"not an HTTP/1.1 answer: {status_line!r}"
        headers: dict[str, str] = {}
        while (line := self.stream.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while size := int(self.stream.readline().split(b";")[0], 16):
                body += self.stream.read(size)
                self.stream.readline()
            self.stream.readline()
        else:
            body = self.stream.read(int(headers.get("content-length", "0")))
        return int(status_line.split()[1]), headers, body

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


@pytest.fixture
def connection(live_server):  # noqa: ANN001, ANN201
    conn = Connection(live_server.base)
    yield conn
    conn.close()


def request(conn: Connection, method: str, target: str, *, body: bytes = b"", content_type: str = "",
            accept: str = "application/sparql-results+json", offer: bool = True, chunked: bool = False) -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: {conn.host}\r\nAccept: {accept}\r\n"
    head += H2C_OFFER if offer else ""
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    if chunked:
        head += "Transfer-Encoding: chunked\r\n"
        half = len(body) // 2
        body = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:half], body[half:]))
        body += b"0\r\n\r\n"
    elif method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    return (head + "\r\n").encode("latin-1") + body


def rows_of(body: bytes) -> set[tuple[str, str]]:
    return {(b["disease"]["value"], b["label"]["value"]) for b in json.loads(body)["results"]["bindings"]}


def assert_still_usable(conn: Connection) -> None:
    conn.send(request(conn, "GET", "/sparql?query=" + quote("ASK {}"), offer=False))
    status, _, body = conn.response()
    assert status == 200 and json.loads(body)["boolean"] is True


def test_get_with_h2c_offer(connection: Connection, expected: set) -> None:
    connection.send(request(connection, "GET", "/sparql?" + urlencode({"query": QUERY})))
    status, headers, body = connection.response()
    assert status == 200, body
    assert "upgrade" not in headers  # declined: an ordinary HTTP/1.1 answer, no 101
    assert rows_of(body) == expected
    assert_still_usable(connection)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_post_form_with_h2c_offer(connection: Connection, expected: set, chunked: bool) -> None:
    body = urlencode({"query": QUERY}).encode()
    connection.send(request(connection, "POST", "/sparql", body=body, chunked=chunked,
                            content_type="application/x-www-form-urlencoded"))
    status, _, answer = connection.response()
    assert status == 200, answer
    assert rows_of(answer) == expected
    assert_still_usable(connection)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_post_direct_with_h2c_offer(connection: Connection, expected: set, chunked: bool) -> None:
    connection.send(request(connection, "POST", "/sparql", body=QUERY.encode(), chunked=chunked,
                            content_type="application/sparql-query"))
    status, _, answer = connection.response()
    assert status == 200, answer
    assert rows_of(answer) == expected
    assert_still_usable(connection)


def test_body_sent_after_the_headers(connection: Connection, expected: set) -> None:
    """The offer's headers arrive first, the body in later packets (the parser must wait for it)."""
    payload = request(connection, "POST", "/sparql", body=QUERY.encode(), content_type="application/sparql-query")
    head, _, body = payload.partition(b"\r\n\r\n")
    connection.send(head + b"\r\n\r\n")
    time.sleep(0.2)
    connection.send(body[:10])
    time.sleep(0.2)
    connection.send(body[10:])
    status, _, answer = connection.response()
    assert status == 200, answer
    assert rows_of(answer) == expected


def test_pipelined_requests_after_an_offer(connection: Connection, expected: set) -> None:
    """An offer with a body, then a plain GET, in one packet: both answered, in order."""
    first = request(connection, "POST", "/sparql", body=QUERY.encode(), content_type="application/sparql-query")
    second = request(connection, "GET", "/sparql?query=" + quote("ASK { ?s ?p ?o }"), offer=False)
    connection.send(first + second)
    status, _, answer = connection.response()
    assert status == 200 and rows_of(answer) == expected
    status, _, answer = connection.response()
    assert status == 200 and json.loads(answer)["boolean"] is True


def test_graph_store_with_h2c_offer(connection: Connection, built) -> None:  # noqa: ANN001
    """Reading a graph works with the offer; a write without a token is refused by the app (not by the
    parser), its body consumed, and the connection goes on."""
    connection.send(request(connection, "GET", "/store?" + urlencode({"graph": str(LETTER_GRAPH)}),
                            accept="application/n-triples"))
    status, _, body = connection.response()
    assert status == 200, body
    letter_size = sum(1 for _ in built.store.quads_for_pattern(None, None, None, ox.NamedNode(str(LETTER_GRAPH))))
    assert len([line for line in body.decode().splitlines() if line.strip()]) == letter_size
    triple = b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n"
    connection.send(request(connection, "POST", "/store?" + urlencode({"graph": str(LETTER_GRAPH)}), body=triple,
                            content_type="application/n-triples"))
    status, _, body = connection.response()
    assert status in (401, 403, 405), body  # refused by jakgraph's own rules, with its message
    assert b"Invalid HTTP request" not in body
    assert_still_usable(connection)


# -- Apache Jena rsparql (the JDK HttpClient) ----------------------------------------------------------
def parse_rsparql(output: str, fmt: str) -> set[tuple[str, str]]:
    """The (disease IRI, label) rows of rsparql's output in one of its result formats."""
    if fmt == "json":
        return rows_of(output.encode())
    if fmt == "xml":
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        found: set[tuple[str, str]] = set()
        for result in ET.fromstring(output).iterfind(".//r:result", ns):
            cells = {b.get("name"): b[0].text for b in result.iterfind("r:binding", ns)}
            disease, label = cells["disease"], cells["label"]
            assert disease is not None and label is not None, cells
            found.add((disease, label))
        return found
    if fmt == "csv":
        return {(r["disease"], r["label"]) for r in csv.DictReader(io.StringIO(output))}
    if fmt == "tsv":
        lines = output.splitlines()
        assert lines[0].split("\t") == ["?disease", "?label"]
        return {(_iri(d), _literal(lb)) for d, lb in (line.split("\t") for line in lines[1:] if line)}
    assert fmt == "text"
    rows: set[tuple[str, str]] = set()
    for line in output.splitlines():
        if line.startswith("| <"):
            disease, label = (cell.strip() for cell in line.strip().strip("|").split(" | "))
            rows.add((_iri(disease), _literal(label)))
    return rows


def _iri(term: str) -> str:
    assert term.startswith("<") and term.endswith(">"), term
    return term[1:-1]


def _literal(term: str) -> str:
    assert term.startswith('"'), term
    return term[1:term.rindex('"')].replace('\\"', '"')


@pytest.mark.skipif(jena_missing() is not None, reason=str(jena_missing()))
@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv", "text"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_jena_rsparql(live_server, expected: set, tmp_path_factory: pytest.TempPathFactory,  # noqa: ANN001
                      method: str, fmt: str) -> None:
    args = ["--service", live_server.sparql, f"--results={fmt}", QUERY]
    if method == "POST":
        args.insert(0, "--post")
    output = run_jena("arq.rsparql", args, tmp_path_factory.getbasetemp())
    assert parse_rsparql(output, fmt) == expected, output


# -- the JDK HttpClient itself, asking for each results format the endpoint serves ------------------------
SERVER_FORMATS = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                  "csv": "text/csv", "tsv": "text/tab-separated-values"}
JDK_CLIENT = Path(__file__).parents[1] / "java" / "JdkClient.java"


@pytest.fixture(scope="module")
def jdk_client(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    if shutil.which("javac") is None or shutil.which("java") is None:
        pytest.skip("no Java compiler (Debian: default-jdk-headless)")
    classes = tmp_path_factory.mktemp("jdk-client")
    subprocess.run(["javac", "-d", str(classes), str(JDK_CLIENT)], check=True, timeout=120)
    return ["java", "-cp", str(classes), "JdkClient"]


@pytest.mark.parametrize("method", ["GET", "POST-form", "POST-direct"])
def test_jdk_http_client_every_format(live_server, expected: set, jdk_client: list[str],  # noqa: ANN001
                                      method: str) -> None:
    done = subprocess.run([*jdk_client, method, live_server.sparql, QUERY, *SERVER_FORMATS.values()],
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    answers = done.stdout.split("=== ")[1:]
    assert len(answers) == len(SERVER_FORMATS)
    for (fmt, media_type), answer in zip(SERVER_FORMATS.items(), answers, strict=True):
        status_line, _, body = answer.partition("\n")
        assert status_line.startswith(f"200 HTTP_1_1 {media_type}"), (fmt, status_line, body)
        assert parse_rsparql(body, fmt) == expected, (fmt, body)
