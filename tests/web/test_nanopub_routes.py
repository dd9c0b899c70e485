"""Over HTTP, against ``jakgraph serve``: the nanopublications at /np/, the example queries at
/.well-known/sparql-examples, and the exchange files on /download/ and in VoID/DCAT."""
from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from rdflib import ConjunctiveGraph, Graph, URIRef
from rdflib.namespace import RDF

from jakgraph import paths
from jakgraph.namespaces import NANOPUB
from jakgraph.publish.nanopub import verify

pytestmark = pytest.mark.server
SH = "http://www.w3.org/ns/shacl#"


def get(url: str, accept: str | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


@pytest.fixture(scope="module")
def card_link(live_server) -> str:
    status, _, body = get(live_server.base + "statement/savi-ruxolitinib", "text/html")
    assert status == 200
    found = re.search(r'class="nanopub-link" href="(/np/RA[A-Za-z0-9_-]{43})"', body.decode("utf-8"))
    assert found, "the evidence card links to its nanopublication"
    return found.group(1)


def test_the_card_link_dereferences_in_every_format(live_server, card_link: str) -> None:
    url = live_server.base.rstrip("/") + card_link
    status, headers, body = get(url, "application/trig")
    assert status == 200 and headers["content-type"].startswith("application/trig")
    assert headers["vary"] == "Accept" and 'rel="alternate"' in headers["link"]
    info = verify(body.decode("utf-8"))  # nanopub-sign: the served TriG is a valid Trusty nanopublication
    code = card_link.rsplit("/", 1)[-1]
    assert info["trusty_hash"] == code and info["uri"]["value"] == str(NANOPUB) + code
    status, headers, body = get(url, "application/n-quads")
    assert status == 200 and headers["content-type"] == "application/n-quads"
    quads = ConjunctiveGraph()
    quads.parse(data=body.decode("utf-8"), format="nquads")
    assert len({c.identifier for c in quads.contexts()}) == 4
    status, headers, body = get(url, "application/ld+json")
    assert status == 200 and headers["content-type"].startswith("application/ld+json")
    as_jsonld = ConjunctiveGraph()
    as_jsonld.parse(data=body.decode("utf-8"), format="json-ld")
    assert len(as_jsonld) == len(quads)
    status, headers, body = get(url, "text/html")
    assert status == 200 and str(NANOPUB) + code in body.decode("utf-8")
    assert get(url, "image/png")[0] == 406
    status, headers, body = get(url + ".nq")
    assert status == 200 and headers["content-type"] == "application/n-quads" and "vary" not in headers


def test_served_trusty_uris_are_the_built_ones(live_server, card_link: str) -> None:
    """The server computes the set from the store it serves; `jakgraph build` wrote the same URIs to dist/."""
    dumped = paths.DIST_DIR / "jakgraph.nanopubs.trig"
    if not dumped.is_file():
        pytest.skip("run jakgraph build first")
    graph = ConjunctiveGraph()
    graph.parse(dumped, format="trig")
    built = {str(s) for s in graph.subjects(RDF.type, URIRef("http://www.nanopub.org/nschema#Nanopublication"))}
    status, _, body = get(live_server.base + "np/", "text/html")
    assert status == 200
    served = {str(NANOPUB) + c for c in re.findall(r'href="/np/(RA[A-Za-z0-9_-]{43})"', body.decode("utf-8"))}
    assert len(served) == 44 and served == built
    assert str(NANOPUB) + card_link.rsplit("/", 1)[-1] in built


def test_unknown_nanopublications_are_404_with_a_pointer(live_server) -> None:
    status, _, body = get(live_server.base + "np/RAnotatrustycode", "application/trig")
    assert status == 404 and b"see /np/" in body
    status, _, body = get(live_server.base + "np/RAnotatrustycode.exe")
    assert status == 404


def test_sparql_examples_for_the_sib_tooling(live_server) -> None:
    url = live_server.base + ".well-known/sparql-examples"
    status, headers, body = get(url, "text/turtle")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    assert headers["access-control-allow-origin"] == "*"
    graph = Graph().parse(data=body.decode("utf-8"), format="turtle")
    examples = set(graph.subjects(RDF.type, URIRef(SH + "SPARQLExecutable")))
    files = [p for p in paths.EXAMPLES_DIR.glob("*.ttl") if "SPARQLExecutable" in p.read_text(encoding="utf-8")]
    assert len(examples) == len(files)
    for example in examples:
        assert any(graph.objects(example, URIRef(SH + p)) for p in ("select", "ask", "construct", "describe"))
    status, headers, body = get(url, "application/ld+json")
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    assert len(Graph().parse(data=body.decode("utf-8"), format="json-ld")) == len(graph)
    assert get(url, "text/csv")[0] == 406
    status, headers, _ = get(url, method="OPTIONS")
    assert status == 204 and headers["access-control-allow-origin"] == "*"


def test_exchange_files_are_downloadable_and_described(live_server) -> None:
    if not (paths.DIST_DIR / "jakgraph.sssom.tsv").is_file():
        pytest.skip("run jakgraph build first")
    _, _, body = get(live_server.base + "download/", "text/html")
    page = body.decode("utf-8")
    for name in ("jakgraph.sssom.tsv", "jakgraph.nanopubs.trig", "jakgraph_kgx_metadata.json"):
        assert name in page
        assert get(live_server.base + f"download/{name}")[0] == 200
    _, _, body = get(live_server.base + ".well-known/void", "text/turtle")
    void = Graph().parse(data=body.decode("utf-8"), format="turtle")
    dcat = "http://www.w3.org/ns/dcat#"
    sssom = next(d for d in void.subjects(URIRef(dcat + "downloadURL"), None)
                 if str(next(void.objects(d, URIRef(dcat + "downloadURL")))).endswith("/jakgraph.sssom.tsv"))
    assert (sssom, URIRef("http://purl.org/dc/terms/conformsTo"), URIRef("https://w3id.org/sssom/spec")) in void
    dumps = {str(o) for o in void.objects(None, URIRef("http://rdfs.org/ns/void#dataDump"))}
    assert not any(d.endswith((".sssom.tsv", ".nanopubs.trig")) for d in dumps)
