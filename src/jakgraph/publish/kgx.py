"""KGX (Biolink) export: ``jakgraph_nodes.tsv`` and ``jakgraph_edges.tsv`` for Translator-style pipelines.

Nodes are identified by the CURIE of their exact match where one exists (MONDO for diseases, CHEBI for
drugs, HGNC for genes, GO for pathways, HP for findings, UniProtKB for proteins), else by their jakgraph
CURIE. Edges: drug ``biolink:applied_to_treat`` disease and drug ``biolink:has_adverse_event`` finding (from
the letter's evidence statements), gene ``biolink:causes`` disease (gene-disease associations), gene
``biolink:participates_in`` pathway and drug ``biolink:affects`` protein with the qualifiers of decreased
activity (background). Each edge carries its knowledge source, publications (PMID/DOI only, as the checked
tables give them; the letter's reference numbers go to ``jakgraph_references``), evidence type (ECO),
knowledge level, agent type and supporting text. Multi-valued fields are joined with ``|`` as KGX TSV does.

Why a validator of our own making is not used: the files are checked against the Biolink model itself
(:func:`validate_kgx`), offline, with the model version pinned by the ``biolink-model`` package: each row
is instantiated as the model's own pydantic class for its category (required slots, enums, no slot the
model does not define), and ``bmt`` (on the packaged schema) checks categories, predicates and CURIE
prefixes. ``kgx validate`` itself cannot run offline: importing ``kgx.validator`` builds a ``bmt``
Toolkit that downloads the model from GitHub. Columns named ``jakgraph_*`` are jakgraph's extensions
and are not Biolink slots; the validator skips them by that name.
"""
from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from jakgraph.namespaces import BASE, PREFIXES, curie
from jakgraph.publish import metadata
from jakgraph.publish.checksum import write_checksum
from jakgraph.stores.bridge import select_rows

INFORES = metadata.INFORES
NODE_COLUMNS = ("id", "category", "name", "xref", "iri", "provided_by")
EDGE_COLUMNS = (
    "id", "subject", "predicate", "object", "category", "qualified_predicate", "object_aspect_qualifier",
    "object_direction_qualifier", "knowledge_level", "agent_type", "primary_knowledge_source", "publications",
    "has_evidence", "supporting_text", "jakgraph_evidence", "jakgraph_references", "jakgraph_source",
)
#: columns that are jakgraph's own, not Biolink slots (the validator skips exactly these)
EXTENSION_PREFIX = "jakgraph_"

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


# Each query binds ?subject ?object and optionally ?evidence ?text ?ref ?source ?eco.
EDGE_KINDS: tuple[EdgeKind, ...] = (
    EdgeKind("applied-to-treat", "biolink:applied_to_treat", """
        SELECT ?subject ?object ?evidence ?text ?ref ?source ?eco WHERE {
          ?evidence a jak:TreatmentEvidence ; jak:drug ?subject ; jak:disease ?object .
          OPTIONAL { ?evidence jak:evidenceType ?eco }
          OPTIONAL { ?evidence jak:supportingText ?text }
          OPTIONAL { ?evidence jak:citesReference ?ref }
          OPTIONAL { ?evidence jak:statedIn ?source }
        }""", category="biolink:ChemicalOrDrugOrTreatmentToDiseaseOrPhenotypicFeatureAssociation"),
    EdgeKind("has-adverse-event", "biolink:has_adverse_event", """
        SELECT ?subject ?object ?evidence ?text ?ref ?source ?eco WHERE {
          ?statement a jak:TreatmentEvidence ; jak:drug ?subject ; jak:adverseEvent ?evidence .
          ?evidence jak:finding ?object .
          OPTIONAL { ?statement jak:evidenceType ?eco }
          OPTIONAL { ?evidence jak:supportingText ?text }
          OPTIONAL { ?evidence jak:citesReference ?ref }
          OPTIONAL { ?evidence jak:statedIn ?source }
        }""", category="biolink:ChemicalOrDrugOrTreatmentAdverseEventAssociation"),
    EdgeKind("causes", "biolink:causes", """
        SELECT ?subject ?object ?evidence ?text ?ref ?source ?eco WHERE {
          ?evidence a jak:GeneDiseaseAssociation ; jak:gene ?subject ; jak:disease ?object .
          OPTIONAL { ?evidence jak:evidenceType ?eco }
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
        if node.category == "biolink:PhenotypicFeature" and node.id.startswith("MONDO:"):
            node.category = "biolink:Disease"  # a finding matched to a MONDO disease is a Biolink disease
        node.xrefs = [c for _, c in curies if c != node.id] + ([curie(node.iri)] if node.id != curie(node.iri) else [])
        node.sources = sorted({curie(q.object.value) for q in store.quads_for_pattern(
            ox.NamedNode(node.iri), ox.NamedNode(PREFIXES["jak"] + "backgroundSource"), None, None)
            if isinstance(q.object, ox.NamedNode)})
    return found


def _publication(store: ox.Store, iri: str) -> str | None:
    """A reference as PMID or DOI CURIE when the graph has one (from the checked tables), else None."""
    node = ox.NamedNode(iri)
    for prop, prefix in (("pmid", "PMID"), ("doi", "doi")):
        for q in store.quads_for_pattern(node, ox.NamedNode(PREFIXES["jak"] + prop), None, None):
            if not isinstance(q.object, ox.Triple):
                return f"{prefix}:{q.object.value}"
    return None


@dataclass
class Edge:
    kind: EdgeKind
    subject: str
    object: str
    evidence: set[str] = field(default_factory=set)
    texts: set[str] = field(default_factory=set)
    publications: set[str] = field(default_factory=set)
    references: set[str] = field(default_factory=set)
    evidence_types: set[str] = field(default_factory=set)
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
            if "eco" in row:
                edge.evidence_types.add(curie(row["eco"].value))
            if "ref" in row:
                edge.references.add(curie(row["ref"].value))
                edge.publications.add(_publication(store, row["ref"].value) or "")
            if "source" in row:
                edge.sources.add(curie(row["source"].value))
                if row["source"].value.startswith(BASE + "publication/"):
                    edge.publications.add(_publication(store, row["source"].value) or "")
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
            "publications": _join(e.publications), "has_evidence": _join(e.evidence_types),
            "supporting_text": _join(e.texts), "jakgraph_evidence": _join(e.evidence),
            "jakgraph_references": _join(e.references), "jakgraph_source": _join(e.sources),
        })
    return rows


def _write_tsv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, delimiter="\t", quoting=csv.QUOTE_NONE,
                                escapechar=None, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def biolink_version() -> str:
    """The Biolink model version the files are checked against: the installed ``biolink-model`` package's."""
    from importlib.metadata import version

    return version("biolink-model")


def graph_metadata(node_count: int, edge_count: int, basename: str = "jakgraph") -> dict[str, object]:
    """The KGX graph metadata: what the two files are, which release, which Biolink version, which prefixes."""
    local = {name: iri for name, iri in PREFIXES.items() if iri.startswith(BASE)}
    return {
        "id": BASE,
        "name": metadata.TITLE,
        "version": metadata.VERSION,
        "release": metadata.release_iri(),
        "license": metadata.LICENSE,
        "provided_by": INFORES,
        "biolink_version": biolink_version(),
        "files": {"nodes": f"{basename}_nodes.tsv", "edges": f"{basename}_edges.tsv"},
        "node_count": node_count,
        "edge_count": edge_count,
        "curie_map": local,
    }


def write_kgx(store: ox.Store, folder: Path, basename: str = "jakgraph") -> list[Path]:
    """Write ``<basename>_nodes.tsv``, ``<basename>_edges.tsv`` and ``<basename>_kgx_metadata.json`` (each with
    a ``.sha256``) into ``folder``."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    found = nodes(store)
    edge_list = edges(store, found)
    nodes_path, edges_path = folder / f"{basename}_nodes.tsv", folder / f"{basename}_edges.tsv"
    meta_path = folder / f"{basename}_kgx_metadata.json"
    node_table, edge_table = node_rows(found), edge_rows(found, edge_list)
    _write_tsv(nodes_path, NODE_COLUMNS, node_table)
    _write_tsv(edges_path, EDGE_COLUMNS, edge_table)
    meta_path.write_text(json.dumps(graph_metadata(len(node_table), len(edge_table), basename), indent=2,
                                    sort_keys=True) + "\n", encoding="utf-8")
    for path in (nodes_path, edges_path, meta_path):
        write_checksum(path)
    return [nodes_path, edges_path, meta_path]


# ---- validation against the Biolink model (offline) -------------------------------------------------------

def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@dataclass(frozen=True)
class Problem:
    file: str
    row: int          # 1-based data row
    message: str

    def __str__(self) -> str:
        return f"{self.file} row {self.row}: {self.message}"


def _toolkit():  # noqa: ANN202 - bmt.Toolkit
    """``bmt`` on the schema the ``biolink-model`` package ships (no download; no predicate mappings needed)."""
    from importlib.resources import files

    from bmt import Toolkit  # lazy: bmt brings linkml and the Biolink schema, needed only to validate

    schema = files("biolink_model") / "schema" / "biolink_model.yaml"
    return Toolkit(schema=str(schema), predicate_map={"predicate mappings": []})


def _biolink_prefixes() -> set[str]:
    import json
    from importlib.resources import files

    text = (files("biolink_model") / "prefixmaps" / "biolink-model-prefix-map.json").read_text(encoding="utf-8")
    return set(json.loads(text))


def _instance(model_class, row: dict[str, str]) -> dict[str, object]:  # noqa: ANN001 - a pydantic class
    """A TSV row as the model's class takes it: extension columns and empty cells left out, lists split."""
    from typing import get_args, get_origin

    out: dict[str, object] = {}
    for key, value in row.items():
        if not value or key.startswith(EXTENSION_PREFIX):
            continue
        field_info = model_class.model_fields.get(key)
        annotation = field_info.annotation if field_info is not None else None
        is_list = get_origin(annotation) is list or any(get_origin(a) is list for a in get_args(annotation))
        out[key] = value.split("|") if is_list else value
    return out


def validate_kgx(nodes_path: Path, edges_path: Path) -> list[Problem]:
    """Every way the two files break the Biolink model (empty when they conform)."""
    # lazy: biolink-model's pydantic classes (and pydantic) are needed only to validate
    from biolink_model.datamodel import pydanticmodel_v2 as model
    from pydantic import ValidationError

    tk = _toolkit()
    biolink_prefixes = _biolink_prefixes()
    # node ids may be jakgraph's own CURIEs (declared in the graph metadata's curie_map); nothing else may
    local_prefixes = {name for name, iri in PREFIXES.items() if iri.startswith(BASE)}
    problems: list[Problem] = []

    def check_curie(file: str, i: int, slot: str, value: str, *, local: bool = False) -> None:
        prefix = value.split(":", 1)[0] if ":" in value else None
        if prefix is None or prefix not in (biolink_prefixes | local_prefixes if local else biolink_prefixes):
            problems.append(Problem(file, i, f"{slot} {value!r}: prefix not in the Biolink prefix map"))

    def instantiate(file: str, i: int, category: str, row: dict[str, str], *, edge: bool = False) -> None:
        if not (tk.is_association(category) if edge else tk.is_category(category)):
            kind = "association" if edge else "category"
            problems.append(Problem(file, i, f"category {category!r} is not a Biolink {kind}"))
        cls = getattr(model, category.split(":", 1)[-1], None)
        if cls is None:
            problems.append(Problem(file, i, f"no Biolink class for {category!r}"))
            return
        try:
            cls(**_instance(cls, row))
        except ValidationError as err:
            for e in err.errors():
                where = ".".join(str(x) for x in e["loc"])
                problems.append(Problem(file, i, f"{category} {where}: {e['msg']}"))

    node_rows_read = read_tsv(nodes_path)
    ids: dict[str, str] = {}
    for i, row in enumerate(node_rows_read, 1):
        instantiate(nodes_path.name, i, row["category"], row)
        check_curie(nodes_path.name, i, "id", row["id"], local=True)
        ids[row["id"]] = row["category"]
        prefix = row["id"].split(":", 1)[0]
        element = tk.get_element(row["category"])
        local = prefix in PREFIXES and PREFIXES[prefix].startswith(BASE)
        if element is not None and element.id_prefixes and not local and prefix not in element.id_prefixes:
            problems.append(Problem(nodes_path.name, i, f"id prefix {prefix} is not one of {row['category']}'s"))
    for i, row in enumerate(read_tsv(edges_path), 1):
        instantiate(edges_path.name, i, row["category"], row, edge=True)
        if not tk.is_predicate(row["predicate"]):
            problems.append(Problem(edges_path.name, i, f"predicate {row['predicate']!r} is not a Biolink predicate"))
        for slot in ("subject", "object"):
            if row[slot] not in ids:
                problems.append(Problem(edges_path.name, i, f"{slot} {row[slot]!r} is not a node"))
        for slot in ("publications", "has_evidence"):
            for value in filter(None, row.get(slot, "").split("|")):
                check_curie(edges_path.name, i, slot, value)
        if not row.get("primary_knowledge_source", "").startswith("infores:"):
            problems.append(Problem(edges_path.name, i, "primary_knowledge_source is not an infores CURIE"))
    return problems


def main(argv: list[str] | None = None) -> int:
    """``python -m jakgraph.publish.kgx NODES EDGES``: validate against the packaged Biolink model."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m jakgraph.publish.kgx NODES.tsv EDGES.tsv", file=sys.stderr)
        return 2
    problems = validate_kgx(Path(args[0]), Path(args[1]))
    for problem in problems:
        print(problem)
    print(f"Biolink {biolink_version()}: {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
