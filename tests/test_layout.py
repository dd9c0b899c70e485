"""The package's shape: every module imports on its own, no two jakgraph modules import each other (directly
or round a loop), and an import hidden inside a function says why it is there.

Cycles are found on the import graph read from the source (``ast``), not by running it: an edge from a module
to every jakgraph module (and package ``__init__``) it imports at module level, ``if TYPE_CHECKING:`` blocks
aside. A module's own parent packages are not edges (Python imports them first, whatever the module says).
A second check adds the imports inside functions: a lazy import may buy start-up time, never hide a cycle.

The rule for imports inside functions (issue 10): module-level unless importing late buys start-up time
(rdflib's SPARQL engine, pyshacl, the web stack, in CLI paths and worker processes), and then with a
``# lazy: <reason>`` comment on the import or on the comment lines just above it.
"""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import jakgraph

PACKAGE_DIR = Path(jakgraph.__file__).parent
LAZY_COMMENT = re.compile(r"#\s*lazy:\s*\S")

def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


@dataclass(frozen=True)
class Import:
    module: str              # the importing module
    line: int
    end_line: int
    targets: tuple[str, ...]  # every name it may import: "a.b" and, for ``from a.b import c``, "a.b.c" too
    in_function: bool
    type_checking: bool


def imports_of(name: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def targets(node: ast.Import | ast.ImportFrom) -> tuple[str, ...]:
        if isinstance(node, ast.Import):
            return tuple(alias.name for alias in node.names)
        base = node.module or ""
        if node.level:
            package = name.split(".") if is_package else name.split(".")[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, *([base] if base else [])])
        return (base, *(f"{base}.{alias.name}" for alias in node.names))

    def walk(node: ast.AST, in_function: bool, type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                walk(child, True, type_checking)
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                walk(child, in_function, True)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(Import(name, child.lineno, child.end_lineno or child.lineno, targets(child),
                                    in_function, type_checking))
            else:
                walk(child, in_function, type_checking)

    walk(tree, False, False)
    return found


IMPORTS: list[Import] = [imp for name, path in MODULES.items() for imp in imports_of(name, path)]


def import_graph(with_function_level: bool) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for imp in IMPORTS:
        if imp.type_checking or (imp.in_function and not with_function_level):
            continue
        for target in imp.targets:
            parts = target.split(".")
            for n in range(1, len(parts) + 1):
                imported = ".".join(parts[:n])  # importing a.b.c runs a and a.b first
                if imported in MODULES and imported != imp.module and not imp.module.startswith(imported + "."):
                    graph[imp.module].add(imported)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, as its modules in order, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)) is not None:
            return cycle
    return None


def test_the_scan_sees_the_package() -> None:
    assert {"jakgraph", "jakgraph.build.pipeline", "jakgraph.build.validation", "jakgraph.web.app"} <= set(MODULES)
    graph = import_graph(with_function_level=False)
    assert "jakgraph.build.validation" in graph["jakgraph.build.pipeline"]
    assert "jakgraph.build.shacl_speedups" in graph["jakgraph.build.validation"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_between_jakgraph_modules() -> None:
    cycle = find_cycle(import_graph(with_function_level=False))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_import_cycle_hidden_in_a_function() -> None:
    cycle = find_cycle(import_graph(with_function_level=True))
    assert cycle is None, "import cycle through an import inside a function: " + " -> ".join(cycle or [])


@pytest.mark.slow
def test_every_module_imports_first_in_a_fresh_interpreter() -> None:
    """Each module is imported as the first jakgraph module of the interpreter (the others forgotten
    before each one), so no module works only when some other module happened to be imported before it."""
    names = [name for name in MODULES if not name.endswith("__main__")]
    script = (
        "import importlib, json, sys\n"
        "failures = {}\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    for key in [k for k in sys.modules if k == 'jakgraph' or k.startswith('jakgraph.')]:\n"
        "        del sys.modules[key]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as err:\n"
        "        failures[name] = f'{type(err).__name__}: {err}'\n"
        "print(json.dumps(failures))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, json.dumps(names)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    failures = json.loads(done.stdout.strip().splitlines()[-1])
    assert failures == {}, failures
    assert len(names) > 50


#: module -> heavy modules its lazy imports keep out of a fresh interpreter that imports only it
LAZY_PAYS = {
    "jakgraph.cli.load": ("pyshacl", "rdflib.plugins.sparql", "fastapi"),  # via stores.ondisk
    "jakgraph.cli.serve": ("fastapi", "uvicorn", "pyshacl"),
}


def test_the_lazy_imports_keep_heavy_modules_out() -> None:
    """What the ``# lazy:`` reasons in stores/ondisk.py and cli/serve.py claim: `jakgraph load` starts
    without pyshacl and rdflib's SPARQL engine, and `jakgraph --help` does not load the web stack for serve."""
    script = (
        "import importlib, json, sys\n"
        "name, heavy = sys.argv[1], json.loads(sys.argv[2])\n"
        "importlib.import_module(name)\n"
        "print(json.dumps([h for h in heavy if h in sys.modules]))\n"
    )
    for name, heavy in LAZY_PAYS.items():
        done = subprocess.run([sys.executable, "-c", script, name, json.dumps(heavy)], capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads(done.stdout.strip().splitlines()[-1]) == [], f"importing {name} loads these"


def test_help_keeps_heavy_modules_out() -> None:
    """`jakgraph --help` builds the parser of every command, so it imports every command module: their
    ``# lazy:`` imports keep pyshacl, rdflib's SPARQL engine, the web stack and the exchange libraries out."""
    heavy = ["pyshacl", "rdflib.plugins.sparql", "fastapi", "uvicorn", "curies", "sssom", "pandas", "linkml",
             "nanopub", "bmt", "biolink_model", "pronto", "markdown"]
    script = (
        "import json, sys\n"
        "from jakgraph.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps([h for h in json.loads(sys.argv[1]) if h in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, json.dumps(heavy)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "export" in done.stdout and "serve" in done.stdout  # the full parser was built
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [], "`jakgraph --help` loads these"


def _is_lazy_worthy(target: str) -> bool:
    """A jakgraph module or a third-party one: what an import inside a function must give a reason for."""
    top = target.split(".")[0]
    return top == "jakgraph" or top not in sys.stdlib_module_names


def _has_reason(imp: Import, lines: list[str]) -> bool:
    if any(LAZY_COMMENT.search(lines[n - 1]) for n in range(imp.line, imp.end_line + 1)):
        return True
    n = imp.line - 1  # the comment lines just above, across the imports (and blank lines) of the same block
    while n >= 1 and (not lines[n - 1].strip() or lines[n - 1].strip().startswith(("#", "import ", "from "))):
        if LAZY_COMMENT.search(lines[n - 1]):
            return True
        n -= 1
    return False


def unexplained_lazy_imports() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    sources = {name: path.read_text(encoding="utf-8").splitlines() for name, path in MODULES.items()}
    for imp in IMPORTS:
        if not imp.in_function or imp.type_checking or not any(_is_lazy_worthy(t) for t in imp.targets):
            continue
        lines = sources[imp.module]
        if not _has_reason(imp, lines):
            found.setdefault(imp.module, []).append(f"line {imp.line}: {lines[imp.line - 1].strip()}")
    return found


def test_every_import_inside_a_function_says_why() -> None:
    unexplained = unexplained_lazy_imports()
    assert unexplained == {}, (
        "imports inside functions without a '# lazy: <reason>' comment (move them to the top of the module "
        f"unless importing late buys start-up time): {unexplained}"
    )


def test_the_reason_check_reads_comments() -> None:
    source = [
        "def f():",
        "    # lazy: pyshacl is heavy",
        "    import pyshacl",
        "    from jakgraph import paths",
        "def g():",
        "    import rdflib  # lazy: rdflib's SPARQL engine",
        "def h():",
        "    import fastapi",
        "    # lazy:",
        "    import uvicorn",
        "    x = 1",
        "",
        "    import httpx",
        "    # lazy: the web stack",
        "    import starlette",
        "",
        "    from jakgraph.web import app",
    ]
    imports = [Import("m", n, n, (source[n - 1].split()[1],), True, False) for n in (3, 4, 6, 8, 10, 13, 15, 17)]
    assert [_has_reason(imp, source) for imp in imports] == [True, True, True, False, False, False, True, True]
    assert _is_lazy_worthy("jakgraph.build") and _is_lazy_worthy("pyshacl") and not _is_lazy_worthy("math")
