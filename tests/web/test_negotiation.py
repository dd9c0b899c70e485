"""Content negotiation (Accept with q-values, format=) and the reading of protocol requests, as units."""
from __future__ import annotations

import pytest

from jakgraph import formats as F
from jakgraph.errors import NotAcceptable, RequestError
from jakgraph.web.negotiation import Offer, choose, choose_format, not_acceptable, offer_named, parse_accept
from jakgraph.web.protocol import parse_get, parse_post, status_for

SOL, GRA = F.SOLUTIONS_FORMATS, F.GRAPH_FORMATS


def test_parse_accept_is_lenient() -> None:
    ranges = parse_accept("text/csv;q=0.5, garbage, */html, application/*;q=x, text/turtle;charset=utf-8")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("text", "csv", 0.5), ("application", "*", 0.0), ("text", "turtle", 1.0)]
    assert [(r.type, r.subtype) for r in parse_accept("")] == [("*", "*")]
    assert [(r.type, r.subtype) for r in parse_accept(None)] == [("*", "*")]


@pytest.mark.parametrize(("accept", "offered", "expected"), [
    (None, SOL, F.JSON),
    ("text/tab-separated-values, text/csv", SOL, F.CSV),  # equal q and specificity: the server's order
    ("text/csv;q=0.9, text/tab-separated-values", SOL, F.TSV),
    ("application/json", GRA, F.JSON_LD),
    ("application/xml", SOL, F.XML),
    ("application/xml", GRA, F.RDF_XML),
    ("text/*", GRA, F.TURTLE),
    ("text/*;q=0.5, application/n-triples", GRA, F.N_TRIPLES),
    ("image/png", SOL, None),
    ("text/turtle;q=0", GRA, None),
    # the tie-break: equal q, then a type named explicitly beats one reached by a wildcard …
    ("text/*, application/n-triples", GRA, F.N_TRIPLES),
    ("*/*, text/csv", SOL, F.CSV),
    # … then the server's order; the order in the header carries no meaning
    ("application/n-triples, text/turtle", GRA, F.TURTLE),
    ("text/turtle, application/n-triples", GRA, F.TURTLE),
    # q decides before anything else
    ("text/turtle;q=0.5, application/n-triples;q=0.6", GRA, F.N_TRIPLES),
    # the most specific range decides an offer's q: text/turtle;q=0 beats */*
    ("text/turtle;q=0, */*", GRA, F.N_TRIPLES),
    ("*/*;q=0", SOL, None),
    ("text/*;q=0, */*;q=0.5", GRA, F.N_TRIPLES),
    # wildcards reach canonical types only: text/* does not select XML results through text/xml
    ("text/*", SOL, F.CSV),
    ("application/sparql-results+json;q=0, */*", SOL, F.XML),
    # an alias named explicitly counts as naming the format
    ("application/json, text/csv;q=0.9", SOL, F.JSON),
])
def test_choose_format_by_accept(accept: str | None, offered: tuple, expected: F.ResultFormat | None) -> None:
    assert choose_format(offered, accept, None) is expected


@pytest.mark.parametrize(("value", "offered", "expected"), [
    ("csv", SOL, F.CSV), ("TSV", SOL, F.TSV), ("json", GRA, F.JSON_LD), ("rdf+xml", GRA, F.RDF_XML),
    ("application/rdf+xml, rdf+xml", GRA, F.RDF_XML), ("json-ld, application/ld+json", GRA, F.JSON_LD),
    ("text/csv; charset=utf-8", SOL, F.CSV), ("csv", GRA, None), ("turtle", SOL, None),
])
def test_choose_format_by_parameter(value: str, offered: tuple, expected: F.ResultFormat | None) -> None:
    assert choose_format(offered, "image/png", value) is expected


def test_unknown_format_parameter_is_a_bad_request() -> None:
    with pytest.raises(RequestError, match="names no format"):
        choose_format(SOL, None, "excel")


def test_choose_generic_offers() -> None:
    offers = [Offer(("application/json",), "json"), Offer(("text/html",), "html")]
    assert choose("text/html,*/*;q=0.8", [o.value for o in offers], [o.media_types for o in offers]) == "html"
    assert choose("*/*", [o.value for o in offers], [o.media_types for o in offers]) == "json"


def test_format_parameter_overrides_accept() -> None:
    assert choose_format(SOL, "application/sparql-results+json", "csv") is F.CSV
    assert choose_format(SOL, "text/csv;q=0", "csv") is F.CSV  # format= wins even over a refusal in Accept
    assert choose_format(GRA, None, "nope, nt") is F.N_TRIPLES  # the first value the offer has
    assert choose_format(SOL, None, "srj") is F.JSON and choose_format(SOL, None, "tab") is F.TSV


def test_not_acceptable_names_every_format_on_offer() -> None:
    error = not_acceptable("a CONSTRUCT result", GRA, None, "csv")
    assert "format=csv" in str(error)
    assert all(fmt.media_type in str(error) for fmt in GRA)


def test_unknown_format_parameter_lists_the_names() -> None:
    with pytest.raises(RequestError, match=r"\(json, xml, csv, tsv, ttl, nt, rdfxml, jsonld, nq, trig, n3, or a media type\)"):
        choose_format(GRA, None, "excel, ")


def test_not_acceptable_lists_what_is_available() -> None:
    error = not_acceptable("a SELECT result", SOL, "text/turtle", None)
    assert isinstance(error, NotAcceptable) and status_for(error) == 406
    assert "application/sparql-results+json" in str(error) and "Accept: text/turtle" in str(error)


def test_parse_get() -> None:
    op = parse_get(b"query=ASK%20%7B%7D&default-graph-uri=http%3A%2F%2Fa%2F&named-graph-uri=http%3A%2F%2Fb%2F&format=csv")
    assert (op.query, op.default_graph_uris, op.named_graph_uris, op.format) == (
        "ASK {}", ("http://a/",), ("http://b/",), "csv")
    assert parse_get(b"").query is None  # the service description
    assert parse_get(b"format=ttl").query is None


@pytest.mark.parametrize(("query_string", "message"), [
    (b"query=a&query=b", "2 query parameters"),
    (b"update=CLEAR%20ALL", "read-only"),
    (b"default-graph-uri=x&query=ASK%7B%7D", "not an absolute IRI"),
    (b"default-graph-uri=http%3A%2F%2Fa%2F", "missing query"),
    (b"query=%FF", "UTF-8"),
])
def test_parse_get_refusals(query_string: bytes, message: str) -> None:
    with pytest.raises(RequestError, match=message) as refused:
        parse_get(query_string)
    assert refused.value.status == 400


@pytest.mark.parametrize(("content_type", "body", "status", "message"), [
    (None, b"query=ASK", 400, "Content-Type"),
    ("text/plain", b"ASK {}", 415, "unsupported"),
    ("application/sparql-query; charset=utf-16", "ASK {}".encode("utf-16"), 415, "UTF-8"),
    ("application/sparql-query", b"\xff\xfe", 400, "UTF-8"),
    ("application/sparql-update", b"CLEAR ALL", 400, "read-only"),
    ("application/x-www-form-urlencoded", b"update=CLEAR%20ALL", 400, "read-only"),
    ("application/x-www-form-urlencoded", b"format=csv", 400, "missing query"),
])
def test_parse_post_refusals(content_type: str | None, body: bytes, status: int, message: str) -> None:
    with pytest.raises(RequestError, match=message) as refused:
        parse_post(b"", content_type, body)
    assert refused.value.status == status


def test_parse_post() -> None:
    direct = parse_post(b"named-graph-uri=http%3A%2F%2Fg%2F", "Application/SPARQL-Query; charset=UTF-8",
                        "\ufeffSELECT ('é' AS ?x) {}".encode())
    assert direct.query == "SELECT ('é' AS ?x) {}" and direct.named_graph_uris == ("http://g/",)
    form = parse_post(b"format=tsv", "application/x-www-form-urlencoded", b"query=ASK+%7B%7D&format=")
    assert (form.query, form.format) == ("ASK {}", "tsv")


def _named(offers: list[Offer], name: str) -> object:
    offer = offer_named(offers, name)
    assert offer is not None, name
    return offer.value


def test_offer_named_by_short_name_or_media_type() -> None:
    offers = [Offer(("application/json",), "json", ("json",)), Offer(("text/turtle",), "ttl", ("ttl", "turtle"))]
    assert _named(offers, "Turtle") == "ttl"
    assert _named(offers, "text/turtle; charset=utf-8") == "ttl"
    assert _named(offers, "APPLICATION/JSON") == "json"
    assert offer_named(offers, "csv") is None and offer_named(offers, "text/csv") is None
