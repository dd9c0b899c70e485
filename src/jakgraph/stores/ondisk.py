"""Keep the Oxigraph store on disk (``--store DIR``): reopen it without reloading, rebuild only on change.

Layout of ``DIR``::

    DIR/oxigraph/             the Oxigraph (RocksDB) store: `oxigraph serve --location DIR/oxigraph` reads it
    DIR/jakgraph-store.json   what jakgraph built into it: the fingerprint of the curated sources, when
    DIR/snapshots/            read-only checkpoints (hard links) the query workers open while serving

``serve --load FILE --shared-store`` uses the same layout in a private temporary folder
(:func:`scratch_store`), deleted at exit: the workers share one on-disk copy instead of loading their own.

The fingerprint is a SHA-256 over the curated files (ontology, data, shapes, examples and the derivation
rules: each file's path relative to the checkout and its bytes) and the package version. Opening a store
whose recorded fingerprint matches reuses it as it is: no parsing, no derivation, no validation (it was
validated when it was built), and no reload of the RDF loaded alongside. A different fingerprint rebuilds
the curated graphs (every named graph except ``graph/loaded/…``, and the default graph) and keeps the
loaded ones. The fingerprint is removed from the file before the store is touched and written back only
after the new curated graphs are in and flushed, so an interrupted rebuild is redone at the next start.

Curator writes committed to an on-disk store (``writes.py``) stay across restarts for as long as the
curated sources do not change; a change of sources rebuilds from the files, which are the reference.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox
from rdflib import Dataset, Graph

from jakgraph import __version__, paths
from jakgraph.build.sources import curated_sources, rdf_files
from jakgraph.errors import StoreError, StoreInUse
from jakgraph.processes import running
from jakgraph.stores.bridge import store_to_dataset
from jakgraph.stores.generation import StoreGeneration
from jakgraph.stores.loaded import is_loaded_graph

if TYPE_CHECKING:
    from jakgraph.build.pipeline import BuiltGraph  # imported when a store is opened (see open_persistent)

STORE_SUBDIR = "oxigraph"
SNAPSHOTS_SUBDIR = "snapshots"
META_FILE = "jakgraph-store.json"
META_FORMAT = 1

Status = Literal["created", "reused", "rebuilt"]


@dataclass
class OpenedStore:
    """A store opened from disk: the graph as a BuiltGraph, and what opening it took."""

    built: BuiltGraph
    status: Status
    fingerprint: str
    directory: Path
    seconds: float

    @property
    def store(self) -> ox.Store:
        return self.built.store


# ---------------------------------------------------------------------------------------------------
# fingerprint

def package_version() -> str:
    try:
        return version("jakgraph")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return __version__


def curated_files() -> list[tuple[str, Path]]:
    """Every file the curated graphs are built from, as (stable name, path), sorted by name."""
    files: list[tuple[str, Path]] = []
    for source in curated_sources():
        for path in rdf_files(source.folder):
            try:
                name = path.resolve().relative_to(paths.ROOT.resolve()).as_posix()
            except ValueError:
                name = path.resolve().as_posix()
            files.append((name, path))
    rules = resources.files("jakgraph.build") / "derivations"
    for item in rules.iterdir():
        if item.name.endswith(".rq"):
            files.append((f"derivations/{item.name}", Path(str(item))))
    return sorted(files)


def curated_fingerprint() -> str:
    """SHA-256 over the curated files' names and contents and the package version."""
    digest = hashlib.sha256()
    digest.update(f"jakgraph {package_version()}\n".encode())
    for name, path in curated_files():
        data = path.read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------------
# the directory

def store_path(directory: Path) -> Path:
    return Path(directory) / STORE_SUBDIR


def meta_path(directory: Path) -> Path:
    return Path(directory) / META_FILE


def read_meta(directory: Path) -> dict[str, object]:
    path = meta_path(directory)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # unreadable metadata: treated as "never built", so the curated graphs are rebuilt
    return data if isinstance(data, dict) else {}


def write_meta(directory: Path, data: dict[str, object]) -> None:
    """Replace the metadata file atomically (write a temporary file, fsync, rename)."""
    target = meta_path(directory)
    fd, tmp = tempfile.mkstemp(prefix=".jakgraph-store.", dir=str(directory))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_store_dir(directory: Path, *, create: bool = True) -> ox.Store:
    """The Oxigraph store in ``DIR/oxigraph`` (created if asked); a store in use raises StoreInUse."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise StoreError(f"{directory}: not a directory")
    if not create and not store_path(directory).is_dir():
        raise StoreError(f"{directory}: no jakgraph store here (expected {store_path(directory)})")
    if (directory / "CURRENT").exists() and not store_path(directory).exists():
        raise StoreError(f"{directory} is an Oxigraph store itself; give its parent folder, or a new one")
    store_path(directory).mkdir(parents=True, exist_ok=True)
    try:
        return ox.Store(str(store_path(directory)))
    except OSError as err:
        text = " ".join(str(err).split())
        if "lock" in text.lower():
            raise StoreInUse(f"{directory}: the store is open elsewhere (a running `jakgraph serve --store`?); "
                             f"stop it first ({text})") from None
        raise StoreError(f"{directory}: cannot open the store: {text}") from None


# ---------------------------------------------------------------------------------------------------
# a private temporary store (``serve --load FILE --shared-store``)

SCRATCH_PREFIX = "jakgraph-shared-"
_OWNER_FILE = "owner.pid"


@dataclass
class ScratchStore:
    """An on-disk store in a private temporary folder, deleted when the process exits.

    Why: query workers that each load the data into memory hold one copy each (at 1M triples, 357 MiB per
    worker); workers that open read-only checkpoints of one on-disk store share it through the page cache,
    which is not in anyone's resident memory. The folder goes at interpreter exit (``atexit``: a normal end,
    Ctrl-C, or SIGTERM, which uvicorn turns into a normal end); a folder left by a process killed with
    SIGKILL is removed by the next :func:`scratch_store` once its owner is gone."""

    store: ox.Store
    directory: Path

    @property
    def snapshots(self) -> Path:
        return self.directory / SNAPSHOTS_SUBDIR

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def scratch_store(parent: Path | None = None) -> ScratchStore:
    """A new empty on-disk store in a private folder under ``parent`` (default: the temporary folder,
    ``TMPDIR``; keep that on a disk: a store on a tmpfs is held in memory after all)."""
    root = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    remove_stale_scratch(root)
    directory = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=str(root)))
    (directory / _OWNER_FILE).write_text(f"{os.getpid()}\n", encoding="ascii")
    scratch = ScratchStore(ox.Store(str(store_path(directory))), directory)
    atexit.register(scratch.remove)
    return scratch


def remove_stale_scratch(root: Path) -> list[Path]:
    """Remove the scratch folders under ``root`` whose owning process is gone; the folders removed."""
    removed = []
    for folder in root.glob(SCRATCH_PREFIX + "*"):
        try:
            owner = int((folder / _OWNER_FILE).read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            continue  # not ours, or being created
        if not running(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed



# ---------------------------------------------------------------------------------------------------
# open or build

def open_persistent(directory: Path, *, validate: bool = True, rebuild: bool = False,
                    generation: StoreGeneration | None = None) -> OpenedStore:
    """Open the store in ``directory``: reuse it if its curated graphs are current, else (re)build them.

    ``generation``: the served store's generation, bumped once the store is open (reused or rebuilt)."""
    started = time.perf_counter()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    store = open_store_dir(directory)
    # read-only checkpoints the query workers of an earlier server used (the store's lock is ours now)
    shutil.rmtree(directory / SNAPSHOTS_SUBDIR, ignore_errors=True)
    fingerprint = curated_fingerprint()
    meta = read_meta(directory)
    # lazy: building and validating bring rdflib's SPARQL engine and pyshacl; `jakgraph load` imports this module
    from jakgraph.build.pipeline import BuiltGraph, build_graph
    from jakgraph.build.validation import ValidationOutcome

    current = (
        not rebuild
        and meta.get("format") == META_FORMAT
        and meta.get("fingerprint") == fingerprint
        and (meta.get("validated") or not validate)
    )
    if current:
        recorded = f"Conforms (validated when the store was built, {meta.get('built_at')})."
        built = BuiltGraph(
            dataset=curated_dataset(store),
            store=store,
            derived_counts=_derived_counts(meta),
            validation=ValidationOutcome(True, Graph(), recorded) if meta.get("validated") else None,
        )
        if generation is not None:
            generation.bump(f"reopened {directory}")
        return OpenedStore(built, "reused", fingerprint, directory, time.perf_counter() - started)
    status: Status = "rebuilt" if meta.get("built_at") or len(store) else "created"
    fresh = build_graph(validate=validate)  # in memory first: a source or shape error leaves the disk alone
    write_meta(directory, {**_meta_base(), "fingerprint": None, "state": "building"})
    replace_curated(store, fresh.store)
    store.flush()
    write_meta(directory, {
        **_meta_base(),
        "fingerprint": fingerprint,
        "state": "ready",
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "validated": fresh.validation is not None,
        "derived_counts": fresh.derived_counts,
        "curated_quads": len(fresh.store),
    })
    fresh.store = store
    if generation is not None:
        generation.bump(f"{status} {directory}")
    return OpenedStore(fresh, status, fingerprint, directory, time.perf_counter() - started)


def replace_curated(target: ox.Store, source: ox.Store) -> None:
    """Every graph of ``target`` except the loaded ones is replaced by the graphs of ``source``."""
    for name in list(target.named_graphs()):
        if not (isinstance(name, ox.NamedNode) and is_loaded_graph(name.value)):
            target.remove_graph(name)
    target.clear_graph(ox.DefaultGraph())
    target.extend(source)
    for name in source.named_graphs():
        target.add_graph(name)


def curated_graph_names(store: ox.Store) -> list[ox.NamedNode | ox.BlankNode]:
    return [g for g in store.named_graphs() if not (isinstance(g, ox.NamedNode) and is_loaded_graph(g.value))]


def curated_dataset(store: ox.Store) -> Dataset:
    """The curated graphs of the store (every graph but the loaded ones) as an rdflib Dataset."""
    return store_to_dataset(store, [ox.DefaultGraph(), *curated_graph_names(store)])


def _derived_counts(meta: dict[str, object]) -> dict[str, int]:
    recorded = meta.get("derived_counts") or {}
    if not isinstance(recorded, dict):
        raise TypeError(f"store metadata: derived_counts is {type(recorded).__name__}, not an object")
    return {str(k): int(v) for k, v in recorded.items()}


def _meta_base() -> dict[str, object]:
    return {"format": META_FORMAT, "jakgraph": package_version(), "oxigraph": ox.__version__
            if hasattr(ox, "__version__") else None}
