"""Cheap facts about SPARQL text, read without a full parse: its form, FROM clauses, the prefixes it uses.

These run on every request, so they are a single regular-expression pass that blanks out what cannot hold
a keyword (IRIs, string literals, comments) followed by a few anchored matches. They only decide things
the real parser (Oxigraph's, in the worker) then confirms: a wrong guess on broken text ends as that
parser's syntax error.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "UPDATE_KEYWORDS",
    "declares_dataset",
    "describe_syntax_error",
    "query_form",
    "skeleton",
    "used_prefixes",
]

#: the first keyword of every SPARQL 1.1 Update operation
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})

#: the parts of SPARQL text whose insides are not syntax: IRIs, string literals, comments (verbose regex)
OPAQUE_TOKENS = r"""
      (?P<iri> <[^<>"{}|^`\\\x00-\x20]*> )
    | (?P<string> \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               | '''(?:[^'\\]|\\.|'(?!''))*'''
               | "(?:[^"\\\n\r]|\\.)*"
               | '(?:[^'\\\n\r]|\\.)*' )
    | (?P<comment> \#[^\n\r]* )
"""
_OPAQUE = re.compile(OPAQUE_TOKENS, re.VERBOSE | re.DOTALL)
_PROLOGUE_AND_FORM = re.compile(
    r"\A\s*(?:(?:BASE\s*<>|PREFIX\s*[^\s:]*:\s*<>)\s*)*([A-Za-z]+)", re.IGNORECASE
)
_FROM = re.compile(r"(?<![\w?$:])FROM(?![\w:])", re.IGNORECASE)
_PREFIXED = re.compile(r"(?<![\w?$:.\-])([^\W\d][\w.\-]*)?:")
_DECLARED = re.compile(r"PREFIX\s*([^\s:]*):", re.IGNORECASE)


def _blank(match: re.Match[str]) -> str:
    return "<>" if match.lastgroup == "iri" else " "


def skeleton(text: str) -> str:
    """The text with every IRI replaced by ``<>`` and every string literal and comment by a space."""
    return _OPAQUE.sub(_blank, text)


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


def used_prefixes(bones: str, known: Mapping[str, str]) -> dict[str, str]:
    """The entries of ``known`` whose prefix the query uses without declaring it itself.

    Handing Oxigraph only these (not every project prefix) keeps the per-query cost of default prefixes
    near zero.

    >>> sorted(used_prefixes(skeleton("PREFIX a: <x:> SELECT * { ?s a:p drug:x ; rdfs:label 'ex:y' }"),
    ...                      {"a": "A", "drug": "D", "rdfs": "R", "ex": "E"}))
    ['drug', 'rdfs']
    """
    names = set(_PREFIXED.findall(bones))
    if not names:
        return {}
    declared = set(_DECLARED.findall(bones))
    return {name: known[name] for name in names if name in known and name not in declared}


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
