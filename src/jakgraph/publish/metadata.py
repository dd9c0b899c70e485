"""The release: its version, date, IRIs and licence, in one place for every artefact that names them.

Why one module: the ontology's ``owl:versionIRI``, the VoID/DCAT description, the KGX graph metadata, every
nanopublication's publication info, the SSSOM metadata block and the home page's schema.org ``Dataset`` must
name the same release, and a citation pins that release. The version itself is ``jakgraph.__version__`` (which
``pyproject.toml`` reads as the package version); the release date pins the nanopublications' creation time,
so that two builds of one release hash to the same Trusty URIs. Bump both together, and add the release to
CHANGELOG.md (``tests/publish/test_metadata.py`` checks that every artefact agrees).
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import OWL

from jakgraph import __version__
from jakgraph.namespaces import BASE, CC_BY_4, ONTOLOGY_GRAPH, ONTOLOGY_IRI

#: the release version (semantic versioning); one place: ``jakgraph.__version__``
VERSION: str = __version__
#: the day this release was cut; every nanopublication's ``dcterms:created`` is pinned to it
RELEASE_DATE: date = date(2026, 11, 25)
#: who made the dataset (no person identifiers are in the checked tables, so a name, not an ORCID)
CREATOR = "jakgraph contributors"
TITLE = "jakgraph: JAK inhibitors in monogenic type I interferonopathies"
DESCRIPTION = (
    "A linked-data knowledge graph of the published evidence on Janus kinase inhibitors (ruxolitinib, "
    "baricitinib, tofacitinib) in monogenic type I interferonopathies, read from the letter by Banday et al. "
    "(Ann Rheum Dis, correspondence on Nash et al. 2021): n-ary treatment-evidence statements with patients, "
    "doses as printed and parsed, durations, outcomes, adverse events and switches, each traced to its "
    "sentence and the letter's numbered references; background facts (identifiers, drug targets, pathways) "
    "name their own sources."
)
LICENSE = str(CC_BY_4)
#: the infores-style identifier of this knowledge source (KGX ``primary_knowledge_source``)
INFORES = "infores:jakgraph"
#: the letter every statement is read from (its DOI is not in the checked tables, so it is not given)
LETTER_IRI = BASE + "publication/banday-letter"


def release_iri(version: str = VERSION) -> str:
    """The IRI of one release of the dataset: ``https://w3id.org/jakgraph/releases/<version>``."""
    return f"{BASE}releases/{version}"


def ontology_version_iri(version: str = VERSION) -> str:
    """The ontology's ``owl:versionIRI`` for a release."""
    return f"{release_iri(version)}/ontology"


def release_datetime() -> datetime:
    """The release date as midnight UTC: the pinned creation time of the release's nanopublications."""
    return datetime(RELEASE_DATE.year, RELEASE_DATE.month, RELEASE_DATE.day, tzinfo=UTC)


def schema_org_dataset(base_url: str, downloads: list[tuple[str, str]], letter_title: str | None) -> dict:
    """The schema.org ``Dataset`` description (JSON-LD) that dataset search engines read from the home page.

    ``downloads``: (file name, media type) of every dump served under ``/download/``. The letter's own DOI is
    not in the checked tables, so ``isBasedOn`` names the letter by its jakgraph IRI and title only.
    """
    def public(path: str) -> str:
        return base_url.rstrip("/") + "/" + path.lstrip("/")

    distribution = [{"@type": "DataDownload", "name": name, "contentUrl": public(f"download/{name}"),
                     "encodingFormat": media} for name, media in downloads]
    distribution.append({"@type": "DataDownload", "name": "SPARQL 1.1 endpoint", "contentUrl": public("sparql"),
                         "encodingFormat": "application/sparql-results+json"})
    letter: dict[str, object] = {"@type": "ScholarlyArticle", "@id": LETTER_IRI,
                                 "isPartOf": {"@type": "Periodical", "name": "Ann Rheum Dis"}}
    if letter_title:
        letter["name"] = letter_title
    return {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": BASE,
        "name": TITLE,
        "description": DESCRIPTION,
        "url": public(""),
        "license": LICENSE,
        "creator": {"@type": "Organization", "name": CREATOR},
        "version": VERSION,
        "datePublished": RELEASE_DATE.isoformat(),
        "keywords": ["JAK inhibitors", "type I interferonopathies", "ruxolitinib", "baricitinib", "tofacitinib",
                     "knowledge graph", "nanopublications"],
        "isBasedOn": letter,
        "distribution": distribution,
    }


def stamp_ontology(dataset: Dataset) -> None:
    """Give the ontology graph this release's ``owl:versionIRI`` and ``owl:versionInfo`` (replacing any)."""
    graph = dataset.graph(ONTOLOGY_GRAPH)
    graph.remove((ONTOLOGY_IRI, OWL.versionIRI, None))
    graph.remove((ONTOLOGY_IRI, OWL.versionInfo, None))
    graph.add((ONTOLOGY_IRI, OWL.versionIRI, URIRef(ontology_version_iri())))
    graph.add((ONTOLOGY_IRI, OWL.versionInfo, Literal(VERSION)))


__all__ = ["CREATOR", "DESCRIPTION", "INFORES", "LETTER_IRI", "LICENSE", "RELEASE_DATE", "TITLE", "VERSION",
           "ontology_version_iri", "schema_org_dataset",
           "release_datetime", "release_iri", "stamp_ontology"]
