"""jakgraph.processes.running: a live process, a zombie, and a reaped one."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from jakgraph.processes import running


def test_this_process_runs() -> None:
    assert running(os.getpid())


def test_a_zombie_does_not_run_and_a_reaped_child_is_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while running(child.pid) and time.monotonic() < deadline:  # exits, but nobody has reaped it: a zombie
        time.sleep(0.01)
    assert not running(child.pid)
    assert os.path.exists(f"/proc/{child.pid}")  # still there, as a zombie
    child.wait()
    assert not running(child.pid)


def test_a_sleeping_child_runs() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert running(child.pid)
    finally:
        child.kill()
        child.wait()
