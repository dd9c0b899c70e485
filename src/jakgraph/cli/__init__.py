"""The ``jakgraph`` command: each sub-command lives in its own module and registers itself here.

Errors a user can cause print one line (``jakgraph: error: …``) and exit non-zero; no traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from jakgraph.errors import JakgraphError, SourceError

#: sub-command modules, in the order ``jakgraph --help`` lists them
COMMAND_MODULES: tuple[str, ...] = (
    "build",
    "query",
    "export",
    "stats",
    "coverage",
    "validate",
    "schema",
    "serve",
    "load",
    "push",
)


def make_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or (``only``) with just that one: each command module imports what
    it needs, so ``jakgraph load`` need not import the web server, rdflib's SPARQL engine or pyshacl."""
    parser = argparse.ArgumentParser(
        prog="jakgraph",
        description="The JAK-inhibitor / type I interferonopathy evidence graph: build, query, export, serve.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES if only is None else (only,):
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"{__name__}.{name}":
                continue  # a command not written yet is simply not offered
            raise
        module.register(sub)
    return parser


def one_line(err: Exception) -> str:
    """The error's message on one line (parsers such as Oxigraph's put line breaks in theirs)."""
    return " ".join(str(err).split())


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    parser = make_parser(given[0] if given and given[0] in COMMAND_MODULES else None)
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except SourceError as err:
        print(f"jakgraph: error: {one_line(err)}", file=sys.stderr)
        return 2 if args.command == "validate" else 1
    except JakgraphError as err:
        print(f"jakgraph: error: {one_line(err)}", file=sys.stderr)
        return getattr(err, "exit_code", 1)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
