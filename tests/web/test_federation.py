"""Federation both ways, with real engines on loopback ports started and stopped by PID here.

* into jakgraph: an Oxigraph server and Apache Jena ARQ run ``SERVICE <http://127.0.0.1:PORT/sparql>``
  against a real ``jakgraph serve`` (the ``live_server`` fixture);
* out of jakgraph: a ``jakgraph serve`` with that Oxigraph server on its allow-list runs ``SERVICE`` against
  it. jakgraph refuses loopback SERVICE targets; the test-only switch ``JAKGRAPH_ALLOW_LOOPBACK_SERVICE=1``
  (policy/service.py) lets the allow-listed one through for this server alone.

Each checks real values: the drugs the letter reports for SAVI, as the embedded engine answers them.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import URIRef

from jakgraph.errors import ServiceRefused
from jakgraph.namespaces import DISEASE, JAK
from jakgraph.policy.service import LOOPBACK_SWITCH, check_service_target
from jakgraph.stores.remote import graphs_to_push, push
from jena_support import jena_missing, run_jena

import server_support

pytestmark = pytest.mark.server

MARK = "https://example.org/federation-test#mark"
#: the drugs used to treat SAVI, as a graph pattern in full IRIs (no prefixes: every engine reads it)
SAVI_DRUGS = f"?drug <{JAK['usedToTreat']}> <{DISEASE['savi']}> ."


def savi_query(service: str) -> str:
    return f"SELECT DISTINCT ?drug WHERE {{ SERVICE <{service}> {{ {SAVI_DRUGS} }} }} ORDER BY ?drug"


@pytest.fixture(scope="module")
def savi_drugs(built) -> set[str]:  # noqa: ANN001 - the session fixture from conftest
    drugs = {row["drug"].value for row in built.store.query(
        f"SELECT DISTINCT ?drug WHERE {{ {SAVI_DRUGS} }}", use_default_graph_as_union=True)}
    assert drugs, "the letter's graph names drugs used in SAVI"
    return drugs


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory, built) -> Iterator[str]:  # noqa: ANN001
    """``oxigraph serve`` on a free loopback port, holding the project's graphs plus one marker triple per
    SAVI drug that exists only there; killed by its PID at the end."""
    folder = tmp_path_factory.mktemp("oxigraph-federation")
    with server_support.oxigraph(folder) as server:
        url = server.url
        with open(folder / "push.log", "w") as push_log:
            push(built.store, graphs_to_push(built.store), to=url, log=push_log)
        marker = f"INSERT {{ GRAPH <{MARK}> {{ ?drug <{MARK}> \"only in oxigraph\" }} }} WHERE {{ {SAVI_DRUGS} }}"
        httpx.post(url + "/update", content=marker, headers={"Content-Type": "application/sparql-update"},
                   timeout=30).raise_for_status()
        yield url


# -- into jakgraph ---------------------------------------------------------------------------------------
def test_oxigraph_federates_with_jakgraph(live_server, oxigraph: str, savi_drugs: set[str]) -> None:  # noqa: ANN001
    response = httpx.post(oxigraph + "/query", content=savi_query(live_server.sparql), timeout=60,
                          headers={"Content-Type": "application/sparql-query",
                                   "Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    drugs = {row["drug"]["value"] for row in response.json()["results"]["bindings"]}
    assert drugs == savi_drugs


@pytest.mark.skipif(jena_missing() is not None, reason=str(jena_missing()))
def test_jena_arq_federates_with_jakgraph(live_server, savi_drugs: set[str],  # noqa: ANN001
                                          tmp_path_factory: pytest.TempPathFactory) -> None:
    output = run_jena("arq.sparql", ["--results=csv", savi_query(live_server.sparql)], tmp_path_factory.getbasetemp())
    assert {row["drug"] for row in csv.DictReader(io.StringIO(output))} == savi_drugs


# -- out of jakgraph ------------------------------------------------------------------------------------
def test_loopback_switch_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    target = "http://127.0.0.1:7878/query"
    monkeypatch.delenv(LOOPBACK_SWITCH, raising=False)
    with pytest.raises(ServiceRefused, match="loopback"):
        check_service_target(URIRef(target), [target])
    monkeypatch.setenv(LOOPBACK_SWITCH, "1")
    assert check_service_target(URIRef(target), [target]) == target
    with pytest.raises(ServiceRefused, match="allow-list"):  # the allow-list still rules
        check_service_target(URIRef("http://127.0.0.1:7879/query"), [target])
    with pytest.raises(ServiceRefused, match="private"):  # and only loopback is let through
        check_service_target(URIRef("http://10.0.0.1/query"), ["http://10.0.0.1/query"])


def test_jakgraph_federates_with_allow_listed_oxigraph(oxigraph: str, savi_drugs: set[str],
                                                       tmp_path: Path) -> None:
    service = oxigraph + "/query"
    env = {"JAKGRAPH_SERVICE_ALLOWLIST": service, LOOPBACK_SWITCH: "1", "JAKGRAPH_QUERY_WORKERS": "1"}
    with server_support.running([], tmp_path, env) as server:
        accept = {"Accept": "application/sparql-results+json"}
        answer = httpx.post(server.url + "/sparql", data={"query": savi_query(service)}, headers=accept, timeout=60)
        assert answer.status_code == 200, answer.text
        assert {row["drug"]["value"] for row in answer.json()["results"]["bindings"]} == savi_drugs
        # a join of local data with a triple that exists only in the Oxigraph server
        joined = (f"SELECT ?drug ?mark WHERE {{ {SAVI_DRUGS} SERVICE <{service}> {{ ?drug <{MARK}> ?mark }} }}")
        answer = httpx.get(server.url + "/sparql", params={"query": joined}, headers=accept, timeout=60)
        assert answer.status_code == 200, answer.text
        rows = answer.json()["results"]["bindings"]
        assert {row["drug"]["value"] for row in rows} == savi_drugs
        assert {row["mark"]["value"] for row in rows} == {"only in oxigraph"}
        # another loopback port is not on the allow-list: refused before any connection
        other = f"http://127.0.0.1:{server_support.free_port()}/query"
        refused = httpx.get(server.url + "/sparql", params={"query": savi_query(other)}, timeout=60)
        assert refused.status_code == 403 and "allow-list" in refused.text
