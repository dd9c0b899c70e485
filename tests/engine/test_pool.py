"""The query engine: SPARQL text facts, execution (dataset rules, row cap, formats), and the worker pool
(hard timeout by killing the worker, the warm spare, crash recovery, reload after a write)."""
from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import time

import pyoxigraph as ox
import pytest

from jakgraph import formats as F
from jakgraph.engine.base import QueryEngine, QueryRequest
from jakgraph.engine.execute import ExecutionOptions, execute
from jakgraph.engine.pool import WorkerPool
from jakgraph.errors import NotAcceptable, QueryFailed, QuerySyntaxError, QueryTimeoutError, ResultLimitError
from jakgraph.sparql.text import (
    QueryFacts,
    declares_dataset,
    describe_syntax_error,
    query_facts,
    query_form,
    skeleton,
    used_prefixes,
)

EX = "http://example.org/"
G1, G2 = ox.NamedNode(EX + "g1"), ox.NamedNode(EX + "g2")


def small_store(n: int = 300) -> ox.Store:
    """n triples in g1 (s_i p i), one in g2, none in the default graph."""
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i), datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer")), G1) for i in range(n))
    store.add(ox.Quad(ox.NamedNode(EX + "only-in-g2"), ox.NamedNode(EX + "p"), ox.Literal("x"), G2))
    return store


def rows(result) -> list[dict[str, str]]:  # noqa: ANN001
    return [{k: v["value"] for k, v in r.items()} for r in json.loads(result.body)["results"]["bindings"]]


# -- SPARQL text ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "form"), [
    ("SELECT * {}", "SELECT"),
    ("  # a comment with SELECT\n  ask {}", "ASK"),
    ("BASE <http://x/> PREFIX a: <http://a/> PREFIX : <http://b/>\nCONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("PREFIX select: <http://a/> DESCRIBE select:x", "DESCRIBE"),
    ("INSERT DATA { <a> <b> <c> }", "INSERT"),
    ("PREFIX x: <y:> DELETE WHERE { ?s ?p ?o }", "DELETE"),
    ("CLEAR ALL", "CLEAR"),
    ("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
    ("FOO BAR", None),
    ("", None),
])
def test_query_form(text: str, form: str | None) -> None:
    assert query_form(skeleton(text)) == form


@pytest.mark.parametrize(("text", "declares"), [
    ("SELECT * FROM <g> { ?s ?p ?o }", True),
    ("SELECT * from named <g> { ?s ?p ?o }", True),
    ("SELECT ?from { ?s ex:from ?from . FILTER(?from != 'FROM') } # FROM", False),
    ("SELECT * { ?s <http://x/FROM> ?o }", False),
    ('SELECT * { ?s ?p """FROM <g>""" }', False),
])
def test_declares_dataset(text: str, declares: bool) -> None:
    assert declares_dataset(skeleton(text)) is declares


def test_used_prefixes_skip_declared_strings_and_iris() -> None:
    known = {"drug": "D", "jak": "J", "rdfs": "R", "http": "H"}
    text = "PREFIX jak: <x:> SELECT * { drug:a jak:b <http://c> ; rdfs:label 'drug:d' }"
    assert used_prefixes(skeleton(text), known) == {"drug": "D", "rdfs": "R"}


@pytest.mark.parametrize("text", [
    "SELECT * {}",
    "PREFIX jak: <x:> SELECT * FROM <g> { drug:a jak:b <http://c> ; rdfs:label 'drug:d' } # ex:e",
    "BASE <http://x/> PREFIX : <http://b/> CONSTRUCT WHERE { ?s :p ?o ; é:q _:b }",
    "ASK { ?s ?p \"\"\"FROM <g> dc:x\"\"\" }",
    "INSERT DATA { ex:a ex:b ex:c }",
    "DESCRIBE " + " ".join(f"p{i}:x" for i in range(3000)),  # longer than the texts remembered
])
def test_query_facts_are_what_the_skeleton_says(text: str) -> None:
    """The facts the endpoint reads once and sends to the worker are those each stage used to read itself."""
    bones = skeleton(text)
    known = {name: f"urn:{name}:" for name in ("drug", "jak", "rdfs", "ex", "dc", "é", "", "p7")}
    facts = query_facts(text)
    assert facts.form == query_form(bones)
    assert facts.declares_dataset is declares_dataset(bones)
    assert {name: known[name] for name in facts.prefixes if name in known} == used_prefixes(bones, known)
    assert query_facts(text) == facts


def test_execute_with_the_facts_given_or_read() -> None:
    store = small_store(3)
    options = ExecutionOptions(prefixes={"ex": "http://example.org/"})
    text = "SELECT ?o WHERE { ex:s0 ex:p ?o }"
    read = execute(store, QueryRequest(text), options)
    given = execute(store, QueryRequest(text), options, query_facts(text))
    assert read.body == given.body and read.count == given.count
    # the facts decide the prefixes and the dataset: without them the prefix is unknown to Oxigraph
    with pytest.raises(QuerySyntaxError):
        execute(store, QueryRequest(text), options, QueryFacts("SELECT", (), False))


def test_syntax_error_message() -> None:
    message = describe_syntax_error("SELECT *\nWHERE { ?s ?p }", "error at 2:15: expected one of LATERAL, SERVICE, [_]")
    assert message.splitlines()[0] == "SPARQL syntax error at line 2, column 15: expected one of LATERAL, SERVICE"
    assert message.splitlines()[2].index("^") == 2 + 14


# -- execute ----------------------------------------------------------------------------------------

OPTIONS = ExecutionOptions(max_rows=1000, prefixes={"ex": EX})


def test_default_graph_is_the_union() -> None:
    store = small_store(3)
    result = execute(store, QueryRequest("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"), OPTIONS)
    assert rows(result) == [{"n": "4"}]


def test_from_and_protocol_dataset() -> None:
    store = small_store(3)
    count = "SELECT (COUNT(*) AS ?n) FROM ex:g2 { ?s ?p ?o }"
    assert rows(execute(store, QueryRequest(count), OPTIONS)) == [{"n": "1"}]
    overridden = QueryRequest(count, default_graph_uris=(EX + "g1",))
    assert rows(execute(store, overridden, OPTIONS)) == [{"n": "3"}]
    named_only = QueryRequest("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", named_graph_uris=(EX + "g1",))
    assert rows(execute(store, named_only, OPTIONS)) == [{"n": "0"}]
    graphs = QueryRequest("SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }", named_graph_uris=(EX + "g2",))
    assert rows(execute(store, graphs, OPTIONS)) == [{"g": EX + "g2"}]


def _column(body: bytes, fmt: F.ResultFormat, name: str) -> list[str]:
    """One variable's values, row by row, read back from a results document of any format."""
    if fmt.name == "csv":  # lossy by design: pyoxigraph does not parse it back, the csv module does
        return [row[name] for row in csv.DictReader(io.StringIO(body.decode("utf-8")))]
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.from_media_type(fmt.media_type))
    assert isinstance(parsed, ox.QuerySolutions)
    return [solution[name].value for solution in parsed]


@pytest.mark.parametrize("fmt", F.SOLUTIONS_FORMATS)
@pytest.mark.parametrize("n", [999, 1000, 1001, 5000])  # below, at, just above, far above the cap of 1000
def test_row_cap_is_exact(fmt: F.ResultFormat, n: int) -> None:
    """Exact at the cap in every format, by the fast size bound and by the recount past it: below and at the
    cap every one of the n rows comes back (parsed and counted), one row over it is refused."""
    store = small_store(n)
    request = QueryRequest("SELECT ?s ?o { GRAPH ex:g1 { ?s ?p ?o } }", solutions_format=fmt)
    if n <= OPTIONS.max_rows:
        result = execute(store, request, OPTIONS)
        # n rows, each once: none lost, none repeated
        assert sorted(int(v) for v in _column(result.body, fmt, "o")) == list(range(n))
        assert result.count in (None, n)  # counted only when the recount ran
    else:
        with pytest.raises(ResultLimitError, match="more than 1000 solutions"):
            execute(store, request, OPTIONS)


def test_row_cap_recount_keeps_large_results_under_the_cap() -> None:
    """Long rows push a result past the size bound; the exact recount lets it through."""
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal("x" * 2000), G1)
                 for i in range(200))
    options = ExecutionOptions(max_rows=200)
    for fmt in F.SOLUTIONS_FORMATS:
        body = execute(store, QueryRequest("SELECT * { ?s ?p ?o }", solutions_format=fmt), options).body
        assert len(body) > 200 * 2000
    result = execute(store, QueryRequest("SELECT * { ?s ?p ?o }", solutions_format=F.JSON), options)
    assert len(rows(result)) == 200
    graph = execute(store, QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", graph_format=F.TURTLE), options)
    assert len(list(ox.parse(graph.body, ox.RdfFormat.TURTLE))) == 200


@pytest.mark.parametrize("fmt", F.GRAPH_FORMATS)
def test_graph_row_cap(fmt: F.ResultFormat) -> None:
    store = small_store(1001)
    with pytest.raises(ResultLimitError, match="more than 1000 triples"):
        execute(store, QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", graph_format=fmt), OPTIONS)
    body = execute(store, QueryRequest("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1000", graph_format=fmt), OPTIONS).body
    assert body


def test_formats_and_refusals() -> None:
    store = small_store(3)
    with pytest.raises(NotAcceptable, match="SELECT"):
        execute(store, QueryRequest("SELECT * {}", solutions_format=None), OPTIONS)
    with pytest.raises(NotAcceptable, match="CONSTRUCT"):
        execute(store, QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", graph_format=None), OPTIONS)
    with pytest.raises(QuerySyntaxError, match="line 1"):
        execute(store, QueryRequest("SELECT * { ?s ?p }"), OPTIONS)
    with pytest.raises(QuerySyntaxError, match="not an absolute IRI"):
        execute(store, QueryRequest("ASK {}", default_graph_uris=("not an iri",)), OPTIONS)
    ask = execute(store, QueryRequest("ASK { ex:only-in-g2 ?p ?o }", solutions_format=F.TSV), OPTIONS)
    assert ask.kind == "boolean" and ask.body.strip() == b"true"


# -- the worker pool ---------------------------------------------------------------------------------

RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_pool_is_a_query_engine() -> None:
    assert isinstance(WorkerPool(None), QueryEngine)


def test_pool_timeout_kills_the_worker_and_the_spare_takes_over() -> None:
    async def scenario() -> None:
        pool = WorkerPool(small_store(), size=1, timeout=1.0, options=OPTIONS, spares=1)
        await pool.start()
        try:
            assert rows(await pool.query(QueryRequest("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"))) == [{"n": "301"}]
            before = set(pool.pids)
            started = time.monotonic()
            with pytest.raises(QueryTimeoutError, match="timeout after 1 s"):
                await pool.query(QueryRequest(RUNAWAY))
            assert time.monotonic() - started < 3
            # the spare answers at once, while a new spare starts in the background
            started = time.monotonic()
            answer = await pool.query(QueryRequest("ASK { ex:only-in-g2 ?p ?o }", solutions_format=F.JSON))
            assert json.loads(answer.body)["boolean"] is True
            assert time.monotonic() - started < 0.5
            killed = before - set(pool.pids)
            assert len(killed) == 1 and pool.kills == 1
            await asyncio.sleep(0.2)
            assert not alive(killed.pop())
            for _ in range(100):
                if len(pool.pids) == 2:
                    break
                await asyncio.sleep(0.1)
            assert len(pool.pids) == 2
        finally:
            await pool.close()
        assert not any(alive(pid) for pid in before)

    asyncio.run(scenario())


def test_pool_survives_a_crashed_worker() -> None:
    async def scenario() -> None:
        pool = WorkerPool(small_store(), size=1, timeout=5.0, options=OPTIONS, spares=0)
        await pool.start()
        try:
            (pid,) = pool.pids
            os.kill(pid, signal.SIGKILL)
            await asyncio.sleep(0.1)
            with pytest.raises(QueryFailed, match="stopped unexpectedly"):
                await pool.query(QueryRequest("ASK {}"))
            result = await pool.query(QueryRequest("ASK {}"))  # a new worker was started for it
            assert json.loads(result.body)["boolean"] is True
            assert pool.pids and pool.pids[0] != pid
        finally:
            await pool.close()

    asyncio.run(scenario())


def test_pool_queues_beyond_its_size_and_runs_concurrently() -> None:
    async def scenario() -> None:
        pool = WorkerPool(small_store(), size=2, timeout=10.0, options=OPTIONS, spares=0)
        await pool.start()
        try:
            results = await asyncio.gather(*(pool.query(QueryRequest(f"SELECT ({i} AS ?i) {{}}")) for i in range(40)))
            assert [rows(r)[0]["i"] for r in results] == [str(i) for i in range(40)]
        finally:
            await pool.close()

    asyncio.run(scenario())


def test_pool_reload_sees_a_write() -> None:
    async def scenario() -> None:
        store = small_store(3)
        pool = WorkerPool(store, size=1, timeout=5.0, options=OPTIONS, spares=1)
        await pool.start()
        try:
            ask = QueryRequest("ASK { ex:new ex:p ex:o }")
            assert json.loads((await pool.query(ask)).body)["boolean"] is False
            store.add(ox.Quad(ox.NamedNode(EX + "new"), ox.NamedNode(EX + "p"), ox.NamedNode(EX + "o"), G1))
            old = set(pool.pids)
            await asyncio.get_running_loop().run_in_executor(None, pool.reload)  # as a write's listener calls it
            assert json.loads((await pool.query(ask)).body)["boolean"] is True
            assert not old & set(pool.pids)
        finally:
            await pool.close()

    asyncio.run(scenario())


def test_pool_cancelled_query_does_not_leave_a_busy_worker() -> None:
    async def scenario() -> None:
        pool = WorkerPool(small_store(), size=1, timeout=30.0, options=OPTIONS, spares=1)
        await pool.start()
        try:
            task = asyncio.ensure_future(pool.query(QueryRequest(RUNAWAY)))
            await asyncio.sleep(0.3)
            task.cancel()  # the client went away
            with pytest.raises(asyncio.CancelledError):
                await task
            started = time.monotonic()
            assert json.loads((await pool.query(QueryRequest("ASK {}"))).body)["boolean"] is True
            assert time.monotonic() - started < 1
        finally:
            await pool.close()

    asyncio.run(scenario())
