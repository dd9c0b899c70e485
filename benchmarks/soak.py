"""A bounded soak on loopback: many clients on the example queries, with pathological queries mixed in.

Starts ``jakgraph serve`` on 127.0.0.1 (a free port, its own process group), then for ``--seconds``:

* ``--clients`` minus ``--hostile`` *researchers* loop over the example queries of ``examples/`` (each with
  its own Accept), back to back;
* ``--crashers`` clients loop over inputs that once crashed a parser (issue 14): thousands of nested groups or
  parentheses, operator and OPTIONAL chains, escaped braces, to ``/sparql`` (GET and POST), ``/update`` (with
  the curator token) and ``/store`` (nested Turtle and JSON-LD): each must be refused with a 4xx by the input
  limits, and no query worker may die (their PIDs are compared before and after);
* ``--hostile`` clients loop over pathological requests: cartesian products, deep property paths, results
  past the row cap, catastrophic regular expressions, SERVICE to loopback/metadata addresses, LOAD and
  updates on the query endpoint, syntax errors, queries over the size caps, with ``--pause`` between them.

It reports errors on good queries (anything but 200: must be 0), latency p50/p99/max of the good queries,
what the hostile requests got (status counts; any 500 or broken connection is an error), and the resident
memory (RSS) of the server and its query workers at the start, at the end and the growth between.

    .venv/bin/python benchmarks/soak.py                 # 60 s, 32 clients (2 hostile)
    .venv/bin/python benchmarks/soak.py --seconds 10    # a quick look
    .venv/bin/python benchmarks/soak.py --seconds 20 --crashers 2   # with the crasher mix

Loopback only: the server binds 127.0.0.1 and nothing else is contacted (the SERVICE requests are refused
before any connection). Exit status 1 if a good query failed or the server answered 500.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from rdflib import Graph, Namespace

ROOT = Path(__file__).resolve().parents[1]
SH = Namespace("http://www.w3.org/ns/shacl#")
JSON = "application/sparql-results+json"
TURTLE = "text/turtle"
HOSTILE_ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"

PATHOLOGICAL: list[tuple[str, str, dict[str, str] | None, str | None]] = [
    # (name, method, params, body) -- GET unless a body is given
    ("cartesian-4", "GET", {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"}, None),
    ("cartesian-select", "GET", {"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"}, None),
    ("deep-path", "GET", {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s (!<urn:none>)* ?o . ?o (!<urn:none>)+ ?x }"}, None),
    ("path-closure", "GET", {"query": "SELECT ?s ?o WHERE { ?s (<http://www.w3.org/2000/01/rdf-schema#label>|!<urn:x>)* ?o }"}, None),
    ("huge-result", "GET", {"query": "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c }"}, None),
    ("huge-construct", "GET", {"query": "CONSTRUCT { ?s ?p ?o . ?a ?b ?c } WHERE { ?s ?p ?o . ?a ?b ?c }"}, None),
    ("regex-redos", "GET", {"query": 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?a ?b ?c '
                                     'FILTER(REGEX(CONCAT(STR(?o), STR(?c)), "^(a|aa)+$")) }'}, None),
    ("ssrf-metadata", "GET", {"query": "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/meta-data/> { ?s ?p ?o } }"}, None),
    ("ssrf-loopback", "GET", {"query": "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:22/> { ?s ?p ?o } }"}, None),
    ("ssrf-variable", "GET", {"query": "SELECT * WHERE { VALUES ?e { <http://10.0.0.1/> } SERVICE ?e { ?s ?p ?o } }"}, None),
    ("load-on-query", "POST", None, "LOAD <file:///etc/passwd>"),
    ("update-on-query", "POST", None, "DELETE WHERE { ?s ?p ?o }"),
    ("syntax-error", "GET", {"query": "SELECT * WHERE { ?s ?p "}, None),
    ("too-large", "POST", None, "ASK {} #" + "x" * 300_000),
    ("too-long-url", "GET", {"query": "ASK {} #" + "x" * 40_000}, None),
]


CRASHER_TOKEN = "soak-curator-token-0123456789abcdef"
_DEEP = 5000
CRASHERS: list[tuple[str, str, str, str | None, str]] = [
    # (name, method, path, Content-Type, body or query)
    ("nested-groups-get", "GET", "/sparql", None, "ASK " + "{" * _DEEP + "}" * _DEEP),
    ("nested-groups-post", "POST", "/sparql", "application/sparql-query", "ASK " + "{" * _DEEP + "}" * _DEEP),
    ("nested-parens", "POST", "/sparql", "application/sparql-query",
     "ASK { FILTER(" + "(" * 20_000 + "true" + ")" * 20_000 + ") }"),
    ("escaped-braces", "POST", "/sparql", "application/sparql-query", "ASK " + "\\u007B" * 3000 + "\\u007D" * 3000),
    ("unary-not-chain", "POST", "/sparql", "application/sparql-query", "ASK { FILTER(" + "!" * 20_000 + "true) }"),
    ("or-chain", "POST", "/sparql", "application/sparql-query",
     "ASK { FILTER(" + " || ".join(["false"] * 20_000) + ") }"),
    ("optional-chain", "POST", "/sparql", "application/sparql-query",
     "ASK { " + "OPTIONAL { ?s ?p ?o } " * 5000 + "}"),
    ("update-nested", "POST", "/update", "application/sparql-update",
     "INSERT { <http://a> <http://b> <http://c> } WHERE " + "{" * _DEEP + "}" * _DEEP),
    ("store-nested-turtle", "PUT", "/store?graph=urn:soak:x", "text/turtle",
     "<http://x/s> <http://x/p> " + "( " * 40_000 + "1" + " )" * 40_000 + " ."),
    ("store-nested-jsonld", "PUT", "/store?graph=urn:soak:x", "application/ld+json",
     '{"@id": "http://x/s", "http://x/p": ' + '{"http://x/p": ' * 40_000 + '"v"' + "}" * 40_000 + "}"),
]


@dataclass
class Tally:
    good_latencies: list[float] = field(default_factory=list)
    good_errors: Counter = field(default_factory=Counter)
    good_by_query: Counter = field(default_factory=Counter)
    hostile_statuses: Counter = field(default_factory=Counter)
    hostile_by_kind: dict[str, Counter] = field(default_factory=dict)
    crasher_statuses: Counter = field(default_factory=Counter)
    rss_samples: list[float] = field(default_factory=list)
    server_errors: int = 0


def example_queries() -> list[tuple[str, str, str]]:
    """(name, query, Accept) for every example query in examples/."""
    graph = Graph()
    for path in sorted((ROOT / "examples").glob("*.ttl")):
        graph.parse(path, format="turtle")
    found = []
    for prop, accept in ((SH.select, JSON), (SH.ask, JSON), (SH.construct, TURTLE), (SH.describe, TURTLE)):
        for node, text in graph.subject_objects(prop):
            found.append((str(node).rsplit("/", 1)[-1], str(text), accept))
    return sorted(found)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def family_rss(pid: int) -> tuple[int, int]:
    """(server RSS, server + workers RSS) in bytes."""
    root = psutil.Process(pid)
    own = root.memory_info().rss
    total = own
    for child in root.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return own, total


def start_server(args: argparse.Namespace, log_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "JAKGRAPH_ACCESS_LOG": str(log_dir / "access.jsonl")}
    command = [sys.executable, "-m", "jakgraph.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--timeout", str(args.timeout)]
    if args.workers:
        command += ["--query-workers", str(args.workers)]
    if args.crashers:
        token_file = log_dir / "token"
        token_file.write_text(CRASHER_TOKEN)
        command += ["--update-token-file", str(token_file)]
    sink = (log_dir / "server.log").open("wb")
    process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {(log_dir / 'server.log').read_text()[-2000:]}")
        try:
            if httpx.get(url + "/ready", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit("the server did not become ready")


async def researcher(client: httpx.AsyncClient, queries, deadline: float, tally: Tally, rng: random.Random) -> None:
    while time.monotonic() < deadline:
        name, text, accept = rng.choice(queries)
        started = time.perf_counter()
        try:
            response = await client.get("/sparql", params={"query": text}, headers={"Accept": accept})
            status = response.status_code
        except httpx.HTTPError as err:
            status = type(err).__name__
        took = time.perf_counter() - started
        tally.good_by_query[name] += 1
        if status == 200:
            tally.good_latencies.append(took)
        else:
            tally.good_errors[f"{name}: {status}"] += 1
            if status == 500:
                tally.server_errors += 1


async def hostile(client: httpx.AsyncClient, deadline: float, tally: Tally, rng: random.Random, pause: float) -> None:
    while time.monotonic() < deadline:
        name, method, params, body = rng.choice(PATHOLOGICAL)
        try:
            if method == "GET":
                response = await client.get("/sparql", params=params, headers={"Accept": HOSTILE_ACCEPT})
            else:
                response = await client.post("/sparql", content=body,
                                             headers={"Content-Type": "application/sparql-query", "Accept": HOSTILE_ACCEPT})
            status: int | str = response.status_code
            if response.status_code == 500 or "Traceback" in response.text:
                tally.server_errors += 1
        except httpx.HTTPError as err:
            status = type(err).__name__
            tally.server_errors += 1
        tally.hostile_statuses[status] += 1
        tally.hostile_by_kind.setdefault(name, Counter())[status] += 1
        await asyncio.sleep(pause)


async def crasher(client: httpx.AsyncClient, deadline: float, tally: Tally, rng: random.Random, pause: float) -> None:
    headers = {"Authorization": f"Bearer {CRASHER_TOKEN}", "Accept": HOSTILE_ACCEPT}
    while time.monotonic() < deadline:
        name, method, path, media, text = rng.choice(CRASHERS)
        try:
            if method == "GET":
                response = await client.get(path, params={"query": text}, headers=headers)
            else:
                response = await client.request(method, path, content=text.encode("utf-8"),
                                                headers={**headers, "Content-Type": media or ""})
            status: int | str = response.status_code
            if not 400 <= response.status_code < 500:   # refused by the limits, or it is an error
                tally.server_errors += 1
        except httpx.HTTPError as err:
            status = type(err).__name__
            tally.server_errors += 1
        tally.crasher_statuses[status] += 1
        tally.hostile_by_kind.setdefault("crasher:" + name, Counter())[status] += 1
        await asyncio.sleep(pause)


async def sample_rss(pid: int, deadline: float, samples: list[float]) -> None:
    """The resident memory of the server and its workers, once a second (is it flat?)."""
    while time.monotonic() < deadline:
        samples.append(family_rss(pid)[1] / 2**20)
        await asyncio.sleep(1)


async def soak(url: str, args: argparse.Namespace, queries, tally: Tally, pid: int = 0) -> float:
    rng = random.Random(args.seed)
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=args.timeout + 30) as client:
        started = time.monotonic()
        deadline = started + args.seconds
        tasks = [researcher(client, queries, deadline, tally, random.Random(rng.random()))
                 for _ in range(args.clients - args.hostile)]
        tasks += [hostile(client, deadline, tally, random.Random(rng.random()), args.pause) for _ in range(args.hostile)]
        tasks += [crasher(client, deadline, tally, random.Random(rng.random()), args.pause)
                  for _ in range(args.crashers)]
        if pid:
            tasks.append(sample_rss(pid, deadline, tally.rss_samples))
        await asyncio.gather(*tasks)
        return time.monotonic() - started


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--hostile", type=int, default=2, help="how many of the clients send pathological requests")
    parser.add_argument("--crashers", type=int, default=0,
                        help="how many extra clients send inputs that once crashed a parser (nesting, chains)")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds a hostile client waits between requests")
    parser.add_argument("--timeout", type=float, default=5, help="the server's query timeout (jakgraph serve --timeout)")
    parser.add_argument("--workers", type=int, default=4, help="query worker processes (jakgraph serve --query-workers)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    args = parser.parse_args()
    if not 0 <= args.hostile < args.clients:
        parser.error("--hostile must be smaller than --clients")

    queries = example_queries()
    if not queries:
        raise SystemExit("no example queries found in examples/")
    log_dir = Path(tempfile.mkdtemp(prefix="jakgraph-soak-"))
    process, url = start_server(args, log_dir)
    tally = Tally()
    try:
        for name, text, accept in queries:   # warm-up: every example once, and check they all answer
            response = httpx.get(url + "/sparql", params={"query": text}, headers={"Accept": accept}, timeout=60)
            if response.status_code != 200:
                print(f"warning: example {name} answers {response.status_code} before the soak", file=sys.stderr)
        time.sleep(1)
        rss_start = family_rss(process.pid)
        workers_start = {p.pid for p in psutil.Process(process.pid).children(recursive=True)}
        elapsed = asyncio.run(soak(url, args, queries, tally, process.pid))
        time.sleep(1)
        rss_end = family_rss(process.pid)
        workers_end = {p.pid for p in psutil.Process(process.pid).children(recursive=True)}
        server_alive = process.poll() is None
        ready = httpx.get(url + "/ready", timeout=10).status_code
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)

    good = len(tally.good_latencies) + sum(tally.good_errors.values())
    figures = {
        "seconds": round(elapsed, 1),
        "clients": args.clients,
        "hostile_clients": args.hostile,
        "query_workers": args.workers,
        "timeout_s": args.timeout,
        "example_queries": len(queries),
        "good_requests": good,
        "good_errors": sum(tally.good_errors.values()),
        "good_error_detail": dict(tally.good_errors),
        "good_throughput_per_s": round(len(tally.good_latencies) / elapsed, 1),
        "good_p50_ms": round(percentile(tally.good_latencies, 0.50) * 1000, 1),
        "good_p99_ms": round(percentile(tally.good_latencies, 0.99) * 1000, 1),
        "good_max_ms": round(max(tally.good_latencies, default=float("nan")) * 1000, 1),
        "hostile_requests": sum(tally.hostile_statuses.values()),
        "hostile_statuses": {str(k): v for k, v in sorted(tally.hostile_statuses.items(), key=str)},
        "hostile_by_kind": {k: {str(s): n for s, n in v.items()} for k, v in sorted(tally.hostile_by_kind.items())},
        "crasher_clients": args.crashers,
        "crasher_requests": sum(tally.crasher_statuses.values()),
        "crasher_statuses": {str(k): v for k, v in sorted(tally.crasher_statuses.items(), key=str)},
        "server_errors_500_or_broken": tally.server_errors,
        "server_restarted": not server_alive,
        "worker_processes_replaced": len(workers_start - workers_end),
        "rss_server_start_mb": round(rss_start[0] / 2**20, 1),
        "rss_server_end_mb": round(rss_end[0] / 2**20, 1),
        "rss_server_growth_mb": round((rss_end[0] - rss_start[0]) / 2**20, 1),
        "rss_total_start_mb": round(rss_start[1] / 2**20, 1),
        "rss_total_end_mb": round(rss_end[1] / 2**20, 1),
        "rss_total_growth_mb": round((rss_end[1] - rss_start[1]) / 2**20, 1),
        "rss_total_samples_mb": [round(v, 1) for v in tally.rss_samples],
        "rss_total_growth_second_half_mb": round(tally.rss_samples[-1] - tally.rss_samples[len(tally.rss_samples) // 2], 1)
        if tally.rss_samples else None,
        "ready_after": ready,
        "server_log": str(log_dir / "server.log"),
    }
    print(json.dumps(figures, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    failed = (figures["good_errors"] or tally.server_errors or ready != 200 or not server_alive
              # with no hostile clients (whose runaway queries are stopped by replacing a worker), a replaced
              # worker is a crash
              or (args.crashers and not args.hostile and figures["worker_processes_replaced"]))
    print(f"\nsoak {'FAILED' if failed else 'ok'}: {good} good requests, {figures['good_errors']} errors, "
          f"p50 {figures['good_p50_ms']} ms, p99 {figures['good_p99_ms']} ms; "
          f"{figures['hostile_requests']} hostile and {figures['crasher_requests']} crasher requests, "
          f"{tally.server_errors} server errors, {figures['worker_processes_replaced']} workers replaced; "
          f"server RSS {figures['rss_server_start_mb']} -> {figures['rss_server_end_mb']} MB "
          f"(with workers {figures['rss_total_start_mb']} -> {figures['rss_total_end_mb']} MB)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
