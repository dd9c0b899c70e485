"""Run ``jakgraph serve`` as a real server process on a free loopback port, for tests that need one
(durability across kill -9, cancellation of runaway queries, CPU left behind)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, process: subprocess.Popen, port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def kill9(self) -> None:
        """SIGKILL the server and everything it started (its query workers are its children)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill9()


def start(args: list[str], tmp: Path, env: dict[str, str] | None = None, ready_timeout: float = 180.0) -> Server:
    port = free_port()
    log = tmp / f"server-{port}.log"
    environment = {**os.environ, **(env or {})}
    environment.setdefault("JAKGRAPH_ACCESS_LOG", "")
    command = [sys.executable, "-m", "jakgraph.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=environment,
                                   start_new_session=True)
    server = Server(process, port, log)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.output()}")
        try:
            if httpx.get(server.url + "/ready", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    server.kill9()
    raise RuntimeError(f"server not ready after {ready_timeout} s:\n{server.output()}")


@contextmanager
def running(args: list[str], tmp: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    server = start(args, tmp, env)
    try:
        yield server
    finally:
        server.stop()
