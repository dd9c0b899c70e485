"""The one SPARQL lexer: every stage that reads SPARQL text without a full parse reads it through this.

Why one: the query form, the prefixes a query uses, the ``SERVICE``/``LOAD`` keywords, the cache key and
the input limits are all decided before any parser runs, and each decision is only as good as its idea of
where an IRI, a string or a comment starts and ends. Three copies of that idea had drifted (one took
``_:b`` for a prefix, one refused non-ASCII prefixes). Here the token classes follow the SPARQL 1.1
grammar's terminals (§19.8: ``IRIREF``, ``PNAME_NS``/``PNAME_LN``, ``BLANK_NODE_LABEL``, ``VAR1``/``VAR2``,
the four ``STRING_LITERAL`` forms, ``LANGTAG``, numbers), and two fast paths share them:

* :func:`tokens`: the token stream with bracket depth (linear; for the scans and the limits);
* :func:`skeleton`: one C-speed substitution that blanks IRIs, strings and comments (for the cheap facts
  read on every request: the form, ``FROM``, the prefixes used).

The lexer never raises: text that is not SPARQL comes out as ``other`` tokens, and the real parser (Oxigraph's)
then says what is wrong. Turtle, TriG, N-Triples, N-Quads and JSON-LD share these terminals (JSON strings are
``"…"`` with backslash escapes), so the RDF input limits use the same tokens.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import NamedTuple

__all__ = [
    "OPAQUE_TOKENS",
    "PNAME_NS",
    "PN_PREFIX",
    "Token",
    "declared_prefixes",
    "decode_escapes",
    "prefixes_in",
    "skeleton",
    "tokens",
    "used_prefixes",
]

# -- the grammar's character classes (SPARQL 1.1 §19.8, productions 164-172) -------------------------
PN_CHARS_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
                 "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
PN_CHARS_U = PN_CHARS_BASE + "_"
PN_CHARS = PN_CHARS_U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
#: PN_PREFIX ::= PN_CHARS_BASE ((PN_CHARS|'.')* PN_CHARS)?   (no leading '_' or digit, no trailing '.')
PN_PREFIX = f"[{PN_CHARS_BASE}](?:[{PN_CHARS}.]*[{PN_CHARS}])?"
#: PNAME_NS ::= PN_PREFIX? ':'
PNAME_NS = f"(?:{PN_PREFIX})?:"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
#: PN_LOCAL ::= (PN_CHARS_U|':'|[0-9]|PLX) ((PN_CHARS|'.'|':'|PLX)* (PN_CHARS|':'|PLX))?
PN_LOCAL = f"(?:[{PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{PN_CHARS}.:]|{_PLX})*(?:[{PN_CHARS}:]|{_PLX}))?"

_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_STRING = (r"\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''"
           r"|\"(?:[^\"\\\n\r]|\\.)*\"|'(?:[^'\\\n\r]|\\.)*'")
_COMMENT = r"\#[^\n\r]*"

#: the parts of SPARQL text whose insides are not syntax: IRIs, string literals, comments (verbose regex,
#: named groups ``iri``, ``string``, ``comment``)
OPAQUE_TOKENS = f"(?P<iri>{_IRI}) | (?P<string>{_STRING}) | (?P<comment>{_COMMENT})"

_TOKEN = re.compile(
    f"""
      (?P<space>\\s+)
    | {OPAQUE_TOKENS}
    | (?P<pname>{PNAME_NS}(?:{PN_LOCAL})?)
    | (?P<bnode>_:[{PN_CHARS_U}0-9](?:[{PN_CHARS}.]*[{PN_CHARS}])?)
    | (?P<var>[?$][{PN_CHARS_U}0-9][{PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*)
    | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
    | (?P<number>[0-9]*\\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\\.?[0-9]*[eE][+-]?[0-9]+|[0-9]+)
    | (?P<word>[{PN_CHARS_U}][{PN_CHARS_U}0-9]*)
    | (?P<open>[{{(\\[])
    | (?P<close>[}})\\]])
    | (?P<punct>\\^\\^|&&|\\|\\||!=|<=|>=|[.;,!=<>+\\-*/|^?])
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_OPAQUE = re.compile(OPAQUE_TOKENS, re.VERBOSE | re.DOTALL)
#: a prefixed name (or bare PNAME_NS) where one can start: not inside a word, variable, number or name
_PREFIX_USE = re.compile(f"(?<![{PN_CHARS}.:?$%\\\\])({PN_PREFIX})?:")
_PREFIX_DECL = re.compile(f"(?<![{PN_CHARS}.:?$])PREFIX\\s*({PN_PREFIX})?:", re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class Token(NamedTuple):
    """One token: its class (a group name of the token pattern), text, offset, and the brackets open before it."""

    kind: str
    text: str
    start: int
    depth: int


def tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text`` (white space dropped), each with the depth of ``{``/``(``/``[`` open before it.

    >>> [(t.kind, t.text) for t in tokens("SELECT * { ?s ex:p 'x' } # c")]
    [('word', 'SELECT'), ('punct', '*'), ('open', '{'), ('var', '?s'), ('pname', 'ex:p'), ('string', "'x'"), ('close', '}'), ('comment', '# c')]
    """
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "space":
            continue
        if kind == "close":
            depth = depth - 1 if depth else 0
        yield Token(kind, match.group(), match.start(), depth)
        if kind == "open":
            depth += 1


def _blank(match: re.Match[str]) -> str:
    return "<>" if match.lastgroup == "iri" else " "


def skeleton(text: str) -> str:
    """The text with every IRI replaced by ``<>`` and every string literal and comment by a space.

    >>> skeleton("SELECT * { <http://x/#a> ?p 'PREFIX b: <y>' } # FROM")
    'SELECT * { <> ?p   }  '
    """
    return _OPAQUE.sub(_blank, text)


def prefixes_in(bones: str) -> set[str]:
    """Every prefix a skeleton uses in a prefixed name (``''`` for the empty prefix), declarations included.

    >>> sorted(prefixes_in(skeleton("SELECT ?x { ?x a:b _:c ; é:d :e . FILTER(?x != 'f:g') } # h:i")))
    ['', 'a', 'é']
    """
    return {match.group(1) or "" for match in _PREFIX_USE.finditer(bones)}


def declared_prefixes(bones: str) -> set[str]:
    """The prefixes a skeleton declares with ``PREFIX``."""
    return {match.group(1) or "" for match in _PREFIX_DECL.finditer(bones)}


def used_prefixes(bones: str, known: Mapping[str, str]) -> dict[str, str]:
    """The entries of ``known`` whose prefix the skeleton uses without declaring it itself.

    >>> sorted(used_prefixes(skeleton("PREFIX a: <x:> SELECT * { ?s a:p drug:x ; rdfs:label 'ex:y' }"),
    ...                      {"a": "A", "drug": "D", "rdfs": "R", "ex": "E"}))
    ['drug', 'rdfs']
    """
    names = prefixes_in(bones)
    if not names:
        return {}
    declared = declared_prefixes(bones)
    return {name: known[name] for name in names if name in known and name not in declared}


def decode_escapes(text: str) -> str:
    """The text with SPARQL's ``\\uXXXX`` / ``\\UXXXXXXXX`` code-point escapes decoded (§19.2: a parser
    decodes them before it tokenizes, so a ``\\u007B`` is a ``{`` to it)."""
    if "\\u" not in text and "\\U" not in text:
        return text

    def repl(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except (ValueError, OverflowError):
            return match.group(0)

    return _ESCAPE.sub(repl, text)
