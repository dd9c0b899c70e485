"""The dataset description: VoID statistics (whole dataset and per named graph) with dcterms/DCAT metadata.

Computed from the store with a handful of aggregate queries (milliseconds on this graph) and cached per
store generation, so it always describes the graph being served. The Service Description links to it through
:func:`void_iri`.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from jakgraph import paths
from jakgraph.build.sources import curated_sources
from jakgraph.formats import TSV
from jakgraph.namespaces import (
    BASE,
    CC_BY_4,
    DCAT,
    IANA_MEDIA,
    ONTOLOGY_IRI,
    PREFIXES,
    SD,
    SPARQL_ENDPOINT_IRI,
    SPDX,
    VOID,
)
from jakgraph.publish import metadata as release
from jakgraph.publish.dumps import EXPORT_FORMATS
from jakgraph.settings import Settings
from jakgraph.stores.bridge import from_ox
from jakgraph.stores.loaded import loaded_graphs

#: the dump files ``jakgraph build`` writes, by file extension, with their media types: the RDF dumps from the
#: format table, KGX's TSV pair (and SSSOM's TSV), and the KGX graph metadata (plain JSON)
DUMP_MEDIA_TYPES: dict[str, str] = {
    **{fmt.extension: fmt.media_type for fmt in (*EXPORT_FORMATS.values(), TSV)},
    "json": "application/json",
}

#: the specifications the non-RDF and exchange dumps follow (by file name ending); these are not void:dataDump
CONFORMS_TO: dict[str, str] = {
    "_nodes.tsv": "https://github.com/biolink/kgx/blob/master/specification/kgx-format.md",
    "_edges.tsv": "https://github.com/biolink/kgx/blob/master/specification/kgx-format.md",
    "_kgx_metadata.json": "https://github.com/biolink/kgx/blob/master/specification/kgx-format.md",
    ".sssom.tsv": "https://w3id.org/sssom/spec",
    ".nanopubs.trig": "http://www.nanopub.org/nschema",
}

TITLE = release.TITLE
DESCRIPTION = release.DESCRIPTION
_lock = threading.Lock()
_cache: dict[int, tuple[ox.Store, int, str, Graph]] = {}


def void_document_url(settings: Settings) -> str:
    """Where the dataset description is published: ``<base_url>.well-known/void``."""
    return settings.base_url.rstrip("/") + "/.well-known/void"


def void_iri(settings: Settings) -> str:
    """The IRI of the dataset (a ``void:Dataset``) that the Service Description should link to.

    Use it as the object of ``sd:defaultDataset`` (or with ``rdfs:seeAlso``): ``<…/.well-known/void#jakgraph>``.
    """
    return void_document_url(settings) + "#jakgraph"


def public(settings: Settings, path: str) -> URIRef:
    return URIRef(settings.base_url.rstrip("/") + "/" + path.lstrip("/"))


@dataclass(frozen=True)
class Dump:
    path: Path
    media_type: str
    sha256: str | None

    @property
    def name(self) -> str:
        return self.path.name


def dumps(folder: Path | None = None) -> list[Dump]:
    """The dump files present in ``dist/`` (with the checksum read from their ``.sha256`` file)."""
    target = folder if folder is not None else paths.DIST_DIR
    if not target.is_dir():
        return []
    found = []
    for path in sorted(target.iterdir()):
        ext = path.suffix.lstrip(".")
        if not path.is_file() or ext not in DUMP_MEDIA_TYPES:
            continue
        checksum_file = path.with_name(path.name + ".sha256")
        digest = checksum_file.read_text(encoding="utf-8").split()[0] if checksum_file.is_file() else None
        found.append(Dump(path, DUMP_MEDIA_TYPES[ext], digest))
    return found


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _count(store: ox.Store, query: str) -> int:
    solutions = store.query(query, prefixes=PREFIXES)
    assert isinstance(solutions, ox.QuerySolutions)
    for row in solutions:
        return int(row[0].value)
    return 0


def _scope(graph: str | None) -> tuple[str, str]:
    """WHERE-clause wrappers for the whole dataset (union of named graphs) or one named graph."""
    return (f"GRAPH <{graph}> {{", "}") if graph else ("GRAPH ?anyGraph {", "}")


def statistics(store: ox.Store, graph: str | None = None) -> dict[str, int]:
    """triples, entities (IRI subjects), classes, properties, distinct subjects and objects."""
    open_, close = _scope(graph)
    if graph is None:
        triples = _count(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }")
    else:
        triples = _count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {open_} ?s ?p ?o {close} }}")
    return {
        "triples": triples,
        "entities": _count(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {open_} ?s ?p ?o {close} FILTER(isIRI(?s)) }}"),
        "classes": _count(store, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ {open_} ?s a ?c {close} }}"),
        "properties": _count(store, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {open_} ?s ?p ?o {close} }}"),
        "distinctSubjects": _count(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {open_} ?s ?p ?o {close} }}"),
        "distinctObjects": _count(store, f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ {open_} ?s ?p ?o {close} }}"),
    }


def _partitions(store: ox.Store, query: str) -> list[tuple[str, int]]:
    solutions = store.query(query, prefixes=PREFIXES)
    assert isinstance(solutions, ox.QuerySolutions)
    return [(row[0].value, int(row[1].value)) for row in solutions]


def _ontology_metadata(store: ox.Store) -> dict[str, list[ox.Literal | ox.NamedNode]]:
    out: dict[str, list] = {}
    for quad in store.quads_for_pattern(ox.NamedNode(str(ONTOLOGY_IRI)), None, None, None):
        out.setdefault(quad.predicate.value, []).append(quad.object)
    return out


def build_void(store: ox.Store, settings: Settings, folder: Path | None = None) -> Graph:
    """The VoID + DCAT description of the served dataset, as an rdflib Graph."""
    g = Graph()
    for name, ns in PREFIXES.items():
        g.bind(name, ns, override=True, replace=True)
    g.bind("spdx", str(SPDX))
    dataset = URIRef(void_iri(settings))
    document = URIRef(void_document_url(settings))
    g.add((document, RDF.type, VOID.DatasetDescription))
    g.add((document, DCTERMS.title, Literal("Dataset description of jakgraph (VoID, DCAT)", lang="en")))
    g.add((document, URIRef("http://xmlns.com/foaf/0.1/primaryTopic"), dataset))
    g.bind("foaf", "http://xmlns.com/foaf/0.1/")

    meta = _ontology_metadata(store)
    version = release.VERSION  # the release (publish.metadata), the same the ontology's owl:versionInfo says
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((dataset, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((dataset, DCTERMS.license, CC_BY_4))
    if version:
        g.add((dataset, DCAT.version, Literal(version)))
        g.add((dataset, OWL.versionInfo, Literal(version)))
    for creator in meta.get(str(DCTERMS.creator), []) or [ox.Literal("jakgraph contributors")]:
        g.add((dataset, DCTERMS.creator, from_ox(creator)))
    for issued in meta.get(str(DCTERMS.issued), []):
        g.add((dataset, DCTERMS.issued, from_ox(issued)))
    g.add((dataset, DCTERMS.modified, Literal(date.today().isoformat(), datatype=XSD.date)))
    g.add((dataset, DCTERMS.source, URIRef(BASE + "publication/banday-letter")))
    g.add((dataset, VOID.uriSpace, Literal(BASE)))
    g.add((dataset, VOID.sparqlEndpoint, public(settings, "sparql")))
    g.add((dataset, DCAT.landingPage, public(settings, "")))
    g.add((dataset, VOID.vocabulary, URIRef(PREFIXES["jak"])))
    g.add((dataset, VOID.vocabulary, URIRef(PREFIXES["biolink"])))
    g.add((dataset, RDFS.seeAlso, URIRef(str(SPARQL_ENDPOINT_IRI))))
    g.add((dataset, URIRef(PREFIXES["dcterms"] + "conformsTo"), URIRef(str(ONTOLOGY_IRI))))

    service = BNode()
    g.add((dataset, DCAT.distribution, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, public(settings, "sparql")))
    g.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))

    for dump in dumps(folder):
        url = public(settings, f"download/{dump.name}")
        spec = next((iri for end, iri in CONFORMS_TO.items() if dump.name.endswith(end)), None)
        if spec is None:
            g.add((dataset, VOID.dataDump, url))
        dist = BNode()
        g.add((dataset, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.mediaType, IANA_MEDIA[dump.media_type]))
        g.add((dist, DCTERMS.title, Literal(dump.name)))
        g.add((dist, DCTERMS.license, CC_BY_4))
        g.add((dist, DCAT.byteSize, Literal(dump.path.stat().st_size, datatype=XSD.nonNegativeInteger)))
        if spec is not None:
            g.add((dist, DCTERMS.conformsTo, URIRef(spec)))
        if dump.sha256:
            checksum = BNode()
            g.add((dist, SPDX.checksum, checksum))
            g.add((checksum, RDF.type, SPDX.Checksum))
            g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            g.add((checksum, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary)))

    _add_statistics(g, dataset, statistics(store))
    for cls, n in _partitions(store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c ORDER BY ?c"):
        part = BNode()
        g.add((dataset, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(n)))
    for prop, n in _partitions(store, "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p"):
        part = BNode()
        g.add((dataset, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(n)))
    for example in _example_resources(store):
        g.add((dataset, VOID.exampleResource, URIRef(example)))

    descriptions = {str(s.graph): s.description for s in curated_sources()}
    for loaded in loaded_graphs(store):
        descriptions[loaded.iri] = (f"RDF loaded alongside the curated graph from the file {loaded.name!r} "
                                    "(jakgraph load / serve --load); not validated against the shapes")
    for named in sorted(store.named_graphs(), key=lambda n: n.value):
        subset = URIRef(named.value)
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, SD.name, subset))
        g.add((subset, DCTERMS.description, Literal(descriptions.get(named.value, "a named graph of the dataset"),
                                                    lang="en")))
        g.add((subset, VOID.sparqlEndpoint, public(settings, "sparql")))
        _add_statistics(g, subset, statistics(store, named.value))
    return g


def _add_statistics(g: Graph, node: URIRef, stats: dict[str, int]) -> None:
    for name, value in stats.items():
        g.add((node, VOID[name], Literal(value)))


def _example_resources(store: ox.Store) -> list[str]:
    """A treatment evidence statement, a drug, a disease and a gene: where to start browsing."""
    picks: list[str] = []
    for cls in ("jak:TreatmentEvidence", "jak:Drug", "jak:Disease", "jak:Gene"):
        query = f"SELECT ?s WHERE {{ ?s a/rdfs:subClassOf* {cls} . FILTER(isIRI(?s)) }} ORDER BY ?s LIMIT 1"
        solutions = store.query(query, use_default_graph_as_union=True, prefixes=PREFIXES)
        assert isinstance(solutions, ox.QuerySolutions)
        picks.extend(row[0].value for row in solutions)
    return picks


def cached_void(store: ox.Store, settings: Settings, folder: Path | None = None, *, generation: int) -> Graph:
    """The description of this store, computed once per store generation (``stores/generation.py``: a
    write that keeps the quad count still changes it), base URL and set of dumps."""
    dump_key = tuple((d.name, d.sha256) for d in dumps(folder))
    key = f"{settings.base_url}|{dump_key}"
    with _lock:
        hit = _cache.get(id(store))
        if hit is not None and hit[0] is store and hit[1] == generation and hit[2] == key:
            return hit[3]
        graph = build_void(store, settings, folder)
        _cache[id(store)] = (store, generation, key, graph)
        return graph


__all__ = ["void_iri", "void_document_url", "build_void", "cached_void", "dumps", "statistics", "Dump"]
