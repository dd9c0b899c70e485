"""Every IRI jakgraph mints or relies on, in one place.

IRIs under https://w3id.org/jakgraph/ never change once published, so they are spelled exactly once,
here; everything else imports them. CURIEs (``drug:ruxolitinib``) are made and read by one
``curies.Converter`` over :data:`PREFIXES` (:func:`converter`, :func:`curie`, :func:`expand`), for pages, templates, KGX and
the CLI alike.
"""
from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from rdflib import Namespace, URIRef

if TYPE_CHECKING:
    import curies

BASE = "https://w3id.org/jakgraph/"

JAK = Namespace(BASE + "vocab/")          # the OWL vocabulary (classes, properties, concepts)
ONTOLOGY_IRI = URIRef(BASE + "ontology")

# instance "folders": one prefix per folder, because Turtle local names cannot hold "/"
DRUG = Namespace(BASE + "drug/")
DISEASE = Namespace(BASE + "disease/")
GENE = Namespace(BASE + "gene/")
PROTEIN = Namespace(BASE + "protein/")
PATHWAY = Namespace(BASE + "pathway/")
FINDING = Namespace(BASE + "finding/")
STATEMENT = Namespace(BASE + "statement/")
COHORT = Namespace(BASE + "cohort/")
DOSE = Namespace(BASE + "dose/")
DURATION = Namespace(BASE + "duration/")
OUTCOME = Namespace(BASE + "outcome/")
ADVERSE_EVENT = Namespace(BASE + "adverse-event/")
SWITCH = Namespace(BASE + "switch/")
SENTENCE = Namespace(BASE + "sentence/")
PUBLICATION = Namespace(BASE + "publication/")
REFERENCE = Namespace(BASE + "reference/")
SOURCE = Namespace(BASE + "source/")
GRAPH = Namespace(BASE + "graph/")
EXAMPLE = Namespace(BASE + "example/")
#: nanopublications of the letter's statements: ``np/RA…`` (Trusty URIs); served by web/routers/nanopubs.py,
#: not a folder of the graph (so not in PREFIXES)
NANOPUB = Namespace(BASE + "np/")
#: the public SPARQL endpoint: schema:target of the example queries, void:sparqlEndpoint of the dataset
SPARQL_ENDPOINT_IRI = URIRef(BASE + "sparql")
SHAPE = Namespace(BASE + "shape/")         # the SHACL shapes (node shapes, property shapes, SPARQL constraints)
SHAPES_IRI = URIRef(BASE + "shapes")       # the shapes document: its sh:declare prefixes serve SPARQL constraints

# named graphs of the dataset; the default graph is the union of all of them
LETTER_GRAPH = GRAPH["letter"]           # facts read from the Banday et al. letter, with provenance
BACKGROUND_GRAPH = GRAPH["background"]   # facts from other sources (targets, pathways, identifiers)
DERIVED_GRAPH = GRAPH["derived"]         # triples the build computes (truthy edges, computed doses)
ONTOLOGY_GRAPH = GRAPH["ontology"]       # the jakgraph OWL vocabulary
SHAPES_GRAPH = GRAPH["shapes"]           # the SHACL shapes
EXAMPLES_GRAPH = GRAPH["examples"]       # example SPARQL queries (sh:SPARQLExecutable)
#: extra RDF loaded alongside (``jakgraph load``/``serve --load``): one named graph per file, never validated
LOADED_GRAPHS = Namespace(BASE + "graph/loaded/")

BIOLINK = Namespace("https://w3id.org/biolink/vocab/")
OBO = Namespace("http://purl.obolibrary.org/obo/")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
SCHEMA = Namespace("https://schema.org/")
CITO = Namespace("http://purl.org/spar/cito/")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")            # checksums of the dumps (DCAT 3)
IANA_MEDIA = Namespace("https://www.iana.org/assignments/media-types/")  # dcat:mediaType of the dumps
CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")       # the data licence

#: The project's prefixes: listed at /prefixes, in the Service Description, usable undeclared in queries.
PREFIXES: dict[str, str] = {
    "jak": str(JAK),
    "drug": str(DRUG),
    "disease": str(DISEASE),
    "gene": str(GENE),
    "protein": str(PROTEIN),
    "pathway": str(PATHWAY),
    "finding": str(FINDING),
    "stmt": str(STATEMENT),
    "cohort": str(COHORT),
    "dose": str(DOSE),
    "duration": str(DURATION),
    "outcome": str(OUTCOME),
    "ae": str(ADVERSE_EVENT),
    "switch": str(SWITCH),
    "sentence": str(SENTENCE),
    "pub": str(PUBLICATION),
    "ref": str(REFERENCE),
    "source": str(SOURCE),
    "graph": str(GRAPH),
    "example": str(EXAMPLE),
    "shape": str(SHAPE),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "sh": "http://www.w3.org/ns/shacl#",
    "schema": str(SCHEMA),
    "biolink": str(BIOLINK),
    "obo": str(OBO),
    "qudt": str(QUDT),
    "unit": str(UNIT),
    "cito": str(CITO),
    "void": str(VOID),
    "sd": str(SD),
    "dcat": str(DCAT),
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "HP": "http://purl.obolibrary.org/obo/HP_",
    "GO": "http://purl.obolibrary.org/obo/GO_",
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
    "UO": "http://purl.obolibrary.org/obo/UO_",
    "ECO": "http://purl.obolibrary.org/obo/ECO_",
    "RO": "http://purl.obolibrary.org/obo/RO_",
    "SEPIO": "http://purl.obolibrary.org/obo/SEPIO_",
    "DOID": "http://purl.obolibrary.org/obo/DOID_",
}


def sparql_prologue(prefixes: dict[str, str] = PREFIXES) -> str:
    """PREFIX declarations for every project prefix, for queries that use them undeclared."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in prefixes.items())



@cache
def converter() -> curies.Converter:
    """The one CURIE converter (the longest matching namespace wins: ``MONDO:0001``, not ``obo:MONDO_0001``)."""
    import curies  # lazy: curies brings pydantic, a cost every jakgraph command would pay

    return curies.Converter.from_prefix_map(PREFIXES)


def curie(iri: str) -> str:
    """The project CURIE for an IRI, or the IRI itself.

    The IRI itself also when the local part would be empty or hold ``/`` or ``#`` (``graph:loaded/x`` is no
    CURIE a Turtle or SPARQL reader accepts). Of the two rules jakgraph had, this is the stricter one; the
    other allowed ``#`` and an empty local part.
    """
    compressed = converter().compress(iri)
    if compressed is None:
        return iri
    local = compressed.partition(":")[2]
    return compressed if local and "/" not in local and "#" not in local else iri


def expand(value: str) -> str | None:
    """The IRI a project CURIE stands for (``graph:letter``), or None when ``value`` is not one.

    A value whose local part starts with ``//`` is an IRI (``http://…``) even if its scheme were a prefix.
    """
    _, colon, local = value.partition(":")
    if not colon or local.startswith("//"):
        return None
    return converter().expand(value)
