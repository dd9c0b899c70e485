"""Where the project's inputs live: the checkout's folders and the shared reference material beside it."""
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

#: ../shared beside the checkout: the letter and the checked identifier tables.
SHARED_DIR = Path(os.environ.get("JAKGRAPH_SHARED", ROOT.parent / "shared"))
LETTER_PATH = SHARED_DIR / "source" / "letter.txt"
IDENTIFIERS_PATH = SHARED_DIR / "reference" / "identifiers.tsv"
PREFIXES_PATH = SHARED_DIR / "reference" / "prefixes.tsv"
VOCABULARY_TERMS_PATH = SHARED_DIR / "reference" / "vocabulary-terms.tsv"
CHECK_IDS = SHARED_DIR / "tools" / "check-ids"
