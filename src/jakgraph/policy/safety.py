"""Static checks on SPARQL text before anything runs it, and the SSRF rules for ``SERVICE`` targets.

Nothing here opens a connection. Two levels of analysis:

* a **scan** (:func:`scan`): a real SPARQL tokenizer (IRIs, strings, comments, ``\\u`` escapes and brace depth
  handled, so ``"SERVICE"``, ``<…/service>``, ``# SERVICE``, ``?service`` and ``ex:service`` are not the
  keyword) that tells, in linear time, whether the keyword ``SERVICE`` or ``LOAD`` occurs at all, what the
  operations are, which graphs an update names, and where its ``WHERE`` clauses are;
* a **parse** (:func:`analyse`, :func:`analyse_bounded`): rdflib's SPARQL parser, whose tree is walked for
  every ``SERVICE`` target with prefixes and ``BASE`` resolved. rdflib's parser is slow on some inputs
  (a FILTER of 100 alternatives takes a second, 200 KB takes minutes) and cannot be interrupted, so it
  only runs when a ``SERVICE`` keyword is present *and* the allow-list is not empty, in a separate process
  with a deadline (:class:`ParserProcess`). With the default empty allow-list, any ``SERVICE`` is refused
  on the scan alone.

Every ``SERVICE`` IRI is judged against the allow-list and the address rules; only a host that is already
on the allow-list is ever resolved (DNS), so that it can be refused when it points at a loopback,
link-local, private or otherwise non-public address.
"""
from __future__ import annotations

import ipaddress
import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from rdflib import URIRef, Variable
from rdflib.plugins.sparql.parserutils import CompValue

from jakgraph.errors import PolicyViolation, QuerySyntaxError, ServiceRefused
from jakgraph.namespaces import PREFIXES

#: rdflib's pyparsing grammar is not thread-safe (rdflib #1282): one parse at a time
_PARSER_LOCK = threading.Lock()

#: schemes a SERVICE may use at all; everything else (file:, ftp:, gopher:, data:, …) is refused
SERVICE_SCHEMES = frozenset({"http", "https"})

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int | None], Iterable[str]]


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


# ---------------------------------------------------------------------------------------------------
# parsing

def _parse(kind: str, text: str):  # noqa: ANN202 - pyparsing result
    from rdflib.plugins.sparql import parser

    with _PARSER_LOCK:
        try:
            return parser.parseQuery(text) if kind == "query" else parser.parseUpdate(text)
        except RecursionError:
            raise QuerySyntaxError(f"SPARQL {kind} is nested too deeply to check") from None
        except Exception as err:  # pyparsing raises ParseException and friends; all mean "does not parse"
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
            stack.extend(list(item))


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
        if self.base and not _has_scheme(iri):
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


def _has_scheme(iri: str) -> bool:
    return re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", iri) is not None


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
        pairs = list(zip(prologues + [None] * (len(bodies) - len(prologues)), bodies))
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
# SERVICE targets

def _system_resolver(host: str, port: int | None) -> list[str]:
    infos = socket.getaddrinfo(host, port or 80, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


def normalise_endpoint(iri: str) -> str:
    """Scheme and host lower-cased, default port dropped: the form allow-list entries are compared in."""
    parts = urlsplit(iri.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}" if ":" not in host else f"[{host}]:{port}"
    elif ":" in host:
        host = f"[{host}]"
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{host}{path}{query}"


def literal_ip(host: str) -> IpAddress | None:
    """The address a host written as an IP literal denotes, including the legacy IPv4 spellings
    (``2130706433``, ``0x7f000001``, ``0177.0.0.1``, ``127.1``) that C resolvers still accept."""
    candidate = host.strip("[]")
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", candidate) and re.search(r"\d", candidate):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(candidate))
        except OSError:
            return None
    return None


def is_public(address: IpAddress) -> bool:
    """True only for globally routable unicast addresses (no loopback, link-local, private, reserved, …)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address.sixtofour is not None:
            return is_public(address.sixtofour)
        if address.teredo is not None:
            return False
    return bool(
        address.is_global
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_private
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_unspecified
    )


def check_service_target(term: URIRef | Variable, allowlist: Sequence[str],
                         resolver: Resolver | None = None) -> str:
    """Allow one SERVICE target or raise ServiceRefused; returns the normalised endpoint IRI.

    Order matters: the scheme and the allow-list are checked before any name is resolved, so a refused
    target never causes a DNS lookup, let alone a connection.
    """
    if isinstance(term, Variable):
        raise ServiceRefused(f"SERVICE ?{term} is not allowed: name the endpoint with an IRI")
    iri = str(term)
    parts = urlsplit(iri)
    scheme = parts.scheme.lower()
    if scheme not in SERVICE_SCHEMES:
        raise ServiceRefused(f"SERVICE <{iri}> is refused: only http and https endpoints may be called")
    try:
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ServiceRefused(f"SERVICE <{iri}> is refused: malformed address") from None
    if not host:
        raise ServiceRefused(f"SERVICE <{iri}> is refused: no host")
    if parts.username is not None or parts.password is not None:
        raise ServiceRefused(f"SERVICE <{iri}> is refused: credentials in the IRI")
    endpoint = normalise_endpoint(iri)
    allowed = {normalise_endpoint(entry) for entry in allowlist if entry.strip()}
    if endpoint not in allowed:
        listed = "the allow-list is empty" if not allowed else "it is not on the allow-list"
        raise ServiceRefused(f"SERVICE <{iri}> is refused: {listed} (JAKGRAPH_SERVICE_ALLOWLIST)")
    address = literal_ip(host)
    if address is not None:
        addresses = [address]
    else:
        bare = host.lower().rstrip(".")
        if bare in ("localhost", "localhost.localdomain") or bare.endswith(".localhost"):
            raise ServiceRefused(f"SERVICE <{iri}> is refused: {host} is the local machine")
        try:
            found = (resolver or _system_resolver)(host, parts.port)
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in found]
        except (OSError, ValueError, UnicodeError):
            raise ServiceRefused(f"SERVICE <{iri}> is refused: {host} does not resolve") from None
        if not addresses:
            raise ServiceRefused(f"SERVICE <{iri}> is refused: {host} does not resolve")
    for found_address in addresses:
        if not is_public(found_address):
            raise ServiceRefused(
                f"SERVICE <{iri}> is refused: {host} is a loopback, link-local, private or reserved address"
            )
    return endpoint


def check_services(analysis: Analysis, allowlist: Sequence[str], resolver: Resolver | None = None) -> None:
    for term in analysis.services:
        check_service_target(term, allowlist, resolver)


def mentions_keyword(text: str, keyword: str) -> bool:
    """Whether a keyword could appear in the text at all, after SPARQL's \\u/\\U code-point escapes.

    Used only as a superset test: when rdflib cannot parse a query that might hold SERVICE or LOAD, the
    query is refused rather than passed on unchecked.
    """
    decoded = _unescape_codepoints(text)
    return keyword.lower() in decoded.lower()


def _unescape_codepoints(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except (ValueError, OverflowError):
            return match.group(0)

    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})", repl, text)


# ---------------------------------------------------------------------------------------------------
# the scan: a tokenizer, linear in the text

_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<open>\{) | (?P<close>\})
    | (?P<var>[?$][\w\u00B7\u00C0-\uFFFF]*)
    | (?P<word>[A-Za-z_\u00C0-\uFFFF][\w\-.:\u00B7\u00C0-\uFFFF%\\]*|:[\w\-.:%\\]*)
    | (?P<space>\s+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
UPDATE_OPERATIONS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
_GRAPH_MANAGEMENT = frozenset({"CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"})


@dataclass(frozen=True)
class Token:
    kind: str       # comment, string, iri, open, close, var, word, other
    text: str
    depth: int      # braces open before it
    start: int      # offset in the scanned text


@dataclass(frozen=True)
class Scan:
    """What the tokenizer sees in a query or update (keywords upper-cased)."""

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


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "space":
            continue
        if kind == "close":
            depth = max(0, depth - 1)
        tokens.append(Token(kind, match.group(0), depth, match.start()))
        if kind == "open":
            depth += 1
    return tokens


def scan(text: str, *, base: str | None = None, prefixes: dict[str, str] | None = None) -> Scan:
    """Tokenize the text (as written, and with SPARQL's ``\\u`` escapes decoded: a keyword counts if it
    shows in either) and read what the safety rules need. Never raises on malformed text."""
    facts = _scan_tokens(tokenize(text), base, PREFIXES if prefixes is None else prefixes)
    decoded = _unescape_codepoints(text)
    if decoded != text:
        other = _scan_tokens(tokenize(decoded), base, PREFIXES if prefixes is None else prefixes)
        facts = Scan(facts.tokens, facts.prefixes, facts.base, max(facts.services, other.services),
                     max(facts.loads, other.loads), facts.first_keyword, facts.dataset_clauses or other.dataset_clauses,
                     facts.modify_wheres, tuple(dict.fromkeys(facts.managed_graphs + other.managed_graphs)),
                     facts.cleared_graphs)
    return facts


def first_keyword(text: str) -> str | None:
    """The first keyword after the prologue (SELECT, ASK, …, INSERT, LOAD, …), reading no further than it."""
    expect_iri = False
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("space", "comment"):
            continue
        if expect_iri:
            expect_iri = kind == "word"   # PREFIX name: <iri>: the name, then the IRI
            continue
        if kind == "word":
            upper = match.group(0).upper()
            if upper in ("PREFIX", "BASE"):
                expect_iri = upper == "PREFIX"
                continue
            return upper if upper in UPDATE_OPERATIONS | QUERY_FORMS else None
        if kind == "iri":
            continue
        return None
    return None


def _scan_tokens(tokens: list[Token], base: str | None, prefixes: dict[str, str]) -> Scan:
    known = dict(prefixes)
    services = loads = 0
    first: str | None = None
    dataset = False
    wheres: list[int] = []
    managed: list[str] = []
    cleared: list[str] = []
    previous = ""
    index = 0
    while index < len(tokens):
        token = tokens[index]
        upper = token.text.upper() if token.kind == "word" else ""
        if token.kind == "word" and token.depth == 0 and upper in ("PREFIX", "BASE"):
            index = _read_declaration(tokens, index, known, upper) if upper == "PREFIX" else index + 1
            if upper == "BASE" and index < len(tokens) and tokens[index].kind == "iri":
                base = _resolve(tokens[index].text[1:-1], base)
                index += 1
            previous = upper
            continue
        if upper == "SERVICE":
            services += 1
        elif upper == "LOAD":
            loads += 1
        if token.kind == "word" and token.depth == 0:
            if first is None and upper in UPDATE_OPERATIONS | QUERY_FORMS:
                first = upper
            if upper in ("USING", "WITH"):
                dataset = True
            if upper == "WHERE" and previous != "DELETE" and first in UPDATE_OPERATIONS:
                wheres.append(token.start)
            if upper in _GRAPH_MANAGEMENT:
                names = _graph_operands(tokens, index + 1, known, base)
                managed.extend(names)
                if upper == "CLEAR":
                    cleared.extend(names)
            if upper in (";",):
                pass
            previous = upper
        if upper == "FROM":
            dataset = True
        if token.kind == "other" and token.text == ";" and token.depth == 0:
            previous = ";"
        index += 1
    return Scan(tuple(tokens), known, base, services, loads, first, dataset, tuple(wheres),
                tuple(dict.fromkeys(managed)), tuple(dict.fromkeys(cleared)))


def _read_declaration(tokens: list[Token], index: int, known: dict[str, str], keyword: str) -> int:
    """PREFIX name: <iri> -> record it; returns the index after the declaration."""
    index += 1
    if index + 1 < len(tokens) and tokens[index].kind == "word" and tokens[index].text.endswith(":") \
            and tokens[index + 1].kind == "iri":
        known[tokens[index].text[:-1]] = tokens[index + 1].text[1:-1]
        return index + 2
    return index


def _graph_operands(tokens: list[Token], index: int, known: dict[str, str], base: str | None) -> list[str]:
    """The graph IRIs a CLEAR/DROP/CREATE/ADD/MOVE/COPY names, up to the end of the operation."""
    names: list[str] = []
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "other" and token.text == ";":
            break
        if token.kind == "iri":
            names.append(_resolve(token.text[1:-1], base))
        elif token.kind == "word" and ":" in token.text:
            prefix, _, local = token.text.partition(":")
            if prefix in known:
                names.append(known[prefix] + local)
        elif token.kind == "word" and token.text.upper() in UPDATE_OPERATIONS - {"ADD"} | {"PREFIX", "BASE"}:
            break
        index += 1
    return names


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base and not _has_scheme(iri) else iri


# ---------------------------------------------------------------------------------------------------
# the parse, in a separate process with a deadline

#: seconds rdflib may take to parse one request before it is refused as too complex to check
PARSE_DEADLINE = 3.0
#: a text with SERVICE longer than this is refused without parsing (rdflib's parser is superlinear)
MAX_PARSED_BYTES = 32 * 1024


class ParserProcess:
    """One long-lived ``python -m jakgraph.policy.safety --parser`` process: rdflib's grammar is built once, and a
    parse that passes the deadline is stopped by killing the process (the next call starts a new one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        return subprocess.Popen([sys.executable, "-m", "jakgraph.policy.safety", "--parser"], stdin=subprocess.PIPE,
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
            except (OSError, TimeoutError):
                self.stop()
                raise PolicyViolation(f"the {kind} could not be checked within {deadline:g} s, so it is refused: "
                                      "make it simpler (fewer alternatives), or leave SERVICE out") from None
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


def _read_line(stream, deadline: float) -> bytes:  # noqa: ANN001 - a binary pipe
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


def _analysis_from_json(data: dict) -> Analysis:  # type: ignore[type-arg]
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
