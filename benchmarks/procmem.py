"""Memory of a whole server, not of its first process: jakgraph answers from an HTTP process plus query
worker processes, so the RSS of the PID the benchmark started is a fraction of what the server holds.

:func:`tree_memory` sums over the process and all its descendants (found through ``/proc/*/stat``'s parent
PID) two figures: RSS (``VmRSS``: what each process has resident, pages shared between processes counted
once per process, so a sum over-counts what the machine gives them) and PSS (``Pss`` in
``/proc/PID/smaps_rollup``: each shared page divided among the processes that map it, so the sum is the
server's share of the machine's memory). Both are what ``ps``/``smem`` report; Linux only.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["TreeMemory", "descendants", "tree_memory"]


@dataclass(frozen=True)
class TreeMemory:
    processes: int
    rss_mib: float
    pss_mib: float

    def cell(self) -> str:
        """``RSS / PSS (n proc.)`` for a markdown table."""
        return f"{self.rss_mib:,.0f} / {self.pss_mib:,.0f} ({self.processes})"


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read()
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may hold spaces: fields after its last ')'
    return int(text[text.rindex(b")") + 2:].split()[1])


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, parents before children."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            parent = _parent(int(entry))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry))
    found, queue = [], [pid]
    while queue:
        current = queue.pop(0)
        found.append(current)
        queue.extend(sorted(children.get(current, [])))
    return found


def _field_kb(path: str, name: str) -> int:
    try:
        with open(path, encoding="ascii", errors="replace") as lines:
            for line in lines:
                if line.startswith(name):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory(pid: int) -> TreeMemory:
    """RSS and PSS (MiB) summed over ``pid`` and its descendants, now."""
    pids = [p for p in descendants(pid) if os.path.exists(f"/proc/{p}")]
    rss = sum(_field_kb(f"/proc/{p}/status", "VmRSS:") for p in pids)
    pss = sum(_field_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
    return TreeMemory(len(pids), rss / 1024, pss / 1024)
