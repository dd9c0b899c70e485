"""Time a full SHACL validation of the curated graph (what `jakgraph build` does before it loads anything).

Builds the curated graph once without validating it, then validates it N times from scratch (the guarded
graphs merged into a fresh Oxigraph store, the shapes copied and summarised, pyshacl run, the report
made) and prints the median, the spread, the CPU time and the machine's load (the machine is shared:
compare figures taken at similar load). Target: median under 2 s (with the speed-ups).

It times the validation with the pyshacl speed-ups (``jakgraph.build.shacl_speedups``) and without them
(pyshacl as shipped), unless told to do only one; both must give the same result.

    .venv/bin/python benchmarks/validate.py [--runs 5] [--speedups both|on|off]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from jakgraph.build import shacl_speedups
from jakgraph.build.pipeline import BuiltGraph, build_graph
from jakgraph.build.validation import ValidationOutcome, validate_dataset

TARGET_SECONDS = 2.0


def time_validations(built: BuiltGraph, runs: int) -> tuple[list[float], list[float], ValidationOutcome]:
    walls: list[float] = []
    cpus: list[float] = []
    outcome = None
    for _ in range(runs):
        if hasattr(built.dataset, "_jakgraph_shapes"):
            del built.dataset._jakgraph_shapes  # a cold run: shapes copied and prepared again
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = validate_dataset(built.dataset)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    assert outcome is not None and outcome.report is not None
    return walls, cpus, outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="validations to time (default 5)")
    parser.add_argument("--speedups", choices=("both", "on", "off"), default="both",
                        help="time with the pyshacl speed-ups, without them, or both (default)")
    args = parser.parse_args(argv)

    built = build_graph(validate=False)
    counts: dict[str, str] = {}
    for mode in (("on", "off") if args.speedups == "both" else (args.speedups,)):
        if mode == "on":
            walls, cpus, outcome = time_validations(built, args.runs)
            label = "with the speed-ups" if shacl_speedups.active() else "speed-ups REFUSED (see the log)"
        else:
            with shacl_speedups.suspended():
                walls, cpus, outcome = time_validations(built, args.runs)
            label = "without the speed-ups"
        report = outcome.report
        assert report is not None
        counts[mode] = report.counts_text()
        median = statistics.median(walls)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"validate ({label}): median {median:.3f} s wall over {args.runs} runs "
              f"(min {min(walls):.3f}, max {max(walls):.3f}; CPU median {statistics.median(cpus):.3f} s)")
        print(f"  {report.triples} triples; {report.shapes.describe() if report.shapes else 'no shapes'}")
        print(f"  result: {'conforms' if report.conforms else 'DOES NOT CONFORM'} ({report.counts_text()}); "
              f"load average {load}" + (f"; target < {TARGET_SECONDS:.0f} s: {'met' if median < TARGET_SECONDS else 'NOT met'}"
                                         if mode == "on" else ""))
    if len(set(counts.values())) > 1:
        print(f"the results differ with and without the speed-ups: {counts}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
