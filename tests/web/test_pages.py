"""The researcher's pages: home, query UI, evidence cards, sentences, search, ontology, schema, static files."""
from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from jakgraph.build.pipeline import BuiltGraph
from jakgraph.views.gallery import load_examples
from jakgraph.web.templating import STATIC_DIR


def test_home_shows_counts_links_and_figures(client: TestClient) -> None:
    page = client.get("/").text
    for href in ("/query", "/sparql", "/download/", "/ontology", "/.well-known/void", "/figures/figure-1.svg",
                 "/figures/disease-drug-matrix.svg", "/schema"):
        assert f'href="{href}"' in page or f'src="{href}"' in page
    counts = dict((what, int(n)) for n, what in re.findall(r'<span class="n">(\d+)</span><span class="what">([^<]+)</span>', page))
    assert counts["drugs"] == 3  # ruxolitinib, baricitinib, tofacitinib
    assert counts["diseases"] >= 9  # the nine diseases of the letter (plus the group)
    assert counts["treatment evidence statements"] > 0 and counts["sentences of the letter"] > 30
    assert 'href="/statement/savi-baricitinib"' in page


def test_no_page_loads_anything_from_another_host(client: TestClient) -> None:
    for path in ("/", "/query", "/statement/savi-baricitinib", "/ontology", "/download/", "/figures/", "/schema",
                 "/.well-known/void", "/search?q=savi", "/drug/nope"):
        html = client.get(path, headers={"Accept": "text/html"}).text
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html), path
        assert 'name="viewport"' in html


def test_query_page_has_yasgui_and_the_gallery(client: TestClient, built: BuiltGraph) -> None:
    page = client.get("/query").text
    assert '/static/vendor/yasgui/yasgui.min.js' in page and '/static/vendor/yasgui/yasgui.min.css' in page
    examples = load_examples(built.store)
    assert len(examples) >= 15
    for example in examples:
        assert f'data-slug="{example.slug}"' in page
    assert '"endpoint": "/sparql"' in page and '"jak": "https://w3id.org/jakgraph/vocab/"' in page


def test_vendored_yasgui_is_served(client: TestClient) -> None:
    if not (STATIC_DIR / "vendor" / "yasgui" / "yasgui.min.js").is_file():
        pytest.fail("YASGUI is not vendored: run `make vendor` (npm ci + copy into web/static/vendor)")
    response = client.get("/static/vendor/yasgui/yasgui.min.js")
    assert response.status_code == 200 and "javascript" in response.headers["content-type"]
    assert client.get("/static/query.js").status_code == 200


def test_evidence_card_shows_every_part(client: TestClient) -> None:
    page = client.get("/statement/savi-baricitinib").text
    assert "Evidence card" in page
    for text in ("baricitinib", "STING-associated vasculopathy", "STING1", "4 mg/day (&lt;20 kg)",
                 "6 mg/day (20–40 kg)", "10 mg/day (&gt;40 kg)", "mean 2.25 years", "pneumonia",
                 "BK viraemia", "near-normalisation of interferon signature"):
        assert text in page, text
    assert 'class="badge computed"' in page and "0.15–0.3 mg/kg/day" in page  # computed dose, marked
    assert 'id="supporting-text"' in page and "Baricitinib has also been found to be beneficial" in page
    assert 'href="/sentence/p2-s3"' in page and 'href="/reference/7"' in page
    assert "prints no reference number" in page  # references from the adjacent sentence


def test_evidence_card_switches_and_consequences(client: TestClient) -> None:
    page = client.get("/statement/savi-ruxolitinib-largest-cohort").text
    assert "switch of drug" in page and "2 of 8" in page and "tofacitinib" in page
    page = client.get("/statement/copa-baricitinib").text
    assert "6 mg/day" in page and "within 2 months" in page


def test_sentence_page_lists_its_statements(client: TestClient) -> None:
    page = client.get("/sentence/p2-s6").text
    assert "two out of eight patients treated with ruxolitinib" in page
    assert 'href="/statement/savi-ruxolitinib-largest-cohort"' in page
    assert 'href="/sentence/p2-s5"' in page and 'href="/sentence/p2-s7"' in page  # neighbours


def test_entity_page_links_external_identifiers(client: TestClient) -> None:
    page = client.get("/disease/savi").text
    assert 'href="http://purl.obolibrary.org/obo/MONDO_0014405"' in page
    page = client.get("/drug/ruxolitinib").text
    assert 'href="http://purl.obolibrary.org/obo/CHEBI_66919"' in page
    page = client.get("/gene/STING1").text
    assert 'href="https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/27962"' in page  # STING1


def test_search_finds_labels(client: TestClient) -> None:
    page = client.get("/search", params={"q": "tofacitinib savi"}).text
    assert 'href="/statement/savi-tofacitinib"' in page
    assert client.get("/search", params={"q": ""}).status_code == 200


def test_ontology_documents_every_term(client: TestClient, built: BuiltGraph) -> None:
    page = client.get("/ontology", headers={"Accept": "text/html"}).text
    query = """SELECT ?t WHERE { GRAPH <https://w3id.org/jakgraph/graph/ontology> {
                 ?t a ?k FILTER(?k IN (<http://www.w3.org/2002/07/owl#Class>, <http://www.w3.org/2002/07/owl#ObjectProperty>,
                                       <http://www.w3.org/2002/07/owl#DatatypeProperty>)) } }"""
    solutions = built.store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    terms = [row[0].value for row in solutions]
    assert len(terms) > 50
    for term in terms:
        assert f'id="{term.rsplit("/", 1)[-1]}"' in page, term
    assert 'href="/schema"' in page


def test_schema_page(client: TestClient) -> None:
    response = client.get("/schema")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    # docs/schema.md (generated from the shapes, committed) rendered, not the "not generated yet" fallback
    assert '<article class="markdown">' in response.text
    assert "Shared shapes" in response.text and "TreatmentEvidence" in response.text


@pytest.mark.parametrize("path", ["/", "/query", "/download/", "/figures/", "/figures/figure-1.svg", "/schema",
                                  "/.well-known/void", "/ontology", "/search?q=savi", "/static/jakgraph.css"])
def test_head_is_answered_like_get(client: TestClient, path: str) -> None:
    """HEAD gives GET's status and headers (type, length, caching), with no body; only the request id differs."""
    got, head = client.get(path), client.head(path)
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(got.content) > 0
    per_request = {"x-request-id", "date"}
    assert {k: v for k, v in head.headers.items() if k not in per_request} == \
        {k: v for k, v in got.headers.items() if k not in per_request}
