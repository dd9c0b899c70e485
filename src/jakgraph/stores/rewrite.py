"""Query rewriting for backends: the query a backend is sent means exactly what the embedded engine answers.

An engine behind ``serve --backend`` answers standard SPARQL, but two parts of the standard are left to the
engine's taste or are ignored by some, so they are rewritten before the query leaves:

* **The protocol's dataset.** ``default-graph-uri`` / ``named-graph-uri`` replace the query's own ``FROM`` /
  ``FROM NAMED`` (SPARQL 1.1 Protocol §2.1.4). Virtuoso ignores them when the query has ``FROM``, and ignores
  ``named-graph-uri`` for ``GRAPH <g>``. :func:`with_dataset` writes them into the query as its dataset
  clauses (the query's own removed), so no engine can ignore them; a query whose clauses cannot be located
  is refused (400) rather than sent with a dataset that might not apply. Virtuoso also reads ``GRAPH <g>``
  whether or not ``<g>`` is one of the dataset's named graphs: in a query with a dataset,
  :func:`unnamed_graphs_emptied` writes each such pattern as an empty ``VALUES`` of its variables (no
  solutions: what the standard says it gives).
* **DESCRIBE.** What a description holds is left to the engine (SPARQL 1.1 §16.4). The embedded engine,
  Oxigraph (``spareval``'s ``DescribeIterator``), gives the Concise Bounded Description without
  reification: every triple of the default graph whose subject is a described resource, and, recursively,
  every triple whose subject is a blank node that is the object of a triple already given. The resources
  are, per solution of ``SELECT <the DESCRIBE's variables> WHERE … <modifiers> <VALUES>``, the values of
  those variables and the IRIs named. Virtuoso gives something else (for ruxolitinib it leaves out its
  treatments). :func:`describe_as_construct` writes the same description as a ``CONSTRUCT`` with the
  query's own prologue, dataset, ``WHERE``, modifiers and ``VALUES``: the blank-node closure as nested
  ``OPTIONAL`` levels, with a marker triple for blank nodes one level deeper than asked; when one shows up
  whose triples are not already there, the query is sent again twice as deep (:func:`finish_description`).

The text is rewritten with the one lexer (``jakgraph.sparql.lexer``), never re-serialised from a parse
tree: the user's own text (prefixed names, relative IRIs under their ``BASE``, comments, literals) is sent
as written, and the rewrite runs only after Oxigraph's parser has accepted the query, so its structure is
known to be well formed.
"""
from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urljoin

import pyoxigraph as ox

from jakgraph.engine.base import QueryRequest, QueryResult
from jakgraph.errors import NotAcceptable, QueryFailed, RequestError
from jakgraph.formats import N_TRIPLES, written
from jakgraph.namespaces import PREFIXES
from jakgraph.sparql.lexer import Token, decode_escapes, skeleton, tokens
from jakgraph.sparql.text import declares_dataset, has_scheme, query_form

__all__ = [
    "DESCRIBE_DEPTHS",
    "DEEPER",
    "Described",
    "answer",
    "describe_as_construct",
    "finish_description",
    "unnamed_graphs_emptied",
    "with_dataset",
]

#: the marker predicate of a blank node found one level deeper than the CONSTRUCT looked (never sent back)
DEEPER = "urn:x-jakgraph:describe-deeper"
#: how many blank-node levels each attempt follows (nested OPTIONALs: Virtuoso refuses braces nested much past
#: 64 deep, SP030); a description deeper than the last is refused
DESCRIBE_DEPTHS = (2, 8, 32, 60)

_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
#: words that end a query's head (projection, template or DESCRIBE targets) when there is no dataset clause
_HEAD_ENDS = frozenset({"FROM", "WHERE", "ORDER", "GROUP", "HAVING", "LIMIT", "OFFSET", "VALUES"})
#: characters an IRIREF may not hold (SPARQL 1.1 §19.8 production 139)
_NOT_IRIREF = re.compile(r"[<>\"{}|^`\\\x00-\x20]")

Forward = Callable[[QueryRequest], Awaitable[QueryResult]]


# ---------------------------------------------------------------------------------------------------
# reading the query's outline

@dataclass(frozen=True)
class _Outline:
    """Where the parts of a query are in its text (offsets into it)."""

    form: str                   # SELECT, ASK, CONSTRUCT, DESCRIBE
    form_start: int             # the form keyword
    head_end: int               # the end of the projection / template / DESCRIBE targets
    dataset: tuple[int, int]    # the FROM / FROM NAMED clauses (an empty span at head_end when there are none)
    rest_start: int             # the WHERE clause, modifiers and VALUES (len(text) when there are none)
    targets: tuple[Token, ...]  # DESCRIBE: its variables and IRIs, or ("*",)


def _outline(text: str) -> _Outline:
    """The outline of a query that Oxigraph's parser has accepted; RequestError when it cannot be read."""
    toks = [t for t in tokens(text) if t.kind != "comment"]
    i = 0
    while i < len(toks) and toks[i].kind == "word" and toks[i].text.upper() in ("BASE", "PREFIX"):
        i += 3 if toks[i].text.upper() == "PREFIX" else 2
    if i >= len(toks) or toks[i].kind != "word" or toks[i].text.upper() not in _FORMS:
        raise RequestError("the query's form could not be found, so the protocol's dataset cannot be applied to it")
    form, form_start = toks[i].text.upper(), toks[i].start
    i += 1
    if form == "CONSTRUCT" and i < len(toks) and toks[i].kind == "open" and toks[i].text == "{":
        i = _after_group(toks, i)
    targets: list[Token] = []
    while i < len(toks) and not _ends_head(toks[i]):
        if form == "DESCRIBE" and toks[i].depth == 0:
            targets.append(toks[i])
        i += 1
    head_end = _end(toks[i - 1]) if i > 0 else 0
    start = end = head_end
    if i < len(toks) and _is_word(toks[i], "FROM"):
        start = toks[i].start
        while i < len(toks) and _is_word(toks[i], "FROM"):
            i += 1
            if i < len(toks) and _is_word(toks[i], "NAMED"):
                i += 1
            if i >= len(toks) or toks[i].kind not in ("iri", "pname"):
                raise RequestError("the query's FROM clause could not be read, so the protocol's dataset cannot "
                                   "replace it")
            end = _end(toks[i])
            i += 1
    rest_start = toks[i].start if i < len(toks) else len(text)
    return _Outline(form, form_start, head_end, (start, end), rest_start, tuple(targets))


def _after_group(toks: list[Token], i: int) -> int:
    depth = toks[i].depth
    i += 1
    while i < len(toks) and not (toks[i].kind == "close" and toks[i].depth == depth):
        i += 1
    return i + 1


def _ends_head(token: Token) -> bool:
    if token.depth != 0:
        return False
    return (token.kind == "open" and token.text == "{") or (token.kind == "word" and token.text.upper() in _HEAD_ENDS)


def _is_word(token: Token, word: str) -> bool:
    return token.kind == "word" and token.depth == 0 and token.text.upper() == word


def _end(token: Token) -> int:
    return token.start + len(token.text)


# ---------------------------------------------------------------------------------------------------
# the dataset

def with_dataset(text: str, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
    """The query with the protocol's dataset as its ``FROM`` / ``FROM NAMED`` clauses, its own removed.

    >>> with_dataset("ASK FROM <http://a> { ?s ?p ?o }", ["http://b"], [])
    'ASK FROM <http://b> { ?s ?p ?o }'
    >>> with_dataset("SELECT * WHERE { GRAPH ?g {} }", [], ["http://n"])
    'SELECT * FROM NAMED <http://n> WHERE { GRAPH ?g {} }'
    """
    for iri in (*default_graphs, *named_graphs):
        if _NOT_IRIREF.search(iri):
            raise RequestError(f"the dataset graph {iri!r} cannot be written into the query as an IRI")
    outline = _outline(text)
    clauses = " ".join([f"FROM <{iri}>" for iri in default_graphs] + [f"FROM NAMED <{iri}>" for iri in named_graphs])
    start, end = outline.dataset
    if start == end:  # no dataset clause of its own: the new ones go after the head
        clauses = f" {clauses}" + ("" if text[end:end + 1].isspace() or end == len(text) else " ")
    return text[:start] + clauses + text[end:]


def unnamed_graphs_emptied(text: str) -> str:
    """In a query with a dataset (``FROM`` / ``FROM NAMED``), each ``GRAPH <g> { … }`` whose ``<g>`` is not one
    of its named graphs written as an empty ``VALUES`` of the variables it names: no solutions, as the
    standard says (Virtuoso instead drops such a pattern, ``FILTER(false)`` in it included, and matches).

    >>> unnamed_graphs_emptied("ASK FROM NAMED <http://a> { GRAPH <http://b> { ?s ?p $o . ?s ?q 1 } }")
    'ASK FROM NAMED <http://a> { { VALUES (?s ?p ?o ?q) { } } }'
    """
    outline = _outline(text)
    toks = [t for t in tokens(text) if t.kind != "comment"]
    base, prefixes = _prologue(toks)
    named: set[str] = set()
    dataset = [t for t in toks if outline.dataset[0] <= t.start < outline.dataset[1]]
    for index, token in enumerate(dataset):
        if token.kind in ("iri", "pname") and index > 0 and _is_word(dataset[index - 1], "NAMED"):
            named.add(_resolve(token, base, prefixes))
    edits: list[tuple[int, int, str]] = []
    for index, token in enumerate(toks):
        if (token.start < outline.rest_start or token.kind != "word" or token.text.upper() != "GRAPH"
                or index + 2 >= len(toks) or toks[index + 1].kind not in ("iri", "pname")
                or toks[index + 2].text != "{"):
            continue
        if _resolve(toks[index + 1], base, prefixes) in named:
            continue
        close = _after_group(toks, index + 2) - 1
        if edits and token.start < edits[-1][1]:
            continue  # inside a pattern already emptied
        names = dict.fromkeys(f"?{t.text[1:]}" for t in toks[index + 3:close] if t.kind == "var")
        edits.append((token.start, _end(toks[close]), f"{{ VALUES ({' '.join(names)}) {{ }} }}"))
    for start, end, replacement in reversed(edits):
        text = text[:start] + replacement + text[end:]
    return text


def _prologue(toks: list[Token]) -> tuple[str | None, dict[str, str]]:
    """The query's own BASE and prefixes (the project's prefixes where it declares none)."""
    base: str | None = None
    prefixes = dict(PREFIXES)
    i = 0
    while i + 1 < len(toks) and toks[i].kind == "word" and toks[i].text.upper() in ("BASE", "PREFIX"):
        if toks[i].text.upper() == "BASE":
            base = _absolute(decode_escapes(toks[i + 1].text[1:-1]), base)
            i += 2
        else:
            if i + 2 < len(toks):
                prefixes[toks[i + 1].text[:-1]] = _absolute(decode_escapes(toks[i + 2].text[1:-1]), base)
            i += 3
    return base, prefixes


def _absolute(iri: str, base: str | None) -> str:
    if has_scheme(iri):
        return iri
    if base is None:
        raise RequestError(f"the relative IRI <{iri}> in a query with a dataset cannot be resolved here; "
                           "write it in full (or declare BASE)")
    return urljoin(base, iri)


def _resolve(token: Token, base: str | None, prefixes: dict[str, str]) -> str:
    if token.kind == "iri":
        return _absolute(decode_escapes(token.text[1:-1]), base)
    prefix, _, local = token.text.partition(":")
    return prefixes.get(prefix, "") + re.sub(r"\\(.)", r"\1", local)


# ---------------------------------------------------------------------------------------------------
# DESCRIBE

def describe_as_construct(text: str, depth: int) -> str:
    """A DESCRIBE query as the CONSTRUCT of the embedded engine's description, following blank nodes
    ``depth`` levels down and marking (with :data:`DEEPER`) those one level further."""
    outline = _outline(text)
    if outline.form != "DESCRIBE":
        raise ValueError("not a DESCRIBE query")
    fresh = _fresh_prefix(text)
    resource = f"?{fresh}r"
    star = len(outline.targets) == 1 and outline.targets[0].text == "*"
    rest = text[outline.rest_start:]
    rest_toks = [t for t in tokens(rest) if t.kind != "comment"]
    if star:  # every variable the WHERE clause mentions (those not in scope stay unbound, and are left out)
        names = {t.text[1:] for t in rest_toks if t.kind == "var"}
        terms = [f"?{name}" for name in sorted(names)]
    else:
        terms = [t.text for t in outline.targets]
    variables = sorted({t[1:] for t in terms if t[0] in "?$"})
    projection = " ".join(f"?{v}" for v in variables) if variables else f"(1 AS ?{fresh}one)"
    if not (rest_toks and (_is_word(rest_toks[0], "WHERE") or rest_toks[0].text == "{")):
        rest = "WHERE {}\n" + rest
    rest = _values_inside(rest)
    if not terms:
        return _empty_construct(text[:outline.form_start])
    if len(terms) == 1:
        binding = f"BIND({terms[0]} AS {resource})"
    else:
        chosen = terms[-1]
        for index in range(len(terms) - 2, -1, -1):
            chosen = f"IF(?{fresh}i = {index}, {terms[index]}, {chosen})"
        binding = f"VALUES ?{fresh}i {{ {' '.join(str(n) for n in range(len(terms)))} }}\n    BIND({chosen} AS {resource})"
    subject = [resource] + [f"?{fresh}o{level}" for level in range(depth)]
    template = [f"{subject[level]} ?{fresh}p{level} ?{fresh}o{level} ." for level in range(depth + 1)]
    template.append(f"?{fresh}d <{DEEPER}> ?{fresh}d .")
    closure = ""
    for level in range(depth + 1, 0, -1):  # from the innermost: level L describes the blank object of level L-1
        node = f"?{fresh}o{level - 1}"
        triple = (f"{node} ?{fresh}pd ?{fresh}od BIND({node} AS ?{fresh}d)" if level == depth + 1
                  else f"{node} ?{fresh}p{level} ?{fresh}o{level} .")
        closure = f"OPTIONAL {{ FILTER(isBlank({node})) {triple} {closure}}} "
    dataset = text[outline.dataset[0]:outline.dataset[1]]
    return (
        f"{text[:outline.form_start]}CONSTRUCT {{\n  {' '.join(template)}\n}}\n{dataset}\nWHERE {{\n"
        f"  {{ SELECT DISTINCT {resource} WHERE {{\n"
        f"    {{ SELECT {projection} {rest}\n    }}\n"
        f"    {binding}\n    FILTER(BOUND({resource}))\n  }} }}\n"
        f"  {resource} ?{fresh}p0 ?{fresh}o0 .\n  {closure}\n}}\n"
    )


def _values_inside(rest: str) -> str:
    """``WHERE { P } modifiers VALUES …`` as ``WHERE { { P } VALUES … } modifiers``: the same join before the
    modifiers (SPARQL 1.1 §18.2.4.3), written where Virtuoso reads it (in a sub-select it loses a trailing one)."""
    toks = [t for t in tokens(rest) if t.kind != "comment"]
    opening = next(i for i, t in enumerate(toks) if t.text == "{" and t.depth == 0)
    close = _after_group(toks, opening) - 1
    values = next((t for t in toks[close + 1:] if _is_word(t, "VALUES")), None)
    if values is None:
        return rest
    group_end = _end(toks[close])
    return (f"{rest[:toks[opening].start]}{{ {rest[toks[opening].start:group_end]}\n"
            f"{rest[values.start:]}\n}} {rest[group_end:values.start]}")


def _empty_construct(prologue: str) -> str:
    return f"{prologue}CONSTRUCT {{}} WHERE {{}}\n"


def _fresh_prefix(text: str) -> str:
    """A variable-name prefix no variable of the query starts with."""
    names = {t.text[1:] for t in tokens(text) if t.kind == "var"}
    prefix, n = "jakgraph_", 0
    while any(name.startswith(prefix) for name in names):
        n += 1
        prefix = f"jakgraph{n}_"
    return prefix


@dataclass(frozen=True)
class Described:
    """One attempt's answer: the description's triples, and whether it is whole."""

    triples: list[ox.Triple]
    complete: bool


def finish_description(triples: Sequence[ox.Triple]) -> Described:
    """The marker triples taken out, and each triple once (a CONSTRUCT gives one per path that reaches it);
    whole when every blank node marked as deeper is already described (a subject of a triple given: then
    all its triples are there, fetched at a shallower level)."""
    deeper = ox.NamedNode(DEEPER)
    marked = {t.subject for t in triples if t.predicate == deeper}
    kept = [t for t in dict.fromkeys(triples) if t.predicate != deeper]
    described = {t.subject for t in kept}
    return Described(kept, marked <= described)


# ---------------------------------------------------------------------------------------------------
# the hook RemoteEngine calls

async def answer(request: QueryRequest, forward: Forward) -> QueryResult | None:
    """The answer to ``request`` through rewritten queries sent with ``forward``, or None when the query is
    sent as it is (its dataset already written in it, no ``GRAPH <g>`` outside its named graphs, not a
    DESCRIBE). ``forward`` comes back here with the rewritten query, which is then sent as it is.

    The protocol's dataset parameters still go with the rewritten query: an engine that honours them reads
    the same graphs as its FROM clauses name, and Oxigraph's ``serve --union-default-graph`` needs them, as
    it puts the union in place of a query's own FROM when they are absent."""
    text = request.text
    if request.default_graph_uris or request.named_graph_uris:
        text = with_dataset(text, request.default_graph_uris, request.named_graph_uris)
    if declares_dataset(skeleton(text)):
        text = unnamed_graphs_emptied(text)
    rewritten = replace(request, text=text)
    if query_form(skeleton(text)) == "DESCRIBE":
        return await _describe(rewritten, forward)
    if text == request.text:
        return None
    return await forward(rewritten)


async def _describe(request: QueryRequest, forward: Forward) -> QueryResult:
    if request.graph_format is None:
        raise NotAcceptable("this query's result is an RDF graph; the request accepts only results formats")
    started = time.perf_counter()
    for depth in DESCRIBE_DEPTHS:
        construct = replace(request, text=describe_as_construct(request.text, depth), solutions_format=None,
                            graph_format=N_TRIPLES)
        result = await forward(construct)
        try:
            described = finish_description(list(ox.parse(result.body, format=ox.RdfFormat.N_TRIPLES)))
        except (SyntaxError, ValueError) as err:
            raise QueryFailed(f"the remote store sent a description that does not parse: {err}") from None
        if described.complete:
            body = written(ox.serialize(described.triples, format=request.graph_format.rdf))
            return QueryResult(body, request.graph_format, "graph", len(described.triples),
                               time.perf_counter() - started)
    raise QueryFailed(f"the description follows blank nodes more than {DESCRIBE_DEPTHS[-1]} levels deep, "
                      "deeper than jakgraph asks a backend for; DESCRIBE fewer resources or CONSTRUCT what is "
                      "needed", status=422)
