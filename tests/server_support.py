"""The one way the tests start a server: a real process on a free loopback port, or the app in-process.

Real processes (``jakgraph serve``, ``oxigraph serve``) are for what only a process shows: durability
across kill -9, cancellation of runaway queries, CPU left behind, real sockets for real clients. Each runs
in its own process group, so stopping it stops its query workers too. The in-process client
(:func:`app_client`) is FastAPI's TestClient over ``create_app``: fast, for everything else.
``tests/conftest.py`` turns these into fixtures (``free_port``, ``live_server``, ``client``).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from jakgraph.build.pipeline import BuiltGraph
from jakgraph.settings import Settings
from jakgraph.web.app import create_app
from jakgraph.web.state import AppState

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A loopback port nobody listens on (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class Server:
    """A server process started by :func:`spawn`: its URL, its pid, its log, and how to stop it."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path, *,
                 timeout: float | None = None, access_log: Path | None = None) -> None:
        self.process = process
        self.port = port
        self.url = f"http://{LOOPBACK}:{port}"      # no trailing slash: server.url + "/sparql"
        self.base = self.url + "/"                    # with it: httpx.Client(base_url=server.base)
        self.sparql = self.url + "/sparql"
        self.log = log
        self.timeout = timeout                        # the query timeout it was started with (``--timeout``)
        self.access_log = access_log                  # where its JSON access log goes, when set

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        """The end of what the server printed (for failure messages)."""
        return self.log.read_text(errors="replace")[-4000:]

    def kill9(self) -> None:
        """SIGKILL the server and everything it started (its query workers are in its process group)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(30)

    def stop(self) -> None:
        """SIGTERM the process group, then SIGKILL what is still there after 20 s."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill9()


def spawn(command: Sequence[str], port: int, log: Path, *, ready: str, env: Mapping[str, str] | None = None,
          ready_timeout: float = 180.0, timeout: float | None = None, access_log: Path | None = None) -> Server:
    """Start ``command`` (which listens on ``port``) in a new process group, its output in ``log``; return
    once ``GET ready`` (a path and query) answers 200. A process that exits or never answers fails loudly."""
    environment = {**os.environ, **(env or {})}
    with log.open("wb") as sink:
        process = subprocess.Popen(list(command), stdout=sink, stderr=subprocess.STDOUT, env=environment,
                                   start_new_session=True)
    server = Server(process, port, log, timeout=timeout, access_log=access_log)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[0]} exited with {process.returncode}:\n{server.output()}")
        try:
            if httpx.get(server.url + ready, timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    server.kill9()
    raise RuntimeError(f"{command[0]} not ready after {ready_timeout} s:\n{server.output()}")


def start(args: list[str], tmp: Path, env: dict[str, str] | None = None, ready_timeout: float = 180.0, *,
          timeout: float | None = None, access_log: Path | None = None) -> Server:
    """``jakgraph serve ARGS`` on a free port, ready when ``/ready`` says so. ``timeout`` adds ``--timeout``;
    ``access_log`` sends the JSON access log there (it is off otherwise)."""
    port = free_port()
    environment = {"JAKGRAPH_ACCESS_LOG": str(access_log) if access_log is not None else "", **(env or {})}
    command = [sys.executable, "-m", "jakgraph.cli", "serve", "--host", LOOPBACK, "--port", str(port), *args]
    if timeout is not None:
        command += ["--timeout", f"{timeout:g}"]
    return spawn(command, port, tmp / f"server-{port}.log", ready="/ready", env=environment,
                 ready_timeout=ready_timeout, timeout=timeout, access_log=access_log)


@contextmanager
def running(args: list[str], tmp: Path, env: dict[str, str] | None = None, *, timeout: float | None = None,
            access_log: Path | None = None) -> Iterator[Server]:
    """:func:`start`, stopped (with its workers) when the block ends."""
    server = start(args, tmp, env, timeout=timeout, access_log=access_log)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def oxigraph(folder: Path, *, timeout_s: float | None = None) -> Iterator[Server]:
    """``oxigraph serve`` (the PyPI package's CLI) on disk in ``folder``, union default graph, on a free
    loopback port (``timeout_s``: its own query time limit, ``--timeout-s``); stopped when the block ends.
    Skips the test when the CLI is not installed."""
    beside = Path(sys.executable).with_name("oxigraph")
    binary = str(beside) if beside.exists() else shutil.which("oxigraph")
    if binary is None:
        pytest.skip("the oxigraph CLI (PyPI package oxigraph, the bench extra) is not installed")
    port = free_port()
    server = spawn([binary, "serve", "--location", str(folder / "data"), "--bind", f"{LOOPBACK}:{port}",
                    "--union-default-graph", *(["--timeout-s", f"{timeout_s:g}"] if timeout_s else [])],
                   port, folder / "server.log", ready="/query?query=ASK%7B%7D", ready_timeout=30, timeout=timeout_s)
    try:
        yield server
    finally:
        server.stop()


def app_client(graph: BuiltGraph | AppState | None, settings: Settings | None = None, *,
               raise_server_exceptions: bool = True) -> TestClient:
    """The app in-process over ``graph`` (or a prepared app state; None: the app opens the graph the settings
    name, as ``jakgraph serve`` does), with the access log off unless the settings say otherwise. Use it as a
    context manager when the test needs the app's start-up and shutdown (the query workers)."""
    if graph is None:
        return TestClient(create_app(settings or Settings(access_log="")),
                          raise_server_exceptions=raise_server_exceptions)
    if isinstance(graph, AppState):
        state = graph
        settings = settings or state.settings
    else:
        settings = settings or Settings(access_log="")
        state = AppState(settings=settings, graph=graph)
    return TestClient(create_app(settings, state), raise_server_exceptions=raise_server_exceptions)
