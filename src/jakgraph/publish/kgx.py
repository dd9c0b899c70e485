"""KGX (Biolink) export: ``jakgraph_nodes.tsv`` and ``jakgraph_edges.tsv`` for Translator-style pipelines.

Nodes are identified by the CURIE of their exact match where one exists (MONDO for diseases, CHEBI for
drugs, HGNC for genes, GO for pathways, HP for findings, UniProtKB for proteins), else by their jakgraph
CURIE. Edges: drug ``biolink:applied_to_treat`` disease and drug ``biolink:has_adverse_event`` finding (from
the letter's evidence statements), gene ``biolink:causes`` disease (gene-disease associations), gene
``biolink:participates_in`` pathway and drug ``biolink:affects`` protein with the qualifiers of decreased
activity (background). Each edge carries its knowledge source, publications, knowledge level, agent type
and supporting text. Multi-valued fields are joined with ``|`` as KGX TSV does.
"""
from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from jakgraph.views.describe import curie
from jakgraph.publish.dumps import write_checksum
from jakgraph.namespaces import BASE, PREFIXES
from jakgraph.stores.bridge import select_rows

INFORES = "infores:jakgraph"
NODE_COLUMNS = ("id", "category", "name", "xref", "iri", "provided_by")
EDGE_COLUMNS = (
    "id", "subject", "predicate", "object", "category", "qualified_predicate", "object_aspect_qualifier",
    "object_direction_qualifier", "knowledge_level", "agent_type", "primary_knowledge_source", "publications",
    "supporting_text", "jakgraph_evidence", "jakgraph_source",
)

#: jakgraph class -> Biolink category (most specific first)
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("Drug", "biolink:Drug"),
    ("Disease", "biolink:Disease"),
    ("Gene", "biolink:Gene"),
    ("Protein", "biolink:Protein"),
    ("Pathway", "biolink:Pathway"),
    ("ClinicalFinding", "biolink:PhenotypicFeature"),
)

#: exact-match IRI prefixes -> CURIE prefix, in order of preference
EXTERNAL_IDS: tuple[tuple[str, str], ...] = (
    ("http://purl.obolibrary.org/obo/MONDO_", "MONDO"),
    ("http://purl.obolibrary.org/obo/CHEBI_", "CHEBI"),
    ("https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/", "HGNC"),
    ("http://purl.obolibrary.org/obo/GO_", "GO"),
    ("http://purl.obolibrary.org/obo/HP_", "HP"),
    ("http://purl.uniprot.org/uniprot/", "UniProtKB"),
    ("https://www.ncbi.nlm.nih.gov/gene/", "NCBIGene"),
    ("https://reactome.org/content/detail/", "REACT"),
    ("http://www.orpha.net/ORDO/Orphanet_", "Orphanet"),
    ("https://omim.org/MIM:", "OMIM"),
    ("http://purl.obolibrary.org/obo/DOID_", "DOID"),
    ("https://go.drugbank.com/drugs/", "DRUGBANK"),
    ("https://pubchem.ncbi.nlm.nih.gov/compound/", "PUBCHEM.COMPOUND"),
    ("https://www.ebi.ac.uk/chembl/compound/inspect/", "CHEMBL.COMPOUND"),
)
#: only these may stand as a node's id (the rest go to xref)
ID_PREFIXES = ("MONDO", "CHEBI", "HGNC", "GO", "HP", "UniProtKB")


@dataclass(frozen=True)
class EdgeKind:
    name: str
    predicate: str
    query: str
    knowledge_level: str = "knowledge_assertion"
    agent_type: str = "manual_agent"
    qualifiers: tuple[str, str, str] = ("", "", "")  # qualified predicate, aspect, direction
    category: str = "biolink:Association"


# Each query binds ?subject ?object and optionally ?evidence ?text ?ref ?source.
EDGE_KINDS: tuple[EdgeKind, ...] = (
    EdgeKind("applied-to-treat", "biolink:applied_to_treat", """
        SELECT ?subject ?object ?evidence ?text ?ref ?source WHERE {
          ?evidence a jak:TreatmentEvidence ; jak:drug ?subject ; jak:disease ?object .
          OPTIONAL { ?evidence jak:supportingText ?text }
          OPTIONAL { ?evidence jak:citesReference ?ref }
          OPTIONAL { ?evidence jak:statedIn ?source }
        }""", category="biolink:ChemicalOrDrugOrTreatmentToDiseaseOrPhenotypicFeatureAssociation"),
    EdgeKind("has-adverse-event", "biolink:has_adverse_event", """
        SELECT ?subject ?object ?evidence ?text ?ref ?source WHERE {
          ?statement a jak:TreatmentEvidence ; jak:drug ?subject ; jak:adverseEvent ?evidence .
          ?evidence jak:finding ?object .
          OPTIONAL { ?evidence jak:supportingText ?text }
          OPTIONAL { ?evidence jak:citesReference ?ref }
          OPTIONAL { ?evidence jak:statedIn ?source }
        }""", category="biolink:ChemicalOrDrugOrTreatmentAdverseEventAssociation"),
    EdgeKind("causes", "biolink:causes", """
        SELECT ?subject ?object ?evidence ?text ?ref ?source WHERE {
          ?evidence a jak:GeneDiseaseAssociation ; jak:gene ?subject ; jak:disease ?object .
          OPTIONAL { ?evidence jak:supportingText ?text }
          OPTIONAL { ?evidence jak:citesReference ?ref }
          OPTIONAL { ?evidence jak:statedIn|jak:backgroundSource ?source }
        }""", category="biolink:CausalGeneToDiseaseAssociation"),
    EdgeKind("participates-in", "biolink:participates_in", """
        SELECT ?subject ?object ?evidence ?source WHERE {
          ?subject jak:participatesIn ?object .
          OPTIONAL { ?evidence a jak:PathwayMembership ; jak:gene ?subject ; jak:pathway ?object .
                     OPTIONAL { ?evidence jak:backgroundSource ?source } }
        }""", category="biolink:GeneToPathwayAssociation"),
    EdgeKind("affects-activity", "biolink:affects", """
        SELECT ?subject ?object ?evidence ?source WHERE {
          ?subject jak:inhibits ?object .
          OPTIONAL { ?evidence a jak:DrugTargetAssertion ; jak:drug ?subject ; jak:target ?object .
                     OPTIONAL { ?evidence jak:backgroundSource ?source } }
        }""", qualifiers=("biolink:causes", "activity", "decreased"),
        category="biolink:ChemicalAffectsGeneAssociation"),
)


def external_curie(iri: str) -> tuple[str, str] | None:
    for prefix, name in EXTERNAL_IDS:
        if iri.startswith(prefix):
            return name, f"{name}:{iri[len(prefix):]}"
    return None


@dataclass
class Node:
    iri: str
    id: str
    category: str
    name: str
    xrefs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def nodes(store: ox.Store) -> dict[str, Node]:
    """Every drug, disease, gene, protein, pathway and finding, keyed by IRI."""
    found: dict[str, Node] = {}
    for cls, category in CATEGORIES:
        query = f"""SELECT ?s ?label WHERE {{ ?s a/rdfs:subClassOf* jak:{cls} . FILTER(isIRI(?s))
                    OPTIONAL {{ ?s rdfs:label ?label }} }}"""
        for row in select_rows(store, query):
            iri = row["s"].value
            if iri in found:
                continue
            label = row["label"].value if "label" in row else curie(iri)
            found[iri] = Node(iri, curie(iri), category, label)
    for node in found.values():
        matches = [q.object.value for q in store.quads_for_pattern(
            ox.NamedNode(node.iri), ox.NamedNode(PREFIXES["skos"] + "exactMatch"), None, None)
            if isinstance(q.object, ox.NamedNode)]
        curies = [c for c in (external_curie(m) for m in sorted(set(matches))) if c]
        for preferred in ID_PREFIXES:
            pick = next((c for p, c in curies if p == preferred), None)
            if pick:
                node.id = pick
                break
        node.xrefs = [c for _, c in curies if c != node.id] + ([curie(node.iri)] if node.id != curie(node.iri) else [])
        node.sources = sorted({curie(q.object.value) for q in store.quads_for_pattern(
            ox.NamedNode(node.iri), ox.NamedNode(PREFIXES["jak"] + "backgroundSource"), None, None)})
    return found


def _publication(store: ox.Store, iri: str) -> str:
    """A reference as DOI or PMID CURIE when the graph has one, else its jakgraph CURIE."""
    node = ox.NamedNode(iri)
    for prop, prefix in (("pmid", "PMID"), ("doi", "doi")):
        for q in store.quads_for_pattern(node, ox.NamedNode(PREFIXES["jak"] + prop), None, None):
            return f"{prefix}:{q.object.value}"
    return curie(iri)


@dataclass
class Edge:
    kind: EdgeKind
    subject: str
    object: str
    evidence: set[str] = field(default_factory=set)
    texts: set[str] = field(default_factory=set)
    publications: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)


def edges(store: ox.Store, known: dict[str, Node]) -> list[Edge]:
    found: dict[tuple[str, str, str], Edge] = {}
    for kind in EDGE_KINDS:
        for row in select_rows(store, kind.query):
            s, o = row["subject"].value, row["object"].value
            if s not in known or o not in known:
                continue
            edge = found.setdefault((kind.name, s, o), Edge(kind, s, o))
            if "evidence" in row:
                edge.evidence.add(curie(row["evidence"].value))
            if "text" in row:
                edge.texts.add(row["text"].value)
            if "ref" in row:
                edge.publications.add(_publication(store, row["ref"].value))
            if "source" in row:
                edge.sources.add(curie(row["source"].value))
                if row["source"].value.startswith(BASE + "publication/"):
                    edge.publications.add(_publication(store, row["source"].value))
    return sorted(found.values(), key=lambda e: (e.kind.name, e.subject, e.object))


def _clean(value: str) -> str:
    return " ".join(value.replace("|", "/").split())


def _join(values: Iterable[str]) -> str:
    return "|".join(sorted(_clean(v) for v in values if v))


def node_rows(found: dict[str, Node]) -> list[dict[str, str]]:
    return [{"id": n.id, "category": n.category, "name": _clean(n.name), "xref": _join(n.xrefs), "iri": n.iri,
             "provided_by": INFORES} for n in sorted(found.values(), key=lambda n: n.id)]


def edge_rows(found: dict[str, Node], edge_list: list[Edge]) -> list[dict[str, str]]:
    rows = []
    for e in edge_list:
        subject, obj = found[e.subject].id, found[e.object].id
        qualified, aspect, direction = e.kind.qualifiers
        digest = hashlib.sha1(f"{subject}|{e.kind.predicate}|{obj}".encode()).hexdigest()[:16]
        rows.append({
            "id": f"urn:jakgraph:edge:{digest}",
            "subject": subject, "predicate": e.kind.predicate, "object": obj, "category": e.kind.category,
            "qualified_predicate": qualified, "object_aspect_qualifier": aspect,
            "object_direction_qualifier": direction,
            "knowledge_level": e.kind.knowledge_level, "agent_type": e.kind.agent_type,
            "primary_knowledge_source": INFORES,
            "publications": _join(e.publications), "supporting_text": _join(e.texts),
            "jakgraph_evidence": _join(e.evidence), "jakgraph_source": _join(e.sources),
        })
    return rows


def _write_tsv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, delimiter="\t", quoting=csv.QUOTE_NONE,
                                escapechar=None, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_kgx(store: ox.Store, folder: Path, basename: str = "jakgraph") -> list[Path]:
    """Write ``<basename>_nodes.tsv`` and ``<basename>_edges.tsv`` (each with a ``.sha256``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    found = nodes(store)
    edge_list = edges(store, found)
    nodes_path, edges_path = folder / f"{basename}_nodes.tsv", folder / f"{basename}_edges.tsv"
    _write_tsv(nodes_path, NODE_COLUMNS, node_rows(found))
    _write_tsv(edges_path, EDGE_COLUMNS, edge_rows(found, edge_list))
    for path in (nodes_path, edges_path):
        write_checksum(path)
    return [nodes_path, edges_path]
