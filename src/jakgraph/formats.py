"""Every serialisation jakgraph reads or writes, in one table built on pyoxigraph's own format objects.

pyoxigraph already knows each format's media type, file extension and W3C format IRI
(``ox.RdfFormat.TURTLE.media_type`` …); this module takes them from there and adds only what jakgraph needs
on top: the short names users type (``format=ttl``, ``jakgraph export --format xml``, ``load --format owl``),
the further media types clients send for a format (``application/json`` for JSON results or JSON-LD), the
further file extensions curated and loaded files use (``.owl``, ``.turtle``), and rdflib's name for the
format, for the graphs rdflib builds and serialises itself (the dumps with their prefixes, VoID, the Service
Description, validation reports). Both engines read and write every RDF format here, JSON-LD included
(pyoxigraph since 0.5); ``rdflib`` is set for each, so a caller never keeps its own name map.

Two families: SELECT/ASK results (``solutions``) and RDF graphs (``graph``). The order of ``SOLUTIONS_FORMATS``
and ``GRAPH_FORMATS`` is the server's preference when a client accepts several equally (``*/*``).
Entries are plain, picklable values (they travel to the query workers); ``fmt.rdf`` / ``fmt.results`` give
the pyoxigraph format object, typed (``fmt.ox`` either). ``parse_content_type`` reads a ``Content-Type``
value with python-multipart's parser, for every place that needs a media type and its charset.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

import pyoxigraph as ox
from pyoxigraph import QueryResultsFormat, RdfFormat
from python_multipart.multipart import parse_options_header

from jakgraph.errors import FormatNotSupported

__all__ = [
    "CSV",
    "GRAPH_FORMATS",
    "JSON",
    "JSON_LD",
    "N3",
    "N_QUADS",
    "N_TRIPLES",
    "RDF_XML",
    "SOLUTIONS_FORMATS",
    "TRIG",
    "TSV",
    "TURTLE",
    "XML",
    "Family",
    "ResultFormat",
    "by_extension",
    "by_media_type",
    "by_name",
    "format_named",
    "names",
    "parse_content_type",
    "written",
]

Family = Literal["solutions", "graph"]
OxFormat = RdfFormat | QueryResultsFormat
_F = TypeVar("_F", RdfFormat, QueryResultsFormat)


@dataclass(frozen=True)
class ResultFormat:
    """One serialisation: pyoxigraph's facts about it, and jakgraph's names for it."""

    name: str                       # the canonical short name: ``format=json``
    family: Family
    media_type: str                 # what Content-Type says (without parameters)
    extension: str                  # the file extension jakgraph writes, without the dot
    sd_iri: str                     # the W3C formats IRI, for sd:resultFormat
    aliases: tuple[str, ...] = ()   # further media types that select it in Accept or format=
    names: tuple[str, ...] = ()     # further short names
    extensions: tuple[str, ...] = ()  # further file extensions it is read from
    rdflib: str = ""                # rdflib's parser/serialiser name (graph formats; "" for results)

    @property
    def text(self) -> bool:
        """A ``text/*`` type: its Content-Type carries ``charset=utf-8`` (no other type here defines one)."""
        return self.media_type.startswith("text/")

    @property
    def content_type(self) -> str:
        return content_type(self.media_type)

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)

    @property
    def title(self) -> str:
        """pyoxigraph's human name: ``Turtle``, ``JSON-LD``, ``SPARQL Results in CSV``."""
        return self.ox.name

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.names)

    @property
    def ox(self) -> OxFormat:
        """pyoxigraph's format object (looked up, so that the entry itself stays picklable)."""
        return _OX[(self.family, self.name)]

    @property
    def rdf(self) -> RdfFormat:
        """pyoxigraph's ``RdfFormat`` (graph formats; TypeError for a results format)."""
        return self._ox_as(RdfFormat)

    @property
    def results(self) -> QueryResultsFormat:
        """pyoxigraph's ``QueryResultsFormat`` (results formats; TypeError for an RDF format)."""
        return self._ox_as(QueryResultsFormat)

    def _ox_as(self, kind: type[_F]) -> _F:
        fmt = self.ox
        if not isinstance(fmt, kind):
            raise TypeError(f"{self.name} is a {self.family} format, not a {kind.__name__}")
        return fmt

    @property
    def quads(self) -> bool:
        """True when the format keeps named graphs (N-Quads, TriG, JSON-LD)."""
        fmt = self.ox
        return isinstance(fmt, RdfFormat) and fmt.supports_datasets


def content_type(media_type: str) -> str:
    """The Content-Type header for a media type: ``text/*`` types carry ``charset=utf-8`` (no other type
    served here defines a charset parameter)."""
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def parse_content_type(header: str | bytes | None) -> tuple[str, dict[str, str]]:
    """(media type in lower case, parameters with lower-case names) of a ``Content-Type`` value.

    python-multipart's parser (what Starlette reads forms with) does the work: quoted values, RFC 2231.
    ``("", {})`` for a missing or empty header.

    >>> parse_content_type('Application/SPARQL-Query; Charset="UTF-8"')
    ('application/sparql-query', {'charset': 'UTF-8'})
    """
    media, params = parse_options_header(header or "")
    return media.decode("latin-1"), {k.decode("latin-1"): v.decode("latin-1") for k, v in params.items()}


_OX: dict[tuple[Family, str], OxFormat] = {}


def _entry(fmt: OxFormat, name: str, *, aliases: tuple[str, ...] = (), names: tuple[str, ...] = (),
           extensions: tuple[str, ...] = (), rdflib: str = "", sd_iri: str | None = None) -> ResultFormat:
    family: Family = "graph" if isinstance(fmt, ox.RdfFormat) else "solutions"
    _OX[(family, name)] = fmt
    return ResultFormat(name, family, parse_content_type(fmt.media_type)[0], fmt.file_extension,
                        sd_iri or fmt.iri, aliases, names, extensions, rdflib)


JSON = _entry(ox.QueryResultsFormat.JSON, "json", aliases=("application/json",), names=("srj",))
XML = _entry(ox.QueryResultsFormat.XML, "xml", aliases=("application/xml", "text/xml"), names=("srx",))
CSV = _entry(ox.QueryResultsFormat.CSV, "csv")
TSV = _entry(ox.QueryResultsFormat.TSV, "tsv", names=("tab",))

TURTLE = _entry(ox.RdfFormat.TURTLE, "ttl", aliases=("application/x-turtle",), names=("turtle",),
                extensions=("turtle",), rdflib="turtle")
N_TRIPLES = _entry(ox.RdfFormat.N_TRIPLES, "nt", aliases=("text/plain",), names=("ntriples", "n-triples", "nt11"),
                   extensions=("ntriples",), rdflib="nt")
RDF_XML = _entry(ox.RdfFormat.RDF_XML, "rdfxml", aliases=("application/xml", "text/xml"),
                 names=("rdf", "xml", "rdf-xml", "rdf+xml", "owl"), extensions=("owl", "xml"), rdflib="xml")
# pyoxigraph names JSON-LD https://www.w3.org/ns/formats/data/JSON-LD, an IRI the W3C formats namespace does
# not define; the Service Description keeps the registered one
JSON_LD = _entry(ox.RdfFormat.JSON_LD, "jsonld", aliases=("application/json",), names=("json-ld", "json", "ld+json"),
                 rdflib="json-ld", sd_iri="http://www.w3.org/ns/formats/JSON-LD")
N_QUADS = _entry(ox.RdfFormat.N_QUADS, "nq", names=("nquads", "n-quads"), extensions=("nquads",), rdflib="nquads")
TRIG = _entry(ox.RdfFormat.TRIG, "trig", rdflib="trig")
N3 = _entry(ox.RdfFormat.N3, "n3", rdflib="n3")

#: SELECT / ASK, in the server's order of preference
SOLUTIONS_FORMATS: tuple[ResultFormat, ...] = (JSON, XML, CSV, TSV)
#: CONSTRUCT / DESCRIBE and every RDF file, in the server's order of preference
GRAPH_FORMATS: tuple[ResultFormat, ...] = (TURTLE, N_TRIPLES, RDF_XML, JSON_LD, N_QUADS, TRIG, N3)

_BY_NAME: dict[tuple[Family, str], ResultFormat] = {
    (fmt.family, name): fmt for fmt in (*SOLUTIONS_FORMATS, *GRAPH_FORMATS) for name in fmt.all_names
}
_BY_EXTENSION: dict[str, ResultFormat] = {
    ext: fmt for fmt in GRAPH_FORMATS for ext in (fmt.extension, *fmt.extensions)
}


def by_name(family: Family, name: str) -> ResultFormat | None:
    """The format of ``family`` whose short name is ``name`` (``json`` is JSON results or JSON-LD)."""
    return _BY_NAME.get((family, name.lower()))


def names(family: Family) -> list[str]:
    """Every short name of ``family``, sorted (for a CLI's choices or an error message)."""
    return sorted(name for fam, name in _BY_NAME if fam == family)


def format_named(family: Family, name: str, among: tuple[ResultFormat, ...] | None = None) -> ResultFormat:
    """Like :func:`by_name`, restricted to ``among`` if given; :class:`FormatNotSupported` naming the choices."""
    fmt = by_name(family, name)
    if fmt is None or (among is not None and fmt not in among):
        offered = among if among is not None else (SOLUTIONS_FORMATS if family == "solutions" else GRAPH_FORMATS)
        known = ", ".join(n for f in offered for n in f.all_names)
        kind = "results" if family == "solutions" else "RDF"
        raise FormatNotSupported(f"unknown {kind} format {name!r} (known: {known})")
    return fmt


def by_extension(extension: str) -> ResultFormat | None:
    """The RDF format of a file extension (``ttl``, ``.nq``, ``owl``), or None."""
    return _BY_EXTENSION.get(extension.lower().lstrip("."))


def by_media_type(media_type: str, among: tuple[ResultFormat, ...]) -> ResultFormat | None:
    """The format of ``among`` that a media type (parameters ignored, aliases included) names, or None."""
    essence = parse_content_type(media_type)[0]
    return next((fmt for fmt in among if essence in fmt.media_types), None)



def written(output: bytes | None) -> bytes:
    """What a pyoxigraph ``serialize`` given no output file returns: the bytes (its stub says ``bytes | None``,
    None being the return when it writes to a file)."""
    if output is None:
        raise TypeError("pyoxigraph returned no bytes: it was given an output file")
    return output
