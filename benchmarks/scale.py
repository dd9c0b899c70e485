"""``make bench-scale``: jakgraph at 10k, 100k and 1M triples, side by side with Oxigraph and rdflib.

For each size a seeded graph in jakgraph's own schema (``generate.py``) is written as N-Triples, then:

* **loading**: ``jakgraph load FILE --store DIR`` (on disk, progress line on) against ``oxigraph load``
  (the same engine's own bulk loader), jakgraph's in-memory bulk load (what ``serve --load`` does) and
  rdflib parsing (up to 100k triples); each in its own process, measured for time, triples/s, peak RSS
  (the process's VmHWM) and size on disk. The two on-disk loaders: best of two.
* **querying**: the fixed mix of ``mix.py`` against ``jakgraph serve --load`` (in memory, with and without
  the result cache), ``jakgraph serve --store`` (on disk), ``oxigraph serve`` in memory and on disk, and
  ``rdflib-endpoint`` (up to 100k triples: it takes minutes beyond); latency at concurrency 1 (median,
  p99) and throughput at concurrency 1 and 8. Every server holds the same data: the curated graph and the
  generated one; every request goes to 127.0.0.1.

* **Virtuoso** (issue 13), when ``virtuoso-t`` is installed (else skipped with the reason printed): a
  database of its own started by ``tests/virtuoso_support.py``'s launcher (imported by path: one launcher
  for the tests and the benchmark), filled with Virtuoso's bulk loader (``ld_dir``, ``rdf_loader_run``,
  ``checkpoint``; the generated file split in pieces of at most 2M triples, one loader per CPU, as
  Virtuoso's documentation advises), the project's graphs exposed as docs/stores.md says; then the mix
  against Virtuoso alone and against ``jakgraph serve --backend`` in front of it (with and without the
  result cache). Its buffer pool grows with the data (``--virtuoso-buffers``).
* **memory**: RSS and PSS of every server, summed over all its processes (jakgraph's HTTP process and
  its query workers; ``procmem.py``), taken after the measurement; for jakgraph in front of Virtuoso the
  sum includes Virtuoso's process.

Targets (issue 6): at 1M triples, ``jakgraph load`` within 1.5x the time of ``oxigraph load``; at 100k,
throughput at concurrency 8 at least the in-memory Oxigraph server's and at least 50x rdflib-endpoint's.
Targets (issue 15): uncached throughput at concurrency 8 at least the in-memory Oxigraph server's at 100k
and 1M; the RSS of all of ``serve --load``'s processes at 1M at most 1.5x the in-memory Oxigraph server's.
The tables (markdown) are printed and written to ``benchmarks/results/scale.md``. Bounded: every loop
stops by count and by time; the default sizes take about 15-20 minutes on 2 cores, Virtuoso included.

    python benchmarks/scale.py [--sizes 10000,100000,1000000] [--duration 4] [--skip rdflib,disk,virtuoso]
    python benchmarks/scale.py --quick                     # 10k and 100k, short cells, one load each
    python benchmarks/scale.py --sizes 10000000 --skip rdflib,disk,cached --duration 8   # 10M, outside CI
"""
from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Protocol
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from mix import MIX  # noqa: E402
from procmem import TreeMemory, tree_memory  # noqa: E402

BIN = Path(sys.executable).parent
PYTHON = sys.executable
RESULTS = HERE / "results" / "scale.md"
LOADED_GRAPH = "https://w3id.org/jakgraph/graph/loaded/"


# ---------------------------------------------------------------------------------------------------
# processes

@dataclass
class Measured:
    seconds: float
    peak_rss_mb: float
    returncode: int
    output: str


def run_measured(command: list[str], *, timeout: float, env: dict[str, str] | None = None) -> Measured:
    """Run a command to its end; wall time and the peak RSS of that process (its own rusage, via wait4)."""
    log = tempfile.TemporaryFile()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                               start_new_session=True)
    # the peak RSS is the process's own high-water mark (VmHWM), sampled until it exits: wait4's ru_maxrss
    # would start from this (forking) process's size
    peak_kb = 0
    deadline = started + timeout
    while True:
        pid, status, _ = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak_kb = max(peak_kb, _hwm_kb(process.pid))
        if time.perf_counter() > deadline:
            _killpg(process.pid)
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    log.seek(0)
    output = log.read().decode("utf-8", "replace")
    log.close()
    return Measured(seconds, peak_kb / 1024, process.returncode, output)


def _hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _killpg(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def disk_usage(path: Path) -> int:
    total = 0
    for item in path.rglob("*"):
        if item.is_file():
            total += item.stat().st_blocks * 512
    return total


class Server:
    """A server process (its own process group) answering SPARQL at ``path`` on a loopback port."""

    def __init__(self, name: str, command: list[str], port: int, path: str, log: Path,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.port = port
        self.path = path
        self.log = log
        self.handle = open(log, "wb")
        self.process = subprocess.Popen(command, stdout=self.handle, stderr=subprocess.STDOUT,
                                        env={**os.environ, **(env or {})}, start_new_session=True)
        self.started = time.perf_counter()

    def wait_ready(self, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                status, _ = request(self.port, self.path, "ASK {}", "application/sparql-results+json", timeout=5)
                if status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f}s: {self.log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                _killpg(self.process.pid)
                self.process.wait(15)
        self.handle.close()


# ---------------------------------------------------------------------------------------------------
# the client

def request(port: int, path: str, query: str, accept: str, timeout: float = 60,
            connection: http.client.HTTPConnection | None = None) -> tuple[int, int]:
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", f"{path}?query={quote(query)}", headers={"Accept": accept})
    response = conn.getresponse()
    body = response.read()
    if connection is None:
        conn.close()
    return response.status, len(body)


@dataclass
class QueryStats:
    latencies: list[float] = field(default_factory=list)
    c1_qps: float = 0.0
    c8_qps: float = 0.0
    errors: int = 0
    ready_s: float = 0.0
    note: str = ""
    #: which query of the mix each latency was
    kinds: list[str] = field(default_factory=list)
    memory: TreeMemory | None = None

    def per_query_ms(self) -> dict[str, float]:
        samples: dict[str, list[float]] = {}
        for kind, latency in zip(self.kinds, self.latencies, strict=True):
            samples.setdefault(kind, []).append(latency)
        return {kind: statistics.median(values) * 1000 for kind, values in samples.items()}

    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")

    def p99_ms(self) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))] * 1000


class Endpoint(Protocol):
    name: str
    port: int
    path: str


def measure(server: Endpoint, duration: float, reps: int = 25, c1_budget: float = 8.0,
            warmup: int = 1) -> QueryStats:
    stats = QueryStats()
    mix = list(MIX.values())
    kinds = list(MIX)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    for query, accept in mix * warmup:  # warm-up: a pass or more (and a first fill of any cache)
        status, _ = request(server.port, server.path, query, accept, connection=conn)
        stats.errors += status != 200
    started = time.perf_counter()
    count = 0
    for _ in range(reps):  # concurrency 1: latency of each query, bounded by count and time
        for kind, (query, accept) in zip(kinds, mix, strict=True):
            t = time.perf_counter()
            status, _ = request(server.port, server.path, query, accept, connection=conn)
            stats.latencies.append(time.perf_counter() - t)
            stats.kinds.append(kind)
            stats.errors += status != 200
            count += 1
        if time.perf_counter() - started > c1_budget:
            break
    stats.c1_qps = count / (time.perf_counter() - started)
    conn.close()
    stats.c8_qps, errors = throughput(server, 8, duration)
    stats.errors += errors
    return stats


def throughput(server: Endpoint, concurrency: int, duration: float) -> tuple[float, int]:
    """Requests per second with ``concurrency`` keep-alive connections cycling through the mix."""
    mix = [(f"{server.path}?query={quote(q)}", a) for q, a in MIX.values()]
    done = [0] * concurrency
    errors = [0] * concurrency
    deadline = time.perf_counter() + duration

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        position = index
        while time.perf_counter() < deadline:
            target, accept = mix[position % len(mix)]
            position += 1
            try:
                conn.request("GET", target, headers={"Accept": accept})
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    done[index] += 1
                else:
                    errors[index] += 1
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 180)
    return sum(done) / (time.perf_counter() - started), sum(errors)


# ---------------------------------------------------------------------------------------------------
# the run

@dataclass
class LoadRow:
    size: int
    system: str
    seconds: float
    triples: int
    rss_mb: float
    disk_mb: float | None
    ok: bool
    note: str = ""


def curated_files(folder: Path) -> tuple[Path, Path, list[str]]:
    """The curated graph (built, not re-validated) as N-Quads (named graphs) and N-Triples (merged), and the
    names of its graphs."""
    sys.path.insert(0, str(HERE.parent / "src"))
    import pyoxigraph as ox

    from jakgraph.build.pipeline import build_graph

    built = build_graph(validate=False)
    nq = folder / "curated.nq"
    built.store.dump(str(nq), format=ox.RdfFormat.N_QUADS)
    nt = folder / "curated.nt"
    with open(nt, "wb") as out:
        for quad in built.store:
            out.write(f"{quad.subject} {quad.predicate} {quad.object} .\n".encode("utf-8"))
    return nq, nt, sorted(graph.value for graph in built.store.named_graphs() if hasattr(graph, "value"))


def skipped(name: str, skip: list[str]) -> bool:
    """``--skip``: any server or loader whose name contains one of the given pieces; ``cached`` stands for
    the servers with the result cache on (their names end in "cache)", but not "no cache)")."""
    if "cached" in skip and name.endswith("cache)") and not name.endswith("no cache)"):
        return True
    return any(piece and piece in name for piece in skip if piece != "cached")


def patience(size: int, base: float) -> float:
    """A time limit that grows with the data (10M triples get ten times the 1M limit)."""
    return base * max(1.0, size / 1_000_000)


def load_rows(size: int, data: Path, work: Path, repeat: int,
              skip: list[str]) -> tuple[list[LoadRow], Path, Path]:
    jak_dir, ox_dir = work / f"jak-{size}", work / f"ox-{size}"
    rows: list[LoadRow] = []
    systems = {
        "jakgraph load (disk)": lambda d: [str(BIN / "jakgraph"), "load", str(data), "--store", str(d)],
        "oxigraph load (disk)": lambda d: [str(BIN / "oxigraph"), "load", "--location", str(d), "--file", str(data),
                                           "--graph", LOADED_GRAPH + data.stem],
        "jakgraph in memory": lambda d: [PYTHON, "-c", (
            "import sys, pyoxigraph as ox; from pathlib import Path; from jakgraph.stores.loaded import load_file; "
            "s = ox.Store(); load_file(s, Path(sys.argv[1]), progress=False)"), str(data)],
    }
    if size <= 100_000:  # rdflib needs about two minutes for 1M triples: past the run's budget
        systems["rdflib parse (memory)"] = lambda d: [PYTHON, "-c", (
            "import sys, rdflib; g = rdflib.Graph(); g.parse(sys.argv[1], format='nt'); print(len(g))"), str(data)]
    for system, command in systems.items():
        if skipped(system, skip):
            continue
        best: Measured | None = None
        kept: Path | None = None
        # best of ``repeat`` for the two on-disk loaders the target compares; one run of the others
        for attempt in range(repeat if "(disk)" in system else 1):
            target = work / f"try-{size}-{abs(hash(system))}-{attempt}"
            measured = run_measured(command(target), timeout=patience(size, 600))
            if measured.returncode != 0:
                print(f"  {system}: failed ({measured.returncode}): {measured.output[-500:]}", file=sys.stderr)
            if best is None or (measured.returncode == 0 and measured.seconds < best.seconds):
                if kept is not None:
                    shutil.rmtree(kept, ignore_errors=True)
                best, kept = measured, target
            else:
                shutil.rmtree(target, ignore_errors=True)
        assert best is not None and kept is not None
        disk = disk_usage(kept) / 2**20 if kept.exists() else None
        if system.startswith("jakgraph load"):
            shutil.rmtree(jak_dir, ignore_errors=True)
            kept.rename(jak_dir)
        elif system.startswith("oxigraph load"):
            shutil.rmtree(ox_dir, ignore_errors=True)
            kept.rename(ox_dir)
        else:
            shutil.rmtree(kept, ignore_errors=True)
        rows.append(LoadRow(size, system, best.seconds, size, best.peak_rss_mb, disk, best.returncode == 0))
        print(f"  {system}: {best.seconds:.2f}s, {size / best.seconds:,.0f} triples/s, peak RSS "
              f"{best.peak_rss_mb:,.0f} MB" + (f", {disk:,.1f} MB on disk" if disk else ""), file=sys.stderr)
    return rows, jak_dir, ox_dir


def query_rows(size: int, data: Path, curated_nq: Path, curated_nt: Path, jak_dir: Path, ox_dir: Path,
               work: Path, duration: float, skip: list[str]) -> dict[str, QueryStats]:
    quiet = {"JAKGRAPH_ACCESS_LOG": "", "JAKGRAPH_QUERY_WORKERS": "2"}
    # the Oxigraph on-disk store gets the curated graph too (named graphs, as jakgraph has them)
    if ox_dir.exists():
        run_measured([str(BIN / "oxigraph"), "load", "--location", str(ox_dir), "--file", str(curated_nq)],
                     timeout=300)
    targets: dict[str, tuple[list[str], str, dict[str, str], float]] = {}
    jak = str(BIN / "jakgraph")
    long = patience(size, 600)
    targets["jakgraph (memory, cache)"] = ([jak, "serve", "--load", str(data)], "/sparql", quiet, long)
    targets["jakgraph (memory, no cache)"] = ([jak, "serve", "--load", str(data), "--cache-mb", "0"], "/sparql",
                                              quiet, long)
    targets["jakgraph (disk, cache)"] = ([jak, "serve", "--store", str(jak_dir)], "/sparql", quiet, long)
    targets["jakgraph (disk, no cache)"] = ([jak, "serve", "--store", str(jak_dir), "--cache-mb", "0"], "/sparql",
                                            quiet, long)
    targets["oxigraph server (memory)"] = ([str(BIN / "oxigraph"), "serve", "--union-default-graph"], "/query", {}, 60)
    targets["oxigraph server (disk)"] = ([str(BIN / "oxigraph"), "serve", "--location", str(ox_dir),
                                          "--union-default-graph"], "/query", {}, patience(size, 120))
    if size <= 100_000:
        targets["rdflib-endpoint"] = ([str(BIN / "rdflib-endpoint"), "serve", str(curated_nt), str(data)],
                                      "/", {}, 300)  # its CLI serves the endpoint at the root
    results: dict[str, QueryStats] = {}
    for name, (command, path, env, ready_timeout) in targets.items():
        if skipped(name, skip) or ("(disk)" in name and not (jak_dir if name.startswith("jak") else ox_dir).exists()):
            continue
        port = free_port()
        if name.startswith("jakgraph"):
            command = command + ["--host", "127.0.0.1", "--port", str(port)]
        elif name.startswith("oxigraph"):
            command = command + ["--bind", f"127.0.0.1:{port}"]
        else:
            command = command + ["--host", "127.0.0.1", "--port", str(port)]
        server = Server(name, command, port, path, work / f"{name.split()[0]}-{port}.log", env)
        try:
            ready = server.wait_ready(ready_timeout)
            if name == "oxigraph server (memory)":
                ready += _post_data(port, curated_nq, data)
            stats = measure(server, duration)
            stats.ready_s = ready
            stats.memory = tree_memory(server.process.pid)
        except Exception as err:  # one failing server must not end the run
            stats = QueryStats(note=f"failed: {' '.join(str(err).split())[:200]}")
        finally:
            server.stop()
        results[name] = stats
        _progress(name, stats)
    return results


# ---------------------------------------------------------------------------------------------------
# Virtuoso: the tests' launcher, the bulk loader, the mix alone and behind jakgraph

#: Virtuoso's own advice: split big files, one loader per CPU
VIRTUOSO_PIECE = 2_000_000


def virtuoso_support() -> ModuleType | str:
    """``tests/virtuoso_support.py`` (the one launcher), or why Virtuoso is skipped."""
    sys.path.insert(0, str(HERE.parent / "src"))
    sys.path.insert(0, str(HERE.parent / "tests"))
    try:
        import virtuoso_support as support  # lazy: only when Virtuoso is benchmarked (it imports the test helpers)
    except ImportError as err:
        return f"tests/virtuoso_support.py cannot be imported ({err})"
    if not support.available():
        return ("`virtuoso-t`/`isql-vt` or Virtuoso's vsp folder is not installed "
                "(Debian: apt-get install virtuoso-opensource)")
    return support


@dataclass
class Attached:
    """A server some other code started (Virtuoso): what :func:`measure` needs."""
    name: str
    port: int
    path: str


def split_lines(data: Path, folder: Path, piece: int) -> list[Path]:
    """N-Triples ``data`` (one triple a line, no blank nodes) in files of at most ``piece`` lines."""
    pieces: list[Path] = []
    with open(data, "rb") as source:
        out = None
        for number, line in enumerate(source):
            if number % piece == 0:
                if out is not None:
                    out.close()
                pieces.append(folder / f"{data.stem}-{len(pieces):03d}.nt")
                out = open(pieces[-1], "wb")  # noqa: SIM115 - closed when the next piece starts or below
            assert out is not None
            out.write(line)
        if out is not None:
            out.close()
    return pieces


def _isql_number(output: str) -> int:
    numbers = [token for token in output.split() if token.isdigit()]
    if not numbers:
        raise RuntimeError(f"isql-vt gave no number: {output[-300:]}")
    return int(numbers[-1])


def virtuoso_rows(support: ModuleType, size: int, data: Path, curated_nq: Path, graphs: list[str], work: Path,
                  duration: float, buffers: int, skip: list[str]) -> tuple[list[LoadRow], dict[str, QueryStats]]:
    folder = work / f"virtuoso-{size}"
    folder.mkdir()
    virtuoso = support.Virtuoso(folder)
    ini = virtuoso.ini.read_text(encoding="utf-8")
    ini = ini.replace("NumberOfBuffers = 10000", f"NumberOfBuffers = {buffers}")
    ini = ini.replace("MaxDirtyBuffers = 6000", f"MaxDirtyBuffers = {buffers * 3 // 4}")
    virtuoso.ini.write_text(ini, encoding="utf-8")
    rows: list[LoadRow] = []
    results: dict[str, QueryStats] = {}
    graph = LOADED_GRAPH + data.stem
    try:
        virtuoso.start(ready_timeout=120)
        assert virtuoso.process is not None
        pid = virtuoso.process.pid
        for file, state, error in virtuoso.bulk_load(curated_nq, LOADED_GRAPH + "unused-default"):
            if state != "2" or error not in ("", "NULL"):
                raise RuntimeError(f"Virtuoso's bulk loader: {file} state {state} {error}")
        # the generated file, in pieces, into the allowed folder; the clock starts at ld_dir
        pieces = split_lines(data, virtuoso.load_dir, VIRTUOSO_PIECE)
        started = time.perf_counter()
        virtuoso.isql(f"ld_dir('{virtuoso.load_dir}', '{data.stem}-%.nt', '{graph}')")
        loaders = [threading.Thread(target=virtuoso.isql, args=("rdf_loader_run()",))
                   for _ in range(max(1, min(os.cpu_count() or 1, len(pieces))))]
        for loader in loaders:
            loader.start()
        for loader in loaders:
            loader.join()
        virtuoso.isql("checkpoint")
        seconds = time.perf_counter() - started
        failed = _isql_number(virtuoso.isql("SELECT COUNT(*) FROM DB.DBA.load_list "
                                            "WHERE ll_state <> 2 OR ll_error IS NOT NULL"))
        for piece in pieces:
            piece.unlink()
        virtuoso.expose_only([*graphs, graph])
        count_query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        conn = http.client.HTTPConnection("127.0.0.1", virtuoso.http_port, timeout=600)
        conn.request("GET", f"/sparql?query={quote(count_query)}", headers={"Accept": "text/csv"})
        counted = int(conn.getresponse().read().decode().split()[-1].strip('"'))
        conn.close()
        disk = sum(f.stat().st_blocks * 512 for f in folder.glob("virtuoso*.db")) / 2**20
        ok = failed == 0 and counted == size
        rows.append(LoadRow(size, "virtuoso bulk loader (ld_dir + rdf_loader_run + checkpoint)", seconds, counted,
                            _hwm_kb(pid) / 1024, disk, ok,
                            "" if ok else f"{failed} file(s) failed, {counted:,} triples counted"))
        print(f"  virtuoso bulk load: {seconds:.2f}s, {counted:,} triples, {len(loaders)} loader(s), "
              f"peak RSS {_hwm_kb(pid) / 1024:,.0f} MB, {disk:,.1f} MB on disk", file=sys.stderr)
        servers: list[tuple[str, list[str] | None]] = [("virtuoso (alone)", None)]
        jak = [str(BIN / "jakgraph"), "serve", "--backend", virtuoso.sparql]
        servers.append(("jakgraph → virtuoso (cache)", jak))
        servers.append(("jakgraph → virtuoso (no cache)", [*jak, "--cache-mb", "0"]))
        for name, command in servers:
            if skipped(name, skip):
                continue
            stats = QueryStats()
            server: Server | None = None
            try:
                if command is None:
                    # measured first after the load: its buffers and plan cache get the warm-up the
                    # jakgraph runs after it would otherwise have alone
                    stats = measure(Attached(name, virtuoso.http_port, "/sparql"), duration, warmup=3)
                    stats.memory = tree_memory(pid)
                else:
                    port = free_port()
                    server = Server(name, [*command, "--host", "127.0.0.1", "--port", str(port)], port, "/sparql",
                                    work / f"jakgraph-virtuoso-{port}.log", {"JAKGRAPH_ACCESS_LOG": ""})
                    ready = server.wait_ready(patience(size, 300))
                    stats = measure(server, duration)
                    stats.ready_s = ready
                    ours, theirs = tree_memory(server.process.pid), tree_memory(pid)
                    stats.memory = TreeMemory(ours.processes + theirs.processes, ours.rss_mib + theirs.rss_mib,
                                              ours.pss_mib + theirs.pss_mib)
            except Exception as err:  # one failing server must not end the run
                stats = QueryStats(note=f"failed: {' '.join(str(err).split())[:200]}")
            finally:
                if server is not None:
                    server.stop()
            results[name] = stats
            _progress(name, stats)
    except Exception as err:  # Virtuoso failing must not end the run: a row says so
        rows.append(LoadRow(size, "virtuoso bulk loader (ld_dir + rdf_loader_run + checkpoint)", float("nan"), 0,
                            float("nan"), None, False, f"failed: {' '.join(str(err).split())[:200]}"))
        print(f"  virtuoso: failed: {err}", file=sys.stderr)
    finally:
        virtuoso.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return rows, results


def _progress(name: str, stats: QueryStats) -> None:
    print(f"  {name}: ready {stats.ready_s:.1f}s, c1 median {stats.median_ms():.1f} ms, "
          f"c1 {stats.c1_qps:.0f}/s, c8 {stats.c8_qps:.0f}/s, "
          f"memory {stats.memory.cell() if stats.memory else '–'}, errors {stats.errors} {stats.note}",
          file=sys.stderr)


def _post_data(port: int, curated_nq: Path, data: Path) -> float:
    """Fill an in-memory Oxigraph server over its Graph Store endpoint; the seconds it took."""
    started = time.perf_counter()
    for path, target, content_type in ((curated_nq, "/store", "application/n-quads"),
                                      (data, f"/store?graph={quote(LOADED_GRAPH + data.stem)}",
                                       "application/n-triples")):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        with open(path, "rb") as body:
            conn.request("POST", target, body=body, headers={"Content-Type": content_type,
                                                              "Content-Length": str(path.stat().st_size)})
            response = conn.getresponse()
            response.read()
            if response.status >= 300:
                raise RuntimeError(f"POST {target}: HTTP {response.status}")
        conn.close()
    return time.perf_counter() - started


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:
        return "–"
    return f"{value:,.{digits}f}"


def report(loads: list[LoadRow], queries: dict[int, dict[str, QueryStats]], seconds: float,
           settings: str, notes: list[str]) -> str:
    lines = ["# jakgraph scale benchmark", "",
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} CPUs; load average "
             f"{os.getloadavg()[0]:.1f} at the end; whole run {seconds / 60:.1f} min; {settings}. "
             "Data: `benchmarks/generate.py` (seed 7), N-Triples, plus the curated graph. On-disk loads: best of "
             "the repeats (`jakgraph load` with its progress line on); each load in its own process, peak RSS "
             "(VmHWM) of that process; Virtuoso's load runs in the server (peak RSS of `virtuoso-t`).", ""]
    lines += [f"- {note}" for note in notes]
    lines += ["", "## Loading", "",
              "| triples | system | seconds | triples/s | peak RSS MB | on disk MB | vs oxigraph load |",
              "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for size in sorted({row.size for row in loads}):
        rows = [r for r in loads if r.size == size]
        reference = next((r.seconds for r in rows if r.system.startswith("oxigraph load") and r.ok), None)
        for row in rows:
            ratio = f"{row.seconds / reference:.2f}x" if reference and row.ok else "–"
            note = f" ({row.note})" if row.note else ("" if row.ok else " (failed)")
            lines.append(f"| {size:,} | {row.system}{note} | {_fmt(row.seconds, 2)} | "
                         f"{_fmt(size / row.seconds if row.ok else None, 0)} | {_fmt(row.rss_mb, 0)} | "
                         f"{_fmt(row.disk_mb)} | {ratio} |")
    lines += ["", "## Querying (the mix of `benchmarks/mix.py`)", "",
              "Memory: RSS / PSS summed over all the server's processes after the measurement (jakgraph: the "
              "HTTP process and its query workers; jakgraph → virtuoso: those plus `virtuoso-t`).", "",
              "| triples | server | ready s | c1 median ms | c1 p99 ms | c1 q/s | c8 q/s | c8 vs oxigraph (memory) "
              "| c8 vs rdflib-endpoint | RSS MiB | PSS MiB | processes | errors |",
              "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size, results in sorted(queries.items()):
        ox_mem = results.get("oxigraph server (memory)")
        rdf = results.get("rdflib-endpoint")
        for name, stats in results.items():
            vs_ox = f"{stats.c8_qps / ox_mem.c8_qps:.2f}x" if ox_mem and ox_mem.c8_qps else "–"
            vs_rdf = f"{stats.c8_qps / rdf.c8_qps:.0f}x" if rdf and rdf.c8_qps else "–"
            memory = stats.memory
            lines.append(f"| {size:,} | {name}{(' ' + stats.note) if stats.note else ''} | {_fmt(stats.ready_s)} | "
                         f"{_fmt(stats.median_ms(), 2)} | {_fmt(stats.p99_ms(), 1)} | {_fmt(stats.c1_qps, 0)} | "
                         f"{_fmt(stats.c8_qps, 0)} | {vs_ox} | {vs_rdf} | "
                         f"{_fmt(memory.rss_mib if memory else None, 0)} | "
                         f"{_fmt(memory.pss_mib if memory else None, 0)} | "
                         f"{memory.processes if memory else '–'} | {stats.errors} |")
    lines += per_query_table(queries)
    lines += embedded_or_backend(loads, queries)
    lines += ["", "## Targets", "", "| size | target | measured | goal | |", "| ---: | --- | ---: | ---: | --- |"]
    lines += targets(loads, queries)
    return "\n".join(lines) + "\n"


def per_query_table(queries: dict[int, dict[str, QueryStats]]) -> list[str]:
    """Median latency of each query at concurrency 1, for the servers that evaluate every query (no result
    cache), with jakgraph's gap to the in-memory Oxigraph server (issue 15: at most +0.15 ms)."""
    names = [n for n in dict.fromkeys(n for r in queries.values() for n in r)
             if "(cache)" not in n and "cache)" not in n.replace("no cache)", "")]
    if not names:
        return []
    gap = ("jakgraph (memory, no cache)", "oxigraph server (memory)")
    show_gap = all(g in names for g in gap)
    lines = ["", "## Per query, concurrency 1 (median ms; servers without a result cache)", "",
             "| triples | query | " + " | ".join(names) + (" | jakgraph no cache − oxigraph |" if show_gap else " |"),
             "| ---: | --- |" + " ---: |" * (len(names) + show_gap)]
    for size, results in sorted(queries.items()):
        tables = {n: results[n].per_query_ms() if n in results else {} for n in names}
        for query in MIX:
            row = f"| {size:,} | {query} | " + " | ".join(_fmt(tables[n].get(query), 2) for n in names) + " |"
            if show_gap:
                a, b = tables[gap[0]].get(query), tables[gap[1]].get(query)
                row += f" {a - b:+.2f} |" if a is not None and b is not None else " – |"
            lines.append(row)
    return lines


def embedded_or_backend(loads: list[LoadRow], queries: dict[int, dict[str, QueryStats]]) -> list[str]:
    """The figures docs/benchmarks.md's "When to move from embedded to a backend" quotes."""
    setups = [  # label, load row prefix, uncached server, cached server
        ("jakgraph embedded (`serve --load`, memory)", "jakgraph in memory", "jakgraph (memory, no cache)",
         "jakgraph (memory, cache)"),
        ("jakgraph embedded (`serve --store`, disk)", "jakgraph load (disk)", "jakgraph (disk, no cache)",
         "jakgraph (disk, cache)"),
        ("jakgraph → Virtuoso (`serve --backend`)", "virtuoso bulk", "jakgraph → virtuoso (no cache)",
         "jakgraph → virtuoso (cache)"),
        ("Virtuoso alone", "virtuoso bulk", "virtuoso (alone)", None),
        ("Oxigraph server (memory)", None, "oxigraph server (memory)", None),
    ]
    lines = ["", "## Embedded or a backend", "",
             "Load: the time to get the generated file into the store (embedded in memory: the bulk load "
             "`serve --load` does at every start). Memory: RSS summed over all server processes "
             "(→ Virtuoso: jakgraph's and Virtuoso's).", "",
             "| triples | setup | load s | c1 median ms (uncached) | c8 q/s (uncached) | c8 q/s (cached) | RSS MiB |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for size, results in sorted(queries.items()):
        for label, load_prefix, uncached, cached in setups:
            row = next((r for r in loads if r.size == size and load_prefix and r.system.startswith(load_prefix)),
                       None)
            u = results.get(uncached) if uncached else None
            c = results.get(cached) if cached else None
            if u is None and c is None:
                continue
            memory = (u or c).memory if (u or c) else None
            lines.append(f"| {size:,} | {label} | {_fmt(row.seconds if row and row.ok else None, 1)} | "
                         f"{_fmt(u.median_ms() if u else None, 2)} | {_fmt(u.c8_qps if u else None, 0)} | "
                         f"{_fmt(c.c8_qps if c else None, 0)} | {_fmt(memory.rss_mib if memory else None, 0)} |")
    return lines


def targets(loads: list[LoadRow], queries: dict[int, dict[str, QueryStats]]) -> list[str]:
    out = []

    def row(size: int, label: str, value: float, goal: float, at_least: bool, unit: str = "x") -> None:
        met = value >= goal if at_least else value <= goal
        out.append(f"| {size:,} | {label} | {value:.2f}{unit} | {'≥' if at_least else '≤'} {goal:g}{unit} | "
                   f"{'met' if met else '**not met**'} |")

    big = max((r.size for r in loads), default=0)
    jak = next((r for r in loads if r.size == big and r.system.startswith("jakgraph load")), None)
    oxl = next((r for r in loads if r.size == big and r.system.startswith("oxigraph load")), None)
    if jak and oxl and jak.ok and oxl.ok:
        row(big, "`jakgraph load` time vs `oxigraph load` (issue 6)", jak.seconds / oxl.seconds, 1.5, False)
    for size, results in sorted(queries.items()):
        ox_q = results.get("oxigraph server (memory)")
        if not ox_q or not ox_q.c8_qps:
            continue
        cached, uncached = results.get("jakgraph (memory, cache)"), results.get("jakgraph (memory, no cache)")
        if size == 100_000 and cached and cached.c8_qps:
            row(size, "c8 throughput, cached, vs in-memory Oxigraph server (issue 6)",
                cached.c8_qps / ox_q.c8_qps, 1, True)
        rdf_q = results.get("rdflib-endpoint")
        if size == 100_000 and cached and rdf_q and rdf_q.c8_qps:
            row(size, "c8 throughput, cached, vs rdflib-endpoint (issue 6)", cached.c8_qps / rdf_q.c8_qps, 50, True)
        if size >= 100_000 and uncached and uncached.c8_qps:
            row(size, "c8 throughput, uncached, vs in-memory Oxigraph server (issue 15)",
                uncached.c8_qps / ox_q.c8_qps, 1, True)
        if size >= 1_000_000 and ox_q.memory:
            for name in ("jakgraph (memory, no cache)", "jakgraph (memory, cache)"):
                stats = results.get(name)
                if stats and stats.memory:
                    row(size, f"RSS of all `serve --load` processes ({name.split(', ')[1].rstrip(')')}) vs in-memory "
                        f"Oxigraph server (issue 15; PSS: {stats.memory.pss_mib / ox_q.memory.pss_mib:.2f}x)",
                        stats.memory.rss_mib / ox_q.memory.rss_mib, 1.5, False)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated triple counts")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds of each concurrency-8 run")
    parser.add_argument("--repeat", type=int, default=2, help="loads per on-disk system (the best counts)")
    parser.add_argument("--skip", default="",
                        help="comma-separated pieces of names: servers and loaders whose name holds one are left "
                             "out, e.g. 'rdflib,disk,virtuoso'; 'cached' for the servers with the result cache")
    parser.add_argument("--virtuoso-buffers", type=int, default=0,
                        help="Virtuoso's NumberOfBuffers (8 KiB each; default: size/50, at least 10000)")
    parser.add_argument("--quick", action="store_true", help="10k and 100k, 2-s cells, one load each")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"the markdown file (default {RESULTS})")
    parser.add_argument("--work", type=Path, default=None,
                        help="where the temporary folder goes (10M triples need about 10 GB free)")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.duration, args.repeat = "10000,100000", 2.0, 1
    sizes = [int(s) for s in args.sizes.split(",") if s]
    skip = [piece.strip() for piece in args.skip.split(",") if piece.strip()]
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="jakgraph-scale-", dir=args.work))
    loads: list[LoadRow] = []
    queries: dict[int, dict[str, QueryStats]] = {}
    notes: list[str] = []
    support: ModuleType | str = "left out (--skip)" if skipped("virtuoso", skip) else virtuoso_support()
    if isinstance(support, str):
        notes.append(f"Virtuoso skipped: {support}")
        print(f"scale: Virtuoso skipped: {support}", file=sys.stderr)
    try:
        curated_nq, curated_nt, graphs = curated_files(work)
        for size in sizes:
            data = work / f"gen-{size}.nt"
            t = time.perf_counter()
            count = generate.write_file(data, size)
            print(f"{size:,} triples ({data.stat().st_size / 2**20:.1f} MiB, generated in "
                  f"{time.perf_counter() - t:.0f}s): loading", file=sys.stderr)
            rows, jak_dir, ox_dir = load_rows(count, data, work, args.repeat, skip)
            loads += rows
            print(f"{size:,} triples: querying", file=sys.stderr)
            queries[count] = query_rows(count, data, curated_nq, curated_nt, jak_dir, ox_dir, work, args.duration,
                                        skip)
            shutil.rmtree(jak_dir, ignore_errors=True)
            shutil.rmtree(ox_dir, ignore_errors=True)
            if not isinstance(support, str):
                print(f"{size:,} triples: Virtuoso", file=sys.stderr)
                buffers = args.virtuoso_buffers or max(10_000, count // 50)
                v_rows, v_results = virtuoso_rows(support, count, data, curated_nq, graphs, work, args.duration,
                                                  buffers, skip)
                loads += v_rows
                queries[count].update(v_results)
            data.unlink()
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    settings = (f"c8 cells {args.duration:g} s, on-disk loads best of {args.repeat}"
                + (f", skipped: {', '.join(skip)}" if skip else "")
                + ("" if isinstance(support, str) else
                   f"; Virtuoso NumberOfBuffers {args.virtuoso_buffers or 'size/50 (at least 10000)'}"))
    text = report(loads, queries, time.perf_counter() - started, settings, notes)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
