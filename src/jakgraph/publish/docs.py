"""Regenerate every output pasted into README.md and docs/*.md, so that no number in them can drift.

The graph grows as it is curated; a count typed by hand is wrong by the next commit (the README once
quoted four different sizes of the same graph). So the docs quote nothing by hand: each command output,
count, table and query answer sits between markers, and this module rewrites what is between them from
the graph and the CLI as they are now. ``tests/publish/test_docs.py`` regenerates in memory and requires
the committed files to be identical; ``make docs`` (``python -m jakgraph.publish.docs``) writes them.

Markers (HTML comments, invisible once rendered):

``<!-- output: jakgraph ARGS [| head -n N] [| tail -n N] [| grep [-v] WORD] -->`` … ``<!-- /output -->``
    A console block: the command as typed, then what it prints. ``jakgraph`` runs in this process, from
    the checkout's root; the filters after it behave as the shell's.
``<!-- output: curl ARGS … -->`` … ``<!-- /output -->``
    The same for a request to the endpoint: a real ``jakgraph serve`` is started on a free port for the
    run, and the command runs in ``bash`` with ``127.0.0.1:8000`` pointed at it (only with ``server=True``).
``<!-- include: PATH [LANGUAGE] -->`` … ``<!-- /include -->``
    A file of the checkout in a fenced block (a query a reader can copy).
``<!-- table: NAME -->`` … ``<!-- /table -->``
    A table read from the graph (see ``TABLES``).
``<!-- value: NAME -->`` … ``<!-- /value -->``
    One number inline (see ``Facts``).

No machine path is ever written: the checkout's root is shown as a relative path.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import httpx
import pyoxigraph as ox

from jakgraph import paths
from jakgraph.build.pipeline import BuiltGraph, build_graph
from jakgraph.build.report import ShapesSummary
from jakgraph.build.validation import shapes_graph, shapes_summary
from jakgraph.cli import main as jakgraph_main
from jakgraph.errors import SourceError
from jakgraph.publish.dumps import EXPORT_FORMATS, NANOPUBS_FILE, SSSOM_FILE
from jakgraph.views import home
from jakgraph.views.gallery import load_examples

#: pages the generator skips: docs/schema.md is written whole by ``jakgraph schema``
GENERATED_ELSEWHERE = frozenset({"schema.md"})

#: the address the docs show; a real server's port replaces it while the docs are generated
SHOWN_ADDRESS = "127.0.0.1:8000"

_BLOCK = re.compile(r"<!-- (?P<kind>output|include|table|value): (?P<arg>.*?) -->(?P<body>.*?)<!-- /(?P=kind) -->", re.S)
_OPEN = re.compile(r"<!-- (output|include|table|value): ")


def doc_files(root: Path | None = None) -> list[Path]:
    """README.md and every page under docs/ that carries generated outputs."""
    base = root or paths.ROOT
    pages = sorted(p for p in (base / "docs").glob("*.md") if p.name not in GENERATED_ELSEWHERE)
    return [base / "README.md", *pages]


# --- what the graph holds, computed once per run -------------------------------------------------------


class Facts:
    """The numbers and tables the docs quote, read from one build of the graph (made when first needed)."""

    @cached_property
    def built(self) -> BuiltGraph:
        return build_graph(validate=False)

    @property
    def store(self) -> ox.Store:
        return self.built.store

    @cached_property
    def shapes(self) -> ShapesSummary:
        return shapes_summary(shapes_graph(self.built.dataset))

    @cached_property
    def holds(self) -> list[tuple[str, int]]:
        return home.counts(self.store)

    def value(self, name: str) -> int:
        counted = dict(self.holds)
        values: dict[str, Callable[[], int]] = {
            "quads": lambda: len(self.store),
            "derived": lambda: sum(self.built.derived_counts.values()),
            "examples": lambda: len(load_examples(self.store)),
            "competency-questions": lambda: len(list((paths.ROOT / "tests" / "competency").glob("*.rq"))),
            "invalid-fixtures": lambda: len(list((paths.ROOT / "tests" / "fixtures" / "invalid").glob("*.ttl"))),
            "shapes": lambda: self.shapes.shapes,
            "node-shapes": lambda: self.shapes.node_shapes,
            "property-shapes": lambda: self.shapes.property_shapes,
            "constraints": lambda: self.shapes.total_constraints,
            "violation-constraints": lambda: self.shapes.constraints.get("Violation", 0),
            "warning-constraints": lambda: self.shapes.constraints.get("Warning", 0),
            "info-constraints": lambda: self.shapes.constraints.get("Info", 0),
            "sparql-constraints": lambda: self.shapes.sparql_constraints,
            "sentences": lambda: counted["sentences of the letter"],
            "references": lambda: counted["numbered references"],
            "treatment-statements": lambda: counted["treatment evidence statements"],
            "diseases": lambda: counted["diseases"],
            "drugs": lambda: counted["drugs"],
        }
        if name not in values:
            raise KeyError(f"unknown value {name!r}; known: {', '.join(sorted(values))}")
        return values[name]()


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _holds_table(facts: Facts, page: Path) -> str:
    return _table(["what", "how many"], [[what, f"{n:,}"] for what, n in facts.holds])


def _graphs_table(facts: Facts, page: Path) -> str:
    rows = [[f"`{g['curie']}`", f"{g['triples']:,}"] for g in home.graph_sizes(facts.store)]
    rows.append(["all (the default graph is their union)", f"{len(facts.store):,}"])
    return _table(["named graph", "triples"], rows)


def _gallery_table(facts: Facts, page: Path) -> str:
    up = os.path.relpath(paths.EXAMPLES_DIR, page.parent)
    rows = [
        [f"[{e.title}]({up}/{e.slug}.ttl)", e.kind, e.comment]
        for e in sorted(load_examples(facts.store), key=lambda e: e.title.lower())
    ]
    return _table(["example", "kind", "question"], rows)


def _downloads_table(facts: Facts, page: Path) -> str:
    rows = [
        [f"`jakgraph.{f.extension}`", f"`{f.media_type}`", "kept" if f.quads else "merged (union)"]
        for f in EXPORT_FORMATS.values()
    ]
    rows.append(["`jakgraph_nodes.tsv`, `jakgraph_edges.tsv`, `jakgraph_kgx_metadata.json`", "KGX (Biolink) TSV",
                 "letter, background and derived"])
    rows.append([f"`{NANOPUBS_FILE}`", "nanopublications (TriG, Trusty URIs)", "one per letter statement"])
    rows.append([f"`{SSSOM_FILE}`", "SSSOM mappings (TSV)", "every `skos:*Match`"])
    return _table(["file", "format", "named graphs"], rows)


def _question(query: Path) -> str:
    """The question a competency query answers: its leading ``#`` comment lines, joined."""
    lines = []
    for line in query.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


def _competency_table(facts: Facts, page: Path) -> str:
    up = os.path.relpath(paths.ROOT / "tests" / "competency", page.parent)
    rows = []
    for query in sorted((paths.ROOT / "tests" / "competency").glob("*.rq")):
        rows.append([f"[{query.stem}]({up}/{query.name})", _question(query)])
    return _table(["query", "question"], rows)


#: table name -> renderer (facts, the page it goes into: links are relative to it)
TABLES: dict[str, Callable[[Facts, Path], str]] = {
    "holds": _holds_table,
    "graphs": _graphs_table,
    "gallery": _gallery_table,
    "downloads": _downloads_table,
    "competency": _competency_table,
}


# --- command outputs ----------------------------------------------------------------------------------


def _pipeline(command: str) -> list[list[str]]:
    """The words of each stage of ``a | b | c``, split as the shell splits them (a quoted ``|`` stays)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|")
    lexer.whitespace_split = True
    stages: list[list[str]] = [[]]
    for token in lexer:
        if token == "|":
            stages.append([])
        else:
            stages[-1].append(token)
    return stages


def _apply_filter(lines: list[str], words: list[str]) -> list[str]:
    spec = " ".join(words)
    if words and words[0] in ("head", "tail") and len(words) == 3 and words[1] == "-n" and words[2].isdigit():
        n = int(words[2])
        return lines[:n] if words[0] == "head" else lines[-n:] if n else []
    if words and words[0] == "grep" and len(words) in (2, 3):
        invert = words[1] == "-v"
        if invert != (len(words) == 3):
            raise ValueError(f"grep [-v] WORD, not {spec!r}")
        pattern = re.compile(words[-1])
        return [line for line in lines if bool(pattern.search(line)) != invert]
    raise ValueError(f"unsupported filter {spec!r} (head -n N, tail -n N, grep [-v] WORD)")


def _jakgraph(command: str) -> str:
    """``jakgraph ARGS | filters``, run in this process from the checkout's root, as the shell would show it."""
    argv, *filters = _pipeline(command)
    if argv[:1] != ["jakgraph"]:
        raise ValueError(f"an output block runs `jakgraph …` or `curl …`, not {argv[:1]}")
    captured = io.StringIO()
    with contextlib.chdir(paths.ROOT), contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
        try:
            jakgraph_main(argv[1:])
        except SystemExit:  # argparse refuses the arguments
            raise ValueError(f"jakgraph refused its arguments: {captured.getvalue().strip()}") from None
    lines = captured.getvalue().splitlines()
    for spec in filters:
        lines = _apply_filter(lines, spec)
    return _tidy(lines)


def _tidy(lines: list[str]) -> str:
    """Trailing blanks dropped (the table renderer pads its last column; editors strip them anyway)."""
    return "\n".join(line.rstrip() for line in lines).strip("\n")


class Endpoint:
    """One real ``jakgraph serve`` on a free loopback port, for the ``curl`` blocks of a run."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.address = ""

    def start(self) -> str:
        if self.process is None:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            env = {**os.environ, "JAKGRAPH_ACCESS_LOG": "", "PYTHONPATH": os.pathsep.join(sys.path)}
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jakgraph.cli", "serve", "--port", str(port)],
                cwd=paths.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            self.address = f"127.0.0.1:{port}"
            self._wait_ready()
        return self.address

    def _wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError("jakgraph serve exited before it was ready")
            try:
                if httpx.get(f"http://{self.address}/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.3)
        raise RuntimeError(f"jakgraph serve not ready after {timeout} s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


def _curl(command: str, endpoint: Endpoint) -> str:
    address = endpoint.start()
    result = subprocess.run(
        ["bash", "-c", command.replace(SHOWN_ADDRESS, address)],
        cwd=paths.ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    return _tidy((result.stdout + result.stderr).replace(address, SHOWN_ADDRESS).splitlines())


# --- the rewrite ------------------------------------------------------------------------------------------


@dataclass
class Generator:
    """Rewrites the marked blocks of pages. ``server=False`` leaves ``curl`` blocks as they are."""

    server: bool = False
    facts: Facts = field(default_factory=Facts)
    endpoint: Endpoint = field(default_factory=Endpoint)

    def render(self, page: Path, text: str) -> str:
        self._check_markers(page, text)

        def block(match: re.Match[str]) -> str:
            kind, arg = match["kind"], match["arg"]
            try:
                body = self._body(kind, arg, page, match["body"])
            except (KeyError, ValueError, OSError, RuntimeError) as err:
                line = text.count("\n", 0, match.start()) + 1
                raise SourceError(str(page.relative_to(paths.ROOT)), f"<!-- {kind}: {arg.strip()} -->: {err}", line) from None
            return f"<!-- {kind}: {arg} -->{body}<!-- /{kind} -->"

        return _BLOCK.sub(block, text)

    def _body(self, kind: str, arg: str, page: Path, old: str) -> str:
        if kind == "value":
            return f"{self.facts.value(arg.strip()):,}"
        if kind == "table":
            name = arg.strip()
            if name not in TABLES:
                raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES)}")
            return "\n" + TABLES[name](self.facts, page) + "\n"
        if kind == "include":
            location, _, language = arg.strip().partition(" ")
            content = (paths.ROOT / location).read_text(encoding="utf-8").rstrip("\n")
            return f"\n```{language or ''}\n{content}\n```\n"
        command = arg.strip()
        if command.startswith("curl"):
            if not self.server:
                return old
            output = _curl(command, self.endpoint)
        else:
            output = _jakgraph(command)
        return f"\n```console\n$ {command}\n{output}\n```\n"

    @staticmethod
    def _check_markers(page: Path, text: str) -> None:
        """Every opening marker has its closing one (else a block would silently stay stale)."""
        matched = {m.start() for m in _BLOCK.finditer(text)}
        for opening in _OPEN.finditer(text):
            if opening.start() not in matched:
                line = text.count("\n", 0, opening.start()) + 1
                raise SourceError(str(page.relative_to(paths.ROOT)), f"<!-- {opening[1]}: … --> has no <!-- /{opening[1]} -->", line)

    def close(self) -> None:
        self.endpoint.stop()


@contextlib.contextmanager
def generator(server: bool = False) -> Iterator[Generator]:
    made = Generator(server=server)
    try:
        yield made
    finally:
        made.close()


def regenerate(pages: list[Path] | None = None, *, server: bool = False) -> dict[Path, str]:
    """Each page's text with its blocks regenerated (nothing written)."""
    with generator(server=server) as gen:
        return {page: gen.render(page, page.read_text(encoding="utf-8")) for page in pages or doc_files()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the outputs pasted into README.md and docs/*.md.")
    parser.add_argument("--no-server", action="store_true", help="leave the curl blocks (which need a server) as they are")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a page is stale")
    args = parser.parse_args(argv)
    stale = []
    for page, text in regenerate(server=not args.no_server).items():
        if page.read_text(encoding="utf-8") != text:
            stale.append(page.relative_to(paths.ROOT))
            if not args.check:
                page.write_text(text, encoding="utf-8")
    verb = "stale" if args.check else "rewritten"
    print(f"{len(stale)} page(s) {verb}" + (": " + ", ".join(map(str, stale)) if stale else ""))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
