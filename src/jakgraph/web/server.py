"""The HTTP/1.1 protocol ``jakgraph serve`` runs: uvicorn's httptools protocol, minus its h2c defect.

Why: every stock JDK ``HttpClient`` (Apache Jena's ``rsparql``, Spring's ``RestClient``, …) offers a cleartext
HTTP/2 upgrade on each HTTP/1.1 request (``Upgrade: h2c``, ``Connection: Upgrade, HTTP2-Settings``).
A server may ignore such an offer and answer in HTTP/1.1 (RFC 9110 §7.8). httptools, however, stops parsing
at the end of the headers of any request that asks for an upgrade: the body is never read, uvicorn hands the
application an empty body (a SPARQL POST is then answered 400) and the body's bytes spoil the connection's
next request (upstream: Kludex/uvicorn#2722, MagicStack/httptools#124, open).

The fix keeps httptools' speed (uvicorn's h11 protocol handles the request, but serves fewer requests per
second; see docs/federation.md): when a request asks for an upgrade that uvicorn will not perform (anything but
an accepted WebSocket), the headers seen by httptools are not dispatched; a fresh parser is given the same
request with the upgrade offer taken out (the ``Upgrade`` and ``HTTP2-Settings`` headers and their
``Connection`` tokens), followed by the bytes that came after the headers. From there on the request, its
body, keep-alive and pipelining take uvicorn's ordinary path.
"""
from __future__ import annotations

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["UpgradeIgnoringProtocol"]

#: the headers that make up an upgrade offer (``Connection`` tokens naming them are dropped as well)
_OFFER_HEADERS = frozenset({b"upgrade", b"http2-settings"})


class UpgradeIgnoringProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that answers a declined upgrade offer (h2c) as plain HTTP/1.1.

    Only the upgrade path differs, so ordinary requests run uvicorn's own callbacks untouched (an override
    of the per-request callbacks measurably cost throughput): ``_should_upgrade`` says yes to every offer, which
    makes uvicorn's callbacks leave the request undispatched and unbuffered, and ``data_received``, where
    httptools then stops, performs the WebSocket upgrade uvicorn supports or replays the request without the
    offer.
    """

    def _should_upgrade(self) -> bool:
        # asked only when the request offers an upgrade (``parser.should_upgrade()`` is checked first)
        return True

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
        except httptools.HttpParserUpgrade as upgrade:
            if HttpToolsProtocol._should_upgrade(self):  # a WebSocket upgrade uvicorn can perform
                self.handle_websocket_upgrade()
            else:
                self._replay_without_offer(data[upgrade.args[0]:] if upgrade.args else b"")

    def _replay_without_offer(self, rest: bytes) -> None:
        """Give a fresh parser the request as if no upgrade had been offered, then what followed it."""
        version = self.parser.get_http_version()
        head = [self.scope["method"].encode("ascii"), b" ", self.url, b" HTTP/", version.encode("ascii"), b"\r\n"]
        for name, value in self.headers:
            if name in _OFFER_HEADERS:
                continue
            if name == b"connection":
                tokens = [token.strip() for token in value.split(b",")]
                kept = [token for token in tokens if token and token.lower() not in _OFFER_HEADERS]
                if not kept:
                    continue
                value = b", ".join(kept)
            head += [name, b": ", value, b"\r\n"]
        head.append(b"\r\n")
        self.parser = httptools.HttpRequestParser(self)
        try:
            self.parser.set_dangerous_leniencies(lenient_data_after_close=True)
        except AttributeError:  # pragma: no cover - httptools < 0.6.3, as uvicorn itself allows
            pass
        self.data_received(b"".join(head) + rest)

