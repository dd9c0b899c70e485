"""The result formats the endpoint can produce, in one declarative table.

Two families: SELECT and ASK results (the SPARQL 1.1 results formats) and CONSTRUCT and DESCRIBE results (RDF
formats). Each entry carries its short name (for ``format=``), its media type and the aliases clients send,
and the IRI the Service Description uses for it. The order of each tuple is the server's preference when a
client accepts several equally (``*/*``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "GRAPH_FORMATS",
    "SOLUTIONS_FORMATS",
    "ResultFormat",
    "by_name",
]

Family = Literal["solutions", "graph"]

_FORMATS_NS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class ResultFormat:
    """One serialisation of query results."""

    name: str                       # short name: ``format=json``
    media_type: str                 # what Content-Type says
    family: Family
    sd_iri: str                     # the W3C formats IRI, for sd:resultFormat
    aliases: tuple[str, ...] = ()   # further media types that select it in Accept or format=
    names: tuple[str, ...] = ()     # further short names
    text: bool = False              # a text/* type: Content-Type gets ``charset=utf-8``

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


JSON = ResultFormat("json", "application/sparql-results+json", "solutions", _FORMATS_NS + "SPARQL_Results_JSON",
                    aliases=("application/json",), names=("srj",))
XML = ResultFormat("xml", "application/sparql-results+xml", "solutions", _FORMATS_NS + "SPARQL_Results_XML",
                   aliases=("application/xml", "text/xml"), names=("srx",))
CSV = ResultFormat("csv", "text/csv", "solutions", _FORMATS_NS + "SPARQL_Results_CSV", text=True)
TSV = ResultFormat("tsv", "text/tab-separated-values", "solutions", _FORMATS_NS + "SPARQL_Results_TSV",
                   names=("tab",), text=True)

TURTLE = ResultFormat("ttl", "text/turtle", "graph", _FORMATS_NS + "Turtle",
                      aliases=("application/x-turtle",), names=("turtle",), text=True)
N_TRIPLES = ResultFormat("nt", "application/n-triples", "graph", _FORMATS_NS + "N-Triples",
                         aliases=("text/plain",), names=("ntriples", "n-triples", "nt11"))
RDF_XML = ResultFormat("rdfxml", "application/rdf+xml", "graph", _FORMATS_NS + "RDF_XML",
                       aliases=("application/xml", "text/xml"), names=("rdf", "xml", "rdf-xml", "rdf+xml", "owl"))
JSON_LD = ResultFormat("jsonld", "application/ld+json", "graph", _FORMATS_NS + "JSON-LD",
                       aliases=("application/json",), names=("json-ld", "json", "ld+json"))
N_QUADS = ResultFormat("nq", "application/n-quads", "graph", _FORMATS_NS + "N-Quads",
                       names=("nquads", "n-quads"))
TRIG = ResultFormat("trig", "application/trig", "graph", _FORMATS_NS + "TriG")
N3 = ResultFormat("n3", "text/n3", "graph", _FORMATS_NS + "N3", text=True)

#: SELECT / ASK, in the server's order of preference
SOLUTIONS_FORMATS: tuple[ResultFormat, ...] = (JSON, XML, CSV, TSV)
#: CONSTRUCT / DESCRIBE, in the server's order of preference
GRAPH_FORMATS: tuple[ResultFormat, ...] = (TURTLE, N_TRIPLES, RDF_XML, JSON_LD, N_QUADS, TRIG, N3)

_BY_NAME: dict[tuple[Family, str], ResultFormat] = {
    (fmt.family, name): fmt
    for fmt in (*SOLUTIONS_FORMATS, *GRAPH_FORMATS)
    for name in (fmt.name, *fmt.names)
}


def by_name(family: Family, name: str) -> ResultFormat | None:
    """The format of ``family`` whose short name is ``name`` (``json`` is JSON results or JSON-LD)."""
    return _BY_NAME.get((family, name.lower()))
