"""The one SPARQL lexer (jakgraph.sparql.lexer) on real SPARQL texts, and its three former callers agreeing.

The callers that once had a lexer of their own: the static checks (``sparql.text.scan``, formerly in
``policy/safety.py``), the embedded engine's prefix and dataset facts (``engine/execute.py`` through
``sparql.text``) and the remote store's ``with_prefixes``/``declares_dataset`` (``stores/remote.py``).
They now read the same tokens, so they must agree on every text below; and Oxigraph's own parser is the
judge of which prefixes a text really uses.
"""
from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from jakgraph.engine.cache import normalise_query
from jakgraph.namespaces import PREFIXES
from jakgraph.sparql.lexer import (
    PNAME_NS,
    declared_prefixes,
    decode_escapes,
    prefixes_in,
    skeleton,
    tokens,
    used_prefixes,
)
from jakgraph.sparql.text import declares_dataset, first_keyword, query_form, scan
from jakgraph.stores import remote

#: (text, the prefixes it uses) - prefixes hidden in comments, strings, IRIs, variables, blank nodes, numbers
TEXTS: list[tuple[str, set[str]]] = [
    ("SELECT * WHERE { ?s rdfs:label ?o }", {"rdfs"}),
    ("# drug:ruxolitinib in a comment\nSELECT * WHERE { ?s ?p ?o }", set()),
    ("SELECT * WHERE { ?s ?p 'drug:ruxolitinib' }", set()),
    ('SELECT * WHERE { ?s ?p """a\n"drug:x" and jak:y""" }', set()),
    ("SELECT * WHERE { ?s ?p <http://example.org/drug:x#jak:y> }", set()),
    ("SELECT ?drug WHERE { ?drug a jak:Drug }", {"jak"}),
    ("SELECT * WHERE { _:b1 ?p ?o }", set()),                       # a blank node, not the prefix "_"
    ("SELECT * WHERE { ?s ?p 12 . ?s ?q 1.5e3 }", set()),
    ("SELECT * WHERE { ?s :local ?o }", {""}),                      # the empty prefix
    ("SELECT * WHERE { ?s é:p ?o }", {"é"}),                        # PN_CHARS_BASE beyond ASCII
    ("SELECT * WHERE { ?s a.b:p ?o }", {"a.b"}),                    # '.' inside a prefix
    ("SELECT * WHERE { ?s ex:a:b ?o }", {"ex"}),                    # ':' inside a local name
    ("SELECT * WHERE { ?s ex:p\\.q ?o }", {"ex"}),                  # an escaped local name
    ("SELECT * WHERE { ?s ex:%41 ?o }", {"ex"}),                    # a percent-encoded local name
    ("PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:p ?o ; rdfs:label 'x:y' }", {"ex", "rdfs"}),
    ("SELECT * WHERE { ?s ?p ?o FILTER(?o = \"a#b:c\"@en) }", set()),
    ("SELECT * WHERE { ?s ?p ?o } # PREFIX x: <y>", set()),
    ("SELECT * WHERE { ?s ?p 'it\\'s' . ?s drug:p ?o }", {"drug"}),  # an escaped quote, then a name
]


@pytest.mark.parametrize("text, expected", TEXTS)
def test_prefixes_used_are_the_grammar_s(text: str, expected: set[str]) -> None:
    assert prefixes_in(skeleton(text)) == expected
    from_tokens = {t.text.split(":", 1)[0] for t in tokens(text) if t.kind == "pname"}
    assert from_tokens == expected


def test_pname_ns_follows_the_grammar() -> None:
    pattern = re.compile(f"{PNAME_NS}\\Z")
    for good in (":", "a:", "ex:", "a.b:", "a-b:", "a_b:", "é:", "a1:", "aé·:"):
        assert pattern.match(good), good
    for bad in ("_:", "1a:", "a.:", ".a:", "-a:", "a b:"):
        assert not pattern.match(bad), bad


@pytest.mark.parametrize("text, expected", [t for t in TEXTS if t[1] <= set(PREFIXES)])
def test_oxigraph_agrees_on_the_project_prefixes_a_query_needs(text: str, expected: set[str]) -> None:
    """Handing Oxigraph exactly the used project prefixes parses; handing it none fails when any is needed."""
    needed = used_prefixes(skeleton(text), PREFIXES)
    assert set(needed) == expected - declared_prefixes(skeleton(text))
    store = ox.Store()
    store.query(text, prefixes=needed or None)
    if needed:
        with pytest.raises(SyntaxError):
            store.query(text)


@pytest.mark.parametrize("text, expected", TEXTS)
def test_the_three_former_lexers_agree(text: str, expected: set[str]) -> None:
    # the remote store adds exactly the PREFIX lines the embedded engine hands Oxigraph
    added = remote.with_prefixes(text)
    embedded = used_prefixes(skeleton(text), PREFIXES)
    assert set(re.findall(r"^PREFIX (\S*): ", added[: len(added) - len(text)], re.MULTILINE)) == set(embedded)
    # the remote store and the engine agree on FROM
    assert remote.declares_dataset(text) == declares_dataset(skeleton(text))
    # the scan and the cheap facts agree on the form
    assert scan(text).first_keyword == first_keyword(text) == query_form(skeleton(text))
    # the cache key keeps strings and IRIs exactly, and never drops a prefixed name
    normal = normalise_query(text)
    assert prefixes_in(skeleton(normal)) == expected


@pytest.mark.parametrize("text, expected", [
    ("SELECT ?from FROM <g> WHERE { ?s ex:from ?o }", True),
    ("SELECT * WHERE { ?s ?p 'FROM <g>' } # FROM <h>", False),
    ("SELECT * FROM NAMED <g> WHERE { GRAPH ?g { ?s ?p ?o } }", True),
    ("SELECT * WHERE { ?s <http://x/FROM> ?o }", False),
])
def test_declares_dataset_sees_only_the_keyword(text: str, expected: bool) -> None:
    assert remote.declares_dataset(text) is expected
    assert declares_dataset(skeleton(text)) is expected


def test_keywords_in_strings_iris_and_comments_are_not_keywords() -> None:
    text = ("PREFIX ex: <http://e/> SELECT * WHERE { ?service ex:service 'SERVICE <http://x/>' ; "
            "<http://e/LOAD> ?load } # SERVICE <http://y/>")
    facts = scan(text)
    assert facts.services == 0 and facts.loads == 0 and facts.first_keyword == "SELECT"
    assert scan("SELECT * { \\u0053ERVICE <http://x/> { ?s ?p ?o } }").services == 1   # escapes decoded


def test_depth_counts_every_bracket() -> None:
    found = list(tokens("ASK { FILTER((1 + [ ]) ) }"))
    assert max(t.depth for t in found) == 3
    assert [t.text for t in found if t.kind == "open"] == ["{", "(", "(", "["]


def test_escapes_are_decoded_as_a_parser_decodes_them() -> None:
    assert decode_escapes("ASK \\u007B\\u007D") == "ASK {}"
    assert decode_escapes("'\\U0001F600'") == "'\U0001F600'"
    assert decode_escapes("no escapes") == "no escapes"


def test_the_lexer_never_raises_and_covers_the_text() -> None:
    for text in ("", "'unterminated", "<unterminated", "\x00\ud7ff\U0010FFFF", "{{{{", "}}}}", '"""', "?", "$"):
        found = list(tokens(text))
        assert "".join(t.text for t in found) == "".join(text.split()) or found  # every char lands in a token
        skeleton(text)
