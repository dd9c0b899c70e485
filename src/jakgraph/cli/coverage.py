"""``jakgraph coverage``: each sentence of the letter with the statements it backs, or why it backs none."""
from __future__ import annotations

import argparse
import json
import sys
import textwrap

from jakgraph.views.coverage import CoverageReport, sentence_coverage


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("coverage", help="each sentence of the letter with the statements it backs, and a percentage")
    parser.add_argument("--format", default="text", choices=["text", "json"], help="output format (default: text)")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a sentence backs no statement and gives no reason"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from jakgraph.build.pipeline import (
        build_graph,  # lazy: pyshacl and rdflib's SPARQL engine; `jakgraph --help` imports every command module
    )

    built = build_graph(validate=False)
    report = sentence_coverage(built.store)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(report))
    return 1 if args.strict and report.unexplained else 0


def render_text(report: CoverageReport) -> str:
    width = max((len(s.key) for s in report.sentences), default=5)
    lines: list[str] = []
    for s in report.sentences:
        lines.append(f"{s.key.ljust(width)}  {s.first_words()}")
        indent = " " * (width + 2)
        if s.statements:
            count = len(s.statements)
            names = ", ".join(b.curie for b in s.statements)
            lines.extend(
                textwrap.wrap(
                    f"{count} statement{'s' if count != 1 else ''}: {names}",
                    width=110, initial_indent=indent + "→ ", subsequent_indent=indent + "  ",
                    break_on_hyphens=False,
                )
            )
        elif s.not_modelled_because:
            lines.extend(
                textwrap.wrap(
                    f"not modelled: {s.not_modelled_because}",
                    width=110, initial_indent=indent + "– ", subsequent_indent=indent + "  ",
                )
            )
        else:
            lines.append(indent + "! backs no statement and gives no reason")
    lines.append("")
    lines.append(report.summary())
    return "\n".join(lines) + "\n"
