"""Structure-aware fuzz: hypothesis builds nested SPARQL (groups, UNION/OPTIONAL/MINUS, FILTER expressions,
property paths, blank-node property lists, collections) with nesting on both sides of the limit.

Properties: the input limits refuse exactly what nests past the limit (the strategy knows its own depth);
what they let through, Oxigraph parses in a thread without harm (a stack overflow would kill this test
process); and the application (the existing fuzz's in-process app, real query workers, curator writes on)
answers every generated query and update with a 2xx or a 4xx, never a 5xx other than a timeout.
"""
from __future__ import annotations

import threading

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from jakgraph.errors import LimitExceeded
from jakgraph.policy.limits import Limits, check_sparql, measure_sparql
from jakgraph.settings import Settings

from writes_support import TOKEN, client_for, fresh_state

LIMIT = Limits.of(Settings()).max_nesting_depth
UNIT = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
APP = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

# each strategy yields (text, depth): the depth of { } ( ) [ ] and unary ! the text opens

TERMS = st.sampled_from(["?s", "?o", "?x", "<http://example.org/a>", "rdfs:label", "'x'", "\"y\"@en", "1", "2.5",
                         "true", "drug:ruxolitinib"])
expressions = st.recursive(
    TERMS.map(lambda t: (t, 0)),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "=", "!=", "<", ">=", "&&", "||"]), inner).map(
            lambda t: (f"({t[0][0]} {t[1]} {t[2][0]})", max(t[0][1], t[2][1]) + 1)),
        inner.map(lambda e: (f"!{e[0]}", e[1] + 1)),
        inner.map(lambda e: (f"STR({e[0]})", e[1] + 1)),
        st.tuples(inner, inner).map(lambda t: (f"COALESCE({t[0][0]}, {t[1][0]})", max(t[0][1], t[1][1]) + 1)),
        inner.map(lambda e: (f"({e[0]})", e[1] + 1)),
    ),
    max_leaves=30,
)
paths = st.recursive(
    st.sampled_from(["rdfs:label", "<http://example.org/p>", "a", "jak:drug"]).map(lambda p: (p, 0)),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["/", "|"]), inner).map(
            lambda t: (f"({t[0][0]}{t[1]}{t[2][0]})", max(t[0][1], t[2][1]) + 1)),
        st.tuples(inner, st.sampled_from(["*", "+", "?"])).map(lambda t: (f"({t[0][0]}){t[1]}", t[0][1] + 1)),
        inner.map(lambda p: (f"^({p[0]})", p[1] + 1)),
    ),
    max_leaves=20,
)
objects = st.recursive(
    TERMS.map(lambda t: (t, 0)),
    lambda inner: st.one_of(
        inner.map(lambda o: (f"[ <http://example.org/p> {o[0]} ]", o[1] + 1)),
        st.lists(inner, min_size=1, max_size=3).map(lambda os: ("( " + " ".join(o[0] for o in os) + " )",
                                                                max(o[1] for o in os) + 1)),
    ),
    max_leaves=10,
)
triples = st.tuples(paths, objects).map(lambda t: (f"?s {t[0][0]} {t[1][0]} .", max(t[0][1], t[1][1])))
groups = st.recursive(
    triples,
    lambda inner: st.one_of(
        inner.map(lambda g: (f"{{ {g[0]} }}", g[1] + 1)),
        st.tuples(inner, inner).map(lambda t: (f"{{ {t[0][0]} }} UNION {{ {t[1][0]} }}", max(t[0][1], t[1][1]) + 1)),
        inner.map(lambda g: (f"OPTIONAL {{ {g[0]} }}", g[1] + 1)),
        inner.map(lambda g: (f"MINUS {{ {g[0]} }}", g[1] + 1)),
        st.tuples(inner, expressions).map(lambda t: (f"{t[0][0]} FILTER({t[1][0]})", max(t[0][1], t[1][1] + 1))),
        st.tuples(inner, inner).map(lambda t: (f"{t[0][0]} {t[1][0]}", max(t[0][1], t[1][1]))),
    ),
    max_leaves=15,
)
#: wrappers that straddle the limit: n levels of one bracket kind around a generated body
WRAPS = {"{": "}", "(": ")", "!": ""}


@st.composite
def nested_queries(draw: st.DrawFn) -> tuple[str, int]:
    body, depth = draw(groups)
    kind = draw(st.sampled_from(sorted(WRAPS)))
    levels = draw(st.one_of(st.integers(0, 20), st.integers(LIMIT - 12, LIMIT + 12), st.integers(0, 3000)))
    if kind == "{":
        return "ASK " + "{" * levels + "{ " + body + " }" + "}" * levels, depth + levels + 1
    expression, inner = draw(expressions)
    if kind == "(":
        filter_ = "(" * levels + expression + ")" * levels
    else:
        filter_ = "!" * levels + expression
    return (f"ASK {{ {body} FILTER({filter_}) }}", max(depth + 1, inner + levels + 2))


def parses_in_a_thread(text: str) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            ox.Store().query(text, prefixes={"rdfs": "http://www.w3.org/2000/01/rdf-schema#",
                                             "drug": "https://w3id.org/jakgraph/drug/",
                                             "jak": "https://w3id.org/jakgraph/vocab/"})
        except SyntaxError:
            pass
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert not errors, errors


@UNIT
@given(case=nested_queries())
def test_the_limit_refuses_exactly_what_nests_too_deep(case: tuple[str, int]) -> None:
    text, depth = case
    measured = measure_sparql(text).depth
    assert measured >= depth - 1            # the strategy's depth is a bound the lexer must see
    try:
        check_sparql(text)
    except LimitExceeded as err:
        event("refused: " + err.limit.split(" (")[0])
        assert measured > LIMIT or err.limit != "the nesting depth of { } ( ) [ ] and !"
        return
    assert measured <= LIMIT
    event("passed the limits" + (", within 12 of the depth limit" if measured > LIMIT - 12 else ""))
    parses_in_a_thread(text)


@pytest.fixture(scope="module")
def client(built):
    state = fresh_state(built, query_timeout=3.0)
    with client_for(state) as test_client:
        yield test_client


def _check(response) -> None:
    assert response.status_code < 500 or response.status_code in (503, 504), response.text[:300]
    if response.status_code == 400:
        assert response.text.strip()


@APP
@given(case=nested_queries(), direct=st.booleans())
def test_nested_queries_never_get_a_500(client, case: tuple[str, int], direct: bool) -> None:
    text, _ = case
    if direct:
        response = client.post("/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query"})
    else:
        response = client.post("/sparql", data={"query": text})
    _check(response)
    if measure_sparql(text).depth > LIMIT:
        assert response.status_code == 400 and "JAKGRAPH_MAX_NESTING_DEPTH" in response.text


@pytest.mark.slow
@APP
@given(case=nested_queries())
def test_nested_updates_never_get_a_500_and_change_nothing(client, case: tuple[str, int]) -> None:
    text, _ = case
    update = "DELETE { <urn:x:never> <urn:x:never> <urn:x:never> } WHERE " + text.removeprefix("ASK ")
    response = client.post("/update", content=update.encode(),
                           headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"})
    _check(response)
    if response.status_code == 200:
        assert response.json()["status"] == "unchanged"
