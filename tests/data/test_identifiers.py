"""External identifiers: every one used in ontology/, data/ and shapes/ is in the checked reference tables."""
from __future__ import annotations

import subprocess
import sys

import pytest

from jakgraph import paths


@pytest.mark.skipif(not paths.CHECK_IDS.is_file(), reason="../shared/tools/check-ids is not beside the checkout")
def test_check_ids_finds_no_unknown_identifier() -> None:
    result = subprocess.run(
        [sys.executable, str(paths.CHECK_IDS)], cwd=paths.ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.endswith(" 0 unknown"), result.stdout
    checked = int(last.split(":")[1].split()[0])
    assert checked > 300, f"suspiciously few identifier uses checked: {last}"
