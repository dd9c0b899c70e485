"""The input limits (jakgraph.policy.limits): each one at and past its value, the messages, and the CLI.

What is checked: a text exactly at a limit passes and Oxigraph parses it without harm (in a thread, as the
HTTP process parses updates); one past it is refused with a message naming the limit, the value found and
the setting; the measures count what their names say; the CLI prints one line and exits 2.
"""
from __future__ import annotations

import gzip
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from jakgraph.cli import main
from jakgraph.errors import InputTooLarge, LimitExceeded
from jakgraph.policy.limits import (
    Limits,
    check_rdf,
    check_size,
    check_sparql,
    measure_rdf,
    measure_sparql,
)
from jakgraph.settings import Settings
from limits_support import (
    LIMITS,
    at_token_limit,
    bangs,
    long_iri,
    long_literal,
    long_prefix,
    nested_braces,
    nested_brackets,
    nested_parens,
    patterns,
    plus_chain,
    prefixes,
    union_chain,
    values,
)

#: (name, the text at the limit, the text past it, the limit's setting)
CASES = [
    ("braces", nested_braces(256), nested_braces(257), "JAKGRAPH_MAX_NESTING_DEPTH"),
    ("parentheses", nested_parens(254), nested_parens(255), "JAKGRAPH_MAX_NESTING_DEPTH"),
    ("brackets", nested_brackets(201), nested_brackets(202), "JAKGRAPH_MAX_NESTING_DEPTH"),
    ("unary !", bangs(254), bangs(255), "JAKGRAPH_MAX_NESTING_DEPTH"),
    ("operator chain", *at_token_limit(plus_chain), "JAKGRAPH_MAX_QUERY_TOKENS"),
    ("UNION chain", *at_token_limit(union_chain), "JAKGRAPH_MAX_QUERY_TOKENS"),
    ("triple patterns", patterns(100), patterns(101), "JAKGRAPH_MAX_TRIPLE_PATTERNS"),
    ("VALUES rows", values(50_000), values(50_001), "JAKGRAPH_MAX_VALUES_ROWS"),
    ("prefixes", prefixes(1000), prefixes(1001), "JAKGRAPH_MAX_PREFIXES"),
    ("IRI length", long_iri(8192), long_iri(8193), "JAKGRAPH_MAX_TOKEN_LENGTH"),
    ("prefix length", long_prefix(8192), long_prefix(8193), "JAKGRAPH_MAX_TOKEN_LENGTH"),
    ("literal length", long_literal(65_536), long_literal(65_537), "JAKGRAPH_MAX_LITERAL_LENGTH"),
]


def parse_in_a_thread(text: str) -> str:
    """Oxigraph parses (and runs, on an empty store) the text in a thread, as the HTTP process would."""
    outcome: list[str] = []

    def run() -> None:
        try:
            result = ox.Store().query(text)
            if isinstance(result, ox.QuerySolutions):
                list(result)
            outcome.append("ok")
        except SyntaxError as err:
            outcome.append(f"syntax error: {err}")

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    return outcome[0]


@pytest.mark.parametrize("name, at, past, setting", CASES, ids=[c[0] for c in CASES])
def test_at_the_limit_passes_and_parses_past_it_is_refused(name: str, at: str, past: str, setting: str) -> None:
    check_sparql(at, LIMITS)
    assert parse_in_a_thread(at) == "ok"
    with pytest.raises(LimitExceeded) as refused:
        check_sparql(past, LIMITS)
    message = str(refused.value)
    assert setting in message and refused.value.status == 400
    assert f"{refused.value.found:,}" in message and f"{refused.value.allowed:,}" in message
    step = 4 if "chain" in name else 1   # one more step of a chain is a few more tokens
    assert refused.value.allowed < refused.value.found <= refused.value.allowed + step


def test_the_crashers_of_the_issue_are_refused_with_the_depth_found() -> None:
    update = "INSERT { <http://a> <http://b> <http://c> } WHERE " + "{" * 5000 + "}" * 5000
    with pytest.raises(LimitExceeded, match="is 5,000 levels, the limit is 256"):
        check_sparql(update, LIMITS)
    with pytest.raises(LimitExceeded, match="is 20,002 levels"):
        check_sparql(nested_parens(20_000), LIMITS)


def test_escaped_brackets_count_as_brackets() -> None:
    """Oxigraph decodes \\u escapes before it parses, so ``\\u007B`` nests like ``{``."""
    text = "ASK " + "\\u007B" * 300 + "\\u007D" * 300
    with pytest.raises(LimitExceeded, match="nesting depth"):
        check_sparql(text, LIMITS)


def test_measures_count_what_their_names_say() -> None:
    figures = measure_sparql("PREFIX a: <http://a/> PREFIX b: <http://b/>\n"
                             "SELECT * WHERE { ?s a:p ?o ; a:q ?r , ?t . ?s a:r [ a:s 1 ] "
                             "FILTER(?o != 'x') VALUES (?x ?y) { (1 2) (3 UNDEF) } }")
    assert figures.prefixes == 2
    assert figures.triple_patterns == 5          # p, q (r), q (t), r, and s inside the brackets
    assert figures.values_rows == 2
    assert figures.depth == 3                    # { … VALUES … { ( … ) } }
    assert measure_sparql("INSERT DATA { " + "<http://s> <http://p> 1 . " * 3000 + "}").tokens == 4
    assert measure_sparql("SELECT * { VALUES ?x { 1 2 3 } }").values_rows == 3


def test_settings_configure_the_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAKGRAPH_MAX_NESTING_DEPTH", "8")
    settings = Settings()
    assert settings.max_nesting_depth == 8
    check_sparql(nested_braces(8), settings)
    with pytest.raises(LimitExceeded, match="JAKGRAPH_MAX_NESTING_DEPTH"):
        check_sparql(nested_braces(9), settings)


def test_size_is_413() -> None:
    with pytest.raises(InputTooLarge) as refused:
        check_size(11, 10, "query", "JAKGRAPH_MAX_QUERY_BYTES")
    assert refused.value.status == 413 and "11 bytes" in str(refused.value)


# -- RDF --------------------------------------------------------------------------------------------

def turtle_nested(n: int) -> str:
    return "<http://x/s> <http://x/p> " + "( " * n + "1" + " )" * n + " ."


def jsonld_nested(n: int) -> str:
    return '{"@id": "http://x/s", "http://x/p": ' + '{"http://x/p": ' * n + '"v"' + "}" * n + "}"


def rdfxml_nested(n: int) -> str:
    inner = '<rdf:Description rdf:about="http://x/s">' + "<ex:p><rdf:Description>" * n + "<ex:q>v</ex:q>"
    close = "</rdf:Description></ex:p>" * n + "</rdf:Description>"
    return ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            f'xmlns:ex="http://x/">{inner}{close}</rdf:RDF>')


@pytest.mark.parametrize("fmt, build, per_level", [
    (ox.RdfFormat.TURTLE, turtle_nested, 1), (ox.RdfFormat.JSON_LD, jsonld_nested, 1),
    (ox.RdfFormat.RDF_XML, rdfxml_nested, 2),
])
def test_rdf_nesting(fmt: ox.RdfFormat, build, per_level: int) -> None:
    limits = Limits.of(Settings(max_rdf_nesting_depth=64, max_nesting_depth=64))
    text = build(10)
    assert 10 * per_level <= measure_rdf(text, fmt).depth <= 10 * per_level + 3   # + the wrappers
    list(ox.parse(text.encode(), format=fmt))   # the sample is real RDF
    check_rdf(text, fmt, limits)
    with pytest.raises(LimitExceeded, match="JAKGRAPH_MAX_NESTING_DEPTH" if fmt == ox.RdfFormat.JSON_LD
                       else "JAKGRAPH_MAX_RDF_NESTING_DEPTH"):
        check_rdf(build(70), fmt, limits)


def test_json_ld_takes_the_sparql_nesting_limit() -> None:
    """Oxigraph's JSON-LD parser recurses (4,000 nested objects overflow a thread's stack): 256 parses."""
    check_rdf(jsonld_nested(254), ox.RdfFormat.JSON_LD, LIMITS)
    outcome: list[int] = []
    worker = threading.Thread(target=lambda: outcome.append(len(list(ox.parse(
        jsonld_nested(254).encode(), format=ox.RdfFormat.JSON_LD)))))
    worker.start()
    worker.join()
    assert outcome == [255]
    with pytest.raises(LimitExceeded, match="JAKGRAPH_MAX_NESTING_DEPTH"):
        check_rdf(jsonld_nested(4000), ox.RdfFormat.JSON_LD, LIMITS)
    check_rdf(turtle_nested(20_000), ox.RdfFormat.TURTLE, LIMITS)   # 20,000-level Turtle still passes


def test_rdf_literal_and_iri_length() -> None:
    long_literal_ttl = '<http://x/s> <http://x/p> "' + "a" * 70_000 + '" .'
    with pytest.raises(LimitExceeded, match="longest literal"):
        check_rdf(long_literal_ttl.encode(), ox.RdfFormat.N_TRIPLES, LIMITS)
    long_iri_ttl = "<http://x/" + "a" * 9000 + "> <http://x/p> 1 ."
    with pytest.raises(LimitExceeded, match="longest token"):
        check_rdf(long_iri_ttl, ox.RdfFormat.TURTLE, LIMITS)
    xml = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://x/">'
           '<rdf:Description rdf:about="http://x/s"><ex:p>' + "a" * 70_000 + "</ex:p></rdf:Description></rdf:RDF>")
    with pytest.raises(LimitExceeded, match="longest literal"):
        check_rdf(xml, ox.RdfFormat.RDF_XML, LIMITS)
    check_rdf(b'<http://x/s> <http://x/p> "\xff\xfe" .', ox.RdfFormat.N_TRIPLES, LIMITS)  # the parser says why


# -- the CLI: one line, exit 2 ----------------------------------------------------------------------

def one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str], needle: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("jakgraph: error: input limit exceeded") and needle in err


def test_cli_query_of_a_nested_file_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nested = tmp_path / "nested.rq"
    nested.write_text(nested_braces(5000), encoding="utf-8")
    one_line_exit_2(["query", "--file", str(nested)], capsys, "JAKGRAPH_MAX_NESTING_DEPTH")
    one_line_exit_2(["query", nested_parens(20_000)], capsys, "20,002 levels")


def test_cli_validate_and_load_check_files_first(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAKGRAPH_MAX_RDF_NESTING_DEPTH", "64")
    deep = tmp_path / "deep.ttl"
    deep.write_text(turtle_nested(100), encoding="utf-8")
    one_line_exit_2(["validate", str(deep)], capsys, "deep.ttl: the nesting depth")
    store_dir = tmp_path / "store"
    one_line_exit_2(["load", str(deep), "--store", str(store_dir), "--quiet"], capsys, "JAKGRAPH_MAX_RDF")
    assert not store_dir.exists()          # refused before the store was even opened
    packed = tmp_path / "long.nt.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as handle:
        handle.write('<http://x/s> <http://x/p> "' + "a" * 70_000 + '" .\n')
    one_line_exit_2(["load", str(packed), "--store", str(store_dir), "--quiet"], capsys, "longest literal")


@pytest.mark.slow
def test_cli_push_checks_what_it_would_send(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "long.nt"
    data.write_text('<http://x/s> <http://x/p> "' + "a" * 5000 + '" .\n', encoding="utf-8")
    store_dir = tmp_path / "store"
    assert main(["load", str(data), "--store", str(store_dir), "--quiet"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("JAKGRAPH_MAX_LITERAL_LENGTH", "1000")
    # port 9 (discard) is never asked: the limit is checked before any connection
    one_line_exit_2(["push", "--to", "http://127.0.0.1:9", "--store", str(store_dir), "--with-loaded",
                     "--graph", "https://w3id.org/jakgraph/graph/loaded/long"], capsys, "longest literal")


def test_the_docs_table_matches_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/limits.md states each default and setting; they must be the ones Settings reads."""
    for name in list(__import__("os").environ):
        if name.startswith("JAKGRAPH_MAX_"):
            monkeypatch.delenv(name)
    defaults = Settings()
    table = (Path(__file__).resolve().parents[2] / "docs" / "limits.md").read_text(encoding="utf-8")
    rows = [line.split("|")[1:-1] for line in table.splitlines() if "`JAKGRAPH_MAX_" in line and line.startswith("|")]
    assert len(rows) == 11
    for _, default, setting, _ in rows:
        name = setting.strip().strip("`").removeprefix("JAKGRAPH_").lower()
        assert getattr(defaults, name) == int(default.split()[0]), (name, default)
    message = str(pytest.raises(LimitExceeded, check_sparql, nested_braces(5000), defaults).value)
    assert message in table   # the message shown in the docs is the real one
