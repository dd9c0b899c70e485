"""Cheap facts about SPARQL text, read without a full parse: its form, FROM clauses, the prefixes it uses.

These run on every request, so they read the lexer's skeleton (``jakgraph.sparql.lexer``: IRIs, string
literals and comments blanked) with a few anchored matches. They only decide things
the real parser (Oxigraph's, in the worker) then confirms: a wrong guess on broken text ends as that
parser's syntax error.

:func:`scan` reads the token stream once for what the safety rules need (``SERVICE``/``LOAD`` keywords, the
first keyword, the graphs an update names, where its ``WHERE`` clauses are); it never raises.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

from jakgraph.namespaces import PREFIXES
from jakgraph.sparql.lexer import (
    PNAME_NS,
    Token,
    declared_prefixes,
    decode_escapes,
    prefixes_in,
    skeleton,
    tokens,
    used_prefixes,
)

__all__ = [
    "QUERY_FORMS",
    "UPDATE_KEYWORDS",
    "QueryFacts",
    "Scan",
    "declares_dataset",
    "describe_syntax_error",
    "first_keyword",
    "mentions_keyword",
    "query_facts",
    "query_form",
    "scan",
    "skeleton",
    "used_prefixes",
]

#: the first keyword of every SPARQL 1.1 Update operation
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})

_PROLOGUE_AND_FORM = re.compile(
    f"\\A\\s*(?:(?:BASE\\s*<>|PREFIX\\s*{PNAME_NS}\\s*<>)\\s*)*([A-Za-z]+)", re.IGNORECASE
)
_FROM = re.compile(r"(?<![\w?$:])FROM(?![\w:])", re.IGNORECASE)


def query_form(bones: str) -> str | None:
    """``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``, an update keyword such as ``INSERT``, or None.

    >>> query_form(skeleton("PREFIX ex: <http://example.org/> # comment\\nselect * {}"))
    'SELECT'
    >>> query_form(skeleton("INSERT DATA { <a> <b> <c> }"))
    'INSERT'
    """
    match = _PROLOGUE_AND_FORM.match(bones)
    if match is None:
        return None
    word = match.group(1).upper()
    return word if word in QUERY_FORMS or word in UPDATE_KEYWORDS else None


def declares_dataset(bones: str) -> bool:
    """Whether the query names its own dataset (``FROM`` or ``FROM NAMED``).

    >>> declares_dataset(skeleton("SELECT ?from FROM <g> WHERE { ?s ex:from ?o }"))
    True
    >>> declares_dataset(skeleton("SELECT ?from WHERE { ?s ex:from 'FROM' }"))
    False
    """
    return _FROM.search(bones) is not None


@dataclass(frozen=True, slots=True)
class QueryFacts:
    """What the endpoint and the engine read from a query's text before Oxigraph parses it: one skeleton.

    ``prefixes`` are the prefixes used in prefixed names and not declared by the query (the engine
    supplies the project's IRI for those it knows); ``declares_dataset``: FROM or FROM NAMED.
    """

    form: str | None
    prefixes: tuple[str, ...]
    declares_dataset: bool


#: texts up to this many characters have their facts remembered (clients repeat their queries; a long
#: text costs its size in memory, so it is read again instead)
_REMEMBERED_CHARS = 4096


def query_facts(text: str) -> QueryFacts:
    """The :class:`QueryFacts` of ``text``: read once per text (LRU), then shared by every stage.

    >>> query_facts("PREFIX a: <x:> SELECT * FROM <g> { ?s a:p drug:x ; rdfs:label 'ex:y' }")
    QueryFacts(form='SELECT', prefixes=('drug', 'rdfs'), declares_dataset=True)
    """
    return _remembered_facts(text) if len(text) <= _REMEMBERED_CHARS else _facts(text)


def _facts(text: str) -> QueryFacts:
    bones = skeleton(text)
    names = prefixes_in(bones)
    if names:
        names -= declared_prefixes(bones)
    return QueryFacts(query_form(bones), tuple(sorted(names)), declares_dataset(bones))


_remembered_facts = lru_cache(maxsize=1024)(_facts)


_ERROR_AT = re.compile(r"\Aerror at (\d+):(\d+): (.*)\Z", re.DOTALL)


def describe_syntax_error(text: str, message: str) -> str:
    """Oxigraph's parser message made readable: position, what was expected, the line with a caret.

    >>> print(describe_syntax_error("ASK {}FOO", "error at 1:10: expected one of BIND, CONSTRUCT, [_]"))
    SPARQL syntax error at line 1, column 10: expected one of BIND, CONSTRUCT
      ASK {}FOO
               ^
    """
    match = _ERROR_AT.match(message.strip())
    if match is None:
        return f"SPARQL syntax error: {' '.join(message.split())}"
    line_no, column = int(match.group(1)), int(match.group(2))
    detail = _readable_expectation(match.group(3), text, line_no, column)
    lines = text.splitlines() or [""]
    summary = f"SPARQL syntax error at line {line_no}, column {column}: {detail}"
    if not 1 <= line_no <= len(lines):
        return summary
    line = lines[line_no - 1]
    if len(line) > 200:  # long lines: show a window around the position
        start = max(0, column - 100)
        line, column = line[start:start + 200], column - start
    return f"{summary}\n  {line}\n  {' ' * max(column - 1, 0)}^"


def _readable_expectation(expected: str, text: str, line_no: int, column: int) -> str:
    if "Prefix not found" in expected:
        lines = text.splitlines()
        if 1 <= line_no <= len(lines):
            head = lines[line_no - 1][: max(column - 1, 0)]
            prefix = re.search(r"([^\s:(){}\[\],;.^/|!]*):[^\s:]*\Z", head)
            if prefix is not None:
                return f"the prefix {prefix.group(1)}: is not declared (nor a project prefix, see /prefixes)"
        return "a prefix is not declared (nor a project prefix, see /prefixes)"
    if not expected.startswith("expected "):
        return " ".join(expected.split())
    items = [item for item in _split_top_level(expected[len("expected "):]) if not item.startswith(("[", "'"))]
    if items and items[0].startswith("one of "):
        items[0] = items[0][len("one of "):]
    if not items:
        return "unexpected character"
    return ("expected one of " if len(items) > 1 else "expected ") + ", ".join(items)


def _split_top_level(listing: str) -> list[str]:
    """Split Oxigraph's ``a, b, ['x' | 'y'], c`` on the commas outside brackets and quotes."""
    items: list[str] = []
    depth, quoted = 0, False
    current: list[str] = []
    for char in " ".join(listing.split()):
        if char == "'" and depth:
            quoted = not quoted
        elif not quoted and char == "[":
            depth += 1
        elif not quoted and char == "]":
            depth = max(depth - 1, 0)
        if char == "," and depth == 0 and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if current:
        items.append("".join(current).strip())
    return [item for item in items if item]


# ---------------------------------------------------------------------------------------------------
# the scan: what the safety rules need, from the token stream (linear in the text)

_GRAPH_MANAGEMENT = frozenset({"CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"})


@dataclass(frozen=True)
class Scan:
    """What the lexer sees in a query or update (keywords upper-cased)."""

    tokens: tuple[Token, ...]
    prefixes: dict[str, str]
    base: str | None
    services: int                  # SERVICE keywords anywhere
    loads: int                     # LOAD keywords anywhere
    first_keyword: str | None      # the first keyword after the prologue: SELECT, INSERT, …
    dataset_clauses: bool          # USING or WITH at the top level, or FROM anywhere
    modify_wheres: tuple[int, ...] # offsets of top-level WHERE keywords of DELETE/INSERT … WHERE
    managed_graphs: tuple[str, ...]
    cleared_graphs: tuple[str, ...]


def scan(text: str, *, base: str | None = None, prefixes: dict[str, str] | None = None) -> Scan:
    """Read the text (as written, and with SPARQL's ``\\u`` escapes decoded: a keyword counts if it shows in
    either) for what the safety rules need. Never raises on malformed text."""
    known = PREFIXES if prefixes is None else prefixes
    facts = _scan_tokens(list(tokens(text)), base, known)
    decoded = decode_escapes(text)
    if decoded != text:
        other = _scan_tokens(list(tokens(decoded)), base, known)
        facts = Scan(facts.tokens, facts.prefixes, facts.base, max(facts.services, other.services),
                     max(facts.loads, other.loads), facts.first_keyword, facts.dataset_clauses or other.dataset_clauses,
                     facts.modify_wheres, tuple(dict.fromkeys(facts.managed_graphs + other.managed_graphs)),
                     facts.cleared_graphs)
    return facts


def first_keyword(text: str) -> str | None:
    """The first keyword after the prologue (SELECT, ASK, …, INSERT, LOAD, …), reading no further than it."""
    expect = ""
    for token in tokens(text):
        if token.kind == "comment":
            continue
        if expect == "name" and token.kind == "pname" and token.text.endswith(":"):
            expect = "iri"
            continue
        if expect == "iri" and token.kind == "iri":
            expect = ""
            continue
        if token.kind == "word":
            upper = token.text.upper()
            if upper in ("PREFIX", "BASE"):
                expect = "name" if upper == "PREFIX" else "iri"
                continue
            return upper if upper in UPDATE_KEYWORDS | QUERY_FORMS else None
        return None
    return None


def mentions_keyword(text: str, keyword: str) -> bool:
    """Whether a keyword could appear in the text at all, after SPARQL's \\u/\\U code-point escapes (a
    superset test: a text that might hold SERVICE or LOAD is looked at closely, never passed unchecked)."""
    return keyword.lower() in decode_escapes(text).lower()


def _scan_tokens(found: list[Token], base: str | None, prefixes: dict[str, str]) -> Scan:
    known = dict(prefixes)
    services = loads = 0
    first: str | None = None
    dataset = False
    wheres: list[int] = []
    managed: list[str] = []
    cleared: list[str] = []
    previous = ""
    index = 0
    while index < len(found):
        token = found[index]
        upper = token.text.upper() if token.kind == "word" else ""
        if upper in ("PREFIX", "BASE") and token.depth == 0:
            index += 1
            if upper == "PREFIX" and index + 1 < len(found) and found[index].kind == "pname" \
                    and found[index].text.endswith(":") and found[index + 1].kind == "iri":
                known[found[index].text[:-1]] = _resolve(found[index + 1].text[1:-1], base)
                index += 2
            elif upper == "BASE" and index < len(found) and found[index].kind == "iri":
                base = _resolve(found[index].text[1:-1], base)
                index += 1
            previous = upper
            continue
        if upper == "SERVICE":
            services += 1
        elif upper == "LOAD":
            loads += 1
        elif upper == "FROM":
            dataset = True
        if upper and token.depth == 0:
            if first is None and upper in UPDATE_KEYWORDS | QUERY_FORMS:
                first = upper
            if upper in ("USING", "WITH"):
                dataset = True
            if upper == "WHERE" and previous != "DELETE" and first in UPDATE_KEYWORDS:
                wheres.append(token.start)
            if upper in _GRAPH_MANAGEMENT:
                names = _graph_operands(found, index + 1, known, base)
                managed.extend(names)
                if upper == "CLEAR":
                    cleared.extend(names)
            previous = upper
        if token.kind == "punct" and token.text == ";" and token.depth == 0:
            previous = ";"
        index += 1
    return Scan(tuple(found), known, base, services, loads, first, dataset, tuple(wheres),
                tuple(dict.fromkeys(managed)), tuple(dict.fromkeys(cleared)))


def _graph_operands(found: list[Token], index: int, known: dict[str, str], base: str | None) -> list[str]:
    """The graph IRIs a CLEAR/DROP/CREATE/ADD/MOVE/COPY names, up to the end of the operation."""
    names: list[str] = []
    while index < len(found):
        token = found[index]
        if token.kind == "punct" and token.text == ";":
            break
        if token.kind == "iri":
            names.append(_resolve(token.text[1:-1], base))
        elif token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            if prefix in known:
                names.append(known[prefix] + local)
        elif token.kind == "word" and token.text.upper() in UPDATE_KEYWORDS - {"ADD"} | {"PREFIX", "BASE"}:
            break
        index += 1
    return names


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base and not has_scheme(iri) else iri


def has_scheme(iri: str) -> bool:
    """Whether an IRI is absolute (starts with a scheme)."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", iri) is not None
