"""Generated graphs in jakgraph's own schema for tests that need size: the benchmark's seeded generator
(``benchmarks/generate.py``), loaded by path so that tests and benchmarks share one generator."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["generator", "write_generated"]


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("jakgraph_bench_generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_generated(path: Path, triples: int) -> Path:
    """Write ``triples`` generated triples as N-Triples to ``path`` (checked: exactly that many)."""
    written = generator().write_file(path, triples)
    assert written == triples, f"the generator wrote {written} triples, not {triples}"
    return path
