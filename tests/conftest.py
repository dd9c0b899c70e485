"""Fixtures shared by the whole suite. Module-specific fixtures live beside their tests."""
from __future__ import annotations

import pytest

from jakgraph.build.pipeline import BuiltGraph, build_graph


@pytest.fixture(scope="session")
def built() -> BuiltGraph:
    """The curated graph, built and validated once per test session."""
    return build_graph(validate=True)


# -- a real server ------------------------------------------------------------------------------------

import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from urllib.error import URLError  # noqa: E402
from urllib.request import urlopen  # noqa: E402

#: the query timeout of the live server, short so that the timeout tests are quick
LIVE_QUERY_TIMEOUT = 2.0


def free_port(host: str = "127.0.0.1") -> int:
    """A loopback port nobody listens on (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class LiveServer:
    base: str        # http://127.0.0.1:PORT/
    sparql: str      # http://127.0.0.1:PORT/sparql
    pid: int
    timeout: float   # its query timeout, seconds


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """``jakgraph serve`` in its own process on a free loopback port, stopped (and its workers) at the end."""
    port = free_port()
    env = {**os.environ, "JAKGRAPH_ACCESS_LOG": "", "JAKGRAPH_QUERY_WORKERS": "2"}
    command = [sys.executable, "-m", "jakgraph.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--timeout", str(LIVE_QUERY_TIMEOUT)]
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"jakgraph serve exited with {process.returncode}:\n{log.read().decode('utf-8', 'replace')}")
            try:
                with urlopen(base + "sparql?query=ASK%7B%7D", timeout=5) as response:
                    if response.status == 200:
                        break
            except (URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("jakgraph serve did not answer within 180 s")
            time.sleep(0.25)
        yield LiveServer(base, base + "sparql", process.pid, LIVE_QUERY_TIMEOUT)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()
