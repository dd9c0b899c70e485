"""A throw-away Virtuoso (Debian's ``virtuoso-opensource`` 7.2) for the tests: its own database in a temporary
folder, a generated ``virtuoso.ini``, loopback ports only, no system service; stopped by its PID.

Why each ini setting (docs/stores.md "Virtuoso behind jakgraph" shows this very file):

* ``CaseMode = 2``: without it an ASK comes back as a ``__ASK_RETVAL`` table, not a boolean.
* ``DisableUnixSocket = 1`` and ``127.0.0.1:PORT`` for both servers: nothing outside this machine, no socket
  file in a shared folder.
* ``DirsAllowed = ., DIR/load``: the bulk loader (``ld_dir``) reads only from allowed folders.
* ``ResultSetMaxRows`` above any answer the tests ask for (Debian's 10000 cuts answers silently, HTTP 200)
  and ``MaxQueryExecutionTime`` (seconds) as a ceiling at or above jakgraph's timeout: jakgraph sends its own
  limit with each query (``timeout``, ms), which is what stops Virtuoso's work after a 504
  (tests/stores/test_backend_limits.py measures it); the ini limit alone answers on time but was seen to
  leave the query computing.

The project's graphs only: :meth:`Virtuoso.expose_only` applies Virtuoso's graph-level security — the
anonymous SPARQL user (``nobody``) reads no graph by default, then the named project graphs one by one — so
Virtuoso's own graphs (virtrdf#, its service description…) stay out of "all graphs".
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from server_support import LOOPBACK, free_port

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")
VSP = Path("/var/lib/virtuoso-opensource-7/vsp")
#: the fresh database's administrator (Virtuoso's default); only ever on loopback, in a temporary folder
DBA = ("dba", "dba")
MAX_ROWS = 1_000_000
MAX_SECONDS = 60

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = ., {dir}/load
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {vsp}

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {max_seconds}
"""


def available() -> bool:
    return VIRTUOSO is not None and ISQL is not None and VSP.is_dir()


def require() -> None:
    if not available():
        pytest.skip("Virtuoso is not installed (Debian's virtuoso-opensource; .ci/run installs it)")


class Virtuoso:
    """One running ``virtuoso-t``: its ports, its folder, SQL through ``isql-vt``, and :meth:`stop`."""

    def __init__(self, folder: Path, *, max_rows: int = MAX_ROWS, max_seconds: int = MAX_SECONDS) -> None:
        self.folder = folder
        self.load_dir = folder / "load"
        self.load_dir.mkdir(parents=True, exist_ok=True)
        self.sql_port = free_port()
        self.http_port = free_port()
        self.url = f"http://{LOOPBACK}:{self.http_port}"
        self.sparql = self.url + "/sparql"
        self.ini = folder / "virtuoso.ini"
        self.ini.write_text(INI.format(dir=folder, sql_port=self.sql_port, http_port=self.http_port, vsp=VSP,
                                       max_rows=max_rows, max_seconds=max_seconds), encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    # -- life ---------------------------------------------------------------------------------------

    def start(self, ready_timeout: float = 90.0) -> Virtuoso:
        log = (self.folder / "stdout.log").open("ab")
        self.process = subprocess.Popen([str(VIRTUOSO), "+configfile", str(self.ini), "+foreground"],
                                        cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(self.sparql, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"virtuoso-t not ready after {ready_timeout} s:\n{self.output()}")

    def stop(self) -> None:
        """``shutdown`` through isql-vt (a checkpoint, a clean exit), then SIGKILL the PID if it lingers."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            subprocess.run([str(ISQL), f"{LOOPBACK}:{self.sql_port}", *DBA, "exec=shutdown;"],
                           capture_output=True, timeout=30)
            process.wait(30)
        except subprocess.TimeoutExpired:
            pass
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(30)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        log = self.folder / "virtuoso.log"
        return log.read_text(errors="replace")[-4000:] if log.exists() else ""

    # -- SQL ----------------------------------------------------------------------------------------

    def isql(self, *statements: str) -> str:
        """Run SQL statements as DBA; any ``*** Error`` fails loudly."""
        script = "".join(s.rstrip().rstrip(";") + ";\n" for s in statements)
        done = subprocess.run([str(ISQL), f"{LOOPBACK}:{self.sql_port}", *DBA, "VERBOSE=OFF", "BANNER=OFF",
                               "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT"],
                              input=script.encode(), capture_output=True, timeout=300)
        out = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
        if done.returncode != 0 or "*** Error" in out:
            raise RuntimeError(f"isql-vt failed ({done.returncode}):\n{script}\n{out}")
        return out

    def expose_only(self, graphs: Iterable[str]) -> None:
        """Graph-level security: the anonymous user reads these graphs and no other (Virtuoso's own graphs
        included); DBA (``/sparql-graph-crud-auth``, isql) still sees and writes everything."""
        statements = ["DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 0)"]
        statements += [f"DB.DBA.RDF_GRAPH_USER_PERMS_SET('{iri}', 'nobody', 1)" for iri in graphs]
        self.isql(*statements)

    def push_store(self, store: ox.Store) -> list[str]:
        """Push ``store``'s project graphs with ``jakgraph push`` through the Digest Graph Store as DBA (the
        documented recipe); returns the graphs pushed."""
        from jakgraph.stores.remote import graphs_to_push, push  # lazy: only the tests that push need it

        graphs = graphs_to_push(store)
        with open(os.devnull, "w") as quiet:
            push(store, graphs, to=self.sparql, graph_store=self.url + "/sparql-graph-crud-auth",
                 user=":".join(DBA), digest=True, verify=False, log=quiet)
        return graphs

    def basic_graph_store(self) -> str:
        """A Graph Store endpoint with HTTP Basic authentication beside Virtuoso's Digest one
        (``/sparql-graph-crud-auth``): the same handler, checked against SQL users; returns its URL."""
        self.isql("DB.DBA.VHOST_DEFINE(lpath=>'/sparql-graph-crud-basic', ppath=>'/!sparql-graph-crud/', "
                  "is_dav=>1, vsp_user=>'dba', opts=>vector('noinherit', 1, 'exec_as_get', 1), "
                  "auth_fn=>'DB.DBA.HP_AUTH_SQL_USER', realm=>'SPARQL', sec=>'basic')")
        return self.url + "/sparql-graph-crud-basic"

    def bulk_load(self, file: Path, graph: str) -> list[tuple[str, str, str]]:
        """Virtuoso's bulk loader: copy into the allowed folder, ``ld_dir``, ``rdf_loader_run``, ``checkpoint``;
        return ``DB.DBA.load_list`` rows (file, state, error) for that file."""
        target = self.load_dir / file.name
        shutil.copyfile(file, target)
        self.isql(f"ld_dir('{self.load_dir}', '{file.name}', '{graph}')", "rdf_loader_run()", "checkpoint")
        out = self.isql(f"SELECT ll_file, ll_state, ll_error FROM DB.DBA.load_list WHERE ll_file = '{target}'")
        rows = []
        for line in out.splitlines():
            parts = line.split()
            if parts and parts[0] == str(target):
                rows.append((parts[0], parts[1], " ".join(parts[2:])))
        return rows
