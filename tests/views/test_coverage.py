"""jakgraph.views.coverage: sentences with the statements they back, or their reason, and the percentage."""
from __future__ import annotations

from jakgraph.namespaces import curie
from jakgraph.views.coverage import CoverageReport, SentenceCoverage, sentence_coverage


def test_report_on_the_built_graph(built) -> None:
    report = sentence_coverage(built.store)
    assert [s.reading_order for s in report.sentences] == list(range(1, 41))
    by_key = {s.key: s for s in report.sentences}
    assert {b.curie for b in by_key["p2-s5"].statements} >= {
        "stmt:savi-baricitinib-after-ruxolitinib",
        "stmt:savi-ruxolitinib-child-no-initial-response",
    }
    assert "jak:TreatmentEvidence" in {curie(t) for b in by_key["p2-s5"].statements for t in b.types}
    assert (by_key["figure-1-s3"].not_modelled_because or "").startswith("figure caption")
    assert by_key["title"].statements == ()
    assert report.backing == 35 and report.not_modelled == 5 and report.unexplained == ()


def test_percentage_and_unexplained() -> None:
    sentences = (
        SentenceCoverage("p1-s1", "1", 1, 1, "One two three.", statements=()),
        SentenceCoverage("p1-s2", "1", 2, 2, "Four.", not_modelled_because="opinion"),
    )
    report = CoverageReport(sentences)
    assert report.percentage == 0.0 and [s.key for s in report.unexplained] == ["p1-s1"]
    assert report.as_dict()["unexplained"] == ["p1-s1"]
    assert CoverageReport(()).percentage == 0.0


def test_first_words() -> None:
    s = SentenceCoverage("p", "1", 1, 1, "a b c d e f g h i j")
    assert s.first_words(3) == "a b c …"
    assert SentenceCoverage("p", "1", 1, 1, "a b").first_words(3) == "a b"


def test_curie() -> None:
    assert curie("https://w3id.org/jakgraph/statement/savi-ruxolitinib") == "stmt:savi-ruxolitinib"
    assert curie("http://purl.obolibrary.org/obo/MONDO_0014405") == "MONDO:0014405"
    assert curie("https://example.org/x") == "https://example.org/x"
