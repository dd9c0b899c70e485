"""Nanopublications: one per evidence statement read from the letter, each under a Trusty URI.

Why: a nanopublication is the field's unit of per-statement provenance (an assertion graph, a provenance graph
and a publication-info graph, named by a hash of their content). jakgraph keeps the same provenance on every
node (``jak:statedIn``, ``jak:inSentence``, ``jak:supportingText``, ``jak:citesReference``); this module
moves it into that standard form so nanopub tooling (Nanodash, nanopub servers, ``np check``) reads it.

What goes where (the decision, also in docs/exchange.md):

* one nanopublication per statement of the letter graph of the kinds in :data:`STATEMENT_KINDS` (treatment
  evidence, drug-class statement, a treatment whose drug the letter does not name, safety statement, treatment
  switch, evidence limitation, gene-disease association) that says ``jak:statedIn`` the letter;
* **assertion**: the statement's own triples from the letter graph, and the triples of the parts that have
  no nanopublication of their own (patient groups, doses, durations, outcomes, adverse events, times to
  effect: reached through :data:`PART_PROPERTIES`); a part that is itself a statement with its own
  nanopublication (a switch, a safety statement, a limitation) is linked by IRI only, never repeated; shared
  nodes (age groups, weight bands, the drugs and diseases) are linked by IRI. The provenance properties
  (:data:`PROVENANCE_PROPERTIES`) are not asserted: they go to the provenance graph. Computed doses
  (graph:derived) are not the letter's and stay out;
* **provenance**: ``sub:assertion prov:wasDerivedFrom`` the letter, every sentence and every cited reference;
  each sentence ``prov:wasQuotedFrom`` the letter with its text as ``prov:value``; and jakgraph's own
  provenance triples of the statement and its parts (verbatim supporting text, sentence, references);
* **publication info**: creation time pinned to the release date (no clock in the hashed part), licence,
  creator, the release it is part of, the statement it publishes (``dcterms:subject``).

Trusty URIs are computed by the ``nanopub`` library's hasher (``RdfHasher``) and checked with it and with
``nanopub-sign`` (Rust); signing (optional, :func:`sign`) is ``nanopub-sign``'s. Quads are sorted by the
hasher, and there are no blank nodes, so the same statement gives the same Trusty URI on every build.
"""
from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nanopub_sign
import pyoxigraph as ox
import rdflib
from rdflib import ConjunctiveGraph, Dataset, Graph, IdentifiedNode, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from jakgraph.errors import JakgraphError
from jakgraph.namespaces import JAK, LETTER_GRAPH, NANOPUB, PREFIXES
from jakgraph.publish import metadata

NP = Namespace("http://www.nanopub.org/nschema#")
NPX = Namespace("http://purl.org/nanopub/x/")

#: the classes whose letter statements each get a nanopublication
STATEMENT_KINDS: tuple[str, ...] = (
    "TreatmentEvidence", "DrugClassStatement", "UnnamedDrugTreatment", "NoSignificantAdverseEvents",
    "TreatmentSwitch", "EvidenceLimitation", "GeneDiseaseAssociation",
)
#: links from a statement to parts that have no nanopublication of their own: their triples join the assertion
PART_PROPERTIES: tuple[str, ...] = ("patientGroup", "dose", "duration", "outcome", "adverseEvent", "timeToEffect")
#: where a triple says where a fact was read, not the fact: these go to the provenance graph
PROVENANCE_PROPERTIES: tuple[str, ...] = (
    "statedIn", "inSentence", "supportingText", "citesReference", "referencesFromContext", "curationNote",
)
#: the placeholder URI the hasher replaces with the Trusty URI (``…/np/RA…``); its sub-IRIs are ``DUMMY#name``.
#: Not a prefix of any Trusty URI, so the index's links to its members are left as they are.
DUMMY = str(NANOPUB) + "temp"
DUMMY_NS = DUMMY + "#"
#: the placeholder for signing: nanopub-sign names a signed nanopublication in the nanopub network's own
#: space (``https://w3id.org/np/RA…``), ready for ``np publish``; the endpoint serves the unsigned set
SIGNING_DUMMY = "http://purl.org/nanopub/temp/jakgraph#"  # (its "#" ending: nanopub-sign's sub-IRIs are RA…/name)
INDEX_LABEL = f"jakgraph {metadata.VERSION}: nanopublications of the evidence statements read from the letter"
TRUSTY = re.compile(r"^RA[A-Za-z0-9_-]{43}$")


class NanopubError(JakgraphError):
    """A nanopublication could not be built, hashed, signed or verified."""


@dataclass(frozen=True)
class Nanopublication:
    """One nanopublication: its Trusty URI, the statement it publishes, and its quads as TriG."""

    uri: str                 # https://w3id.org/jakgraph/np/RA…
    statement: str | None    # the statement IRI (None for the index)
    kind: str                # the statement's class local name, or "NanopubIndex"
    label: str
    dataset: Dataset

    @property
    def artifact_code(self) -> str:
        return self.uri.rsplit("/", 1)[-1]

    def serialize(self, fmt: str = "trig") -> str:
        """TriG (deterministic: graphs in head, assertion, provenance, pubinfo order), N-Quads (sorted lines) or
        any other rdflib format."""
        if fmt == "trig":
            prefixes, body = _trig_parts(self, with_local_prefixes=True)
            return "\n".join(sorted(prefixes)) + "\n\n" + body
        if fmt in ("nquads", "nq"):
            lines = self.dataset.serialize(format="nquads").splitlines()
            return "\n".join(sorted(line for line in lines if line.strip())) + "\n"
        return self.dataset.serialize(format=fmt)

    def named_graphs(self) -> list[tuple[URIRef, Graph]]:
        """(name, graph) of the head, assertion, provenance and pubinfo graphs, in that order."""
        by_name = {str(g.identifier): g for g in self.dataset.graphs()}
        out = []
        for part in ("Head", "assertion", "provenance", "pubinfo"):
            name = next((n for n in by_name if n.startswith(self.uri) and n[len(self.uri) + 1:] == part), None)
            if name is None:
                raise NanopubError(f"<{self.uri}> has no {part} graph")
            out.append((URIRef(name), by_name[name]))
        return out


def _trig_parts(nanopub: Nanopublication, *, with_local_prefixes: bool) -> tuple[set[str], str]:
    """The @prefix lines and the graph blocks of one nanopublication's TriG, in a fixed order.

    rdflib's TriG serialiser orders graphs by a set (so by the process's hash seed); each graph is written
    here with its Turtle serialiser, which sorts, so two builds write byte-identical files."""
    bindings = {**PREFIXES, "np": str(NP), "npx": str(NPX)}
    if with_local_prefixes:
        bindings.update({"this": nanopub.uri, "sub": nanopub.uri + "#"})
    prefixes: set[str] = set()
    blocks = []
    for name, graph in nanopub.named_graphs():
        single = Graph()
        for prefix, ns in bindings.items():
            single.bind(prefix, ns, override=True, replace=True)
        for triple in graph:
            single.add(triple)
        lines = single.serialize(format="turtle").splitlines()
        prefixes.update(line for line in lines if line.startswith("@prefix"))
        body = "\n".join(("    " + line) if line else "" for line in lines if not line.startswith("@prefix"))
        label = f"sub:{str(name)[len(nanopub.uri) + 1:]}" if with_local_prefixes else f"<{name}>"
        blocks.append(f"{label} {{\n{body.strip(chr(10))}\n}}\n")
    return prefixes, "\n".join(blocks)


def _ox_to_rdflib(term: ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple) -> URIRef | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language, normalize=False)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value, normalize=False)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    if isinstance(term, ox.Triple):
        raise NanopubError(f"quoted triple {term} in the letter graph: a nanopublication holds plain triples")
    raise NanopubError(f"blank node {term} in the letter graph: a nanopublication needs IRIs to hash stably")


def _triples(store: ox.Store, subject: str) -> list[tuple[URIRef, URIRef, URIRef | Literal]]:
    return [(URIRef(subject), URIRef(q.predicate.value), _ox_to_rdflib(q.object))
            for q in store.quads_for_pattern(ox.NamedNode(subject), None, None, ox.NamedNode(str(LETTER_GRAPH)))]


def statements(store: ox.Store) -> list[tuple[str, str]]:
    """(IRI, kind) of every statement of the letter that gets a nanopublication, sorted by IRI."""
    kinds = " ".join(f"jak:{k}" for k in STATEMENT_KINDS)
    query = f"""SELECT ?s ?kind WHERE {{ GRAPH <{LETTER_GRAPH}> {{
        VALUES ?kind {{ {kinds} }} ?s a ?kind ; jak:statedIn <{metadata.LETTER_IRI}> }} }} ORDER BY ?s ?kind"""
    found: dict[str, str] = {}
    solutions = store.query(query, prefixes=PREFIXES)
    assert isinstance(solutions, ox.QuerySolutions)  # a SELECT
    for row in solutions:
        found.setdefault(row[0].value, row[1].value.rsplit("/", 1)[-1])
    return sorted(found.items())


def _parts(store: ox.Store, root: str, published: set[str]) -> list[str]:
    """The statement and its parts without a nanopublication of their own, reached through PART_PROPERTIES."""
    seen, queue = [root], [root]
    links = {str(JAK[p]) for p in PART_PROPERTIES}
    while queue:
        node = queue.pop()
        for _, p, o in _triples(store, node):
            if str(p) in links and isinstance(o, URIRef) and str(o) not in published and str(o) not in seen:
                seen.append(str(o))
                queue.append(str(o))
    return sorted(seen)


def _new_dataset(dummy: str = DUMMY) -> tuple[ConjunctiveGraph, dict[str, URIRef]]:
    ds = ConjunctiveGraph()
    for name, ns in PREFIXES.items():
        ds.bind(name, ns, override=True, replace=True)
    ds.bind("np", str(NP), override=True, replace=True)
    ds.bind("npx", str(NPX), override=True, replace=True)
    # nanopub-sign reads the sub-IRI separator from these prefixes (without them it names graphs "RA…/#Head")
    sub = dummy if dummy.endswith("#") else dummy + "#"
    ds.bind("this", Namespace(dummy), override=True, replace=True)
    ds.bind("sub", Namespace(sub), override=True, replace=True)
    graphs = {name: URIRef(f"{sub}{name}") for name in ("Head", "assertion", "provenance", "pubinfo")}
    head = ds.get_context(graphs["Head"])
    np_uri = URIRef(dummy)
    head.add((np_uri, RDF.type, NP.Nanopublication))
    head.add((np_uri, NP.hasAssertion, graphs["assertion"]))
    head.add((np_uri, NP.hasProvenance, graphs["provenance"]))
    head.add((np_uri, NP.hasPublicationInfo, graphs["pubinfo"]))
    return ds, graphs


def _pubinfo(ds: ConjunctiveGraph, graphs: dict[str, URIRef], label: str, kind: str, dummy: str) -> None:
    info = ds.get_context(graphs["pubinfo"])
    np_uri = URIRef(dummy)
    # a fixed lexical form (rdflib would otherwise re-normalise it, and the hash would move)
    created = Literal(metadata.release_datetime().strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime,
                      normalize=False)
    info.add((np_uri, DCTERMS.created, created))
    info.add((np_uri, DCTERMS.license, URIRef(metadata.LICENSE)))
    info.add((np_uri, DCTERMS.creator, Literal(metadata.CREATOR)))
    info.add((np_uri, DCTERMS.isPartOf, URIRef(metadata.release_iri())))
    info.add((URIRef(metadata.release_iri()), URIRef(PREFIXES["owl"] + "versionInfo"), Literal(metadata.VERSION)))
    info.add((np_uri, RDFS.label, Literal(label)))
    info.add((np_uri, NPX.hasNanopubType, URIRef(str(JAK[kind])) if kind != "NanopubIndex" else NPX.NanopubIndex))


def _unsigned(store: ox.Store, iri: str, kind: str, published: set[str],
              dummy: str = DUMMY) -> tuple[ConjunctiveGraph, str]:
    ds, graphs = _new_dataset(dummy)
    assertion = ds.get_context(graphs["assertion"])
    provenance = ds.get_context(graphs["provenance"])
    prov_props = {str(JAK[p]) for p in PROVENANCE_PROPERTIES}
    sentences: set[str] = set()
    derived_from: set[str] = {metadata.LETTER_IRI}
    for node in _parts(store, iri, published):
        for triple in _triples(store, node):
            if str(triple[1]) in prov_props:
                provenance.add(triple)
                if triple[1] == JAK["inSentence"]:
                    sentences.add(str(triple[2]))
                if triple[1] in (JAK["citesReference"], JAK["statedIn"]):
                    derived_from.add(str(triple[2]))
            else:
                assertion.add(triple)
    if len(assertion) == 0:
        raise NanopubError(f"<{iri}> has no assertion triples in the letter graph")
    for source in sorted(derived_from | sentences):
        provenance.add((graphs["assertion"], PROV.wasDerivedFrom, URIRef(source)))
    for sentence in sorted(sentences):
        provenance.add((URIRef(sentence), PROV.wasQuotedFrom, URIRef(metadata.LETTER_IRI)))
        for q in store.quads_for_pattern(ox.NamedNode(sentence), ox.NamedNode(str(JAK["text"])), None, None):
            provenance.add((URIRef(sentence), PROV.value, _ox_to_rdflib(q.object)))
    label = next((str(o) for _, p, o in assertion.triples((URIRef(iri), RDFS.label, None))), iri)
    _pubinfo(ds, graphs, label, kind, dummy)
    ds.get_context(graphs["pubinfo"]).add((URIRef(dummy), DCTERMS.subject, URIRef(iri)))
    return ds, label


@contextlib.contextmanager
def literals_as_written() -> Iterator[None]:
    """Keep literals' lexical forms while parsing (rdflib would rewrite ``…T00:00:00Z`` as ``…+00:00``, and
    the Trusty hash is over the lexical form), then restore rdflib's process-wide setting."""
    before = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = before


def parse_trig(source: str | Path) -> ConjunctiveGraph:
    """Nanopublications from TriG text or a TriG file, literals as written."""
    graph = ConjunctiveGraph()
    with literals_as_written():
        if isinstance(source, Path):
            graph.parse(source, format="trig")
        else:
            graph.parse(data=source, format="trig")
    return graph


def make_trusty(ds: ConjunctiveGraph) -> ConjunctiveGraph:
    """Hash an unsigned nanopublication with the ``nanopub`` library and rename it to its Trusty URI."""
    # importing nanopub.trustyuri.rdf sets rdflib.NORMALIZE_LITERALS = False for the whole process: undo that
    with literals_as_written():
        # lazy: the nanopub library is slow to import and only Trusty URIs need it
        from nanopub.sign_utils import replace_trusty_in_graph
        from nanopub.trustyuri.rdf import RdfHasher, RdfUtils

    code = RdfHasher.make_hash(RdfUtils.get_quads(ds), baseuri=DUMMY_NS, hashstr=" ")
    if not TRUSTY.match(code):
        raise NanopubError(f"the nanopub library gave an unexpected artifact code {code!r}")
    trusty = replace_trusty_in_graph(code, DUMMY_NS, ds)
    trusty.bind("this", Namespace(str(NANOPUB) + code), override=True, replace=True)
    trusty.bind("sub", Namespace(str(NANOPUB) + code + "#"), override=True, replace=True)
    return trusty


def _as_dataset(graph: ConjunctiveGraph) -> Dataset:
    ds = Dataset()
    for prefix, ns in graph.namespaces():
        ds.bind(prefix, ns, override=True, replace=True)
    for s, p, o, c in graph.quads((None, None, None, None)):
        # rdflib takes a graph's identifier as the context too (ConjunctiveGraph._graph); its annotation says Graph
        ds.add((s, p, o, c.identifier if isinstance(c, Graph) else c))  # type: ignore[arg-type]
    return ds


def _np_uri(graph: ConjunctiveGraph) -> str:
    for s in graph.subjects(RDF.type, NP.Nanopublication):
        return str(s)
    raise NanopubError("no np:Nanopublication in the graph")


def build_nanopubs(store: ox.Store) -> list[Nanopublication]:
    """One Trusty nanopublication per letter statement, sorted by statement IRI, then the index last."""
    found = statements(store)
    published = {iri for iri, _ in found}
    result: list[Nanopublication] = []
    for iri, kind in found:
        ds, label = _unsigned(store, iri, kind, published)
        trusty = make_trusty(ds)
        result.append(Nanopublication(_np_uri(trusty), iri, kind, label, _as_dataset(trusty)))
    result.append(index_nanopub(result))
    return result


def _index_dataset(members: Iterable[Nanopublication], dummy: str = DUMMY) -> ConjunctiveGraph:
    ds, graphs = _new_dataset(dummy)
    assertion = ds.get_context(graphs["assertion"])
    for member in members:
        assertion.add((URIRef(dummy), NPX.includesElement, URIRef(member.uri)))
    provenance = ds.get_context(graphs["provenance"])
    provenance.add((graphs["assertion"], PROV.wasDerivedFrom, URIRef(metadata.LETTER_IRI)))
    _pubinfo(ds, graphs, INDEX_LABEL, "NanopubIndex", dummy)
    info = ds.get_context(graphs["pubinfo"])
    info.add((URIRef(dummy), RDF.type, NPX.NanopubIndex))
    info.add((URIRef(dummy), DCTERMS.title, Literal(INDEX_LABEL)))
    return ds


def index_nanopub(members: Iterable[Nanopublication]) -> Nanopublication:
    """The index nanopublication (``npx:NanopubIndex``): its assertion lists every member by Trusty URI."""
    trusty = make_trusty(_index_dataset(members))
    return Nanopublication(_np_uri(trusty), None, "NanopubIndex", INDEX_LABEL, _as_dataset(trusty))


def combined_trig(nanopubs: Iterable[Nanopublication]) -> str:
    """Every nanopublication in one TriG document, in the given order, byte-identical on every build."""
    prefixes: set[str] = set()
    bodies = []
    for nanopub in nanopubs:
        lines, body = _trig_parts(nanopub, with_local_prefixes=False)
        prefixes |= lines
        bodies.append(body)
    return "\n".join(sorted(prefixes)) + "\n\n" + "\n".join(bodies)


def combined(nanopubs: Iterable[Nanopublication]) -> Dataset:
    """Every nanopublication in one Dataset."""
    out = Dataset()
    for name, ns in PREFIXES.items():
        out.bind(name, ns, override=True, replace=True)
    out.bind("np", str(NP), override=True, replace=True)
    out.bind("npx", str(NPX), override=True, replace=True)
    for nanopub in nanopubs:
        for quad in nanopub.dataset.quads((None, None, None, None)):
            # Dataset.quads gives the graph's identifier, which add takes; its annotation says Graph
            out.add(quad)  # type: ignore[arg-type]
    return out


def split(dataset: Dataset | ConjunctiveGraph) -> Iterator[ConjunctiveGraph]:
    """The nanopublications of a multi-nanopub Dataset, one ConjunctiveGraph each (for checking, signing)."""
    heads = ((s, c) for s, _, _, c in dataset.quads((None, RDF.type, NP.Nanopublication, None)))
    for np_uri, head in sorted(heads, key=lambda x: str(x[0])):
        head_id = head.identifier if isinstance(head, Graph) else head
        # rdflib takes a graph's identifier as the context too (ConjunctiveGraph._graph); its annotation says Graph
        parts = [o for _, p, o, _ in dataset.quads((np_uri, None, None, head_id))  # type: ignore[arg-type]
                 if p in (NP.hasAssertion, NP.hasProvenance, NP.hasPublicationInfo) and isinstance(o, URIRef)]
        names: list[IdentifiedNode | None] = [head_id, *parts]
        single = ConjunctiveGraph()
        for prefix, ns in dataset.namespaces():
            if prefix not in ("this", "sub"):
                single.bind(prefix, ns, override=True, replace=True)
        # nanopub-sign finds the sub-IRI separator ("#" or "/") from these two prefixes: declare them
        single.bind("this", Namespace(str(np_uri)), override=True, replace=True)
        if str(head_id).startswith(str(np_uri)) and str(head_id).endswith("Head"):
            single.bind("sub", Namespace(str(head_id)[:-len("Head")]), override=True, replace=True)
        for name in names:
            for s, p, o, _ in dataset.quads((None, None, None, name)):  # type: ignore[arg-type]  # as above
                single.get_context(name).add((s, p, o))
        yield single


def verify(trig: str) -> dict[str, Any]:
    """Check one nanopublication (TriG) with ``nanopub-sign``: its Trusty URI and, if signed, its signature."""
    try:
        return nanopub_sign.Nanopub(trig).check().info()
    except BaseException as err:  # noqa: BLE001 - the Rust bindings raise ValueError or a PanicException
        if isinstance(err, (KeyboardInterrupt, SystemExit)):
            raise
        raise NanopubError(f"nanopub-sign rejects the nanopublication: {err}") from None


def read_private_key(path: Path) -> str:
    """The base64 RSA private key of a key file (PEM or bare base64, as ``np``'s ``~/.nanopub/id_rsa``)."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as err:
        raise NanopubError(f"cannot read the key file {path}: {err}") from None
    body = "".join(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("-----"))
    if not body:
        raise NanopubError(f"the key file {path} holds no key")
    return body


def sign(trig: str, private_key: str, orcid: str | None = None, name: str | None = None) -> str:
    """Sign one nanopublication with ``nanopub-sign`` (RSA); returns the signed TriG under its new Trusty URI.

    The key stays the caller's: never commit one. Signing changes the Trusty URI (the signature is hashed).
    """
    try:
        profile = nanopub_sign.NpProfile(private_key, orcid, name, None)
        return nanopub_sign.Nanopub(trig).sign(profile).rdf()
    except BaseException as err:  # noqa: BLE001 - see verify()
        if isinstance(err, (KeyboardInterrupt, SystemExit)):
            raise
        raise NanopubError(f"nanopub-sign could not sign: {err}") from None


def unsigned_trig(store: ox.Store, iri: str) -> str:
    """The unsigned, un-hashed nanopublication of one statement, under the temporary URI ``sign`` takes."""
    found = statements(store)
    kinds = dict(found)
    if iri not in kinds:
        raise NanopubError(f"<{iri}> is not an evidence statement of the letter")
    ds, _ = _unsigned(store, iri, kinds[iri], set(kinds), SIGNING_DUMMY)
    return ds.serialize(format="trig")


def write_nanopubs(store: ox.Store, path: Path, *, key_file: Path | None = None) -> tuple[Path, int]:
    """Write every nanopublication and the index to one TriG file; with ``key_file``, signed (new URIs).

    Signed nanopublications are named in the nanopub network's space (``https://w3id.org/np/RA…``) by
    nanopub-sign, ready to publish; the unsigned ones under ``https://w3id.org/jakgraph/np/RA…``, as served.
    Returns the path and the number of statement nanopublications (the index not counted).
    """
    if key_file is None:
        nanopubs = build_nanopubs(store)
        body = combined_trig(nanopubs)
        count = len(nanopubs) - 1
    else:
        key = read_private_key(key_file)
        found = statements(store)
        published = {iri for iri, _ in found}
        signed: list[Nanopublication] = []
        for iri, kind in found:
            ds, label = _unsigned(store, iri, kind, published, SIGNING_DUMMY)
            graph = parse_trig(sign(ds.serialize(format="trig"), key))
            signed.append(Nanopublication(_np_uri(graph), iri, kind, label, _as_dataset(graph)))
        index = parse_trig(sign(_index_dataset(signed, SIGNING_DUMMY).serialize(format="trig"), key))
        body = combined_trig([*signed, Nanopublication(_np_uri(index), None, "NanopubIndex", INDEX_LABEL,
                                                       _as_dataset(index))])
        count = len(signed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path, count


# ---- the served set: computed from the store being served, once per store state ----------------------------

_lock = threading.Lock()
_cache: dict[int, tuple[ox.Store, object, list[Nanopublication]]] = {}


def cached_nanopubs(store: ox.Store, generation: object = 0) -> list[Nanopublication]:
    """The nanopublications of the served store, computed once per store and generation (and size)."""
    key = (generation, len(store))
    with _lock:
        hit = _cache.get(id(store))
        if hit is not None and hit[0] is store and hit[1] == key:
            return hit[2]
    nanopubs = build_nanopubs(store)
    with _lock:
        _cache[id(store)] = (store, key, nanopubs)
    return nanopubs


def by_code(nanopubs: Iterable[Nanopublication]) -> dict[str, Nanopublication]:
    return {n.artifact_code: n for n in nanopubs}


def by_statement(nanopubs: Iterable[Nanopublication]) -> dict[str, Nanopublication]:
    return {n.statement: n for n in nanopubs if n.statement is not None}


__all__ = ["Nanopublication", "NanopubError", "STATEMENT_KINDS", "PART_PROPERTIES", "PROVENANCE_PROPERTIES",
           "build_nanopubs", "cached_nanopubs", "combined", "index_nanopub", "make_trusty", "read_private_key",
           "parse_trig", "sign", "split", "statements", "unsigned_trig", "verify", "write_nanopubs", "by_code",
           "by_statement", "combined_trig", "literals_as_written"]


def main(argv: list[str] | None = None) -> int:
    """``python -m jakgraph.publish.nanopub FILE.trig``: check every nanopublication in a file with nanopub-sign."""
    import contextlib
    import io
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m jakgraph.publish.nanopub FILE.trig", file=sys.stderr)
        return 2
    graph = parse_trig(Path(args[0]))
    failed = checked = signed = 0
    for single in split(graph):
        checked += 1
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                info = verify(single.serialize(format="trig"))
            signed += bool(info.get("signature"))
            if not info.get("trusty_hash"):
                raise NanopubError(f"{info['uri']['value']} has no Trusty URI")
        except NanopubError as err:
            failed += 1
            print(err)
    print(f"{checked} nanopublications checked with nanopub-sign: {checked - failed} valid Trusty URIs, "
          f"{signed} signed, {failed} failed", file=sys.stderr)
    return 1 if failed or not checked else 0


if __name__ == "__main__":
    raise SystemExit(main())
