"""Fixtures shared by the whole suite: the built graph, a free port, the real server, the in-process client.

The implementations live in ``tests/server_support.py`` (servers) and ``tests/writes_support.py`` (private
store copies for write tests); this file only makes fixtures of them. Module-specific fixtures live beside
their tests. Markers (``server``, ``browser``, ``slow``) are declared in pyproject.toml; ``make test-fast``
leaves those tests out.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from jakgraph.build.pipeline import BuiltGraph, build_graph

import server_support
from server_support import Server

#: the query timeout of the live server, short so that the timeout tests are quick
LIVE_QUERY_TIMEOUT = 2.0


@pytest.fixture(scope="session")
def built() -> BuiltGraph:
    """The curated graph, built and validated once per test session."""
    return build_graph(validate=True)


@pytest.fixture
def free_port() -> int:
    """A loopback port nobody listens on."""
    return server_support.free_port()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``jakgraph serve`` in its own process (two query workers, a 2 s timeout) on a free loopback port,
    shared by the session; stopped with its workers at the end. Tests using it are marked ``server``."""
    tmp = tmp_path_factory.mktemp("live-server")
    with server_support.running([], tmp, {"JAKGRAPH_QUERY_WORKERS": "2"}, timeout=LIVE_QUERY_TIMEOUT) as server:
        yield server


@pytest.fixture(scope="module")
def client(built: BuiltGraph) -> TestClient:
    """The app in-process over the built graph, default settings, access log off."""
    return server_support.app_client(built)


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the real server is a ``server`` test, whichever file it is in."""
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.server)
