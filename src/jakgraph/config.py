"""Server settings in one typed object; each comes from a CLI flag or a JAKGRAPH_* environment variable."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env(name: str, default: str) -> str:
    return os.environ.get(f"JAKGRAPH_{name}", default)


@dataclass
class Settings:
    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("PORT", "8000")))
    #: the public base of entity IRIs; the local server answers for it at its own root
    base_url: str = field(default_factory=lambda: _env("BASE_URL", "https://w3id.org/jakgraph/"))
    #: seconds a query may run before it is cancelled
    query_timeout: float = field(default_factory=lambda: float(_env("QUERY_TIMEOUT", "10")))
    #: most result rows (or triples) one query may return
    max_result_rows: int = field(default_factory=lambda: int(_env("MAX_RESULT_ROWS", "100000")))
    #: keep the Oxigraph store on disk here (default: in memory)
    store_dir: Path | None = field(
        default_factory=lambda: Path(_env("STORE", "")) if _env("STORE", "") else None
    )
