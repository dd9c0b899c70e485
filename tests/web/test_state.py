"""State you can see (jakgraph.web.state, jakgraph.stores.generation): one store generation, bumped by every
committed write, that every cache keys on.

Over the real application (worker pool, result cache, writer, validation with the project's shapes): a
curator write that replaces drug:ruxolitinib's rdfs:label keeps the number of quads (the case that
caches keyed on the store's size got wrong), yet shows at once in /search, the entity page, VoID, the
Service Description and /sparql answers; a write that changes the count does too.
"""
from __future__ import annotations

import csv
import io
import re

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from writes_support import AUTH, client_for, fresh_state

VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
BACKGROUND = "https://w3id.org/jakgraph/graph/background"
OLD_LABEL = "ruxolitinib"
NEW_LABEL = "curator relabel probe 7f3a"
PROBE_LABEL = "generation probe 51c2"
RELABEL = f"""
DELETE {{ GRAPH graph:background {{ drug:ruxolitinib rdfs:label ?old }} }}
INSERT {{ GRAPH graph:background {{ drug:ruxolitinib rdfs:label "{NEW_LABEL}" }} }}
WHERE  {{ GRAPH graph:background {{ drug:ruxolitinib rdfs:label ?old }} }}
"""
ADD_ONE = f'INSERT DATA {{ GRAPH graph:background {{ drug:generation-probe rdfs:label "{PROBE_LABEL}" }} }}'
LABEL_QUERY = {"query": "SELECT ?label WHERE { drug:ruxolitinib rdfs:label ?label }"}
COUNT_QUERY = {"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH graph:background { ?s ?p ?o } }"}
CSV = {"Accept": "text/csv"}
TURTLE = {"Accept": "text/turtle"}


def _int(value: object) -> int:
    """An integer literal of a description (void:triples …), which must be there."""
    assert isinstance(value, Literal), value
    return int(value)


def _rows(response) -> list[str]:  # noqa: ANN001
    return [row[0] for row in list(csv.reader(io.StringIO(response.text)))[1:]]


def _title(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page, re.DOTALL)
    assert found is not None, page[:500]
    return found.group(1).strip()


def _void(client) -> tuple[int, int]:  # noqa: ANN001
    """(triples, distinct objects) of the whole dataset, from /.well-known/void."""
    response = client.get("/.well-known/void", headers=TURTLE)
    assert response.status_code == 200, response.text
    graph = Graph().parse(data=response.text, format="turtle")
    dataset = URIRef("https://w3id.org/jakgraph/.well-known/void#jakgraph")
    return _int(graph.value(dataset, VOID.triples)), _int(graph.value(dataset, VOID.distinctObjects))


def _service(client) -> tuple[str, int]:  # noqa: ANN001
    """(dcterms:modified of the default dataset, triples of graph:background), from the Service Description."""
    response = client.get("/sparql", headers=TURTLE)
    assert response.status_code == 200, response.text
    graph = Graph().parse(data=response.text, format="turtle")
    dataset = next(graph.objects(None, SD.defaultDataset))
    named = next(n for n in graph.subjects(RDF.type, SD.NamedGraph) if graph.value(n, SD.name) == URIRef(BACKGROUND))
    return str(graph.value(dataset, DCTERMS.modified)), _int(graph.value(graph.value(named, SD.graph), VOID.triples))


def _search(client, words: str) -> str:  # noqa: ANN001
    response = client.get("/search", params={"q": words})
    assert response.status_code == 200
    return response.text


def _write(client, update: str) -> None:  # noqa: ANN001
    response = client.post("/update", content=update, headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "committed"


@pytest.fixture
def state(built):  # noqa: ANN001, ANN201
    # one per test (closing the client stops its workers); the project's shapes judge each write, as in
    # production, and no test shape is added, so the quads are the build's
    return fresh_state(built, with_test_shape=False, project_shapes=True, query_workers=1)


@pytest.mark.slow
def test_a_write_that_keeps_the_quad_count_shows_everywhere_at_once(built, state) -> None:  # noqa: ANN001
    store = state.graph.store
    quads = len(store)
    assert quads == len(built.store)
    with client_for(state) as client:
        # everything computed and cached once before the write
        assert f'<a href="/drug/ruxolitinib">{OLD_LABEL}</a>' in _search(client, OLD_LABEL)
        assert "/drug/ruxolitinib" not in _search(client, NEW_LABEL)
        assert _title(client.get("/drug/ruxolitinib").text) == OLD_LABEL
        void_before = _void(client)
        modified_before, background_before = _service(client)
        first = client.get("/sparql", params=LABEL_QUERY, headers=CSV)
        again = client.get("/sparql", params=LABEL_QUERY, headers=CSV)
        assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
        assert _rows(again) == [OLD_LABEL]
        generation = state.generation.value

        _write(client, RELABEL)

        assert len(store) == quads                                   # the same number of quads
        assert state.generation.value != generation                  # … and a new generation
        found = _search(client, NEW_LABEL)                           # the new label finds it
        assert f'<a href="/drug/ruxolitinib">{NEW_LABEL}</a>' in found
        assert f">{OLD_LABEL}</a>" not in _search(client, OLD_LABEL)  # the old label is gone
        assert _title(client.get("/drug/ruxolitinib").text) == NEW_LABEL
        # VoID: the same triples; one distinct object more (the old label is still an object elsewhere)
        assert _void(client) == (void_before[0], void_before[1] + 1)
        modified_after, background_after = _service(client)
        assert background_after == background_before and modified_after > modified_before
        fresh = client.get("/sparql", params=LABEL_QUERY, headers=CSV)
        assert fresh.headers["x-cache"] == "miss" and _rows(fresh) == [NEW_LABEL]
        assert client.get("/sparql", params=LABEL_QUERY, headers=CSV).headers["x-cache"] == "hit"


@pytest.mark.slow
def test_a_write_that_changes_the_quad_count_shows_everywhere_at_once(state) -> None:  # noqa: ANN001
    store = state.graph.store
    quads = len(store)
    with client_for(state) as client:
        assert "/drug/generation-probe" not in _search(client, PROBE_LABEL)
        assert client.get("/drug/generation-probe").status_code == 404
        void_before = _void(client)
        modified_before, background_before = _service(client)
        count = client.get("/sparql", params=COUNT_QUERY, headers=CSV)
        assert client.get("/sparql", params=COUNT_QUERY, headers=CSV).headers["x-cache"] == "hit"

        _write(client, ADD_ONE)

        assert len(store) == quads + 1
        assert f'<a href="/drug/generation-probe">{PROBE_LABEL}</a>' in _search(client, PROBE_LABEL)
        page = client.get("/drug/generation-probe")
        assert page.status_code == 200 and _title(page.text) == PROBE_LABEL
        assert _void(client)[0] == void_before[0] + 1
        modified_after, background_after = _service(client)
        assert background_after == background_before + 1 and modified_after > modified_before
        fresh = client.get("/sparql", params=COUNT_QUERY, headers=CSV)
        assert fresh.headers["x-cache"] == "miss" and int(_rows(fresh)[0]) == int(_rows(count)[0]) + 1


def test_ready_names_the_generation(state) -> None:  # noqa: ANN001
    with client_for(state) as client:
        assert client.get("/ready").json()["checks"]["generation"] == state.generation.value
