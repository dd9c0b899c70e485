"""Dereferenceable IRIs: content negotiation in every format, extensions, Link/Vary, 404, 406, traversal."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS

from jakgraph.build.pipeline import BuiltGraph
from jakgraph.namespaces import BASE, JAK
from jakgraph.web.linkeddata import negotiate, resolve, safe_path

#: media type -> (rdflib parser, file extension)
RDF_TYPES = {
    "text/turtle": ("turtle", "ttl"),
    "application/ld+json": ("json-ld", "jsonld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("xml", "rdf"),
}
ENTITIES = [
    "drug/ruxolitinib",
    "disease/savi",
    "gene/STING1",
    "statement/savi-baricitinib",
    "sentence/p2-s3",
    "reference/7",
    "dose/savi-baricitinib-max-20-40kg/per-kg",
    "vocab/TreatmentEvidence",
    "example/drugs-used-in-savi",
]


def parse(response, media_type: str) -> Graph:
    graph = Graph()
    graph.parse(data=response.content, format=RDF_TYPES[media_type][0], publicID=BASE)
    return graph


@pytest.mark.parametrize("path", ENTITIES)
@pytest.mark.parametrize("media_type", sorted(RDF_TYPES))
def test_accept_header_gives_each_rdf_format(client: TestClient, path: str, media_type: str) -> None:
    response = client.get(f"/{path}", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["vary"] == "Accept"
    graph = parse(response, media_type)
    subject = URIRef(BASE + path)
    assert (subject, None, None) in graph  # its own description, not just a mention
    # the same description, triple for triple, whatever the format
    assert isomorphic(graph, parse(client.get(f"/{path}", headers={"Accept": "text/turtle"}), "text/turtle"))
    links = response.headers["link"]
    for other in RDF_TYPES:
        assert f'type="{other}"' in links
    assert f'<{BASE}{path}>; rel="canonical"' in links


@pytest.mark.parametrize("path", ENTITIES)
@pytest.mark.parametrize("media_type", sorted(RDF_TYPES))
def test_file_extension_gives_each_rdf_format(client: TestClient, path: str, media_type: str) -> None:
    extension = RDF_TYPES[media_type][1]
    response = client.get(f"/{path}.{extension}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert "vary" not in response.headers  # the extension decides, not the Accept header
    assert len(parse(response, media_type)) > 0


@pytest.mark.parametrize("path", ENTITIES)
def test_browsers_get_the_page(client: TestClient, path: str) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
    response = client.get(f"/{path}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert BASE + path in response.text
    assert client.get(f"/{path}.html").headers["content-type"].startswith("text/html")


def test_q_values_pick_the_preferred_format(client: TestClient) -> None:
    accept = "application/rdf+xml;q=0.5, text/turtle;q=0.9, text/html;q=0.1"
    assert client.get("/drug/baricitinib", headers={"Accept": accept}).headers["content-type"].startswith("text/turtle")
    assert client.get("/drug/baricitinib", headers={"Accept": "text/turtle;q=0, */*;q=0.1"}).headers[
        "content-type"].startswith("text/html")
    assert client.get("/drug/baricitinib", headers={"Accept": "application/json"}).headers[
        "content-type"].startswith("application/ld+json")


def test_unacceptable_type_is_406_naming_the_alternates(client: TestClient) -> None:
    response = client.get("/drug/baricitinib", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.text and "link" in response.headers


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    got = client.get("/drug/baricitinib", headers={"Accept": "text/turtle"})
    response = client.head("/drug/baricitinib", headers={"Accept": "text/turtle"})
    assert response.status_code == got.status_code == 200 and response.content == b""
    assert response.headers["content-type"] == got.headers["content-type"]
    assert response.headers.get("vary") == got.headers.get("vary")
    assert int(response.headers["content-length"]) == len(got.content) > 0


def test_description_is_symmetric_and_bounded(client: TestClient) -> None:
    graph = parse(client.get("/drug/tofacitinib", headers={"Accept": "text/turtle"}), "text/turtle")
    drug = URIRef(BASE + "drug/tofacitinib")
    assert list(graph.objects(drug, RDFS.label)) == [Literal("tofacitinib")]
    assert any(graph.subjects(URIRef(str(JAK["drug"])), drug))  # triples in: statements about the drug
    assert (drug, URIRef(str(JAK["usedToTreat"])), URIRef(BASE + "disease/savi")) in graph


def test_evidence_description_includes_its_parts(client: TestClient) -> None:
    graph = parse(client.get("/statement/savi-baricitinib.ttl"), "text/turtle")
    dose = URIRef(BASE + "dose/savi-baricitinib-max-20-40kg")
    band = URIRef(BASE + "dose/band-20-40kg")
    computed = URIRef(BASE + "dose/savi-baricitinib-max-20-40kg/per-kg")
    assert (dose, URIRef(str(JAK["printedText"])), Literal("6 mg/day (20–40 kg)")) in graph
    assert (band, URIRef(str(JAK["maxValue"])), None) in graph
    assert (computed, URIRef(str(JAK["derivedFrom"])), dose) in graph


def test_jsonld_is_json(client: TestClient) -> None:
    data = json.loads(client.get("/disease/savi.jsonld").content)
    assert any(node.get("@id") == BASE + "disease/savi" for node in data)


def test_the_ontology_iri_serves_the_whole_ontology(client: TestClient) -> None:
    graph = parse(client.get("/ontology", headers={"Accept": "text/turtle"}), "text/turtle")
    assert (URIRef(str(JAK["TreatmentEvidence"])), None, None) in graph
    assert (URIRef(str(JAK["usedToTreat"])), None, None) in graph
    page = client.get("/ontology", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "treatment evidence statement" in page.text


def test_unknown_iri_gets_a_helpful_404_page(client: TestClient) -> None:
    response = client.get("/drug/ruxolitnib", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert 'href="/drug/ruxolitinib"' in response.text  # a suggestion
    assert 'action="/search"' in response.text
    machine = client.get("/drug/ruxolitnib", headers={"Accept": "text/turtle"})
    assert machine.status_code == 404 and BASE + "drug/ruxolitinib" in machine.text
    assert client.get("/nothing-here/at-all").status_code == 404
    assert client.get("/drug/").status_code == 404


@pytest.mark.parametrize("raw", [
    "/drug/%2e%2e/%2e%2e/etc/passwd",
    "/drug/..%2f..%2fpyproject.toml",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/..%2f..%2f..%2fpyproject.toml",
    "/download/..%2fpyproject.toml",
    "/download/%2e%2e",
])
def test_no_path_traversal(client: TestClient, raw: str) -> None:
    response = client.get(raw)
    assert response.status_code == 404
    assert "[project]" not in response.text and "root:" not in response.text


def test_path_checks() -> None:
    assert safe_path("/drug/ruxolitinib") and safe_path("/dose/x/per-kg.ttl")
    for bad in ("/drug/../x", "/drug//x", "/drug/x y", "/a\\b", "", "/" + "a" * 1200):
        assert not safe_path(bad)


def negotiated(header: str | None) -> str:
    """The name of the representation ``negotiate`` picks, which must be one."""
    rep = negotiate(header)
    assert rep is not None, header
    return rep.name


def test_accept_negotiation() -> None:
    """Dereferencing negotiates by the one negotiator's rules (tests/web/test_negotiation.py has the rest)."""
    assert negotiated(None) == "html"
    assert negotiated("text/*") == "html"
    # equal q: the server's order (Turtle before N-Triples), not the order in the header
    assert negotiated("application/n-triples, text/turtle") == "turtle"
    assert negotiated("application/n-triples, text/turtle;q=0.9") == "ntriples"
    assert negotiated("application/json") == "jsonld"  # an alias, named explicitly
    assert negotiated("text/n3") == "turtle"
    assert negotiated("text/html;q=0, */*;q=0.1") == "turtle"
    assert negotiate("image/png") is None


def test_resolve_prefers_the_whole_path(built: BuiltGraph) -> None:
    target = resolve(built.store, "/dose/savi-baricitinib-max-20-40kg/per-kg.rdf")
    assert target is not None and target.forced is not None
    assert target.iri.value.endswith("/per-kg") and target.forced.extension == "rdf"
    assert resolve(built.store, "/drug/nope") is None
