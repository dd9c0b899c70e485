"""Fixtures shared by the whole suite. Module-specific fixtures live beside their tests."""
from __future__ import annotations

import pytest

from jakgraph.build import BuiltGraph, build_graph


@pytest.fixture(scope="session")
def built() -> BuiltGraph:
    """The curated graph, built and validated once per test session."""
    return build_graph(validate=True)
