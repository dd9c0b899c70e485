"""The fixed query mix of the scale benchmark, over jakgraph's schema (the curated graph and the generated
records of ``generate.py``): point lookup, label search, 3-hop join, aggregation, OPTIONAL + ORDER BY +
LIMIT, CONSTRUCT, ASK, DESCRIBE. Every prefix is declared, so any SPARQL 1.1 server can run it, and no
query names a graph: each server's default graph holds (or is the union of) all the data.
"""
from __future__ import annotations

PROLOGUE = """PREFIX jak: <https://w3id.org/jakgraph/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX drug: <https://w3id.org/jakgraph/drug/>
PREFIX disease: <https://w3id.org/jakgraph/disease/>
PREFIX stmt: <https://w3id.org/jakgraph/statement/>
PREFIX dose: <https://w3id.org/jakgraph/dose/>
"""

#: name -> (query, Accept); the names say what each exercises
MIX: dict[str, tuple[str, str]] = {
    "point": (PROLOGUE + "SELECT ?p ?o WHERE { stmt:gen-42 ?p ?o }", "application/sparql-results+json"),
    "label-search": (PROLOGUE + 'SELECT ?s ?label WHERE { ?s rdfs:label ?label '
                     'FILTER(CONTAINS(LCASE(?label), "generated disease 17 ")) } LIMIT 20',
                     "application/sparql-results+json"),
    "join-3-hop": (PROLOGUE + "SELECT ?drug ?finding WHERE { ?s jak:disease disease:gen-7 ; jak:drug ?drug ; "
                   "jak:outcome ?o . ?o jak:finding ?f . ?f rdfs:label ?finding } LIMIT 100",
                   "application/sparql-results+json"),
    "aggregate": (PROLOGUE + "SELECT ?drug (COUNT(?s) AS ?n) (AVG(?v) AS ?mean) WHERE { ?s jak:drug ?drug ; "
                  "jak:dose ?d . ?d jak:value ?v } GROUP BY ?drug ORDER BY ?drug",
                  "application/sparql-results+json"),
    "optional-order-limit": (PROLOGUE + "SELECT ?s ?label ?n WHERE { ?s a jak:TreatmentEvidence ; "
                             "jak:patientGroup ?c . OPTIONAL { ?c jak:patientCount ?n } "
                             "OPTIONAL { ?s rdfs:label ?label } } ORDER BY DESC(?n) ?s LIMIT 10",
                             "application/sparql-results+json"),
    "construct": (PROLOGUE + "CONSTRUCT { ?s jak:drug ?d ; jak:disease disease:gen-3 } WHERE { "
                  "?s jak:disease disease:gen-3 ; jak:drug ?d }", "text/turtle"),
    "ask": (PROLOGUE + "ASK { ?s jak:drug drug:ruxolitinib ; jak:disease disease:gen-5 }",
            "application/sparql-results+json"),
    "describe": (PROLOGUE + "DESCRIBE dose:gen-10", "text/turtle"),
}
