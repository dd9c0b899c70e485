"""The embedded engine: a pool of worker processes, each with its own in-memory copy of the store.

Why processes: Oxigraph has no way to cancel a running query, so a query past its deadline can only be
stopped by stopping what runs it. Each worker (``worker.py``) loads the graph from an N-Quads dump and
answers one query at a time over a socket pair. When a query passes ``timeout`` seconds the pool kills
its worker (SIGKILL: the CPU and memory are free at once), answers
:class:`~jakgraph.errors.QueryTimeoutError`, and puts a warm spare in its place, so the next query does
not wait for a new process; a new spare is started in the background.

Everything here runs on the event loop without blocking it: a worker is spawned with ``subprocess.Popen``
(vfork: well under a millisecond, where asyncio's and uvloop's subprocess creation block the loop for
several), a query is a write and an awaited read on a socket, dumping the store and reaping a killed
worker run in threads.

After a curator write commits, :meth:`WorkerPool.reload` (thread-safe) dumps the live store again and
swaps in a new generation of workers; it returns once queries see the new content. Workers of the old
generation finish the query they are running and are then stopped.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Awaitable
from dataclasses import asdict
from pathlib import Path

import pyoxigraph as ox

from jakgraph import errors
from jakgraph.engine.base import QueryRequest, QueryResult
from jakgraph.engine.execute import ExecutionOptions
from jakgraph.engine.wire import HEADER, decode, encode
from jakgraph.engine.worker import BOOTSTRAP
from jakgraph.errors import EngineUnavailable, QueryFailed, QueryTimeoutError
from jakgraph.formats import by_name
from jakgraph.processes import running
from jakgraph.sparql.text import query_facts

__all__ = ["WorkerPool"]

_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])


class _Expired(Exception):
    pass


class _Died(Exception):
    pass


class _Channel(asyncio.Protocol):
    """The pool's end of a worker's socket: frames in, one awaited at a time (leaner than StreamReader)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[bytes] | None = None
        self.lost: BaseException | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._deliver()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = exc or ConnectionResetError("the worker closed its socket")
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(self.lost)

    def _deliver(self) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done() or len(self.buffer) < HEADER.size:
            return
        (size,) = HEADER.unpack_from(self.buffer)
        end = HEADER.size + size
        if len(self.buffer) >= end:
            payload = bytes(self.buffer[HEADER.size:end])
            del self.buffer[:end]
            waiter.set_result(payload)

    def send(self, frame: bytes) -> None:
        if self.lost is not None or self.transport is None:
            raise ConnectionResetError("the worker is gone")
        self.transport.write(frame)

    async def receive(self) -> bytes:
        if self.lost is not None:
            raise ConnectionResetError("the worker is gone")
        self.waiter = asyncio.get_running_loop().create_future()
        self._deliver()
        try:
            return await self.waiter
        finally:
            self.waiter = None

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class _Worker:
    """One worker process and the pool's end of its socket."""

    __slots__ = ("process", "channel", "expired", "quads", "generation")

    def __init__(self, process: subprocess.Popen[bytes], channel: _Channel, generation: int) -> None:
        self.process = process
        self.channel = channel
        self.expired = False
        self.quads = 0
        self.generation = generation

    @property
    def pid(self) -> int:
        return self.process.pid

    async def read(self) -> object:
        return decode(await self.channel.receive())

    async def call(self, message: tuple, timeout: float) -> tuple:
        """Send one request, await its response; the process is killed if ``timeout`` passes first."""
        handle = asyncio.get_running_loop().call_later(timeout, self._expire)
        try:
            self.channel.send(encode(message))
            return await self.read()  # type: ignore[return-value]
        except (ConnectionError, OSError) as err:
            if self.expired:
                raise _Expired from None
            raise _Died(str(err)) from None
        finally:
            handle.cancel()

    def _expire(self) -> None:
        self.expired = True
        self.kill()

    def kill(self) -> None:
        try:
            self.process.kill()
        except ProcessLookupError:
            pass
        self.channel.close()


class WorkerPool:
    """A :class:`~jakgraph.engine.base.QueryEngine` over ``size`` worker processes (plus warm spares).

    :param source: the live store; the workers load an N-Quads dump of it (again at each :meth:`reload`).
    :param size: how many queries run at once (one per worker).
    :param timeout: seconds a query may run; past it the worker is killed and replaced.
    :param options: the row cap, base IRI and prefixes the workers apply.
    :param spares: loaded workers kept in reserve to replace killed ones at once.
    :param snapshots: for an on-disk source store: a folder (on the store's file system) where each
        generation is a checkpoint of the store (``Store.backup``: hard links, milliseconds) that the
        workers open read-only instead of loading a dump, so a big store is never reloaded.
    """

    def __init__(self, source: ox.Store | None, *, size: int = 2, timeout: float = 10.0,
                 options: ExecutionOptions | None = None, spares: int = 1,
                 start_timeout: float = 300.0, snapshots: Path | None = None) -> None:
        self.source = source
        self.snapshots = snapshots
        self.dump: Path | None = None
        self._dump_dir: str | None = None
        self.generation = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self.size = max(1, size)
        self.timeout = timeout
        self.options = options if options is not None else ExecutionOptions()
        self.spares_wanted = max(0, spares)
        self.start_timeout = start_timeout
        self._idle: deque[_Worker] = deque()
        self._spares: deque[_Worker] = deque()
        self._waiters: deque[asyncio.Future[_Worker]] = deque()
        self._active = 0             # workers that serve queries (idle or busy)
        self._spawning = 0
        self._started = False
        self._closed = False
        self._start_lock: asyncio.Lock | None = None
        self._background: set[asyncio.Task[object]] = set()
        self._all: set[_Worker] = set()
        self._reload_lock: asyncio.Lock | None = None
        self.kills = 0               # workers killed at their deadline (for tests and stats)

    # -- life cycle -----------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._started:
            return
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._started:
                return
            if self._closed:
                raise EngineUnavailable("the query engine has been shut down")
            self._loop = asyncio.get_running_loop()
            self.dump = await asyncio.to_thread(self._write_dump)
            workers = await asyncio.gather(*(self._spawn() for _ in range(self.size + self.spares_wanted)))
            for index, worker in enumerate(workers):
                if index < self.size:
                    self._active += 1
                    self._idle.append(worker)
                else:
                    self._spares.append(worker)
            self._started = True

    async def close(self) -> None:
        self._closed = True
        for task in list(self._background):
            task.cancel()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(EngineUnavailable("the query engine is shutting down"))
        self._waiters.clear()
        workers = list(self._all)
        for worker in workers:
            worker.kill()
        for worker in workers:
            try:
                await asyncio.wait_for(asyncio.to_thread(worker.process.wait), 5)
            except (TimeoutError, ProcessLookupError):
                pass
        self._all.clear()
        self._idle.clear()
        self._spares.clear()
        self._active = 0
        self._started = False
        if self._dump_dir is not None:
            shutil.rmtree(self._dump_dir, ignore_errors=True)
            self._dump_dir = None

    def reload(self, timeout: float = 600.0) -> None:
        """Make the workers answer from the source store's current content (after a committed write).

        Thread-safe. From another thread it returns once new queries see the new content; on the event
        loop's own thread it schedules the swap and returns at once.
        """
        loop = self._loop
        if not self._started or loop is None or self._closed:
            return  # not started: the first start dumps the store as it is then
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._in_background(self._reload())
            return
        asyncio.run_coroutine_threadsafe(self._reload(), loop).result(timeout)

    async def _reload(self) -> None:
        if self._reload_lock is None:
            self._reload_lock = asyncio.Lock()
        async with self._reload_lock:
            old_dump = self.dump
            self.dump = await asyncio.to_thread(self._write_dump)
            generation = self.generation + 1
            fresh = await asyncio.gather(*(self._spawn(generation) for _ in range(self.size + self.spares_wanted)))
            if self._closed:
                for worker in fresh:
                    self._stop(worker)
                return
            self.generation = generation
            stale = list(self._idle) + list(self._spares)
            self._idle.clear()
            self._spares.clear()
            for worker in stale:
                self._stop(worker)
            self._active = 0
            for index, worker in enumerate(fresh):
                if index < self.size:
                    self._active += 1
                    self._release(worker)
                else:
                    self._spares.append(worker)
            if old_dump is not None and old_dump != self.dump:
                if old_dump.is_dir():
                    shutil.rmtree(old_dump, ignore_errors=True)
                else:
                    old_dump.unlink(missing_ok=True)

    def _write_dump(self) -> Path | None:
        """Dump the source store to a new N-Quads file (runs in a thread: it blocks)."""
        if self.source is None:
            return None
        if self.snapshots is not None:  # on disk: a read-only checkpoint, not a dump to reload
            self.snapshots.mkdir(parents=True, exist_ok=True)
            if self._dump_dir is None:
                self._dump_dir = tempfile.mkdtemp(prefix="pool-", dir=str(self.snapshots))
            # unique per call: the warm start and the first reload both see generation 0
            path = Path(self._dump_dir) / f"store-{self.generation + 1}-{threading.get_ident()}-{os.urandom(4).hex()}"
            self.source.flush()
            self.source.backup(str(path))
            return path
        if self._dump_dir is None:
            self._dump_dir = tempfile.mkdtemp(prefix="jakgraph-engine-")
        path = Path(self._dump_dir) / f"store-{self.generation + 1}-{threading.get_ident()}.nq"
        self.source.dump(str(path), format=ox.RdfFormat.N_QUADS)
        return path

    def _stop(self, worker: _Worker) -> None:
        worker.kill()
        self._all.discard(worker)
        self._in_background(asyncio.to_thread(worker.process.wait))

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers (serving and spare)."""
        return [worker.pid for worker in self._all]

    def workers_alive(self) -> bool | None:
        """For readiness checks: None before the first start (the workers start with the first query, or
        with the server), False once closed or when a worker process is gone, True otherwise."""
        if self._closed:
            return False
        if not self._started:
            return None
        pids = self.pids
        return bool(pids) and all(running(pid) for pid in pids)

    # -- queries ---------------------------------------------------------------------------------------

    async def query(self, request: QueryRequest) -> QueryResult:
        if not self._started:
            await self.start()
        worker = await self._acquire()
        facts = query_facts(request.text)  # remembered per text: the endpoint has usually read it already
        message = (
            request.text,
            request.default_graph_uris,
            request.named_graph_uris,
            request.solutions_format.name if request.solutions_format is not None else None,
            request.graph_format.name if request.graph_format is not None else None,
            facts.form,
            facts.prefixes,
            facts.declares_dataset,
        )
        try:
            reply = await worker.call(message, self.timeout)
        except _Expired:
            self.kills += 1
            self._retire(worker)
            raise QueryTimeoutError(
                f"query timeout after {self.timeout:g} s: the query was stopped; "
                "narrow it (more specific patterns, LIMIT) and try again"
            ) from None
        except _Died as err:
            self._retire(worker)
            raise QueryFailed(f"the query worker stopped unexpectedly ({err})") from None
        except BaseException:
            # cancelled (the client went away) while the worker is busy: its answer would arrive late
            self._retire(worker)
            raise
        self._release(worker)
        if reply[0] == "ok":
            _, body, name, kind, count, seconds = reply
            fmt = by_name("solutions" if kind != "graph" else "graph", name)
            assert fmt is not None
            return QueryResult(body, fmt, kind, count, seconds)
        _, class_name, text = reply
        error_class = getattr(errors, class_name, None)
        if not (isinstance(error_class, type) and issubclass(error_class, errors.JakgraphError)):
            error_class = QueryFailed
        raise error_class(text)

    # -- workers ----------------------------------------------------------------------------------------

    async def _acquire(self) -> _Worker:
        if self._idle:
            return self._idle.popleft()
        if self._closed:
            raise EngineUnavailable("the query engine has been shut down")
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[_Worker] = loop.create_future()
        self._waiters.append(waiter)

        def give_up() -> None:
            if not waiter.done():
                waiter.set_exception(EngineUnavailable(
                    f"every query worker stayed busy for {self.timeout:g} s; try again shortly"))

        handle = loop.call_later(self.timeout, give_up)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._release(waiter.result())  # handed over just as we were cancelled
            raise
        finally:
            handle.cancel()
            try:
                self._waiters.remove(waiter)
            except ValueError:
                pass

    def _release(self, worker: _Worker) -> None:
        if worker.generation != self.generation:
            self._stop(worker)  # finished its last query on the old content
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def _retire(self, worker: _Worker) -> None:
        """Kill a serving worker and put a spare (or a new worker) in its place."""
        self._stop(worker)
        if worker.generation != self.generation:
            return  # an old generation's worker: its replacement is already serving
        self._active -= 1
        if self._closed:
            return
        if self._spares:
            self._active += 1
            self._release(self._spares.popleft())
        self._in_background(self._top_up())

    async def _top_up(self) -> None:
        """Spawn workers until the pool is back to ``size`` serving and ``spares`` in reserve."""
        while not self._closed and self._active + len(self._spares) + self._spawning < self.size + self.spares_wanted:
            self._spawning += 1
            try:
                worker = await self._spawn()
            except Exception:  # noqa: BLE001 - try again later rather than lose capacity for good
                await asyncio.sleep(1.0)
                continue
            finally:
                self._spawning -= 1
            if self._closed or worker.generation != self.generation:
                self._stop(worker)
                continue
            if self._active < self.size:
                self._active += 1
                self._release(worker)
            else:
                self._spares.append(worker)

    async def _spawn(self, generation: int | None = None) -> _Worker:
        parent_end, child_end = socket.socketpair()
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", BOOTSTRAP, _PACKAGE_DIR, str(child_end.fileno())],
                pass_fds=(child_end.fileno(),), stdin=subprocess.DEVNULL,
            )
        finally:
            child_end.close()
        _, channel = await asyncio.get_running_loop().create_unix_connection(_Channel, sock=parent_end)
        worker = _Worker(process, channel, self.generation if generation is None else generation)
        self._all.add(worker)
        config = {"dump": str(self.dump) if self.dump is not None else None, "options": asdict(self.options)}
        try:
            channel.send(encode(config))
            ready = await asyncio.wait_for(worker.read(), self.start_timeout)
        except (TimeoutError, ConnectionError) as err:
            self._stop(worker)
            raise EngineUnavailable(f"a query worker failed to start: {err!r}") from None
        worker.quads = ready[1]  # type: ignore[index]
        return worker

    def _in_background(self, awaitable: Awaitable[object]) -> None:
        task = asyncio.ensure_future(awaitable)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def default_size() -> int:
    """One serving worker per CPU (at least two, so one slow query never stops the endpoint)."""
    return max(2, os.cpu_count() or 2)

