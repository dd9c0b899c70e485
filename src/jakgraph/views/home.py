"""What the home page shows: counts from SPARQL, the named graphs, and the evidence by disease."""
from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pyoxigraph as ox
from fastapi import Request

from jakgraph import paths
from jakgraph.namespaces import PREFIXES, curie
from jakgraph.publish.metadata import LETTER_IRI, schema_org_dataset
from jakgraph.publish.void import dumps
from jakgraph.stores.bridge import select_rows
from jakgraph.views.describe import local_path

#: (what, class) pairs the home page counts, instances of subclasses included
COUNTED: tuple[tuple[str, str], ...] = (
    ("diseases", "jak:Disease"),
    ("drugs", "jak:Drug"),
    ("genes", "jak:Gene"),
    ("treatment evidence statements", "jak:TreatmentEvidence"),
    ("patient groups", "jak:PatientGroup"),
    ("doses", "jak:Dose"),
    ("computed doses", "jak:ComputedDose"),
    ("outcomes", "jak:Outcome"),
    ("adverse event reports", "jak:AdverseEvent"),
    ("treatment switches", "jak:TreatmentSwitch"),
    ("sentences of the letter", "jak:Sentence"),
    ("numbered references", "jak:NumberedReference"),
)

_COUNTS = """
SELECT ?what (COUNT(DISTINCT ?x) AS ?n) WHERE {
  VALUES (?what ?class) { %s }
  OPTIONAL { ?x a/rdfs:subClassOf* ?class . FILTER(isIRI(?x)) }
} GROUP BY ?what
"""

_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"

_EVIDENCE = """
SELECT ?disease ?diseaseLabel ?statement ?statementLabel ?drugLabel WHERE {
  ?statement a jak:TreatmentEvidence ; jak:disease ?disease .
  OPTIONAL { ?statement rdfs:label ?statementLabel }
  OPTIONAL { ?disease rdfs:label ?diseaseLabel }
  OPTIONAL { ?statement jak:drug/rdfs:label ?drugLabel }
} ORDER BY ?diseaseLabel ?statement
"""


def counts(store: ox.Store) -> list[tuple[str, int]]:
    values = " ".join(f'("{what}" {cls})' for what, cls in COUNTED)
    found = {row["what"].value: int(row["n"].value) for row in select_rows(store, _COUNTS % values)}
    return [(what, found.get(what, 0)) for what, _ in COUNTED]


def graph_sizes(store: ox.Store) -> list[dict[str, Any]]:
    return [{"iri": r["g"].value, "curie": curie(r["g"].value), "path": local_path(r["g"].value),
             "triples": int(r["n"].value)} for r in select_rows(store, _GRAPHS)]


def evidence_by_disease(store: ox.Store) -> list[dict[str, Any]]:
    grouped: dict[str, dict[str, Any]] = {}
    statements: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in select_rows(store, _EVIDENCE):
        disease = row["disease"].value
        grouped.setdefault(disease, {
            "label": row["diseaseLabel"].value if "diseaseLabel" in row else curie(disease),
            "path": local_path(disease) or disease,
        })
        statement = row["statement"].value
        entry = statements[disease].setdefault(statement, {
            "label": row["statementLabel"].value if "statementLabel" in row else curie(statement),
            "path": local_path(statement) or statement,
            "drugs": set(),
        })
        if "drugLabel" in row:
            entry["drugs"].add(row["drugLabel"].value)
    return [{**info, "statements": list(statements[d].values())} for d, info in grouped.items()]


def home_context(request: Request) -> dict[str, Any]:
    store: ox.Store = request.app.state.jak.graph.store
    return {
        "title": "jakgraph",
        "counts": counts(store),
        "graphs": graph_sizes(store),
        "diseases": evidence_by_disease(store),
        "prefix_count": len(PREFIXES),
        "triples": len(store),
        "dataset_jsonld": dataset_jsonld(request, store),
    }


def dataset_jsonld(request: Request, store: ox.Store) -> str:
    """The schema.org Dataset block of the home page, as JSON safe inside a <script> element."""
    title = next((q.object.value for q in store.quads_for_pattern(
        ox.NamedNode(LETTER_IRI), ox.NamedNode("http://purl.org/dc/terms/title"), None, None)
        if not isinstance(q.object, ox.Triple)), None)
    block = schema_org_dataset(request.app.state.jak.settings.base_url,
                               [(d.name, d.media_type) for d in dumps(paths.DIST_DIR)], title)
    return json.dumps(block, ensure_ascii=False, indent=1).replace("</", "<\\/")
