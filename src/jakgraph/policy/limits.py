"""Input limits, checked in linear time before any parser sees the text: the one place they live.

Why: the parsers behind every entry point recurse. Oxigraph's SPARQL parser and its algebra overflow the
native stack (a segfault, no message) on about 3,000 nested groups, 3,000 chained ``OPTIONAL``/``MINUS``,
10,000 chained operators (``1+1+…``, ``a||b||…``, ``{} UNION {} …``) or 10,000 unary ``!``; a query
worker dies with it, the CLI dies with it, an update parsed in the HTTP process takes the whole server
down, and an Oxigraph ``--backend`` aborts. So every path that parses SPARQL (``/sparql``, ``/update``, the
CLI, before forwarding to a backend) first runs :func:`check_sparql`, one pass of the lexer
(``jakgraph.sparql.lexer``) over the text with SPARQL's ``\\u`` escapes decoded (a parser decodes them
first, so ``\\u007B`` is a ``{``); every path that parses RDF (``/store`` bodies, ``jakgraph validate``,
``load``, ``serve --load``) runs :func:`check_rdf`. Body sizes are checked before the body is decoded.

The defaults (``Settings``, ``JAKGRAPH_MAX_*``; the table is in docs/limits.md) sit far below where the
parsers break and far above what a real query needs. Over a limit: :class:`~jakgraph.errors.LimitExceeded`
(HTTP 400; the CLI prints one line and exits 2) or :class:`~jakgraph.errors.InputTooLarge` (413), naming
the limit, the value found and the setting.
"""
from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from jakgraph.errors import InputTooLarge, LimitExceeded
from jakgraph.settings import Settings
from jakgraph.sparql.lexer import decode_escapes, tokens

__all__ = ["Figures", "Limits", "check_rdf", "check_rdf_file", "check_size", "check_sparql", "measure_sparql"]

#: a file larger than this (uncompressed size unknown for .gz) is not pre-scanned by ``load``: Oxigraph's RDF
#: parsers keep their stack on the heap, so a big local file costs memory, never a crash (docs/limits.md)
FILE_SCAN_BYTES = 256 * 1024 * 1024

_TERMS = frozenset({"iri", "pname", "bnode", "var", "number", "string", "word", "langtag"})
_NAMED = frozenset({"iri", "pname", "bnode", "var", "number", "word", "langtag"})
_SEPARATORS = frozenset({".", ";", ","})
#: words that are terms (not keywords) inside a pattern
_TERM_WORDS = frozenset({"A", "TRUE", "FALSE", "UNDEF"})
#: keywords that may follow a triple pattern without a "."
_AFTER_PATTERN = frozenset({"FILTER", "OPTIONAL", "MINUS", "BIND", "VALUES", "GRAPH", "SERVICE", "UNION"})


@dataclass(frozen=True)
class Limits:
    """The input limits; :meth:`of` reads them from ``Settings`` (any object with the ``max_*`` fields), whose
    field defaults are the one place the default values live."""

    max_nesting_depth: int
    max_query_tokens: int
    max_triple_patterns: int
    max_values_rows: int
    max_prefixes: int
    max_token_length: int
    max_literal_length: int
    max_rdf_nesting_depth: int

    @classmethod
    def of(cls, settings: Any = None) -> Limits:
        if isinstance(settings, Limits):
            return settings
        if settings is None:
            settings = Settings()   # the environment's
        values: dict[str, int] = {}
        for item in fields(cls):
            default = Settings.model_fields[item.name].default
            values[item.name] = int(getattr(settings, item.name, default))
        return cls(**values)


#: the setting (environment variable) each limit is configured by, named in every refusal
SETTING = {name: f"JAKGRAPH_{name.upper()}" for name in (f.name for f in fields(Limits))}


@dataclass(frozen=True)
class Figures:
    """What one pass of the lexer measured (the largest of each, or the count)."""

    depth: int = 0
    tokens: int = 0
    triple_patterns: int = 0
    values_rows: int = 0
    prefixes: int = 0
    token_length: int = 0
    literal_length: int = 0


def check_size(size: int, allowed: int, what: str, setting: str) -> None:
    """InputTooLarge (413) when ``size`` bytes is over ``allowed``."""
    if size > allowed:
        raise InputTooLarge(f"the {what} size", size, allowed, setting, "bytes")


def measure_sparql(text: str) -> Figures:
    """The figures of a SPARQL query or update, in one pass of the lexer (escapes decoded)."""
    depth = run = extra = 0       # run: unary ! in a row; extra: the ! carried into the open brackets
    carried: list[int] = []
    count = patterns = rows = prefixes = longest = longest_literal = 0
    stack: list[str] = []
    previous = ""                 # the previous token's kind
    pending = False               # a triple pattern has begun and not yet been counted
    last_word = ""
    values_state = ""             # "", "header", "block"
    values_multi = False
    block_depth = -1
    data_depth = -1               # inside INSERT DATA / DELETE DATA { … }: data, not patterns
    for token in tokens(decode_escapes(text)):
        kind, value = token.kind, token.text
        if kind == "comment":
            continue
        # lengths
        if kind == "string":
            longest_literal = max(longest_literal, len(value))
        elif kind in _NAMED:
            longest = max(longest, len(value))
        # nesting: brackets, and unary ! (each one a level of the parser's recursion, which lasts as long as
        # its operand: to the end of a bracket that follows it)
        if kind == "punct" and value == "!":
            run += 1
            depth = max(depth, token.depth + extra + run)
        elif kind == "open":
            stack.append(value)
            carried.append(run)
            extra += run
            run = 0
            depth = max(depth, token.depth + 1 + extra)
        else:
            if kind not in ("word", "pname", "iri"):   # a function name keeps the run: !STR( … ), !EXISTS { … }
                run = 0
            if kind == "close" and stack:
                stack.pop()
                extra -= carried.pop()
        upper = value.upper() if kind == "word" else ""
        if upper == "PREFIX" and token.depth == 0:
            prefixes += 1
        # VALUES blocks: rows, not tokens
        if values_state == "header":
            if kind == "open" and value == "(":
                values_multi = True
            elif kind == "open" and value == "{":
                values_state, block_depth = "block", token.depth + 1
            previous = kind
            continue
        if values_state == "block":
            if token.depth < block_depth:
                values_state = ""
            else:
                if token.depth == block_depth and ((values_multi and kind == "open" and value == "(")
                                                   or (not values_multi and kind in _TERMS)):
                    rows += 1
                continue
        if upper == "VALUES":
            values_state, values_multi = "header", False
            count += 1
            patterns += 1 if pending else 0
            pending = False
            continue
        # DATA blocks: data, not patterns
        if data_depth >= 0:
            if token.depth < data_depth:
                data_depth = -1
            else:
                continue
        if kind == "open" and value == "{" and previous == "word" and last_word == "DATA":
            data_depth = token.depth + 1
            count += 1
            continue
        count += 1
        # triple patterns: a term inside { } or [ ] starts one; a separator, the end of the group or property
        # list, or a keyword that ends a pattern (FILTER, OPTIONAL, …) completes it
        inside = stack[-1] if stack else ""
        if kind in _TERMS and (kind != "word" or upper in _TERM_WORDS):
            pending = pending or (inside in ("{", "[") and kind != "open")
        elif kind == "word":
            if pending and upper in _AFTER_PATTERN:
                patterns += 1
            pending = False
        elif kind == "punct" and value in _SEPARATORS:
            if pending and inside in ("{", "["):
                patterns += 1
                pending = False
        elif kind == "close" and value in ("}", "]"):
            if pending:
                patterns += 1
            pending = value == "]" and bool(stack) and stack[-1] in ("{", "[")  # [ … ] is a term of the outer one
        elif kind == "open" and value == "{":
            pending = False
        if kind == "word":
            last_word = upper
        previous = kind
    return Figures(depth, count, patterns, rows, prefixes, longest, longest_literal)


def check_sparql(text: str, limits: Limits | Any = None) -> Figures:
    """Raise LimitExceeded unless the query or update is within every limit; the figures otherwise."""
    limits = Limits.of(limits)
    figures = measure_sparql(text)
    _require("the nesting depth of { } ( ) [ ] and !", figures.depth, limits.max_nesting_depth,
             "max_nesting_depth", "levels")
    _require("the number of syntax tokens (outside VALUES and DATA blocks)", figures.tokens,
             limits.max_query_tokens, "max_query_tokens")
    _require("the number of triple patterns", figures.triple_patterns, limits.max_triple_patterns,
             "max_triple_patterns")
    _require("the number of VALUES rows", figures.values_rows, limits.max_values_rows, "max_values_rows")
    _require("the number of PREFIX declarations", figures.prefixes, limits.max_prefixes, "max_prefixes")
    _require("the longest token (IRI, prefixed name, variable, number)", figures.token_length,
             limits.max_token_length, "max_token_length", "characters")
    _require("the longest literal", figures.literal_length, limits.max_literal_length, "max_literal_length",
             "characters")
    return figures


def _require(what: str, found: int, allowed: int, limit: str, unit: str = "") -> None:
    if found > allowed:
        raise LimitExceeded(what, found, allowed, SETTING[limit], unit)


# ---------------------------------------------------------------------------------------------------
# RDF

_XML = re.compile(
    r"""(?P<skip><!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^>]*>)
      | (?P<tag><(?P<close>/)?[^\s<>/!?]+(?P<attrs>(?:[^>"']|"[^"]*"|'[^']*')*?)(?P<empty>/)?>)
      | (?P<text>[^<]+)
    """,
    re.VERBOSE | re.DOTALL,
)
_XML_ATTR = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)')""")


def measure_rdf(text: str, fmt: ox.RdfFormat) -> Figures:
    """Nesting depth and the longest token and literal of an RDF document (one pass)."""
    depth = longest = longest_literal = 0
    if fmt == ox.RdfFormat.RDF_XML:
        level = 0
        for match in _XML.finditer(text):
            if match.group("text") is not None:
                longest_literal = max(longest_literal, len(match.group("text").strip()))
            elif match.group("tag") is not None:
                if match.group("close"):
                    level = max(level - 1, 0)
                elif not match.group("empty"):
                    level += 1
                    depth = max(depth, level)
                for attr in _XML_ATTR.finditer(match.group("attrs") or ""):
                    longest_literal = max(longest_literal, len(attr.group(1) or attr.group(2) or ""))
        return Figures(depth=depth, literal_length=longest_literal)
    for token in tokens(text):
        if token.kind == "open":
            depth = max(depth, token.depth + 1)
        elif token.kind == "string":
            longest_literal = max(longest_literal, len(token.text))
        elif token.kind in _NAMED:
            longest = max(longest, len(token.text))
    return Figures(depth=depth, token_length=longest, literal_length=longest_literal)


def check_rdf(data: bytes | str, fmt: ox.RdfFormat, limits: Limits | Any = None) -> Figures:
    """Raise LimitExceeded unless the RDF document is within the nesting, token and literal limits.

    Bytes that are not UTF-8 are measured as decoded with replacement: the parser then refuses them."""
    limits = Limits.of(limits)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    figures = measure_rdf(text, fmt)
    if fmt == ox.RdfFormat.JSON_LD:   # Oxigraph's JSON-LD parser recurses (a segfault at about 3,000 levels)
        _require("the nesting depth", figures.depth, limits.max_nesting_depth, "max_nesting_depth", "levels")
    _require("the nesting depth", figures.depth, limits.max_rdf_nesting_depth, "max_rdf_nesting_depth",
             "levels")
    _require("the longest token (IRI, prefixed name, blank node)", figures.token_length, limits.max_token_length,
             "max_token_length", "characters")
    _require("the longest literal", figures.literal_length, limits.max_literal_length, "max_literal_length",
             "characters")
    return figures


def check_rdf_file(path: Path, fmt: ox.RdfFormat, limits: Limits | Any = None) -> Figures | None:
    """:func:`check_rdf` on a file (``.gz`` read through); None for a file too big to pre-scan (see
    :data:`FILE_SCAN_BYTES`) or one that cannot be read (the loader then says why)."""
    try:
        if path.stat().st_size > FILE_SCAN_BYTES:
            return None
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as handle:
            data = handle.read(FILE_SCAN_BYTES + 1)
    except (OSError, EOFError):
        return None
    if len(data) > FILE_SCAN_BYTES:
        return None
    try:
        return check_rdf(data, fmt, limits)
    except LimitExceeded as err:
        raise LimitExceeded(f"{path.name}: {err.limit}", err.found, err.allowed, err.setting, err.unit) from None


def check_quads(quads: Any, limits: Limits | Any = None, *, where: str = "") -> None:
    """The token and literal length limits on quads about to be sent elsewhere (``jakgraph push``): the
    receiving store parses them, and must not be handed what this server would refuse."""
    limits = Limits.of(limits)
    longest = longest_literal = 0
    for quad in quads:
        for term in (quad.subject, quad.predicate, quad.object):
            if isinstance(term, ox.Literal):
                longest_literal = max(longest_literal, len(term.value))
            elif isinstance(term, ox.NamedNode):
                longest = max(longest, len(term.value))
    label = f"{where}: " if where else ""
    _require(f"{label}the longest IRI", longest, limits.max_token_length, "max_token_length", "characters")
    _require(f"{label}the longest literal", longest_literal, limits.max_literal_length, "max_literal_length",
             "characters")
