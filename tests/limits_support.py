"""Query texts built to a size or a depth, for the input-limit tests (tests/policy/test_limits.py, whose
cases they build, and tests/policy/test_hostile.py, which sends them to a real server)."""
from __future__ import annotations

from collections.abc import Callable

from jakgraph.policy.limits import Limits, measure_sparql
from jakgraph.settings import Settings

LIMITS = Limits.of(Settings())


def nested_braces(n: int) -> str:
    return "ASK " + "{" * n + "}" * n


def nested_parens(n: int) -> str:        # depth n + 2 (the group and FILTER's own parenthesis)
    return "ASK { FILTER(" + "(" * n + "true" + ")" * n + ") }"


def nested_brackets(n: int) -> str:      # depth n + 55: braces around 55 blank-node levels (56 triple patterns)
    return "ASK " + "{" * n + "?s <http://x/p> " + "[ <http://x/p> " * 55 + "1" + " ]" * 55 + "}" * n


def bangs(n: int) -> str:                # depth n + 2
    return "ASK { FILTER(" + "!" * n + "true) }"


def plus_chain(n: int) -> str:
    return "ASK { FILTER(" + " + ".join(["1"] * n) + " > 0) }"


def union_chain(n: int) -> str:
    return "ASK { " + " UNION ".join(["{}"] * n) + " }"


def patterns(n: int) -> str:
    return "SELECT * WHERE { " + " . ".join(f"?s <http://x/p{i}> ?o{i}" for i in range(n)) + " }"


def values(n: int) -> str:
    return "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?x { " + "1 " * n + "} }"


def prefixes(n: int) -> str:
    return "".join(f"PREFIX p{i}: <http://x/{i}#>\n" for i in range(n)) + "ASK {}"


def long_iri(n: int) -> str:             # the IRI token (with its brackets) is n characters
    return "ASK { <http://x/" + "a" * (n - 11) + "> ?p ?o }"


def long_prefix(n: int) -> str:          # the PNAME_NS token is n characters
    return "PREFIX " + "p" * (n - 1) + ": <http://x/> ASK {}"


def long_literal(n: int) -> str:         # the literal token (with its quotes) is n characters
    return "ASK { FILTER('" + "a" * (n - 2) + "' != '') }"


def at_token_limit(build: Callable[[int], str], limit: int = LIMITS.max_query_tokens) -> tuple[str, str]:
    """The largest text of ``build(n)`` within the token limit, and the next one."""
    n = 1
    while measure_sparql(build(n * 2)).tokens <= limit:
        n *= 2
    low, high = n, n * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if measure_sparql(build(middle)).tokens <= limit else (low, middle)
    return build(low), build(high)
