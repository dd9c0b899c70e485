"""``make bench``: jakgraph against the Oxigraph server, rdflib-endpoint and a constant FastAPI endpoint.

All four serve the same data (the N-Quads dump ``dist/jakgraph.nq`` that ``make build`` writes; jakgraph
builds the same graph from its sources), each in its own process on a free loopback port, with the
default graph the union of the named graphs. The same fixed mix of eight queries (point lookup, label
search, a join over three hops, an aggregation, OPTIONAL + ORDER BY + LIMIT, CONSTRUCT, ASK, DESCRIBE) is
sent to each at concurrency 1, 8 and 32, in rounds that interleave the servers so that drift in the
machine's load hits them alike. Each cell is bounded by a request count and a time budget; the whole run
takes a few minutes.

Reported per server and concurrency: median and p99 latency and throughput, then the ratios (jakgraph vs
Oxigraph and vs rdflib-endpoint in throughput, jakgraph's median latency vs the constant endpoint's), as
a table printed and written to ``benchmarks/results/latest.md``. The load generator (``loadgen.py``) is
a lean asyncio HTTP/1.1 client that shares the machine's cores with the servers.

Also reported: the memory of each server, RSS and PSS summed over all its processes (jakgraph's HTTP
process and its query workers; ``procmem.py``), and a table of the targets of issue 15 (uncached
throughput at c=8 at least the Oxigraph server's, uncached median latency at c=1 within 0.15 ms of the
Oxigraph server's on every query, cached throughput at least 2× the Oxigraph server's and 0.8× the
constant endpoint's at c=8), each met or not.

Usage: ``python benchmarks/run.py [--rounds N] [--seconds S] [--quick]``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from loadgen import LoadResult, Target, encode_get, run_load  # noqa: E402
from procmem import TreeMemory, tree_memory  # noqa: E402

DUMP = ROOT / "dist" / "jakgraph.nq"
RESULTS = HERE / "results" / "latest.md"
BIN = Path(sys.executable).parent

PREFIXES = """PREFIX jak: <https://w3id.org/jakgraph/vocab/>
PREFIX drug: <https://w3id.org/jakgraph/drug/>
PREFIX disease: <https://w3id.org/jakgraph/disease/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

RESULTS_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"

#: name, query, Accept — the fixed mix, every query with its PREFIX lines so that all servers get the same text
QUERIES: list[tuple[str, str, str]] = [
    ("point lookup", "SELECT ?p ?o WHERE { drug:ruxolitinib ?p ?o }", RESULTS_JSON),
    ("label search", 'SELECT ?s ?label WHERE { ?s rdfs:label ?label '
                     'FILTER(CONTAINS(LCASE(STR(?label)), "interferon")) }', RESULTS_JSON),
    ("3-hop join", "SELECT ?gene ?disease ?drug ?protein WHERE { ?statement a jak:TreatmentEvidence ; "
                   "jak:drug ?drug ; jak:disease ?disease . ?disease jak:causalGene ?gene . "
                   "?drug jak:inhibits ?protein }", RESULTS_JSON),
    ("aggregation", "SELECT ?disease (COUNT(DISTINCT ?statement) AS ?statements) WHERE { "
                    "?statement jak:disease ?disease } GROUP BY ?disease ORDER BY DESC(?statements)", RESULTS_JSON),
    ("OPTIONAL+ORDER BY+LIMIT", "SELECT ?s ?type ?label WHERE { ?s a ?type OPTIONAL { ?s rdfs:label ?label } } "
                                "ORDER BY ?label ?s LIMIT 25", RESULTS_JSON),
    ("CONSTRUCT", "CONSTRUCT { ?drug jak:usedToTreat ?disease . ?disease rdfs:label ?label } WHERE { "
                  "?drug jak:usedToTreat ?disease OPTIONAL { ?disease rdfs:label ?label } }", TURTLE),
    ("ASK", "ASK { drug:ruxolitinib jak:usedToTreat disease:savi }", RESULTS_JSON),
    ("DESCRIBE", "DESCRIBE drug:ruxolitinib", TURTLE),
]

CONCURRENCY = (1, 8, 32)


@dataclass
class Server:
    name: str
    target: Target
    process: subprocess.Popen
    #: requests per cell at most (the slow server gets fewer: the time budget bounds it anyway)
    max_requests: int = 4000
    cells: dict[int, list[LoadResult]] = field(default_factory=dict)
    #: RSS and PSS of the server's whole process tree, taken after the last round
    memory: TreeMemory | None = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"bench: a server exited at start ({' '.join(map(str, process.args))})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status < 500:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise SystemExit(f"bench: {url} did not come up within {seconds:.0f} s")


@contextmanager
def started(name: str, command: list[str], path: str, *, env: dict[str, str] | None = None,
            ready: str | None = None, setup: Callable[[Target], None] | None = None,
            max_requests: int = 4000) -> Iterator[Server]:
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in command]
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
    target = Target("127.0.0.1", port, path)
    try:
        try:
            wait_until_up(f"http://127.0.0.1:{port}{ready or path}", process)
        except SystemExit:
            log.seek(0)
            sys.stderr.write(log.read()[-4000:].decode("utf-8", "replace"))
            raise
        if setup is not None:
            setup(target)
        yield Server(name, target, process, max_requests)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def load_oxigraph(target: Target) -> None:
    request = urllib.request.Request(f"http://{target.host}:{target.port}/store", data=DUMP.read_bytes(),
                                     headers={"Content-Type": "application/n-quads"}, method="POST")
    with urllib.request.urlopen(request, timeout=120) as response:
        assert response.status in (200, 204), response.status


def fetch(target: Target, query: str, accept: str) -> tuple[int, str, bytes]:
    url = f"http://{target.host}:{target.port}{target.path}?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read()


_RDFLIB_FORMATS = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/n-triples": "nt",
                   "application/ld+json": "json-ld"}


def answer_size(body: bytes, content_type: str) -> str:
    """Rows, the boolean, or triples: what must agree between servers."""
    media_type = content_type.split(";")[0].strip()
    if media_type in (RESULTS_JSON, "application/json"):
        data = json.loads(body)
        return str(data["boolean"]) if "boolean" in data else f"{len(data['results']['bindings'])} rows"
    from rdflib import Graph

    first = _RDFLIB_FORMATS.get(media_type, "turtle")
    for rdflib_format in dict.fromkeys((first, "turtle", "xml", "json-ld")):
        try:
            return f"{len(Graph().parse(data=body, format=rdflib_format))} triples"
        except Exception:  # noqa: BLE001 - a peer may label its output wrongly: try the other syntaxes
            continue
    return "an unreadable body"


def check_answers(servers: list[Server]) -> list[str]:
    """Every server answers every query with 200; the sizes are compared (differences are reported)."""
    notes = []
    for name, query, accept in QUERIES:
        sizes = {}
        for server in servers:
            if server.name == "constant FastAPI":
                continue
            status, content_type, body = fetch(server.target, PREFIXES + query, accept)
            if status != 200:
                raise SystemExit(f"bench: {server.name} answered {status} to {name}: {body[:300]!r}")
            if content_type.split(";")[0].strip() != accept:
                notes.append(f"{name}: {server.name} answered {content_type} to Accept: {accept}")
            sizes[server.name] = answer_size(body, content_type)
        if len(set(sizes.values())) > 1:
            notes.append(f"{name}: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))
    return notes


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Cell:
    median_ms: float
    p99_ms: float
    throughput: float
    requests: int
    errors: int


def summarise(results: list[LoadResult]) -> Cell:
    latencies = [x for r in results for x in r.latencies]
    elapsed = sum(r.elapsed for r in results)
    errors = sum(r.errors + sum(n for s, n in r.statuses.items() if s != 200) for r in results)
    return Cell(statistics.median(latencies) * 1000, percentile(latencies, 0.99) * 1000,
                len(latencies) / elapsed if elapsed else 0.0, len(latencies), errors)


async def measure(servers: list[Server], rounds: int, seconds: float) -> None:
    mixes = {s.name: [encode_get(s.target, {"query": PREFIXES + q}, a) for _, q, a in QUERIES] for s in servers}
    for server in servers:  # warm-up: every query, then a short burst
        await run_load(server.target, mixes[server.name], concurrency=4, total=min(200, server.max_requests),
                       duration=3)
    for concurrency in CONCURRENCY:
        for round_ in range(rounds):
            order = servers[round_ % len(servers):] + servers[: round_ % len(servers)]
            for server in order:
                result = await run_load(server.target, mixes[server.name], concurrency=concurrency,
                                        total=server.max_requests, duration=seconds)
                server.cells.setdefault(concurrency, []).append(result)
                print(f"  c={concurrency:<2} round {round_ + 1}/{rounds} {server.name:<18} "
                      f"{len(result.latencies) / result.elapsed:8.0f} req/s", flush=True)
    for server in servers:  # after the load: caches filled, workers warm, as a server runs
        server.memory = tree_memory(server.process.pid)


def per_query(server: Server) -> dict[str, float]:
    """Median latency (ms) of each query at concurrency 1."""
    samples: dict[int, list[float]] = {}
    for result in server.cells.get(1, []):
        for kind, latency in zip(result.kinds, result.latencies):
            samples.setdefault(kind, []).append(latency)
    return {QUERIES[k][0]: statistics.median(v) * 1000 for k, v in sorted(samples.items())}


def report(servers: list[Server], notes: list[str], quads: int, seconds: float, rounds: int,
           load: tuple[float, float]) -> str:
    by_name = {s.name: s for s in servers}
    cells = {(s.name, c): summarise(s.cells[c]) for s in servers for c in CONCURRENCY}
    lines = [
        "# jakgraph benchmark",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · {platform.machine()}, {os.cpu_count()} CPUs · "
        f"Python {platform.python_version()} · {quads} quads (dist/jakgraph.nq) · 8-query mix · "
        f"{rounds} interleaved rounds of ≤ {seconds:g} s per cell · client and servers share the CPUs · "
        f"load average {load[0]:.1f} before, {load[1]:.1f} after (other work on the machine skews all servers)",
        "",
        "| server | conc. | median ms | p99 ms | req/s | requests | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for server in servers:
        for c in CONCURRENCY:
            cell = cells[(server.name, c)]
            lines.append(f"| {server.name} | {c} | {cell.median_ms:.2f} | {cell.p99_ms:.2f} | "
                         f"{cell.throughput:.0f} | {cell.requests} | {cell.errors} |")
    lines += ["", "Memory after the run, all processes of each server (the HTTP process and its workers):", "",
              "| server | processes | RSS MiB (sum) | PSS MiB (sum) |", "|---|---:|---:|---:|"]
    for server in servers:
        if server.memory is not None:
            lines.append(f"| {server.name} | {server.memory.processes} | {server.memory.rss_mib:,.0f} | "
                         f"{server.memory.pss_mib:,.0f} |")
    lines += ["", "| ratio | c=1 | c=8 | c=32 | target |", "|---|---:|---:|---:|---|"]

    def ratio(row: str, f: Callable[[int], float], target: str) -> None:
        lines.append(f"| {row} | " + " | ".join(f"{f(c):.2f}×" for c in CONCURRENCY) + f" | {target} |")

    for jak in (name for name in ("jakgraph", "jakgraph (no cache)") if name in by_name):
        if "Oxigraph server" in by_name:
            ratio(f"{jak} / Oxigraph throughput",
                  lambda c, j=jak: cells[(j, c)].throughput / cells[("Oxigraph server", c)].throughput,
                  "≥ 2 at c=8" if jak == "jakgraph" else "≥ 1 at c=8")
        if "constant FastAPI" in by_name:
            ratio(f"{jak} / constant throughput",
                  lambda c, j=jak: cells[(j, c)].throughput / cells[("constant FastAPI", c)].throughput,
                  "≥ 0.8 at c=8" if jak == "jakgraph" else "")
        if "rdflib-endpoint" in by_name:
            ratio(f"{jak} / rdflib-endpoint throughput",
                  lambda c, j=jak: cells[(j, c)].throughput / cells[("rdflib-endpoint", c)].throughput,
                  "≥ 20 at c=8")
        if "constant FastAPI" in by_name:
            ratio(f"{jak} / constant median latency",
                  lambda c, j=jak: cells[(j, c)].median_ms / cells[("constant FastAPI", c)].median_ms, "≤ 2")
    tables = {s.name: per_query(s) for s in servers if s.name != "constant FastAPI"}
    gap = "jakgraph (no cache)" in tables and "Oxigraph server" in tables
    lines += ["", "Median latency per query at concurrency 1 (ms):", "",
              "| query | " + " | ".join(tables) + (" | no cache − Oxigraph |" if gap else " |"),
              "|---|" + "---:|" * (len(tables) + gap)]
    for name, _, _ in QUERIES:
        row = f"| {name} | " + " | ".join(f"{tables[s].get(name, float('nan')):.2f}" for s in tables) + " |"
        if gap:
            row += f" {tables['jakgraph (no cache)'][name] - tables['Oxigraph server'][name]:+.2f} |"
        lines.append(row)
    lines += ["", "## Targets (issue 15, concurrency 8 unless said)", "",
              "| target | measured | goal | |", "|---|---:|---:|---|"]
    lines += targets(cells, tables)
    if notes:
        lines += ["", "Differences between the servers' answers (same data and queries):", ""]
        lines += [f"- {note}" for note in notes]
    lines += ["", "Servers: jakgraph (`jakgraph serve` as `make serve` runs it: uvicorn, one HTTP process, "
              "query worker processes, the result cache on; access log off); jakgraph (no cache) (the same with "
              "`JAKGRAPH_CACHE_MB=0`: every query evaluated); Oxigraph server (`oxigraph serve --union-default-graph`, "
              "in memory, the dump POSTed to /store); rdflib-endpoint (`rdflib-endpoint serve dist/jakgraph.nq`, "
              "Dataset with default_union); constant FastAPI (`benchmarks/constant_app.py` under uvicorn).", ""]
    return "\n".join(lines)


def targets(cells: dict[tuple[str, int], Cell], tables: dict[str, dict[str, float]]) -> list[str]:
    """One row per target: the measured figure, the goal, met or not."""
    rows = []

    def row(label: str, value: float | None, goal: float, unit: str, at_least: bool) -> None:
        if value is None:
            return
        met = value >= goal if at_least else value <= goal
        shown = f"{value:.2f}×" if unit == "×" else f"{value:+.2f} ms"
        wanted = f"≥ {goal:g}×" if at_least else f"≤ +{goal:g} ms"
        rows.append(f"| {label} | {shown} | {wanted} | {'met' if met else '**not met**'} |")

    def throughput_ratio(a: str, b: str) -> float | None:
        if (a, 8) in cells and (b, 8) in cells and cells[(b, 8)].throughput:
            return cells[(a, 8)].throughput / cells[(b, 8)].throughput
        return None

    row("uncached throughput vs Oxigraph server", throughput_ratio("jakgraph (no cache)", "Oxigraph server"),
        1, "×", True)
    if "jakgraph (no cache)" in tables and "Oxigraph server" in tables:
        for name, _, _ in QUERIES:
            row(f"uncached median latency at c=1 − Oxigraph's: {name}",
                tables["jakgraph (no cache)"][name] - tables["Oxigraph server"][name], 0.15, "ms", False)
    row("cached throughput vs Oxigraph server", throughput_ratio("jakgraph", "Oxigraph server"), 2, "×", True)
    row("cached throughput vs constant FastAPI", throughput_ratio("jakgraph", "constant FastAPI"), 0.8, "×", True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per concurrency (default 3)")
    parser.add_argument("--seconds", type=float, default=4.0, help="time budget of one cell (default 4)")
    parser.add_argument("--quick", action="store_true", help="one round of 2 s (a smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.seconds = 1, 2.0
    if not DUMP.exists():
        raise SystemExit(f"bench: {DUMP} is missing: run `make build` first")
    oxigraph = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    rdflib_endpoint = shutil.which("rdflib-endpoint", path=str(BIN)) or shutil.which("rdflib-endpoint")
    if oxigraph is None or rdflib_endpoint is None:
        raise SystemExit("bench: needs the `oxigraph` and `rdflib-endpoint` commands: pip install -e '.[bench]'")
    started_at = time.monotonic()
    load_before = os.getloadavg()[0]
    with ExitStack() as stack:
        print("bench: starting the servers …", flush=True)
        jak_env = {"JAKGRAPH_ACCESS_LOG": "", "JAKGRAPH_MAX_CONCURRENT_QUERIES": "64"}
        jak_command = [sys.executable, "-m", "jakgraph.cli", "serve", "--port", "{port}"]
        servers = [
            stack.enter_context(started("jakgraph", jak_command, "/sparql", env=jak_env,
                                        ready="/sparql?query=ASK%7B%7D")),
            stack.enter_context(started("jakgraph (no cache)", jak_command, "/sparql",
                                        env={**jak_env, "JAKGRAPH_CACHE_MB": "0"}, ready="/sparql?query=ASK%7B%7D")),
            stack.enter_context(started(
                "Oxigraph server", [oxigraph, "serve", "--bind", "127.0.0.1:{port}", "--union-default-graph"],
                "/query", ready="/query?query=ASK%7B%7D", setup=load_oxigraph)),
            stack.enter_context(started(
                "rdflib-endpoint", [rdflib_endpoint, "serve", str(DUMP), "--host", "127.0.0.1", "--port", "{port}"],
                "/", ready="/?query=ASK%7B%7D", max_requests=600)),  # rdflib-endpoint 0.6 serves at /
            stack.enter_context(started(
                "constant FastAPI", [sys.executable, "-m", "uvicorn", "constant_app:app", "--app-dir", str(HERE),
                                     "--host", "127.0.0.1", "--port", "{port}", "--log-level", "warning",
                                     "--no-access-log"], "/sparql")),
        ]
        notes = check_answers(servers)
        status, _, body = fetch(servers[0].target, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", RESULTS_JSON)
        quads = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
        dump_quads = sum(1 for line in DUMP.read_bytes().splitlines() if line.strip() and not line.startswith(b"#"))
        if quads != dump_quads:
            notes.append(f"jakgraph serves {quads} quads, the dump has {dump_quads} (sources changed since `make build`?)")
        print(f"bench: {quads} quads; measuring (concurrency {', '.join(map(str, CONCURRENCY))}) …", flush=True)
        try:  # the client's own overhead is smaller on uvloop
            import uvloop

            uvloop.run(measure(servers, args.rounds, args.seconds))
        except ImportError:
            asyncio.run(measure(servers, args.rounds, args.seconds))
        text = report(servers, notes, quads, args.seconds, args.rounds, (load_before, os.getloadavg()[0]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"bench: {time.monotonic() - started_at:.0f} s; written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
