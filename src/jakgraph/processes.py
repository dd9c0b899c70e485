"""Whether a process runs: the one check the worker pool (its workers' health) and the scratch stores (is the
server that made this folder still there?) both need.

A killed child not yet reaped is a zombie: it holds its pid but runs nothing, so it counts as not running.
"""
from __future__ import annotations

import os

__all__ = ["running"]


def running(pid: int) -> bool:
    """True while process ``pid`` exists and is not a zombie (a process we may not signal counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True
