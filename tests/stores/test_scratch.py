"""The private temporary store of ``serve --shared-store`` (``ondisk.scratch_store``): where it goes, what
the query workers are pointed at, and that a folder left by a killed server is removed by the next one."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from jakgraph.settings import Settings
from jakgraph.stores.ondisk import SCRATCH_PREFIX, remove_stale_scratch, scratch_store
from jakgraph.stores.served import copies_too_big, memory_available, open_graph, resident_bytes
from jakgraph.web.state import embedded_engine


def test_a_scratch_store_is_an_on_disk_store_in_its_own_folder(tmp_path: Path) -> None:
    scratch = scratch_store(tmp_path)
    assert scratch.directory.parent == tmp_path and scratch.directory.name.startswith(SCRATCH_PREFIX)
    scratch.store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("c")))
    scratch.store.flush()
    assert (scratch.directory / "oxigraph" / "CURRENT").exists()
    assert scratch.snapshots == scratch.directory / "snapshots"
    assert remove_stale_scratch(tmp_path) == []  # its owner (this process) is alive
    scratch.remove()
    assert not scratch.directory.exists()


def test_a_folder_left_by_a_dead_server_is_removed(tmp_path: Path) -> None:
    # a process that made a scratch store and died without cleaning up (SIGKILL: no exit handlers)
    code = ("import os, sys; from pathlib import Path; from jakgraph.stores.ondisk import scratch_store; "
            "s = scratch_store(Path(sys.argv[1])); print(s.directory, flush=True); os._exit(0)")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    left = Path(done.stdout.strip())
    assert left.exists()
    other = tmp_path / "unrelated"
    other.mkdir()
    fresh = scratch_store(tmp_path)  # the next server cleans up after the dead one
    try:
        assert not left.exists()
        assert other.exists() and fresh.directory.exists()
    finally:
        fresh.remove()


def test_a_normal_exit_removes_the_folder(tmp_path: Path) -> None:
    code = ("import sys; from pathlib import Path; from jakgraph.stores.ondisk import scratch_store; "
            "print(scratch_store(Path(sys.argv[1])).directory)")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not Path(done.stdout.strip()).exists()


@pytest.mark.slow  # builds and validates the curated graph
def test_shared_store_setting_moves_the_graph_to_disk_and_points_the_workers_at_it(tmp_path: Path, built,
                                                                                   monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # tempfile caches the folder it picked
    settings = Settings(shared_store=True, access_log="")
    graph, origin = open_graph(settings)
    try:
        assert origin.scratch is not None and origin.scratch.parent == tmp_path
        assert "temporary on-disk store" in origin.describe(settings)
        assert len(graph.store) == len(built.store)  # the curated graphs moved in, every quad
        assert set(graph.store.named_graphs()) == set(built.store.named_graphs())
        assert (origin.scratch / "oxigraph" / "CURRENT").exists()
        pool = embedded_engine(graph, settings, origin)
        assert pool.snapshots == origin.scratch / "snapshots"
        assert embedded_engine(graph, Settings(access_log="")).snapshots is None  # in memory: workers load copies
    finally:
        del graph
        shutil.rmtree(origin.scratch or tmp_path / "none", ignore_errors=True)


def test_copies_too_big_for_the_memory_available() -> None:
    mib = 2**20
    # 1M triples: 330 MiB a copy, three workers' copies
    assert not copies_too_big(330 * mib, 3, 21_000 * mib)  # a 24 GB machine: copies, fastest queries
    assert copies_too_big(330 * mib, 3, 1_000 * mib)  # 1 GB available: one shared on-disk copy
    assert copies_too_big(330 * mib, 3, 1_237 * mib) and not copies_too_big(330 * mib, 3, 1_238 * mib)  # 80 %


@pytest.mark.skipif(not Path("/proc/meminfo").exists(), reason="Linux /proc")
def test_memory_figures_are_read_from_proc() -> None:
    resident, available = resident_bytes(), memory_available()
    assert resident is not None and 10 * 2**20 < resident
    assert available is not None and available > 0
