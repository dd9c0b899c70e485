"""The SPARQL 1.1 Service Description of the endpoint, answered on a bare ``GET /sparql``.

It says where the endpoint is (``sd:endpoint``: the URL the client used), what it speaks (SPARQL 1.1
Query; the result formats of ``engine/formats.py``), its features (the default graph is the union of the
named graphs), its default dataset (the default graph and each named graph, with its size and what it
holds, and when it last changed), its limits, and the project prefixes as SHACL ``sh:declare`` entries (the same node ``/prefixes``
serves).

The description is cached (``AppState.caches.service_description``) per store generation: its statistics
change with every write and every load, even one that keeps the number of quads.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, XSD
from starlette.concurrency import run_in_threadpool

from jakgraph.engine.base import QueryEngine, QueryRequest
from jakgraph.formats import GRAPH_FORMATS, JSON, SOLUTIONS_FORMATS
from jakgraph.namespaces import (
    BACKGROUND_GRAPH,
    DERIVED_GRAPH,
    EXAMPLES_GRAPH,
    LETTER_GRAPH,
    LOADED_GRAPHS,
    ONTOLOGY_GRAPH,
    PREFIXES,
    SD,
    SHAPES_GRAPH,
    VOID,
)
from jakgraph.publish.void import void_iri
from jakgraph.settings import Settings
from jakgraph.web.state import AppState

__all__ = ["DatasetStats", "GRAPH_DESCRIPTIONS", "add_prefix_declarations", "dataset_stats", "describe_service",
           "service_description"]

#: most cached bodies (endpoint URL × format × generation) before the cache starts again
_MAX_CACHED = 64

ENTAILMENT_SIMPLE = URIRef("http://www.w3.org/ns/entailment/Simple")

#: what each named graph holds (the dataset's documentation; README "endpoint" says the same)
GRAPH_DESCRIPTIONS: dict[str, str] = {
    str(LETTER_GRAPH): "Facts read from the letter by Banday et al., each with the sentence and references it came from",
    str(BACKGROUND_GRAPH): "Facts from other sources (drug targets, pathways, identifiers), each naming its source",
    str(DERIVED_GRAPH): "Triples the build computes from the curated graphs (direct edges, computed doses)",
    str(ONTOLOGY_GRAPH): "The jakgraph OWL vocabulary",
    str(SHAPES_GRAPH): "The SHACL shapes every build of the graph satisfies",
    str(EXAMPLES_GRAPH): "Example SPARQL queries (sh:SPARQLExecutable)",
}
DEFAULT_GRAPH_DESCRIPTION = ("The default graph is the union of all named graphs (when a request names no "
                             "dataset with default-graph-uri / named-graph-uri, and the query has no FROM)")

_STATS_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_UNION_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@dataclass(frozen=True)
class DatasetStats:
    default_triples: int
    named_graphs: tuple[tuple[str, int], ...]   # (graph IRI, quads), sorted by IRI


async def dataset_stats(engine: QueryEngine) -> DatasetStats:
    """Count the triples of the default graph and of each named graph, through the engine itself."""
    graphs = json.loads((await engine.query(QueryRequest(_STATS_QUERY, solutions_format=JSON))).body)
    union = json.loads((await engine.query(QueryRequest(_UNION_QUERY, solutions_format=JSON))).body)
    named = tuple(
        (row["g"]["value"], int(row["n"]["value"]))
        for row in graphs["results"]["bindings"] if row.get("g", {}).get("type") == "uri"
    )
    return DatasetStats(int(union["results"]["bindings"][0]["n"]["value"]), named)


def add_prefix_declarations(graph: Graph, node: URIRef, prefixes: Mapping[str, str] = PREFIXES) -> None:
    """``node`` an owl:Ontology with one ``sh:declare`` per prefix (how SHACL and UniProt publish them)."""
    graph.add((node, RDF.type, OWL.Ontology))
    graph.add((node, RDFS.label, Literal("The jakgraph prefixes, usable in queries without PREFIX declarations")))
    for name, namespace in prefixes.items():
        declaration = BNode(f"prefix-{name}")
        graph.add((node, SH.declare, declaration))
        graph.add((declaration, SH.prefix, Literal(name)))
        graph.add((declaration, SH.namespace, Literal(namespace, datatype=XSD.anyURI)))


def describe_service(endpoint: str, prefixes_url: str, stats: DatasetStats, settings: Settings,
                     modified: datetime | None = None) -> Graph:
    """The Service Description graph of the endpoint at ``endpoint``; ``modified``: when the served
    dataset last changed (a write, a load, the start), given as the dataset's ``dcterms:modified``."""
    graph = Graph()
    for name, namespace in PREFIXES.items():
        graph.bind(name, namespace, override=True, replace=True)
    graph.bind("formats", "http://www.w3.org/ns/formats/")
    graph.bind("ent", "http://www.w3.org/ns/entailment/")
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, DCTERMS.title, Literal("jakgraph SPARQL endpoint")))
    graph.add((service, DCTERMS.description, Literal(
        "Read-only SPARQL 1.1 query endpoint over the evidence on JAK inhibitors in monogenic type I "
        f"interferonopathies. A query runs for at most {settings.query_timeout:g} s (then it is stopped "
        f"and answered 504) and returns at most {settings.max_result_rows} rows or triples (more is "
        "refused with 422). The project prefixes need no PREFIX declarations.")))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in (*SOLUTIONS_FORMATS, *GRAPH_FORMATS):
        graph.add((service, SD.resultFormat, URIRef(fmt.sd_iri)))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    if settings.service_allowlist:
        graph.add((service, SD.feature, SD.BasicFederatedQuery))
    graph.add((service, SD.defaultEntailmentRegime, ENTAILMENT_SIMPLE))
    graph.add((service, RDFS.seeAlso, URIRef(prefixes_url)))

    dataset = BNode("dataset")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, RDFS.seeAlso, URIRef(void_iri(settings))))  # its VoID/DCAT description
    if modified is not None:
        graph.add((dataset, DCTERMS.modified, Literal(modified.isoformat(), datatype=XSD.dateTime)))
    default = BNode("default-graph")
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, DCTERMS.description, Literal(DEFAULT_GRAPH_DESCRIPTION)))
    graph.add((default, VOID.triples, Literal(stats.default_triples)))
    for index, (name, quads) in enumerate(stats.named_graphs):
        named = BNode(f"named-graph-{index}")
        content = BNode(f"graph-{index}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, content))
        graph.add((content, RDF.type, SD.Graph))
        graph.add((content, VOID.triples, Literal(quads)))
        description = GRAPH_DESCRIPTIONS.get(name)
        if description is None and name.startswith(str(LOADED_GRAPHS)):
            description = "RDF loaded alongside the curated graph (not validated)"
        if description is not None:
            graph.add((content, DCTERMS.description, Literal(description)))
    add_prefix_declarations(graph, URIRef(prefixes_url))
    return graph


async def service_description(state: AppState, endpoint: str, prefixes_url: str, rdflib_format: str) -> bytes:
    """The serialised Service Description, from the cache when the store generation has not moved on."""
    cache = state.caches.service_description
    generation = state.generation.value
    key = (generation, endpoint, prefixes_url, rdflib_format)
    body = cache.get(key)
    if isinstance(body, bytes):
        return body
    stats = cache.get((generation, "stats"))
    if not isinstance(stats, DatasetStats):
        stats = await dataset_stats(state.engine)
    graph = describe_service(endpoint, prefixes_url, stats, state.settings, state.generation.changed_at)
    serialised: bytes = await run_in_threadpool(graph.serialize, format=rdflib_format, encoding="utf-8")
    if state.generation.value == generation:  # not a write meanwhile: the answer describes this generation
        stale = [k for k in cache if k[0] != generation]
        if stale or len(cache) > _MAX_CACHED:
            cache.clear()
        cache[(generation, "stats")] = stats
        cache[key] = serialised
    return serialised
