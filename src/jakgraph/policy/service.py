"""The SSRF rules for ``SERVICE`` targets: which endpoints a query or an update may make this server call.

Nothing here opens a connection. Every ``SERVICE`` IRI (found by the parse, ``jakgraph.sparql.parse``) is
judged against the allow-list and the address rules; only a host that is already on the allow-list is ever
resolved (DNS), so that it can be refused when it points at a loopback, link-local, private or otherwise
non-public address. Legacy IPv4 spellings (``http://2130706433/``) and schemes other than http(s) are refused
even when listed.
"""
from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

from rdflib import URIRef, Variable

from jakgraph.errors import ServiceRefused
from jakgraph.sparql.parse import Analysis

__all__ = ["SERVICE_SCHEMES", "Resolver", "check_service_target", "check_services", "is_public", "literal_ip",
           "normalise_endpoint"]

#: schemes a SERVICE may use at all; everything else (file:, ftp:, gopher:, data:, …) is refused
SERVICE_SCHEMES = frozenset({"http", "https"})

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: TEST ONLY, never in production: ``JAKGRAPH_ALLOW_LOOPBACK_SERVICE=1`` lets an *allow-listed* SERVICE target
#: on a loopback address (127.0.0.0/8, ::1, written as an IP) through, so that tests/web/test_federation.py can
#: federate with an Oxigraph server on 127.0.0.1. Off by default; every other address rule stays.
LOOPBACK_SWITCH = "JAKGRAPH_ALLOW_LOOPBACK_SERVICE"
Resolver = Callable[[str, int | None], Iterable[str]]


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
    loopback_allowed = os.environ.get(LOOPBACK_SWITCH, "") == "1"
    for found_address in addresses:
        if loopback_allowed and found_address.is_loopback:
            continue
        if not is_public(found_address):
            raise ServiceRefused(
                f"SERVICE <{iri}> is refused: {host} is a loopback, link-local, private or reserved address"
            )
    return endpoint


def check_services(analysis: Analysis, allowlist: Sequence[str], resolver: Resolver | None = None) -> None:
    for term in analysis.services:
        check_service_target(term, allowlist, resolver)
