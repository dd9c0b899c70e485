"""Speed-ups for pyshacl's internals that change no validation result, only the time taken; fenced.

Why they exist: plain pyshacl spends most of a validation of the curated graph (about ten times the patched
time; ``benchmarks/validate.py`` times both) asking three questions again and again whose answers cannot change
during it (see each patch below). Why they are fenced: each one replaces a pyshacl internal (a
module global, a method, a class attribute), so each is right only for the pyshacl code it was read against.
Hence:

- nothing happens on import; the validator calls :func:`install` (idempotent, thread-safe) before it runs
  pyshacl;
- they install only for the exact pyshacl releases in :data:`SUPPORTED_PYSHACL` (read from the installed
  distribution's metadata). Any other release validates unpatched — the same results, slower — and says so
  once in the log. Upgrading pyshacl therefore means reading these patches against the new source, then
  adding its version here;
- none of them depends on how pyshacl mutates what it is handed: the constraint-parameter list keeps set-speed
  membership that is re-checked against the list's current contents on every lookup, whatever changed it
  (append, extend, ``+=``, insert, slice assignment, ...);
- :func:`suspended` runs validations unpatched, so a test can require identical reports with and without them
  (``tests/build/test_shacl_speedups.py``) and the benchmark can time both (``benchmarks/validate.py``).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

log = logging.getLogger(__name__)

#: the pyshacl releases whose source these patches were read against (pyshacl/shape.py,
#: pyshacl/helper/sparql_query_helper.py, pyshacl/graph_abstraction.py)
SUPPORTED_PYSHACL = frozenset({"0.40.1"})


@cache
def installed_pyshacl_version() -> str:
    """The installed pyshacl distribution's version (what the fence compares with SUPPORTED_PYSHACL)."""
    try:
        return version("pyshacl")
    except PackageNotFoundError:
        return "unknown"


class MembershipList(list[Any]):
    """A list whose ``in`` is a set lookup, right after any change to the list.

    pyshacl looks each predicate of a shape up in a list of ~40 constraint parameters, comparing rdflib terms
    one by one in Python. Here the lookup goes to a set, rebuilt whenever the list's contents differ from the
    snapshot it was built from. That check is one C-level pass of identity comparisons, so it does not rely
    on which method changed the list: ``append``, ``extend``, ``+=``, ``insert``, slice assignment, ``del``,
    even ``list.append(lst, x)`` called on the base type all show up at the next lookup."""

    _index: tuple[list[Any], frozenset[Any]]  # (the contents the set was built from, the set)

    def __contains__(self, item: object) -> bool:
        index = self.__dict__.get("_index")  # one attribute, so a concurrent rebuild is never seen half-made
        if index is None or not list.__eq__(self, index[0]):
            snapshot = list(self)
            try:
                index = self._index = (snapshot, frozenset(snapshot))
            except TypeError:  # an unhashable member: plain list membership, never a wrong answer
                return list.__contains__(self, item)
        try:
            return item in index[1]
        except TypeError:  # an unhashable item
            return list.__contains__(self, item)

    def copy(self) -> MembershipList:
        return MembershipList(self)


@dataclass
class _Patch:
    """One speed-up: what it replaces, how to put it in and take it out again."""

    name: str
    apply: Callable[[], None]
    restore: Callable[[], None]


def _patches() -> list[_Patch]:
    """The patches, made against the installed pyshacl (only called once its version has passed the fence)."""
    # lazy: pyshacl's internals are imported only for a release the patches were written for
    import pyshacl.shape as pyshacl_shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    from pyshacl.graph_abstraction import OxigraphDataGraph
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

    patches: list[_Patch] = []

    # 1. Shape.validate looks every predicate of a shape up in the module global CONSTRAINT_PARAMS[0], a list
    #    of ~40 constraint parameters (once per shape evaluation, so once per value node inside sh:or):
    #    about a million rdflib term comparisons per validation. Same list, same order, set-speed ``in``.
    missing = object()
    saved_params = getattr(pyshacl_shape, "CONSTRAINT_PARAMS", missing)

    def apply_params() -> None:
        pyshacl_shape.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
            MembershipList(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP,
        )

    def restore_params() -> None:
        if saved_params is missing:
            vars(pyshacl_shape).pop("CONSTRAINT_PARAMS", None)
        else:
            pyshacl_shape.CONSTRAINT_PARAMS = saved_params  # type: ignore[attr-defined]

    patches.append(_Patch("constraint-parameter lookup", apply_params, restore_params))

    # 2. SPARQLQueryHelper.pre_bind_variables re-checks the text of a SPARQL constraint (no MINUS, VALUES,
    #    SERVICE; nested SELECTs; AS) with backtracking regexes once per focus node. The verdict depends only
    #    on the text, whether a value node is given, the extra variables and the (class-level) regexes, so it
    #    is remembered per that key. A refusal raises and is never remembered: it is raised again each time.
    original_check = SPARQLQueryHelper.check_invalid_sparql
    verdicts: dict[tuple[type, str, bool, frozenset[str]], Any] = {}

    def check_invalid_sparql(self: Any, sparql_text: str, valuenode: Any = None, extravars: Any = None) -> Any:
        key = (type(self), sparql_text, valuenode is not None, frozenset(extravars or ()))
        try:
            return verdicts[key]
        except KeyError:
            verdict = verdicts[key] = original_check(self, sparql_text, valuenode=valuenode, extravars=extravars)
            return verdict

    def apply_check() -> None:
        SPARQLQueryHelper.check_invalid_sparql = check_invalid_sparql  # type: ignore[method-assign]

    def restore_check() -> None:
        SPARQLQueryHelper.check_invalid_sparql = original_check  # type: ignore[method-assign]

    patches.append(_Patch("SPARQL constraint text check", apply_check, restore_check))

    # 3. Every result pyshacl builds (even the discarded results of an sh:or branch) tests the data graph's
    #    truth (``datagraph or shapes_graph``); with no __bool__, Python asks len(), which the Oxigraph-backed
    #    graph answers with a COUNT over every graph of the store (tens of milliseconds). The same answer —
    #    does the store hold any quad, in any graph — comes from asking for the first quad.
    saved_bool = vars(OxigraphDataGraph).get("__bool__", missing)

    def has_any_quad(self: Any) -> bool:
        return next(iter(self.impl.quads_for_pattern(None, None, None, None)), None) is not None

    def apply_bool() -> None:
        OxigraphDataGraph.__bool__ = has_any_quad  # type: ignore[attr-defined]

    def restore_bool() -> None:
        if saved_bool is missing:
            del OxigraphDataGraph.__bool__  # type: ignore[attr-defined]
        else:
            OxigraphDataGraph.__bool__ = saved_bool  # type: ignore[attr-defined]

    patches.append(_Patch("data-graph truth", apply_bool, restore_bool))
    return patches


_lock = threading.Lock()
_installed: list[_Patch] = []
_suspensions = 0
_refusals_logged: set[str] = set()


def install() -> bool:
    """Put the speed-ups in place (once per process; later calls cost one attribute read). True when they
    are active; False when suspended, or when the installed pyshacl is not a release they were written for
    (then validation runs unpatched, with the same results, and the log says so once)."""
    if _installed:
        return True
    with _lock:
        if _installed:
            return True
        if _suspensions:
            return False
        found = installed_pyshacl_version()
        if found not in SUPPORTED_PYSHACL:
            if found not in _refusals_logged:
                _refusals_logged.add(found)
                log.warning(
                    "pyshacl %s is not a release the validation speed-ups were written for (%s): validating "
                    "without them (same results, slower)", found, ", ".join(sorted(SUPPORTED_PYSHACL)),
                )
            return False
        patches = _patches()
        for patch in patches:
            patch.apply()
        _installed.extend(patches)
        return True


def active() -> bool:
    return bool(_installed)


def uninstall() -> None:
    """Take the speed-ups out again (pyshacl as shipped); a later install() may put them back."""
    with _lock:
        _uninstall_locked()


def _uninstall_locked() -> None:
    while _installed:
        _installed.pop().restore()


@contextmanager
def suspended() -> Iterator[None]:
    """Validations inside run on pyshacl as shipped (process-wide: meant for tests and benchmarks, which
    compare with and without). The speed-ups come back at the next validation after it ends."""
    global _suspensions
    with _lock:
        _suspensions += 1
        _uninstall_locked()
    try:
        yield
    finally:
        with _lock:
            _suspensions -= 1


__all__ = [
    "SUPPORTED_PYSHACL", "MembershipList", "active", "install", "installed_pyshacl_version", "suspended",
    "uninstall",
]
