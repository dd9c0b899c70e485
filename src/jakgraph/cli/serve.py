"""``jakgraph serve``: build and validate the graph, then serve it; the SPARQL endpoint is ``/sparql``.

Settings come from the flags below or from ``JAKGRAPH_*`` environment variables (``jakgraph.settings``);
a flag wins over its variable.
The server is uvicorn (with uvloop and httptools when installed); queries run in worker processes that
start with the server, so the first query is as fast as the others.
"""
from __future__ import annotations

import argparse
import errno
import signal
import socket
from pathlib import Path

from jakgraph.errors import JakgraphError, SettingsError
from jakgraph.settings import Settings
from jakgraph.stores.loaded import check_load_limits


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="serve the graph over HTTP (SPARQL endpoint at /sparql)",
                            description="Build and validate the graph, then serve it: the SPARQL 1.1 endpoint "
                                        "at /sparql, the prefixes at /prefixes, and the web pages.")
    parser.add_argument("--host", default=None, help="address to listen on (default: 127.0.0.1, JAKGRAPH_HOST)")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default: 8000, JAKGRAPH_PORT)")
    parser.add_argument("--query-workers", type=int, default=None, metavar="N",
                        help="worker processes answering queries, one query each at a time "
                             "(default: one per CPU, at least 2; JAKGRAPH_QUERY_WORKERS)")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="a query running longer is stopped and answered 504 (default: 10; JAKGRAPH_QUERY_TIMEOUT)")
    parser.add_argument("--max-rows", type=int, default=None, metavar="N",
                        help="a result with more rows or triples is refused with 422 "
                             "(default: 100000; JAKGRAPH_MAX_RESULT_ROWS)")
    parser.add_argument("--update-token-file", type=Path, default=None, metavar="FILE",
                        help="turn curator writes (/update, /store) on with the bearer token in FILE")
    stores = parser.add_argument_group("stores (README \"stores\")")
    stores.add_argument("--store", type=Path, default=None, metavar="DIR",
                        help="keep the store on disk in DIR: reopened as it is at the next start, rebuilt only "
                             "when the curated sources changed (default: in memory; JAKGRAPH_STORE)")
    stores.add_argument("--load", type=Path, nargs="+", default=None, metavar="FILE",
                        help="bulk-load RDF files (.ttl .nt .nq .trig .rdf .owl .jsonld), OBO ontologies (.obo) "
                             "and HPO annotations (.hpoa), optionally .gz, "
                             "alongside, each into graph/loaded/<name>")
    stores.add_argument("--shared-store", action=argparse.BooleanOptionalAction, default=None,
                        help="hold the store in a private temporary on-disk store (deleted at exit) whose read-only "
                             "checkpoints every query worker opens: one copy of the data in memory whatever the "
                             "worker count, at the price of slower queries; --no-shared-store: each worker loads "
                             "its own in-memory copy (default: in-memory copies unless the files loaded make them "
                             "too big for the memory available; docs/stores.md \"Memory\"; JAKGRAPH_SHARED_STORE)")
    stores.add_argument("--backend", default=None, metavar="URL",
                        help="answer /sparql and the pages from this remote SPARQL 1.1 query endpoint "
                             "(fill it first with `jakgraph push`; JAKGRAPH_BACKEND)")
    stores.add_argument("--cache-mb", type=float, default=None, metavar="MB",
                        help="result cache size in MB, 0 for none (default: 64; JAKGRAPH_CACHE_MB)")
    safety = parser.add_argument_group("safety (README \"safety\")")
    safety.add_argument("--service-allow", action="append", default=None, metavar="IRI",
                        help="a SERVICE endpoint queries may call (repeatable; default: none; public http(s) "
                             "hosts only; JAKGRAPH_SERVICE_ALLOWLIST)")
    safety.add_argument("--access-log", default=None, metavar="FILE",
                        help="the JSON access log: a file, '-' for standard error (the default), '' for none "
                             "(JAKGRAPH_ACCESS_LOG)")
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"],
                        help="uvicorn's log level (default: warning)")
    parser.set_defaults(handler=run)


#: flag (argparse destination) -> setting, for the flags that set one setting as they are
_FLAGS = {"host": "host", "port": "port", "query_workers": "query_workers", "timeout": "query_timeout",
          "max_rows": "max_result_rows", "access_log": "access_log", "store": "store_dir",
          "backend": "backend_url", "shared_store": "shared_store"}


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings: the environment's (``Settings()``), overridden by the flags given; a bad value names
    its flag."""
    settings = Settings()
    given: list[tuple[str, str, object]] = [
        (f"--{flag.replace('_', '-')}", name, getattr(args, flag)) for flag, name in _FLAGS.items()
        if getattr(args, flag, None) is not None]
    if getattr(args, "service_allow", None):
        given.append(("--service-allow", "service_allowlist", tuple(args.service_allow)))
    if getattr(args, "load", None):
        given.append(("--load", "load_files", tuple(args.load)))
    if getattr(args, "cache_mb", None) is not None:
        given.append(("--cache-mb", "cache_bytes", int(args.cache_mb * 1024 * 1024)))
    token_file = getattr(args, "update_token_file", None)
    if token_file is not None:
        from jakgraph.web.auth import read_token_file  # lazy: brings FastAPI; `jakgraph --help` imports this module

        given.append(("--update-token-file", "update_token", read_token_file(token_file)))
    for flag, name, value in given:
        try:
            setattr(settings, name, value)
        except SettingsError as err:
            raise SettingsError(f"{flag}: {err}") from None
    for path in settings.load_files:  # the input limits on each file before any parser (jakgraph.policy.limits)
        check_load_limits(path, settings)
    settings.warm_start = True
    return settings


def check_port(host: str, port: int) -> None:
    """Fail early, in one line, when the address is taken (rather than after the build)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise JakgraphError(f"cannot listen on {host}: {err.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise JakgraphError(f"{host}:{port} is already in use: stop the other server or choose --port") from None
            raise JakgraphError(f"cannot listen on {host}:{port}: {err.strerror}") from None


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def run(args: argparse.Namespace) -> int:
    # lazy: the web stack (uvicorn, FastAPI, the app) loads to serve, not when `jakgraph --help` lists commands
    import uvicorn

    from jakgraph.web.app import create_app
    from jakgraph.web.server import UpgradeIgnoringProtocol

    settings = settings_from(args)
    check_port(settings.host, settings.port)
    # SIGTERM ends the interpreter normally, so exit handlers run (the private store of --shared-store is
    # deleted by one): uvicorn stops gracefully, then re-raises the signal it caught to this handler
    signal.signal(signal.SIGTERM, _exit_on_signal)
    app = create_app(settings)
    quads = len(app.state.jak.graph.store)
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    origin = app.state.jak.origin
    where = f" ({origin.describe(settings)})" if origin is not None else ""
    workers = "" if settings.backend_url else f"{settings.query_workers} query workers, "
    print(f"jakgraph: {quads} quads{where}; SPARQL endpoint http://{host}:{settings.port}/sparql "
          f"({workers}{settings.query_timeout:g} s timeout, "
          f"{settings.max_result_rows} rows at most)", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=args.log_level, access_log=False,
                server_header=False, timeout_graceful_shutdown=5,
                http=UpgradeIgnoringProtocol)  # h2c offers (Java clients) answered as HTTP/1.1
    return 0
