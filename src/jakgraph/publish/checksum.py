"""The ``<file>.sha256`` beside every file in dist/ (dumps, KGX, nanopublications, SSSOM).

Why a module of its own: every writer of a file in dist/ needs it, and the writers import each other
(``dumps`` writes the exchange files through ``nanopub`` and ``sssom``); kept here, none of them has to
import another writer for it, so no import goes round a loop.
"""
from __future__ import annotations

import hashlib
from pathlib import Path


def write_checksum(path: Path) -> Path:
    """``<file>.sha256`` beside a dump, in the ``sha256sum`` format (``sha256sum -c`` checks it)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    checksum = path.with_name(path.name + ".sha256")
    checksum.write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return checksum


__all__ = ["write_checksum"]
