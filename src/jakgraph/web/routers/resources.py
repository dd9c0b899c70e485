"""Dereferenceable IRIs: ``https://w3id.org/jakgraph/<path>`` is served at ``/<path>``.

One route per IRI folder of ``namespaces.PREFIXES`` (drug/, disease/, statement/ …, vocab/) and one for the
ontology IRI, so the routes never depend on the order routers are included in; ``fallback.py`` answers
every other path (other IRIs under the base, and the helpful 404 page).
"""
from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from jakgraph.namespaces import BASE, DERIVED_GRAPH, JAK, ONTOLOGY_IRI, PREFIXES, curie
from jakgraph.views.describe import RDF_TYPE, View, as_link, external_identifiers, facts_in, facts_out
from jakgraph.views.evidence import evidence_card, is_evidence, reference, reference_sort_key, sentence_place
from jakgraph.views.siteindex import site_index, suggestions
from jakgraph.web import linkeddata as ld
from jakgraph.web.routers.ontology import ontology_page
from jakgraph.web.templating import render

router = APIRouter(tags=["linked data"])

#: the IRI folders under the base (``drug``, ``statement``, ``vocab`` …), each served by its own route
FOLDERS: tuple[str, ...] = tuple(sorted(
    ns[len(BASE):].strip("/") for ns in PREFIXES.values() if ns.startswith(BASE) and ns != BASE
))
SENTENCE_CLASS = ox.NamedNode(str(JAK["Sentence"]))


def dereference(request: Request, path: str) -> Response:
    """The representation of the resource a path names, or the 404 page."""
    store: ox.Store = request.app.state.jak.graph.store
    target = ld.resolve(store, path)
    if target is None:
        return not_found(request, path)
    rep = target.forced or ld.negotiate(request.headers.get("accept"))
    if rep is None:
        return not_acceptable(target)
    headers = ld.response_headers(target, rep)
    if rep is ld.HTML:
        if target.iri.value == str(ONTOLOGY_IRI):
            # the ontology IRI's page is its documentation
            return ontology_page(request, headers)
        return render(request, "entity.html", entity_context(store, target), headers=headers)
    return ld.rdf_response(request, ld.triples_for(store, target.iri), rep, headers)


def entity_context(store: ox.Store, target: ld.Target) -> dict[str, Any]:
    view = View(store)
    iri = target.iri
    types = view.types(iri)
    incoming, incoming_total = facts_in(view, iri, str(DERIVED_GRAPH))
    context: dict[str, Any] = {
        "title": view.label(iri),
        "iri": iri.value,
        "curie": curie(iri.value),
        "types": [as_link(view, t) for t in types],
        "definition": view.definition(iri),
        "identifiers": external_identifiers(view, iri),
        "facts_out": [f for f in facts_out(view, iri, str(DERIVED_GRAPH)) if f.predicate.iri != RDF_TYPE.value],
        "facts_in": incoming,
        "facts_in_total": incoming_total,
        "formats": ld.RDF_REPRESENTATIONS,
        "stem": target.stem,
        "card": evidence_card(view, iri) if is_evidence(view, iri) else None,
        "supporting_text": view.text(iri, JAK["supportingText"]),
        "sentences": [sentence_place(view, s) for s in view.objects(iri, JAK["inSentence"])
                      if isinstance(s, ox.NamedNode)],
        "references": sorted((reference(view, r) for r in view.objects(iri, JAK["citesReference"])
                              if isinstance(r, ox.NamedNode)), key=reference_sort_key),
        "is_vocab": iri.value.startswith(str(JAK)),
        "sentence": None,
    }
    if view.has_type(iri, SENTENCE_CLASS):
        context["sentence"] = sentence_context(view, iri)
    return context


def sentence_context(view: View, iri: ox.NamedNode) -> dict[str, Any]:
    """The sentence's place, text, neighbours in reading order, and the statements read from it."""
    place = sentence_place(view, iri)
    neighbours: dict[str, Any] = {}
    if place.reading_order and place.reading_order.isdigit():
        order = int(place.reading_order)
        for name, wanted in (("previous", order - 1), ("next", order + 1)):
            literal = ox.Literal(str(wanted), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
            found = view.subjects(JAK["readingOrder"], literal)
            if not found:
                literal = ox.Literal(str(wanted), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#positiveInteger"))
                found = view.subjects(JAK["readingOrder"], literal)
            neighbours[name] = as_link(view, found[0]) if found else None
    statements = [as_link(view, s) for s in view.subjects(JAK["inSentence"], iri)]
    return {"place": place, "statements": statements, **neighbours,
            "not_modelled": view.text(iri, JAK["notModelledBecause"])}


def not_found(request: Request, path: str) -> Response:
    wants = ld.negotiate(request.headers.get("accept"))
    index = site_index(request)
    hits = suggestions(index, path) if ld.safe_path("/" + path.lstrip("/")) else []
    if wants is not None and wants is not ld.HTML:
        lines = [f"404 Not Found: no resource <{BASE}{path.lstrip('/')}> in jakgraph."]
        lines += [f"Did you mean <{e.iri}>?" for e in hits]
        return PlainTextResponse("\n".join(lines) + "\n", status_code=404, headers={"Vary": "Accept"})
    iri = BASE + path.lstrip("/") if ld.safe_path("/" + path.lstrip("/")) else None
    return render(request, "not_found.html", {"title": "Not found", "asked": iri, "suggestions": hits,
                                              "folders": FOLDERS},
                  status_code=404, headers={"Vary": "Accept"})


def not_acceptable(target: ld.Target) -> Response:
    offered = ", ".join(r.media_type for r in ld.REPRESENTATIONS)
    return PlainTextResponse(f"406 Not Acceptable: <{target.iri.value}> is available as {offered}\n",
                             status_code=406,
                             headers={"Vary": "Accept", "Link": ld.link_header(target, ld.HTML)})


def _folder_route(folder: str):
    def serve(request: Request, rest: str) -> Response:
        return dereference(request, f"{folder}/{rest}")

    serve.__name__ = f"dereference_{folder.replace('-', '_')}"
    return serve


for _folder in FOLDERS:
    router.add_api_route(f"/{_folder}/{{rest:path}}", _folder_route(_folder), methods=["GET", "HEAD"],
                         response_class=HTMLResponse, summary=f"a resource under {BASE}{_folder}/")


@router.api_route("/ontology", methods=["GET", "HEAD"], response_class=HTMLResponse,
                  summary="the ontology IRI: documentation (HTML) or the ontology graph (RDF)")
def ontology_iri(request: Request) -> Response:
    return dereference(request, "ontology")


@router.api_route("/ontology.{extension}", methods=["GET", "HEAD"], include_in_schema=False)
def ontology_file(request: Request, extension: str) -> Response:
    return dereference(request, f"ontology.{extension}")
