"""The benchmark scripts' own pieces: the memory of a process tree, the file splitting for Virtuoso's bulk
loader, ``--skip``, the targets' verdicts and the generator's exact count. The benchmarks themselves are run
by ``make bench``/``make bench-scale``, never in tests (speed claims are measured, not asserted)."""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


procmem = _module("procmem")
scale = _module("scale")
run = _module("run")
generate = _module("generate")


def test_tree_memory_sums_the_process_and_its_children() -> None:
    code = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
            "time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while len(procmem.descendants(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = procmem.descendants(parent.pid)
        assert pids[0] == parent.pid and len(pids) == 2
        whole, alone = procmem.tree_memory(parent.pid), procmem.tree_memory(pids[1])
        assert whole.processes == 2 and alone.processes == 1
        assert whole.rss_mib > alone.rss_mib > 1
        assert 0 < whole.pss_mib <= whole.rss_mib
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait(10)


def test_split_lines_keeps_every_line_in_order(tmp_path: Path) -> None:
    data = tmp_path / "gen-5.nt"
    lines = [f"<s{i}> <p> <o> .\n".encode() for i in range(5)]
    data.write_bytes(b"".join(lines))
    out = tmp_path / "load"
    out.mkdir()
    pieces = scale.split_lines(data, out, 2)
    assert [p.name for p in pieces] == ["gen-5-000.nt", "gen-5-001.nt", "gen-5-002.nt"]
    assert b"".join(p.read_bytes() for p in pieces) == b"".join(lines)


def test_skip_cached_leaves_the_uncached_servers() -> None:
    assert scale.skipped("jakgraph (memory, cache)", ["cached"])
    assert scale.skipped("jakgraph → virtuoso (cache)", ["cached"])
    assert not scale.skipped("jakgraph (memory, no cache)", ["cached"])
    assert scale.skipped("oxigraph server (disk)", ["rdflib", "disk"])
    assert not scale.skipped("oxigraph server (memory)", ["rdflib", "disk"])


def test_the_targets_say_met_and_not_met() -> None:
    def cell(throughput: float) -> object:
        return run.Cell(1.0, 2.0, throughput, 100, 0)

    cells = {("jakgraph", 8): cell(2100), ("jakgraph (no cache)", 8): cell(900), ("Oxigraph server", 8): cell(1000),
             ("constant FastAPI", 8): cell(3000)}
    tables = {"jakgraph (no cache)": {name: 0.30 for name, _, _ in run.QUERIES},
              "Oxigraph server": {name: 0.20 for name, _, _ in run.QUERIES}}
    tables["jakgraph (no cache)"]["ASK"] = 0.40
    rows = {row.split(" | ")[0].lstrip("| "): row for row in run.targets(cells, tables)}
    assert rows["uncached throughput vs Oxigraph server"].endswith("| 0.90× | ≥ 1× | **not met** |")
    assert rows["uncached median latency at c=1 − Oxigraph's: point lookup"].endswith("| +0.10 ms | ≤ +0.15 ms | met |")
    assert rows["uncached median latency at c=1 − Oxigraph's: ASK"].endswith("**not met** |")
    assert rows["cached throughput vs Oxigraph server"].endswith("| 2.10× | ≥ 2× | met |")
    assert rows["cached throughput vs constant FastAPI"].endswith("| 0.70× | ≥ 0.8× | **not met** |")


def test_the_generator_writes_exactly_the_triples_asked(tmp_path: Path) -> None:
    path = tmp_path / "gen.nt"
    assert generate.write_file(path, 1234) == 1234
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    assert len(store) == 1234
