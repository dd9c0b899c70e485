"""CURIEs: one curies.Converter over namespaces.PREFIXES makes and reads them everywhere."""
from __future__ import annotations

import pytest

from jakgraph.namespaces import BASE, PREFIXES, converter, curie, expand


@pytest.mark.parametrize(("iri", "expected"), [
    (BASE + "drug/ruxolitinib", "drug:ruxolitinib"),
    (BASE + "statement/savi-baricitinib", "stmt:savi-baricitinib"),
    ("http://purl.obolibrary.org/obo/MONDO_0014542", "MONDO:0014542"),  # the longest namespace wins over obo:
    ("http://purl.obolibrary.org/obo/BFO_0000001", "obo:BFO_0000001"),
    ("http://www.w3.org/2001/XMLSchema#decimal", "xsd:decimal"),
    (BASE + "graph/loaded/mondo", BASE + "graph/loaded/mondo"),  # '/' in the local part: no CURIE
    (BASE + "drug/", BASE + "drug/"),                            # empty local part: no CURIE
    (BASE + "vocab/x#y", BASE + "vocab/x#y"),                    # '#' in the local part: no CURIE
    ("http://example.org/elsewhere", "http://example.org/elsewhere"),
])
def test_curie(iri: str, expected: str) -> None:
    assert curie(iri) == expected


@pytest.mark.parametrize("prefix", sorted(PREFIXES))
def test_every_prefix_round_trips(prefix: str) -> None:
    iri = PREFIXES[prefix] + "Thing1"
    assert expand(curie(iri)) == iri
    assert converter().expand(f"{prefix}:Thing1") == iri


@pytest.mark.parametrize(("value", "expected"), [
    ("graph:letter", BASE + "graph/letter"),
    ("http://example.org/g", None),   # an IRI, not a CURIE
    ("graph://x", None),              # '//' after the colon: an IRI whatever the scheme
    ("nope:x", None),
    ("relative/iri", None),
])
def test_expand(value: str, expected: str | None) -> None:
    assert expand(value) == expected
