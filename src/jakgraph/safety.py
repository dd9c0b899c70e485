"""Static checks on SPARQL text before anything runs it, and the SSRF rules for ``SERVICE`` targets.

Nothing here opens a connection: a query or update is parsed with rdflib's SPARQL parser (not matched
with regular expressions), its parse tree is walked for ``SERVICE`` patterns, ``LOAD`` and dataset
clauses, and every ``SERVICE`` IRI is judged against the allow-list and the address rules. Only a host
that is already on the allow-list is ever resolved (DNS), so that it can be refused when it points at a
loopback, link-local, private or otherwise non-public address.
"""
from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from rdflib import URIRef, Variable
from rdflib.plugins.sparql.parserutils import CompValue

from .errors import JakgraphError, QuerySyntaxError
from .namespaces import PREFIXES

#: rdflib's pyparsing grammar is not thread-safe (rdflib #1282): one parse at a time
_PARSER_LOCK = threading.Lock()

#: schemes a SERVICE may use at all; everything else (file:, ftp:, gopher:, data:, …) is refused
SERVICE_SCHEMES = frozenset({"http", "https"})

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int | None], Iterable[str]]


class PolicyViolation(JakgraphError):
    """A request jakgraph refuses on purpose; ``status`` is the HTTP status that says why."""

    status: int = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        if status is not None:
            self.status = status
        super().__init__(message)


class ServiceRefused(PolicyViolation):
    """A ``SERVICE`` call to an endpoint that is not allowed (not listed, not http(s), not public, or a variable)."""

    status = 403


class OperationRefused(PolicyViolation):
    """An operation this endpoint does not perform (an update on the query endpoint, ``LOAD``, …)."""

    status = 400


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
