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
    # -- safety and curator writes (see README "safety") --------------------------------------------
    #: the bearer token that turns curator writes on (/update, PUT/POST/DELETE /store); None: writes off
    update_token: str | None = field(default_factory=lambda: _env("UPDATE_TOKEN", "") or None)
    #: SERVICE endpoints a query may call (space- or comma-separated IRIs); empty: no SERVICE at all
    service_allowlist: tuple[str, ...] = field(
        default_factory=lambda: tuple(v for v in _env("SERVICE_ALLOWLIST", "").replace(",", " ").split() if v)
    )
    #: most bytes of query or update text (413 for a larger body, 414 for a longer URL); issue 4 asks for
    #: 80 KB queries by POST, which a form body percent-encodes to more, hence 256 KiB
    max_query_bytes: int = field(default_factory=lambda: int(_env("MAX_QUERY_BYTES", "262144")))
    #: most bytes of a query URL (path and query string): longer GETs get 414 and the advice to POST; kept
    #: under the HTTP parser's own limit (about 64 KiB), past which a client would get a bare 400
    max_url_bytes: int = field(default_factory=lambda: int(_env("MAX_URL_BYTES", "32768")))
    #: most bytes of an RDF body sent to PUT/POST /store
    max_upload_bytes: int = field(default_factory=lambda: int(_env("MAX_UPLOAD_BYTES", str(16 * 1024 * 1024))))
    # -- input limits (see docs/limits.md): checked in linear time before any parser sees the text ------
    #: deepest nesting of { } ( ) [ ] (and runs of unary !) in SPARQL text
    max_nesting_depth: int = field(default_factory=lambda: int(_env("MAX_NESTING_DEPTH", "256")))
    #: most syntax tokens in SPARQL text outside VALUES and DATA blocks (long chains of operators)
    max_query_tokens: int = field(default_factory=lambda: int(_env("MAX_QUERY_TOKENS", "8192")))
    #: most triple patterns in a query or update (INSERT DATA / DELETE DATA triples are data, not patterns):
    #: Oxigraph's join planning grows steeply with them (100 star-joined patterns: 3 s on an empty store)
    max_triple_patterns: int = field(default_factory=lambda: int(_env("MAX_TRIPLE_PATTERNS", "100")))
    #: most rows in the VALUES blocks of one query
    max_values_rows: int = field(default_factory=lambda: int(_env("MAX_VALUES_ROWS", "50000")))
    #: most PREFIX declarations in one query or update
    max_prefixes: int = field(default_factory=lambda: int(_env("MAX_PREFIXES", "1000")))
    #: longest IRI, prefixed name, variable, blank node label or number, in characters (SPARQL and RDF)
    max_token_length: int = field(default_factory=lambda: int(_env("MAX_TOKEN_LENGTH", "8192")))
    #: longest string literal, in characters (SPARQL and RDF)
    max_literal_length: int = field(default_factory=lambda: int(_env("MAX_LITERAL_LENGTH", "65536")))
    #: deepest nesting in an RDF document ([ ] and ( ) in Turtle, elements in RDF/XML): Oxigraph's Turtle and
    #: RDF/XML parsers keep their stack on the heap, so this one is generous (JSON-LD, whose parser recurses,
    #: takes max_nesting_depth)
    max_rdf_nesting_depth: int = field(default_factory=lambda: int(_env("MAX_RDF_NESTING_DEPTH", "32768")))
    #: queries in flight at once (running, or waiting for a query worker); more get 503 with Retry-After
    max_concurrent_queries: int = field(default_factory=lambda: int(_env("MAX_CONCURRENT_QUERIES", "64")))
    #: where the JSON access log goes: "-" for standard error, a file path, or "" for nowhere
    access_log: str = field(default_factory=lambda: _env("ACCESS_LOG", "-"))
    # -- query engine (see README "endpoint") -------------------------------------------------------
    #: worker processes that run queries (one query each at a time); a warm spare replaces a killed one
    query_workers: int = field(default_factory=lambda: int(_env("QUERY_WORKERS", "0")) or max(2, os.cpu_count() or 2))
    #: start the query workers with the server (``jakgraph serve``) rather than at the first query
    warm_start: bool = field(default_factory=lambda: _env("WARM_START", "") not in ("", "0", "false"))
    # -- stores (see README "stores") ---------------------------------------------------------------
    #: RDF files bulk-loaded alongside the curated graph at start, each into graph/loaded/<name>
    load_files: tuple[Path, ...] = field(
        default_factory=lambda: tuple(Path(v) for v in _env("LOAD", "").split(os.pathsep) if v)
    )
    #: a remote SPARQL 1.1 query endpoint that answers /sparql and the pages instead of the embedded store
    backend_url: str | None = field(default_factory=lambda: _env("BACKEND", "") or None)
    #: result cache bounds: bytes (0 turns the cache off) and answers kept
    cache_bytes: int = field(default_factory=lambda: int(float(_env("CACHE_MB", "64")) * 1024 * 1024))
    cache_entries: int = field(default_factory=lambda: int(_env("CACHE_ENTRIES", "4096")))
