"""Dereferencing: which representation of a resource a request asks for, and the RDF one.

A request for ``/<path>`` is about the IRI ``https://w3id.org/jakgraph/<path>``. The representation is
chosen by a file extension (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.html``) or else by the Accept
header, by the one negotiator (``negotiation.py``); HTML when the client accepts anything. Every answer
names its alternates in a ``Link`` header; negotiated answers say ``Vary: Accept``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response

from jakgraph import formats
from jakgraph.formats import ResultFormat
from jakgraph.namespaces import BASE, ONTOLOGY_GRAPH, ONTOLOGY_IRI
from jakgraph.views.describe import describe, exists, used_prefixes
from jakgraph.web.negotiation import choose


@dataclass(frozen=True)
class Representation:
    """One way to serve a resource: the HTML page, or an RDF format of ``formats.py``."""

    name: str
    title: str
    extension: str
    media_types: tuple[str, ...]     # canonical first, then the aliases that select it in Accept
    format: ResultFormat | None      # None for HTML

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def content_type(self) -> str:
        return self.format.content_type if self.format is not None else "text/html; charset=utf-8"

    @property
    def rdf_format(self) -> ox.RdfFormat | None:
        return self.format.rdf if self.format is not None else None


def _rdf(name: str, fmt: ResultFormat, *more_aliases: str) -> Representation:
    return Representation(name, fmt.title, fmt.extension, (*fmt.media_types, *more_aliases), fmt)


HTML = Representation("html", "HTML", "html", ("text/html", "application/xhtml+xml"), None)
TURTLE = _rdf("turtle", formats.TURTLE, "text/n3")  # N3 readers read Turtle: served for text/n3 too
JSON_LD = _rdf("jsonld", formats.JSON_LD)
N_TRIPLES = _rdf("ntriples", formats.N_TRIPLES)
RDF_XML = _rdf("rdfxml", formats.RDF_XML)

#: server preference order (used to break ties between equally acceptable types)
REPRESENTATIONS: tuple[Representation, ...] = (HTML, TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
RDF_REPRESENTATIONS: tuple[Representation, ...] = REPRESENTATIONS[1:]
BY_EXTENSION: dict[str, Representation] = {r.extension: r for r in REPRESENTATIONS}

_SAFE_PATH = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@%/-]+$")


def negotiate(header: str | None, offered: tuple[Representation, ...] = REPRESENTATIONS) -> Representation | None:
    """The offered representation the Accept header prefers (``negotiation.choose``'s rules), or None."""
    return choose(header, offered, [rep.media_types for rep in offered])


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
    body = ox.serialize(triples, format=rep.rdf_format, prefixes=prefixes)
    assert body is not None  # no output file given: the bytes come back
    return body


def rdf_response(request: Request, triples: list[ox.Triple], rep: Representation,
                 headers: dict[str, str]) -> Response:
    body = b"" if request.method == "HEAD" else serialise(triples, rep)
    response = Response(content=body, media_type=rep.content_type, headers=headers)
    if request.method == "HEAD":
        response.headers["content-length"] = str(len(serialise(triples, rep)))
    return response
