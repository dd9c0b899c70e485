"""Server settings in one typed object (pydantic-settings): each comes from a ``JAKGRAPH_*`` environment
variable, a ``jakgraph serve`` flag (which wins), or a keyword (``Settings(query_workers=1)``, in tests).

Why pydantic-settings: one declaration per setting gives its type, its default, its environment variable and
its check, and a bad value is refused at start with a line that names the variable and what is wrong
(:class:`~jakgraph.errors.SettingsError`), not a stack trace at the first request. The few variables that
do not map one-to-one onto a field (``JAKGRAPH_STORE``, ``JAKGRAPH_LOAD``, ``JAKGRAPH_BACKEND``,
``JAKGRAPH_CACHE_MB``) are named with ``validation_alias``; list-valued ones are split by the validators
at the end (``NoDecode``: they are not JSON).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from jakgraph.errors import SettingsError

__all__ = ["Settings"]

_MIB = 1024 * 1024


def _default_workers() -> int:
    return max(2, os.cpu_count() or 2)


class Settings(BaseSettings):
    """What the server needs to know; see each field's comment (and README "endpoint", "stores", "safety")."""

    model_config = SettingsConfigDict(env_prefix="JAKGRAPH_", validate_assignment=True, validate_by_name=True,
                                      validate_by_alias=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    #: the public base of entity IRIs; the local server answers for it at its own root
    base_url: str = "https://w3id.org/jakgraph/"
    #: seconds a query may run before it is cancelled
    query_timeout: float = Field(10.0, gt=0)
    #: most result rows (or triples) one query may return
    max_result_rows: int = Field(100_000, ge=1)
    #: keep the Oxigraph store on disk here (default: in memory); JAKGRAPH_STORE
    store_dir: Path | None = Field(None, validation_alias="JAKGRAPH_STORE")
    # -- safety and curator writes (see README "safety") --------------------------------------------
    #: the bearer token that turns curator writes on (/update, PUT/POST/DELETE /store); None: writes off
    update_token: str | None = None
    #: SERVICE endpoints a query may call (space- or comma-separated IRIs); empty: no SERVICE at all
    service_allowlist: Annotated[tuple[str, ...], NoDecode] = ()
    #: most bytes of query or update text (413 for a larger body, 414 for a longer URL); issue 4 asks for
    #: 80 KB queries by POST, which a form body percent-encodes to more, hence 256 KiB
    max_query_bytes: int = Field(262_144, ge=1)
    #: most bytes of a query URL (path and query string): longer GETs get 414 and the advice to POST; kept
    #: under the HTTP parser's own limit (about 64 KiB), past which a client would get a bare 400
    max_url_bytes: int = Field(32_768, ge=1)
    #: most bytes of an RDF body sent to PUT/POST /store
    max_upload_bytes: int = Field(16 * _MIB, ge=1)
    # -- input limits (see docs/limits.md): checked in linear time before any parser sees the text ------
    #: deepest nesting of { } ( ) [ ] (and runs of unary !) in SPARQL text
    max_nesting_depth: int = Field(256, ge=1)
    #: most syntax tokens in SPARQL text outside VALUES and DATA blocks (long chains of operators)
    max_query_tokens: int = Field(8_192, ge=1)
    #: most triple patterns in a query or update (INSERT DATA / DELETE DATA triples are data, not patterns):
    #: Oxigraph's join planning grows steeply with them (100 star-joined patterns: 3 s on an empty store)
    max_triple_patterns: int = Field(100, ge=1)
    #: most rows in the VALUES blocks of one query
    max_values_rows: int = Field(50_000, ge=1)
    #: most PREFIX declarations in one query or update
    max_prefixes: int = Field(1_000, ge=1)
    #: longest IRI, prefixed name, variable, blank node label or number, in characters (SPARQL and RDF)
    max_token_length: int = Field(8_192, ge=1)
    #: longest string literal, in characters (SPARQL and RDF)
    max_literal_length: int = Field(65_536, ge=1)
    #: deepest nesting in an RDF document ([ ] and ( ) in Turtle, elements in RDF/XML): Oxigraph's Turtle and
    #: RDF/XML parsers keep their stack on the heap, so this one is generous (JSON-LD, whose parser recurses,
    #: takes max_nesting_depth)
    max_rdf_nesting_depth: int = Field(32_768, ge=1)
    #: queries in flight at once (running, or waiting for a query worker); more get 503 with Retry-After
    max_concurrent_queries: int = Field(64, ge=1)
    #: where the JSON access log goes: "-" for standard error, a file path, or "" for nowhere
    access_log: str = "-"
    # -- query engine (see README "endpoint") -------------------------------------------------------
    #: worker processes that run queries (one query each at a time); 0: one per CPU, at least 2
    query_workers: int = Field(default_factory=_default_workers, ge=1)
    #: start the query workers with the server (``jakgraph serve``) rather than at the first query
    warm_start: bool = False
    # -- stores (see README "stores") ---------------------------------------------------------------
    #: RDF files bulk-loaded alongside the curated graph at start, each into graph/loaded/<name>;
    #: JAKGRAPH_LOAD, separated by the path separator (":" on Unix)
    load_files: Annotated[tuple[Path, ...], NoDecode] = Field((), validation_alias="JAKGRAPH_LOAD")
    #: without ``store_dir``: hold the store in a private temporary on-disk store that every query worker opens
    #: read-only (one copy of the data whatever the worker count; slower queries: docs/stores.md "Memory");
    #: False: each worker loads an in-memory copy; None (default): in-memory copies unless the files loaded
    #: make them too big for the memory available
    shared_store: bool | None = None
    #: a remote SPARQL 1.1 query endpoint that answers /sparql and the pages instead of the embedded store
    backend_url: str | None = Field(None, validation_alias="JAKGRAPH_BACKEND")
    #: seconds between probes of the backend's content (a count per named graph; a change starts every cache
    #: afresh); 0 turns probing off (docs/stores.md "When the backend changes")
    backend_probe_seconds: float = Field(30.0, ge=0)
    #: the query parameter that carries the query timeout to the backend, in milliseconds (Virtuoso's
    #: ``timeout``, which stops its work; a closed connection does not); "" sends none
    backend_timeout_parameter: str = "timeout"
    #: seconds a cached answer of the backend is kept at most, whatever the probe says
    backend_cache_ttl: float = Field(300.0, gt=0)
    #: result cache bounds: bytes (0 turns the cache off; JAKGRAPH_CACHE_MB in megabytes) and answers kept
    cache_bytes: int = Field(64 * _MIB, ge=0, validation_alias="JAKGRAPH_CACHE_MB")
    cache_entries: int = Field(4096, ge=1)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as err:
            raise SettingsError(_readable(err)) from None

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except ValidationError as err:
            raise SettingsError(_readable(err)) from None

    # -- values from the environment that are not one JSON value each --------------------------------

    @model_validator(mode="before")
    @classmethod
    def _cache_mb(cls, data: Any) -> Any:
        """``JAKGRAPH_CACHE_MB`` (megabytes, a float) sets ``cache_bytes`` unless that is given itself."""
        if isinstance(data, dict):
            for key in [k for k in data if isinstance(k, str) and k.lower() in ("cache_mb", "jakgraph_cache_mb")]:
                megabytes = data.pop(key)
                if "cache_bytes" not in data:
                    try:
                        data["cache_bytes"] = int(float(megabytes) * _MIB)
                    except (TypeError, ValueError):
                        message = f"JAKGRAPH_CACHE_MB must be a number of megabytes (got {megabytes!r})"
                        raise ValueError(message) from None
        return data

    @field_validator("service_allowlist", mode="before")
    @classmethod
    def _split_iris(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(v for v in value.replace(",", " ").split() if v)
        return value

    @field_validator("load_files", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(Path(v) for v in value.split(os.pathsep) if v)
        return value

    @field_validator("store_dir", "update_token", "backend_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("query_workers", mode="before")
    @classmethod
    def _zero_is_auto(cls, value: Any) -> Any:
        return _default_workers() if value in (0, "0", "") else value

    @field_validator("warm_start", mode="before")
    @classmethod
    def _empty_is_false(cls, value: Any) -> Any:
        return False if value == "" else value


def _readable(err: ValidationError) -> str:
    """One clause per bad setting, naming its field and environment variable and the value given."""
    lines = []
    for problem in err.errors():
        where = ".".join(str(part) for part in problem["loc"])
        if not where:
            name = ""
        elif where.upper().startswith("JAKGRAPH_"):
            name = f"{where}: "
        else:
            name = f"{where} (JAKGRAPH_{where.upper()}): "
        given = problem.get("input")
        shown = f" (got {given!r})" if where and given is not None and not isinstance(given, dict) else ""
        lines.append(name + problem["msg"].removeprefix("Value error, ") + shown)
    return "bad setting: " + "; ".join(lines)
