"""The full SPARQL parse, in a separate process: rdflib's parser, walked for what the safety rules need.

Why a subprocess: rdflib's pyparsing grammar is slow on some inputs (a FILTER of 100 alternatives takes a
second, 200 KB takes minutes), cannot be interrupted, and recurses (deep nesting ends in a RecursionError or
worse). So it runs in one long-lived ``python -m jakgraph.sparql.parse --parser`` process with a deadline
(:class:`ParserProcess`): a parse past the deadline is stopped by killing that process, and a crash of it
costs only the request that caused it (reported as a 4xx, :class:`~jakgraph.errors.PolicyViolation`), never
the HTTP process. It only runs for a text that holds ``SERVICE`` when the allow-list is not empty
(``jakgraph.policy.query`` / ``jakgraph.policy.update``), and after the input limits
(``jakgraph.policy.limits``) have passed.

:func:`analyse` walks the parse tree for every ``SERVICE`` target with prefixes and ``BASE`` resolved, the
operations, the dataset clauses, the ``LOAD`` sources and the graphs an update manages.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

from rdflib import URIRef, Variable
from rdflib.plugins.sparql import parser
from rdflib.plugins.sparql.parserutils import CompValue

from jakgraph.errors import PolicyViolation, QuerySyntaxError
from jakgraph.namespaces import PREFIXES
from jakgraph.sparql.text import has_scheme

__all__ = ["PARSE_DEADLINE", "Analysis", "ParserProcess", "analyse", "analyse_bounded", "warm_parser"]

#: rdflib's pyparsing grammar is not thread-safe (rdflib #1282): one parse at a time
_PARSER_LOCK = threading.Lock()


@dataclass(frozen=True)
class Analysis:
    """What a parsed SPARQL request does, as far as the safety rules care."""

    kind: str                                   # "query" or "update"
    operations: tuple[str, ...]                 # parse-tree names, e.g. ("SelectQuery",) or ("Modify", "Load")
    services: tuple[URIRef | Variable, ...]     # every SERVICE target, prefixes and BASE resolved
    dataset_clauses: bool                       # FROM / FROM NAMED (query) or USING / WITH (update)
    modify_count: int = 0                       # DELETE/INSERT … WHERE operations (take USING clauses)
    silent_services: int = 0
    loads: tuple[URIRef, ...] = field(default_factory=tuple)
    cleared_graphs: tuple[URIRef, ...] = field(default_factory=tuple)   # CLEAR GRAPH <g> targets
    managed_graphs: tuple[URIRef, ...] = field(default_factory=tuple)   # graphs CLEAR/DROP/CREATE/ADD/MOVE/COPY name


def _parse(kind: str, text: str):
    with _PARSER_LOCK:
        try:
            return parser.parseQuery(text) if kind == "query" else parser.parseUpdate(text)
        except RecursionError:
            raise QuerySyntaxError(f"SPARQL {kind} is nested too deeply to check") from None
        except Exception as err:  # noqa: BLE001 - pyparsing raises ParseException and friends: "does not parse"
            raise QuerySyntaxError(f"SPARQL {kind} does not parse: {_one_line(err)}") from None


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())[:300] or type(err).__name__


def warm_parser() -> None:
    """Parse once at start-up: rdflib's first parse builds the grammar and is slow (rdflib #618)."""
    _parse("query", "ASK {}")
    _parse("update", "INSERT DATA {}")


def _walk(node: object) -> Iterator[CompValue]:
    """Every CompValue in a pyparsing/rdflib parse tree, depth first (iterative: trees may be deep)."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, CompValue):
            yield item
            stack.extend(dict.values(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)) or type(item).__name__ == "ParseResults":
            stack.extend(list(item))  # type: ignore[call-overload]


class _Prologue:
    """Resolves prefixed names and relative IRIs the way the query itself declares them."""

    def __init__(self, base: str | None, prefixes: dict[str, str]) -> None:
        self.base = base
        self.prefixes = dict(prefixes)

    def read(self, decls: object) -> None:
        for decl in _walk(decls):
            if decl.name == "Base":
                self.base = self.absolute(str(dict.get(decl, "iri")))
            elif decl.name == "PrefixDecl":
                self.prefixes[str(dict.get(decl, "prefix") or "")] = self.absolute(str(dict.get(decl, "iri")))

    def absolute(self, iri: str) -> str:
        if self.base and not has_scheme(iri):
            return urljoin(self.base, iri)
        return iri

    def term(self, value: object) -> URIRef | Variable:
        if isinstance(value, Variable):
            return value
        if isinstance(value, CompValue) and value.name == "pname":
            prefix = str(dict.get(value, "prefix") or "")
            local = str(dict.get(value, "localname") or "")
            if prefix not in self.prefixes:
                raise QuerySyntaxError(f"unknown prefix {prefix!r}")
            return URIRef(self.prefixes[prefix] + local)
        return URIRef(self.absolute(str(value)))


def analyse(kind: str, text: str, *, base: str | None = None,
            prefixes: dict[str, str] | None = None) -> Analysis:
    """Parse a query (``kind="query"``) or update and report its operations and SERVICE targets.

    Raises QuerySyntaxError when rdflib's parser rejects the text.
    """
    tree = _parse(kind, text)
    prologue = _Prologue(base, PREFIXES if prefixes is None else prefixes)
    services: list[URIRef | Variable] = []
    loads: list[URIRef] = []
    cleared: list[URIRef] = []
    managed: list[URIRef] = []
    operations: list[str] = []
    silent = 0
    dataset = False
    modify = 0
    if kind == "query":
        prologue.read(tree[0])
        bodies = [tree[1]]
        pairs = [(None, tree[1])]
    else:
        prologues = list(dict.get(tree, "prologue") or [])
        bodies = list(dict.get(tree, "request") or [])
        pairs = list(zip(prologues + [None] * (len(bodies) - len(prologues)), bodies, strict=True))
    for decls, body in pairs:
        if decls is not None:
            prologue.read(decls)
        operations.append(body.name)
        if body.name == "Modify":
            modify += 1
            if dict.get(body, "withClause") is not None or dict.get(body, "using"):
                dataset = True
        if body.name == "Load":
            loads.append(URIRef(prologue.term(dict.get(body, "iri"))))
        if body.name in ("Clear", "Drop", "Create", "Add", "Move", "Copy"):
            named = dict.get(body, "graphiri")
            for target in (list(named) if isinstance(named, list) else [named]) + list(dict.get(body, "graph") or []):
                if target is not None and type(target) is not str:
                    managed.append(URIRef(prologue.term(target)))
        if body.name == "Clear" and type(dict.get(body, "graphiri")) is not str:
            cleared.append(URIRef(prologue.term(dict.get(body, "graphiri"))))
        if kind == "query" and dict.get(body, "datasetClause"):
            dataset = True
        for node in _walk(body):
            if node.name == "ServiceGraphPattern":
                services.append(prologue.term(dict.get(node, "term")))
                silent += 1 if dict.get(node, "silent") else 0
    return Analysis(kind, tuple(operations), tuple(services), dataset, modify, silent, tuple(loads),
                    tuple(cleared), tuple(managed))


# ---------------------------------------------------------------------------------------------------
# the parse, in a separate process with a deadline

#: seconds rdflib may take to parse one request before it is refused as too complex to check
PARSE_DEADLINE = 3.0
#: a text with SERVICE longer than this is refused without parsing (rdflib's parser is superlinear)
MAX_PARSED_BYTES = 32 * 1024


class ParserProcess:
    """One long-lived ``python -m jakgraph.sparql.parse --parser`` process: rdflib's grammar is built once, and a
    parse that passes the deadline is stopped by killing the process (the next call starts a new one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        return subprocess.Popen([sys.executable, "-m", "jakgraph.sparql.parse", "--parser"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)

    def analyse(self, kind: str, text: str, base: str | None, deadline: float) -> Analysis:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = self._start()
            process = self._process
            assert process.stdin is not None and process.stdout is not None
            request = json.dumps({"kind": kind, "text": text, "base": base}).encode("utf-8") + b"\n"
            try:
                process.stdin.write(request)
                process.stdin.flush()
                line = _read_line(process.stdout, deadline)
            except TimeoutError:
                self.stop()
                raise PolicyViolation(f"the {kind} could not be checked within {deadline:g} s, so it is refused: "
                                      "make it simpler (fewer alternatives), or leave SERVICE out") from None
            except OSError:   # the parser process died on this input: the input's fault, this request only
                self.stop()
                raise PolicyViolation(f"the {kind} could not be checked (the parser stopped on it), so it is "
                                      "refused: make it simpler, or leave SERVICE out") from None
            reply = json.loads(line)
            if "error" in reply:
                raise QuerySyntaxError(reply["error"])
            return _analysis_from_json(reply)

    def stop(self) -> None:
        if self._process is not None:
            try:
                self._process.kill()
                self._process.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self._process = None


def _read_line(stream, deadline: float) -> bytes:
    end = time.monotonic() + deadline
    data = b""
    fd = stream.fileno()
    while not data.endswith(b"\n"):
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            raise TimeoutError
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            raise OSError("the parser process stopped")
        data += chunk
    return data


_PARSER = ParserProcess()


def analyse_bounded(kind: str, text: str, *, base: str | None = None, deadline: float = PARSE_DEADLINE) -> Analysis:
    """:func:`analyse` in the parser process, refused (PolicyViolation) past the deadline or the size cap."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_PARSED_BYTES:
        raise PolicyViolation(f"a {kind} with SERVICE may be at most {MAX_PARSED_BYTES} bytes (this one is {size})")
    return _PARSER.analyse(kind, text, base, deadline)


def _term_json(term: URIRef | Variable) -> dict[str, str]:
    return {"var": str(term)} if isinstance(term, Variable) else {"iri": str(term)}


def _analysis_json(analysis: Analysis) -> dict[str, object]:
    return {
        "kind": analysis.kind, "operations": list(analysis.operations),
        "services": [_term_json(t) for t in analysis.services], "dataset_clauses": analysis.dataset_clauses,
        "modify_count": analysis.modify_count, "silent_services": analysis.silent_services,
        "loads": [str(t) for t in analysis.loads], "cleared_graphs": [str(t) for t in analysis.cleared_graphs],
        "managed_graphs": [str(t) for t in analysis.managed_graphs],
    }


def _analysis_from_json(data: dict) -> Analysis:
    services = tuple(Variable(t["var"]) if "var" in t else URIRef(t["iri"]) for t in data["services"])
    return Analysis(data["kind"], tuple(data["operations"]), services, bool(data["dataset_clauses"]),
                    int(data["modify_count"]), int(data["silent_services"]), tuple(URIRef(t) for t in data["loads"]),
                    tuple(URIRef(t) for t in data["cleared_graphs"]), tuple(URIRef(t) for t in data["managed_graphs"]))


def _parser_main() -> None:
    """The parser process: one JSON request per line in, one JSON answer per line out."""
    warm_parser()
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
            reply: dict[str, object] = _analysis_json(analyse(request["kind"], request["text"], base=request.get("base")))
        except QuerySyntaxError as err:
            reply = {"error": str(err)}
        except Exception as err:  # noqa: BLE001 - any failure is "cannot be checked"
            reply = {"error": f"cannot be checked: {type(err).__name__}"}
        out.write(json.dumps(reply).encode("utf-8") + b"\n")
        out.flush()


if __name__ == "__main__" and sys.argv[1:] == ["--parser"]:
    _parser_main()
