"""Content negotiation: the ``Accept`` header with q-values, and the ``format=`` parameter that overrides it.

The one negotiator: /sparql, /store, dereferencing, /prefixes, /.well-known/void and write reports all
choose through :func:`choose` (or :func:`choose_format` over ``formats.py``). RFC 9110 rules: each offered
media type gets the q-value of the most specific range that matches it (``text/csv`` beats ``text/*``
beats ``*/*``); q=0 means "not this". The tie-break, documented once: among equal q-values the offer the
client named explicitly (its type or an alias) beats one it reached by a wildcard, and then the server's
order wins; the order of entries in the header carries no meaning (RFC 9110 gives it none, and clients
list types in no agreed order). A missing or empty ``Accept`` accepts anything (the server's first choice).

Kept by hand because no well-kept library fits: Starlette has no negotiator; werkzeug's ``MIMEAccept``
brings Flask's toolkit and knows no aliases; python-mimeparse is barely maintained and breaks ties by
the last offer. The alias rules (``application/json`` for JSON results, wildcards on canonical types
only) are jakgraph's own.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from jakgraph.errors import NotAcceptable
from jakgraph.formats import GRAPH_FORMATS, SOLUTIONS_FORMATS, ResultFormat, by_media_type, by_name, parse_content_type
from jakgraph.web.protocol import RequestError

__all__ = ["MediaRange", "Offer", "choose", "choose_format", "not_acceptable", "offer_named", "offer_quality",
           "parse_accept", "quality"]

T = TypeVar("T")


@dataclass(frozen=True)
class MediaRange:
    """One entry of an ``Accept`` header."""

    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        """2 for ``type/subtype``, 1 for ``type/*``, 0 for ``*/*``."""
        return 0 if self.type == "*" else 1 if self.subtype == "*" else 2

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        return (self.type in ("*", kind)) and (self.subtype in ("*", sub))


@dataclass(frozen=True)
class Offer:
    """Something the server can send: its media types (the first is the canonical one), a value, and the
    short names that select it in ``format=``."""

    media_types: tuple[str, ...]
    value: object
    names: tuple[str, ...] = ()


def offer_named(offers: Sequence[Offer], format_param: str) -> Offer | None:
    """The offer a ``format=`` value names: one of its short names or media types (any case), else None."""
    value = format_param.strip().lower()
    media = parse_content_type(value)[0] if "/" in value else None
    return next((o for o in offers if value in o.names or media in o.media_types), None)


@lru_cache(maxsize=256)
def parse_accept(header: str | None) -> tuple[MediaRange, ...]:
    """The media ranges of an ``Accept`` header, leniently: malformed entries are skipped.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/csv;q=0.5, application/*, */*;q=0")]
    [('text', 'csv', 0.5), ('application', '*', 1.0), ('*', '*', 0.0)]
    """
    if header is None or not header.strip():
        return (MediaRange("*", "*", 1.0),)
    ranges: list[MediaRange] = []
    for entry in header.split(","):
        media, params = parse_content_type(entry)
        kind, slash, sub = media.partition("/")
        if not slash or not kind or not sub or (kind == "*" and sub != "*"):
            continue
        try:
            q = min(max(float(params.get("q", "1")), 0.0), 1.0)
        except ValueError:
            q = 0.0
        ranges.append(MediaRange(kind, sub, q))
    return tuple(ranges) if ranges else (MediaRange("*", "*", 1.0),)


def quality(ranges: Sequence[MediaRange], media_type: str) -> tuple[float, int]:
    """(q-value, specificity) the client gives ``media_type``: from its most specific matching range."""
    best: MediaRange | None = None
    for candidate in ranges:
        if candidate.matches(media_type) and (best is None or candidate.specificity > best.specificity):
            best = candidate
    return (0.0, -1) if best is None else (best.q, best.specificity)


def offer_quality(ranges: Sequence[MediaRange], types: Sequence[str]) -> tuple[float, int]:
    """(q, specificity) of an offer whose canonical media type is ``types[0]`` and the rest aliases.

    The canonical type (the one sent in Content-Type) decides, unless the client does not name it but
    names an alias (``application/json`` for JSON results): then the alias decides. Wildcards match the
    canonical type only, so ``text/*`` does not select XML results through ``text/xml``, and
    ``application/sparql-results+json;q=0, */*`` does not get JSON through ``application/json``.
    """
    canonical = quality(ranges, types[0])
    if canonical[1] == 2:
        return canonical
    named = [q for q, specificity in (quality(ranges, alias) for alias in types[1:]) if specificity == 2]
    return (max(named), 2) if named else canonical


def choose(accept: str | None, offers: Sequence[T], media_types: Sequence[Sequence[str]]) -> T | None:
    """The offer the client prefers, or None when it accepts none of them.

    ``media_types[i]`` are the types that select ``offers[i]`` (canonical first); ``offers`` are in the
    server's order.
    """
    ranges = parse_accept(accept)
    best: tuple[float, int, int] | None = None
    chosen: T | None = None
    for index, (offer, types) in enumerate(zip(offers, media_types, strict=True)):
        q, specificity = offer_quality(ranges, types)
        if q <= 0:
            continue
        key = (q, specificity, -index)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


@lru_cache(maxsize=512)
def _choose_cached(accept: str | None, offered: tuple[ResultFormat, ...]) -> ResultFormat | None:
    return choose(accept, offered, [fmt.media_types for fmt in offered])


def choose_format(offered: tuple[ResultFormat, ...], accept: str | None,
                  format_param: str | None) -> ResultFormat | None:
    """The format of ``offered`` to send: ``format=`` if given, else by ``Accept``.

    ``format=`` holds short names (``json``, ``csv``, ``ttl``, …) or media types, several separated by
    commas (the first that ``offered`` has wins). Raises :class:`~jakgraph.web.protocol.RequestError`
    (400) when no value names any format at all; returns None when the values name formats of the
    other family only, or nothing in Accept is acceptable.
    """
    if format_param is None:
        return _choose_cached(accept, offered)
    family = offered[0].family
    known = False
    for raw in format_param.split(","):
        value = raw.strip().lower()
        if not value:
            continue
        if "/" in value:
            fmt = by_media_type(value, offered)
            if fmt is not None:
                return fmt
            known = known or by_media_type(value, (*SOLUTIONS_FORMATS, *GRAPH_FORMATS)) is not None
            continue
        named = by_name(family, value)
        if named is not None and named in offered:
            return named
        known = known or by_name("solutions", value) is not None or by_name("graph", value) is not None
    if not known:
        listing = ", ".join(dict.fromkeys(fmt.name for fmt in (*SOLUTIONS_FORMATS, *GRAPH_FORMATS)))
        raise RequestError(f"format={format_param!r} names no format this endpoint knows ({listing}, or a media type)")
    return None


def not_acceptable(what: str, offered: Sequence[ResultFormat], accept: str | None,
                   format_param: str | None) -> NotAcceptable:
    """The 406 error: what was asked for, and what could have been served."""
    asked = f"format={format_param}" if format_param is not None else f"Accept: {accept}"
    listing = ", ".join(fmt.media_type for fmt in offered)
    return NotAcceptable(f"{what} cannot be given as asked ({asked}); available: {listing}")
