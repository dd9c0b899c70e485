"""The evidence model's conventions, checked on the curated graph (issue 11): one home for each kind of fact.

- how many patients (count, cohort total, proportion) is said only on patient groups, and every outcome and
  adverse event points at the group it concerns;
- no outcome, adverse event, duration, safety statement or patient group hangs off two treatment statements
  of different drugs, so per-drug queries cannot count one observation twice;
- a drug not named in a node's sentence is read only from a sentence on the same report that names it, and
  the node says so (jak:drugFromContext true and a note naming that sentence);
- every finding an outcome or adverse event uses sits in the findings hierarchy, and the groups the issue asks
  for are hierarchy queries.
"""
from __future__ import annotations

import re

import pytest
from rdflib import RDF, Literal
from rdflib.namespace import SKOS

from jakgraph.build.letter import letter_sentences
from jakgraph.namespaces import BACKGROUND_GRAPH, DRUG, FINDING, JAK, LETTER_GRAPH, PREFIXES

SENTENCES = {s.key: s.text for s in letter_sentences()}
DRUG_NAMES = ("ruxolitinib", "baricitinib", "tofacitinib")
PARTS = (JAK.outcome, JAK.adverseEvent, JAK.duration, JAK.safetyStatement, JAK.treatmentSwitch, JAK.patientGroup,
         JAK.dose)


@pytest.fixture(scope="module")
def letter(built):
    return built.dataset.graph(LETTER_GRAPH)


def key(graph, node) -> str:
    return str(graph.value(node, JAK.inSentence)).rsplit("/", 1)[-1]


def test_counts_and_proportions_live_on_patient_groups(letter) -> None:
    for prop in (JAK.patientCount, JAK.cohortTotal, JAK.proportion):
        for node in letter.subjects(prop, None):
            assert (node, RDF.type, JAK.PatientGroup) in letter, f"{node} carries {prop.n3()} but is no patient group"
    for kind in (JAK.Outcome, JAK.AdverseEvent):
        for node in letter.subjects(RDF.type, kind):
            assert (node, JAK.patientGroup, None) in letter, f"{node} points at no patient group"


def test_no_part_is_shared_between_two_drugs(letter) -> None:
    for prop in PARTS:
        for part in set(letter.objects(None, prop)):
            statements = [s for s in letter.subjects(prop, part) if (s, RDF.type, JAK.TreatmentEvidence) in letter]
            drugs = {letter.value(s, JAK.drug) for s in statements}
            # the same patients on one drug after another (jak:afterTreatment) are one group: p2-s5's child
            sequential = prop == JAK.patientGroup and any(
                (a, JAK.afterTreatment, b) in letter for a in statements for b in statements)
            assert len(drugs) <= 1 or sequential, f"{part} hangs off statements of {sorted(drugs)}"


def test_a_per_drug_count_of_copa_patients_stabilised_gives_one_each(built) -> None:
    # p4-s1 "two adolescent girls … respectively", p4-s3 "Stabilisation of restrictive lung disease was noted in both"
    rows = built.store.query("""
        SELECT ?drug (SUM(?n) AS ?patients) WHERE {
          ?s a jak:TreatmentEvidence ; jak:drug ?drug ; jak:disease disease:copa-syndrome ; jak:outcome ?o .
          ?o jak:outcomeType jak:Stabilisation ; jak:patientGroup/jak:patientCount ?n .
        } GROUP BY ?drug""", use_default_graph_as_union=True,
        prefixes={"jak": str(JAK), "disease": "https://w3id.org/jakgraph/disease/"})
    assert {(r["drug"].value, int(r["patients"].value)) for r in rows} == {
        (str(DRUG.baricitinib), 1), (str(DRUG.ruxolitinib), 1)}


def test_a_per_target_switch_query_counts_no_one_twice(built) -> None:
    # p2-s6 "two out of eight … switched over to tofacitinib or baricitinib": no drug is a definite target
    rows = list(built.store.query(
        "SELECT ?to WHERE { ?s a jak:TreatmentSwitch ; jak:switchTo ?to }", prefixes={"jak": str(JAK)},
        use_default_graph_as_union=True))
    assert rows == []
    rows = list(built.store.query("""
        SELECT ?drug ?n ?total WHERE { ?s a jak:TreatmentSwitch ; jak:switchToOneOf/jak:anyOf ?drug ;
          jak:patientGroup ?g . ?g jak:patientCount ?n ; jak:cohortTotal ?total }""",
        prefixes={"jak": str(JAK)}, use_default_graph_as_union=True))
    assert {r["drug"].value for r in rows} == {str(DRUG.tofacitinib), str(DRUG.baricitinib)}
    assert {(int(r["n"].value), int(r["total"].value)) for r in rows} == {(2, 8)}


def test_a_drug_not_in_the_sentence_is_read_from_the_same_report_and_flagged(letter) -> None:
    flagged = 0
    for node in set(letter.subjects(JAK.inSentence, None)):
        statements = [node] if (node, JAK.drug, None) in letter else [
            s for p in PARTS for s in letter.subjects(p, node) if (s, JAK.drug, None) in letter]
        if not statements or (node, RDF.type, JAK.PatientGroup) in letter:
            continue
        here = SENTENCES[key(letter, node)].lower()
        if any(name in here for name in DRUG_NAMES):
            assert (node, JAK.drugFromContext, Literal(True)) not in letter, f"{node}: its sentence names the drug"
            continue
        flagged += 1
        assert (node, JAK.drugFromContext, Literal(True)) in letter, f"{node}: drug not in {key(letter, node)}, not flagged"
        notes = " ".join(str(n) for n in letter.objects(node, JAK.curationNote))
        sources = set(re.findall(r"p\d-s\d+", notes)) - {key(letter, node)}
        assert sources, f"{node}: the note names no sentence the drug was read from"
        node_refs = set(letter.objects(node, JAK.citesReference))
        for source in sources:
            assert any(name in SENTENCES[source].lower() for name in DRUG_NAMES), f"{node}: {source} names no drug"
        for statement in statements:
            assert node_refs & set(letter.objects(statement, JAK.citesReference)), f"{node}: not the same report"
    assert flagged >= 30


def test_a_sentence_naming_no_drug_on_its_own_report_gets_no_drug(letter) -> None:
    # p3-s5: the PSMG2 patient of reference 10; no sentence on reference 10 names a drug
    unnamed = list(letter.subjects(RDF.type, JAK.UnnamedDrugTreatment))
    assert [key(letter, s) for s in unnamed] == ["p3-s5"]
    assert all((s, JAK.drug, None) not in letter and (s, RDF.type, JAK.TreatmentEvidence) not in letter for s in unnamed)


def test_the_first_drug_of_the_savi_child_is_not_said_to_be_stopped(letter) -> None:
    # p2-s5 "Baricitinib has been found to be useful in a child who did not initially respond to ruxolitinib."
    assert not [s for s in letter.subjects(RDF.type, JAK.TreatmentSwitch) if key(letter, s) == "p2-s5"]
    after = [(s, o) for s, o in letter.subject_objects(JAK.afterTreatment)]
    assert len(after) == 1
    later, earlier = after[0]
    assert letter.value(later, JAK.drug) == DRUG.baricitinib and letter.value(earlier, JAK.drug) == DRUG.ruxolitinib
    types = {letter.value(o, JAK.outcomeType) for o in letter.objects(earlier, JAK.outcome)}
    assert types == {JAK.NoInitialResponse}


def test_every_finding_in_use_sits_in_the_hierarchy(built) -> None:
    background = built.dataset.graph(BACKGROUND_GRAPH)
    letter = built.dataset.graph(LETTER_GRAPH)
    used = set(letter.objects(None, JAK.finding)) | set(letter.objects(None, JAK.indication))
    roots = {f for f in used if (f, SKOS.broader, None) not in background}
    # the findings no group fits: unspecified adverse events, the letter's general claims, fever, the organ findings
    assert {str(f).rsplit("/", 1)[-1] for f in roots} <= {
        "adverse-events-unspecified", "presentation-in-children", "fever", "organomegaly", "lymphadenopathy",
        "autoimmunity", "skin-disease", "lung-disease", "joint-disease"}


@pytest.mark.parametrize(("group", "expected"), [
    ("bk-virus-infection", {"bk-virus-infection", "bk-viruria", "bk-viraemia", "bk-virus-nephropathy"}),
    ("infection", {"severe-viral-infection", "bk-viruria", "bk-viraemia", "bk-virus-nephropathy", "pneumonia",
                   "osteomyelitis", "herpes-zoster", "influenza", "haemophilus-bacteraemia",
                   "clostridium-difficile-colitis", "chronic-mucocutaneous-candidiasis", "infection", "viral-infection",
                   "bk-virus-infection", "bacterial-infection", "fungal-infection"}),
])
def test_groups_of_findings_are_hierarchy_queries(built, group: str, expected: set[str]) -> None:
    rows = built.store.query(f"SELECT ?f WHERE {{ ?f skos:broader* <{FINDING[group]}> }}",
                             prefixes={"skos": str(SKOS)}, use_default_graph_as_union=True)
    assert {r["f"].value.rsplit("/", 1)[-1] for r in rows} == expected



def test_every_term_a_result_can_return_has_a_label(built) -> None:
    # identifiers in other resources (skos:*Match, sameAs, web pages, the licence) are links out, not terms
    rows = list(built.store.query("""
        SELECT DISTINCT ?o WHERE {
          VALUES ?g { graph:letter graph:background graph:derived graph:ontology }
          GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?o))
          FILTER(?p NOT IN (skos:exactMatch, skos:closeMatch, skos:broadMatch, skos:narrowMatch, skos:relatedMatch,
                            owl:sameAs, schema:sameAs, owl:versionIRI, jak:describedBy, dcterms:license, rdfs:isDefinedBy))
          FILTER NOT EXISTS { ?o rdfs:label ?label }
        }""", use_default_graph_as_union=True, prefixes={**PREFIXES, "owl": "http://www.w3.org/2002/07/owl#"}))
    assert not rows, f"terms without a label: {sorted(r['o'].value for r in rows)}"
