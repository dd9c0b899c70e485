"""The format table (formats.py): every name and alias, media type and extension leads to the right
pyoxigraph format; unknown names fail with a message naming the choices; rdflib's name for each format
reads what Oxigraph writes in it."""
from __future__ import annotations

import pickle

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from jakgraph import formats as F
from jakgraph.errors import FormatNotSupported

R, Q = ox.RdfFormat, ox.QueryResultsFormat

#: every short name jakgraph accepts, and the pyoxigraph format it must mean (written out, not derived)
EXPECTED_NAMES: dict[tuple[F.Family, str], ox.RdfFormat | ox.QueryResultsFormat] = {
    **{("solutions", n): Q.JSON for n in ("json", "srj")},
    **{("solutions", n): Q.XML for n in ("xml", "srx")},
    ("solutions", "csv"): Q.CSV,
    **{("solutions", n): Q.TSV for n in ("tsv", "tab")},
    **{("graph", n): R.TURTLE for n in ("ttl", "turtle")},
    **{("graph", n): R.N_TRIPLES for n in ("nt", "ntriples", "n-triples", "nt11")},
    **{("graph", n): R.RDF_XML for n in ("rdfxml", "rdf", "xml", "rdf-xml", "rdf+xml", "owl")},
    **{("graph", n): R.JSON_LD for n in ("jsonld", "json-ld", "json", "ld+json")},
    **{("graph", n): R.N_QUADS for n in ("nq", "nquads", "n-quads")},
    ("graph", "trig"): R.TRIG,
    ("graph", "n3"): R.N3,
}
#: file extensions read (curated files, jakgraph load) and the format each means
EXPECTED_EXTENSIONS = {"ttl": R.TURTLE, "turtle": R.TURTLE, "nt": R.N_TRIPLES, "ntriples": R.N_TRIPLES,
                       "nq": R.N_QUADS, "nquads": R.N_QUADS, "trig": R.TRIG, "n3": R.N3, "rdf": R.RDF_XML,
                       "owl": R.RDF_XML, "xml": R.RDF_XML, "jsonld": R.JSON_LD}
ALL = (*F.SOLUTIONS_FORMATS, *F.GRAPH_FORMATS)


@pytest.mark.parametrize(("family", "name"), sorted(EXPECTED_NAMES))
def test_every_name_maps_to_its_pyoxigraph_format(family: F.Family, name: str) -> None:
    fmt = F.format_named(family, name)
    assert fmt.ox == EXPECTED_NAMES[(family, name)]
    assert F.by_name(family, name.upper()) is fmt  # names are case-insensitive


def test_the_table_has_no_name_the_test_does_not_know() -> None:
    table = {(fmt.family, name) for fmt in ALL for name in fmt.all_names}
    assert table == set(EXPECTED_NAMES)


@pytest.mark.parametrize("fmt", ALL, ids=lambda f: f"{f.family}-{f.name}")
def test_media_type_and_extension_round_trip(fmt: F.ResultFormat) -> None:
    kind = R if fmt.family == "graph" else Q
    assert kind.from_media_type(fmt.media_type) == fmt.ox
    assert kind.from_extension(fmt.extension) == fmt.ox
    assert F.by_media_type(fmt.content_type, ALL) is fmt
    assert F.by_media_type(fmt.media_type.upper(), ALL) is fmt
    for alias in fmt.aliases:  # an alias selects its format among the formats of its family
        assert F.by_media_type(alias, F.SOLUTIONS_FORMATS if fmt.family == "solutions" else F.GRAPH_FORMATS) is fmt
    if fmt.family == "graph":
        assert F.by_extension(fmt.extension) is fmt and F.by_extension("." + fmt.extension.upper()) is fmt
    assert fmt.content_type == (f"{fmt.media_type}; charset=utf-8" if fmt.media_type.startswith("text/")
                                else fmt.media_type)
    assert pickle.loads(pickle.dumps(fmt)) == fmt  # crosses to the query workers


@pytest.mark.parametrize(("extension", "expected"), sorted(EXPECTED_EXTENSIONS.items()))
def test_every_extension_maps_to_its_format(extension: str, expected: ox.RdfFormat) -> None:
    found = F.by_extension(extension)
    assert found is not None and found.ox == expected


def test_service_description_iris() -> None:
    assert F.JSON.sd_iri == "http://www.w3.org/ns/formats/SPARQL_Results_JSON"
    assert F.TURTLE.sd_iri == "http://www.w3.org/ns/formats/Turtle"
    # pyoxigraph's own IRI for JSON-LD is not in the W3C formats namespace; the registered one is kept
    assert F.JSON_LD.sd_iri == "http://www.w3.org/ns/formats/JSON-LD"
    assert {fmt.sd_iri for fmt in F.GRAPH_FORMATS} == {fmt.ox.iri for fmt in F.GRAPH_FORMATS if fmt is not F.JSON_LD} | {
        F.JSON_LD.sd_iri}


@pytest.mark.parametrize("fmt", F.GRAPH_FORMATS, ids=lambda f: f.name)
def test_rdflib_reads_what_oxigraph_writes(fmt: F.ResultFormat) -> None:
    """The table's rdflib name is right: a graph Oxigraph serialises in the format parses back in rdflib."""
    ex = "http://example.org/"
    triples = [
        ox.Triple(ox.NamedNode(ex + "s"), ox.NamedNode(ex + "label"), ox.Literal("ruxolitinib", language="en")),
        ox.Triple(ox.NamedNode(ex + "s"), ox.NamedNode(ex + "dose"),
                  ox.Literal("0.4", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))),
        ox.Triple(ox.NamedNode(ex + "s"), ox.NamedNode(ex + "part"), ox.BlankNode("b0")),
        ox.Triple(ox.BlankNode("b0"), ox.NamedNode(ex + "note"), ox.Literal("plain")),
    ]
    body = ox.serialize(triples, format=fmt.rdf)
    expected = Graph().parse(data=ox.serialize(triples, format=R.N_TRIPLES), format="nt")
    assert fmt.rdflib
    if fmt.quads:
        parsed = Dataset()
        parsed.parse(data=body, format=fmt.rdflib)
        back = Graph()
        for s, p, o, _ in parsed.quads((None, None, None, None)):
            back.add((s, p, o))
    else:
        back = Graph().parse(data=body, format=fmt.rdflib)
    assert isomorphic(back, expected), fmt.name


@pytest.mark.parametrize(("family", "name"), [("graph", "excel"), ("solutions", "ttl"), ("graph", "csv"),
                                              ("solutions", "")])
def test_unknown_names_are_a_specific_error(family: F.Family, name: str) -> None:
    assert F.by_name(family, name) is None
    with pytest.raises(FormatNotSupported, match=f"unknown .*format {name!r}") as refused:
        F.format_named(family, name)
    listed = F.SOLUTIONS_FORMATS if family == "solutions" else F.GRAPH_FORMATS
    assert all(fmt.name in str(refused.value) for fmt in listed)


def test_a_name_outside_the_offer_is_refused_naming_the_offer() -> None:
    offered = (F.TURTLE, F.N_TRIPLES)
    assert F.format_named("graph", "turtle", offered) is F.TURTLE
    with pytest.raises(FormatNotSupported, match=r"known: ttl, turtle, nt, ntriples, n-triples, nt11\)"):
        F.format_named("graph", "jsonld", offered)


def test_unknown_extension_and_media_type() -> None:
    assert F.by_extension("docx") is None and F.by_extension("") is None
    assert F.by_media_type("image/png", ALL) is None
    assert F.by_media_type("", ALL) is None


@pytest.mark.parametrize(("header", "expected"), [
    (None, ("", {})),
    ("", ("", {})),
    ("text/turtle", ("text/turtle", {})),
    ("Application/SPARQL-Query; Charset=UTF-8", ("application/sparql-query", {"charset": "UTF-8"})),
    ('text/csv; charset="utf-8"; header=present', ("text/csv", {"charset": "utf-8", "header": "present"})),
    (b"application/n-triples;charset=utf-16", ("application/n-triples", {"charset": "utf-16"})),
])
def test_parse_content_type(header: str | bytes | None, expected: tuple[str, dict[str, str]]) -> None:
    assert F.parse_content_type(header) == expected


def test_typed_accessors_refuse_the_other_family() -> None:
    assert F.TURTLE.rdf is R.TURTLE or F.TURTLE.rdf == R.TURTLE
    assert F.CSV.results == Q.CSV and F.CSV.rdflib == ""
    with pytest.raises(TypeError, match="csv is a solutions format, not a RdfFormat"):
        F.CSV.rdf  # noqa: B018
    with pytest.raises(TypeError, match="ttl is a graph format, not a QueryResultsFormat"):
        F.TURTLE.results  # noqa: B018
