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

Targets (issue 6): at 1M triples, ``jakgraph load`` within 1.5x the time of ``oxigraph load``; at 100k,
throughput at concurrency 8 at least the in-memory Oxigraph server's and at least 50x rdflib-endpoint's.
The tables are printed and written to ``benchmarks/results/scale.md``. Bounded: every loop stops by count
and by time; the whole run takes about 10 minutes on 2 cores.

    python benchmarks/scale.py [--sizes 10000,100000,1000000] [--duration 4]
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
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from mix import MIX  # noqa: E402

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

    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")

    def p99_ms(self) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))] * 1000


def measure(server: Server, duration: float, reps: int = 5, c1_budget: float = 12.0) -> QueryStats:
    stats = QueryStats()
    mix = list(MIX.values())
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    for query, accept in mix:  # warm-up: one pass (and a first fill of any cache)
        status, _ = request(server.port, server.path, query, accept, connection=conn)
        stats.errors += status != 200
    started = time.perf_counter()
    count = 0
    for _ in range(reps):  # concurrency 1: latency of each query, bounded by count and time
        for query, accept in mix:
            t = time.perf_counter()
            status, _ = request(server.port, server.path, query, accept, connection=conn)
            stats.latencies.append(time.perf_counter() - t)
            stats.errors += status != 200
            count += 1
        if time.perf_counter() - started > c1_budget:
            break
    stats.c1_qps = count / (time.perf_counter() - started)
    conn.close()
    stats.c8_qps, errors = throughput(server, 8, duration)
    stats.errors += errors
    return stats


def throughput(server: Server, concurrency: int, duration: float) -> tuple[float, int]:
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


def curated_files(folder: Path) -> tuple[Path, Path]:
    """The curated graph (built, not re-validated) as N-Quads (named graphs) and Turtle (merged)."""
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
    return nq, nt


def load_rows(size: int, data: Path, work: Path, repeat: int) -> tuple[list[LoadRow], Path, Path]:
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
        best: Measured | None = None
        kept: Path | None = None
        # best of ``repeat`` for the two on-disk loaders the target compares; one run of the others
        for attempt in range(repeat if "(disk)" in system else 1):
            target = work / f"try-{size}-{abs(hash(system))}-{attempt}"
            measured = run_measured(command(target), timeout=600)
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
               work: Path, duration: float) -> dict[str, QueryStats]:
    quiet = {"JAKGRAPH_ACCESS_LOG": "", "JAKGRAPH_QUERY_WORKERS": "2"}
    # the Oxigraph on-disk store gets the curated graph too (named graphs, as jakgraph has them)
    run_measured([str(BIN / "oxigraph"), "load", "--location", str(ox_dir), "--file", str(curated_nq)], timeout=300)
    targets: dict[str, tuple[list[str], str, dict[str, str], float]] = {}
    jak = str(BIN / "jakgraph")
    targets["jakgraph (memory, cache)"] = ([jak, "serve", "--load", str(data)], "/sparql", quiet, 600)
    targets["jakgraph (memory, no cache)"] = ([jak, "serve", "--load", str(data), "--cache-mb", "0"], "/sparql",
                                              quiet, 600)
    targets["jakgraph (disk, cache)"] = ([jak, "serve", "--store", str(jak_dir)], "/sparql", quiet, 600)
    targets["oxigraph server (memory)"] = ([str(BIN / "oxigraph"), "serve", "--union-default-graph"], "/query", {}, 60)
    targets["oxigraph server (disk)"] = ([str(BIN / "oxigraph"), "serve", "--location", str(ox_dir),
                                          "--union-default-graph"], "/query", {}, 120)
    if size <= 100_000:
        targets["rdflib-endpoint"] = ([str(BIN / "rdflib-endpoint"), "serve", str(curated_nt), str(data)],
                                      "/", {}, 300)  # its CLI serves the endpoint at the root
    results: dict[str, QueryStats] = {}
    for name, (command, path, env, ready_timeout) in targets.items():
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
        except Exception as err:  # one failing server must not end the run
            stats = QueryStats(note=f"failed: {' '.join(str(err).split())[:200]}")
        finally:
            server.stop()
        results[name] = stats
        print(f"  {name}: ready {stats.ready_s:.1f}s, c1 median {stats.median_ms():.1f} ms, "
              f"c1 {stats.c1_qps:.0f}/s, c8 {stats.c8_qps:.0f}/s, errors {stats.errors} {stats.note}",
              file=sys.stderr)
    return results


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


def report(loads: list[LoadRow], queries: dict[int, dict[str, QueryStats]], seconds: float) -> str:
    lines = ["# jakgraph scale benchmark", "",
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} CPUs; "
             f"whole run {seconds / 60:.1f} min. Data: `benchmarks/generate.py` (seed 7), N-Triples. "
             "On-disk loads: best of 2 (`jakgraph load` with its progress line on); each load in its own process; peak RSS (VmHWM) of that process.", "",
             "## Loading", "",
             "| triples | system | seconds | triples/s | peak RSS MB | on disk MB | vs oxigraph load |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for size in sorted({row.size for row in loads}):
        rows = [r for r in loads if r.size == size]
        reference = next((r.seconds for r in rows if r.system.startswith("oxigraph load") and r.ok), None)
        for row in rows:
            ratio = f"{row.seconds / reference:.2f}x" if reference and row.ok else "–"
            lines.append(f"| {size:,} | {row.system} | {_fmt(row.seconds, 2)} | {_fmt(size / row.seconds, 0)} | "
                         f"{_fmt(row.rss_mb, 0)} | {_fmt(row.disk_mb)} | {ratio}{'' if row.ok else ' (failed)'} |")
    lines += ["", "## Querying (the mix of `benchmarks/mix.py`)", "",
              "| triples | server | ready s | c1 median ms | c1 p99 ms | c1 q/s | c8 q/s | c8 vs oxigraph (memory) "
              "| c8 vs rdflib-endpoint | errors |",
              "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size, results in sorted(queries.items()):
        ox_mem = results.get("oxigraph server (memory)")
        rdf = results.get("rdflib-endpoint")
        for name, stats in results.items():
            vs_ox = f"{stats.c8_qps / ox_mem.c8_qps:.2f}x" if ox_mem and ox_mem.c8_qps else "–"
            vs_rdf = f"{stats.c8_qps / rdf.c8_qps:.0f}x" if rdf and rdf.c8_qps else "–"
            lines.append(f"| {size:,} | {name}{(' ' + stats.note) if stats.note else ''} | {_fmt(stats.ready_s)} | "
                         f"{_fmt(stats.median_ms(), 2)} | {_fmt(stats.p99_ms(), 1)} | {_fmt(stats.c1_qps, 0)} | "
                         f"{_fmt(stats.c8_qps, 0)} | {vs_ox} | {vs_rdf} | {stats.errors} |")
    lines += ["", "## Targets", ""]
    lines += targets(loads, queries)
    return "\n".join(lines) + "\n"


def targets(loads: list[LoadRow], queries: dict[int, dict[str, QueryStats]]) -> list[str]:
    out = []
    big = max((r.size for r in loads), default=0)
    jak = next((r for r in loads if r.size == big and r.system.startswith("jakgraph load")), None)
    oxl = next((r for r in loads if r.size == big and r.system.startswith("oxigraph load")), None)
    if jak and oxl and jak.ok and oxl.ok:
        ratio = jak.seconds / oxl.seconds
        out.append(f"- {big:,} triples: `jakgraph load` took {ratio:.2f}x the time of `oxigraph load` "
                   f"(target at most 1.5x): {'met' if ratio <= 1.5 else 'NOT met'}")
    results = queries.get(100_000)
    if results:
        jak_q = results.get("jakgraph (memory, cache)")
        ox_q = results.get("oxigraph server (memory)")
        rdf_q = results.get("rdflib-endpoint")
        if jak_q and ox_q and ox_q.c8_qps:
            r = jak_q.c8_qps / ox_q.c8_qps
            out.append(f"- 100,000 triples, concurrency 8: jakgraph {jak_q.c8_qps:,.0f} q/s vs in-memory Oxigraph "
                       f"server {ox_q.c8_qps:,.0f} q/s = {r:.2f}x (target at least 1x): {'met' if r >= 1 else 'NOT met'}")
        nocache = results.get("jakgraph (memory, no cache)")
        if nocache and ox_q and ox_q.c8_qps:
            out.append(f"  - without the result cache: {nocache.c8_qps:,.0f} q/s = "
                       f"{nocache.c8_qps / ox_q.c8_qps:.2f}x the Oxigraph server")
        if jak_q and rdf_q and rdf_q.c8_qps:
            r = jak_q.c8_qps / rdf_q.c8_qps
            out.append(f"- 100,000 triples, concurrency 8: jakgraph vs rdflib-endpoint {r:,.0f}x "
                       f"(target at least 50x): {'met' if r >= 50 else 'NOT met'}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated triple counts")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds of each concurrency-8 run")
    parser.add_argument("--repeat", type=int, default=2, help="loads per system (the best counts)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="jakgraph-scale-"))
    loads: list[LoadRow] = []
    queries: dict[int, dict[str, QueryStats]] = {}
    try:
        curated_nq, curated_nt = curated_files(work)
        for size in sizes:
            data = work / f"gen-{size}.nt"
            count = generate.write_file(data, size)
            print(f"{size:,} triples ({data.stat().st_size / 2**20:.1f} MiB): loading", file=sys.stderr)
            rows, jak_dir, ox_dir = load_rows(count, data, work, args.repeat)
            loads += rows
            print(f"{size:,} triples: querying", file=sys.stderr)
            queries[count] = query_rows(count, data, curated_nq, curated_nt, jak_dir, ox_dir, work, args.duration)
            shutil.rmtree(jak_dir, ignore_errors=True)
            shutil.rmtree(ox_dir, ignore_errors=True)
            data.unlink()
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    text = report(loads, queries, time.perf_counter() - started)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
