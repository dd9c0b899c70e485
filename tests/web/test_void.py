"""The dataset description at /.well-known/void: VoID statistics per named graph and DCAT metadata."""
from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from jakgraph import paths
from jakgraph.build.pipeline import BuiltGraph, write_dumps
from jakgraph.namespaces import DCAT, SPDX, VOID
from jakgraph.publish.void import void_iri
from jakgraph.settings import Settings

from server_support import app_client

pytestmark = pytest.mark.slow

BASE_URL = "https://jakgraph.example.org/"


@pytest.fixture(scope="module")
def dist(built: BuiltGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dist")
    write_dumps(built, folder)
    return folder


@pytest.fixture()
def client(built: BuiltGraph, dist: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setattr(paths, "DIST_DIR", dist)
    return app_client(built, Settings(base_url=BASE_URL, access_log=""))


def number(graph: Graph, subject: Node, prop: URIRef) -> int:
    """The one integer ``subject prop`` has."""
    value = graph.value(subject, prop)
    assert isinstance(value, Literal), (subject, prop, value)
    return int(value)


def load(client: TestClient, accept: str = "text/turtle", fmt: str = "turtle") -> Graph:
    response = client.get("/.well-known/void", headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["vary"] == "Accept"
    return Graph().parse(data=response.content, format=fmt)


def test_void_describes_the_dataset(client: TestClient, built: BuiltGraph) -> None:
    graph = load(client)
    dataset = URIRef(void_iri(Settings(base_url=BASE_URL)))
    assert dataset == URIRef(BASE_URL + ".well-known/void#jakgraph")
    assert (dataset, RDF.type, VOID.Dataset) in graph and (dataset, RDF.type, DCAT.Dataset) in graph
    assert (dataset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in graph
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.creator, DCTERMS.issued, DCAT.version):
        assert graph.value(dataset, prop) is not None, prop
    assert (dataset, VOID.sparqlEndpoint, URIRef(BASE_URL + "sparql")) in graph
    for name in ("triples", "entities", "classes", "properties"):
        assert number(graph, dataset, VOID[name]) > 0
    distinct = {(q.subject, q.predicate, q.object) for q in built.store}
    assert number(graph, dataset, VOID.triples) == len(distinct)
    assert len(list(graph.objects(dataset, VOID.exampleResource))) >= 3
    assert any(graph.objects(dataset, VOID.classPartition)) and any(graph.objects(dataset, VOID.propertyPartition))


def test_void_has_a_subset_per_named_graph(client: TestClient, built: BuiltGraph) -> None:
    graph = load(client)
    dataset = URIRef(void_iri(Settings(base_url=BASE_URL)))
    subsets = set(graph.objects(dataset, VOID.subset))
    assert subsets == {URIRef(g.value) for g in built.store.named_graphs()}
    for subset in subsets:
        count = sum(1 for _ in built.store.quads_for_pattern(None, None, None, __import__("pyoxigraph").NamedNode(str(subset))))
        assert number(graph, subset, VOID.triples) == count


def test_void_lists_the_dumps_with_checksums(client: TestClient, dist: Path) -> None:
    graph = load(client)
    dataset = URIRef(void_iri(Settings(base_url=BASE_URL)))
    dumps = {str(o) for o in graph.objects(dataset, VOID.dataDump)}
    for ext in ("ttl", "nt", "nq", "trig", "jsonld", "rdf"):
        assert f"{BASE_URL}download/jakgraph.{ext}" in dumps
    checksums = {str(v) for v in graph.objects(None, SPDX.checksumValue)}
    expected = (dist / "jakgraph.ttl.sha256").read_text().split()[0]
    assert expected in checksums
    assert (None, DCAT.downloadURL, URIRef(f"{BASE_URL}download/jakgraph_edges.tsv")) in graph


@pytest.mark.parametrize("accept,fmt", [("application/ld+json", "json-ld"), ("application/n-triples", "nt"),
                                        ("application/rdf+xml", "xml")])
def test_void_in_every_format(client: TestClient, accept: str, fmt: str) -> None:
    """The same description, triple for triple, in every format as in Turtle."""
    graph = load(client, accept, fmt)
    assert len(graph) > 50
    assert isomorphic(graph, load(client))


def test_void_page_and_extensions(client: TestClient) -> None:
    page = client.get("/.well-known/void", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "void:subset" in page.text
    assert client.get("/.well-known/void.ttl").headers["content-type"].startswith("text/turtle")
    assert client.get("/.well-known/void.xyz").status_code == 404
    assert (None, None, Literal("jakgraph: JAK inhibitors in monogenic type I interferonopathies", lang="en")) in \
        Graph().parse(data=client.get("/.well-known/void.nt").content, format="nt")
