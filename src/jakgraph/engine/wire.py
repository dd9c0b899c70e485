"""The messages between the pool and its worker processes: length-prefixed pickles over a socket pair.

A frame is a 4-byte big-endian length and that many bytes of pickle. Requests carry only strings and
tuples (formats travel by name), responses carry the serialised body as bytes.
"""
from __future__ import annotations

import pickle
import socket
import struct
from typing import Any, BinaryIO

__all__ = ["HEADER", "encode", "decode", "recv_frame", "send_frame"]

HEADER = struct.Struct("!I")
_PROTOCOL = pickle.HIGHEST_PROTOCOL


def encode(message: Any) -> bytes:
    payload = pickle.dumps(message, protocol=_PROTOCOL)
    return HEADER.pack(len(payload)) + payload


def decode(payload: bytes) -> Any:
    return pickle.loads(payload)  # noqa: S301 - frames come only from our own worker processes


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) < size:
        raise EOFError("the other end closed the connection")
    return data


def recv_frame(stream: BinaryIO) -> Any:
    """Block until one whole frame has arrived on a buffered socket file; EOFError when the other end is gone."""
    (size,) = HEADER.unpack(_read_exactly(stream, HEADER.size))
    return decode(_read_exactly(stream, size))


def send_frame(sock: socket.socket, message: Any) -> None:
    sock.sendall(encode(message))
