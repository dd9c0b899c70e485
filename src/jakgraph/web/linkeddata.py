"""Dereferencing: which representation of a resource a request asks for, and the RDF one.

A request for ``/<path>`` is about the IRI ``https://w3id.org/jakgraph/<path>``. The representation is
chosen by a file extension (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.html``) or else by the Accept
header with its q-values; HTML when the client accepts anything. Every answer names its alternates in a
``Link`` header; negotiated answers say ``Vary: Accept``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response

from jakgraph.views.describe import describe, exists, used_prefixes
from jakgraph.namespaces import BASE, ONTOLOGY_GRAPH, ONTOLOGY_IRI


@dataclass(frozen=True)
class Representation:
    name: str
    media_type: str
    extension: str
    title: str
    rdf_format: ox.RdfFormat | None  # None for HTML

    @property
    def content_type(self) -> str:
        charset = "; charset=utf-8" if self.media_type.startswith("text/") or self.extension == "jsonld" else ""
        return self.media_type + charset


HTML = Representation("html", "text/html", "html", "HTML", None)
TURTLE = Representation("turtle", "text/turtle", "ttl", "Turtle", ox.RdfFormat.TURTLE)
JSON_LD = Representation("jsonld", "application/ld+json", "jsonld", "JSON-LD", ox.RdfFormat.JSON_LD)
N_TRIPLES = Representation("ntriples", "application/n-triples", "nt", "N-Triples", ox.RdfFormat.N_TRIPLES)
RDF_XML = Representation("rdfxml", "application/rdf+xml", "rdf", "RDF/XML", ox.RdfFormat.RDF_XML)

#: server preference order (used to break ties between equally acceptable types)
REPRESENTATIONS: tuple[Representation, ...] = (HTML, TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
RDF_REPRESENTATIONS: tuple[Representation, ...] = REPRESENTATIONS[1:]
BY_EXTENSION: dict[str, Representation] = {r.extension: r for r in REPRESENTATIONS}
#: media types that mean one of ours
MEDIA_TYPES: dict[str, Representation] = {
    **{r.media_type: r for r in REPRESENTATIONS},
    "application/xhtml+xml": HTML,
    "application/x-turtle": TURTLE,
    "text/n3": TURTLE,
    "application/json": JSON_LD,
    "text/plain": N_TRIPLES,
    "application/xml": RDF_XML,
    "text/xml": RDF_XML,
}

_SAFE_PATH = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@%/-]+$")


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """(media range, q, position) for each entry of an Accept header; malformed q counts as 0."""
    if not header:
        return [("*/*", 1.0, 0)]
    ranges = []
    for position, item in enumerate(header.split(",")):
        fields = [f.strip() for f in item.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append((media, q, position))
    return ranges or [("*/*", 1.0, 0)]


def negotiate(header: str | None, offered: tuple[Representation, ...] = REPRESENTATIONS) -> Representation | None:
    """The offered representation the Accept header prefers, or None when none is acceptable.

    Each representation takes the q of the most specific range that matches it (its own type or an alias,
    then ``type/*``, then ``*/*``); the highest q wins; ties go to the type the client named first, then to
    the server's order (HTML first, so a bare ``*/*`` gets the page).
    """
    ranges = parse_accept(header)
    best: tuple[float, int, int, int] | None = None
    chosen: Representation | None = None
    for preference, rep in enumerate(offered):
        aliases = {m for m, r in MEDIA_TYPES.items() if r is rep}
        match: tuple[int, float, int] | None = None  # (specificity, q, position)
        for media, q, position in ranges:
            if media == rep.media_type:
                specificity = 3
            elif media in aliases:
                specificity = 2
            elif media.endswith("/*") and media != "*/*" and any(a.startswith(media[:-1]) for a in aliases):
                specificity = 1
            elif media == "*/*":
                specificity = 0
            else:
                continue
            if match is None or specificity > match[0]:
                match = (specificity, q, position)
        if match is None or match[1] <= 0:
            continue
        specificity, q, position = match
        key = (q, 1 if specificity >= 2 else 0, -position, -preference)
        if best is None or key > best:
            best, chosen = key, rep
    return chosen


@dataclass
class Target:
    """What a request path names: the IRI, the path without extension, and a representation forced by it."""

    iri: ox.NamedNode
    stem: str
    forced: Representation | None


def safe_path(path: str) -> bool:
    """No traversal, no empty segments, nothing outside the IRI-safe characters."""
    if not path or len(path) > 1000 or not _SAFE_PATH.match(path):
        return False
    segments = path.strip("/").split("/")
    return all(seg not in ("", ".", "..") for seg in segments) and "\\" not in path


def resolve(store: ox.Store, path: str) -> Target | None:
    """The resource a server path names (``/drug/x``, ``/drug/x.ttl``), or None when the graph has no such IRI."""
    path = "/" + path.lstrip("/")
    if not safe_path(path):
        return None
    whole = ox.NamedNode(BASE + path[1:])
    if exists(store, whole):
        return Target(whole, path, None)
    stem, dot, extension = path.rpartition(".")
    if dot and extension in BY_EXTENSION and "/" not in extension and stem and stem != "/":
        named = ox.NamedNode(BASE + stem[1:])
        if exists(store, named):
            return Target(named, stem, BY_EXTENSION[extension])
    return None


def link_header(target: Target, current: Representation) -> str:
    """``Link`` values naming every alternate representation (relative to the request) and the canonical IRI."""
    links = [f'<{target.iri.value}>; rel="canonical"']
    for rep in REPRESENTATIONS:
        rel = "self" if rep is current else "alternate"
        links.append(f'<{target.stem}.{rep.extension}>; rel="{rel}"; type="{rep.media_type}"')
    return ", ".join(links)


def response_headers(target: Target, rep: Representation) -> dict[str, str]:
    headers = {"Link": link_header(target, rep), "Content-Location": f"{target.stem}.{rep.extension}"}
    if target.forced is None:
        headers["Vary"] = "Accept"
    return headers


def triples_for(store: ox.Store, iri: ox.NamedNode, extra: list[ox.Triple] | None = None) -> list[ox.Triple]:
    """The description served for an IRI; the ontology IRI gives the whole ontology graph."""
    if iri == ONTOLOGY_IRI_NODE:
        triples = [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(str(ONTOLOGY_GRAPH)))]
    else:
        triples = describe(store, iri)
    if extra:
        seen = set(triples)
        triples.extend(t for t in extra if t not in seen)
    return sorted(triples, key=lambda t: _triple_order(t, iri))


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _triple_order(triple: ox.Triple, iri: ox.NamedNode) -> tuple[int, str, int, str, str]:
    """The resource's own triples first, then by subject; rdf:type first within a subject (tidy Turtle)."""
    subject = triple.subject
    rank = 0 if subject == iri else (1 if isinstance(subject, ox.NamedNode) else 2)
    return (rank, str(subject), 0 if triple.predicate.value == _RDF_TYPE else 1, triple.predicate.value,
            str(triple.object))


ONTOLOGY_IRI_NODE = ox.NamedNode(str(ONTOLOGY_IRI))


def serialise(triples: list[ox.Triple], rep: Representation) -> bytes:
    assert rep.rdf_format is not None
    prefixes = used_prefixes(triples) if rep in (TURTLE, RDF_XML) else None
    return ox.serialize(triples, format=rep.rdf_format, prefixes=prefixes)


def rdf_response(request: Request, triples: list[ox.Triple], rep: Representation,
                 headers: dict[str, str]) -> Response:
    body = b"" if request.method == "HEAD" else serialise(triples, rep)
    response = Response(content=body, media_type=rep.content_type, headers=headers)
    if request.method == "HEAD":
        response.headers["content-length"] = str(len(serialise(triples, rep)))
    return response
