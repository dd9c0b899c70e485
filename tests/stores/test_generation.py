"""The store generation (jakgraph.stores.generation): a new value for every committed write and every load,
none for a write or a load that changed nothing."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from jakgraph.errors import SourceError, WriteNotConforming
from jakgraph.stores.generation import StoreGeneration
from jakgraph.stores.loaded import load_file, unload
from jakgraph.stores.writer import GraphWriter

from writes_support import INVALID_INSERT, VALID_INSERT, copy_store


def test_values_are_unique_in_the_process():
    first, second = StoreGeneration("a" * 64), StoreGeneration()
    assert first.value != second.value and first.key.startswith("a" * 16 + ".") and second.key.startswith("graph.")
    before, changed = first.value, first.changed_at
    assert first.bump("write") == first.value != before
    assert first.value != second.value and first.reason == "write" and first.changed_at >= changed


def test_committed_writes_bump_it_refused_and_empty_ones_do_not(built):
    generation = StoreGeneration()
    writer = GraphWriter(copy_store(built.store, project_shapes=False), generation=generation)
    start = generation.value
    with pytest.raises(WriteNotConforming):
        writer.update(INVALID_INSERT)
    assert generation.value == start
    writer.update(VALID_INSERT)
    committed = generation.value
    assert committed != start and generation.reason == "write"
    assert not writer.update(VALID_INSERT).committed         # the same triples again: nothing changed
    assert generation.value == committed


def test_loads_bump_it_a_failed_load_does_not(tmp_path):
    store, generation = ox.Store(), StoreGeneration()
    good, bad = tmp_path / "extra.nt", tmp_path / "broken.nt"
    good.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    bad.write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    start = generation.value
    load_file(store, good, progress=False, generation=generation)
    loaded = generation.value
    assert loaded != start and generation.reason == "loaded extra.nt"
    with pytest.raises(SourceError):
        load_file(store, bad, progress=False, generation=generation)
    assert generation.value == loaded
    assert unload(store, "extra", generation=generation) and generation.value != loaded
