"""Where the project's inputs live: every one inside the checkout, so a fresh clone stands alone.

The letter and the checked identifier tables are committed copies in ``reference/`` (see its README for
their provenance). The project's shared folder (``../shared`` beside the checkout, or ``JAKGRAPH_SHARED``)
is optional: when present, tests check the copies against it and run its ``tools/check-ids``.
"""
from __future__ import annotations

import os
from pathlib import Path

#: The checkout root (holds ontology/, data/, shapes/). Overridable for tests and installed use.
ROOT = Path(os.environ.get("JAKGRAPH_ROOT", Path(__file__).resolve().parents[2]))
ONTOLOGY_DIR = ROOT / "ontology"
DATA_DIR = ROOT / "data"
LETTER_DATA_DIR = DATA_DIR / "letter"
BACKGROUND_DATA_DIR = DATA_DIR / "background"
SHAPES_DIR = ROOT / "shapes"
EXAMPLES_DIR = ROOT / "examples"
DIST_DIR = Path(os.environ.get("JAKGRAPH_DIST", ROOT / "dist"))

#: Committed copies of the inputs jakgraph reads but does not curate (reference/README.md).
REFERENCE_DIR = ROOT / "reference"
LETTER_PATH = REFERENCE_DIR / "letter" / "letter.txt"
IDENTIFIERS_PATH = REFERENCE_DIR / "identifiers" / "identifiers.tsv"
PREFIXES_PATH = REFERENCE_DIR / "identifiers" / "prefixes.tsv"
VOCABULARY_TERMS_PATH = REFERENCE_DIR / "identifiers" / "vocabulary-terms.tsv"

#: The project's shared folder, when there is one: the originals of the copies above, and check-ids.
SHARED_DIR = Path(os.environ.get("JAKGRAPH_SHARED", ROOT.parent / "shared"))
CHECK_IDS = SHARED_DIR / "tools" / "check-ids"

#: Each in-repo copy and its original in the shared folder (reference/README.md).
SHARED_ORIGINALS: dict[Path, Path] = {
    LETTER_PATH: SHARED_DIR / "source" / "letter.txt",
    REFERENCE_DIR / "letter" / "README.md": SHARED_DIR / "source" / "README.md",
    IDENTIFIERS_PATH: SHARED_DIR / "reference" / "identifiers.tsv",
    PREFIXES_PATH: SHARED_DIR / "reference" / "prefixes.tsv",
    VOCABULARY_TERMS_PATH: SHARED_DIR / "reference" / "vocabulary-terms.tsv",
    REFERENCE_DIR / "identifiers" / "README.md": SHARED_DIR / "reference" / "README.md",
}
