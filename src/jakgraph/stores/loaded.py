"""Load big RDF files (ontologies such as MONDO, HPO, GO) alongside the curated graph, one named graph each.

Each file goes into ``https://w3id.org/jakgraph/graph/loaded/<name>`` (``<name>``: the file name without
its RDF and compression extensions, or ``--name``). Loading streams: the file is read in small chunks
through Oxigraph's bulk loader (``Store.bulk_load`` on a file object; ``gzip.open`` for ``.gz``), so
the loader's memory does not grow with the file, while a progress line shows bytes/s and triples/s.

A file that does not parse raises :class:`~jakgraph.errors.SourceError` naming the file and the line,
and leaves the store exactly as it was: Oxigraph's bulk loader (0.5) commits only at the end of a file
(measured: a syntax error on the last line of a 4M-triple file leaves no quad behind), and when a file
*replaces* a graph that is already there, a streaming syntax check runs first so the old graph is only
dropped once the new file is known to parse. Quad formats (N-Quads, TriG, JSON-LD) are streamed through
Python so that all their quads land in the file's one graph.

OBO ontologies (``.obo``) and HPO disease annotations (``.hpoa``), optionally ``.gz``, are not RDF: they
are converted by :mod:`jakgraph.stores.obo` (pronto; the OBO-in-OWL form, so OBO PURL class IRIs join the
curated ``skos:*Match`` links) and the resulting quads are added in one transaction, after the whole file
has parsed, so a bad file again leaves the store as it was.

Loaded graphs are never SHACL-validated: they are other people's data, kept apart from the curated
graphs by their graph name, and listed by :func:`loaded_graphs` for the Service Description and VoID.
"""
from __future__ import annotations

import contextlib
import ctypes
import gzip
import io
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from jakgraph import formats
from jakgraph.errors import JakgraphError, SourceError
from jakgraph.namespaces import LOADED_GRAPHS
from jakgraph.policy.limits import check_rdf_file
from jakgraph.stores.generation import StoreGeneration
from jakgraph.stores.obo import convert, is_hpoa, is_obo

#: the formats a file is loaded from: by extension (``.gz`` may follow any) or by ``--format`` name
LOADABLE = formats.GRAPH_FORMATS
#: non-RDF files converted by jakgraph.stores.obo (named like the RDF ones, so they get a graph name too)
CONVERTED_EXTENSIONS = (".obo", ".hpoa")
_QUAD_FORMATS = {ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG, ox.RdfFormat.JSON_LD}
_LINE_FORMATS = {ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS}
_CHUNK = 1 << 20
#: quads per commit when a file is streamed through Python (quad formats, or ``--batch``)
_DEFAULT_BATCH = 1_000_000


@dataclass(frozen=True)
class LoadedGraph:
    """One graph of extra RDF: its IRI, its name (the last IRI segment) and, when asked, its size."""

    iri: str
    name: str
    triples: int | None = None


@dataclass(frozen=True)
class LoadResult:
    path: Path
    graph: str
    format: str
    triples: int
    bytes_read: int
    seconds: float
    replaced: bool

    @property
    def triples_per_second(self) -> float:
        return self.triples / self.seconds if self.seconds > 0 else 0.0


# ---------------------------------------------------------------------------------------------------
# names and formats

def graph_name_for(path: Path) -> str:
    """``mondo.owl.gz`` -> ``mondo``: the file name without compression and RDF extensions, IRI-safe."""
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    stem, dot, ext = name.rpartition(".")
    if dot and (formats.by_extension(ext) is not None or "." + ext.lower() in CONVERTED_EXTENSIONS):
        name = stem
    return check_graph_name(re.sub(r"[^A-Za-z0-9._~-]+", "-", name).strip("-.") or "graph")


def check_graph_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._~-]*", name):
        raise JakgraphError(f"graph name {name!r}: use letters, digits, '.', '_', '~' and '-' only")
    return name


def graph_iri(name: str) -> str:
    return str(LOADED_GRAPHS[check_graph_name(name)])


def check_load_limits(path: Path, settings: object, explicit: str | None = None) -> None:
    """The input limits (``jakgraph.policy.limits``) on a file about to be loaded, before any parser sees it.

    RDF files only: OBO and HPO annotation files are read by pronto and a line-based reader, neither of which
    recurses on nesting, and their size is bounded by the conversion itself."""
    if explicit is None and (is_obo(path) or is_hpoa(path)):
        return
    check_rdf_file(path, detect_format(path, explicit), settings)


def detect_format(path: Path, explicit: str | None = None) -> ox.RdfFormat:
    """The RDF format from ``--format`` or the extension (under any ``.gz``); ``.owl`` is sniffed."""
    if explicit:
        return formats.format_named("graph", explicit.lstrip("."), LOADABLE).rdf
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    suffix = "." + name.rpartition(".")[2] if "." in name else ""
    found = formats.by_extension(suffix) if suffix else None
    if found is None:
        known = ", ".join(sorted("." + ext for f in LOADABLE for ext in (f.extension, *f.extensions)))
        raise SourceError(str(path), f"cannot tell the RDF format from the name (known: {known}, "
                                     "optionally .gz); give --format")
    fmt = found.rdf
    if suffix == ".owl":
        fmt = _sniff_owl(path)
    return fmt


def _sniff_owl(path: Path) -> ox.RdfFormat:
    with _open_data(path) as stream:
        head = stream.read(4096).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if head.startswith("<"):
        return ox.RdfFormat.RDF_XML
    if re.match(r"(Prefix|Ontology)\s*\(", head):
        raise SourceError(str(path), "OWL functional syntax is not RDF; convert it to RDF/XML or Turtle "
                                     "first (e.g. `robot convert --format owl`)", 1)
    return ox.RdfFormat.TURTLE


def _open_data(path: Path) -> io.BufferedIOBase:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


# ---------------------------------------------------------------------------------------------------
# progress

def _si(value: float) -> str:
    for unit in ("", "k", "M", "G"):
        if abs(value) < 1000:
            return f"{value:.0f}{unit}" if unit == "" else f"{value:.1f}{unit}"
        value /= 1000
    return f"{value:.1f}T"


def _size(value: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


class Progress:
    """One status line on ``stream``: percent, bytes/s, triples/s; redrawn in place on a terminal.

    Not a terminal (a log, a test): a new line every ``interval`` seconds (default 5) and a last one.
    A ticker thread keeps it moving while Oxigraph builds its indexes after the last byte was read.
    """

    def __init__(self, label: str, total_bytes: int | None, stream: IO[str] | None = None,
                 interval: float | None = None, exact_triples: bool = False) -> None:
        self.label = label
        self.total = total_bytes
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval if interval is not None else (0.25 if self.tty else 5.0)
        self.exact = exact_triples
        self.bytes = 0
        self.triples = 0
        self.phase = "reading"
        self.started = time.monotonic()
        self._last = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Progress:
        self._thread = threading.Thread(target=self._tick, name="jakgraph-load-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            self.draw(force=True)

    def update(self, nbytes: int, triples: int = 0) -> None:
        self.bytes += nbytes
        self.triples += triples
        if self.tty:
            self.draw()

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        parts = [self.label]
        if self.total:
            done = min(self.bytes / self.total, 1.0)
            filled = int(done * 20)
            parts.append(f"[{'#' * filled}{'.' * (20 - filled)}] {done:6.1%} of {_size(self.total)}")
        else:
            parts.append(_size(self.bytes))
        parts.append(f"{_size(self.bytes / elapsed)}/s")
        approx = "" if self.exact else "~"
        parts.append(f"{approx}{_si(self.triples)} triples ({approx}{_si(self.triples / elapsed)} triples/s)")
        parts.append(f"{elapsed:.1f}s")
        if self.phase != "reading":
            parts.append(self.phase)
        return " | ".join(parts)

    def draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        with self._lock:
            self._last = now
            text = self.line()
            if self.tty:
                self.stream.write("\r\x1b[2K" + text)
            else:
                self.stream.write(text + "\n")
            self.stream.flush()

    def finish(self, text: str) -> None:
        self._stop.set()
        with self._lock:
            self.stream.write(("\r\x1b[2K" if self.tty else "") + text + "\n")
            self.stream.flush()


class _CountingReader(io.RawIOBase):
    """A binary reader that reports each chunk to a Progress: compressed bytes read, lines seen."""

    def __init__(self, data: io.BufferedIOBase, raw: IO[bytes], progress: Progress | None, count_lines: bool) -> None:
        super().__init__()
        self._data = data
        self._raw = raw  # the file on disk (for gzip: the compressed stream, whose position is progress)
        self._progress = progress
        self._lines = count_lines
        self._pos = 0
        self.lines = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 - any writable buffer
        view = memoryview(buffer)
        n = self._data.readinto(view)
        if not n:
            if self._progress is not None:
                self._progress.phase = "indexing"
            return 0
        lines = view[:n].tobytes().count(b"\n") if self._lines else 0
        self.lines += lines
        if self._progress is not None:
            pos = self._raw.tell()
            self._progress.update(pos - self._pos, lines)
            self._pos = pos
        return n


# ---------------------------------------------------------------------------------------------------
# loading

def load_file(store: ox.Store, path: Path, *, name: str | None = None, fmt: str | None = None,
              replace: bool = True, progress: bool | IO[str] = True,
              progress_interval: float | None = None, batch: int | None = None,
              generation: StoreGeneration | None = None) -> LoadResult:
    """Bulk-load one RDF file (optionally gzip-compressed) into its own graph ``graph/loaded/<name>``.

    ``generation``: the served store's generation, bumped once the file is in (every cache keys on it).

    ``replace`` (default) lets the file take the place of a graph of the same name; otherwise that is an
    error. On a syntax error: :class:`SourceError` with the file and line, and the store unchanged.

    ``batch``: commit every ``batch`` triples (one parser over the whole file, so blank nodes stay whole),
    which bounds the loader's memory whatever the file's size, at some cost in speed. By default the file
    goes through Oxigraph's bulk loader in one piece (fastest; its memory grows with the file, sub-linearly).
    """
    path = Path(path)
    if not path.is_file():
        raise SourceError(str(path), "no such file")
    if fmt is None and (is_obo(path) or is_hpoa(path)):
        return _load_converted(store, path, name=name, replace=replace, progress=progress)
    rdf_format = detect_format(path, fmt)
    graph_name, target, existed = _target(store, path, name, replace)
    stream = None if progress is False else (sys.stderr if progress is True else progress)
    started = time.monotonic()
    total = path.stat().st_size
    if existed:
        # the old graph goes only once the new file is known to parse
        check_syntax(path, rdf_format)
    with open(path, "rb") as raw:
        data: io.BufferedIOBase = gzip.GzipFile(fileobj=raw, mode="rb") if path.name.lower().endswith(".gz") else raw
        meter = Progress(f"loading {path.name}", total, stream, progress_interval,
                         exact_triples=rdf_format in _QUAD_FORMATS or bool(batch)) if stream is not None else None
        reader = _CountingReader(data, raw, meter, count_lines=rdf_format in _LINE_FORMATS)
        buffered = io.BufferedReader(reader, buffer_size=_CHUNK)
        try:
            with meter if meter is not None else contextlib.nullcontext():
                if existed:
                    store.remove_graph(target)
                if rdf_format in _QUAD_FORMATS or batch:
                    _load_quads_into(store, buffered, rdf_format, target, meter, batch or _DEFAULT_BATCH)
                else:
                    store.bulk_load(buffered, format=rdf_format, to_graph=target)
        except SyntaxError as err:
            _restore(store, target, existed)
            raise SourceError(str(path), _syntax_message(err), _syntax_line(err)) from None
        except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError, ValueError) as err:
            _restore(store, target, existed)
            raise SourceError(str(path), f"cannot load: {' '.join(str(err).split()) or type(err).__name__}") from None
        except BaseException:
            _restore(store, target, existed)
            raise
    if not store.contains_named_graph(target):
        store.add_graph(target)  # an empty file still makes its (empty) graph
    if generation is not None:
        generation.bump(f"loaded {path.name}")
    triples = count_triples(store, target.value)
    seconds = time.monotonic() - started
    result = LoadResult(path, target.value, rdf_format.name, triples, total, seconds, existed)
    if meter is not None:
        meter.finish(
            f"loaded {path.name}: {triples:,} triples into <{target.value}> in {seconds:.1f}s "
            f"({_si(result.triples_per_second)} triples/s, {_size(total / max(seconds, 1e-9))}/s)"
        )
    return result


def _target(store: ox.Store, path: Path, name: str | None, replace: bool) -> tuple[str, ox.NamedNode, bool]:
    """The graph a file loads into (its name, its IRI, whether it is already there); refuses to overwrite one
    that is loaded unless ``replace``."""
    graph_name = check_graph_name(name) if name else graph_name_for(path)
    target = ox.NamedNode(graph_iri(graph_name))
    existed = store.contains_named_graph(target)
    if existed and not replace:
        raise JakgraphError(f"graph {target.value} is already loaded; use --replace to load it again")
    return graph_name, target, existed


def _load_converted(store: ox.Store, path: Path, *, name: str | None, replace: bool,
                    progress: bool | IO[str]) -> LoadResult:
    """An OBO or HPO annotation file: converted in full first (a bad file touches nothing), then swapped in."""
    graph_name, target, existed = _target(store, path, name, replace)
    stream = None if progress is False else (sys.stderr if progress is True else progress)
    started = time.monotonic()
    if stream is not None:
        stream.write(f"converting {path.name} ({'OBO ontology' if is_obo(path) else 'HPO annotations'})\n")
        stream.flush()
    with tempfile.TemporaryFile(mode="w+b", prefix="jakgraph-", suffix=".nt") as spool:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="\n")
        convert(path, text)  # raises SourceError before the store is touched
        text.flush()
        spool.seek(0)
        try:
            if existed:
                store.remove_graph(target)
            store.bulk_load(spool, format=ox.RdfFormat.N_TRIPLES,
                            to_graph=target)
        except BaseException:
            _restore(store, target, existed)
            raise
        finally:
            text.detach()
    if not store.contains_named_graph(target):
        store.add_graph(target)
    triples = count_triples(store, target.value)
    seconds = time.monotonic() - started
    total = path.stat().st_size
    kind = "OBO" if is_obo(path) else "HPOA"
    result = LoadResult(path, target.value, kind, triples, total, seconds, existed)
    if stream is not None:
        stream.write(f"loaded {path.name}: {triples:,} triples into <{target.value}> in {seconds:.1f}s\n")
        stream.flush()
    return result


def _load_quads_into(store: ox.Store, data: IO[bytes], rdf_format: ox.RdfFormat, target: ox.NamedNode,
                     meter: Progress | None, batch: int) -> None:
    """One parser over the whole file, committed every ``batch`` quads; every quad, whatever graph the file
    names, goes into the file's one graph. Blank nodes get fresh identifiers (as ``bulk_load`` gives them),
    the same for every occurrence of a label in the file, so two files never share a blank node."""
    fresh: dict[str, ox.BlankNode] = {}

    def own(term):  # noqa: ANN001, ANN202
        if isinstance(term, ox.BlankNode):
            found = fresh.get(term.value)
            if found is None:
                found = fresh[term.value] = ox.BlankNode()
            return found
        return term

    parsed = ox.parse(data, format=rdf_format)
    while True:
        chunk = []
        for quad in parsed:
            subject, obj = quad.subject, quad.object
            if isinstance(subject, ox.BlankNode) or isinstance(obj, ox.BlankNode):
                subject, obj = own(subject), own(obj)
            chunk.append(ox.Quad(subject, quad.predicate, obj, target))
            if len(chunk) >= batch:
                break
        if not chunk:
            return
        store.bulk_extend(chunk)
        if meter is not None:
            meter.triples += len(chunk)
        if len(chunk) < batch:
            return


def _restore(store: ox.Store, target: ox.NamedNode, existed: bool) -> None:
    """After a failed load: a graph that was not there before must not be there after."""
    if not existed and store.contains_named_graph(target):
        store.remove_graph(target)


def check_syntax(path: Path, rdf_format: ox.RdfFormat | None = None) -> int:
    """Parse the whole file without storing it (streaming); its triple count, or SourceError."""
    rdf_format = rdf_format or detect_format(path)
    count = 0
    try:
        with _open_data(path) as data:
            # pyoxigraph reads any binary file object (a GzipFile too); its stub names only typing.IO
            for _ in ox.parse(data, format=rdf_format):  # type: ignore[arg-type]
                count += 1
    except SyntaxError as err:
        raise SourceError(str(path), _syntax_message(err), _syntax_line(err)) from None
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as err:
        raise SourceError(str(path), f"cannot read: {' '.join(str(err).split())}") from None
    return count


def _syntax_line(err: SyntaxError) -> int | None:
    if isinstance(err.lineno, int):
        return err.lineno
    match = re.search(r"line (\d+)", str(err))
    return int(match.group(1)) if match else None


def _syntax_message(err: SyntaxError) -> str:
    text = " ".join(str(err).split())
    text = re.sub(r"\s*\([^()]*line \d+\)$", "", text)  # Oxigraph appends "(file, line N)"
    return "RDF syntax error: " + text[:400]


# ---------------------------------------------------------------------------------------------------
# what is loaded

def count_triples(store: ox.Store, graph: str) -> int:
    result = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert isinstance(result, ox.QuerySolutions)
    for row in result:
        return int(row["n"].value)
    return 0


def loaded_graphs(store: ox.Store, *, counts: bool = False) -> list[LoadedGraph]:
    """The graphs of extra RDF in the store (``graph/loaded/…``), by name; with triple counts if asked.

    For the Service Description and VoID: each is a named graph of the dataset, not validated.
    """
    prefix = str(LOADED_GRAPHS)
    names = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value.startswith(prefix))
    return [LoadedGraph(iri, iri[len(prefix):], count_triples(store, iri) if counts else None) for iri in names]


def is_loaded_graph(iri: str) -> bool:
    return iri.startswith(str(LOADED_GRAPHS))


def unload(store: ox.Store, name: str, *, generation: StoreGeneration | None = None) -> bool:
    """Drop ``graph/loaded/<name>``; False if it was not there."""
    target = ox.NamedNode(graph_iri(name))
    if not store.contains_named_graph(target):
        return False
    store.remove_graph(target)
    if generation is not None:
        generation.bump(f"unloaded {name}")
    return True


def release_memory() -> bool:
    """Hand the memory the bulk loader freed back to the system (glibc ``malloc_trim``); False elsewhere.

    Why: Oxigraph's bulk loader works in large buffers that it frees at the end, but glibc keeps freed
    memory in the process. Measured after loading 1M triples into an on-disk store: 222 MiB resident
    before, 30 MiB after. The server calls it once the files are in, so that a long-lived process does not
    hold its loading peak."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # the process's own symbols: libc's on Linux
    if trim is None:
        return False  # not glibc (musl, macOS): nothing to do
    trim(0)
    return True


def load_files(store: ox.Store, files: list[Path], *, progress: bool | IO[str] = True,
               replace: bool = True, on_loaded: Callable[[LoadResult], None] | None = None,
               generation: StoreGeneration | None = None) -> list[LoadResult]:
    """Load several files, each in its own graph; stops at the first failure (earlier files stay)."""
    names = [graph_name_for(Path(f)) for f in files]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise JakgraphError(f"two files would load into the same graph: {', '.join(duplicates)}; rename one")
    results = []
    for path in files:
        result = load_file(store, Path(path), replace=replace, progress=progress, generation=generation)
        results.append(result)
        if on_loaded is not None:
            on_loaded(result)
    return results
