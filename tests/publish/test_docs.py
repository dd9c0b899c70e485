"""The outputs pasted into README.md and docs/*.md are what the graph and the CLI give today (regenerated in
memory and compared), they name no machine path, and CITATION.cff is valid citation metadata."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml

import jakgraph
from jakgraph import paths
from jakgraph.build.pipeline import build_graph
from jakgraph.errors import SourceError
from jakgraph.publish.docs import Generator, doc_files, regenerate


@pytest.fixture(scope="module")
def regenerated() -> dict[Path, str]:
    """Every page regenerated once, curl blocks included (a real `jakgraph serve` answers them)."""
    return regenerate(server=True)


@pytest.mark.slow
@pytest.mark.server
def test_every_pasted_output_is_current(regenerated: dict[Path, str]) -> None:
    stale = [page.relative_to(paths.ROOT) for page, text in regenerated.items() if page.read_text(encoding="utf-8") != text]
    assert not stale, f"stale outputs in {', '.join(map(str, stale))}: run `make docs` and commit the pages"


@pytest.mark.slow
@pytest.mark.server
def test_no_machine_path_is_pasted(regenerated: dict[Path, str]) -> None:
    for page, text in regenerated.items():
        for machine in (str(paths.ROOT), str(Path.home()) + "/", "/tmp/", "/work/"):
            assert machine not in text, f"{page.relative_to(paths.ROOT)} names the machine path {machine}"


def test_the_readme_is_for_a_researcher() -> None:
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 300
    for needed in ("make serve", "make test", "CITATION.cff", "## How to cite", "## Licence", "CC BY 4.0", "MIT"):
        assert needed in readme, needed
    for page in doc_files()[1:]:
        assert f"docs/{page.name}" in readme, f"the README does not point to docs/{page.name}"


def _render(text: str) -> str:
    page = paths.ROOT / "docs" / "page-under-test.md"  # never written: render() only reads the text it is given
    return Generator().render(page, text)


def test_values_and_filters_follow_the_graph() -> None:
    quads = len(build_graph(validate=False).store)
    text = _render("<!-- value: quads -->0<!-- /value --> quads\n<!-- output: jakgraph stats | grep total -->\n<!-- /output -->")
    assert text.startswith(f"<!-- value: quads -->{quads:,}<!-- /value --> quads")
    assert f"$ jakgraph stats | grep total\n  {quads:>7}  total\n```" in text


def test_curl_blocks_are_left_alone_without_a_server() -> None:
    block = "<!-- output: curl -s http://127.0.0.1:8000/health -->\nkept as it was\n<!-- /output -->"
    assert _render(block) == block


@pytest.mark.parametrize(
    "text, problem",
    [
        ("intro\n<!-- value: quads -->7", "has no <!-- /value -->"),
        ("<!-- value: no-such-count -->1<!-- /value -->", "unknown value 'no-such-count'"),
        ("<!-- table: nope -->\n<!-- /table -->", "unknown table 'nope'"),
        ("<!-- output: jakgraph stats | sort -->\n<!-- /output -->", "unsupported filter 'sort'"),
        ("<!-- output: ls -la -->\n<!-- /output -->", "runs `jakgraph …` or `curl …`"),
    ],
)
def test_a_bad_marker_is_named_with_its_page_and_line(text: str, problem: str) -> None:
    with pytest.raises(SourceError) as caught:
        _render(text)
    assert problem in str(caught.value)
    assert str(caught.value).startswith("docs/page-under-test.md:")


def test_citation_cff_is_valid_and_agrees_with_the_package() -> None:
    citation = yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert citation["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "abstract", "license", "version"):
        assert citation.get(key), key
    assert str(citation["version"]) == jakgraph.__version__  # the release's one place (publish/metadata.py)
    assert " AND ".join(citation["license"]) == project["license"]
    # the letter is cited without a DOI or PMID: none is known from a source read (reference/README.md)
    letter = next(ref for ref in citation["references"] if ref["authors"][0].get("family-names") == "Banday")
    assert "doi" not in letter and "pmid" not in letter


def test_citation_cff_passes_the_cff_schema() -> None:
    # cffconvert pins jsonschema < 4, which other test dependencies cannot share: it is not a declared
    # dependency, so this runs where it is installed (`pip install cffconvert` beside the suite)
    cffconvert = pytest.importorskip("cffconvert", reason="cffconvert is not installed (its jsonschema<4 pin clashes)")
    citation = cffconvert.Citation((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    citation.validate()
