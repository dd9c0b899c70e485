"""The release: its version, date, IRIs and licence, in one place for every artefact that names them.

Why one module: the ontology's ``owl:versionIRI``, the VoID/DCAT description, the KGX graph metadata, every
nanopublication's publication info, the SSSOM metadata block and the home page's schema.org ``Dataset`` must
name the same release, and a citation pins that release. The version itself is ``jakgraph.__version__`` (which
``pyproject.toml`` reads as the package version); the release date pins the nanopublications' creation time,
so that two builds of one release hash to the same Trusty URIs. Bump both together, and add the release to
CHANGELOG.md (``tests/publish/test_metadata.py`` checks that every artefact agrees).
"""
from __future__ import annotations

from datetime import date, datetime, timezone

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
    return datetime(RELEASE_DATE.year, RELEASE_DATE.month, RELEASE_DATE.day, tzinfo=timezone.utc)


def stamp_ontology(dataset: Dataset) -> None:
    """Give the ontology graph this release's ``owl:versionIRI`` and ``owl:versionInfo`` (replacing any)."""
    graph = dataset.graph(ONTOLOGY_GRAPH)
    graph.remove((ONTOLOGY_IRI, OWL.versionIRI, None))
    graph.remove((ONTOLOGY_IRI, OWL.versionInfo, None))
    graph.add((ONTOLOGY_IRI, OWL.versionIRI, URIRef(ontology_version_iri())))
    graph.add((ONTOLOGY_IRI, OWL.versionInfo, Literal(VERSION)))


__all__ = ["CREATOR", "INFORES", "LETTER_IRI", "LICENSE", "RELEASE_DATE", "TITLE", "VERSION", "ontology_version_iri",
           "release_datetime", "release_iri", "stamp_ontology"]
