"""``/ontology`` (HTML): the ontology documentation; ``/schema``: the shapes' schema page (``docs/schema.md``)."""
from __future__ import annotations

import markdown
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jakgraph import paths
from jakgraph.publish.ontodoc import ontology_doc
from jakgraph.web import linkeddata as ld
from jakgraph.web.templating import render

router = APIRouter(tags=["documentation"])


def ontology_page(request: Request, headers: dict[str, str] | None = None) -> HTMLResponse:
    """The ontology IRI's HTML representation (called by the dereferencing route for ``/ontology``)."""
    doc = ontology_doc(request.app.state.jak.graph.store)
    return render(request, "ontology.html", {"title": "Ontology", "doc": doc, "formats": ld.RDF_REPRESENTATIONS,
                                             "schema_present": _schema_path().is_file()}, headers=headers)


def _schema_path():
    return paths.ROOT / "docs" / "schema.md"


@router.api_route("/schema", methods=["GET", "HEAD"], response_class=HTMLResponse, summary="the data schema documented from the SHACL shapes")
def schema_page(request: Request) -> HTMLResponse:
    path = _schema_path()
    html = None
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        html = markdown.markdown(text, extensions=["tables", "fenced_code", "toc"])
        return render(request, "schema.html", {"title": "Schema", "html": html, "text": text})
    return render(request, "schema.html", {"title": "Schema", "html": None, "text": None})
