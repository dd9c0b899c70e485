"""A lean HTTP/1.1 load generator: keep-alive connections, pre-encoded requests, one process.

httpx costs several hundred microseconds of CPU per request, which on a 2-core machine would be taken from
the servers being measured; this client costs a few tens. It speaks just enough HTTP/1.1 for the servers
under test: ``Content-Length`` and ``chunked`` bodies, reconnection when a server closes a connection.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

__all__ = ["LoadResult", "Target", "encode_get", "run_load"]


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, one per completed request
    kinds: list[int] = field(default_factory=list)        # which request (index into the list) each was
    elapsed: float = 0.0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    bytes_received: int = 0


def encode_get(target: Target, params: dict[str, str], accept: str) -> bytes:
    """One GET request, encoded once and replayed."""
    return (
        f"GET {target.path}?{urlencode(params)} HTTP/1.1\r\n"
        f"Host: {target.host}:{target.port}\r\n"
        f"Accept: {accept}\r\n"
        "Connection: keep-alive\r\n\r\n"
    ).encode("ascii")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """(status, body length, server wants to close) of one response; the body is read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length: int | None = None
    chunked = False
    close = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name == "connection" and "close" in value.lower():
            close = True
    if chunked:
        total = 0
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            await reader.readexactly(size + 2)
            total += size
            if size == 0:
                return status, total, close
    if length is None:
        length = 0
    if length:
        await reader.readexactly(length)
    return status, length, close


async def _connection(target: Target, requests: Sequence[bytes], counter: list[int], total: int,
                      result: LoadResult, timeout: float, stop_at: float) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    try:
        while True:
            index = counter[0]
            if index >= total or time.perf_counter() >= stop_at:
                return
            counter[0] = index + 1
            payload = requests[index % len(requests)]
            for attempt in (0, 1):
                if writer is None:
                    reader, writer = await asyncio.open_connection(target.host, target.port)
                assert reader is not None
                start = time.perf_counter()
                try:
                    writer.write(payload)
                    status, size, close = await asyncio.wait_for(_read_response(reader), timeout)
                except (ConnectionError, asyncio.IncompleteReadError) as err:
                    writer.close()
                    writer = None
                    if attempt == 1:
                        result.errors += 1
                        raise err
                    continue  # a keep-alive connection the server had closed: reconnect once
                except asyncio.TimeoutError:
                    result.errors += 1
                    writer.close()
                    writer = None
                    break
                result.latencies.append(time.perf_counter() - start)
                result.kinds.append(index % len(requests))
                result.statuses[status] = result.statuses.get(status, 0) + 1
                result.bytes_received += size
                if close:
                    writer.close()
                    writer = None
                break
    finally:
        if writer is not None:
            writer.close()


async def run_load(target: Target, requests: Sequence[bytes], *, concurrency: int, total: int,
                   duration: float | None = None, timeout: float = 30.0) -> LoadResult:
    """Send ``total`` requests (cycling through ``requests``) over ``concurrency`` keep-alive connections,
    starting no new request after ``duration`` seconds."""
    result = LoadResult()
    counter = [0]
    start = time.perf_counter()
    stop_at = start + duration if duration is not None else float("inf")
    tasks = [
        asyncio.create_task(_connection(target, requests, counter, total, result, timeout, stop_at))
        for _ in range(concurrency)
    ]
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    result.elapsed = time.perf_counter() - start
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            result.errors += 1
    return result
