"""External identifiers: the checked tables are committed in reference/, identical to the shared folder's
originals when it is present, and every identifier used in ontology/, data/ and shapes/ is in them
(``shared/tools/check-ids``, an extra check that needs the shared folder; skipped without it)."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from jakgraph import paths

NO_SHARED = f"no shared folder beside the checkout ({paths.SHARED_DIR} absent; set JAKGRAPH_SHARED=DIR to run this check)"


@pytest.mark.parametrize("path", [paths.IDENTIFIERS_PATH, paths.VOCABULARY_TERMS_PATH, paths.PREFIXES_PATH], ids=lambda p: p.name)
def test_the_tables_are_committed_in_the_repository(path: Path) -> None:
    assert path.is_relative_to(paths.ROOT / "reference"), path
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows, f"{path} has no rows"
    assert "prefix" in rows[0], f"{path} has no prefix column"


@pytest.mark.parametrize("copy", list(paths.SHARED_ORIGINALS), ids=lambda p: str(p.relative_to(paths.REFERENCE_DIR)))
def test_each_copy_equals_its_shared_original(copy: Path) -> None:
    original = paths.SHARED_ORIGINALS[copy]
    if not original.is_file():
        pytest.skip(NO_SHARED)
    assert copy.read_bytes() == original.read_bytes(), (
        f"{copy.relative_to(paths.ROOT)} differs from {original}: copy it again and date it (reference/README.md)"
    )


@pytest.mark.skipif(not paths.CHECK_IDS.is_file(), reason=NO_SHARED)
def test_check_ids_finds_no_unknown_identifier() -> None:
    result = subprocess.run(
        [sys.executable, str(paths.CHECK_IDS)], cwd=paths.ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.endswith(" 0 unknown"), result.stdout
    checked = int(last.split(":")[1].split()[0])
    assert checked > 300, f"suspiciously few identifier uses checked: {last}"
