"""Query-safety promises checked on a real ``jakgraph serve`` process.

* a runaway query is cut off at the timeout, the next query answers at normal speed, and no CPU is left
  burning in the server or its query workers;
* row cap (422), query size (413/414) and concurrent-query cap (503 + Retry-After);
* no path traversal through the static, download, entity or fallback routes;
* no stack trace in any answer, and the JSON access log has one line per request.
"""
from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Any

import httpx
import psutil
import pytest

import server_support

pytestmark = [pytest.mark.server, pytest.mark.slow]

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
QUICK = "SELECT ?drug WHERE { ?drug a ?class } LIMIT 5"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("policy-server")
    env = {"JAKGRAPH_MAX_CONCURRENT_QUERIES": "3"}
    with server_support.running(["--query-workers", "2", "--max-rows", "50"], tmp, env, timeout=2,
                                access_log=tmp / "access.jsonl") as srv:
        yield srv


def family_cpu_seconds(pid: int) -> float:
    root = psutil.Process(pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def timed_query(server, text: str, timeout: float = 30) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = httpx.get(server.url + "/sparql", params={"query": text}, headers=JSON_RESULTS, timeout=timeout)
    return response, time.perf_counter() - started


def test_runaway_query_is_cut_off_and_leaves_nothing_running(server):
    for _ in range(3):
        timed_query(server, QUICK)           # warm
    baseline = min(timed_query(server, QUICK)[1] for _ in range(5))
    workers_before = {p.pid for p in psutil.Process(server.pid).children(recursive=True)}

    response, took = timed_query(server, RUNAWAY)
    assert response.status_code in (503, 504), response.text
    assert took < 2 + 5, f"the cut-off took {took:.1f} s for a 2 s timeout"
    assert "Traceback" not in response.text

    after, quick = timed_query(server, QUICK)
    assert after.status_code == 200
    assert quick < max(1.0, 10 * baseline), f"next query took {quick:.3f} s (baseline {baseline:.3f} s)"

    time.sleep(0.5)
    cpu_before = family_cpu_seconds(server.pid)
    time.sleep(2.0)
    burnt = family_cpu_seconds(server.pid) - cpu_before
    assert burnt < 0.5, f"{burnt:.2f} s of CPU burnt in 2 s of idleness after the cut-off"
    alive = {p.pid for p in psutil.Process(server.pid).children(recursive=True)}
    for pid in workers_before - alive:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert httpx.get(server.url + "/ready").status_code == 200


def test_row_cap(server):
    response = httpx.get(server.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers=JSON_RESULTS)
    assert response.status_code == 422
    ok = httpx.get(server.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 50"}, headers=JSON_RESULTS)
    assert ok.status_code == 200


def test_query_size_caps(server):
    from urllib.parse import quote

    status, body = raw_get(server, "/sparql?query=" + quote("ASK {} #" + "x" * 40_000))
    assert status == 414 and b"POST" in body
    long = "ASK {} #" + "x" * 300_000
    response = httpx.post(server.url + "/sparql", content=long, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413


def test_concurrent_query_cap_answers_503_with_retry_after(server):
    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            return await asyncio.gather(*(client.get("/sparql", params={"query": RUNAWAY + f" # {i}"}) for i in range(8)))

    responses = asyncio.run(burst())
    refused = [r for r in responses if r.status_code == 503 and r.headers.get("retry-after")]
    assert len(refused) >= 4, [r.status_code for r in responses]
    assert all(r.status_code in (503, 504) for r in responses)
    time.sleep(0.5)
    assert timed_query(server, QUICK)[0].status_code == 200


def raw_get(server, path: str) -> tuple[int, bytes]:
    """GET exactly this path (no client-side normalisation of ``..`` or percent-escapes)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


TRAVERSALS = [
    "/static/../../../../../../etc/passwd",
    "/static/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/%252e%252e/%252e%252e/etc/passwd",
    "/static/....//....//....//etc/passwd",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/..%5c..%5c..%5cpyproject.toml",
    "/static/../../../pyproject.toml",
    "/static/..%2f..%2f..%2f..%2fpyproject.toml",
    "/download/..%2f..%2fpyproject.toml",
    "/download/../../../../etc/passwd",
    "/download/%2e%2e%2f%2e%2e%2fsrc%2fjakgraph%2fconfig.py",
    "/download/..%2fpyproject.toml",
    "/download/%00../../etc/passwd",
    "/figures/..%2f..%2fpyproject.toml",
    "/drug/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/drug/../../../etc/passwd",
    "/statement/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/.well-known/void.%2e%2e%2fpyproject.toml",
    "/ontology.%2e%2e%2f%2e%2e%2fpyproject.toml",
]
SECRETS = (b"root:x:0:", b"[build-system]", b"env_prefix=\"JAKGRAPH_\"", b"def _readable(")


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_traversal(server, path):
    status, body = raw_get(server, path)
    assert status < 500, (path, status)
    for secret in SECRETS:
        assert secret not in body, (path, status)


def test_no_stack_trace_in_errors(server):
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/sparql", {"params": {"query": "SELECT * WHERE { ?s ?p "}}),
        ("POST", "/sparql", {"content": b"\xff\xfe\x00", "headers": {"Content-Type": "application/sparql-query"}}),
        ("POST", "/update", {"content": b"CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}}),
        ("PUT", "/store?graph=urn:x", {"content": b"x"}),
        ("GET", "/store?graph=%00", {}),
        ("GET", "/sparql", {"params": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"}}),
    ]
    for method, path, kwargs in requests:
        response = httpx.request(method, server.url + path, **kwargs)
        assert 400 <= response.status_code < 500, (method, path, response.status_code)
        assert "Traceback" not in response.text and 'File "' not in response.text


def test_access_log_has_one_json_line_per_request(server):
    marker = "SELECT ?x WHERE { ?x a ?y } LIMIT 1 # access-log-marker"
    httpx.get(server.url + "/sparql", params={"query": marker}, headers={"X-Request-ID": "access-log-test-1"})
    time.sleep(0.3)
    lines = [json.loads(line) for line in server.access_log.read_text().splitlines() if line.strip()]
    mine = [line for line in lines if line["request_id"] == "access-log-test-1"]
    assert len(mine) == 1
    record = mine[0]
    assert record["method"] == "GET" and record["path"] == "/sparql" and record["status"] == 200
    assert record["client"] == "127.0.0.1" and record["duration_ms"] >= 0
    import hashlib

    assert record["query_hash"] == hashlib.sha256(marker.encode()).hexdigest()[:16]
    assert "access-log-marker" not in server.access_log.read_text()   # the hash, never the text


def _route_traversals() -> list[str]:
    """Traversal attempts built from every route with a path parameter that the application has."""
    import re

    from jakgraph.web.routers import LAST_ROUTERS, ROUTERS

    attempts = []
    payloads = ["..%2f..%2f..%2f..%2fpyproject.toml", "%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                "..%5c..%5c..%5cpyproject.toml", "....//....//....//etc/passwd"]
    for router in [*ROUTERS, *LAST_ROUTERS]:
        for route in router.routes:
            path = getattr(route, "path", "")
            if "{" not in path:
                continue
            for payload in payloads:
                attempts.append(re.sub(r"\{[^}]+\}", payload, path))
    return sorted(set(attempts))


@pytest.mark.parametrize("path", _route_traversals())
def test_no_path_traversal_through_any_parameterised_route(server, path):
    status, body = raw_get(server, path)
    assert status < 500, (path, status)
    for secret in SECRETS:
        assert secret not in body, (path, status)
