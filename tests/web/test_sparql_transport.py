"""The HTTP process sends an answer's head and body with one write (``web.server.CoalescingTransport``).

On a real uvloop transport over a real socket pair: what is written in one step of the event loop reaches
the peer together, nothing waits for a later write (a streamed body goes out at the loop's next turn), and
``close`` sends what is pending first. The whole server (h2c replay, keep-alive, pipelining) is covered by
``test_h2c.py`` and ``test_clients.py``, which run through this transport.
"""
from __future__ import annotations

import asyncio
import socket

import pytest
import uvloop

from jakgraph.web.server import CoalescingTransport


class _Sink(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]


async def _pair() -> tuple[CoalescingTransport, socket.socket]:
    ours, theirs = socket.socketpair()
    theirs.setblocking(False)
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_unix_connection(_Sink, sock=ours)
    return CoalescingTransport(transport, loop), theirs


def _pending(peer: socket.socket) -> bytes:
    try:
        return peer.recv(1 << 20)
    except BlockingIOError:
        return b""


def _run(test) -> None:  # noqa: ANN001 - a coroutine function
    uvloop.run(test())


def test_head_and_body_leave_together() -> None:
    async def test() -> None:
        transport, peer = await _pair()
        transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n")
        assert _pending(peer) == b""  # the head waits for the body
        transport.write(b"body")
        transport.flush()  # what the protocol does when the answer is complete
        await asyncio.sleep(0)
        assert _pending(peer) == b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nbody"
        transport.close()
        peer.close()

    _run(test)


def test_nothing_waits_for_a_later_write() -> None:
    async def test() -> None:
        transport, peer = await _pair()
        transport.write(b"chunk 1")  # a streamed body: no flush from the protocol
        for _ in range(3):
            await asyncio.sleep(0)
        assert _pending(peer) == b"chunk 1"
        transport.write(b"last")
        transport.close()  # close sends what is pending first
        await asyncio.sleep(0.01)
        assert _pending(peer) == b"last"
        peer.close()

    _run(test)


@pytest.mark.parametrize("size", [64 * 1024, 3 * 1024 * 1024])
def test_a_large_body_is_written_in_order(size: int) -> None:
    async def test() -> None:
        transport, peer = await _pair()
        body = bytes(range(256)) * (size // 256)
        transport.write(b"head\r\n\r\n")
        transport.write(body)
        transport.flush()
        received = bytearray()
        while len(received) < len(body) + 8:
            await asyncio.sleep(0.001)
            received += _pending(peer)
        assert bytes(received) == b"head\r\n\r\n" + body
        assert transport.get_write_buffer_size() == 0
        transport.close()
        peer.close()

    _run(test)
