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

import asyncio
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["CoalescingTransport", "UpgradeIgnoringProtocol"]

#: the headers that make up an upgrade offer (``Connection`` tokens naming them are dropped as well)
_OFFER_HEADERS = frozenset({b"upgrade", b"http2-settings"})


class UpgradeIgnoringProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that answers a declined upgrade offer (h2c) as plain HTTP/1.1.

    Only the upgrade path differs, so ordinary requests run uvicorn's own callbacks untouched (an override
    of the per-request callbacks measurably cost throughput): ``_should_upgrade`` says yes to every offer, which
    makes uvicorn's callbacks leave the request undispatched and unbuffered, and ``data_received``, where
    httptools then stops, performs the WebSocket upgrade uvicorn supports or replays the request without the
    offer.

    Its transport is a :class:`CoalescingTransport` (an answer's head and body in one ``send``), which the
    one per-request override, ``on_response_complete``, flushes.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]

    def on_response_complete(self) -> None:
        self.transport.flush()  # type: ignore[attr-defined]
        super().on_response_complete()

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



#: writes at least this large go out at once (after what is pending), never copied into a joined buffer
_COPY_AT_MOST = 64 * 1024


class CoalescingTransport:
    """A transport that sends an answer's head and body with one ``send``, not one each.

    Why: uvicorn writes the status line and headers (``http.response.start``) and then the body
    (``http.response.body``) as two ``transport.write`` calls, and uvloop sends each at once: two system
    calls, and on loopback two wake-ups of the client, which reads the head and then waits for the body.
    Measured with py-spy under load (docs/performance.md) these two sends were the largest single cost of
    the HTTP process. Here writes made during one step of the event loop are kept and sent together:
    when the answer is complete (the protocol's ``on_response_complete``), before ``close`` or
    ``write_eof``, and otherwise at the loop's next turn (a streamed body, an error page), so nothing
    ever waits for a later write. A large write is not copied: what is pending goes first, then it.
    Everything else is the wrapped transport's.
    """

    __slots__ = ("_transport", "_loop", "_pending", "_scheduled")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._scheduled = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if len(data) >= _COPY_AT_MOST:
            self.flush()
            self._transport.write(data)
            return
        if not data:
            return
        self._pending.append(bytes(data))
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._flush_later)

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def flush(self) -> None:
        """Send what is pending, as one write (dropped if the connection is already closing)."""
        pending = self._pending
        if pending:
            self._pending = []
            if not self._transport.is_closing():
                self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def _flush_later(self) -> None:
        self._scheduled = False
        self.flush()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._pending = []
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending))

    def __getattr__(self, name: str) -> Any:  # is_closing, pause_reading, get_extra_info, set_protocol, …
        return getattr(self._transport, name)
