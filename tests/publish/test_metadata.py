"""One release, named the same by every artefact; the home page's schema.org Dataset parses and is complete."""
from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL

from jakgraph import __version__, paths
from jakgraph.build.pipeline import BuiltGraph
from jakgraph.namespaces import ONTOLOGY_GRAPH, ONTOLOGY_IRI
from jakgraph.publish import metadata

SCHEMA = "https://schema.org/"
ROOT = paths.ROOT


def test_the_version_has_one_source() -> None:
    import tomllib

    assert metadata.VERSION == __version__
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "jakgraph.__version__"}
    # the ontology file carries no version of its own: the build stamps it
    ontology_file = Graph().parse(paths.ONTOLOGY_DIR / "jakgraph.ttl", format="turtle")
    assert not list(ontology_file.triples((ONTOLOGY_IRI, OWL.versionInfo, None)))
    assert not list(ontology_file.triples((ONTOLOGY_IRI, OWL.versionIRI, None)))


def test_changelog_names_the_release() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.findall(r"^## \[(\d[^\]]*)\] - (\d{4}-\d{2}-\d{2})$", text, re.M)
    assert released and released[0] == (__version__, metadata.RELEASE_DATE.isoformat())


def test_citation_cff_carries_the_version() -> None:
    cff = ROOT / "CITATION.cff"
    if not cff.is_file():
        pytest.skip("no CITATION.cff in this checkout")
    import yaml

    assert str(yaml.safe_load(cff.read_text(encoding="utf-8"))["version"]) == __version__


@pytest.mark.slow
def test_every_artefact_names_the_release(built: BuiltGraph, tmp_path: Path) -> None:
    from jakgraph.publish.kgx import write_kgx
    from jakgraph.publish.nanopub import build_nanopubs
    from jakgraph.publish.sssom import write_sssom
    from jakgraph.publish.void import build_void
    from jakgraph.settings import Settings

    # the ontology, as built
    onto = built.dataset.graph(ONTOLOGY_GRAPH)
    assert (ONTOLOGY_IRI, OWL.versionIRI, URIRef(metadata.ontology_version_iri())) in onto
    assert (ONTOLOGY_IRI, OWL.versionInfo, Literal(__version__)) in onto
    assert metadata.ontology_version_iri().endswith(f"/releases/{__version__}/ontology")
    # VoID / DCAT
    void = build_void(built.store, Settings(), tmp_path)
    assert str(next(void.objects(None, URIRef("http://www.w3.org/ns/dcat#version")))) == __version__
    # KGX graph metadata
    kgx_meta = write_kgx(built.store, tmp_path)[2]
    assert json.loads(kgx_meta.read_text())["version"] == __version__
    # nanopublication publication info
    index = build_nanopubs(built.store)[-1]
    assert list(index.dataset.quads((URIRef(metadata.release_iri()), OWL.versionInfo, Literal(__version__), None)))
    # SSSOM metadata block
    sssom = write_sssom(built.store, tmp_path / "m.sssom.tsv").read_text(encoding="utf-8")
    assert f"# mapping_set_version: {__version__}" in sssom.splitlines()


def _jsonld_blocks(html: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


@pytest.mark.server
def test_home_page_dataset_jsonld_parses_with_rdflib(live_server) -> None:
    with urllib.request.urlopen(live_server.base, timeout=60) as response:
        html = response.read().decode("utf-8")
    blocks = [b for b in _jsonld_blocks(html) if b.get("@type") == "Dataset"]
    assert len(blocks) == 1
    block = blocks[0]
    assert block["@context"] == SCHEMA
    # rdflib cannot fetch schema.org's remote context offline: the same terms under an inline @vocab
    offline = {**block, "@context": {"@vocab": SCHEMA}}
    graph = Graph().parse(data=json.dumps(offline), format="json-ld")
    dataset = URIRef(block["@id"])
    assert (dataset, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef(SCHEMA + "Dataset")) in graph
    for prop in ("name", "description", "license", "creator", "version", "distribution", "isBasedOn", "url"):
        assert list(graph.objects(dataset, URIRef(SCHEMA + prop))), prop
    assert str(next(graph.objects(dataset, URIRef(SCHEMA + "version")))) == __version__
    urls = {str(o) for d in graph.objects(dataset, URIRef(SCHEMA + "distribution"))
            for o in graph.objects(d, URIRef(SCHEMA + "contentUrl"))}
    from jakgraph.publish.void import dumps

    expected = {d.name for d in dumps(paths.DIST_DIR)}
    assert expected and {u.rsplit("/", 1)[-1] for u in urls if "/download/" in u} == expected
    assert any(u.endswith("/sparql") for u in urls)
    letter = next(graph.objects(dataset, URIRef(SCHEMA + "isBasedOn")))
    assert str(letter) == metadata.LETTER_IRI
    assert "doi.org" not in json.dumps(block["isBasedOn"])  # the letter's DOI is not in the checked tables


@pytest.mark.slow
def test_exchange_doc_is_generated_from_the_graph(built: BuiltGraph) -> None:
    """docs/exchange.md is what the exporters produce now (regenerate: python -m jakgraph.publish.exchange_doc)."""
    from jakgraph.publish.exchange_doc import DOC_PATH, render

    expected = render(built.store)
    assert DOC_PATH.read_text(encoding="utf-8") == expected, "run python -m jakgraph.publish.exchange_doc"
    for needle in ("```trig", "disease:savi\tSTING-associated", "| `predicate` | biolink:applied_to_treat |",
                   "sssom validate", "python -m jakgraph.publish.kgx", "python -m jakgraph.publish.nanopub"):
        assert needle in expected
