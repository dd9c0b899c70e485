"""Nanopublications: one per letter statement, checked by the nanopub libraries (Trusty URIs and signatures).

The checks are the libraries' own: ``nanopub-sign`` (nanopub-rs) ``check()`` and the ``nanopub`` package's
``has_valid_trusty`` / ``has_valid_signature``; a throw-away RSA key is generated for the signing test.
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import ConjunctiveGraph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

from jakgraph.build.pipeline import BuiltGraph, build_graph
from jakgraph.cli import main
from jakgraph.namespaces import JAK, LETTER_GRAPH, NANOPUB
from jakgraph.publish import metadata
from jakgraph.publish.nanopub import (
    NPX,
    PROVENANCE_PROPERTIES,
    STATEMENT_KINDS,
    NanopubError,
    Nanopublication,
    build_nanopubs,
    literals_as_written,
    parse_trig,
    split,
    verify,
)
from jakgraph.publish.nanopub import (
    main as check_file,
)
from jakgraph.stores.bridge import select_rows

SAVI_RUX = "https://w3id.org/jakgraph/statement/savi-ruxolitinib"


@pytest.fixture(scope="module")
def nanopubs(built: BuiltGraph) -> list[Nanopublication]:
    return build_nanopubs(built.store)


def graph_named(np: Nanopublication, part: str):  # noqa: ANN201
    return next(g for g in np.dataset.graphs() if str(g.identifier) == f"{np.uri}#{part}")


def test_one_nanopublication_per_letter_statement(built: BuiltGraph, nanopubs) -> None:
    kinds = " ".join(f"jak:{k}" for k in STATEMENT_KINDS)
    query = f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{LETTER_GRAPH}> {{ VALUES ?k {{ {kinds} }}
                ?s a ?k ; jak:statedIn pub:banday-letter }} }}"""
    expected = int(select_rows(built.store, query)[0]["n"].value)
    statements = [n for n in nanopubs if n.statement is not None]
    assert len(statements) == expected == 43
    assert {n.kind for n in statements} == set(STATEMENT_KINDS)
    assert len({n.statement for n in statements}) == len(statements)
    assert all(n.uri.startswith(str(NANOPUB) + "RA") for n in nanopubs)
    index = nanopubs[-1]
    assert index.statement is None and index.kind == "NanopubIndex"
    members = {str(o) for o in graph_named(index, "assertion").objects(URIRef(index.uri), NPX.includesElement)}
    assert members == {n.uri for n in statements}


def test_assertion_holds_the_statement_and_its_parts_not_the_provenance(nanopubs) -> None:
    np = next(n for n in nanopubs if n.statement == SAVI_RUX)
    assertion = graph_named(np, "assertion")
    stmt = URIRef(SAVI_RUX)
    assert (stmt, JAK["drug"], URIRef("https://w3id.org/jakgraph/drug/ruxolitinib")) in assertion
    dose = URIRef("https://w3id.org/jakgraph/dose/savi-ruxolitinib-max")
    printed = Literal("maximum weight-based dose of 1.25 mg/kg/day (young children)")
    assert (dose, JAK["printedText"], printed) in assertion
    assert (URIRef("https://w3id.org/jakgraph/adverse-event/savi-ruxolitinib-bk-viruria"), RDF.type,
            JAK["AdverseEvent"]) in assertion
    for prop in PROVENANCE_PROPERTIES:
        assert not list(assertion.triples((None, JAK[prop], None))), prop
    # a part that is a statement of its own (a switch) is linked, its triples are in its own nanopublication
    with_switch = next(n for n in nanopubs if n.kind == "TreatmentEvidence"
                       and list(graph_named(n, "assertion").objects(None, JAK["treatmentSwitch"])))
    switch = next(graph_named(with_switch, "assertion").objects(None, JAK["treatmentSwitch"]))
    assert not list(graph_named(with_switch, "assertion").triples((switch, None, None)))
    own = next(n for n in nanopubs if n.statement == str(switch))
    assert (switch, RDF.type, JAK["TreatmentSwitch"]) in graph_named(own, "assertion")


def test_provenance_is_the_sentence_the_letter_and_the_references(built: BuiltGraph, nanopubs) -> None:
    np = next(n for n in nanopubs if n.statement == SAVI_RUX)
    prov = graph_named(np, "provenance")
    assertion = URIRef(np.uri + "#assertion")
    sources = {str(o) for o in prov.objects(assertion, PROV.wasDerivedFrom)}
    base = "https://w3id.org/jakgraph/"
    assert {metadata.LETTER_IRI, base + "sentence/p2-s1", base + "sentence/p2-s2"} <= sources
    assert {base + f"reference/{n}" for n in range(3, 10)} <= sources
    quoted = str(next(prov.objects(URIRef(base + "sentence/p2-s1"), PROV.value)))
    text = next(built.store.quads_for_pattern(
        ox.NamedNode(base + "sentence/p2-s1"), ox.NamedNode(str(JAK["text"])), None, None)).object
    assert isinstance(text, ox.Literal)
    letter_text = text.value
    assert quoted == letter_text and "respond to ruxolitinib therapy" in quoted
    assert (URIRef(SAVI_RUX), JAK["inSentence"], URIRef(base + "sentence/p2-s1")) in prov


def test_pubinfo_pins_release_licence_and_time(nanopubs) -> None:
    for np in nanopubs:
        info = graph_named(np, "pubinfo")
        this = URIRef(np.uri)
        assert str(next(info.objects(this, DCTERMS.created))) == "2026-11-25T00:00:00Z"
        assert next(info.objects(this, DCTERMS.license)) == URIRef(metadata.LICENSE)
        assert next(info.objects(this, DCTERMS.isPartOf)) == URIRef(metadata.release_iri())
        assert str(next(info.objects(URIRef(metadata.release_iri()), None))) == metadata.VERSION


@pytest.mark.slow
def test_trusty_uris_check_with_both_libraries(nanopubs) -> None:
    import rdflib

    with literals_as_written():  # the nanopub package switches rdflib's literal normalisation off on import
        from nanopub.nanopub import Nanopub
    assert rdflib.NORMALIZE_LITERALS is True  # building and hashing left the process setting alone

    for np in nanopubs:
        trig = np.serialize("trig")
        info = verify(trig)  # nanopub-sign (Rust)
        assert info["trusty_hash"] == np.artifact_code and info["uri"]["value"] == np.uri
        with literals_as_written():
            assert Nanopub(rdf=parse_trig(trig)).has_valid_trusty  # nanopub (Python) recomputes the hash


def test_a_changed_nanopublication_fails_the_check(nanopubs) -> None:
    trig = nanopubs[0].serialize("trig")
    tampered = trig.replace("jakgraph contributors", "someone else")
    assert tampered != trig
    with pytest.raises(NanopubError):
        verify(tampered)


@pytest.mark.slow
def test_two_builds_give_identical_trusty_uris(nanopubs) -> None:
    again = build_nanopubs(build_graph(validate=False).store)
    assert [n.uri for n in again] == [n.uri for n in nanopubs]


@pytest.mark.slow
def test_signed_export_verifies_with_a_throw_away_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import nanopub_sign

    key = tmp_path / "id_rsa"  # generated here, deleted with tmp_path; never a committed key
    key.write_text(nanopub_sign.KeyPair().private + "\n", encoding="ascii")
    out = tmp_path / "signed.trig"
    assert main(["export", "--format", "nanopub", "--sign", str(key), "-o", str(out)]) == 0
    assert "(signed)" in capsys.readouterr().err
    singles = list(split(parse_trig(out)))
    assert len(singles) == 44
    for single in singles:
        trig = single.serialize(format="trig")
        # nanopub-sign checks the signature and the Trusty URI (the Python package 2.0.1 cannot: it assumes
        # "#" sub-IRIs, while nanopub-sign names them with "/", as nanopub-java does)
        info = verify(trig)
        assert info["signature"] and info["algo"] == "RSA" and info["uri"]["value"].startswith("https://w3id.org/np/RA")
        assert info["trusty_hash"] == info["uri"]["value"].rsplit("/", 1)[-1]
    with pytest.raises(NanopubError):
        verify(singles[0].serialize(format="trig").replace("jakgraph contributors", "someone else"))


@pytest.mark.slow
def test_cli_export_nanopub_is_stable_and_complete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import subprocess
    import sys

    first, second = tmp_path / "a.trig", tmp_path / "b.trig"
    assert main(["export", "--format", "nanopub", "-o", str(first)]) == 0
    # another process with another hash seed (set iteration order differs): the same bytes
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-m", "jakgraph.cli", "export", "--format", "nanopub", "-o", str(second)],
                   check=True, env=env, capture_output=True)
    assert first.read_bytes() == second.read_bytes()
    # the file, read back and split, checks nanopublication by nanopublication (python -m jakgraph.publish.nanopub)
    assert check_file([str(first)]) == 0
    assert "44 valid Trusty URIs" in capsys.readouterr().err
    graph = ConjunctiveGraph()
    graph.parse(first, format="trig")
    heads = set(graph.quads((None, RDF.type, URIRef("http://www.nanopub.org/nschema#Nanopublication"), None)))
    assert len(heads) == 44


def test_cli_rejects_sign_for_other_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "ttl", "--sign", str(tmp_path / "k")]) == 1
    assert "--sign applies to --format nanopub only" in capsys.readouterr().err


def test_a_missing_key_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "nanopub", "--sign", str(tmp_path / "nope"), "-o",
                 str(tmp_path / "x.trig")]) == 1
    err = capsys.readouterr().err
    assert "cannot read the key file" in err and not (tmp_path / "x.trig").exists()


def test_build_with_an_unreadable_key_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dist"
    assert main(["build", "--no-validate", "--sign", str(tmp_path / "no-key"), "--output", str(out)]) == 1
    assert "cannot read the key file" in capsys.readouterr().err
    assert not out.exists()
